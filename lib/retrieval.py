"""Retrievers, late interaction and run evaluation (Part V).

Every retriever returns ``(indices, scores)`` of shape ``(n_queries, k)``, best first, over the
passages of a :class:`lib.tasks.RetrievalTask` (the tasks themselves live in :mod:`lib.tasks`,
the theory of what single vectors can retrieve in :mod:`lib.limit`):

* :func:`bm25_search` (the ``bm25s`` package), the lexical baseline;
* :func:`dense_search`, cosine search over any embeddings: :func:`glove_embed`, or the cached
  encodings of :mod:`lib.encodings` (``sentence_vectors``, ``static_vectors``, any model);
* :func:`reciprocal_rank_fusion` of several ranked lists (hybrid search);
* late interaction, ColBERT's MaxSim: :func:`maxsim_scores` for one query and document,
  :func:`maxsim_search` over token vectors (``lib.encodings.token_vectors``);
* :func:`evaluate_run` scores a run: recall@k, nDCG@k and MRR with bootstrap intervals.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import checks, linalg
from .data import tokenize
from .encodings import TokenVectors
from .evaluate import average_word_vectors, retrieval_scores
from .models import load_glove
from .search import top_k
from .stats import mean_ci
from .tasks import RetrievalTask

__all__ = ["bm25_search", "dense_search", "glove_embed", "reciprocal_rank_fusion", "maxsim_scores",
           "maxsim_search", "evaluate_run"]


def _check_search(n_queries: int, n_docs: int, k: int) -> int:
    if n_queries == 0:
        raise ValueError("queries is empty")
    return checks.check_k(k, n_docs, "documents")


def _ranked(scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` best columns of each row of ``scores``, ties broken by column order."""
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return order.astype(np.int64), np.take_along_axis(scores, order, 1)


def bm25_search(queries: Sequence[str], passages: Sequence[str], k: int = 100,
                k1: float = 1.5, b: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
    """BM25 (Lucene variant, the ``bm25s`` package) over ``passages`` for each query.

    Texts are lowercased and split with :func:`lib.data.tokenize`; English stop words are
    removed. Ties (e.g. a query with no indexed word) are broken by passage order.

    Parameters
    ----------
    queries : list of str
    passages : list of str
        The collection (a single string counts as a collection of one passage).
    k : int
        Results per query, ``1 <= k <= len(passages)``.
    k1 : float
        Term-frequency saturation, ``>= 0``.
    b : float
        Length normalisation, in ``[0, 1]``.

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray of float32, shape (n_queries, k)

    Examples
    --------
    >>> idx, scores = bm25_search(["a cat on the mat"], ["dogs in parks", "the cat sat on a mat", "mats"], k=2)
    >>> idx.tolist(), float(scores[0, 1])            # no word of the query in passage 0: score 0
    ([[1, 0]], 0.0)
    """
    import bm25s
    from bm25s.stopwords import STOPWORDS_EN

    queries = checks.texts(queries, "queries")
    passages = checks.texts(passages, "passages")
    k = _check_search(len(queries), len(passages), k)
    k1 = checks.number(k1, "k1", lo=0)
    b = checks.number(b, "b", lo=0, hi=1)
    stop = set(STOPWORDS_EN)
    tok = lambda t: [w for w in tokenize(t) if w not in stop]  # noqa: E731
    corpus_tokens = [tok(p) or ["<empty>"] for p in passages]
    model = bm25s.BM25(k1=k1, b=b)
    model.index(corpus_tokens, show_progress=False)
    vocab = model.vocab_dict
    scores = np.zeros((len(queries), len(passages)), dtype=np.float32)
    for i, q in enumerate(queries):
        words = [w for w in tok(q) if w in vocab]
        if words:
            scores[i] = model.get_scores(words)
    return _ranked(scores, k)


def dense_search(query_vectors, passage_vectors, k: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Cosine top-``k`` of each query among the passages (:func:`lib.search.top_k`).

    Parameters
    ----------
    query_vectors : array_like, shape (n_queries, d)
    passage_vectors : array_like, shape (n_passages, d)
    k : int

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray of float32, shape (n_queries, k)
        Cosine similarities, descending.

    Examples
    --------
    >>> dense_search([[1.0, 0.1]], [[0.0, 1.0], [2.0, 0.0]], k=1)[0].tolist()
    [[1]]
    """
    q = checks.as_matrix(query_vectors, "query_vectors")
    p = checks.as_matrix(passage_vectors, "passage_vectors")
    checks.same_dim(q, p, ("query_vectors", "passage_vectors"))
    return top_k(q, p, k=_check_search(len(q), len(p), k), metric="cosine")


def glove_embed(texts: Sequence[str], kv=None) -> np.ndarray:
    """Average of the GloVe 6B 50d vectors of each text's words (zero if none is known).

    Parameters
    ----------
    texts : list of str
    kv : KeyedVectors-like, optional
        Another word table; default :func:`lib.models.load_glove`.

    Returns
    -------
    ndarray of float32, shape (n_texts, d)
    """
    X, _ = average_word_vectors(kv if kv is not None else load_glove(), checks.texts(texts))
    return X


def _check_rankings(rankings) -> list[np.ndarray]:
    """Each ranking as an int64 array of shape (n_queries, depth_i): integer ids >= 0, -1 padding, no repeats."""
    if rankings is None or isinstance(rankings, (str, bytes, dict, set)):
        raise TypeError(f"rankings must be a list of ranked-id arrays; got {type(rankings).__name__}")
    rankings = [np.asarray(r) for r in checks.non_empty(list(rankings), "rankings")]
    for i, r in enumerate(rankings):
        if r.ndim != 2:
            raise ValueError(f"rankings[{i}] must be 2-D (n_queries, depth); got shape {r.shape}")
        if r.shape[0] != rankings[0].shape[0]:
            raise ValueError(f"shape mismatch: rankings[0] has {rankings[0].shape[0]} queries, rankings[{i}] has {r.shape[0]}")
        if r.dtype.kind == "b" or (r.size and r.dtype.kind not in "iu"):
            raise ValueError(f"rankings[{i}] must hold integer document ids; got dtype {r.dtype}")
    big = max(int(r.max(initial=-1)) for r in rankings) + 1     # ids are open-ended: only >= -1 and repeats matter
    return [checks.ids(r, max(big, 1), f"rankings[{i}]", allow_pad=True) for i, r in enumerate(rankings)]


def reciprocal_rank_fusion(rankings: Sequence[np.ndarray], k: int = 100, c: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """Fuse ranked lists with reciprocal rank fusion (Cormack et al. 2009).

    A document's fused score is ``sum over lists of 1 / (c + rank)`` (rank from 1);
    a document absent from a list contributes nothing for it. ``-1`` ids are padding
    (faiss returns -1 when an index finds fewer than ``depth`` neighbours): they keep their
    slot in the ranks but are never fused. A list that repeats a document is an error.

    Parameters
    ----------
    rankings : sequence of int arrays, each of shape (n_queries, depth_i)
        Document ids, best first.
    k : int
        Length of the fused lists (at most the number of distinct documents seen per query).
    c : float
        The constant of RRF (60 in the original paper), ``>= 0``.

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray of float64, shape (n_queries, k)
        Fused scores, descending; ties broken by the smaller id.

    Examples
    --------
    >>> idx, s = reciprocal_rank_fusion([[[3, 1, -1]], [[1, 2, 0]]], k=2, c=0)
    >>> idx.tolist(), s.round(2).tolist()
    ([[1, 3]], [[1.5, 1.0]])
    """
    rankings = _check_rankings(rankings)
    c = checks.number(c, "c", lo=0)
    k = checks.integer(k, "k", lo=1)
    nq = rankings[0].shape[0]
    out_i = np.full((nq, k), -1, dtype=np.int64)
    out_s = np.zeros((nq, k), dtype=np.float64)
    for q in range(nq):
        fused: dict[int, float] = {}
        for r in rankings:
            for rank, doc in enumerate(r[q].tolist(), start=1):
                if doc >= 0:
                    fused[doc] = fused.get(doc, 0.0) + 1.0 / (c + rank)
        if len(fused) < k:
            raise ValueError(f"k={k} is larger than the {len(fused)} distinct documents in the lists of query {q}")
        best = sorted(fused.items(), key=lambda t: (-t[1], t[0]))[:k]
        out_i[q] = [d for d, _ in best]
        out_s[q] = [s for _, s in best]
    return out_i, out_s


def maxsim_scores(query_tokens, doc_tokens) -> float:
    """Late-interaction score: each query token's best cosine over the document's tokens, summed.

    Parameters
    ----------
    query_tokens : array_like, shape (n_query_tokens, d)
    doc_tokens : array_like, shape (n_doc_tokens, d)

    Returns
    -------
    float
        In ``[-n_query_tokens, n_query_tokens]``; norms are taken in float64
        (:func:`lib.linalg.unit`), so very large or small vectors score as well as unit ones.

    Examples
    --------
    >>> round(maxsim_scores([[1.0, 0.0], [0.0, 1e20]], [[2.0, 0.0], [1.0, 1.0]]), 4)   # 1 + cos 45 degrees
    1.7071
    """
    q = linalg.unit(query_tokens, name="query_tokens")
    d = linalg.unit(doc_tokens, name="doc_tokens")
    checks.same_dim(q, d, ("query_tokens", "doc_tokens"))
    return float((q.astype(np.float64) @ d.T.astype(np.float64)).max(1).sum())


def _token_lists(tv, name: str, cut) -> list[np.ndarray]:
    if not isinstance(tv, TokenVectors):
        raise TypeError(f"{name} must be lib.encodings.TokenVectors (from token_vectors); got {type(tv).__name__}")
    vs = checks.non_empty(list(tv.vectors), name)
    out = [linalg.unit(cut(v), name=f"{name}[{i}]", dtype=np.float32) for i, v in enumerate(vs)]
    dims = {v.shape[1] for v in out}
    if len(dims) != 1:
        raise ValueError(f"{name} mixes token vectors of widths {sorted(dims)}")
    return out


_MAXSIM_FLOATS = 1 << 25          # maxsim_search: similarities held at once (128 MB of float32)


def maxsim_search(query_tokens: TokenVectors, doc_tokens: TokenVectors, k: int = 100,
                  skip_special: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Late interaction (ColBERT's MaxSim) over token vectors, exhaustively.

    The score of a document for a query is the sum over query tokens of the highest
    cosine similarity with any document token (:func:`maxsim_scores`). Token vectors are
    unit-normalised with float64 norms and compared in float32.

    Parameters
    ----------
    query_tokens, doc_tokens : lib.encodings.TokenVectors
        One ``(n_tokens_i, d)`` array per text (``token_vectors``).
    k : int
        Results per query, ``1 <= k <= n_docs``.
    skip_special : bool
        Drop the first ([CLS]) and last ([SEP]) token of every text of more than two tokens.

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray of float32, shape (n_queries, k)
        MaxSim scores, descending; ties broken by document order.
    """
    cut = (lambda v: v[1:-1] if len(v) > 2 else v) if skip_special else (lambda v: v)  # noqa: E731
    Q = _token_lists(query_tokens, "query_tokens", cut)
    D = _token_lists(doc_tokens, "doc_tokens", cut)
    k = _check_search(len(Q), len(D), k)
    if Q[0].shape[1] != D[0].shape[1]:
        raise ValueError(f"dimension mismatch: query tokens have d={Q[0].shape[1]} but document tokens d={D[0].shape[1]}")
    lengths = np.array([len(v) for v in D])
    allD = np.ascontiguousarray(np.concatenate(D).T)          # (d, total doc tokens)
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    # queries a block at a time, so that one matrix product reads the document tokens for many queries;
    # a block's similarities, (its query tokens, total doc tokens), stay within about 128 MB
    budget = max(1, _MAXSIM_FLOATS // allD.shape[1])
    scores = np.empty((len(Q), len(D)), dtype=np.float32)
    i = 0
    while i < len(Q):
        j, n_tok = i + 1, len(Q[i])
        while j < len(Q) and n_tok + len(Q[j]) <= budget:
            n_tok += len(Q[j])
            j += 1
        sim = np.concatenate(Q[i:j]) @ allD                     # (block's query tokens, total doc tokens)
        best = np.maximum.reduceat(sim, starts, axis=1)         # (block's query tokens, n_docs)
        q_starts = np.r_[0, np.cumsum([len(q) for q in Q[i:j]])[:-1]]
        scores[i:j] = np.add.reduceat(best, q_starts, axis=0)   # each query's sum over its own tokens
        i = j
    return _ranked(scores, k)


def evaluate_run(indices, task: RetrievalTask, ks=(1, 10, 100), n_boot: int = 1000,
                 seed: int = 0) -> dict:
    """recall@k, nDCG@k and MRR of a run, each with a bootstrap interval over queries.

    Parameters
    ----------
    indices : array_like of int, shape (n_queries, depth)
        Passage ids in ``0..n_passages-1``, best first (``-1`` padding counts as a miss).
    task : lib.tasks.RetrievalTask
        The queries' relevant passages.
    ks : tuple of int
        Cut-offs, each ``<= depth``.
    n_boot : int
        Bootstrap resamples (:func:`lib.stats.mean_ci` asks for at least 100).
    seed : int

    Returns
    -------
    dict of str -> lib.stats.Estimate
        ``"recall@k"``, ``"ndcg@k"`` for each k and ``"mrr"`` (:func:`lib.evaluate.retrieval_scores`).
    """
    if not isinstance(task, RetrievalTask):
        raise TypeError(f"task must be a lib.tasks.RetrievalTask; got {type(task).__name__}")
    idx = checks.ids(indices, len(task.passages), "indices", allow_pad=True)
    if idx.shape[0] != len(task.queries):
        raise ValueError(f"shape mismatch: indices has {idx.shape[0]} rows but {task!r} has {len(task.queries)} queries")
    per_query = retrieval_scores(idx, task.relevant, ks=ks)
    return {m: mean_ci(v, n_boot, seed=seed) for m, v in per_query.items()}
