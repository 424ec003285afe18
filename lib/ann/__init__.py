"""Approximate nearest-neighbour search with faiss: the book's one faiss package (Parts V and VI).

Part V ch4 (speed against recall, and filtered search) and Part VI ch1 (bytes against quality)
build, search, rescore and measure their indexes here. The package re-exports every public name of
its modules, so ``ann.build_index(...)`` and ``ann.filtered_search(...)`` work:

indexes    :func:`build_index` of every kind of :data:`KINDS` (flat, float16, int8, binary, PQ, HNSW,
           IVF, IVF-PQ) as one type, :class:`Index`; :func:`cached_build`; :func:`search` with a
           per-call knob; :func:`rescore`; :func:`measure`, :func:`time_search`, :func:`memory_per_vector`
filtered   search restricted by a filter (:class:`Filter`: an attribute filter shared by all queries,
           or a window of a sorted numeric key per query): exact pre-filtering
           (:func:`prefilter_search`), post-filtering with over-fetch and faiss's ID selectors
           (:func:`filtered_search`), :func:`measure_filtered`, and what a filter leaves of an HNSW
           graph (:func:`filtered_graph_degree`)

The same filters in a vector database (LanceDB, run in-process) are :mod:`lib.vectordb`'s.
"""
from __future__ import annotations

from . import filtered, indexes
from .filtered import *  # noqa: F401,F403
from .indexes import *  # noqa: F401,F403

__all__ = [*indexes.__all__, *filtered.__all__]
