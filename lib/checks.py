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

__all__ = ["as_matrix", "same_dim", "check_k", "non_empty", "texts", "known_words", "integer", "number",
           "choice", "ids", "NotFittedError", "fitted"]


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
    dtype : numpy dtype
        Dtype of the returned array (float32 by default).

    Returns
    -------
    ndarray of ``dtype``, with ``ndim`` dimensions

    Raises
    ------
    ValueError
        If the array is None, complex, dates or strings, has the wrong number of dimensions,
        is empty, or holds NaN or infinite values.

    Examples
    --------
    >>> as_matrix([1, 2, 3]).shape
    (1, 3)
    >>> as_matrix([[1.0, float("nan")]], "queries")
    Traceback (most recent call last):
    ...
    ValueError: queries contains 1 NaN or infinite values
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
    """Raise if two arrays do not share their last dimension.

    Parameters
    ----------
    a, b : ndarray, shape (..., d)
    names : (str, str)
        How the two are called in the message.

    Returns
    -------
    None

    Examples
    --------
    >>> same_dim(np.zeros((2, 3)), np.zeros((5, 4)))
    Traceback (most recent call last):
    ...
    ValueError: dimension mismatch: queries have d=3 but docs have d=4
    """
    shapes = []
    for x, name in zip((a, b), names):
        shape = np.shape(x) if x is not None else ()
        if len(shape) == 0:
            raise ValueError(f"{name} must be an array with at least one dimension; got {type(x).__name__}")
        shapes.append(shape)
    if shapes[0][-1] != shapes[1][-1]:
        raise ValueError(
            f"dimension mismatch: {names[0]} have d={shapes[0][-1]} but {names[1]} have d={shapes[1][-1]}"
        )


def check_k(k: int, n: int, what: str = "items") -> int:
    """Return ``k`` if ``1 <= k <= n``; otherwise raise a clear error.

    Parameters
    ----------
    k : int
        The requested count (booleans and floats are rejected).
    n : int
        The largest acceptable ``k``.
    what : str
        What ``n`` counts, for the message.

    Returns
    -------
    int
        ``k`` as a Python int.

    Examples
    --------
    >>> check_k(3, 5)
    3
    >>> check_k(8, 7, "other words")
    Traceback (most recent call last):
    ...
    ValueError: k=8 is larger than the number of other words (n=7)
    """
    if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
        raise ValueError(f"k must be an integer; got {k!r}")
    if k < 1:
        raise ValueError(f"k must be at least 1; got {k}")
    if k > n:
        raise ValueError(f"k={k} is larger than the number of {what} (n={n})")
    return int(k)


def non_empty(seq: Sequence, name: str = "input") -> Sequence:
    """Return ``seq`` if it is a non-empty sized collection; else raise.

    Parameters
    ----------
    seq : sequence
    name : str
        How the argument is called in the message.

    Returns
    -------
    sequence
        ``seq`` itself.

    Examples
    --------
    >>> non_empty([], "words")
    Traceback (most recent call last):
    ...
    ValueError: words is empty
    """
    if seq is None:
        raise ValueError(f"{name} is empty (None)")
    if not hasattr(seq, "__len__"):
        raise ValueError(f"{name} must be a list (or other sized sequence); got {type(seq).__name__}")
    if len(seq) == 0:
        raise ValueError(f"{name} is empty")
    return seq


def texts(seq, name: str = "texts") -> list[str]:
    """Return a non-empty list of strings; a single string becomes a list of one.

    Ordered iterables (lists, tuples, arrays, generators) are accepted; sets and dicts are not
    (their order is arbitrary), nor are bytes.

    Parameters
    ----------
    seq : str or iterable of str
    name : str
        How the argument is called in messages.

    Returns
    -------
    list of str

    Examples
    --------
    >>> texts("one")
    ['one']
    >>> texts({"a", "b"})
    Traceback (most recent call last):
    ...
    ValueError: texts must be a list of strings; got set
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
    """Raise ``KeyError`` naming the words that are missing from ``vocab``.

    Parameters
    ----------
    words : str or iterable of str
        A single string is one word (not its characters).
    vocab : container of str
        E.g. a ``key_to_index`` dict.
    what : str
        What ``vocab`` is, for the message.

    Returns
    -------
    None
        Only raises, when a word is missing.

    Examples
    --------
    >>> known_words("cat", {"dog": 0})
    Traceback (most recent call last):
    ...
    KeyError: "unknown word(s) not in the vocabulary: 'cat'"
    """
    if isinstance(words, str):
        words = [words]
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

    Parameters
    ----------
    value : int
    name : str
        The argument's name, for the message.
    lo, hi : int, optional
        Inclusive bounds.

    Returns
    -------
    int

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

    Parameters
    ----------
    value : float
        Any real number (ints included; booleans and strings are refused).
    name, lo, hi
        As in :func:`integer`, with float bounds.
    lo_open, hi_open : bool
        Whether each bound is excluded.

    Returns
    -------
    float

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

    Parameters
    ----------
    value : object
    name : str
        The argument's name, for the message.
    choices : sequence

    Returns
    -------
    object
        ``value``.

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

    Returns
    -------
    ndarray of int64, shape (m,) or (m, depth)

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

    Parameters
    ----------
    obj : object
    *attributes : str
        The fitted attributes ``fit`` sets, e.g. ``"components_"``.

    Returns
    -------
    None

    Examples
    --------
    >>> class Model:
    ...     pass
    >>> fitted(Model(), "coef_")
    Traceback (most recent call last):
    ...
    lib.checks.NotFittedError: Model is not fitted: call fit(...) first
    """
    missing = [a for a in attributes if getattr(obj, a, None) is None]
    if missing:
        raise NotFittedError(f"{type(obj).__name__} is not fitted: call fit(...) first")
