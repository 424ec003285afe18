"""Exact nearest-neighbour search.

:func:`top_k` computes similarities in blocks of queries (one matrix product each) and
keeps the best ``k`` per query with a partial sort (``argpartition``), so memory stays
bounded and no full sort of the ``n_docs`` scores is made.
"""
from __future__ import annotations

import numpy as np

from . import checks

METRICS = ("cosine", "dot", "euclidean")


def normalize(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero). Shape and float dtype are kept.

    Norms are computed in float64 after scaling each row by its largest absolute entry, so
    rows near 1e20 (whose squares overflow float32) or 1e-25 (whose squares underflow) are
    normalised correctly instead of becoming zero or keeping their length. ``eps`` floors the
    norm of the scaled row, so only all-zero rows are affected (they stay zero).
    """
    x = checks.as_matrix(x, "x")
    if isinstance(eps, bool) or not isinstance(eps, (int, float, np.floating)) or not eps > 0:
        raise ValueError(f"eps must be a positive number; got {eps!r}")
    x64 = x.astype(np.float64)
    scale = np.abs(x64).max(axis=1, keepdims=True)
    scale[scale == 0] = 1.0
    scaled = x64 / scale  # largest entry 1 in magnitude, so the norm is in [1, sqrt(d)] or 0
    return (scaled / np.maximum(np.linalg.norm(scaled, axis=1, keepdims=True), eps)).astype(x.dtype, copy=False)


def top_k(queries, docs, k: int = 10, metric: str = "cosine", block: int = 1024,
          exclude_self: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most similar documents for each query, best first.

    Parameters
    ----------
    queries : array_like, shape (n_queries, d)
    docs : array_like, shape (n_docs, d)
    k : int
        Neighbours per query, ``1 <= k <= n_docs``.
    metric : {"cosine", "dot", "euclidean"}
        Cosine similarity, inner product, or (negated) Euclidean distance.
    block : int
        Queries per matrix product.
    exclude_self : bool
        When queries and docs are the same set, drop each query's own row
        (row ``i`` of the queries is document ``i``).

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray of float32, shape (n_queries, k)
        Similarities (for ``"euclidean"``: minus the distance), descending.
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {METRICS}")
    q = checks.as_matrix(queries, "queries")
    d = checks.as_matrix(docs, "docs")
    checks.same_dim(q, d)
    if isinstance(block, bool) or not isinstance(block, (int, np.integer)) or block < 1:
        raise ValueError(f"block must be a positive integer (queries per matrix product); got {block!r}")
    if exclude_self and q.shape[0] > d.shape[0]:
        raise ValueError(f"exclude_self needs the queries to be the first rows of docs; got {q.shape[0]} queries "
                         f"for {d.shape[0]} docs")
    n = d.shape[0] - (1 if exclude_self else 0)
    k = checks.check_k(k, n, "documents")
    if metric == "cosine":
        q, d = normalize(q), normalize(d)
    d_sq = (d * d).sum(1) if metric == "euclidean" else None
    idx_out = np.empty((q.shape[0], k), dtype=np.int64)
    val_out = np.empty((q.shape[0], k), dtype=np.float32)
    for s in range(0, q.shape[0], block):
        qb = q[s:s + block]
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, as an error
            scores = qb @ d.T
        if metric == "euclidean":
            scores = -np.sqrt(np.maximum((qb * qb).sum(1, keepdims=True) - 2 * scores + d_sq, 0))
        if metric != "cosine" and not np.isfinite(scores).all():  # unit rows cannot overflow
            raise ValueError(f"{metric} scores overflow float32 (inputs of magnitude up to "
                             f"{max(np.abs(q).max(), np.abs(d).max()):.3g}); rescale the vectors or use 'cosine'")
        if exclude_self:
            rows = np.arange(qb.shape[0])
            scores[rows, s + rows] = -np.inf
        part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
        part_scores = np.take_along_axis(scores, part, 1)
        order = np.argsort(-part_scores, axis=1, kind="stable")
        idx_out[s:s + block] = np.take_along_axis(part, order, 1)
        val_out[s:s + block] = np.take_along_axis(part_scores, order, 1)
    return idx_out, val_out


def neighbours(kv, word: str, k: int = 10, restrict: int | None = None) -> list[tuple[str, float]]:
    """Cosine nearest neighbours of ``word`` in a gensim ``KeyedVectors`` (the word itself excluded).

    Parameters
    ----------
    restrict : int, optional
        Search only the ``restrict`` first (most frequent) words.
    """
    checks.known_words([word], kv.key_to_index, "the embedding's vocabulary")
    vecs = kv.vectors if restrict is None else kv.vectors[:restrict]
    idx, sc = top_k(kv[word], vecs, k + 1)
    out = [(kv.index_to_key[i], float(s)) for i, s in zip(idx[0], sc[0]) if kv.index_to_key[i] != word]
    return out[:k]
