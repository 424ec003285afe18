"""Honest grading: every checker refuses a solution that delegates to the lib function it re-implements,
and its hidden test runs inputs the visible check does not.

For each checker whose ``@exercise(..., forbids=...)`` names lib functions, a "solution" that calls
the forbidden function (through its module, as a learner would write ``static.ppmi(X)``) and one
that *is* the forbidden function (``my_ppmi = static.ppmi``) must both raise ``ExerciseError``;
the same holds in hidden mode. Hidden mode draws other inputs (``lib.exercises.rng``) and never
shows the expected value: for every checker, a correct solution (``SOLUTIONS`` of
tests/test_exercises_part*.py) that records its inputs sees one in the hidden run that the visible
run never passed it, and a solution that memorised the visible cases' answers fails the hidden test.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import inspect
import types

import numpy as np
import pytest

import test_exercises_part1
import test_exercises_part2
import test_exercises_part3
import test_exercises_part4
import test_exercises_part5
import test_exercises_part6
from lib import exercises, geometry
from lib.exercises import ExerciseError, part1, part2, part3, part4, part5, part6

MODULES = (part1, part2, part3, part4, part5, part6)
CHECKERS = [(m.__name__.rsplit(".", 1)[1], name, getattr(m, name)) for m in MODULES for name in m.__all__
            if name.startswith("check_") and getattr(getattr(m, name), "forbidden", None)]
EVERY_CHECKER = [(m.__name__.rsplit(".", 1)[1], name, getattr(m, name)) for m in MODULES for name in m.__all__
                 if name.startswith("check_")]
NEEDS = {"check_analogy": ("kv",), "check_odd_one_out": ("kv",), "check_decontextualized": ("encoder",)}
#: a correct solution of each checker, from the part's own tests: "partN" -> {checker name -> its learner
#: arguments, or a function of a fixture getter that returns them}
SOLUTIONS = {f"part{i}": t.SOLUTIONS for i, t in enumerate((test_exercises_part1, test_exercises_part2,
                                                            test_exercises_part3, test_exercises_part4,
                                                            test_exercises_part5, test_exercises_part6), 1)}
#: the checkers whose hidden test repeated the visible cases until issue 20
ONCE_FIXED = {"check_analogy", "check_sgns_optimum", "check_char_ngrams", "check_noise_distribution",
              "check_self_similarity", "check_mev", "check_decontextualized", "check_abtt", "check_rogue",
              "check_min_tau", "check_parallel", "check_anchors", "check_overlap", "check_circle_pairs",
              "check_qrels", "check_extrapolation", "check_pair_recall", "check_doc_count", "check_bytes",
              "check_token_prf", "check_frequent_words", "check_pq_bytes", "check_retention", "check_qr_rows",
              "check_equal_memory", "check_sif", "check_speedup"}
#: checkers of values the learner computed (no function to call): their hidden test recomputes the
#: expected values with lib.geometry on transformed inputs, so it is lib.geometry's inputs that are recorded
VALUE_CHECKS = {"check_rogue", "check_parallel", "check_anchors"}


def _delegate(dotted):
    module, _, name = dotted.rpartition(".")

    def delegating(*args, **kwargs):      # looks the function up at call time, as notebook code does
        return getattr(importlib.import_module(module), name)(*args, **kwargs)
    return delegating


def test_every_check_is_an_exercise():
    for m in MODULES:
        for name in m.__all__:
            if name.startswith("check_"):
                fn = getattr(m, name)
                assert getattr(fn, "label", "").startswith("ex-"), f"{m.__name__}.{name} lacks @exercise"
                assert "hidden" in str(inspect.signature(fn)) or hasattr(fn, "forbidden")


def _extra(name, request, real: bool = False):
    """The arguments after the learner's of checker ``name``: GloVe, and the encoder (a stand-in unless ``real``)."""
    out = []
    for need in NEEDS.get(name, ()):
        if need == "kv":
            out.append(request.getfixturevalue("glove"))
        else:
            out.append(request.getfixturevalue("encoder") if real else object())
    return out


def _solution(part, name, request):
    """A correct solution's arguments for checker ``name`` of ``part``, with the extras of :func:`_extra`."""
    args = SOLUTIONS[part][name]
    args = args(request.getfixturevalue) if callable(args) else args
    return [*args, *_extra(name, request, real=True)]


@pytest.mark.parametrize("part, name, check", CHECKERS, ids=[f"{p}.{n}" for p, n, _ in CHECKERS])
@pytest.mark.parametrize("hidden", [False, True])
def test_delegating_solution_fails(part, name, check, hidden, request):
    if name == "check_decontextualized":
        pytest.skip("needs the MiniLM encoder: covered in test_contextual.py")
    extra = _extra(name, request)
    n_fns = 2 if name in ("check_int8", "check_bytes") else 1
    for dotted in check.forbidden:
        for fn in (_delegate(dotted), exercises._resolve(dotted)):
            with pytest.raises(ExerciseError, match="yourself|itself"):
                check(*([fn] * n_fns), *extra, hidden=hidden)


def test_tripwires_catch_aliases_and_restore_everything():
    from lib import static
    X = np.arange(1.0, 13).reshape(3, 4)
    namespace = {"p": static.ppmi}
    exec("def my_ppmi(X):\n    return p(X)\n", namespace)
    with pytest.raises(ExerciseError, match="write it yourself"):
        part2.check_ppmi(namespace["my_ppmi"])
    assert namespace["p"] is static.ppmi and static.ppmi.__name__ == "ppmi"     # restored
    exec("def sly(X):\n    try:\n        return p(X)\n    except Exception:\n        return p(X)\n", namespace)
    with pytest.raises(ExerciseError, match="write it yourself"):
        part2.check_ppmi(namespace["sly"])                                    # caught and retried: still 0
    static.ppmi(X)                                                       # works again outside the check


def test_hidden_mode_draws_other_inputs_and_hides_the_answer():
    seen = []

    def spy(X):
        seen.append(X.copy())
        raise NotImplementedError()

    for hidden in (False, True):
        with pytest.raises(ExerciseError):
            part2.check_ppmi(spy, hidden=hidden)
    assert seen[0].shape == seen[1].shape and not np.array_equal(seen[0], seen[1])
    assert not exercises.hidden()                                      # reset after the check
    with pytest.raises(ExerciseError) as visible:
        part1.check_cosine(lambda u, v: 0.5)
    with pytest.raises(ExerciseError) as hidden:
        part1.check_cosine(lambda u, v: 0.5, hidden=True)
    assert "expected" in str(visible.value) and "expected" not in str(hidden.value)
    assert str(hidden.value).startswith("hidden test of ex-p1-c1-cosine")


def test_digest():
    assert exercises.digest(" Paris ") == exercises.digest("paris") != exercises.digest("rome")
    assert exercises.matches_digest(0.1234449, exercises.digest(0.1234)) and not exercises.matches_digest(0.2, exercises.digest(0.1))
    assert exercises.matches_digest(object(), "0" * 64) is False


# ----------------------------------------------------------------------------- hidden tests run other inputs
def test_every_checker_has_a_solution():
    names = {name for _, name, _ in EVERY_CHECKER}
    assert len(ONCE_FIXED) == 27 and ONCE_FIXED <= names and VALUE_CHECKS <= ONCE_FIXED
    assert {(p, n) for p, n, _ in EVERY_CHECKER} == {(p, n) for p, sols in SOLUTIONS.items() for n in sols}


def _fingerprint(x, memo):
    """A hashable summary of an argument's content (arrays by their bytes; a table once per object)."""
    if hasattr(x, "detach") and hasattr(x, "numpy"):                      # a torch tensor
        x = x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        return "array", x.shape, str(x.dtype), hashlib.sha1(np.ascontiguousarray(x).tobytes()).hexdigest()
    if isinstance(x, (str, bytes, int, float, complex, type(None), np.generic)):
        return repr(x)
    if isinstance(x, (list, tuple)):
        return type(x).__name__, tuple(_fingerprint(v, memo) for v in x)
    if isinstance(x, (set, frozenset)):
        return "set", tuple(sorted(repr(_fingerprint(v, memo)) for v in x))
    if isinstance(x, dict):
        return "dict", tuple(sorted((repr(_fingerprint(k, memo)), _fingerprint(v, memo)) for k, v in x.items()))
    if dataclasses.is_dataclass(x):
        return type(x).__name__, tuple(_fingerprint(getattr(x, f.name), memo) for f in dataclasses.fields(x))
    if hasattr(x, "vectors") and hasattr(x, "key_to_index"):             # KeyedVectors: hashed once
        if id(x) not in memo:
            memo[id(x)] = "kv", _fingerprint(np.asarray(x.vectors), memo)
        return memo[id(x)]
    return type(x).__name__                                                # the encoder: the same object


def _recording(fn, seen, memo, answers=None):
    """``fn`` that adds the fingerprint of each call's arguments to ``seen`` (and its answer to ``answers``)."""
    @functools.wraps(fn)
    def recording(*args, **kwargs):
        key = _fingerprint((args, kwargs), memo)
        seen.add(key)
        try:
            out = fn(*args, **kwargs)
        except Exception as err:                                           # e.g. the ValueError asked for
            if answers is not None:
                answers.setdefault(key, err)
            raise
        if answers is not None:
            answers.setdefault(key, out)
        return out
    return recording


def _learner(arg) -> bool:
    return isinstance(arg, types.FunctionType)


@pytest.mark.parametrize("part, name, check", EVERY_CHECKER, ids=[f"{p}.{n}" for p, n, _ in EVERY_CHECKER])
def test_hidden_test_runs_inputs_the_visible_check_does_not(part, name, check, request, monkeypatch):
    """A correct solution passes both; the hidden run passes it (or, for a check of values, lib.geometry)
    at least one input the visible run never did."""
    args, memo, seen = _solution(part, name, request), {}, {False: set(), True: set()}
    for hidden in (False, True):
        if name in VALUE_CHECKS:
            with monkeypatch.context() as m:
                for fname in geometry.__all__:
                    if inspect.isfunction(getattr(geometry, fname)):
                        m.setattr(geometry, fname, _recording(getattr(geometry, fname), seen[hidden], memo))
                line = check(*args, hidden=hidden)
        else:
            line = check(*[_recording(a, seen[hidden], memo) if _learner(a) else a for a in args], hidden=hidden)
        assert line.startswith("PASSED") and line.endswith("(hidden tests)") == hidden
    assert seen[False] and seen[True] - seen[False], f"{part}.{name}: the hidden test repeats the visible inputs"


MEMORISABLE = [c for c in EVERY_CHECKER if c[1] in ONCE_FIXED - VALUE_CHECKS]


@pytest.mark.parametrize("part, name, check", MEMORISABLE, ids=[f"{p}.{n}" for p, n, _ in MEMORISABLE])
def test_memorised_answers_fail_the_hidden_test(part, name, check, request):
    """A solution that replays a correct one's answers on the visible cases (and its first answer, or error,
    on any other input) passes the visible check and fails the hidden one. (A check of values cannot tell a
    memorised value from a computed one: its hidden test only recomputes the expected values.)"""
    args, memo = _solution(part, name, request), {}
    books = [{} if _learner(a) else None for a in args]
    check(*[_recording(a, set(), memo, book) if book is not None else a for a, book in zip(args, books)])

    def reciting(book):
        def recite(*a, **kw):
            out = book.get(_fingerprint((a, kw), memo), next(iter(book.values())))
            if isinstance(out, Exception):
                raise out
            return out
        return recite

    memorised = [reciting(book) if book is not None else a for a, book in zip(args, books)]
    assert check(*memorised).startswith("PASSED")
    with pytest.raises(ExerciseError, match=f"hidden test of {check.label}"):
        check(*memorised, hidden=True)
