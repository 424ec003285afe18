"""Compression of embeddings: fewer bytes per vector, fewer dimensions, smaller tables.

Part VI of the book measures what each method costs in quality, on the book's own tasks:
Part V's retrieval task (:func:`lib.retrieval.inverse_cloze_task`, scored with
:func:`lib.evaluate.retrieval_scores`) and word similarity. This module holds

* **memory accounting** — :func:`nbytes` and ``bytes_per_vector`` on every index;
* **MiniLM states of Part V's task** — :func:`task_layers`: mean-pooled states of every
  layer for the task's queries and passages, from one cached encoder call;
  :func:`task_embeddings` unit-normalises one layer (the last is :func:`lib.retrieval.minilm_embed`);
  train/test splits by article are :func:`lib.retrieval.split_by_article`;
* **quantization** — :func:`to_float16`, :class:`Int8Quantizer` (calibrated ranges),
  :func:`binarize` + :func:`hamming_top_k`, :func:`build_index` (faiss float32 / float16 /
  int8 / binary / PQ indexes with their memory), :func:`rescore` (float rescoring of a
  shortlist), :func:`time_search`;
* **fewer dimensions** — :func:`truncate`, :class:`PCA` (nested components),
  :func:`train_matryoshka_head` (a linear head on frozen vectors trained with a nested
  InfoNCE loss, cached);
* **smaller tables** — :class:`CompressedTable` and its builders :func:`prune_vocabulary`,
  :func:`hashing_trick`, :func:`bloom_embeddings`, :func:`quotient_remainder`,
  :func:`low_rank`, :func:`quantize_table`, :func:`mixed_precision`, fitted to reproduce a
  float table (least squares), plus :func:`neighbour_recall`.

Distillation (model2vec) lives in :mod:`lib.distill`, the one distillation the book uses.

Every function validates its input and raises ``ValueError``/``KeyError`` naming the problem.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Callable, Sequence

import numpy as np

from . import cache, checks

FLOAT32_BYTES = 4


# =========================================================================== memory
def nbytes(*arrays) -> int:
    """Total bytes held by numpy arrays (or objects with ``nbytes``)."""
    total = 0
    for a in arrays:
        if not hasattr(a, "nbytes"):
            raise ValueError(f"cannot count the bytes of a {type(a).__name__}")
        total += int(a.nbytes)
    return total


def human_bytes(n: float) -> str:
    """``1536 -> '1.5 KB'`` (powers of 1024)."""
    if n < 0 or not np.isfinite(n):
        raise ValueError(f"a byte count must be finite and non-negative; got {n}")
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


# =========================================================================== Part V's task, every layer
def task_layers(task, max_length: int = 128, show_progress: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean-pooled all-MiniLM-L6-v2 states of every layer for a retrieval task (cached).

    One call of ``ContextualEncoder(max_length).pool(queries + passages, "mean",
    layers=None, use_cache=True)``, so the whole book shares one encoding of Part V's task
    (for its 2,200 texts, about a minute on two CPU cores the first time).

    Parameters
    ----------
    task : lib.retrieval.RetrievalTask

    Returns
    -------
    query_layers : ndarray, shape (n_layers + 1, n_queries, 384)
    passage_layers : ndarray, shape (n_layers + 1, n_passages, 384)
        Not normalised; layer 0 is the input embeddings, layer -1 normalised is the
        sentence-transformers embedding (:func:`lib.retrieval.minilm_embed`).
    """
    from .encoder import ContextualEncoder

    queries, passages = getattr(task, "queries", None), getattr(task, "passages", None)
    if queries is None or passages is None:
        raise ValueError(f"task must have queries and passages (a lib.retrieval.RetrievalTask); got {type(task).__name__}")
    queries, passages = checks.texts(queries, "queries"), checks.texts(passages, "passages")
    enc = ContextualEncoder(max_length=max_length)
    X = enc.pool(queries + passages, "mean", layers=None, show_progress=show_progress, use_cache=True)
    return X[:, :len(queries)], X[:, len(queries):]


def task_embeddings(task, layer: int = -1, max_length: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Unit-normalised ``(queries, passages)`` of one MiniLM layer (from :func:`task_layers`)."""
    ql, pl = task_layers(task, max_length)
    n = ql.shape[0]
    if not isinstance(layer, (int, np.integer)) or not -n <= layer < n:
        raise ValueError(f"layer {layer!r} out of range (0..{n - 1}, or negative from the end)")
    return _unit(ql[layer]), _unit(pl[layer])


# =========================================================================== quantization
def to_float16(X) -> np.ndarray:
    """``X`` in half precision; raises if a value would overflow float16 (|x| > 65504)."""
    X = checks.as_matrix(X, "X")
    big = np.abs(X).max()
    if big > np.finfo(np.float16).max:
        raise ValueError(f"X has values up to {big:.3g}, beyond float16's range (65504)")
    return X.astype(np.float16)


class Int8Quantizer:
    """Per-dimension scalar quantization to int8 with ranges calibrated on sample vectors.

    Each dimension ``j`` maps ``[lo_j, hi_j]`` linearly onto the 256 levels -128..127;
    values outside the range are clipped. The range is the ``(100 - p)``-th to ``p``-th
    percentile of the calibration vectors (``p = 100``: min and max).

    Examples
    --------
    >>> q = Int8Quantizer().fit(X_calib)                 # doctest: +SKIP
    >>> codes = q.encode(X); X_hat = q.decode(codes)     # doctest: +SKIP
    """

    def __init__(self, percentile: float = 100.0):
        if not 50 < percentile <= 100:
            raise ValueError(f"percentile must be in (50, 100]; got {percentile}")
        self.percentile = float(percentile)
        self.lo = self.hi = None

    def fit(self, X) -> "Int8Quantizer":
        X = checks.as_matrix(X, "calibration vectors")
        p = self.percentile
        self.lo = np.percentile(X, 100 - p, axis=0).astype(np.float32)
        self.hi = np.percentile(X, p, axis=0).astype(np.float32)
        self.hi = np.maximum(self.hi, self.lo + 1e-8)
        return self

    def _check(self, d: int) -> None:
        if self.lo is None:
            raise ValueError("the quantizer is not calibrated: call fit(X_calib) first")
        if d != len(self.lo):
            raise ValueError(f"dimension mismatch: quantizer fitted on d={len(self.lo)}, got d={d}")

    @property
    def scale(self) -> np.ndarray:
        return (self.hi - self.lo) / 255.0

    def encode(self, X) -> np.ndarray:
        """int8 codes, shape ``(n, d)``."""
        X = checks.as_matrix(X, "X")
        self._check(X.shape[1])
        q = np.round((X - self.lo) / self.scale) - 128
        return np.clip(q, -128, 127).astype(np.int8)

    def decode(self, codes) -> np.ndarray:
        """Approximate float32 vectors from int8 codes."""
        codes = np.asarray(codes)
        if codes.dtype != np.int8 or codes.ndim != 2:
            raise ValueError(f"codes must be a 2-D int8 array; got {codes.dtype} with shape {codes.shape}")
        self._check(codes.shape[1])
        return ((codes.astype(np.float32) + 128) * self.scale + self.lo).astype(np.float32)

    def nbytes(self, n: int) -> int:
        """Bytes to store ``n`` vectors plus the ranges."""
        self._check(len(self.lo))
        return int(n * len(self.lo) + nbytes(self.lo, self.hi))


def binarize(X) -> np.ndarray:
    """Sign bits packed 8 per byte: shape ``(n, ceil(d / 8))``, dtype uint8 (bit = x > 0)."""
    X = checks.as_matrix(X, "X")
    return np.packbits(X > 0, axis=1)


_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], dtype=np.uint8)


def hamming_distances(qcodes, dcodes) -> np.ndarray:
    """Hamming distances between packed codes: shape ``(n_queries, n_docs)``, int32."""
    q, d = np.asarray(qcodes), np.asarray(dcodes)
    for name, a in (("query codes", q), ("document codes", d)):
        if a.dtype != np.uint8 or a.ndim != 2 or a.size == 0:
            raise ValueError(f"{name} must be a non-empty 2-D uint8 array (from binarize); got {a.dtype} {a.shape}")
    checks.same_dim(q, d, ("query codes", "document codes"))
    return _POPCOUNT[q[:, None, :] ^ d[None, :, :]].sum(-1, dtype=np.int32)


def hamming_top_k(qcodes, dcodes, k: int = 10, block: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` documents nearest in Hamming distance: ``(distances, indices)``, ties by index."""
    dcodes = np.asarray(dcodes)
    qcodes = np.asarray(qcodes)
    k = checks.check_k(k, len(dcodes), "documents")
    D = np.empty((len(qcodes), k), np.int32)
    I = np.empty((len(qcodes), k), np.int64)
    for s in range(0, len(qcodes), block):
        dist = hamming_distances(qcodes[s:s + block], dcodes)
        idx = np.argsort(dist, axis=1, kind="stable")[:, :k]
        I[s:s + block] = idx
        D[s:s + block] = np.take_along_axis(dist, idx, 1)
    return D, I


@dataclass
class Index:
    """A searchable compressed collection.

    Attributes
    ----------
    name : str
    bytes_per_vector : float
        Storage of one document vector (codes only; codebooks are in ``overhead_bytes``).
    overhead_bytes : int
        Fixed storage shared by all vectors (PQ codebooks, int8 ranges).
    search : callable
        ``search(queries, k) -> ids`` of shape ``(n_queries, k)``; queries are float32.
    """

    name: str
    bytes_per_vector: float
    overhead_bytes: int
    search: Callable = field(repr=False)
    index: object = field(default=None, repr=False)


def build_index(kind: str, docs, train=None, m: int = 8, nbits: int = 8) -> Index:
    """A faiss index over unit-normalised ``docs`` for inner-product search.

    Parameters
    ----------
    kind : {"float32", "float16", "int8", "binary", "pq"}
        ``float16`` and ``int8`` are faiss scalar quantizers (int8: per-dimension ranges
        trained on ``train``); ``binary`` packs signs and searches by Hamming distance
        (queries are binarised too); ``pq`` is product quantization with ``m``
        sub-quantizers of ``nbits`` bits each.
    train : array_like, optional
        Vectors to calibrate int8 / train PQ (defaults to ``docs``).
    """
    import faiss

    docs = checks.as_matrix(docs, "docs")
    n, d = docs.shape
    train = docs if train is None else checks.as_matrix(train, "train")
    checks.same_dim(train, docs, ("train vectors", "docs"))
    kind = kind.lower()
    if kind == "float32":
        index = faiss.IndexFlatIP(d)
        index.add(docs)
        bpv, over = 4 * d, 0
    elif kind in ("float16", "int8"):
        qt = faiss.ScalarQuantizer.QT_fp16 if kind == "float16" else faiss.ScalarQuantizer.QT_8bit
        index = faiss.IndexScalarQuantizer(d, qt, faiss.METRIC_INNER_PRODUCT)
        index.train(train)
        index.add(docs)
        bpv, over = index.sa_code_size(), (0 if kind == "float16" else 2 * 4 * d)
    elif kind == "binary":
        if d % 8:
            raise ValueError(f"binary codes need d divisible by 8; got d={d}")
        index = faiss.IndexBinaryFlat(d)
        index.add(binarize(docs))
        bpv, over = d // 8, 0

        def search(q, k):
            q = checks.as_matrix(q, "queries")
            checks.same_dim(q, docs)
            return index.search(binarize(q), checks.check_k(k, n, "documents"))[1]

        return Index("binary", bpv, over, search, index)
    elif kind == "pq":
        if m < 1 or d % m:
            raise ValueError(f"PQ needs m to divide d={d}; got m={m}")
        if not 1 <= nbits <= 12:
            raise ValueError(f"nbits must be between 1 and 12; got {nbits}")
        if len(train) < 2 ** nbits:
            raise ValueError(f"PQ with nbits={nbits} needs at least {2 ** nbits} training vectors; got {len(train)}")
        index = faiss.IndexPQ(d, m, nbits, faiss.METRIC_INNER_PRODUCT)
        index.pq.cp.min_points_per_centroid = 1  # small collections: no warnings
        index.pq.cp.max_points_per_centroid = 1_000_000
        index.train(train)
        index.add(docs)
        bpv, over = index.sa_code_size(), 4 * d * 2 ** nbits
        kind = f"pq m={m} b={nbits}"
    else:
        raise ValueError(f"unknown index kind {kind!r}; use float32, float16, int8, binary or pq")

    def search(q, k):
        q = checks.as_matrix(q, "queries")
        checks.same_dim(q, docs)
        return index.search(np.ascontiguousarray(q), checks.check_k(k, n, "documents"))[1]

    return Index(kind, bpv, over, search, index)


def rescore(queries, shortlist, doc_vectors, k: int = 10) -> np.ndarray:
    """Re-rank each query's shortlist by the exact dot product and keep the best ``k``.

    Parameters
    ----------
    queries : array_like, shape (n_queries, d)
        Float query vectors.
    shortlist : array_like of int, shape (n_queries, depth)
        Candidate ids from a cheap first search (e.g. binary).
    doc_vectors : array_like, shape (n_docs, d)
        The vectors to rescore with: float32 documents read from disk, or the
        dequantized codes (e.g. ``±1`` for binary) when only codes are kept.
    """
    queries = checks.as_matrix(queries, "queries")
    doc_vectors = checks.as_matrix(doc_vectors, "doc_vectors")
    checks.same_dim(queries, doc_vectors, ("queries", "doc_vectors"))
    shortlist = np.asarray(shortlist)
    if shortlist.ndim != 2 or shortlist.shape[0] != len(queries):
        raise ValueError(f"shortlist must have shape (n_queries={len(queries)}, depth); got {shortlist.shape}")
    if not np.issubdtype(shortlist.dtype, np.integer):
        raise ValueError(f"shortlist must hold integer ids; got {shortlist.dtype}")
    if shortlist.min() < 0 or shortlist.max() >= len(doc_vectors):
        raise ValueError(f"shortlist ids must lie in 0..{len(doc_vectors) - 1}")
    k = checks.check_k(k, shortlist.shape[1], "shortlisted documents")
    scores = np.einsum("qd,qkd->qk", queries, doc_vectors[shortlist])
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(shortlist, order, 1)


def time_search(search: Callable, queries, k: int = 10, repeats: int = 3) -> float:
    """Best-of-``repeats`` wall time in seconds of ``search(queries, k)``."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1; got {repeats}")
    best = math.inf
    for _ in range(repeats):
        t = time.perf_counter()
        search(queries, k)
        best = min(best, time.perf_counter() - t)
    return best


# =========================================================================== fewer dimensions
def truncate(X, d: int, renormalize: bool = True) -> np.ndarray:
    """The first ``d`` coordinates of each row (re-normalised to unit length by default)."""
    X = checks.as_matrix(X, "X")
    if not 1 <= d <= X.shape[1]:
        raise ValueError(f"d must be between 1 and {X.shape[1]}; got {d}")
    out = X[:, :d]
    return _unit(out) if renormalize else out.copy()


class PCA:
    """Principal components fitted once, applied at any number of dimensions (they nest).

    ``transform(X, d)`` centres ``X`` with the fitted mean, projects on the top ``d``
    components and (by default) re-normalises the rows.
    """

    def __init__(self):
        self.mean = self.components = self.explained = None

    def fit(self, X) -> "PCA":
        X = checks.as_matrix(X, "X", dtype=np.float64)
        if len(X) < 2:
            raise ValueError("PCA needs at least 2 vectors")
        self.mean = X.mean(0)
        Xc = X - self.mean
        # eigen-decomposition of the d x d scatter matrix: cheaper than an SVD of X when n > d
        vals, vecs = np.linalg.eigh(Xc.T @ Xc)
        order = np.argsort(vals)[::-1][:min(len(X), X.shape[1])]
        vals = np.clip(vals[order], 0, None)
        self.components = vecs[:, order].T.astype(np.float32)
        self.explained = vals / vals.sum()
        return self

    def transform(self, X, d: int, renormalize: bool = True) -> np.ndarray:
        if self.components is None:
            raise ValueError("PCA is not fitted: call fit(X) first")
        X = checks.as_matrix(X, "X")
        if X.shape[1] != self.components.shape[1]:
            raise ValueError(f"dimension mismatch: PCA fitted on d={self.components.shape[1]}, got d={X.shape[1]}")
        if not 1 <= d <= len(self.components):
            raise ValueError(f"d must be between 1 and {len(self.components)}; got {d}")
        Z = (X - self.mean.astype(np.float32)) @ self.components[:d].T
        return _unit(Z) if renormalize else Z


@dataclass
class MatryoshkaHead:
    """A linear map ``x -> (x - mean) @ W`` whose first ``d`` outputs are trained to work alone.

    Attributes
    ----------
    W : ndarray, shape (d_in, d_out)
    mean : ndarray, shape (d_in,)
    dims : tuple of int
        The nested sizes the loss was applied at.
    losses : list of float
        Training loss per epoch.
    """

    W: np.ndarray
    mean: np.ndarray
    dims: tuple
    losses: list = field(default_factory=list, repr=False)

    def transform(self, X, d: int | None = None) -> np.ndarray:
        """Unit-normalised first ``d`` outputs (all of them by default)."""
        X = checks.as_matrix(X, "X")
        if X.shape[1] != self.W.shape[0]:
            raise ValueError(f"dimension mismatch: head takes d={self.W.shape[0]}, got d={X.shape[1]}")
        d = self.W.shape[1] if d is None else d
        if not 1 <= d <= self.W.shape[1]:
            raise ValueError(f"d must be between 1 and {self.W.shape[1]}; got {d}")
        return _unit((X - self.mean) @ self.W[:, :d])


def matryoshka_loss(q, p, dims: Sequence[int], temperature: float = 0.05):
    """Nested InfoNCE: the mean over ``dims`` of the in-batch contrastive loss of the
    first ``d`` coordinates (normalised) of queries ``q`` against their positives ``p``.

    ``q`` and ``p`` are torch tensors of shape ``(batch, d_out)``; row ``i`` of ``p`` is the
    positive of row ``i`` of ``q``, every other row a negative.
    """
    import torch
    import torch.nn.functional as F

    if q.shape != p.shape:
        raise ValueError(f"shape mismatch: queries {tuple(q.shape)} vs positives {tuple(p.shape)}")
    if not dims or max(dims) > q.shape[1] or min(dims) < 1:
        raise ValueError(f"dims must be non-empty and within 1..{q.shape[1]}; got {list(dims)}")
    target = torch.arange(len(q))
    total = 0.0
    for d in dims:
        a, b = F.normalize(q[:, :d], dim=1), F.normalize(p[:, :d], dim=1)
        logits = a @ b.T / temperature
        total = total + (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
    return total / len(dims)


def train_matryoshka_head(queries, positives, dims: Sequence[int] = (16, 32, 64, 128, 256, 384),
                          epochs: int = 40, batch_size: int = 128, lr: float = 1e-3,
                          temperature: float = 0.05, weight_decay: float = 0.0, seed: int = 0,
                          use_cache: bool = True) -> MatryoshkaHead:
    """Train a linear head on frozen vectors with the nested (Matryoshka) InfoNCE loss.

    The head starts at the PCA rotation of the training vectors (so at epoch 0 its prefixes
    are PCA's) and is trained with Adam on ``(query, positive)`` pairs, in-batch negatives.

    Parameters
    ----------
    queries, positives : array_like, shape (n_pairs, d_in)
        Frozen embeddings of the pairs.
    dims : sequence of int
        Nested sizes; the largest is the head's output width.
    """
    import torch

    Q = checks.as_matrix(queries, "queries")
    P = checks.as_matrix(positives, "positives")
    if Q.shape != P.shape:
        raise ValueError(f"shape mismatch: queries {Q.shape} vs positives {P.shape}")
    dims = tuple(sorted(int(d) for d in dims))
    if not dims or dims[0] < 1 or dims[-1] > Q.shape[1]:
        raise ValueError(f"dims must lie within 1..{Q.shape[1]}; got {list(dims)}")
    if len(Q) < 2:
        raise ValueError("need at least 2 pairs (in-batch negatives)")
    for name, v in (("epochs", epochs), ("batch_size", batch_size)):
        if v < 1:
            raise ValueError(f"{name} must be at least 1; got {v}")

    def fit():
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        both = np.vstack([Q, P])
        pca = PCA().fit(both)
        mean = pca.mean.astype(np.float32)
        W = torch.tensor(pca.components[:dims[-1]].T.copy(), requires_grad=True)
        opt = torch.optim.Adam([W], lr=lr, weight_decay=weight_decay)
        q_t, p_t = torch.tensor(Q - mean), torch.tensor(P - mean)
        losses = []
        for _ in range(epochs):
            order = rng.permutation(len(Q))
            total = 0.0
            for s in range(0, len(order), batch_size):
                idx = torch.tensor(order[s:s + batch_size])
                if len(idx) < 2:
                    continue
                loss = matryoshka_loss(q_t[idx] @ W, p_t[idx] @ W, dims, temperature)
                opt.zero_grad()
                loss.backward()
                opt.step()
                total += float(loss.detach()) * len(idx)
            losses.append(total / len(order))
        return MatryoshkaHead(W.detach().numpy().copy(), mean, dims, losses)

    if not use_cache:
        return fit()
    params = {"Q": Q, "P": P, "dims": dims, "epochs": epochs, "bs": batch_size, "lr": lr,
              "t": temperature, "wd": weight_decay, "seed": seed, "v": 1}
    return cache.cached_object("matryoshka-head", params, fit)


# =========================================================================== smaller tables
@dataclass
class CompressedTable:
    """A compressed stand-in for an ``(n_words, d)`` table.

    Attributes
    ----------
    name, family : str
        The method and its family (pruning, hashing, low-rank, quantization).
    nbytes : int
        Bytes needed to store it (parameters and codes; hash functions are free).
    reconstruct : callable
        ``reconstruct() -> ndarray (n_words, d)``: the vector each word gets.
    """

    name: str
    family: str
    nbytes: int
    reconstruct: Callable = field(repr=False)
    params: dict = field(default_factory=dict)


def _table(E) -> np.ndarray:
    return checks.as_matrix(E, "table")


def _hash_ids(words: Sequence[str], n_buckets: int, seed: int) -> np.ndarray:
    from sklearn.utils import murmurhash3_32

    return np.array([murmurhash3_32(w, seed=seed, positive=True) % n_buckets for w in words], dtype=np.int64)


def _check_words(words, n: int) -> list:
    words = list(checks.non_empty(list(words), "words"))
    if len(words) != n:
        raise ValueError(f"shape mismatch: {len(words)} words but the table has {n} rows")
    return words


def _least_squares_rows(A, E: np.ndarray, ridge: float = 1e-3, tol: float = 1e-6) -> np.ndarray:
    """Solve ``min_T ||A T - E||^2 + ridge ||T||^2`` for a sparse ``A`` (conjugate gradients)."""
    import scipy.sparse.linalg as spla

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


def prune_vocabulary(E, keep: int) -> CompressedTable:
    """Keep the ``keep`` first (most frequent) rows; every other word gets one shared UNK
    vector (the mean of the dropped rows)."""
    E = _table(E)
    if not 1 <= keep <= len(E):
        raise ValueError(f"keep must be between 1 and {len(E)}; got {keep}")
    kept = E[:keep].copy()
    unk = E[keep:].mean(0) if keep < len(E) else np.zeros(E.shape[1], np.float32)

    def rec():
        out = np.empty_like(E)
        out[:keep] = kept
        out[keep:] = unk
        return out

    return CompressedTable(f"prune to {keep:,} words", "pruning", nbytes(kept, unk), rec, {"keep": keep})


def hashing_trick(E, words: Sequence[str], n_buckets: int, seed: int = 0) -> CompressedTable:
    """Each word shares the row ``murmurhash(word) % n_buckets``; a bucket holds the mean
    of its words' vectors (the least-squares fit)."""
    E = _table(E)
    words = _check_words(words, len(E))
    if not 1 <= n_buckets <= len(E):
        raise ValueError(f"n_buckets must be between 1 and {len(E)}; got {n_buckets}")
    ids = _hash_ids(words, n_buckets, seed)
    counts = np.bincount(ids, minlength=n_buckets).astype(np.float32)
    T = np.zeros((n_buckets, E.shape[1]), np.float32)
    np.add.at(T, ids, E)
    T /= np.maximum(counts, 1)[:, None]
    return CompressedTable(f"hashing trick, {n_buckets:,} rows", "hashing", nbytes(T),
                           lambda: T[ids], {"n_buckets": n_buckets})


def bloom_embeddings(E, words: Sequence[str], n_buckets: int, n_hashes: int = 2, seed: int = 0,
                     ridge: float = 1e-3) -> CompressedTable:
    """Multi-hash (Bloom) embeddings as in spaCy: a word's vector is the sum of
    ``n_hashes`` rows chosen by independent hashes; rows are fitted by least squares."""
    E = _table(E)
    words = _check_words(words, len(E))
    if not 1 <= n_buckets <= len(E):
        raise ValueError(f"n_buckets must be between 1 and {len(E)}; got {n_buckets}")
    if n_hashes < 1:
        raise ValueError(f"n_hashes must be at least 1; got {n_hashes}")
    rows = np.stack([_hash_ids(words, n_buckets, seed + h) for h in range(n_hashes)], 1)
    A = _assignment(rows, n_buckets)
    T = _least_squares_rows(A, E.astype(np.float64), ridge)
    return CompressedTable(f"Bloom, {n_hashes} hashes, {n_buckets:,} rows", "hashing", nbytes(T),
                           lambda: T[rows].sum(1), {"n_buckets": n_buckets, "n_hashes": n_hashes})


def quotient_remainder(E, n_remainder: int, ridge: float = 1e-3) -> CompressedTable:
    """Quotient-remainder compositional embeddings: word ``i`` gets
    ``Q[i // m] + R[i % m]`` with ``m = n_remainder`` (the two partitions are complementary,
    so no two words share both rows); ``Q`` and ``R`` are fitted by least squares."""
    E = _table(E)
    n = len(E)
    m = int(n_remainder)
    if not 1 <= m <= n:
        raise ValueError(f"n_remainder must be between 1 and {n}; got {n_remainder}")
    nq = -(-n // m)
    i = np.arange(n)
    rows = np.stack([i // m, nq + i % m], 1)
    A = _assignment(rows, nq + m)
    T = _least_squares_rows(A, E.astype(np.float64), ridge)
    return CompressedTable(f"quotient-remainder, {nq:,}+{m:,} rows", "hashing", nbytes(T),
                           lambda: T[rows].sum(1), {"n_quotient": nq, "n_remainder": m})


def low_rank(E, rank: int) -> CompressedTable:
    """Truncated SVD ``E ≈ U V`` with ``U`` of shape ``(n, rank)`` and ``V`` ``(rank, d)``."""
    E = _table(E)
    if not 1 <= rank <= E.shape[1]:
        raise ValueError(f"rank must be between 1 and {E.shape[1]}; got {rank}")
    U, s, Vt = np.linalg.svd(E, full_matrices=False)
    A = (U[:, :rank] * s[:rank]).astype(np.float32)
    B = Vt[:rank].astype(np.float32)
    return CompressedTable(f"low rank {rank}", "low-rank", nbytes(A, B), lambda: A @ B, {"rank": rank})


def quantize_rows(E, bits: int, lo=None, hi=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Uniform per-dimension quantization to ``bits`` bits: ``(codes, lo, hi)``; codes in
    ``0 .. 2**bits - 1`` (stored in uint8, counted at ``bits`` bits each)."""
    E = _table(E)
    if not 1 <= bits <= 8:
        raise ValueError(f"bits must be between 1 and 8; got {bits}")
    lo = E.min(0) if lo is None else np.asarray(lo, np.float32)
    hi = E.max(0) if hi is None else np.asarray(hi, np.float32)
    levels = 2 ** bits - 1
    scale = np.maximum(hi - lo, 1e-8) / levels
    codes = np.clip(np.round((E - lo) / scale), 0, levels).astype(np.uint8)
    return codes, lo.astype(np.float32), hi.astype(np.float32)


def dequantize_rows(codes, lo, hi, bits: int) -> np.ndarray:
    """Inverse of :func:`quantize_rows`."""
    levels = 2 ** bits - 1
    scale = np.maximum(np.asarray(hi) - np.asarray(lo), 1e-8) / levels
    return (np.asarray(codes, np.float32) * scale + lo).astype(np.float32)


def quantize_table(E, bits: int) -> CompressedTable:
    """Every row quantized to ``bits`` bits per coordinate (calibrated min/max per dimension)."""
    E = _table(E)
    codes, lo, hi = quantize_rows(E, bits)
    size = math.ceil(codes.size * bits / 8) + nbytes(lo, hi)
    name = "float16" if bits == 16 else f"{bits}-bit"
    return CompressedTable(f"{name} scalar quantization", "quantization", size,
                           lambda: dequantize_rows(codes, lo, hi, bits), {"bits": bits})


def mixed_precision(E, n_high: int, high_bits: int = 16, low_bits: int = 2) -> CompressedTable:
    """The ``n_high`` most frequent rows at ``high_bits`` (16: float16, or 1..8-bit codes),
    the rest at ``low_bits``-bit codes."""
    E = _table(E)
    if not 0 <= n_high <= len(E):
        raise ValueError(f"n_high must be between 0 and {len(E)}; got {n_high}")
    if high_bits != 16 and not 1 <= high_bits <= 8:
        raise ValueError(f"high_bits must be 16 or between 1 and 8; got {high_bits}")
    parts = []
    size = 0
    if n_high:
        if high_bits == 16:
            hi_rows = to_float16(E[:n_high])
            parts.append(lambda: hi_rows.astype(np.float32))
            size += nbytes(hi_rows)
        else:
            c1, l1, h1 = quantize_rows(E[:n_high], high_bits)
            parts.append(lambda: dequantize_rows(c1, l1, h1, high_bits))
            size += math.ceil(c1.size * high_bits / 8) + nbytes(l1, h1)
    if n_high < len(E):
        c2, l2, h2 = quantize_rows(E[n_high:], low_bits)
        parts.append(lambda: dequantize_rows(c2, l2, h2, low_bits))
        size += math.ceil(c2.size * low_bits / 8) + nbytes(l2, h2)
    hb = "fp16" if high_bits == 16 else f"{high_bits}-bit"
    return CompressedTable(f"mixed: {n_high:,} rows {hb}, rest {low_bits}-bit", "quantization", size,
                           lambda: np.vstack([p() for p in parts]), {"n_high": n_high})


def neighbour_recall(E, E_hat, queries: np.ndarray, candidates: int, k: int = 10) -> float:
    """Mean fraction of each query word's ``k`` nearest neighbours (cosine, among the first
    ``candidates`` rows, the word itself excluded) under ``E`` that are also among its
    ``k`` nearest under ``E_hat``."""
    from .search import top_k

    E = _table(E)
    E_hat = checks.as_matrix(E_hat, "reconstructed table")
    if E.shape != E_hat.shape:
        raise ValueError(f"shape mismatch: table {E.shape} vs reconstruction {E_hat.shape}")
    queries = np.asarray(queries)
    if queries.ndim != 1 or len(queries) == 0 or queries.min() < 0 or queries.max() >= candidates:
        raise ValueError(f"queries must be a non-empty 1-D array of row ids below candidates={candidates}")
    if not 1 <= candidates <= len(E):
        raise ValueError(f"candidates must be between 1 and {len(E)}; got {candidates}")
    checks.check_k(k, candidates - 1, "candidate words")
    a, _ = top_k(E[queries], E[:candidates], k + 1)
    b, _ = top_k(E_hat[queries], E_hat[:candidates], k + 1)
    hits = []
    for q, ra, rb in zip(queries, a, b):
        sa = [x for x in ra if x != q][:k]
        sb = [x for x in rb if x != q][:k]
        hits.append(len(set(sa) & set(sb)) / k)
    return float(np.mean(hits))
