"""Filtered nearest-neighbour search with faiss: the best ``k`` documents among those a filter allows.

A :class:`Filter` says which documents each query may return: an **attribute filter** (one
allowed set for every query, e.g. "category in S", from :func:`attribute_filter`) or a **window
filter** (per query, a range of a numeric key such as a date or a rank, from :func:`window_filter`;
the rows must be sorted by the key, so a window is a range of row ids). Three ways to search:

* **pre-filtering** (:func:`prefilter_search`): exact search over the allowed rows only; the
  reference every other method is measured against;
* **post-filtering** (:func:`filtered_search` with ``method="post"``): search the whole index for
  ``k'`` candidates (:func:`over_fetch_depth`: ``k / selectivity`` times a margin, up to a cap),
  then drop the disallowed ones;
* **faiss's ID selectors** (``method="selector"``): ``faiss.IDSelectorBitmap`` /
  ``IDSelectorRange`` passed in ``SearchParametersHNSW`` / ``SearchParametersIVF``, so the index
  only returns allowed ids (HNSW still walks through disallowed nodes; IVF skips them in the probed
  cells).

:func:`measure_filtered` gives recall against the exact filtered lists and queries per second;
:func:`filtered_graph_degree` what a filter leaves of an HNSW graph.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .. import checks, search as exact_search
from .indexes import Index, Measurement, _best_time, _check_index, _faiss

__all__ = ["METHODS", "Filter", "attribute_filter", "window_filter", "random_windows", "over_fetch_depth",
           "prefilter_search", "filtered_search", "measure_filtered", "filtered_graph_degree"]

#: The index-based ways of filtering :func:`filtered_search` runs.
METHODS = ("post", "selector")
_SELECTOR_KINDS = ("flat", "hnsw", "ivf", "ivfpq")


@dataclass(frozen=True, eq=False)
class Filter:
    """Which of ``n_docs`` documents each query may return.

    Exactly one of ``mask`` and ``windows`` is set. Build it with :func:`attribute_filter` or
    :func:`window_filter`.

    Attributes
    ----------
    n_docs : int
        Number of documents (rows of the index).
    mask : ndarray of bool, shape (n_docs,), or None
        An attribute filter: the rows every query may return.
    windows : ndarray of int64, shape (n_queries, 2), or None
        A window filter: for query ``i``, the rows ``windows[i, 0] <= row < windows[i, 1]``.
    """

    n_docs: int
    mask: np.ndarray | None = field(default=None, repr=False)
    windows: np.ndarray | None = field(default=None, repr=False)

    @property
    def shared(self) -> bool:
        """Whether every query has the same allowed set (an attribute filter)."""
        return self.mask is not None

    @property
    def n_queries(self) -> int | None:
        """Number of queries a window filter is for (None for an attribute filter: any number)."""
        return None if self.shared else len(self.windows)

    @property
    def sizes(self) -> np.ndarray:
        """Allowed rows: shape (1,) for an attribute filter, (n_queries,) for a window filter."""
        if self.shared:
            return np.array([int(self.mask.sum())])
        return self.windows[:, 1] - self.windows[:, 0]

    @property
    def selectivity(self) -> float:
        """Mean fraction of the documents a query may return, in [0, 1]."""
        return float(self.sizes.mean() / self.n_docs)

    def allowed(self, q: int = 0) -> np.ndarray:
        """Row ids query ``q`` may return, ascending.

        Parameters
        ----------
        q : int
            The query (ignored by an attribute filter).

        Returns
        -------
        ndarray of int64, shape (n_allowed,)
        """
        if self.shared:
            return np.flatnonzero(self.mask).astype(np.int64)
        q = checks.integer(q, "q", 0, len(self.windows) - 1)
        return np.arange(*self.windows[q], dtype=np.int64)

    def check(self, n_docs: int, n_queries: int) -> None:
        """Raise ``ValueError`` unless the filter is for ``n_docs`` documents and ``n_queries`` queries.

        Parameters
        ----------
        n_docs, n_queries : int

        Returns
        -------
        None
        """
        if n_docs != self.n_docs:
            raise ValueError(f"the filter is for {self.n_docs:,} documents but the index holds {n_docs:,}")
        if not self.shared and n_queries != len(self.windows):
            raise ValueError(f"the window filter has {len(self.windows)} windows but there are {n_queries} queries")


def attribute_filter(values, allowed) -> Filter:
    """An attribute filter: every query may return the rows whose value is in ``allowed``.

    Parameters
    ----------
    values : array_like of int, shape (n_docs,)
        Each document's attribute (a category id, an author id).
    allowed : array_like of int, shape (m,)
        The accepted values.

    Returns
    -------
    Filter

    Examples
    --------
    >>> f = attribute_filter([3, 1, 3, 2], [3])
    >>> f.allowed().tolist(), f.selectivity
    ([0, 2], 0.5)
    """
    v = np.asarray(values)
    a = np.asarray(allowed)
    for arr, name in ((v, "values"), (a, "allowed")):
        if arr.ndim != 1 or arr.size == 0 or arr.dtype.kind not in "iu":
            raise ValueError(f"{name} must be a non-empty 1-D array of integer labels; got dtype {arr.dtype}, "
                             f"shape {arr.shape}")
    return Filter(len(v), mask=np.isin(v, a))


def window_filter(keys, lo, hi) -> Filter:
    """A window filter: query ``i`` may return the rows with ``lo[i] <= key < hi[i]``.

    Parameters
    ----------
    keys : array_like, shape (n_docs,)
        Each document's numeric key (a date, a price, a rank), ascending: the rows are stored in
        key order, so every window is a contiguous range of row ids (faiss's ``IDSelectorRange``).
    lo, hi : array_like, shape (n_queries,)
        Each query's window of key values, half-open.

    Returns
    -------
    Filter

    Examples
    --------
    >>> f = window_filter([10, 20, 30, 40], lo=[15, 0], hi=[40, 11])
    >>> f.allowed(0).tolist(), f.allowed(1).tolist()
    ([1, 2], [0])
    """
    keys = checks.as_matrix(keys, "keys", ndim=1, dtype=np.float64)
    if (np.diff(keys) < 0).any():
        raise ValueError("keys must be sorted ascending (store the rows in key order)")
    lo = checks.as_matrix(lo, "lo", ndim=1, dtype=np.float64)
    hi = checks.as_matrix(hi, "hi", ndim=1, dtype=np.float64)
    if lo.shape != hi.shape:
        raise ValueError(f"lo and hi must have the same shape; got {lo.shape} and {hi.shape}")
    if (hi < lo).any():
        raise ValueError(f"every window needs lo <= hi; query {int(np.argmax(hi < lo))} has lo > hi")
    windows = np.stack([np.searchsorted(keys, lo, "left"), np.searchsorted(keys, hi, "left")], axis=1)
    return Filter(len(keys), windows=windows.astype(np.int64))


def random_windows(keys, selectivity: float, n_queries: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Windows of key values that each hold ``round(selectivity * n_docs)`` rows, at random places.

    Parameters
    ----------
    keys : array_like, shape (n_docs,)
        Distinct keys, ascending (as for :func:`window_filter`).
    selectivity : float
        Fraction of the rows in each window, in (0, 1].
    n_queries : int
    seed : int

    Returns
    -------
    lo, hi : ndarray of float64, shape (n_queries,)
        Half-open windows ``[lo, hi)`` of key values.

    Examples
    --------
    >>> lo, hi = random_windows(np.arange(100), 0.1, 3)
    >>> (hi - lo).tolist()
    [10.0, 10.0, 10.0]
    """
    keys = checks.as_matrix(keys, "keys", ndim=1, dtype=np.float64)
    if (np.diff(keys) <= 0).any():
        raise ValueError("keys must be distinct and sorted ascending")
    s = checks.number(selectivity, "selectivity", 0, 1, lo_open=True)
    n = len(keys)
    width = max(1, round(s * n))
    start = np.random.default_rng(seed).integers(0, n - width + 1, checks.integer(n_queries, "n_queries", lo=1))
    ends = np.append(keys, keys[-1] + 1)        # the key just past the last row closes a window at the end
    return keys[start], ends[start + width]


def over_fetch_depth(k: int, selectivity: float, margin: float = 2.0, max_candidates: int = 2000,
                     n_docs: int | None = None) -> int:
    """Candidates a post-filter asks for: ``ceil(k / selectivity * margin)``, capped.

    A filter that keeps a fraction ``s`` of the documents keeps about ``s k'`` of ``k'``
    unfiltered candidates when the filter is independent of the query; asking for ``k / s``
    candidates fills ``k`` on average, the margin covers the spread.

    Parameters
    ----------
    k : int
        Results wanted, at least 1.
    selectivity : float
        Fraction of documents the filter allows, in (0, 1].
    margin : float
        At least 1.
    max_candidates : int
        The cap (an engine's limit on ``k'``, or a latency budget), at least ``k``.
    n_docs : int, optional
        A second cap: the collection's size.

    Returns
    -------
    int

    Examples
    --------
    >>> over_fetch_depth(10, 0.1), over_fetch_depth(10, 0.001)
    (200, 2000)
    """
    k = checks.integer(k, "k", lo=1)
    s = checks.number(selectivity, "selectivity", 0, 1, lo_open=True)
    margin = checks.number(margin, "margin", lo=1)
    cap = checks.integer(max_candidates, "max_candidates", lo=k)
    if n_docs is not None:
        cap = min(cap, checks.integer(n_docs, "n_docs", lo=1))
    return int(min(math.ceil(k / s * margin - 1e-9), cap))


def _pad(ids: np.ndarray, scores: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    short = k - len(ids)
    if short <= 0:
        return ids[:k], scores[:k]
    return (np.concatenate([ids, np.full(short, -1, np.int64)]),
            np.concatenate([scores, np.full(short, -np.inf, np.float32)]))


def prefilter_search(queries, docs, filt: Filter, k: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Pre-filtering: the exact top-``k`` by inner product among the rows each query may return.

    Parameters
    ----------
    queries : array_like, shape (n_queries, d)
    docs : array_like, shape (n_docs, d)
    filt : Filter
    k : int
        At least 1; a query with fewer than ``k`` allowed rows gets ``-1`` padding.

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
        Row ids of ``docs``, best first; ties go to the lower id.
    scores : ndarray of float32, shape (n_queries, k)
        Inner products (``-inf`` for padding).

    Examples
    --------
    >>> D = np.eye(4, dtype=np.float32)
    >>> prefilter_search([[0.9, 0.1, 0.5, 0.0]], D, attribute_filter([0, 1, 1, 1], [1]), k=2)[0].tolist()
    [[2, 1]]
    """
    q = checks.as_matrix(queries, "queries")
    X = checks.as_matrix(docs, "docs")
    checks.same_dim(q, X, ("queries", "docs"))
    filt.check(len(X), len(q))
    k = checks.integer(k, "k", lo=1)
    ids = np.full((len(q), k), -1, np.int64)
    scores = np.full((len(q), k), -np.inf, np.float32)
    if filt.shared:                                    # one gather of the allowed rows for every query
        groups = [(slice(None), filt.allowed(), None)]
    else:                                              # a window is a slice of the rows: no copy
        groups = [(slice(i, i + 1), None, (int(lo), int(hi))) for i, (lo, hi) in enumerate(filt.windows)]
    for rows, allowed, window in groups:
        sub = X[allowed] if window is None else X[window[0]:window[1]]
        if len(sub) == 0:
            continue
        kk = min(k, len(sub))
        found, sc = exact_search.top_k(q[rows], sub, k=kk, metric="dot", threads=1)
        ids[rows, :kk] = allowed[found] if window is None else found + window[0]
        scores[rows, :kk] = sc
    return ids, scores


def _selector(filt: Filter, q: int):
    faiss = _faiss()
    if filt.shared:
        return faiss.IDSelectorBitmap(np.packbits(filt.mask, bitorder="little"))   # bit i: row i allowed
    lo, hi = (int(v) for v in filt.windows[q])
    return faiss.IDSelectorRange(lo, hi)


def _params(index: Index, knob, sel=None, ef_floor: int = 0):
    faiss = _faiss()
    if index.kind == "hnsw":
        return faiss.SearchParametersHNSW(sel=sel, efSearch=max(knob or 16, ef_floor)) if sel is not None else \
            faiss.SearchParametersHNSW(efSearch=max(knob or 16, ef_floor))
    if index.kind in ("ivf", "ivfpq"):
        nprobe = min(knob or 1, index.index.nlist)
        return faiss.SearchParametersIVF(sel=sel, nprobe=nprobe) if sel is not None else \
            faiss.SearchParametersIVF(nprobe=nprobe)
    return faiss.SearchParameters(sel=sel) if sel is not None else None


def filtered_search(index: Index, queries, filt: Filter, k: int = 10, method: str = "selector",
                    knob: int | None = None, margin: float = 2.0,
                    max_candidates: int = 2000) -> tuple[np.ndarray, np.ndarray]:
    """The best ``k`` allowed documents of each query from a built faiss index.

    Parameters
    ----------
    index : Index
        A ``"flat"``, ``"hnsw"``, ``"ivf"`` or ``"ivfpq"`` index (:func:`lib.ann.build_index`).
    queries : array_like, shape (n_queries, d)
    filt : Filter
        For ``index.ntotal`` documents (and ``n_queries`` windows).
    k : int
        Results per query, at least 1.
    method : {"selector", "post"}
        ``"selector"``: faiss's ID selector in the search parameters (one search call for an
        attribute filter, one per query for windows). ``"post"``: an unfiltered search for
        :func:`over_fetch_depth` candidates (from the filter's mean selectivity), then the
        disallowed ones dropped; HNSW's ``efSearch`` is raised to that depth.
    knob : int, optional
        ``efSearch`` (HNSW) or ``nprobe`` (IVF); default faiss's (16 and 1).
    margin, max_candidates
        Post-filtering's over-fetch (see :func:`over_fetch_depth`).

    Returns
    -------
    indices : ndarray of int64, shape (n_queries, k)
        Best first; ``-1`` where fewer than ``k`` allowed documents were found.
    scores : ndarray of float32, shape (n_queries, k)
        Inner products (``-inf`` for padding).
    """
    _check_index(index)
    checks.choice(index.kind, "index kind for filtered search", _SELECTOR_KINDS)
    checks.choice(method, "method", METHODS)
    q = np.ascontiguousarray(checks.as_matrix(queries, "queries"))
    if q.shape[1] != index.d:
        raise ValueError(f"dimension mismatch: queries have d={q.shape[1]} but the index has d={index.d}")
    if not isinstance(filt, Filter):
        raise TypeError(f"filt must be an ann.Filter; got {type(filt).__name__}")
    filt.check(index.ntotal, len(q))
    k = checks.integer(k, "k", lo=1)
    if knob is not None:
        knob = checks.integer(knob, "knob", lo=1)
    ids = np.full((len(q), k), -1, np.int64)
    scores = np.full((len(q), k), -np.inf, np.float32)
    if method == "selector":
        kk = min(k, index.ntotal)
        calls = [slice(None)] if filt.shared else [slice(i, i + 1) for i in range(len(q))]
        for i, rows in enumerate(calls):
            sc, found = index.index.search(q[rows], kk, params=_params(index, knob, _selector(filt, i)))
            ids[rows, :kk], scores[rows, :kk] = found, sc
        scores[ids < 0] = -np.inf
        return ids, scores
    if filt.selectivity == 0:
        return ids, scores
    depth = over_fetch_depth(k, filt.selectivity, margin, max(max_candidates, k), index.ntotal)
    sc, found = index.index.search(q, depth, params=_params(index, knob, ef_floor=depth))
    for i in range(len(q)):
        keep = found[i] >= 0
        if filt.shared:
            keep[keep] = filt.mask[found[i][keep]]
        else:
            keep &= (found[i] >= filt.windows[i, 0]) & (found[i] < filt.windows[i, 1])
        ids[i], scores[i] = _pad(found[i][keep].astype(np.int64), sc[i][keep], k)
    return ids, scores


def measure_filtered(run: Callable[[], np.ndarray], exact, n_queries: int | None = None, label: str = "",
                     repeats: int = 1) -> Measurement:
    """Recall@k of a filtered search against the exact filtered lists, and queries per second.

    Parameters
    ----------
    run : callable
        ``run()`` returns the found ids, shape (n_queries, >= k) (``-1`` padding counts as a
        miss), e.g. ``lambda: ann.filtered_search(ix, Q, f)[0]`` or a vector database's search.
    exact : array_like of int, shape (n_queries, k)
        The reference (:func:`prefilter_search`), with no padding: every query needs at least
        ``k`` allowed documents.
    n_queries : int, optional
        Queries per run, for the rate; default ``len(exact)``.
    label : str
        The measurement's name (stored as its ``kind``).
    repeats : int
        Best of this many timed runs.

    Returns
    -------
    Measurement
        ``knob`` is None; ``kind`` is ``label``.
    """
    if not callable(run):
        raise TypeError(f"run must be a function returning ids; got {type(run).__name__}")
    exact = np.asarray(exact)
    if exact.ndim != 2 or exact.size == 0 or exact.dtype.kind not in "iu":
        raise ValueError(f"exact must be a 2-D array of integer ids; got dtype {exact.dtype}, shape {exact.shape}")
    if (exact < 0).any():
        raise ValueError("exact holds -1 padding: some query has fewer than k allowed documents")
    n_queries = len(exact) if n_queries is None else checks.integer(n_queries, "n_queries", lo=1)
    seconds, found = _best_time(run, repeats)
    found = np.asarray(found)
    if found.ndim != 2 or found.shape[0] != len(exact) or found.shape[1] < exact.shape[1]:
        raise ValueError(f"run() must return ids of shape ({len(exact)}, >= {exact.shape[1]}); got {found.shape}")
    recall = exact_search.list_overlap(found[:, :exact.shape[1]], exact)
    return Measurement(label, None, recall, n_queries / max(seconds, 1e-12), seconds)


def filtered_graph_degree(index: Index, mask) -> tuple[float, float]:
    """What an attribute filter leaves of an HNSW graph's bottom layer.

    A walk that may only step on allowed nodes sees the subgraph of allowed nodes; at
    selectivity ``s`` a node keeps about ``s`` of its ``2M`` level-0 links.

    Parameters
    ----------
    index : Index
        An ``"hnsw"`` index.
    mask : array_like of bool, shape (index.ntotal,)
        The allowed nodes (:attr:`Filter.mask`).

    Returns
    -------
    mean_degree : float
        Mean number of allowed level-0 neighbours of an allowed node.
    isolated : float
        Fraction of allowed nodes with no allowed level-0 neighbour.
    """
    _check_index(index)
    if index.kind != "hnsw":
        raise ValueError(f"filtered_graph_degree needs an 'hnsw' index; got {index.kind!r}")
    mask = np.asarray(mask)
    if mask.dtype != bool or mask.shape != (index.ntotal,):
        raise ValueError(f"mask must be a boolean array of shape ({index.ntotal},); got {mask.dtype} {mask.shape}")
    faiss = _faiss()
    hnsw = index.index.hnsw
    offsets = faiss.vector_to_array(hnsw.offsets).astype(np.int64)
    links = faiss.vector_to_array(hnsw.neighbors)
    width = int(faiss.vector_to_array(hnsw.cum_nneighbor_per_level)[1])           # level-0 slots per node
    nodes = np.flatnonzero(mask)
    if len(nodes) == 0:
        raise ValueError("the mask allows no node")
    level0 = links[offsets[nodes, None] + np.arange(width)]                        # (n_allowed, 2M), -1 unused
    ok = level0 >= 0
    allowed_links = np.zeros(level0.shape, bool)
    allowed_links[ok] = mask[level0[ok]]
    degree = allowed_links.sum(axis=1)
    return float(degree.mean()), float((degree == 0).mean())
