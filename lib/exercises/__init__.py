"""Automatic checks for the book's exercises.

Each part has a module here (``lib.exercises.part1`` ...) with one function per
exercise, e.g. ``check_cosine(fn)``. A learner calls it in the notebook right after
writing a solution; it raises :class:`ExerciseError` with a message that says what is
wrong (not just "failed"), or prints a line starting with ``PASSED``.

The helpers below keep those functions short.
"""
from __future__ import annotations

import numpy as np


class ExerciseError(AssertionError):
    """Raised by a check; the message tells the learner what to fix."""


def expect(condition: bool, message: str) -> None:
    """Raise :class:`ExerciseError` with ``message`` unless ``condition`` holds."""
    if not condition:
        raise ExerciseError(message)


def implemented(value, what: str) -> None:
    """Fail clearly when a stub was left in place (``...`` or ``None``)."""
    expect(value is not None and value is not Ellipsis,
           f"{what} is not implemented yet: replace the `...` with your answer")


def close(actual, expected, tol: float, what: str) -> None:
    """Check ``|actual - expected| <= tol`` elementwise, saying by how much it is off."""
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
    """Print and return the success line for exercise ``label``."""
    line = f"PASSED {label}" + (f" ({points} points)" if points is not None else "")
    print(line)
    return line
