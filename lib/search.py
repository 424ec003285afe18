"""Exact nearest-neighbour search.

:func:`top_k` computes similarities in blocks of queries (one matrix product each) and
keeps the best ``k`` per query with a partial sort (``argpartition``), so memory stays
bounded and no full sort of the ``n_docs`` scores is made.
"""
from __future__ import annotations

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
