"""Smaller embedding tables, in the families of Zhang et al. (2024), each fitted to a float table.

A :class:`CompressedTable` holds what a method stores and its exact size in bytes;
``reconstruct()`` gives the ``(n_words, d)`` table it stands for. Rows are ordered by
frequency (row 0 the most frequent word), as GloVe's are.

* inter-feature (words share parameters): :func:`prune_vocabulary`, :func:`hashing_trick`,
  :func:`bloom_embeddings`, :func:`quotient_remainder`;
* intra-feature, dimension reduction: :func:`low_rank`, :func:`mixed_dimensions` (with
  :func:`mixed_dimension_plan`); the other intra-feature families (pruning, quantization) are
  in :mod:`lib.compression.table_entries`.

Every builder fits the table that reproduces the float one best in least squares;
:func:`lib.compression.train_table_on_neighbours` then trains these (row-sharing and factored)
tables on neighbour lists at the same memory.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from .. import checks
from .quantization import FLOAT32_BYTES, nbytes

__all__ = ["GROUPS", "CompressedTable", "prune_vocabulary", "hashing_trick", "bloom_embeddings",
           "quotient_remainder", "low_rank", "mixed_dimensions", "mixed_dimension_plan"]

#: The families of Zhang et al. (2024): inter-feature methods share parameters between
#: words, intra-feature methods make each word's own parameters cheaper.
GROUPS = {"frequency-based": "inter-feature", "hashing": "inter-feature", "compositional": "inter-feature",
          "dimension reduction": "intra-feature", "pruning": "intra-feature", "quantization": "intra-feature"}


@dataclass
class CompressedTable:
    """A compressed stand-in for an ``(n_words, d)`` table.

    Attributes
    ----------
    name : str
        The method and its setting.
    family : str
        Its sub-family, a key of :data:`GROUPS` (``group`` gives inter- or intra-feature).
    nbytes : int
        Bytes needed to store it (parameters and codes; hash functions are free).
    reconstruct : callable
        ``reconstruct() -> ndarray of float32, shape (n_words, d)``: the vector each word gets.
    params : dict
        The method's settings.
    layout, arrays
        For tables that :func:`lib.compression.train_table_on_neighbours` can train: ``"rows"``
        (a word's vector is ``arrays["T"][arrays["rows"][i]].sum(0)``, the row ids computed, not
        stored) or ``"buckets"`` (word ``i`` in bucket ``b`` gets ``U[b][i - start_b] @ P[b]``);
        ``None`` otherwise.
    """

    name: str
    family: str
    nbytes: int
    reconstruct: Callable = field(repr=False)
    params: dict = field(default_factory=dict)
    layout: str | None = None
    arrays: dict = field(default_factory=dict, repr=False)

    @property
    def group(self) -> str:
        """``"inter-feature"`` or ``"intra-feature"``."""
        return GROUPS[self.family]


def layout_vectors(layout: str, arrays: dict, ids, cat=np.concatenate):
    """The vectors of the words ``ids`` (sorted ascending) of a trainable table.

    Works on numpy arrays and, with ``cat=torch.cat``, on torch tensors, so training and
    reconstruction share it.

    Parameters
    ----------
    layout : {"rows", "buckets"}
    arrays : dict
        A :class:`CompressedTable`'s ``arrays`` (numpy or torch).
    ids : array of int, shape (m,)
        Sorted row ids.
    cat : callable
        How to concatenate the buckets' vectors.

    Returns
    -------
    array, shape (m, d)
    """
    if layout == "rows":
        return arrays["T"][arrays["rows"][ids]].sum(1)
    if layout == "buckets":
        out, start = [], 0
        for U, P in zip(arrays["U"], arrays["P"]):
            out.append(U[ids[(ids >= start) & (ids < start + len(U))] - start] @ P)
            start += len(U)
        return cat(out)
    raise ValueError(f"unknown layout {layout!r}; use 'rows' or 'buckets'")


def trainable_table(name: str, family: str, n: int, layout: str, arrays: dict, params: dict) -> CompressedTable:
    """A :class:`CompressedTable` of ``layout`` whose bytes are its float arrays (row ids are computed).

    Parameters
    ----------
    name, family : str
        As in :class:`CompressedTable`.
    n : int
        Number of words.
    layout : {"rows", "buckets"}
    arrays : dict
        ``{"T", "rows"}`` or ``{"U", "P"}`` (lists, one array per bucket), see :func:`layout_vectors`.
    params : dict

    Returns
    -------
    CompressedTable
    """
    stored = [arrays["T"]] if layout == "rows" else [*arrays["U"], *arrays["P"]]
    return CompressedTable(name, family, nbytes(*stored), lambda: layout_vectors(layout, arrays, np.arange(n)),
                           params, layout, arrays)


def _table(E) -> np.ndarray:
    return checks.as_matrix(E, "table")


def _hash_ids(words: Sequence[str], n_buckets: int, seed: int) -> np.ndarray:
    from sklearn.utils import murmurhash3_32

    return np.array([murmurhash3_32(w, seed=seed, positive=True) % n_buckets for w in words], dtype=np.int64)


def _check_words(words, n: int) -> list:
    words = checks.texts(words, "words")
    if len(words) != n:
        raise ValueError(f"shape mismatch: {len(words)} words but the table has {n} rows")
    return words


def _least_squares_rows(A, E: np.ndarray, ridge: float = 1e-3, tol: float = 1e-6) -> np.ndarray:
    """Solve ``min_T ||A T - E||^2 + ridge ||T||^2`` for a sparse ``A`` (conjugate gradients)."""
    import scipy.sparse.linalg as spla

    ridge = checks.number(ridge, "ridge", lo=0, lo_open=True)
    AtA = (A.T @ A).tocsr()
    AtE = A.T @ E
    n = AtA.shape[0]
    op = spla.LinearOperator((n, n), matvec=lambda v: AtA @ v + ridge * v, dtype=np.float64)
    T = np.zeros((n, E.shape[1]), np.float64)
    diag = AtA.diagonal() + ridge
    M = spla.LinearOperator((n, n), matvec=lambda v: v / diag, dtype=np.float64)
    for j in range(E.shape[1]):
        T[:, j], _ = spla.cg(op, np.asarray(AtE[:, j]).ravel(), rtol=tol, maxiter=500, M=M)
    return T.astype(np.float32)


def _assignment(rows: np.ndarray, n_cols: int):
    """Sparse ``(n, n_cols)`` matrix with a 1 at ``(i, rows[i, h])`` for each hash ``h``."""
    import scipy.sparse as sp

    n, h = rows.shape
    return sp.csr_matrix((np.ones(n * h), (np.repeat(np.arange(n), h), rows.ravel())), shape=(n, n_cols))


# --------------------------------------------------------------------------- inter-feature
def prune_vocabulary(E, keep: int) -> CompressedTable:
    """Keep the ``keep`` first (most frequent) rows; every other word gets one shared UNK vector.

    Parameters
    ----------
    E : array_like, shape (n, d)
    keep : int
        ``1 <= keep <= n``. Stored as ``keep + 1`` rows (the UNK vector is the mean of the
        dropped rows); word ``i`` uses row ``min(i, keep)``.

    Returns
    -------
    CompressedTable
    """
    E = _table(E)
    keep = checks.integer(keep, "keep", 1, len(E))
    unk = E[keep:].mean(0) if keep < len(E) else np.zeros(E.shape[1], np.float32)
    T = np.vstack([E[:keep], unk[None]]).astype(np.float32)
    rows = np.minimum(np.arange(len(E)), keep)[:, None]
    return trainable_table(f"prune to {keep:,} words", "frequency-based", len(E), "rows",
                           {"T": T, "rows": rows}, {"keep": keep})


def hashing_trick(E, words: Sequence[str], n_buckets: int, seed: int = 0) -> CompressedTable:
    """Each word shares the row ``murmurhash(word) % n_buckets``, the mean of its words' vectors.

    Parameters
    ----------
    E : array_like, shape (n, d)
    words : sequence of str, length n
    n_buckets : int
        ``1 <= n_buckets <= n``.
    seed : int
        Of the hash.

    Returns
    -------
    CompressedTable
        The least-squares table: each bucket holds the mean of its words.
    """
    E = _table(E)
    words = _check_words(words, len(E))
    n_buckets = checks.integer(n_buckets, "n_buckets", 1, len(E))
    ids = _hash_ids(words, n_buckets, seed)
    counts = np.bincount(ids, minlength=n_buckets).astype(np.float32)
    T = np.zeros((n_buckets, E.shape[1]), np.float32)
    np.add.at(T, ids, E)
    T /= np.maximum(counts, 1)[:, None]
    return trainable_table(f"hashing trick, {n_buckets:,} rows", "hashing", len(E), "rows",
                           {"T": T, "rows": ids[:, None]}, {"n_buckets": n_buckets})


def bloom_embeddings(E, words: Sequence[str], n_buckets: int, n_hashes: int = 2, seed: int = 0,
                     ridge: float = 1e-3) -> CompressedTable:
    """Multi-hash (Bloom) embeddings as in spaCy: a word's vector is the sum of ``n_hashes`` rows.

    Parameters
    ----------
    E, words, n_buckets
        As in :func:`hashing_trick`.
    n_hashes : int
        Independent hashes (seeds ``seed .. seed + n_hashes - 1``), at least 1.
    seed : int
    ridge : float
        ``> 0``, the least-squares fit's ridge.

    Returns
    -------
    CompressedTable
        Rows fitted by least squares.
    """
    E = _table(E)
    words = _check_words(words, len(E))
    n_buckets = checks.integer(n_buckets, "n_buckets", 1, len(E))
    n_hashes = checks.integer(n_hashes, "n_hashes", lo=1)
    rows = np.stack([_hash_ids(words, n_buckets, seed + h) for h in range(n_hashes)], 1)
    T = _least_squares_rows(_assignment(rows, n_buckets), E.astype(np.float64), ridge)
    return trainable_table(f"Bloom, {n_hashes} hashes, {n_buckets:,} rows", "hashing", len(E), "rows",
                           {"T": T, "rows": rows}, {"n_buckets": n_buckets, "n_hashes": n_hashes})


def quotient_remainder(E, n_remainder: int, ridge: float = 1e-3) -> CompressedTable:
    """Quotient-remainder compositional embeddings: word ``i`` gets ``Q[i // m] + R[i % m]``.

    The two partitions are complementary, so no two words share both rows.

    Parameters
    ----------
    E : array_like, shape (n, d)
    n_remainder : int
        ``m``, ``1 <= m <= n``; there are ``ceil(n / m)`` quotient rows.
    ridge : float
        ``> 0``.

    Returns
    -------
    CompressedTable
        ``Q`` and ``R`` fitted by least squares, stacked as one table of ``ceil(n / m) + m`` rows.
    """
    E = _table(E)
    n = len(E)
    m = checks.integer(n_remainder, "n_remainder", 1, n)
    nq = -(-n // m)
    i = np.arange(n)
    rows = np.stack([i // m, nq + i % m], 1)
    T = _least_squares_rows(_assignment(rows, nq + m), E.astype(np.float64), ridge)
    return trainable_table(f"quotient-remainder, {nq:,}+{m:,} rows", "compositional", len(E), "rows",
                           {"T": T, "rows": rows}, {"n_quotient": nq, "n_remainder": m})


# --------------------------------------------------------------------------- dimension reduction
def _svd_factors(E: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """The best rank-``rank`` factors ``(U S, V^T)`` of ``E`` (Eckart-Young), float32.

    An uncentred least-squares factorisation of a table (not a projection of new vectors, which
    is :class:`lib.linalg.PCA`'s job); signs do not matter, as only the product is used.
    """
    U, s, Vt = np.linalg.svd(E, full_matrices=False)
    return (U[:, :rank] * s[:rank]).astype(np.float32), Vt[:rank].astype(np.float32)


def low_rank(E, rank: int) -> CompressedTable:
    """Truncated SVD ``E ≈ U V`` with ``U`` of shape ``(n, rank)`` and ``V`` ``(rank, d)``.

    Parameters
    ----------
    E : array_like, shape (n, d)
    rank : int
        ``1 <= rank <= d``.

    Returns
    -------
    CompressedTable
    """
    E = _table(E)
    rank = checks.integer(rank, "rank", 1, E.shape[1])
    U, V = _svd_factors(E, rank)
    return trainable_table(f"low rank {rank}", "dimension reduction", len(E), "buckets",
                           {"U": [U], "P": [V]}, {"rank": rank})


def _check_bounds(bounds, n: int) -> np.ndarray:
    b = np.asarray(bounds)
    if b.ndim != 1 or len(b) < 2 or b.dtype.kind not in "iu" or b[0] != 0 or b[-1] != n or (np.diff(b) <= 0).any():
        raise ValueError(f"bounds must be integers increasing strictly from 0 to n_words={n}; got {list(bounds)}")
    return b.astype(np.int64)


def mixed_dimensions(E, bounds: Sequence[int], dims: Sequence[int]) -> CompressedTable:
    """Mixed-dimension table: each frequency bucket gets its own number of dimensions.

    The words of bucket ``b`` (rows ``bounds[b] .. bounds[b+1]-1``, most frequent first) get
    ``dims[b]`` coordinates and share a ``(dims[b], d)`` projection back to ``d``; both are fitted
    by a truncated SVD of the bucket's rows (least squares).

    Parameters
    ----------
    E : array_like, shape (n, d)
    bounds : sequence of int
        Strictly increasing from 0 to ``n``.
    dims : sequence of int
        One per bucket, each between 1 and ``min(bucket size, d)``.

    Returns
    -------
    CompressedTable
    """
    E = _table(E)
    b = _check_bounds(bounds, len(E))
    if len(dims) != len(b) - 1:
        raise ValueError(f"shape mismatch: {len(b) - 1} buckets but {len(dims)} dims")
    U, P = [], []
    for s, e, r in zip(b[:-1], b[1:], dims):
        top = min(e - s, E.shape[1])
        try:
            r = checks.integer(r, "dims", 1, top)
        except ValueError as err:
            raise ValueError(f"{err} (for rows {s}..{e - 1})") from None
        u, p = _svd_factors(E[s:e], r)
        U.append(u)
        P.append(p)
    dims = tuple(int(x) for x in dims)
    return trainable_table("mixed dimensions " + "/".join(map(str, dims)), "dimension reduction", len(E),
                           "buckets", {"U": U, "P": P}, {"bounds": tuple(int(x) for x in b), "dims": dims})


def mixed_dimension_plan(n: int, d: int, budget_bytes: int, bounds: Sequence[int],
                         alpha: float = 0.5) -> tuple:
    """Dimensions per frequency bucket for :func:`mixed_dimensions` that fit a budget.

    Bucket ``b`` holds the words of frequency rank ``bounds[b] .. bounds[b+1] - 1`` and gets
    ``d_b = clip(floor(lam * p_b ** alpha), 1, min(d, bucket size))`` dimensions, where ``p_b`` is
    the bucket's mean Zipf popularity ``1 / (rank + 1)``, the rule of mixed-dimension embeddings
    (frequent words get more dimensions); ``lam`` is the largest value whose table (float32 rows
    plus a ``(d_b, d)`` projection per bucket) fits ``budget_bytes``. What the rounding leaves of
    the budget then buys dimensions for the most frequent buckets first.

    Parameters
    ----------
    n, d : int
        The table's shape.
    budget_bytes : int
    bounds : sequence of int
        As in :func:`mixed_dimensions`.
    alpha : float
        ``>= 0``.

    Returns
    -------
    tuple of int
        ``dims``, one per bucket.
    """
    n, d = checks.integer(n, "n", lo=1), checks.integer(d, "d", lo=1)
    budget_bytes = checks.number(budget_bytes, "budget_bytes", lo=0)
    bounds = _check_bounds(bounds, n)
    alpha = checks.number(alpha, "alpha", lo=0)
    harmonic = np.concatenate([[0.0], np.cumsum(1.0 / np.arange(1, n + 1))])
    sizes = np.diff(bounds)
    pop = (harmonic[bounds[1:]] - harmonic[bounds[:-1]]) / sizes
    cap = np.minimum(d, sizes)

    def dims(lam):
        return np.clip(np.floor(lam * pop ** alpha), 1, cap).astype(int)

    def cost(ds):
        return FLOAT32_BYTES * int(((sizes + d) * ds).sum())

    if cost(np.ones_like(sizes)) > budget_bytes:
        raise ValueError(f"budget too small: one dimension per bucket already takes "
                         f"{cost(np.ones_like(sizes)):,} bytes > {budget_bytes:,.0f}")
    lo, hi = 0.0, 2.0 * d / pop.min() ** alpha
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cost(dims(mid)) <= budget_bytes else (lo, mid)
    ds = dims(lo)
    for b in range(len(ds)):
        while ds[b] < cap[b] and cost(ds) + FLOAT32_BYTES * (sizes[b] + d) <= budget_bytes:
            ds[b] += 1
    return tuple(int(x) for x in ds)
