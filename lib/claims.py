"""The book's claims about its own runs: what the default settings reproduce, and what a change moved.

A chapter states numbers ("MRR 0.52", "layer 1 wins") and checks that its run reproduces them.
Those checks serve two readers. The book's own runs (``make test``, ``make execute``, CI) must
fail when a stated number no longer holds; a learner who changes a seed, a size or a model in
JupyterLab must not be stopped by an ``AssertionError`` halfway through "Run all", but told
what moved. So every such check goes through this module:

* in a **strict** run (``BOOK_STRICT=1``, which the book's test and execute commands set) a
  claim that fails raises ``AssertionError``, as a plain ``assert`` would;
* otherwise (a reader's kernel) it prints one line that says what was expected, what came out,
  and that a changed setting is the likely cause, and the chapter runs on.

A claim that holds prints nothing. A value computed with a model other than the book's default
(``BOOK_ENCODER``) is never held to the default's number: it is reported, in strict runs too.

Functions
---------
strict   whether failed claims raise (``BOOK_STRICT``)
close    a number within a tolerance of the value the default settings give
holds    a condition the default settings make true (an ordering, a bound, a sign)

Examples
--------
>>> close("MRR", 0.518, 0.519, 0.01)
True
>>> holds(2 > 1, "BM25 beats the random ranking")
True
"""
from __future__ import annotations

import math
import numbers
import os

from lib import settings

__all__ = ["STRICT_VAR", "strict", "close", "holds"]

#: The environment variable that makes failed claims raise.
STRICT_VAR = "BOOK_STRICT"

_ADVICE = ("if you changed a setting (a seed, a size, a model, a parameter), that is what moved it; if you "
           "changed nothing, please report it. The chapter runs on.")


def strict(environ=None) -> bool:
    """Whether a failed claim raises: ``$BOOK_STRICT`` is ``1``, ``true`` or ``yes``.

    Parameters
    ----------
    environ : mapping, optional
        Where to read the variable (default ``os.environ``).

    Returns
    -------
    bool

    Examples
    --------
    >>> strict({"BOOK_STRICT": "1"}), strict({})
    (True, False)
    """
    env = os.environ if environ is None else environ
    return env.get(STRICT_VAR, "").strip().lower() in ("1", "true", "yes")


def _fail(message: str, model) -> bool:
    if model is not None and not settings.is_default(model):
        print(f"{settings.encoder_label(model)}: {message} (stated values hold for the book's default model, "
              f"{settings.DEFAULT_ENCODER}, only)")
        return False
    if strict():
        raise AssertionError(message)
    print(f"Note: {message}: {_ADVICE}")
    return False


def close(what: str, value, expected, tol, *, model: str | None = None) -> bool:
    """Check that ``value`` is within ``tol`` of ``expected``, what the book's default settings give.

    Parameters
    ----------
    what : str
        What the value is, in the chapter's words ("MRR on ICT", "ρ on SimLex-999").
    value, expected : float
        The value this run computed and the one the default settings give.
    tol : float
        The tolerance (absolute), at least 0.
    model : str, optional
        The model the value was computed with. When it is not the book's default encoder the
        value is reported, never held to ``expected``.

    Returns
    -------
    bool
        True when ``|value - expected| <= tol`` (NaN is never close).

    Raises
    ------
    AssertionError
        In a strict run (``BOOK_STRICT=1``), with the default model, when the value is not close.
    ValueError
        When ``tol`` is negative or not a number.

    Examples
    --------
    >>> close("ρ", 0.40, 0.50, 0.01, model="mpnet")
    mpnet: ρ = 0.4 where the default settings give 0.5 ± 0.01 (stated values hold for the book's default model, all-MiniLM-L6-v2, only)
    False
    """
    tol = float(tol)
    if not tol >= 0:
        raise ValueError(f"tol must be a number >= 0; got {tol!r}")
    value, expected = float(value), float(expected)
    if math.isfinite(value) and abs(value - expected) <= tol:
        return True
    return _fail(f"{what} = {value:.4g} where the default settings give {expected:.4g} ± {tol:g}", model)


def _shown(values) -> str:
    """``"a = 0.41, b = 3"`` for the real numbers among ``values`` (other objects are left out)."""
    parts = [f"{name} = {float(v):.4g}" for name, v in (values or {}).items()
             if isinstance(v, numbers.Real) and not isinstance(v, bool)]
    return f" ({', '.join(parts)})" if parts else ""


def holds(condition, what: str, *, model: str | None = None, values: dict | None = None) -> bool:
    """Check a condition that the book's default settings make true.

    Parameters
    ----------
    condition : bool
        The condition (an ordering, a bound, a sign), already evaluated.
    what : str
        The claim in words, with the numbers that decide it ("layer 1 beats the last layer:
        0.61 vs 0.48").
    model : str, optional
        As in :func:`close`.
    values : dict, optional
        Named values the condition reads (``{"rho": rho}``); the real numbers among them are shown
        in the message.

    Returns
    -------
    bool
        ``bool(condition)``.

    Raises
    ------
    AssertionError
        In a strict run, with the default model, when the condition is false.

    Examples
    --------
    >>> last, first = 0.48, 0.61
    >>> holds(last > first, "the last layer beats layer 1", model="my-model", values={"last": last, "first": first})
    my-model: this does not hold: the last layer beats layer 1 (last = 0.48, first = 0.61) (stated values hold for the book's default model, all-MiniLM-L6-v2, only)
    False
    """
    if bool(condition):
        return True
    return _fail(f"this does not hold: {what}{_shown(values)}", model)
