"""Automatic checks for the book's exercises.

Each part has a module here (``lib.exercises.part1`` ...) with one function per
exercise, e.g. ``check_cosine(fn)``. A learner calls it in the notebook right after
writing a solution; it raises :class:`ExerciseError` with a message that says what is
wrong (not just "failed"), or prints a line starting with ``PASSED``.

The helpers below keep those functions short. Their ``what`` argument (a str) names the
value or function being checked in the learner's terms ("cosine([1, 0], [1, 1])", "your
whiten"), so that every message says which call or value is wrong.
"""
from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import importlib
import sys
import types

import numpy as np

__all__ = ["ExerciseError", "expect", "implemented", "close", "passed", "call", "check_function",
           "exercise", "hidden", "rng", "seed", "tripwires", "digest", "matches_digest"]

_HIDDEN = contextvars.ContextVar("embeddings_book_hidden_tests", default=False)
HIDDEN_SEED_SHIFT = 1_000_003      # hidden tests draw their inputs from other seeds


class ExerciseError(AssertionError):
    """Raised by a check; the message tells the learner what to fix."""


def expect(condition: bool, message: str) -> None:
    """Raise :class:`ExerciseError` with ``message`` unless ``condition`` holds.

    Parameters
    ----------
    condition : bool
    message : str
        What the learner should fix, shown when ``condition`` is false.
    """
    if not condition:
        raise ExerciseError(message)


def implemented(value, what: str) -> None:
    """Fail clearly when a stub was left in place (``...`` or ``None``).

    Parameters
    ----------
    value : object
        The learner's function or answer.
    what : str
        See the module docstring.
    """
    expect(value is not None and value is not Ellipsis,
           f"{what} is not implemented yet: replace the `...` with your answer")


def close(actual, expected, tol: float, what: str, *, reveal: bool = True) -> None:
    """Check ``|actual - expected| <= tol`` elementwise, saying by how much it is off.

    Parameters
    ----------
    actual, expected : float or array_like
        Must have the same shape; ``actual`` must also be finite.
    tol : float
        Largest absolute difference allowed.
    what : str
        See the module docstring.
    reveal : bool
        Show the expected value in the message (a test input's right output). ``False`` where
        the value is the answer an exercise asks for, or in hidden tests.
    """
    reveal = reveal and not _HIDDEN.get()
    try:
        a = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what} should be a number or an array of numbers; got {type(actual).__name__}")
    e = np.asarray(expected, dtype=float)
    expect(a.shape == e.shape, f"{what} has shape {a.shape}; expected shape {e.shape}")
    expect(bool(np.isfinite(a).all()), f"{what} contains NaN or infinite values")
    err = float(np.max(np.abs(a - e))) if a.size else 0.0
    if reveal:
        expect(err <= tol, f"{what} is off by {err:.4g} (allowed {tol:g}); expected {np.round(e, 4).tolist()}, "
                           f"got {np.round(a, 4).tolist()}")
    expect(err <= tol, f"{what} is off (by more than the {tol:g} allowed); got {np.round(a, 4).tolist()}")


def passed(label: str, points: int | None = None) -> str:
    """Print and return the success line for exercise ``label``.

    Parameters
    ----------
    label : str
        The exercise's id, e.g. ``"ex-p1-c1-cosine"``.
    points : int, optional
        Appended as ``" (N points)"`` when given.

    Returns
    -------
    str
        ``"PASSED <label>"`` or ``"PASSED <label> (N points)"``.
    """
    line = f"PASSED {label}" + (f" ({points} points)" if points is not None else "")
    if _HIDDEN.get():
        line += " (hidden tests)"
    print(line)
    return line


def call(fn, *args, what: str | None = None, **kwargs):
    """Call the learner's function ``fn``, turning a crash into an :class:`ExerciseError`.

    A stub that still raises ``NotImplementedError`` gives "not implemented yet"; any other
    exception gives its type and message together with the call that raised it.

    Parameters
    ----------
    fn : callable
        The learner's function.
    *args, **kwargs
        Passed on to ``fn``.
    what : str, optional
        See the module docstring; ``fn.__name__`` by default.

    Returns
    -------
    object
        Whatever ``fn`` returns.
    """
    name = what or getattr(fn, "__name__", "your function")
    implemented(fn, name)
    expect(callable(fn), f"{name} should be a function; got {type(fn).__name__}")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise ExerciseError(f"{name} is not implemented yet: replace `raise NotImplementedError()` "
                            f"with your code") from None
    except ExerciseError:
        raise
    except Exception as err:  # the learner's bug: say which call raised what
        shown = ", ".join([_short(a) for a in args] + [f"{k}={_short(v)}" for k, v in kwargs.items()])
        raise ExerciseError(f"{name}({shown}) raised {type(err).__name__}: {err}") from err


def _short(value, width: int = 40) -> str:
    if isinstance(value, np.ndarray):
        return f"<array shape {value.shape}>"
    text = repr(value)
    return text if len(text) <= width else text[:width - 3] + "..."


def check_function(fn, cases, label: str, *, tol: float = 1e-6, points: int | None = None,
                   name: str | None = None) -> str:
    """Check ``fn`` on ``cases``, a list of ``(args, expected)`` pairs, then print PASSED.

    ``args`` is a tuple of positional arguments. Numbers and arrays are compared with
    :func:`close` (tolerance ``tol``), anything else with ``==``. The first wrong case
    raises :class:`ExerciseError` naming the call, the expected and the returned value.

    Parameters
    ----------
    fn : callable
        The learner's function.
    cases : iterable of (tuple, object)
        ``(args, expected)`` pairs.
    label, points
        As in :func:`passed`.
    tol : float
        As in :func:`close`.
    name : str, optional
        The function's name in messages; ``fn.__name__`` by default.

    Returns
    -------
    str
        The PASSED line of :func:`passed`.

    Raises
    ------
    ValueError
        If ``cases`` is empty or a case is not an ``(args, expected)`` pair (an author's
        mistake, not the learner's).
    """
    cases = list(cases)
    if not cases:
        raise ValueError("check_function needs at least one (args, expected) case")
    for case in cases:
        if not (isinstance(case, tuple) and len(case) == 2 and isinstance(case[0], tuple)):
            raise ValueError(f"each case must be a pair (args_tuple, expected); got {_short(case)}")
    if not (isinstance(tol, (int, float)) and tol >= 0):
        raise ValueError(f"tol must be a non-negative number; got {tol!r}")
    name = name or getattr(fn, "__name__", "your function")
    for args, expected in cases:
        got = call(fn, *args, what=name)
        shown = f"{name}({', '.join(_short(a) for a in args)})"
        numeric = isinstance(expected, (int, float, np.ndarray, np.number)) and not isinstance(expected, bool)
        if numeric or (isinstance(expected, (list, tuple)) and expected
                       and all(isinstance(x, (int, float, np.number)) and not isinstance(x, bool) for x in expected)):
            implemented(got, f"the value returned by {shown}")
            close(got, expected, tol, shown)
        else:
            expect(got == expected, f"{shown} returned {_short(got)}; expected {_short(expected)}")
    return passed(label, points)


# ----------------------------------------------------------------------------- honest grading
def hidden() -> bool:
    """Whether the check now running is a hidden test (``check_x(fn, hidden=True)``).

    Returns
    -------
    bool
    """
    return _HIDDEN.get()


def rng(seed: int) -> np.random.Generator:
    """The random generator a check draws its inputs from: other inputs in hidden tests.

    Parameters
    ----------
    seed : int
        The visible check's seed; a hidden test uses ``seed + HIDDEN_SEED_SHIFT``.

    Returns
    -------
    numpy.random.Generator

    Examples
    --------
    >>> float(rng(0).random()) == float(np.random.default_rng(0).random())
    True
    """
    return np.random.default_rng(seed + (HIDDEN_SEED_SHIFT if _HIDDEN.get() else 0))


def seed(k: int) -> int:
    """The seed a check passes on (``torch.manual_seed``): ``k``, or another one in hidden tests.

    Parameters
    ----------
    k : int

    Returns
    -------
    int
    """
    return k + (HIDDEN_SEED_SHIFT if _HIDDEN.get() else 0)


def digest(value) -> str:
    """sha256 of an answer in a canonical form: a word lower-cased, a number rounded to 4 decimals.

    A check compares the learner's answer with a stored digest, so the expected answer is not in
    the student's copy of the checkers.

    Parameters
    ----------
    value : str, int or float

    Returns
    -------
    str
        64 hex digits.

    Examples
    --------
    >>> digest("Paris ") == digest("paris")
    True
    >>> digest(0.33333) == digest(1 / 3)
    True
    """
    if isinstance(value, (bool, np.bool_)):
        text = str(bool(value))
    elif isinstance(value, (int, np.integer)):
        text = str(int(value))
    elif isinstance(value, (float, np.floating)):
        text = f"{float(value):.4f}"
    else:
        text = str(value).strip().lower()
    return hashlib.sha256(text.encode()).hexdigest()


def matches_digest(value, expected: str) -> bool:
    """Whether ``digest(value)`` equals the stored digest ``expected``.

    Parameters
    ----------
    value : str, int or float
    expected : str
        A digest made by :func:`digest`.

    Returns
    -------
    bool
    """
    try:
        return digest(value) == expected
    except Exception:  # an answer of a type that has no canonical form
        return False


def _resolve(dotted: str):
    module, _, name = dotted.rpartition(".")
    return getattr(importlib.import_module(module), name)


def _from_lib(frame) -> bool:
    name = frame.f_globals.get("__name__", "") if frame is not None else ""
    return (name == "lib" or name.startswith("lib.")) and not name.startswith("lib.exercises")


@contextlib.contextmanager
def tripwires(forbidden, namespace: dict | None = None, what: str = "your function"):
    """Replace the lib functions ``forbidden`` by tripwires while the learner's code runs.

    Every reference to each function (its module, any ``lib`` module that re-exports it, and
    the names of ``namespace`` bound to it, e.g. the notebook's ``from lib.static import ppmi
    as p``) becomes a function that raises :class:`ExerciseError` when the learner's code calls
    it; a call from inside ``lib`` (another library function the learner may use) goes through.

    Parameters
    ----------
    forbidden : iterable of str
        Dotted names, e.g. ``"lib.static.ppmi"``.
    namespace : dict, optional
        The learner's globals (``fn.__globals__``).
    what : str
        The learner's function, for the message.

    Yields
    ------
    list
        The dotted names the learner's code called (filled as it runs).
    """
    called, patched = [], []
    for dotted in forbidden:
        original = _resolve(dotted)
        short = dotted.split(".")[-1]

        def trip(*args, __original=original, __dotted=dotted, **kwargs):
            if _from_lib(sys._getframe(1)):
                return __original(*args, **kwargs)
            called.append(__dotted)
            raise ExerciseError(f"{what} called {__dotted}; the exercise asks you to write it yourself")

        trip.__name__ = short
        homes = [m for n, m in list(sys.modules.items()) if isinstance(m, types.ModuleType)
                 and (n == "lib" or n.startswith("lib."))]
        homes.append(importlib.import_module(dotted.rpartition(".")[0]))
        for home in homes:
            for key, val in list(vars(home).items()):
                if val is original:
                    patched.append((home.__dict__, key, val))
                    home.__dict__[key] = trip
        for key, val in list((namespace or {}).items()):
            if val is original:
                patched.append((namespace, key, val))
                namespace[key] = trip
    try:
        yield called
    finally:
        for where, key, val in reversed(patched):
            where[key] = val


def _originals(forbidden) -> dict:
    out = {}
    for dotted in forbidden:
        try:
            out[id(_resolve(dotted))] = dotted
        except (ImportError, AttributeError):      # an optional dependency that is not installed
            pass
    return out


def _guarded(fn, forbidden):
    """``fn`` wrapped so that it runs inside :func:`tripwires`; a forbidden function itself is refused."""
    originals = _originals(forbidden)
    target = fn.func if isinstance(fn, functools.partial) else getattr(fn, "__func__", fn)
    if id(target) in originals:         # ``check(static.ppmi)`` or ``my_ppmi = static.ppmi``
        raise ExerciseError(f"your answer is {originals[id(target)]} itself; the exercise asks you to write it "
                            f"yourself")
    learner = isinstance(fn, (types.FunctionType, types.MethodType, functools.partial)) or \
        (callable(fn) and type(fn).__module__ == "__main__")
    module = str(getattr(target, "__module__", "") or "")
    if not learner or module == __name__ or module == "lib" or module.startswith("lib."):
        return fn
    namespace = getattr(target, "__globals__", None)
    name = getattr(target, "__name__", "your function")

    @functools.wraps(target)
    def run(*args, **kwargs):
        with tripwires(forbidden, namespace, name) as called:
            out = fn(*args, **kwargs)
        if called:          # the learner's code caught the tripwire's error and went on
            raise ExerciseError(f"{name} called {called[0]}; the exercise asks you to write it yourself")
        return out

    return run


def exercise(label: str, forbids=()):
    """Decorator of a check: its exercise, the lib functions a solution must not call, hidden tests.

    The decorated check takes ``hidden=False``: with ``hidden=True`` (the grader's hidden tests,
    between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` in the instructor's check
    cell) its :func:`rng` draws other inputs, its own extra cases run (:func:`hidden`), expected
    values are not shown, and the success line says "(hidden tests)". Every learner function
    passed to it runs inside :func:`tripwires` for ``forbids``; ``tools/course.py`` reads
    ``forbids`` from the source too, to score 0 a solution that names them.

    Parameters
    ----------
    label : str
        The exercise's id, e.g. ``"ex-p2-c1-ppmi"``.
    forbids : tuple of str
        Dotted names of the lib functions the exercise re-implements.

    Returns
    -------
    callable
        The decorator; the check gains the attributes ``label`` and ``forbidden``.
    """
    forbids = tuple(forbids)

    def decorate(check):
        @functools.wraps(check)
        def run(*args, hidden: bool = False, **kwargs):
            token = _HIDDEN.set(bool(hidden))
            try:
                args = [_guarded(a, forbids) for a in args]
                kwargs = {k: _guarded(v, forbids) for k, v in kwargs.items()}
                return check(*args, **kwargs)
            except ExerciseError as err:
                if hidden:      # say that the visible check passed but a hidden one did not
                    raise ExerciseError(f"hidden test of {label}: {err}") from None
                raise
            finally:
                _HIDDEN.reset(token)

        run.label, run.forbidden = label, forbids
        return run

    return decorate
