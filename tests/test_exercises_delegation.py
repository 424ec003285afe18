"""Honest grading: every checker refuses a solution that delegates to the lib function it re-implements.

For each checker whose ``@exercise(..., forbids=...)`` names lib functions, a "solution" that calls
the forbidden function (through its module, as a learner would write ``static.ppmi(X)``) and one
that *is* the forbidden function (``my_ppmi = static.ppmi``) must both raise ``ExerciseError``;
the same holds in hidden mode. Hidden mode draws other inputs (``lib.exercises.rng``) and never
shows the expected value.
"""
from __future__ import annotations

import importlib
import inspect

import numpy as np
import pytest

from lib import exercises
from lib.exercises import ExerciseError, part1, part2, part3, part4, part5, part6

MODULES = (part1, part2, part3, part4, part5, part6)
CHECKERS = [(m.__name__.rsplit(".", 1)[1], name, getattr(m, name)) for m in MODULES for name in m.__all__
            if name.startswith("check_") and getattr(getattr(m, name), "forbidden", None)]
NEEDS = {"check_analogy": ("kv",), "check_odd_one_out": ("kv",), "check_decontextualized": ("encoder",)}


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


def _extra(name, request):
    out = []
    for need in NEEDS.get(name, ()):
        out.append(request.getfixturevalue("glove") if need == "kv" else object())
    return out


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
