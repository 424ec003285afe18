"""Tables that keep each entry cheaper: fewer non-zero entries (pruning) or fewer bits (quantization).

The intra-feature families of Zhang et al. (2024) besides dimension reduction
(:mod:`lib.compression.tables`). Their tables are fitted, not trained: they have no
``layout`` for :func:`lib.compression.train_table_on_neighbours`.
"""
from __future__ import annotations

import math
from typing import Callable

import numpy as np

from .. import checks
from .quantization import FLOAT32_BYTES, dequantize_rows, nbytes, quantize_rows, to_float16
from .tables import CompressedTable

__all__ = ["SPARSE_STORAGE", "sparse_nbytes", "max_entries", "prune_entries", "quantize_table", "mixed_precision"]

#: Sparse formats of :func:`sparse_nbytes`.
SPARSE_STORAGE = ("bitmap", "csr")


def _table(E) -> np.ndarray:
    return checks.as_matrix(E, "table")


# --------------------------------------------------------------------------- pruning
def sparse_nbytes(n: int, d: int, nnz: int, storage: str = "bitmap") -> int:
    """Bytes of an ``(n, d)`` matrix with ``nnz`` float32 non-zeros stored sparse.

    Parameters
    ----------
    n, d : int
    nnz : int
        ``0 <= nnz <= n * d``.
    storage : {"bitmap", "csr"}
        ``"bitmap"``: one bit per entry saying whether it is kept, plus the kept values;
        ``"csr"``: the values, a column index per value (uint8 for ``d <= 256``, else uint16 or
        uint32) and ``n + 1`` int32 row pointers.

    Returns
    -------
    int

    Examples
    --------
    >>> sparse_nbytes(10, 1000, 7, "csr")
    86
    """
    checks.choice(storage, "storage", SPARSE_STORAGE)
    n, d = checks.integer(n, "n", lo=1), checks.integer(d, "d", lo=1)
    nnz = checks.integer(nnz, "nnz", 0, n * d)
    if storage == "bitmap":
        return math.ceil(n * d / 8) + FLOAT32_BYTES * nnz
    index_bytes = 1 if d <= 2 ** 8 else 2 if d <= 2 ** 16 else 4
    return (FLOAT32_BYTES + index_bytes) * nnz + 4 * (n + 1)


def max_entries(n: int, d: int, budget_bytes: int, storage: str = "bitmap") -> int:
    """The most non-zeros an ``(n, d)`` sparse matrix can keep within ``budget_bytes``.

    Parameters
    ----------
    n, d : int
    budget_bytes : int
    storage : {"bitmap", "csr"}

    Returns
    -------
    int
    """
    fixed = sparse_nbytes(n, d, 0, storage)
    per_value = sparse_nbytes(n, d, 1, storage) - fixed
    budget_bytes = checks.integer(budget_bytes, "budget_bytes", lo=0)
    if budget_bytes < fixed + per_value:
        raise ValueError(f"budget too small: the {storage} format alone takes {fixed:,} bytes "
                         f"(plus {per_value} a value) > {budget_bytes:,}")
    return min(n * d, (budget_bytes - fixed) // per_value)


def prune_entries(E, n_keep: int, storage: str = "bitmap") -> CompressedTable:
    """Magnitude pruning: keep the ``n_keep`` entries of largest ``|E_ij|``, zero the rest.

    That is the least-squares best table with that many non-zeros, stored sparse
    (:func:`sparse_nbytes`).

    Parameters
    ----------
    E : array_like, shape (n, d)
    n_keep : int
        ``1 <= n_keep <= n * d``.
    storage : {"bitmap", "csr"}

    Returns
    -------
    CompressedTable
    """
    E = _table(E)
    n_keep = checks.integer(n_keep, "n_keep", 1, E.size)
    keep = np.argpartition(np.abs(E).ravel(), E.size - n_keep)[E.size - n_keep:]
    W = np.zeros(E.size, np.float32)
    W[keep] = E.ravel()[keep]
    W = W.reshape(E.shape)
    return CompressedTable(f"prune to {n_keep / E.size:.1%} of entries ({storage})", "pruning",
                           sparse_nbytes(*E.shape, n_keep, storage), lambda: W.copy(),
                           {"n_keep": n_keep, "storage": storage})


# --------------------------------------------------------------------------- quantization
def _quantized(E: np.ndarray, bits: int) -> tuple[Callable, int]:
    """``(reconstruct, bytes)`` of ``E`` at ``bits`` (16: float16; 1..8: per-dimension codes)."""
    if bits == 16:
        half = to_float16(E)
        return (lambda: half.astype(np.float32)), nbytes(half)
    codes, lo, hi = quantize_rows(E, bits)
    return (lambda: dequantize_rows(codes, lo, hi, bits)), math.ceil(codes.size * bits / 8) + nbytes(lo, hi)


def quantize_table(E, bits: int) -> CompressedTable:
    """Every row quantized to ``bits`` bits per coordinate (calibrated min/max per dimension).

    Parameters
    ----------
    E : array_like, shape (n, d)
    bits : int
        1..8.

    Returns
    -------
    CompressedTable
    """
    E = _table(E)
    bits = checks.integer(bits, "bits", 1, 8)
    rebuild, size = _quantized(E, bits)
    return CompressedTable(f"{bits}-bit scalar quantization", "quantization", size, rebuild, {"bits": bits})


def mixed_precision(E, n_high: int, high_bits: int = 16, low_bits: int = 2) -> CompressedTable:
    """The ``n_high`` most frequent rows at ``high_bits``, the rest at ``low_bits``-bit codes.

    Parameters
    ----------
    E : array_like, shape (n, d)
    n_high : int
        ``0 <= n_high <= n``.
    high_bits : int
        16 (float16) or 1..8.
    low_bits : int
        1..8.

    Returns
    -------
    CompressedTable
    """
    E = _table(E)
    n_high = checks.integer(n_high, "n_high", 0, len(E))
    high_bits = checks.integer(high_bits, "high_bits")
    if high_bits != 16 and not 1 <= high_bits <= 8:
        raise ValueError(f"high_bits must be 16 or between 1 and 8; got {high_bits}")
    low_bits = checks.integer(low_bits, "low_bits", 1, 8)
    parts = [_quantized(rows, bits) for rows, bits in ((E[:n_high], high_bits), (E[n_high:], low_bits)) if len(rows)]
    hb = "fp16" if high_bits == 16 else f"{high_bits}-bit"
    return CompressedTable(f"mixed: {n_high:,} rows {hb}, rest {low_bits}-bit", "quantization",
                           sum(size for _, size in parts), lambda: np.vstack([rebuild() for rebuild, _ in parts]),
                           {"n_high": n_high})
