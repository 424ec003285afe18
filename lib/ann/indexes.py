"""The faiss indexes: build, search, rescore and measure (re-exported by :mod:`lib.ann`).

Part V ch4 (speed against recall) and Part VI ch1 (bytes against quality) build, search, rescore
and measure their indexes here. :func:`build_index` builds every kind of :data:`KINDS` (exact
float32, the float16/int8 scalar quantizers, sign bits searched by Hamming distance, PQ, HNSW, IVF,
IVF-PQ) as one type, :class:`Index`; :func:`cached_build` stores it with its build time.
:func:`search` takes a per-call knob (``efSearch``, ``nprobe``), :func:`rescore` re-ranks a
shortlist by exact dot products (sentence-transformers' rescoring), :func:`measure` gives recall
(:func:`lib.search.list_overlap`) and queries per second, :func:`time_search` a best-of-n time,
:func:`memory_per_vector` the serialised bytes per vector. All kinds search by inner product:
normalise documents and queries first (:func:`lib.search.normalize`) for cosine similarity.
"""
from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import cache, checks, search as exact_search

__all__ = ["KINDS", "KNOBS", "Index", "Measurement", "set_threads", "binarize", "build_index", "cached_build",
           "search", "rescore", "measure", "time_search", "memory_per_vector"]

#: Every index kind :func:`build_index` builds.
KINDS = ("flat", "float16", "int8", "binary", "pq", "hnsw", "ivf", "ivfpq")
#: The kinds with a search-time knob, and its faiss name.
KNOBS = {"hnsw": "efSearch", "ivf": "nprobe", "ivfpq": "nprobe"}
INCOMPLETE = ("warn", "raise", "allow")


def _faiss():
    import faiss

    return faiss


def set_threads(n: int) -> None:
    """Set the number of OpenMP threads faiss uses (1 is fastest and reproducible on a small, shared machine).

    Parameters
    ----------
    n : int
        At least 1.

    Returns
    -------
    None
    """
    _faiss().omp_set_num_threads(checks.integer(n, "threads", lo=1))


def binarize(X) -> np.ndarray:
    """Sign bits packed 8 per byte (bit ``j`` is ``X[:, j] > 0``): the codes of the ``"binary"`` kind.

    Parameters
    ----------
    X : array_like, shape (n, d)

    Returns
    -------
    ndarray of uint8, shape (n, ceil(d / 8))

    Examples
    --------
    >>> binarize([[1.0, -2.0, 0.5, 0, 0, 0, 0, 3.0]]).tolist()
    [[161]]
    """
    X = checks.as_matrix(X, "X")
    return np.packbits(X > 0, axis=1)


@dataclass
class Index:
    """A built faiss index of one of :data:`KINDS`, searchable by inner product.

    Attributes
    ----------
    kind : str
        One of :data:`KINDS`.
    index : faiss.Index or faiss.IndexBinary
        The faiss object itself.
    bytes_per_vector : int
        The stored code of one vector (``4 d`` for float32, ``d / 8`` for binary, ``ceil(m b / 8)``
        for PQ). Per-vector bookkeeping (HNSW's graph links, IVF's list ids) is not counted here;
        :func:`memory_per_vector` measures everything.
    overhead_bytes : int
        Fixed storage shared by all vectors: int8 ranges, PQ codebooks, IVF centroids.
    name : str
        The kind with its setting, e.g. ``"pq m=8 b=8"``.
    """

    kind: str
    index: object = field(repr=False)
    bytes_per_vector: int
    overhead_bytes: int
    name: str = ""

    @property
    def d(self) -> int:
        """Dimension of the indexed vectors (bits, for a binary faiss index, are ``8 x`` bytes)."""
        return int(self.index.d)

    @property
    def ntotal(self) -> int:
        """Number of indexed vectors."""
        return int(self.index.ntotal)

    def search(self, queries, k: int = 10, knob: int | None = None,
               incomplete: str = "warn") -> tuple[np.ndarray, np.ndarray]:
        """The ``k`` best documents of each query; see :func:`search`."""
        return search(self, queries, k, knob, incomplete)


def _describe(kind: str, index) -> Index:
    """Wrap a faiss index of ``kind`` with its sizes and name, read off the index itself."""
    d = int(index.d)
    code = _faiss().downcast_index(index.storage).code_size if kind == "hnsw" else index.code_size
    over, name = (2 * 4 * d if kind == "int8" else 0), kind           # int8 stores its ranges
    if kind in ("ivf", "ivfpq"):
        over, name = over + 4 * d * index.nlist, f"{kind} nlist={index.nlist}"           # the centroids
    if kind in ("pq", "ivfpq"):
        over, name = over + 4 * d * 2 ** index.pq.nbits, f"{name} m={index.pq.M} b={index.pq.nbits}"   # codebooks
    if kind == "hnsw":
        name = f"hnsw M={index.hnsw.nb_neighbors(1)}"
    return Index(kind, index, int(code), int(over), name)


def _pq_options(d: int, n_train: int, pq_m, pq_bits) -> tuple[int, int]:
    pq_m = checks.integer(pq_m, "pq_m", lo=1)
    if d % pq_m:
        raise ValueError(f"pq_m={pq_m} must divide the dimension d={d}")
    pq_bits = checks.integer(pq_bits, "pq_bits", 1, 16)
    if n_train < 2 ** pq_bits:
        raise ValueError(f"PQ with pq_bits={pq_bits} needs at least 2**{pq_bits} = {2 ** pq_bits:,} training "
                         f"vectors; got {n_train:,}")
    return pq_m, pq_bits


def build_index(kind: str, docs, *, train=None, M: int = 16, ef_construction: int = 40, nlist: int = 1024,
                pq_m: int = 8, pq_bits: int = 8, train_size: int = 50_000, seed: int = 0) -> Index:
    """Build a faiss index of ``kind`` over ``docs`` for inner-product search.

    Options that do not apply to ``kind`` are ignored, so one dictionary of options can build
    every kind.

    Parameters
    ----------
    kind : {"flat", "float16", "int8", "binary", "pq", "hnsw", "ivf", "ivfpq"}
        ``flat``: exact float32. ``float16`` / ``int8``: faiss scalar quantizers (int8: one range per
        dimension, trained on ``train``). ``binary``: sign bits (:func:`binarize`), searched by
        Hamming distance (needs ``d`` divisible by 8). ``pq``: product quantization, ``pq_m``
        sub-quantizers of ``pq_bits`` bits. ``hnsw``: a graph over float32 vectors. ``ivf``:
        ``nlist`` k-means cells of float32 vectors; ``ivfpq``: cells of PQ codes.
    docs : array_like, shape (n, d)
        The vectors to index (unit rows for cosine search); values beyond float16's range
        (65504) are refused for ``"float16"``.
    train : array_like, shape (n_train, d), optional
        Vectors to calibrate int8, train PQ codebooks and IVF cells; default ``docs``.
    M : int
        HNSW: neighbours per node, at least 2.
    ef_construction : int
        HNSW: candidate list size while building, at least 1.
    nlist : int
        IVF: number of cells, between 1 and the number of training vectors.
    pq_m, pq_bits : int
        PQ and IVF-PQ: sub-quantizers (must divide ``d``) and bits per code (1..16; at least
        ``2**pq_bits`` training vectors).
    train_size : int
        IVF: training vectors sampled (with ``seed``) from ``train``, at least ``39 * nlist``.
    seed : int

    Returns
    -------
    Index

    Examples
    --------
    >>> from lib.search import normalize
    >>> X = normalize(np.random.default_rng(0).standard_normal((64, 16)))
    >>> index = build_index("pq", X, pq_m=4, pq_bits=4)
    >>> index.name, index.bytes_per_vector, index.search(X[:2], k=3)[0].shape
    ('pq m=4 b=4', 2, (2, 3))
    """
    faiss = _faiss()
    checks.choice(kind, "index kind", KINDS)
    X = np.ascontiguousarray(checks.as_matrix(docs, "docs"))
    n, d = X.shape
    T = X if train is None else np.ascontiguousarray(checks.as_matrix(train, "train"))
    checks.same_dim(T, X, ("train vectors", "docs"))
    metric = faiss.METRIC_INNER_PRODUCT
    if kind == "flat":
        index = faiss.IndexFlatIP(d)
    elif kind in ("float16", "int8"):
        if kind == "float16" and np.abs(X).max() > np.finfo(np.float16).max:
            raise ValueError(f"docs have values up to {np.abs(X).max():.3g}, beyond float16's range (65504)")
        qt = faiss.ScalarQuantizer.QT_fp16 if kind == "float16" else faiss.ScalarQuantizer.QT_8bit
        index = faiss.IndexScalarQuantizer(d, qt, metric)
        index.train(T)
    elif kind == "binary":
        if d % 8:
            raise ValueError(f"binary codes need d divisible by 8; got d={d}")
        index = faiss.IndexBinaryFlat(d)
        index.add(binarize(X))
        return _describe(kind, index)
    elif kind == "pq":
        pq_m, pq_bits = _pq_options(d, len(T), pq_m, pq_bits)
        index = faiss.IndexPQ(d, pq_m, pq_bits, metric)
        index.pq.cp.min_points_per_centroid = 1  # small collections: no warnings
        index.pq.cp.max_points_per_centroid = 1_000_000
        index.train(T)
    elif kind == "hnsw":
        index = faiss.IndexHNSWFlat(d, checks.integer(M, "M", lo=2), metric)
        index.hnsw.efConstruction = checks.integer(ef_construction, "ef_construction", lo=1)
    else:
        nlist = checks.integer(nlist, "nlist", lo=1)
        if nlist > len(T):
            raise ValueError(f"nlist={nlist} must be between 1 and the number of training vectors ({len(T)})")
        rng = np.random.default_rng(seed)
        sample = T[rng.choice(len(T), min(len(T), max(checks.integer(train_size, "train_size", lo=1), 39 * nlist)),
                              replace=False)]
        quantizer = faiss.IndexFlatIP(d)
        if kind == "ivf":
            index = faiss.IndexIVFFlat(quantizer, d, nlist, metric)
        else:
            pq_m, pq_bits = _pq_options(d, len(sample), pq_m, pq_bits)
            index = faiss.IndexIVFPQ(quantizer, d, nlist, pq_m, pq_bits, metric)
        index.train(sample)
    index.add(X)
    return _describe(kind, index)


def _serialize(index: Index) -> np.ndarray:
    faiss = _faiss()
    return (faiss.serialize_index_binary if index.kind == "binary" else faiss.serialize_index)(index.index)


def cached_build(kind: str, vectors, **options) -> tuple[Index, float]:
    """:func:`build_index`, stored on disk (:mod:`lib.cache`) and loaded on the next call.

    The key is the vectors, ``kind``, every option and the faiss version. Build with one
    faiss thread (:func:`set_threads`) for a reproducible HNSW graph.

    Parameters
    ----------
    kind, vectors, **options
        As for :func:`build_index`.

    Returns
    -------
    index : Index
    build_seconds : float
        Wall time of the build when it ran (an HNSW graph over 400,000 vectors takes about a
        minute on two CPU cores), not of loading it from the cache.
    """
    faiss = _faiss()
    checks.choice(kind, "index kind", KINDS)
    X = np.ascontiguousarray(checks.as_matrix(vectors, "vectors"))

    def compute():
        t = time.perf_counter()
        index = build_index(kind, X, **options)
        return {"index": _serialize(index), "seconds": time.perf_counter() - t}

    params = {"kind": kind, "vectors": X, "options": options, "faiss": faiss.__version__}
    record = cache.cached_object("faiss-index", params, compute)
    load = faiss.deserialize_index_binary if kind == "binary" else faiss.deserialize_index
    return _describe(kind, load(record["index"])), float(record["seconds"])


def _check_index(index) -> None:
    if not isinstance(index, Index):
        raise TypeError(f"index must be an ann.Index (from build_index); got {type(index).__name__}")


def _search_params(index: Index, knob):
    if knob is None:
        return None
    if index.kind not in KNOBS:
        raise ValueError(f"a {index.kind!r} index has no search parameter; pass knob=None")
    knob = checks.integer(knob, "knob", lo=1)
    faiss = _faiss()
    if index.kind == "hnsw":
        return faiss.SearchParametersHNSW(efSearch=knob)
    return faiss.SearchParametersIVF(nprobe=min(knob, index.index.nlist))


def search(index: Index, queries, k: int = 10, knob: int | None = None,
           incomplete: str = "warn") -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` of each query in a built index.

    An approximate index can find fewer than ``k`` results for a query (IVF probing few cells,
    HNSW with a small ``efSearch``): faiss then pads the row with id ``-1`` (and score
    ``-3.4e38``). ``incomplete`` says what to do about it; ``-1`` must never be used as a row
    number (``X[-1]`` is the last row). :func:`lib.search.list_overlap` counts it as a miss.

    Parameters
    ----------
    index : Index
        From :func:`build_index` or :func:`cached_build`.
    queries : array_like, shape (n_queries, d)
        Float vectors (binarised here for a ``"binary"`` index).
    k : int
        Results per query, ``1 <= k <= index.ntotal``.
    knob : int, optional
        ``efSearch`` (HNSW) or ``nprobe`` (IVF, capped at ``nlist``) for this search only;
        default faiss's (16 and 1). Other kinds take no knob.
    incomplete : {"warn", "raise", "allow"}
        What to do when some row holds ``-1`` padding: a ``RuntimeWarning``, a ``ValueError``, or
        nothing.

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
        Best first; ``-1`` where nothing was found.
    scores : ndarray of float32, shape (n_queries, k)
        Inner products, descending (for ``"binary"``: minus the Hamming distance).
    """
    _check_index(index)
    checks.choice(incomplete, "incomplete", INCOMPLETE)
    q = np.ascontiguousarray(checks.as_matrix(queries, "queries"))
    if q.shape[1] != index.d:
        raise ValueError(f"dimension mismatch: queries have d={q.shape[1]} but the index has d={index.d}")
    k = checks.check_k(k, index.ntotal, "indexed vectors")
    params = _search_params(index, knob)
    if index.kind == "binary":
        dist, idx = index.index.search(binarize(q), k)
        scores = -dist.astype(np.float32)
    else:
        scores, idx = index.index.search(q, k, params=params)
    idx = idx.astype(np.int64)
    if not np.isfinite(scores[idx >= 0]).all():   # as search.top_k: an overflow is an error, not a ranking
        raise ValueError(f"scores overflow float32 (inputs up to {np.abs(q).max():.3g}); rescale or unit-normalise")
    short = (idx < 0).any(axis=1)
    if short.any() and incomplete != "allow":
        knob_name = KNOBS.get(index.kind, "the search parameter")
        msg = (f"{int(short.sum())} of {len(idx)} queries got fewer than k={k} results (faiss pads them with id -1); "
               f"raise {knob_name} (knob) to search more of the index")
        if incomplete == "raise":
            raise ValueError(msg)
        warnings.warn(msg, RuntimeWarning, stacklevel=2)
    return idx, scores


def rescore(queries, shortlist, doc_vectors, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Re-rank each query's shortlist by the exact dot product and keep the best ``k``.

    Parameters
    ----------
    queries : array_like, shape (n_queries, d)
        Float query vectors.
    shortlist : array_like of int, shape (n_queries, depth)
        Candidate ids from a cheap first search (binary, int8, IVF-PQ), no id twice in a row;
        ``-1`` padding (see :func:`search`) is kept, last.
    doc_vectors : array_like, shape (n_docs, d)
        The vectors to rescore with: float32 documents read from disk, or the dequantized codes
        (e.g. ``±1`` for binary) when only codes are kept.
    k : int
        ``1 <= k <= depth``.

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray of float32, shape (n_queries, k)
        Exact dot products, descending (``-inf`` for padding).

    Examples
    --------
    >>> D = np.eye(3, dtype=np.float32)
    >>> rescore([[0.1, 0.9, 0.5]], [[0, 2, 1]], D, k=2)[0].tolist()
    [[1, 2]]
    """
    queries = checks.as_matrix(queries, "queries")
    doc_vectors = checks.as_matrix(doc_vectors, "doc_vectors")
    checks.same_dim(queries, doc_vectors, ("queries", "doc_vectors"))
    shortlist = checks.ids(shortlist, len(doc_vectors), "shortlist", allow_pad=True)
    if shortlist.shape[0] != len(queries):
        raise ValueError(f"shortlist must have shape (n_queries={len(queries)}, depth); got {shortlist.shape}")
    if shortlist.shape[1] == 0:
        raise ValueError("shortlist is empty (depth 0): nothing to rescore")
    k = checks.check_k(k, shortlist.shape[1], "shortlisted documents")
    with np.errstate(over="ignore", invalid="ignore"):
        scores = np.einsum("qd,qkd->qk", queries, doc_vectors[shortlist])
    if not np.isfinite(scores).all():
        raise ValueError("dot products overflow float32; rescale the vectors (unit rows cannot overflow)")
    scores[shortlist < 0] = -np.inf
    order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
    return np.take_along_axis(shortlist, order, 1), np.take_along_axis(scores, order, 1)


def _best_time(run: Callable[[], object], repeats: int) -> tuple[float, object]:
    """Best-of-``repeats`` wall time of ``run()`` and its last result."""
    repeats = checks.integer(repeats, "repeats", lo=1)
    best, out = math.inf, None
    for _ in range(repeats):
        t = time.perf_counter()
        out = run()
        best = min(best, time.perf_counter() - t)
    return best, out


def time_search(index, queries, k: int = 10, knob: int | None = None, repeats: int = 3) -> float:
    """Best-of-``repeats`` wall time in seconds of searching ``queries``.

    Parameters
    ----------
    index : Index or callable
        An :class:`Index`, or any ``search(queries, k)`` function (e.g. a brute-force search).
    queries, k, knob
        As for :func:`search` (``knob`` for an :class:`Index` only).
    repeats : int
        At least 1.

    Returns
    -------
    float
        Seconds.
    """
    if isinstance(index, Index):
        return _best_time(lambda: search(index, queries, k, knob), repeats)[0]
    if not callable(index):
        raise TypeError(f"index must be an ann.Index or a search(queries, k) function; got {type(index).__name__}")
    if knob is not None:
        raise ValueError("knob applies to an ann.Index only")
    return _best_time(lambda: index(queries, k), repeats)[0]


@dataclass
class Measurement:
    """Recall and speed of one index at one setting.

    Attributes
    ----------
    kind : str
    knob : int or None
    recall : float
        Mean recall@k in [0, 1] against the exact lists.
    qps : float
        Queries per second (best run).
    seconds : float
        Wall time of the best run.
    """

    kind: str
    knob: int | None
    recall: float
    qps: float
    seconds: float = field(repr=False)


def measure(index: Index, queries, exact, k: int = 10, knob: int | None = None, kind: str | None = None,
            repeats: int = 1) -> Measurement:
    """Recall@``k`` against ``exact`` and queries per second (best of ``repeats`` runs).

    Parameters
    ----------
    index, queries, k, knob
        As for :func:`search`.
    exact : array_like of int, shape (n_queries, >= k)
        The exact neighbour lists, best first (e.g. :func:`lib.search.top_k`); their first ``k``
        columns are the reference.
    kind : str, optional
        Label of the measurement; default ``index.kind``.
    repeats : int

    Returns
    -------
    Measurement
        Padding (``-1``) in an incomplete result counts as a miss, without a warning.
    """
    _check_index(index)
    q = checks.as_matrix(queries, "queries")
    exact = np.asarray(exact)
    if exact.ndim != 2 or exact.shape[0] != len(q):
        raise ValueError(f"exact must have shape (n_queries={len(q)}, k); got {exact.shape}")
    if exact.shape[1] < k:
        raise ValueError(f"exact has {exact.shape[1]} columns but k={k}: give at least k exact neighbours")
    seconds, (idx, _) = _best_time(lambda: search(index, q, k, knob, incomplete="allow"), repeats)
    recall = exact_search.list_overlap(idx, exact[:, :k])
    return Measurement(index.kind if kind is None else kind, knob, recall, len(q) / seconds, seconds)


def memory_per_vector(index: Index) -> float:
    """Bytes per stored vector: the serialised index (codes, graph, lists, codebooks) over its size.

    Parameters
    ----------
    index : Index

    Returns
    -------
    float
    """
    _check_index(index)
    if index.ntotal == 0:
        raise ValueError("the index is empty")
    return float(_serialize(index).size / index.ntotal)
