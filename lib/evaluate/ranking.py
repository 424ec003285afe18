"""Metrics of ranked lists: recall@k, MRR and nDCG@k against relevance judgements."""
from __future__ import annotations


import numpy as np

from .. import checks
from ..stats import mean_ci

__all__ = ['retrieval_scores']


def _relevant_sets(relevant, n_queries: int) -> list[set]:
    if relevant is None or isinstance(relevant, (str, bytes, set, frozenset, dict)) or not hasattr(relevant, "__len__"):
        raise TypeError(f"relevant must be a list with one int or set of ints per query; got {type(relevant).__name__}")
    if len(relevant) != n_queries:
        raise ValueError(f"{n_queries} ranked lists but {len(relevant)} relevance sets")
    out = []
    for i, r in enumerate(relevant):
        if r is None or isinstance(r, (str, bytes)):
            raise ValueError(f"relevant[{i}] must be an int or a set of ints; got {r!r}")
        items = [r] if np.isscalar(r) else list(r)
        if any(isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)) or x < 0 for x in items):
            raise ValueError(f"relevant[{i}] must hold non-negative integer document ids; got {r!r}")
        s = {int(x) for x in items}
        if not s:
            raise ValueError(f"query {i} has no relevant document")
        out.append(s)
    return out


def retrieval_scores(ranked, relevant, ks=(1, 10, 100)) -> dict[str, np.ndarray]:
    """Per-query recall@k, MRR and nDCG@k (binary relevance).

    Parameters
    ----------
    ranked : array_like of int, shape (n_queries, depth)
        Document ids, best first (e.g. the indices from :func:`lib.search.top_k`).
    relevant : sequence of int or of sets of int
        The relevant documents of each query.
    ks : int or tuple of int
        Cut-offs; each must be ``<= depth``.

    Returns
    -------
    dict
        ``"recall@k"`` and ``"ndcg@k"`` for each k, and ``"mrr"`` (over the full depth):
        float arrays of shape ``(n_queries,)``, each value in [0, 1]. Average them, or pass
        them to :func:`lib.stats.mean_ci` for intervals. Negative ids are padding (faiss's
        ``-1``) and never relevant; a repeated id is an error.

    Examples
    --------
    >>> s = retrieval_scores([[2, 0, 1]], [{0}], ks=(1, 3))
    >>> float(s["recall@1"][0]), float(s["recall@3"][0]), float(s["mrr"][0])
    (0.0, 1.0, 0.5)
    """
    ranked = np.asarray(ranked)
    if ranked.ndim != 2:
        raise ValueError(f"ranked must be 2-D (n_queries, depth); got shape {ranked.shape}")
    if ranked.shape[0] == 0:
        raise ValueError("ranked is empty")
    if ranked.shape[1] == 0:
        raise ValueError(f"ranked has depth 0 (shape {ranked.shape}); each query needs at least one document")
    if ranked.dtype.kind not in "iu":
        raise ValueError(f"ranked must hold integer document ids; got dtype {ranked.dtype}")
    if isinstance(ks, (int, np.integer)) and not isinstance(ks, bool):
        ks = (int(ks),)
    if isinstance(ks, (str, bytes)) or not hasattr(ks, "__iter__"):
        raise ValueError(f"ks must be an int or a tuple of ints; got {ks!r}")
    ks = tuple(ks)
    rel = _relevant_sets(relevant, ranked.shape[0])
    depth = ranked.shape[1]
    srt = np.sort(ranked, axis=1)
    dup = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)
    if dup.any():
        q = int(np.nonzero(dup.any(1))[0][0])
        doc = int(srt[q, 1:][dup[q]][0])
        raise ValueError(f"the ranked list of query {q} repeats document {doc}; each id may appear once "
                         f"(negative ids are padding and are never relevant)")
    for k in ks:
        checks.check_k(k, depth, "ranked documents per query")
    hits = np.array([[doc in r for doc in row] for row, r in zip(ranked, rel)], dtype=bool)
    n_rel = np.array([len(r) for r in rel])
    out = {}
    discounts = 1.0 / np.log2(np.arange(2, depth + 2))
    for k in ks:
        out[f"recall@{k}"] = hits[:, :k].sum(1) / n_rel
        dcg = (hits[:, :k] * discounts[:k]).sum(1)
        ideal = np.array([discounts[:min(n, k)].sum() for n in n_rel])
        out[f"ndcg@{k}"] = dcg / ideal
    first = np.where(hits.any(1), hits.argmax(1) + 1, np.inf)
    out["mrr"] = 1.0 / first
    return out
