"""Approximate nearest-neighbour search with faiss, and how to measure it.

* :func:`build_index` — exact ``Flat``, graph ``HNSW``, inverted-file ``IVF`` and
  ``IVF-PQ`` (product quantisation) indexes for inner-product search over unit vectors;
  :func:`cached_build` stores a built index on disk with the time its build took.
* :func:`search` — top-``k`` with a search-time knob (``efSearch`` or ``nprobe``).
* :func:`recall_at_k` and :func:`measure` — recall against exact results, and queries
  per second; :func:`memory_per_vector` — bytes per stored vector (serialised index).
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np

from . import cache, checks

KINDS = ("flat", "hnsw", "ivf", "ivfpq")


def _faiss():
    import faiss

    return faiss


def set_threads(n: int) -> None:
    """Number of OpenMP threads faiss uses (1 is fastest on a small, shared machine)."""
    if n < 1:
        raise ValueError(f"threads must be at least 1; got {n}")
    _faiss().omp_set_num_threads(int(n))


def build_index(kind: str, vectors, *, M: int = 16, ef_construction: int = 40, nlist: int = 1024,
                pq_m: int = 10, pq_bits: int = 8, train_size: int = 50000, seed: int = 0):
    """Build a faiss index over ``vectors`` (inner product; normalise first for cosine).

    Parameters
    ----------
    kind : {"flat", "hnsw", "ivf", "ivfpq"}
    vectors : array_like, shape (n, d)
    M : int
        HNSW: neighbours per node.
    ef_construction : int
        HNSW: candidate list size while building.
    nlist : int
        IVF: number of k-means cells.
    pq_m, pq_bits : int
        IVF-PQ: sub-quantisers (must divide ``d``) and bits per code.
    train_size : int
        IVF: vectors sampled (with ``seed``) to train the coarse quantiser and codebooks.
    """
    faiss = _faiss()
    if kind not in KINDS:
        raise ValueError(f"unknown index kind {kind!r}; use one of {KINDS}")
    X = np.ascontiguousarray(checks.as_matrix(vectors, "vectors"))
    n, d = X.shape
    if kind == "flat":
        index = faiss.IndexFlatIP(d)
    elif kind == "hnsw":
        if M < 2:
            raise ValueError(f"M must be at least 2; got {M}")
        index = faiss.IndexHNSWFlat(d, M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = int(ef_construction)
    else:
        if not 1 <= nlist <= n:
            raise ValueError(f"nlist={nlist} must be between 1 and the number of vectors ({n})")
        quantizer = faiss.IndexFlatIP(d)
        if kind == "ivf":
            index = faiss.IndexIVFFlat(quantizer, d, nlist, faiss.METRIC_INNER_PRODUCT)
        else:
            if d % pq_m:
                raise ValueError(f"pq_m={pq_m} must divide the dimension d={d}")
            index = faiss.IndexIVFPQ(quantizer, d, nlist, pq_m, pq_bits, faiss.METRIC_INNER_PRODUCT)
        rng = np.random.default_rng(seed)
        sample = X[rng.choice(n, min(n, max(train_size, 39 * nlist)), replace=False)]
        index.train(sample)
    index.add(X)
    return index


def cached_build(kind: str, vectors, **options) -> tuple[object, float]:
    """:func:`build_index`, stored on disk (:mod:`lib.cache`) and loaded on the next call.

    The key is the vectors, ``kind``, every option and the faiss version. Build with one
    faiss thread (:func:`set_threads`) for a reproducible HNSW graph.

    Returns
    -------
    index : faiss.Index
    build_seconds : float
        Wall time of the build when it ran (an HNSW graph over 400,000 vectors takes about a
        minute on two CPU cores), not of loading it from the cache.
    """
    faiss = _faiss()
    X = np.ascontiguousarray(checks.as_matrix(vectors, "vectors"))

    def compute():
        t = time.perf_counter()
        index = build_index(kind, X, **options)
        return {"index": faiss.serialize_index(index), "seconds": time.perf_counter() - t}

    params = {"kind": kind, "vectors": X, "options": options, "faiss": faiss.__version__}
    record = cache.cached_object("faiss-index", params, compute)
    return faiss.deserialize_index(record["index"]), float(record["seconds"])


def _set_knob(index, knob: int | None) -> None:
    if knob is None:
        return
    faiss = _faiss()
    if knob < 1:
        raise ValueError(f"the search parameter must be at least 1; got {knob}")
    if isinstance(index, faiss.IndexHNSW):
        index.hnsw.efSearch = int(knob)
    elif isinstance(index, faiss.IndexIVF):
        index.nprobe = int(min(knob, index.nlist))
    else:
        raise ValueError(f"{type(index).__name__} has no search parameter; pass knob=None")


def search(index, queries, k: int = 10, knob: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Top-``k`` of each query; ``knob`` is ``efSearch`` (HNSW) or ``nprobe`` (IVF).

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
    scores : ndarray of float32, shape (n_queries, k)
    """
    q = np.ascontiguousarray(checks.as_matrix(queries, "queries"))
    if q.shape[1] != index.d:
        raise ValueError(f"dimension mismatch: queries have d={q.shape[1]} but the index has d={index.d}")
    k = checks.check_k(k, index.ntotal, "indexed vectors")
    _set_knob(index, knob)
    scores, idx = index.search(q, k)
    return idx.astype(np.int64), scores


def recall_at_k(found, exact) -> float:
    """Mean fraction of the exact top-``k`` neighbours that the approximate lists contain."""
    found, exact = np.asarray(found), np.asarray(exact)
    if found.ndim != 2 or exact.ndim != 2:
        raise ValueError(f"found and exact must be 2-D; got shapes {found.shape} and {exact.shape}")
    if found.shape[0] != exact.shape[0]:
        raise ValueError(f"shape mismatch: {found.shape[0]} approximate lists but {exact.shape[0]} exact ones")
    if exact.shape[1] == 0 or exact.shape[0] == 0:
        raise ValueError("exact is empty")
    hits = [len(set(f.tolist()) & set(e.tolist())) for f, e in zip(found, exact)]
    return float(np.mean(hits) / exact.shape[1])


@dataclass
class Measurement:
    """Recall and speed of one index at one setting."""

    kind: str
    knob: int | None
    recall: float
    qps: float
    seconds: float


def measure(index, queries, exact, k: int = 10, knob: int | None = None, kind: str = "",
            repeats: int = 1) -> Measurement:
    """Recall@``k`` against ``exact`` and queries per second (best of ``repeats`` runs)."""
    if repeats < 1:
        raise ValueError(f"repeats must be at least 1; got {repeats}")
    best = np.inf
    for _ in range(repeats):
        t = time.perf_counter()
        idx, _ = search(index, queries, k, knob)
        best = min(best, time.perf_counter() - t)
    q = checks.as_matrix(queries, "queries")
    return Measurement(kind, knob, recall_at_k(idx, np.asarray(exact)[:, :k]), q.shape[0] / best, best)


def memory_per_vector(index) -> float:
    """Bytes per stored vector: the serialised index size divided by the number of vectors."""
    faiss = _faiss()
    if index.ntotal == 0:
        raise ValueError("the index is empty")
    return float(faiss.serialize_index(index).size / index.ntotal)
