"""Compression of embeddings: fewer bytes per vector, fewer dimensions, smaller tables.

Part VI of the book measures what each method costs in quality, on the book's own tasks:
Part V's retrieval task (:func:`lib.retrieval.inverse_cloze_task`, scored with
:func:`lib.evaluate.retrieval_scores`) and word similarity. This module holds

* **memory accounting** — :func:`nbytes` and ``bytes_per_vector`` on every index;
* **MiniLM states of Part V's task** — :func:`task_layers`: mean-pooled states of every
  layer for the task's queries and passages (:func:`lib.retrieval.minilm_layers`, the
  cached encoding :func:`lib.retrieval.minilm_embed` reads too);
  :func:`task_embeddings` unit-normalises one layer (the last is :func:`lib.retrieval.minilm_embed`);
  train/test splits by article are :func:`lib.retrieval.split_by_article`;
* **quantization** — :func:`to_float16`, :class:`Int8Quantizer` (calibrated ranges),
  :func:`binarize` + :func:`hamming_top_k`, :func:`build_index` (faiss float32 / float16 /
  int8 / binary / PQ indexes with their memory), :func:`rescore` (float rescoring of a
  shortlist), :func:`time_search`;
* **fewer dimensions** — :func:`truncate`, :class:`PCA` (nested components),
  :func:`train_matryoshka_head` (a linear head on frozen vectors trained with a nested
  InfoNCE loss, cached);
* **smaller tables** — :class:`CompressedTable` and its builders, in the families of Zhang
  et al. (2024) (:data:`GROUPS`): :func:`prune_vocabulary`, :func:`hashing_trick`,
  :func:`bloom_embeddings`, :func:`quotient_remainder` (inter-feature), :func:`low_rank`,
  :func:`mixed_dimensions` (with :func:`mixed_dimension_plan`), :func:`prune_entries`
  (with :func:`max_entries`, :func:`sparse_nbytes`), :func:`quantize_table`,
  :func:`mixed_precision` (intra-feature), fitted to reproduce a float table (least
  squares); :func:`train_table_on_neighbours` then trains a table's float parameters on
  neighbour lists (:func:`neighbour_targets`, :func:`neighbour_loss`) at the same memory;
  :func:`neighbour_recall` scores what survives.

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
from .encodings import task_embeddings, task_layers  # noqa: F401

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
        ``reconstruct() -> ndarray (n_words, d)``: the vector each word gets.
    params : dict
        The method's settings.
    layout, arrays
        For tables that :func:`train_table_on_neighbours` can train: ``"rows"`` (a word's
        vector is ``arrays["T"][arrays["rows"][i]].sum(0)``, the row ids computed, not
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


def _layout_vectors(layout: str, arrays: dict, ids, cat=np.concatenate):
    """The vectors of the words ``ids`` (sorted ascending) of a trainable table; works on
    numpy arrays and, with ``cat=torch.cat``, on torch tensors, so training and
    reconstruction share it."""
    if layout == "rows":
        return arrays["T"][arrays["rows"][ids]].sum(1)
    if layout == "buckets":
        out, start = [], 0
        for U, P in zip(arrays["U"], arrays["P"]):
            out.append(U[ids[(ids >= start) & (ids < start + len(U))] - start] @ P)
            start += len(U)
        return cat(out)
    raise ValueError(f"unknown layout {layout!r}; use 'rows' or 'buckets'")


def _trainable_table(name, family, n: int, layout, arrays, params) -> CompressedTable:
    """A table of ``layout`` whose bytes are its float arrays (row ids are computed)."""
    stored = [arrays["T"]] if layout == "rows" else [*arrays["U"], *arrays["P"]]
    return CompressedTable(name, family, nbytes(*stored), lambda: _layout_vectors(layout, arrays, np.arange(n)),
                           params, layout, arrays)


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
    vector (the mean of the dropped rows). Stored as ``keep + 1`` rows, word ``i`` using
    row ``min(i, keep)``."""
    E = _table(E)
    if not 1 <= keep <= len(E):
        raise ValueError(f"keep must be between 1 and {len(E)}; got {keep}")
    unk = E[keep:].mean(0) if keep < len(E) else np.zeros(E.shape[1], np.float32)
    T = np.vstack([E[:keep], unk[None]]).astype(np.float32)
    rows = np.minimum(np.arange(len(E)), keep)[:, None]
    return _trainable_table(f"prune to {keep:,} words", "frequency-based", len(E), "rows",
                            {"T": T, "rows": rows}, {"keep": keep})


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
    return _trainable_table(f"hashing trick, {n_buckets:,} rows", "hashing", len(E), "rows",
                            {"T": T, "rows": ids[:, None]}, {"n_buckets": n_buckets})


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
    T = _least_squares_rows(_assignment(rows, n_buckets), E.astype(np.float64), ridge)
    return _trainable_table(f"Bloom, {n_hashes} hashes, {n_buckets:,} rows", "hashing", len(E), "rows",
                            {"T": T, "rows": rows}, {"n_buckets": n_buckets, "n_hashes": n_hashes})


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
    T = _least_squares_rows(_assignment(rows, nq + m), E.astype(np.float64), ridge)
    return _trainable_table(f"quotient-remainder, {nq:,}+{m:,} rows", "compositional", len(E), "rows",
                            {"T": T, "rows": rows}, {"n_quotient": nq, "n_remainder": m})


def low_rank(E, rank: int) -> CompressedTable:
    """Truncated SVD ``E ≈ U V`` with ``U`` of shape ``(n, rank)`` and ``V`` ``(rank, d)``."""
    E = _table(E)
    if not 1 <= rank <= E.shape[1]:
        raise ValueError(f"rank must be between 1 and {E.shape[1]}; got {rank}")
    U, V = _svd_factors(E, rank)
    return _trainable_table(f"low rank {rank}", "dimension reduction", len(E), "buckets",
                            {"U": [U], "P": [V]}, {"rank": rank})


def _svd_factors(E: np.ndarray, rank: int) -> tuple[np.ndarray, np.ndarray]:
    """The best rank-``rank`` factors ``(U S, V^T)`` of ``E`` (Eckart-Young), float32."""
    U, s, Vt = np.linalg.svd(E, full_matrices=False)
    return (U[:, :rank] * s[:rank]).astype(np.float32), Vt[:rank].astype(np.float32)


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


def _check_ids(ids, upper: int, name: str) -> np.ndarray:
    """A non-empty 1-D array of integer row ids in ``0 .. upper - 1``."""
    ids = np.asarray(ids)
    if ids.ndim != 1 or len(ids) == 0 or not np.issubdtype(ids.dtype, np.integer):
        raise ValueError(f"{name} must be a non-empty 1-D array of integer row ids; "
                         f"got shape {ids.shape}, dtype {ids.dtype}")
    if ids.min() < 0 or ids.max() >= upper:
        raise ValueError(f"{name} must be row ids in 0..{upper - 1}; got values in {ids.min()}..{ids.max()}")
    return ids.astype(np.int64)


def _neighbour_ids(M: np.ndarray, queries: np.ndarray, candidates: int, k: int) -> np.ndarray:
    """``(len(queries), k)``: each query's ``k`` nearest rows (cosine) among ``M[:candidates]``,
    the query itself excluded."""
    from .search import top_k

    idx, _ = top_k(M[queries], M[:candidates], k + 1)
    not_self = idx != queries[:, None]
    first = np.argsort(~not_self, axis=1, kind="stable")[:, :k]   # drop the query, keep the order
    return np.take_along_axis(idx, first, 1)


def _check_candidates(candidates: int, n: int, k: int) -> None:
    if not 1 <= candidates <= n:
        raise ValueError(f"candidates must be between 1 and {n}; got {candidates}")
    checks.check_k(k, candidates - 1, "candidate words")


def neighbour_recall(E, E_hat, queries: np.ndarray, candidates: int, k: int = 10) -> float:
    """Mean fraction of each query word's ``k`` nearest neighbours (cosine, among the first
    ``candidates`` rows, the word itself excluded) under ``E`` that are also among its
    ``k`` nearest under ``E_hat``."""
    E = _table(E)
    E_hat = checks.as_matrix(E_hat, "reconstructed table")
    if E.shape != E_hat.shape:
        raise ValueError(f"shape mismatch: table {E.shape} vs reconstruction {E_hat.shape}")
    if not 1 <= candidates <= len(E):
        raise ValueError(f"candidates must be between 1 and {len(E)}; got {candidates}")
    queries = _check_ids(queries, candidates, f"queries (below candidates={candidates})")
    _check_candidates(candidates, len(E), k)
    a = _neighbour_ids(E, queries, candidates, k)
    b = _neighbour_ids(E_hat, queries, candidates, k)
    return float(np.mean([len(set(x) & set(y)) for x, y in zip(a, b)]) / k)


# ---------------------------------------------------------------- more families
def mixed_dimension_plan(n: int, d: int, budget_bytes: int, bounds: Sequence[int],
                         alpha: float = 0.5) -> tuple:
    """Dimensions per frequency bucket for :func:`mixed_dimensions` that fit a budget.

    Bucket ``b`` holds the words of frequency rank ``bounds[b] .. bounds[b+1] - 1`` and gets
    ``d_b = clip(floor(lam * p_b ** alpha), 1, min(d, bucket size))`` dimensions, where ``p_b`` is the bucket's
    mean Zipf popularity ``1 / (rank + 1)``, the rule of mixed-dimension embeddings (frequent
    words get more dimensions); ``lam`` is the largest value whose table (float32 rows plus a
    ``(d_b, d)`` projection per bucket) fits ``budget_bytes``. What the rounding leaves of the
    budget then buys dimensions for the most frequent buckets first.
    """
    bounds = _check_bounds(bounds, n)
    if alpha < 0:
        raise ValueError(f"alpha must be non-negative; got {alpha}")
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
                         f"{cost(np.ones_like(sizes)):,} bytes > {budget_bytes:,}")
    lo, hi = 0.0, 2.0 * d / pop.min() ** alpha
    for _ in range(100):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if cost(dims(mid)) <= budget_bytes else (lo, mid)
    ds = dims(lo)
    for b in range(len(ds)):
        while ds[b] < cap[b] and cost(ds) + FLOAT32_BYTES * (sizes[b] + d) <= budget_bytes:
            ds[b] += 1
    return tuple(int(x) for x in ds)


def _check_bounds(bounds, n: int) -> np.ndarray:
    b = np.asarray(bounds)
    if b.ndim != 1 or len(b) < 2 or b[0] != 0 or b[-1] != n or (np.diff(b) <= 0).any():
        raise ValueError(f"bounds must increase strictly from 0 to n_words={n}; got {list(bounds)}")
    return b.astype(np.int64)


def mixed_dimensions(E, bounds: Sequence[int], dims: Sequence[int]) -> CompressedTable:
    """Mixed-dimension table: the words of bucket ``b`` (rows ``bounds[b] .. bounds[b+1]-1``,
    most frequent first) get ``dims[b]`` coordinates and share a ``(dims[b], d)`` projection
    back to ``d``; both are fitted by a truncated SVD of the bucket's rows (least squares)."""
    E = _table(E)
    b = _check_bounds(bounds, len(E))
    dims = [int(x) for x in dims]
    if len(dims) != len(b) - 1:
        raise ValueError(f"shape mismatch: {len(b) - 1} buckets but {len(dims)} dims")
    U, P = [], []
    for s, e, r in zip(b[:-1], b[1:], dims):
        if not 1 <= r <= min(e - s, E.shape[1]):
            raise ValueError(f"dims must be between 1 and min(bucket size, d) = {min(e - s, E.shape[1])} "
                             f"for rows {s}..{e - 1}; got {r}")
        u, p = _svd_factors(E[s:e], r)
        U.append(u)
        P.append(p)
    return _trainable_table("mixed dimensions " + "/".join(map(str, dims)), "dimension reduction", len(E),
                            "buckets", {"U": U, "P": P}, {"bounds": tuple(int(x) for x in b), "dims": tuple(dims)})


SPARSE_STORAGE = ("bitmap", "csr")


def sparse_nbytes(n: int, d: int, nnz: int, storage: str = "bitmap") -> int:
    """Bytes of an ``(n, d)`` matrix with ``nnz`` float32 non-zeros stored sparse.

    ``"bitmap"``: one bit per entry saying whether it is kept, plus the kept values;
    ``"csr"``: the values, a column index per value (uint8 for ``d <= 256``, else uint16
    or uint32) and ``n + 1`` int32 row pointers.
    """
    if storage not in SPARSE_STORAGE:
        raise ValueError(f"unknown storage {storage!r}; use one of {SPARSE_STORAGE}")
    if not 0 <= nnz <= n * d:
        raise ValueError(f"nnz must be between 0 and n * d = {n * d}; got {nnz}")
    if storage == "bitmap":
        return math.ceil(n * d / 8) + FLOAT32_BYTES * nnz
    return (FLOAT32_BYTES + _index_bytes(d)) * nnz + 4 * (n + 1)


def _index_bytes(d: int) -> int:
    return 1 if d <= 2 ** 8 else 2 if d <= 2 ** 16 else 4


def max_entries(n: int, d: int, budget_bytes: int, storage: str = "bitmap") -> int:
    """The most non-zeros an ``(n, d)`` sparse matrix can keep within ``budget_bytes``."""
    fixed = sparse_nbytes(n, d, 0, storage)
    per_value = sparse_nbytes(n, d, 1, storage) - fixed
    if budget_bytes < fixed + per_value:
        raise ValueError(f"budget too small: the {storage} format alone takes {fixed:,} bytes "
                         f"(plus {per_value} a value) > {budget_bytes:,}")
    return min(n * d, (budget_bytes - fixed) // per_value)


def prune_entries(E, n_keep: int, storage: str = "bitmap") -> CompressedTable:
    """Magnitude pruning: keep the ``n_keep`` entries of largest ``|E_ij|`` (the least-squares
    best table with that many non-zeros), zero the rest, store it sparse (:func:`sparse_nbytes`)."""
    E = _table(E)
    if not 1 <= n_keep <= E.size:
        raise ValueError(f"n_keep must be between 1 and {E.size}; got {n_keep}")
    keep = np.argpartition(np.abs(E).ravel(), E.size - n_keep)[E.size - n_keep:]
    W = np.zeros(E.size, np.float32)
    W[keep] = E.ravel()[keep]
    W = W.reshape(E.shape)
    return CompressedTable(f"prune to {n_keep / E.size:.1%} of entries ({storage})", "pruning",
                           sparse_nbytes(*E.shape, n_keep, storage), lambda: W.copy(),
                           {"n_keep": n_keep, "storage": storage})


# ---------------------------------------------------------------- training on neighbours
def neighbour_targets(E, anchors, candidates: int, k: int = 10, use_cache: bool = True) -> np.ndarray:
    """``(len(anchors), k)`` int64: each anchor word's ``k`` nearest rows of ``E`` (cosine)
    among the first ``candidates``, itself excluded: the targets of
    :func:`train_table_on_neighbours` (cached)."""
    E = _table(E)
    anchors = _check_ids(anchors, len(E), "anchors")
    _check_candidates(candidates, len(E), k)
    if not use_cache:
        return _neighbour_ids(E, anchors, candidates, k)
    params = {"E": E, "anchors": anchors, "candidates": candidates, "k": k, "v": 1}
    return cache.cached_array("neighbour-targets", params, lambda: _neighbour_ids(E, anchors, candidates, k))


def neighbour_loss(A, P, N, ignore, temperature: float = 0.05):
    """Listwise neighbour loss: each of an anchor's target neighbours should outscore all its
    negatives.

    With cosine scores ``s(a, x) / temperature``, target ``p`` of anchor ``a`` costs
    ``softplus(logsumexp_n s(a, n) - s(a, p))``, i.e. ``-log`` of the probability that ``p``
    wins a softmax against the negatives alone (not against the other targets); the mean
    over anchors and targets is returned. With every candidate word as a negative (the
    anchor and its targets ignored) it asks for the exact top-``k`` list.

    Parameters
    ----------
    A : torch.Tensor, shape (batch, d)
        The anchors' vectors.
    P : torch.Tensor, shape (batch, k, d)
        Each anchor's target neighbours' vectors.
    N : torch.Tensor, shape (n_negatives, d)
        Negative words' vectors, shared by the batch.
    ignore : torch.BoolTensor, shape (batch, n_negatives)
        True where a negative is in fact the anchor or one of its targets.
    """
    import torch.nn.functional as F

    if A.ndim != 2 or P.ndim != 3 or N.ndim != 2 or not A.shape[1] == P.shape[2] == N.shape[1] \
            or len(P) != len(A) or tuple(ignore.shape) != (len(A), len(N)):
        raise ValueError(f"shape mismatch: anchors {tuple(A.shape)}, targets {tuple(P.shape)}, "
                         f"negatives {tuple(N.shape)}, ignore {tuple(ignore.shape)}")
    if temperature <= 0:
        raise ValueError(f"temperature must be positive; got {temperature}")
    a, p, n = (F.normalize(x, dim=-1) for x in (A, P, N))
    pos = (a[:, None, :] * p).sum(-1) / temperature
    rest = (a @ n.T / temperature).masked_fill(ignore, float("-inf")).logsumexp(1, keepdim=True)
    return F.softplus(rest - pos).mean()


def _n_rows(table: CompressedTable) -> int:
    if table.layout == "rows":
        return len(table.arrays["rows"])
    return sum(len(U) for U in table.arrays["U"])


def _check_lists(ids, lists, n: int, candidates: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Row ids of words and their ``(len(ids), k)`` neighbour lists among the candidates."""
    ids = _check_ids(ids, n, name)
    lists = np.asarray(lists)
    if lists.ndim != 2 or len(lists) != len(ids):
        raise ValueError(f"shape mismatch: the neighbour lists of {name} must have shape ({len(ids)}, k); "
                         f"got {lists.shape}")
    _check_candidates(candidates, n, lists.shape[1])
    return ids, _check_ids(lists.ravel(), candidates, f"neighbour lists of {name}").reshape(lists.shape)


def _ignored(anchors, targets, negatives, candidates: int):
    """``(batch, n_negatives)`` bool: negative ``j`` is the anchor itself or one of its targets."""
    import torch

    slot = torch.full((candidates + 1,), len(negatives), dtype=torch.long)   # len(negatives): "not drawn"
    slot[negatives] = torch.arange(len(negatives))
    own = torch.cat([targets, anchors.clamp(max=candidates)[:, None]], 1)
    ignore = torch.zeros(len(anchors), len(negatives) + 1, dtype=torch.bool)
    return ignore.scatter_(1, slot[own], True)[:, :-1]


def _torch_recall(layout, tensors, ids, lists, candidates: int) -> float:
    """:func:`neighbour_recall` of words ``ids`` against their lists, on a table in torch."""
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        V = F.normalize(_layout_vectors(layout, tensors, torch.arange(max(candidates, int(ids.max()) + 1)),
                                        torch.cat), dim=1)
        S = V[ids] @ V[:candidates].T
        inside = (ids < candidates).nonzero().ravel()
        S[inside, ids[inside]] = float("-inf")                      # a word is not its own neighbour
        top = S.topk(lists.shape[1], dim=1).indices
        return float((top[:, :, None] == lists[:, None, :]).any(2).float().mean())


def train_table_on_neighbours(table: CompressedTable, anchors, targets, candidates: int,
                              validation: tuple | None = None, steps: int = 200, eval_every: int = 25,
                              batch_size: int = 256, n_negatives: int = 1024, lr: float = 0.05,
                              temperature: float = 0.05, seed: int = 0, use_cache: bool = True,
                              progress: bool = True) -> CompressedTable:
    """Train a compressed table's parameters on neighbour lists; same parameters, same bytes.

    Starts from the table's least-squares fit and minimises :func:`neighbour_loss` with Adam:
    each step takes ``batch_size`` anchors and ``n_negatives`` candidate words drawn without
    replacement (all of them when ``n_negatives >= candidates``), and computes only the
    vectors of the words involved. One torch thread and a fixed seed make it reproducible.
    Only the float parameters move: hashed or computed row ids and bucket sizes stay, so the
    trained table has exactly the fitted one's parameter count, dtype and ``nbytes``.

    Parameters
    ----------
    table : CompressedTable
        One with a ``layout`` (:func:`prune_vocabulary`, :func:`hashing_trick`,
        :func:`bloom_embeddings`, :func:`quotient_remainder`, :func:`low_rank`,
        :func:`mixed_dimensions`).
    anchors : array of int, shape (n_anchors,)
        Row ids of the training words.
    targets : array of int, shape (n_anchors, k)
        Their neighbours among the first ``candidates`` rows (:func:`neighbour_targets`).
    candidates : int
        Negatives are drawn from rows ``0 .. candidates - 1``.
    validation : (ids, lists), optional
        Validation words and their neighbour lists: every ``eval_every`` steps (and at step 0,
        the fit) their neighbour recall is measured, and the best checkpoint is returned
        (early stopping). Without it the last step is returned.

    Returns
    -------
    CompressedTable
        Named ``"<name> (trained)"``; ``params`` adds ``losses`` (every step), ``val_recall``
        (``[(step, recall), ...]``) and ``best_step``.
    """
    import torch
    from tqdm import tqdm

    if table.layout is None:
        raise ValueError(f"{table.name!r} has no trainable layout (only row-sharing and factored tables train)")
    n = _n_rows(table)
    anchors, targets = _check_lists(anchors, targets, n, candidates, "anchors")
    val = None if validation is None else _check_lists(*validation, n, candidates, "validation words")
    for name, v in (("steps", steps), ("eval_every", eval_every), ("batch_size", batch_size),
                    ("n_negatives", n_negatives)):
        if v < 1:
            raise ValueError(f"{name} must be at least 1; got {v}")
    if lr <= 0 or temperature <= 0:
        raise ValueError(f"lr and temperature must be positive; got lr={lr}, temperature={temperature}")

    def fit():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            torch.manual_seed(seed)
            rng = np.random.default_rng(seed)
            tensors = {key: [torch.tensor(a, requires_grad=True) for a in v] if isinstance(v, list)
                       else torch.tensor(v, requires_grad=v.dtype == np.float32) for key, v in table.arrays.items()}
            weights = [t for v in tensors.values() for t in (v if isinstance(v, list) else [v]) if t.requires_grad]
            opt = torch.optim.Adam(weights, lr=lr)
            val_t = None if val is None else tuple(torch.from_numpy(x) for x in val)
            batch, order, losses, history = min(batch_size, len(anchors)), np.empty(0, np.int64), [], []
            best = (-1.0, 0, _numpy_arrays(tensors))
            for step in tqdm(range(steps + 1), desc=f"training {table.name}", disable=not progress):
                if val_t is not None and (step % eval_every == 0 or step == steps):
                    history.append((step, _torch_recall(table.layout, tensors, *val_t, candidates)))
                    if history[-1][1] > best[0]:
                        best = (history[-1][1], step, _numpy_arrays(tensors))
                if step == steps:
                    break
                while len(order) < batch:
                    order = np.concatenate([order, rng.permutation(len(anchors))])
                pick, order = order[:batch], order[batch:]
                a, t = torch.from_numpy(anchors[pick]), torch.from_numpy(targets[pick])
                neg = torch.from_numpy(rng.choice(candidates, min(n_negatives, candidates), replace=False))
                words = torch.unique(torch.cat([a, t.ravel(), neg]))  # sorted: the rows this step needs
                V = _layout_vectors(table.layout, tensors, words, torch.cat)
                pa, pt, pn = (torch.searchsorted(words, ids) for ids in (a, t, neg))
                loss = neighbour_loss(V[pa], V[pt], V[pn], _ignored(a, t, neg, candidates), temperature)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(float(loss.detach()))
        finally:
            torch.set_num_threads(threads)
        arrays, best_step = (best[2], best[1]) if val_t is not None else (_numpy_arrays(tensors), steps)
        return {"arrays": arrays, "losses": losses, "val_recall": history, "best_step": best_step}

    if use_cache:
        key = {"layout": table.layout, "arrays": table.arrays, "anchors": anchors, "targets": targets,
               "candidates": candidates, "validation": val, "steps": steps, "every": eval_every,
               "bs": batch_size, "neg": n_negatives, "lr": lr, "t": temperature, "seed": seed, "v": 1}
        out = cache.cached_object("neighbour-table", key, fit)
    else:
        out = fit()
    trained = _trainable_table(f"{table.name} (trained)", table.family, n, table.layout, out["arrays"],
                               {**table.params, **{k: out[k] for k in ("losses", "val_recall", "best_step")}})
    if trained.nbytes != table.nbytes:
        raise RuntimeError(f"training changed the table's size: {table.nbytes} -> {trained.nbytes} bytes")
    return trained


def _numpy_arrays(tensors: dict) -> dict:
    """A copy, as numpy arrays, of a table's torch tensors (lists stay lists)."""
    return {key: [t.detach().numpy().copy() for t in v] if isinstance(v, list) else v.detach().numpy().copy()
            for key, v in tensors.items()}
