"""Exact nearest-neighbour search.

:func:`top_k` computes similarities in tiles of queries by documents (one matrix product each,
sized to the cache), keeps each tile's best ``k`` per query with a partial sort
(``argpartition``) and merges the tiles' candidates, on several threads; memory stays bounded
and no full sort of the ``n_docs`` scores is made.
"""
from __future__ import annotations

import os

import numpy as np

from . import checks, linalg

__all__ = ["METRICS", "normalize", "top_k", "neighbours", "list_overlap", "neighbour_overlap", "neighbour_lists"]

METRICS = ("cosine", "dot", "euclidean")


def normalize(x: np.ndarray, eps: float = 1e-12) -> np.ndarray:
    """Rows scaled to unit L2 norm (zero rows stay zero); shape and float dtype kept.

    The book's one normaliser, :func:`lib.linalg.unit`, under the name search code expects.

    Parameters
    ----------
    x : array_like, shape (n, d) or (d,)
    eps : float
        Floor of a row's norm, ``> 0``; only all-zero rows reach it.

    Returns
    -------
    ndarray, shape (n, d)
        Unit rows (norm 1, or 0 for an all-zero row).

    Examples
    --------
    >>> normalize([[3.0, 4.0]]).tolist()
    [[0.6, 0.8]]
    """
    return linalg.unit(x, eps=eps, name="x")


def top_k(queries, docs, k: int = 10, metric: str = "cosine", block: int = 256,
          exclude_self: bool = False, doc_block: int = 8192,
          threads: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` most similar documents for each query, best first; ties go to the lower index.

    The score matrix is never held whole: each tile of ``block`` queries by ``doc_block``
    documents (8 MB of float32 by default, about a core's share of the cache) is one matrix
    product. The first tile's best ``k`` per query come from a partial sort (``argpartition``);
    in every later tile only the scores above a query's current ``k``-th best can enter, so one
    comparison finds the few candidates and a small sort merges them in. The partial sort of
    every tile, which cost twice the matrix product, is paid once. Query blocks run on ``threads`` threads (the matrix
    products and partial sorts release the GIL), with BLAS held to one thread each.

    Parameters
    ----------
    queries : array_like, shape (n_queries, d)
    docs : array_like, shape (n_docs, d)
    k : int
        Neighbours per query, ``1 <= k <= n_docs``.
    metric : {"cosine", "dot", "euclidean"}
        Cosine similarity, inner product, or (negated) Euclidean distance.
    block : int
        Queries per tile.
    exclude_self : bool
        When queries and docs are the same set, drop each query's own row
        (row ``i`` of the queries is document ``i``).
    doc_block : int
        Documents per tile (raised to ``4 * k`` when ``k`` is large).
    threads : int, optional
        Worker threads; default: the machine's CPU count.

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray of float32, shape (n_queries, k)
        Similarities (for ``"euclidean"``: minus the distance), descending; equal scores in
        ascending document order.

    Examples
    --------
    >>> idx, sc = top_k([[1.0, 0.0]], [[0.0, 1.0], [1.0, 0.0], [1.0, 0.0]], k=2)
    >>> idx.tolist(), sc.round(3).tolist()          # the tie between rows 1 and 2 goes to 1 first
    ([[1, 2]], [[1.0, 1.0]])
    """
    if metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; use one of {METRICS}")
    q = checks.as_matrix(queries, "queries", dtype=np.float32)
    d = checks.as_matrix(docs, "docs", dtype=np.float32)
    checks.same_dim(q, d)
    for name, value in (("block", block), ("doc_block", doc_block)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive integer (rows per tile); got {value!r}")
    threads = os.cpu_count() or 1 if threads is None else checks.integer(threads, "threads", lo=1)
    if exclude_self and q.shape[0] > d.shape[0]:
        raise ValueError(f"exclude_self needs the queries to be the first rows of docs; got {q.shape[0]} queries "
                         f"for {d.shape[0]} docs")
    n = d.shape[0] - (1 if exclude_self else 0)
    k = checks.check_k(k, n, "documents")
    if metric == "cosine":
        q, d = normalize(q), normalize(d)
    q, d = np.ascontiguousarray(q, dtype=np.float32), np.ascontiguousarray(d, dtype=np.float32)
    d_sq = (d * d).sum(1) if metric == "euclidean" else None
    step = max(doc_block, 4 * k)
    idx_out = np.empty((q.shape[0], k), dtype=np.int64)
    val_out = np.empty((q.shape[0], k), dtype=np.float32)

    def tile_scores(qb, s, lo, hi):
        with np.errstate(over="ignore", invalid="ignore"):   # overflow is reported below, as an error
            S = qb @ d[lo:hi].T
            if metric == "euclidean":
                S = -np.sqrt(np.maximum((qb * qb).sum(1, keepdims=True) - 2 * S + d_sq[lo:hi], 0))
        if metric != "cosine" and not np.isfinite(S).all():  # unit rows cannot overflow
            raise ValueError(f"{metric} scores overflow float32 (inputs of magnitude up to "
                             f"{max(np.abs(q).max(), np.abs(d).max()):.3g}); rescale the vectors or use 'cosine'")
        if exclude_self:
            rows = np.arange(qb.shape[0])
            own = s + rows
            inside = (own >= lo) & (own < hi)
            S[rows[inside], own[inside] - lo] = -np.inf
        return S

    def first_tile(S, kk):
        """Best ``kk`` per row of one tile, ties at the cut going to the lower index."""
        n_cols = S.shape[1]
        part = np.argpartition(S, n_cols - kk, axis=1)[:, n_cols - kk:]
        vals = np.take_along_axis(S, part, 1)
        t = vals.min(1)
        # ties at the cut: argpartition may keep any of them; keep the lowest indices instead
        for r in np.flatnonzero((S >= t[:, None]).sum(1) > kk):
            above = np.flatnonzero(S[r] > t[r])
            tied = np.flatnonzero(S[r] == t[r])[:kk - len(above)]
            part[r] = np.concatenate([above, tied])
            vals[r] = S[r, part[r]]
        return part, vals

    def merge(cur_i, cur_v, rows, cols, vals):
        """The best k per row of the current lists and new candidates (by score, then index)."""
        nb = cur_i.shape[0]
        all_r = np.concatenate([np.repeat(np.arange(nb), cur_i.shape[1]), rows])
        all_i = np.concatenate([cur_i.ravel(), cols])
        all_v = np.concatenate([cur_v.ravel(), vals])
        order = np.lexsort((all_i, -all_v, all_r))
        starts = np.searchsorted(all_r[order], np.arange(nb))
        take = order[starts[:, None] + np.arange(k)]
        return all_i[take], all_v[take]

    def run_block(s):
        qb = q[s:s + block]
        hi = min(step, d.shape[0])
        cur_i, cur_v = first_tile(tile_scores(qb, s, 0, hi), k)
        order = np.lexsort((cur_i, -cur_v), axis=1)
        cur_i, cur_v = np.take_along_axis(cur_i, order, 1), np.take_along_axis(cur_v, order, 1)
        for lo in range(hi, d.shape[0], step):
            hi = min(lo + step, d.shape[0])
            S = tile_scores(qb, s, lo, hi)
            # only scores above a row's current k-th can enter its list; an equal score loses the tie,
            # since every index of this tile is higher than those already kept
            rows, cols = np.nonzero(S > cur_v[:, -1:])
            if rows.size:
                cur_i, cur_v = merge(cur_i, cur_v, rows, cols + lo, S[rows, cols])
        idx_out[s:s + block] = cur_i
        val_out[s:s + block] = cur_v

    starts = range(0, q.shape[0], block)
    if threads == 1 or len(starts) == 1:
        for s in starts:
            run_block(s)
    else:
        from concurrent.futures import ThreadPoolExecutor

        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, user_api="blas"), ThreadPoolExecutor(threads) as pool:
            list(pool.map(run_block, starts))
    return idx_out, val_out


def neighbours(kv, word: str, k: int = 10, restrict: int | None = None) -> list[tuple[str, float]]:
    """Cosine nearest neighbours of ``word`` in a gensim ``KeyedVectors`` (the word itself excluded).

    Parameters
    ----------
    kv : KeyedVectors-like
        ``key_to_index`` (word -> row), ``index_to_key`` and ``vectors`` of shape ``(n_words, d)``.
    word : str
        A word of the vocabulary.
    k : int
        Neighbours returned, from 1 to the number of other words searched.
    restrict : int, optional
        Search only the ``restrict`` first (most frequent) words, ``1 <= restrict <= n_words``.

    Returns
    -------
    list of (str, float)
        ``k`` pairs (neighbour, cosine similarity), most similar first.

    Examples
    --------
    >>> from lib.models import keyed_vectors
    >>> kv = keyed_vectors(["cat", "dog", "car"], [[1.0, 0.1], [0.9, 0.2], [0.0, 1.0]])
    >>> [w for w, _ in neighbours(kv, "cat", k=2)]
    ['dog', 'car']
    """
    if not all(hasattr(kv, a) for a in ("key_to_index", "index_to_key", "vectors")):
        raise TypeError("kv must be KeyedVectors-like (key_to_index, index_to_key, vectors); "
                        f"got {type(kv).__name__}")
    if not isinstance(word, str):
        raise TypeError(f"word must be a string; got {type(word).__name__} {word!r:.60}")
    checks.known_words([word], kv.key_to_index, "the embedding's vocabulary")
    n_words = len(kv.vectors)
    restrict = n_words if restrict is None else checks.integer(restrict, "restrict", 1, n_words)
    row = kv.key_to_index[word]
    others = restrict - (1 if row < restrict else 0)
    k = checks.check_k(k, others, "other words searched")       # k itself, not the k + 1 searched below
    idx, sc = top_k(kv.vectors[row], kv.vectors[:restrict], min(k + 1, restrict))
    out = [(kv.index_to_key[i], float(s)) for i, s in zip(idx[0], sc[0]) if i != row]
    return out[:k]


def list_overlap(found, exact, kind: str = "recall") -> float:
    """Mean agreement between two sets of neighbour lists for the same queries.

    Parameters
    ----------
    found : array_like of int, shape (n_queries, k_found)
        Neighbour ids to judge (an approximate index's output). ``-1`` (faiss's padding when it
        found fewer than ``k``) counts as a miss.
    exact : array_like of int, shape (n_queries, k)
        The reference lists (no padding, no repeats).
    kind : {"recall", "jaccard"}
        ``"recall"``: mean ``|found ∩ exact| / k``; ``"jaccard"``: mean ``|∩| / |∪|``.

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> list_overlap([[1, 2, -1]], [[1, 2, 3]])
    0.6666666666666666
    """
    checks.choice(kind, "kind", ("recall", "jaccard"))
    exact = np.asarray(exact)
    if exact.ndim != 2 or exact.size == 0:
        raise ValueError(f"exact must be a non-empty 2-D array of ids; got shape {exact.shape}")
    big = int(max(np.asarray(found).max(initial=0), exact.max())) + 1
    exact = checks.ids(exact, big, "exact")
    found = checks.ids(found, big, "found", allow_pad=True)
    if found.shape[0] != exact.shape[0]:
        raise ValueError(f"shape mismatch: {found.shape[0]} lists in found but {exact.shape[0]} in exact")
    scores = []
    for f, e in zip(found.tolist(), exact.tolist()):
        f, e = set(f) - {-1}, set(e)
        scores.append(len(f & e) / (len(e) if kind == "recall" else len(f | e)))
    return float(np.mean(scores))


def neighbour_overlap(A, B, k: int = 10, queries=None, candidates: int | None = None,
                      kind: str = "recall") -> float:
    """How far two spaces over the same rows agree on each row's ``k`` nearest neighbours.

    Row ``i``'s ``k`` cosine neighbours among the first ``candidates`` rows (itself excluded) are
    found in ``A`` and in ``B`` (a compressed, noisy or re-trained version of ``A``), and the two
    lists compared with :func:`list_overlap`.

    Parameters
    ----------
    A, B : array_like, shape (n, d_A) and (n, d_B)
        The same ``n`` items in the same order (the widths may differ).
    k : int
    queries : array_like of int, shape (m,), optional
        Rows to ask about, below ``candidates``; default all of them.
    candidates : int, optional
        Search only among the first ``candidates`` rows (the most frequent words); default ``n``.
    kind : {"recall", "jaccard"}

    Returns
    -------
    float in [0, 1]: 1 when every neighbour list is the same.
    """
    A = checks.as_matrix(A, "A")
    B = checks.as_matrix(B, "B")
    if len(A) != len(B):
        raise ValueError(f"shape mismatch: A has {len(A)} rows but B has {len(B)}; they must hold the same items")
    n = len(A)
    candidates = n if candidates is None else checks.integer(candidates, "candidates", 2, n)
    k = checks.check_k(k, candidates - 1, "other candidate rows")
    q = np.arange(candidates) if queries is None else checks.ids(queries, candidates, "queries", ndim=1)
    lists = [neighbour_lists(M, k, q, candidates) for M in (A, B)]
    return list_overlap(lists[1], lists[0], kind)


def neighbour_lists(M, k: int = 10, queries=None, candidates: int | None = None) -> np.ndarray:
    """Each query row's ``k`` cosine nearest rows among the first ``candidates``, itself excluded.

    Parameters
    ----------
    M : array_like, shape (n, d)
    k : int
        ``1 <= k <= candidates - 1``.
    queries : array_like of int, shape (m,), optional
        Rows to ask about, anywhere in ``0..n-1`` (a row beyond the candidates has no self to
        exclude); default the candidates.
    candidates : int, optional
        Search among rows ``0..candidates-1``; default ``n``.

    Returns
    -------
    ndarray of int64, shape (m, k)
        Best first.

    Examples
    --------
    >>> neighbour_lists([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]], k=1).tolist()
    [[1], [0], [1]]
    """
    M = checks.as_matrix(M, "M")
    n = len(M)
    candidates = n if candidates is None else checks.integer(candidates, "candidates", 2, n)
    k = checks.check_k(k, candidates - 1, "other candidate rows")
    q = np.arange(candidates) if queries is None else checks.ids(queries, n, "queries", ndim=1)
    idx, _ = top_k(M[q], M[:candidates], k + 1)
    not_self = idx != q[:, None]
    first = np.argsort(~not_self, axis=1, kind="stable")[:, :k]   # drop the row itself, keep the order
    return np.take_along_axis(idx, first, 1)
