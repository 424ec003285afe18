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

import numpy as np

__all__ = ["ExerciseError", "expect", "implemented", "close", "passed", "call", "check_function"]


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


def close(actual, expected, tol: float, what: str) -> None:
    """Check ``|actual - expected| <= tol`` elementwise, saying by how much it is off.

    Parameters
    ----------
    actual, expected : float or array_like
        Must have the same shape; ``actual`` must also be finite.
    tol : float
        Largest absolute difference allowed.
    what : str
        See the module docstring.
    """
    try:
        a = np.asarray(actual, dtype=float)
    except (TypeError, ValueError):
        raise ExerciseError(f"{what} should be a number or an array of numbers; got {type(actual).__name__}")
    e = np.asarray(expected, dtype=float)
    expect(a.shape == e.shape, f"{what} has shape {a.shape}; expected shape {e.shape}")
    expect(bool(np.isfinite(a).all()), f"{what} contains NaN or infinite values")
    err = float(np.max(np.abs(a - e))) if a.size else 0.0
    expect(err <= tol, f"{what} is off by {err:.4g} (allowed {tol:g}); expected {np.round(e, 4).tolist()}, got {np.round(a, 4).tolist()}")


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
