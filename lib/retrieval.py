"""Retrieval with embeddings, and its limits (Part V).

* Tasks: :func:`inverse_cloze_task` builds a query/passage task from the Wikipedia sample
  (Chang et al. 2020); :func:`limit_dataset` builds a LIMIT-style task
  ("Who likes X?", Weller et al. 2025); :func:`load_beir` reads a BEIR data set (SciFact...)
  when one is on disk or a network is present. The inverse cloze task records each passage's
  article, and :func:`split_by_article` splits it into fitting and test halves (Part VI).
* Retrievers, all returning ``(indices, scores)`` of shape ``(n_queries, k)``, best first:
  :func:`bm25_search` (the ``bm25s`` package), :func:`dense_search` over any embeddings
  (:func:`glove_embed`, :func:`static_minilm_embed` (the book's model2vec distillation,
  :mod:`lib.distill`), :func:`minilm_embed`, from the cached all-layer :func:`minilm_layers`),
  :func:`reciprocal_rank_fusion`, and late interaction :func:`maxsim_search`.
* The theoretical limit: :func:`free_embedding_fit` optimises query and document
  vectors directly on a relevance matrix; :func:`critical_n` finds the largest number of
  documents for which every top-2 subset is still reachable in ``d`` dimensions;
  :func:`free_embedding_sweep` runs it over dimensions, cached, with a recompute flag.
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from . import checks
from .encodings import (TokenVectors, minilm_embed, minilm_layers, minilm_token_vectors,  # noqa: F401
                        static_minilm_embed)
from .data import tokenize
# Temporary re-export for chapters not yet moved to lib.tasks (the lead removes it at the end)
from .tasks import (ATTRIBUTES, BEIR_URL, FIRST_NAMES, LAST_NAMES, RetrievalTask, article_split,  # noqa: F401
                    beir_dir, inverse_cloze_task, limit_dataset, load_beir, query_articles, strip_overlap)

REPO_ROOT = Path(__file__).resolve().parent.parent


split_by_article = article_split   # temporary old name (lib.tasks.article_split)


# =========================================================================== retrievers
def _check_search(n_queries: int, n_docs: int, k: int) -> int:
    if n_queries == 0:
        raise ValueError("queries is empty")
    return checks.check_k(k, n_docs, "documents")


def bm25_search(queries: Sequence[str], passages: Sequence[str], k: int = 100,
                k1: float = 1.5, b: float = 0.75) -> tuple[np.ndarray, np.ndarray]:
    """BM25 (Lucene variant, the ``bm25s`` package) over ``passages`` for each query.

    Texts are lowercased and split with :func:`lib.data.tokenize`; English stop words are
    removed. Ties (e.g. a query with no indexed word) are broken by passage order.

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray of float32, shape (n_queries, k)
    """
    import bm25s
    from bm25s.stopwords import STOPWORDS_EN

    queries = checks.texts(queries, "queries")
    passages = checks.texts(passages, "passages")
    k = _check_search(len(queries), len(passages), k)
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
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return order.astype(np.int64), np.take_along_axis(scores, order, 1)


def dense_search(query_vectors, passage_vectors, k: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Cosine top-``k`` of each query among the passages (:func:`lib.search.top_k`)."""
    from .search import top_k

    q = checks.as_matrix(query_vectors, "query_vectors")
    p = checks.as_matrix(passage_vectors, "passage_vectors")
    checks.same_dim(q, p, ("query_vectors", "passage_vectors"))
    return top_k(q, p, k=_check_search(len(q), len(p), k), metric="cosine")


def glove_embed(texts: Sequence[str], kv=None) -> np.ndarray:
    """Average of the GloVe 6B 50d vectors of each text's words (zero if none is known)."""
    from .evaluate import average_word_vectors
    from .models import load_glove

    X, _ = average_word_vectors(kv if kv is not None else load_glove(), checks.texts(texts))
    return X


def reciprocal_rank_fusion(rankings: Sequence[np.ndarray], k: int = 100, c: float = 60.0) -> tuple[np.ndarray, np.ndarray]:
    """Fuse ranked lists with reciprocal rank fusion (Cormack et al. 2009).

    A document's fused score is ``sum over lists of 1 / (c + rank)`` (rank from 1);
    a document absent from a list contributes nothing for it. Negative ids are padding
    (faiss returns -1 when an index finds fewer than ``depth`` neighbours): they keep their
    slot in the ranks but are never fused. A list that repeats a document is an error.

    Parameters
    ----------
    rankings : sequence of int arrays, each of shape (n_queries, depth_i)
    k : int
        Length of the fused lists (at most the number of distinct documents seen per query).
    c : float
        The constant of RRF (60 in the original paper).
    """
    rankings = [np.asarray(r) for r in checks.non_empty(list(rankings), "rankings")]
    for i, r in enumerate(rankings):
        if r.ndim != 2:
            raise ValueError(f"rankings[{i}] must be 2-D (n_queries, depth); got shape {r.shape}")
        if r.shape[0] != rankings[0].shape[0]:
            raise ValueError(f"shape mismatch: rankings[0] has {rankings[0].shape[0]} queries, rankings[{i}] has {r.shape[0]}")
        if r.dtype.kind not in "iu":
            raise ValueError(f"rankings[{i}] must hold integer document ids; got dtype {r.dtype}")
    if isinstance(c, bool) or not isinstance(c, (int, float, np.integer, np.floating)) or not np.isfinite(c) or c < 0:
        raise ValueError(f"c must be a finite non-negative number; got {c!r}")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")
    nq = rankings[0].shape[0]
    out_i = np.full((nq, k), -1, dtype=np.int64)
    out_s = np.zeros((nq, k), dtype=np.float64)
    for q in range(nq):
        fused: dict[int, float] = {}
        for i, r in enumerate(rankings):
            row = r[q][r[q] >= 0]
            if len(np.unique(row)) != len(row):
                raise ValueError(f"rankings[{i}] repeats a document for query {q}; each id may appear once")
            for rank, doc in enumerate(r[q], start=1):
                if doc >= 0:
                    fused[int(doc)] = fused.get(int(doc), 0.0) + 1.0 / (c + rank)
        if len(fused) < k:
            raise ValueError(f"k={k} is larger than the {len(fused)} distinct documents in the lists of query {q}")
        best = sorted(fused.items(), key=lambda t: (-t[1], t[0]))[:k]
        out_i[q] = [d for d, _ in best]
        out_s[q] = [s for _, s in best]
    return out_i, out_s


def maxsim_scores(query_tokens: np.ndarray, doc_tokens: np.ndarray) -> float:
    """Late-interaction score: each query token's best cosine over the document's tokens, summed."""
    q = checks.as_matrix(query_tokens, "query_tokens")
    d = checks.as_matrix(doc_tokens, "doc_tokens")
    checks.same_dim(q, d, ("query_tokens", "doc_tokens"))
    q = q / np.maximum(np.linalg.norm(q, axis=1, keepdims=True), 1e-12)
    d = d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)
    return float((q @ d.T).max(1).sum())


def maxsim_search(query_tokens: TokenVectors, doc_tokens: TokenVectors, k: int = 100,
                  skip_special: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Late interaction (ColBERT's MaxSim) over token vectors, exhaustively.

    The score of a document for a query is the sum over query tokens of the highest
    cosine similarity with any document token (:func:`maxsim_scores`).

    Parameters
    ----------
    skip_special : bool
        Drop the first ([CLS]) and last ([SEP]) token of every text.
    """
    qs, ds = list(query_tokens.vectors), list(doc_tokens.vectors)
    k = _check_search(len(qs), len(ds), k)
    cut = (lambda v: v[1:-1] if len(v) > 2 else v) if skip_special else (lambda v: v)  # noqa: E731
    unit = lambda v: v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)  # noqa: E731
    Q = [unit(cut(v)) for v in qs]
    D = [unit(cut(v)) for v in ds]
    if Q[0].shape[1] != D[0].shape[1]:
        raise ValueError(f"dimension mismatch: query tokens have d={Q[0].shape[1]} but document tokens d={D[0].shape[1]}")
    lengths = np.array([len(v) for v in D])
    allD = np.concatenate(D)                                   # (total doc tokens, d)
    owner = np.repeat(np.arange(len(D)), lengths)
    starts = np.r_[0, np.cumsum(lengths)[:-1]]
    scores = np.empty((len(Q), len(D)), dtype=np.float32)
    for i, q in enumerate(Q):
        sim = q @ allD.T                                       # (query tokens, total doc tokens)
        best = np.maximum.reduceat(sim, starts, axis=1)        # (query tokens, n_docs)
        scores[i] = best.sum(0)
    del owner
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return order.astype(np.int64), np.take_along_axis(scores, order, 1)


def pca_truncate(X: np.ndarray, dims: int, fit_on: np.ndarray | None = None) -> np.ndarray:
    """Project rows of ``X`` on the first ``dims`` principal axes (of ``fit_on``, default ``X``), unit-normalised."""
    X = checks.as_matrix(X, "X")
    F = X if fit_on is None else checks.as_matrix(fit_on, "fit_on")
    checks.same_dim(X, F, ("X", "fit_on"))
    if not 1 <= dims <= min(F.shape):
        raise ValueError(f"dims={dims} must be between 1 and min(n, d)={min(F.shape)}")
    mu = F.mean(0)
    _, _, Vt = np.linalg.svd(F - mu, full_matrices=False)
    Y = (X - mu) @ Vt[:dims].T
    return Y / np.maximum(np.linalg.norm(Y, axis=1, keepdims=True), 1e-12)


def evaluate_run(indices: np.ndarray, task: RetrievalTask, ks=(1, 10, 100), n_boot: int = 1000,
                 seed: int = 0) -> dict:
    """recall@k, nDCG@k and MRR of a run, each as a :class:`lib.stats.Estimate` (bootstrap over queries)."""
    from .evaluate import retrieval_scores
    from .stats import mean_ci

    per_query = retrieval_scores(indices, task.relevant, ks=ks)
    return {m: mean_ci(v, n_boot, seed=seed) for m, v in per_query.items()}


# =========================================================================== the limit
def top2_subsets_reachable(docs: np.ndarray, n_directions: int = 20000, seed: int = 0) -> set:
    """The top-2 sets that inner-product search over ``docs`` returns for random query directions.

    A brute-force count for small examples: queries are ``n_directions`` random unit
    vectors; each contributes the (sorted) pair of its two best documents.
    """
    D = checks.as_matrix(docs, "docs", dtype=np.float64)
    if D.shape[0] < 2:
        raise ValueError(f"need at least 2 documents; got {D.shape[0]}")
    rng = np.random.default_rng(seed)
    Q = rng.standard_normal((n_directions, D.shape[1]))
    top = np.argsort(-(Q @ D.T), axis=1)[:, :2]
    return {tuple(sorted(map(int, r))) for r in top}


def all_pairs_qrels(n: int) -> np.ndarray:
    """The relevance matrix of all ``C(n, 2)`` top-2 subsets of ``n`` documents, shape ``(C(n,2), n)``."""
    if n < 3:
        raise ValueError(f"n must be at least 3 documents; got {n}")
    pairs = np.array(list(itertools.combinations(range(n), 2)))
    R = np.zeros((len(pairs), n), dtype=bool)
    R[np.arange(len(pairs))[:, None], pairs] = True
    return R


@dataclass
class FitResult:
    """Outcome of :func:`free_embedding_fit`."""

    n: int
    d: int
    accuracy: float          # best fraction of queries whose top-k is exactly their relevant set
    steps: int
    solved: bool


def free_embedding_fit(n: int, d: int, k: int = 2, lr: float = 0.01, temperature: float = 0.1,
                       max_steps: int = 20000, patience: int = 1000, seed: int = 0,
                       device: str = "cpu", eval_every: int = 10) -> FitResult:
    """Optimise free query and document vectors on the relevance matrix of all ``k=2`` subsets.

    The "free embedding" experiment of Weller et al. (2025): there is no encoder, the
    ``C(n, 2)`` query vectors and ``n`` document vectors are parameters; full-batch
    InfoNCE over all documents (each query's relevant documents are the positives,
    ``temperature``), Adam, vectors renormalised to unit length after each step. Training
    stops at 100% accuracy, after ``patience`` steps without a better accuracy, or at
    ``max_steps``; accuracy is measured every ``eval_every`` steps.
    """
    import torch

    if k != 2:
        raise ValueError(f"only k=2 (all pairs) is implemented; got k={k}")
    if d < 1:
        raise ValueError(f"d must be at least 1; got {d}")
    if patience < 1 or max_steps < 1 or eval_every < 1:
        raise ValueError("patience, max_steps and eval_every must be positive")
    R = torch.as_tensor(all_pairs_qrels(n), device=device)
    g = torch.Generator(device="cpu").manual_seed(seed)
    Q = torch.nn.Parameter(torch.nn.functional.normalize(torch.randn(R.shape[0], d, generator=g), dim=1).to(device))
    D = torch.nn.Parameter(torch.nn.functional.normalize(torch.randn(n, d, generator=g), dim=1).to(device))
    opt = torch.optim.Adam([Q, D], lr=lr)
    best, since, step = -1.0, 0, 0
    Rf = R.float()
    for step in range(1, max_steps + 1):
        S = Q @ D.T / temperature
        logZ = torch.logsumexp(S, dim=1)
        loss = (logZ[:, None] - S)[R].mean()    # -log softmax of each positive
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            Q.data = torch.nn.functional.normalize(Q.data, dim=1)
            D.data = torch.nn.functional.normalize(D.data, dim=1)
        if step % eval_every and step != max_steps:
            continue
        with torch.no_grad():
            top = (Q @ D.T).topk(k, dim=1).indices
            acc = float(Rf.gather(1, top).sum(1).eq(k).float().mean())
        if acc > best:
            best, since = acc, 0
        else:
            since += eval_every
        if best == 1.0 or since >= patience:
            break
    return FitResult(n, d, best, step, best == 1.0)


def critical_n(d: int, n_start: int | None = None, seeds: Sequence[int] = (0,), show_progress: bool = False,
               **fit_kwargs) -> tuple[int, list[FitResult]]:
    """The largest ``n`` for which :func:`free_embedding_fit` reaches 100% in dimension ``d``.

    ``n`` is raised by steps of 25% from ``n_start`` (default ``d + 1``) until a fit fails,
    then bisected down to a step of 1. A fit counts as solved if any of ``seeds`` solves it.
    Optimisation is not monotone in ``n`` (an unlucky start can fail below the true limit),
    so the result is the boundary this search finds, a lower estimate of the capacity.

    Returns
    -------
    n_crit : int
    fits : list of FitResult
        Every fit that was run.
    """
    fits: list[FitResult] = []

    def ok(n: int) -> bool:
        for s in seeds:
            r = free_embedding_fit(n, d, seed=s, **fit_kwargs)
            fits.append(r)
            if show_progress:
                print(f"d={d} n={n} seed={s} acc={r.accuracy:.4f} steps={r.steps}", flush=True)
            if r.solved:
                return True
        return False

    lo = max(3, n_start if n_start is not None else d + 1)
    if not ok(lo):
        # walk down: capacity below the start
        while lo > 3 and not ok(lo - 1):
            lo -= 1
        return lo - 1 if lo > 3 else 3, fits
    grow = lambda n: n + max(2, n // 4)  # noqa: E731
    hi = grow(lo)
    while ok(hi):
        lo, hi = hi, grow(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo, fits


PAPER_FIT = (-10.5322, 4.0309, 0.0520, 0.0037)


def paper_critical_n(d) -> np.ndarray:
    """The cubic fit of the critical ``n`` reported by Weller et al. (2025)."""
    d = np.asarray(d, dtype=float)
    c0, c1, c2, c3 = PAPER_FIT
    return c0 + c1 * d + c2 * d ** 2 + c3 * d ** 3


SWEEP_FILE = REPO_ROOT / "data" / "part5_free_embedding_sweep.json"


def free_embedding_sweep(dims: Sequence[int] = tuple(range(2, 17)), recompute: bool = False,
                         path: str | Path = SWEEP_FILE, seeds: Sequence[int] = (0,),
                         show_progress: bool = True, **fit_kwargs) -> dict:
    """Critical ``n`` for each dimension, read from ``path`` unless ``recompute`` is set.

    The stored file records the settings it was computed with; a stored result whose
    settings differ from the requested ones is recomputed (and the file rewritten).

    Returns
    -------
    dict with ``"settings"`` and ``"results"``: ``{d: {"n_crit": int, "fits": [[n, acc, steps], ...]}}``.
    """
    from tqdm import tqdm

    dims = [int(x) for x in checks.non_empty(list(dims), "dims")]
    settings = {"seeds": list(seeds), **{k: v for k, v in sorted(fit_kwargs.items()) if k != "device"}}
    path = Path(path)
    stored = json.loads(path.read_text()) if path.exists() else None
    if stored and not recompute and stored.get("settings") == settings and all(str(d) in stored["results"] for d in dims):
        return {"settings": settings, "results": {d: stored["results"][str(d)] for d in dims}}
    results = dict(stored["results"]) if stored and stored.get("settings") == settings else {}
    prev = None
    for d in tqdm(dims, desc="critical n per dimension", disable=not show_progress):
        n_crit, fits = critical_n(d, n_start=prev, seeds=seeds, **fit_kwargs)
        results[str(d)] = {"n_crit": n_crit, "fits": [[f.n, f.accuracy, f.steps] for f in fits]}
        prev = n_crit
        path.write_text(json.dumps({"settings": settings, "results": results}, indent=1))
    return {"settings": settings, "results": {d: results[str(d)] for d in dims}}


if __name__ == "__main__":  # pragma: no cover - used to compute the stored sweep on a faster machine
    import argparse

    ap = argparse.ArgumentParser(description="critical n of the free-embedding experiment for one dimension")
    ap.add_argument("d", type=int)
    ap.add_argument("out")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--n-start", type=int, default=None)
    a = ap.parse_args()
    n_crit, fits = critical_n(a.d, n_start=a.n_start, device=a.device, show_progress=True)
    Path(a.out).write_text(json.dumps({"d": a.d, "n_crit": n_crit, "fits": [[f.n, f.accuracy, f.steps] for f in fits]}))
