"""Input validation shared by every module.

Each function either returns a clean value or raises ``ValueError`` /
``KeyError`` with a message that names the problem, so that bad input never
fails deep inside numpy.
"""
from __future__ import annotations

import numbers
import warnings
from typing import Iterable, Sequence

import numpy as np


def as_matrix(x, name: str = "X", *, ndim: int = 2, allow_empty: bool = False,
              dtype=np.float32) -> np.ndarray:
    """Return ``x`` as a finite float array with ``ndim`` dimensions.

    Parameters
    ----------
    x : array_like
        The input array.
    name : str
        How the argument is called in error messages.
    ndim : int
        Required number of dimensions (1 or 2). A 1-D input is promoted to
        shape ``(1, d)`` when ``ndim == 2``.
    allow_empty : bool
        Whether zero rows are acceptable.

    Raises
    ------
    ValueError
        If the array has the wrong number of dimensions, is empty, or holds
        NaN or infinite values.
    """
    if x is None:
        raise ValueError(f"{name} is None; expected a numeric array")
    kind = getattr(getattr(x, "dtype", None), "kind", None)
    if kind in ("c", "M", "m", "U", "S"):   # complex, dates, times, strings: never silently cast
        raise ValueError(f"{name} must hold real numbers; got dtype {x.dtype}")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", np.exceptions.ComplexWarning)
            arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError, np.exceptions.ComplexWarning) as exc:
        raise ValueError(f"{name} must be a numeric array; got {type(x).__name__}: {exc}") from exc
    if ndim == 2 and arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {arr.shape}")
    if arr.size == 0 and not allow_empty:
        raise ValueError(f"{name} is empty (shape {arr.shape})")
    if arr.size and not np.isfinite(arr).all():
        bad = int((~np.isfinite(arr)).sum())
        raise ValueError(f"{name} contains {bad} NaN or infinite values")
    return arr


def same_dim(a: np.ndarray, b: np.ndarray, names=("queries", "docs")) -> None:
    """Raise if two 2-D arrays do not share their last dimension."""
    if a.shape[-1] != b.shape[-1]:
        raise ValueError(
            f"dimension mismatch: {names[0]} have d={a.shape[-1]} but {names[1]} have d={b.shape[-1]}"
        )


def check_k(k: int, n: int, what: str = "items") -> int:
    """Return ``k`` if ``1 <= k <= n``; otherwise raise a clear error."""
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise ValueError(f"k must be an integer; got {k!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1; got {k}")
    if k > n:
        raise ValueError(f"k={k} is larger than the number of {what} (n={n})")
    return int(k)


def non_empty(seq: Sequence, name: str = "input") -> Sequence:
    """Raise if ``seq`` is empty (or ``None``)."""
    if seq is None or len(seq) == 0:
        raise ValueError(f"{name} is empty")
    return seq


def texts(seq, name: str = "texts") -> list[str]:
    """Return a non-empty list of strings; a single string becomes a list of one.

    Ordered iterables (lists, tuples, arrays, generators) are accepted; sets and dicts are not
    (their order is arbitrary), nor are bytes.
    """
    if isinstance(seq, str):
        seq = [seq]
    if seq is None or isinstance(seq, (bytes, bytearray, set, frozenset, dict)) or not hasattr(seq, "__iter__"):
        raise ValueError(f"{name} must be a list of strings; got {type(seq).__name__}")
    seq = list(non_empty(list(seq), name))
    bad = [i for i, t in enumerate(seq) if not isinstance(t, str)]
    if bad:
        raise ValueError(f"{name}[{bad[0]}] is a {type(seq[bad[0]]).__name__}, not a string")
    return seq


def known_words(words: Iterable[str], vocab, what: str = "the vocabulary") -> None:
    """Raise ``KeyError`` naming the words that are missing from ``vocab``."""
    missing = [w for w in words if w not in vocab]
    if missing:
        shown = ", ".join(repr(w) for w in missing[:5])
        more = f" (and {len(missing) - 5} more)" if len(missing) > 5 else ""
        raise KeyError(f"unknown word(s) not in {what}: {shown}{more}")


# --------------------------------------------------------------------------- scalar options


def integer(value, name: str, lo: int | None = None, hi: int | None = None) -> int:
    """Return ``value`` as an ``int`` if it is an integer in ``[lo, hi]``; else raise.

    Booleans and floats (even ``2.0``) are rejected, so ``block=2.5`` or ``k=True`` never slip
    through to ``range()`` or a slice.

    >>> integer(3, "block", lo=1)
    3
    >>> integer(0, "block", lo=1)
    Traceback (most recent call last):
    ...
    ValueError: block must be an integer >= 1; got 0
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Integral, np.integer)):
        raise ValueError(f"{name} must be an integer; got {value!r}")
    value = int(value)
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        bounds = (f"between {lo} and {hi}" if lo is not None and hi is not None
                  else f">= {lo}" if lo is not None else f"<= {hi}")
        raise ValueError(f"{name} must be an integer {bounds}; got {value}")
    return value


def number(value, name: str, lo: float | None = None, hi: float | None = None,
           lo_open: bool = False, hi_open: bool = False) -> float:
    """Return ``value`` as a finite ``float`` in the given range; else raise.

    ``lo_open`` / ``hi_open`` exclude the bound itself (``number(c, "c", lo=0, lo_open=True)``
    asks for ``c > 0``). NaN and infinities are always rejected.

    >>> number(0.5, "b", lo=0, hi=1)
    0.5
    >>> number(float("nan"), "k1", lo=0)
    Traceback (most recent call last):
    ...
    ValueError: k1 must be a finite number; got nan
    """
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating, np.integer)):
        raise ValueError(f"{name} must be a number; got {value!r}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be a finite number; got {value}")
    low_bad = lo is not None and (value <= lo if lo_open else value < lo)
    high_bad = hi is not None and (value >= hi if hi_open else value > hi)
    if low_bad or high_bad:
        parts = []
        if lo is not None:
            parts.append(f"{'>' if lo_open else '>='} {lo:g}")
        if hi is not None:
            parts.append(f"{'<' if hi_open else '<='} {hi:g}")
        raise ValueError(f"{name} must be {' and '.join(parts)}; got {value:g}")
    return value


def choice(value, name: str, choices: Sequence):
    """Return ``value`` if it is one of ``choices``; else raise naming the allowed values.

    >>> choice("cosine", "metric", ("cosine", "dot"))
    'cosine'
    """
    try:
        ok = value in choices
    except TypeError:
        ok = False
    if not ok:
        raise ValueError(f"unknown {name} {value!r}; use one of {tuple(choices)}")
    return value


def ids(arr, n: int, name: str = "ids", *, ndim: int = 2, allow_pad: bool = False,
        unique: bool = True) -> np.ndarray:
    """Integer row ids in ``0..n-1`` as an int64 array (ranked lists, shortlists, queries).

    Parameters
    ----------
    arr : array_like of int, shape (m,) or (m, depth)
    n : int
        Number of rows the ids point into.
    ndim : {1, 2}
        1 for a list of ids, 2 for one ranked list per row.
    allow_pad : bool
        Accept ``-1`` (faiss's "no result" padding) besides valid ids.
    unique : bool
        Reject an id that appears twice (in the list, or within one row for ``ndim=2``);
        padding may repeat.

    Raises
    ------
    ValueError
        Non-integer ids (floats, strings), ids out of range, or repeats.

    >>> ids([[0, 2], [1, -1]], 3, "ranked", allow_pad=True).tolist()
    [[0, 2], [1, -1]]
    >>> ids([[0, 0]], 3, "ranked")
    Traceback (most recent call last):
    ...
    ValueError: ranked row 0 repeats id 0
    """
    a = np.asarray(arr)
    if a.dtype.kind == "b" or (a.size and a.dtype.kind not in "iu"):
        raise ValueError(f"{name} must hold integer ids; got dtype {a.dtype}")
    a = a.astype(np.int64, copy=False)
    if ndim == 2 and a.ndim == 1:
        a = a[None, :]
    if a.ndim != ndim:
        raise ValueError(f"{name} must be {ndim}-D; got shape {a.shape}")
    low = -1 if allow_pad else 0
    bad = (a < low) | (a >= n)
    if bad.any():
        where = tuple(int(i[0]) for i in np.nonzero(bad))
        raise ValueError(f"{name} holds id {int(a[where])} at {where if ndim == 2 else where[0]}, "
                         f"outside 0..{n - 1}" + (" (or -1 for padding)" if allow_pad else ""))
    if unique and a.size:
        rows = a if ndim == 2 else a[None, :]
        srt = np.sort(rows, axis=1)
        dup = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)
        if dup.any():
            r, c = (int(i[0]) for i in np.nonzero(dup))
            where = f"row {r} repeats" if ndim == 2 else "repeats"
            raise ValueError(f"{name} {where} id {int(srt[r, c])}")
    return a


# --------------------------------------------------------------------------- fitted objects


class NotFittedError(ValueError, AttributeError):
    """Raised when a fitted object is used before ``fit`` (as scikit-learn's ``NotFittedError``)."""


def fitted(obj, *attributes: str) -> None:
    """Raise :class:`NotFittedError` unless ``obj`` has every one of ``attributes`` set.

    Fitted attributes end in ``_`` and do not exist before ``fit`` (the scikit-learn convention).
    """
    missing = [a for a in attributes if getattr(obj, a, None) is None]
    if missing:
        raise NotFittedError(f"{type(obj).__name__} is not fitted: call fit(...) first")
