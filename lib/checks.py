"""Input validation shared by every module.

Each function either returns a clean value or raises ``ValueError`` /
``KeyError`` with a message that names the problem, so that bad input never
fails deep inside numpy.
"""
from __future__ import annotations

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
    try:
        arr = np.asarray(x, dtype=dtype)
    except (TypeError, ValueError) as exc:
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
    """Return a non-empty list of strings; a single string becomes a list of one."""
    if isinstance(seq, str):
        seq = [seq]
    seq = list(non_empty(seq, name))
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
