"""Fewer bytes per number: float16, calibrated int8, sign bits, few-bit codes, and memory accounting.

The faiss indexes over these codes (and the float rescoring of their shortlists) are in
:mod:`lib.ann`, which Part V's approximate search uses too.
"""
from __future__ import annotations

import numpy as np

from .. import checks
from ..ann import binarize

__all__ = ["FLOAT32_BYTES", "nbytes", "human_bytes", "to_float16", "Int8Quantizer", "binarize",
           "hamming_distances", "hamming_top_k", "quantize_rows", "dequantize_rows"]

FLOAT32_BYTES = 4
FLOAT16_MAX = float(np.finfo(np.float16).max)


def nbytes(*arrays) -> int:
    """Total bytes held by numpy arrays (or objects with ``nbytes``).

    Parameters
    ----------
    *arrays : ndarray

    Returns
    -------
    int

    Examples
    --------
    >>> nbytes(np.zeros((10, 4), np.float32), np.zeros(3, np.int8))
    163
    """
    total = 0
    for a in arrays:
        if not hasattr(a, "nbytes"):
            raise ValueError(f"cannot count the bytes of a {type(a).__name__}")
        total += int(a.nbytes)
    return total


def human_bytes(n: float) -> str:
    """A byte count in powers of 1024.

    Parameters
    ----------
    n : float
        Finite, non-negative.

    Returns
    -------
    str

    Examples
    --------
    >>> human_bytes(1536), human_bytes(10)
    ('1.5 KB', '10 B')
    """
    n = checks.number(n, "a byte count", lo=0)
    for unit in ("B", "KB", "MB"):
        if n < 1024:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"


def to_float16(X) -> np.ndarray:
    """``X`` in half precision.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Values within float16's range, ``|x| <= 65504``.

    Returns
    -------
    ndarray of float16, shape (n, d)

    Examples
    --------
    >>> to_float16([[1e6]])
    Traceback (most recent call last):
    ...
    ValueError: X has values up to 1e+06, beyond float16's range (65504)
    """
    X = checks.as_matrix(X, "X")
    big = float(np.abs(X).max())
    if big > FLOAT16_MAX:
        raise ValueError(f"X has values up to {big:.3g}, beyond float16's range (65504)")
    return X.astype(np.float16)


class Int8Quantizer:
    """Per-dimension scalar quantization to int8 with ranges calibrated on sample vectors.

    Each dimension ``j`` maps ``[lo_j, hi_j]`` linearly onto the 256 levels -128..127; values
    outside the range are clipped. The range is the ``(100 - p)``-th to ``p``-th percentile of
    the calibration vectors (``p = 100``: min and max).

    Parameters
    ----------
    percentile : float
        ``p``, in (50, 100].

    Attributes
    ----------
    lo_, hi_ : ndarray of float32, shape (d,)
        The calibrated range of each dimension.
    scale_ : ndarray of float32, shape (d,)
        One step, ``(hi_ - lo_) / 255``.

    Examples
    --------
    >>> X = np.array([[0.0, -1.0], [1.0, 1.0], [0.5, 0.0]], np.float32)
    >>> q = Int8Quantizer().fit(X)
    >>> q.encode(X).tolist()
    [[-128, -128], [127, 127], [-1, -1]]
    >>> bool(np.abs(q.decode(q.encode(X)) - X).max() <= q.scale_.max() / 2)
    True
    """

    def __init__(self, percentile: float = 100.0):
        self.percentile = checks.number(percentile, "percentile", lo=50, hi=100, lo_open=True)

    def fit(self, X) -> "Int8Quantizer":
        """Calibrate the ranges on ``X`` (shape ``(n, d)``, ``n >= 2``); returns ``self``."""
        X = checks.as_matrix(X, "calibration vectors")
        if len(X) < 2:
            raise ValueError(f"calibration needs at least 2 vectors (one gives an empty range); got {len(X)}")
        p = self.percentile
        self.lo_ = np.percentile(X, 100 - p, axis=0).astype(np.float32)
        self.hi_ = np.maximum(np.percentile(X, p, axis=0).astype(np.float32), self.lo_ + 1e-8)
        self.scale_ = (self.hi_ - self.lo_) / np.float32(255.0)
        return self

    def _check(self, d: int) -> None:
        checks.fitted(self, "lo_")
        if d != len(self.lo_):
            raise ValueError(f"dimension mismatch: quantizer fitted on d={len(self.lo_)}, got d={d}")

    def encode(self, X) -> np.ndarray:
        """int8 codes of ``X`` (shape ``(n, d)``): an ndarray of int8, shape ``(n, d)``."""
        X = checks.as_matrix(X, "X")
        self._check(X.shape[1])
        q = np.round((X - self.lo_) / self.scale_) - 128
        return np.clip(q, -128, 127).astype(np.int8)

    def decode(self, codes) -> np.ndarray:
        """Approximate vectors from int8 codes (shape ``(n, d)``): float32, shape ``(n, d)``."""
        codes = np.asarray(codes)
        if codes.dtype != np.int8 or codes.ndim != 2:
            raise ValueError(f"codes must be a 2-D int8 array; got {codes.dtype} with shape {codes.shape}")
        self._check(codes.shape[1])
        return ((codes.astype(np.float32) + 128) * self.scale_ + self.lo_).astype(np.float32)

    def nbytes(self, n: int) -> int:
        """Bytes to store ``n >= 0`` vectors plus the two ranges."""
        checks.fitted(self, "lo_")
        n = checks.integer(n, "n", lo=0)
        return int(n * len(self.lo_) + nbytes(self.lo_, self.hi_))

    def __repr__(self) -> str:
        return f"Int8Quantizer(percentile={self.percentile:g})"


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def _codes(a, name: str) -> np.ndarray:
    a = np.asarray(a)
    if a.dtype != np.uint8 or a.ndim != 2 or a.size == 0:
        raise ValueError(f"{name} must be a non-empty 2-D uint8 array (from binarize); got {a.dtype} {a.shape}")
    return a


def hamming_distances(qcodes, dcodes) -> np.ndarray:
    """Hamming distances between packed codes.

    Parameters
    ----------
    qcodes : ndarray of uint8, shape (n_queries, n_bytes)
    dcodes : ndarray of uint8, shape (n_docs, n_bytes)
        From :func:`binarize`.

    Returns
    -------
    ndarray of int32, shape (n_queries, n_docs)

    Examples
    --------
    >>> hamming_distances(binarize([[1.0] * 8]), binarize([[1.0] * 8, [-1.0] * 8])).tolist()
    [[0, 8]]
    """
    q, d = _codes(qcodes, "query codes"), _codes(dcodes, "document codes")
    checks.same_dim(q, d, ("query codes", "document codes"))
    return _POPCOUNT[q[:, None, :] ^ d[None, :, :]].sum(-1, dtype=np.int32)


def hamming_top_k(qcodes, dcodes, k: int = 10, block: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` documents nearest in Hamming distance, ties by index.

    Parameters
    ----------
    qcodes, dcodes : ndarray of uint8
        As in :func:`hamming_distances`.
    k : int
        ``1 <= k <= n_docs``.
    block : int
        Queries per block, ``>= 1``.

    Returns
    -------
    distances : ndarray of int32, shape (n_queries, k)
    indices : ndarray of int64, shape (n_queries, k)
    """
    q, d = _codes(qcodes, "query codes"), _codes(dcodes, "document codes")
    k = checks.check_k(k, len(d), "documents")
    block = checks.integer(block, "block", lo=1)
    D = np.empty((len(q), k), np.int32)
    I = np.empty((len(q), k), np.int64)
    for s in range(0, len(q), block):
        dist = hamming_distances(q[s:s + block], d)
        idx = np.argsort(dist, axis=1, kind="stable")[:, :k]
        I[s:s + block] = idx
        D[s:s + block] = np.take_along_axis(dist, idx, 1)
    return D, I


def _range(v, d: int, name: str) -> np.ndarray:
    v = np.asarray(v, np.float32)
    if v.shape != (d,):
        raise ValueError(f"{name} must have shape (d,) = ({d},); got {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"{name} must be finite")
    return v


def quantize_rows(E, bits: int, lo=None, hi=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Uniform per-dimension quantization to ``bits`` bits.

    Parameters
    ----------
    E : array_like, shape (n, d)
    bits : int
        1..8 (codes are stored in uint8 and counted at ``bits`` bits each).
    lo, hi : array_like, shape (d,), optional
        The range of each dimension, finite, ``hi >= lo``; default the min and max of ``E``.

    Returns
    -------
    codes : ndarray of uint8, shape (n, d)
        In ``0 .. 2**bits - 1``.
    lo, hi : ndarray of float32, shape (d,)

    Examples
    --------
    >>> codes, lo, hi = quantize_rows([[0.0], [0.5], [1.0]], bits=1)
    >>> codes.ravel().tolist(), dequantize_rows(codes, lo, hi, 1).ravel().tolist()
    ([0, 0, 1], [0.0, 0.0, 1.0])
    """
    E = checks.as_matrix(E, "table")
    bits = checks.integer(bits, "bits", 1, 8)
    lo = E.min(0) if lo is None else _range(lo, E.shape[1], "lo")
    hi = E.max(0) if hi is None else _range(hi, E.shape[1], "hi")
    if (hi < lo).any():
        raise ValueError(f"hi must be >= lo in every dimension; dimension {int(np.argmax(hi < lo))} has hi < lo")
    levels = 2 ** bits - 1
    scale = np.maximum(hi.astype(np.float64) - lo, 1e-8) / levels     # float64: hi - lo may overflow float32
    codes = np.clip(np.round((E - lo.astype(np.float64)) / scale), 0, levels).astype(np.uint8)
    return codes, lo.astype(np.float32), hi.astype(np.float32)


def dequantize_rows(codes, lo, hi, bits: int) -> np.ndarray:
    """Inverse of :func:`quantize_rows`.

    Parameters
    ----------
    codes : array_like of int, shape (n, d)
        In ``0 .. 2**bits - 1``.
    lo, hi : array_like, shape (d,)
    bits : int
        1..8.

    Returns
    -------
    ndarray of float32, shape (n, d)
    """
    bits = checks.integer(bits, "bits", 1, 8)
    codes = np.asarray(codes)
    if codes.ndim != 2 or (codes.size and codes.dtype.kind not in "iu"):
        raise ValueError(f"codes must be a 2-D array of integer codes; got {codes.dtype} {codes.shape}")
    levels = 2 ** bits - 1
    if codes.size and (codes.min() < 0 or codes.max() > levels):
        raise ValueError(f"codes must lie in 0..2**bits - 1 = {levels}; got {codes.min()}..{codes.max()}")
    lo, hi = _range(lo, codes.shape[1], "lo"), _range(hi, codes.shape[1], "hi")
    scale = np.maximum(hi.astype(np.float64) - lo, 1e-8) / levels
    return np.clip(codes * scale + lo, lo, hi).astype(np.float32)
