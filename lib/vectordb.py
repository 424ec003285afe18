"""A vector database run in-process: LanceDB tables, their ANN index and their SQL filters (Part V).

LanceDB (the ``lancedb`` package) is a library, not a server: its Rust engine (the compiled
``lancedb._lancedb`` extension) runs inside the Python process and stores a table as Lance files in
a folder. A table holds the vectors beside scalar columns (here an id, a category, a key); a
search takes an SQL ``where`` clause, applied before the vector search (``prefilter=True``: only
allowed rows are scored) or after it (``prefilter=False``: the best ``limit`` rows, then the
filter). Without an index the search is an exact scan; :func:`lance_index` builds an IVF index.

The same filtered searches with faiss are :mod:`lib.ann`'s (:func:`lib.ann.filtered_search`);
both are measured with :func:`lib.ann.measure_filtered`.
"""
from __future__ import annotations

import os
import re
import time
from pathlib import Path

import numpy as np

from . import checks

# The engine logs through Rust's env_logger, straight to the process's stderr (a notebook shows it under the
# cell, with the table's temporary path): keep its notices out, its errors in. Read when lancedb is first imported.
os.environ.setdefault("LANCEDB_LOG", "lance=error,lancedb=error")

__all__ = ["INDEX_KINDS", "lance_table", "lance_index", "lance_search", "sql_in", "sql_window"]

#: The LanceDB vector indexes :func:`lance_index` builds.
INDEX_KINDS = ("ivf_flat", "ivf_pq")
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _column(name) -> str:
    if not isinstance(name, str) or not _NAME.match(name):
        raise ValueError(f"column must be a plain SQL identifier (letters, digits, _); got {name!r}")
    return name


def sql_in(column: str, values) -> str:
    """An SQL attribute filter ``column IN (v1, v2, ...)`` for a LanceDB ``where``.

    Parameters
    ----------
    column : str
        A column name (an identifier).
    values : array_like of int, shape (m,)
        The accepted values, at least one.

    Returns
    -------
    str

    Examples
    --------
    >>> sql_in("category", [3, 7])
    'category IN (3, 7)'
    """
    v = np.asarray(values)
    if v.ndim != 1 or v.size == 0 or v.dtype.kind not in "iu":
        raise ValueError(f"values must be a non-empty 1-D array of integers; got dtype {v.dtype}, shape {v.shape}")
    return f"{_column(column)} IN ({', '.join(str(int(x)) for x in v)})"


def sql_window(column: str, lo, hi) -> str:
    """An SQL window filter ``column >= lo AND column < hi`` (half-open, as :func:`lib.ann.window_filter`).

    Parameters
    ----------
    column : str
    lo, hi : float
        The window, ``lo <= hi``.

    Returns
    -------
    str

    Examples
    --------
    >>> sql_window("rank", 100, 250.0)
    'rank >= 100 AND rank < 250'
    """
    lo, hi = checks.number(lo, "lo"), checks.number(hi, "hi")
    if hi < lo:
        raise ValueError(f"the window needs lo <= hi; got lo={lo:g}, hi={hi:g}")
    return f"{_column(column)} >= {lo:.17g} AND {column} < {hi:.17g}"


def lance_table(path, vectors, columns: dict | None = None, name: str = "docs"):
    """Write ``vectors`` and scalar ``columns`` as a new LanceDB table in the folder ``path``.

    Parameters
    ----------
    path : str or Path
        A folder (created if missing; a table of the same name there is replaced).
    vectors : array_like, shape (n, d)
        Stored as float32 in the column ``"vector"``.
    columns : dict of str to array_like of shape (n,), optional
        Scalar columns (ints or floats), e.g. ``{"id": ..., "category": ..., "rank": ...}``.
    name : str

    Returns
    -------
    lancedb.table.Table
    """
    import lancedb
    import pyarrow as pa

    X = np.ascontiguousarray(checks.as_matrix(vectors, "vectors"))
    n, d = X.shape
    data = {}
    for col, values in (columns or {}).items():
        v = np.asarray(values)
        if v.shape != (n,) or v.dtype.kind not in "iuf":
            raise ValueError(f"column {col!r} must be a numeric array of shape ({n},); got {v.dtype} {v.shape}")
        data[_column(col)] = v
    if "vector" in data:
        raise ValueError("'vector' is the vectors' column; name the scalar columns otherwise")
    data["vector"] = pa.FixedSizeListArray.from_arrays(pa.array(X.ravel()), d)
    Path(path).mkdir(parents=True, exist_ok=True)
    return lancedb.connect(str(path)).create_table(_column(name), pa.table(data), mode="overwrite")


def lance_index(table, kind: str = "ivf_flat", num_partitions: int = 128, num_sub_vectors: int = 10) -> float:
    """Build a vector index on the table's ``"vector"`` column for inner-product search.

    Parameters
    ----------
    table : lancedb.table.Table
        From :func:`lance_table`.
    kind : {"ivf_flat", "ivf_pq"}
        IVF cells of full vectors (as :func:`lib.ann.build_index`'s ``"ivf"``) or of PQ codes.
    num_partitions : int
        IVF cells, at least 1.
    num_sub_vectors : int
        PQ sub-quantizers (``"ivf_pq"`` only).

    Returns
    -------
    float
        Build time in seconds.
    """
    from lancedb.index import IvfFlat, IvfPq

    checks.choice(kind, "index kind", INDEX_KINDS)
    parts = checks.integer(num_partitions, "num_partitions", lo=1)
    config = IvfFlat(distance_type="dot", num_partitions=parts) if kind == "ivf_flat" else \
        IvfPq(distance_type="dot", num_partitions=parts, num_sub_vectors=checks.integer(num_sub_vectors,
                                                                                         "num_sub_vectors", lo=1))
    t = time.perf_counter()
    table.create_index("vector", config=config, replace=True)
    return time.perf_counter() - t


def lance_search(table, queries, k: int = 10, where=None, prefilter: bool = True, limit: int | None = None,
                 nprobes: int | None = None, use_index: bool = True, id_column: str = "id") -> np.ndarray:
    """Top-``k`` ids by inner product from a LanceDB table, one query at a time, with a ``where`` filter.

    Parameters
    ----------
    table : lancedb.table.Table
    queries : array_like, shape (n_queries, d)
    k : int
        Results kept per query, at least 1.
    where : str or sequence of str, optional
        An SQL filter for every query, or one per query (:func:`sql_in`, :func:`sql_window`).
    prefilter : bool
        Filter before the vector search (True) or after it (False: the best ``limit`` rows are
        found, then the disallowed ones dropped).
    limit : int, optional
        Rows the search returns before the first ``k`` are kept (over-fetch for a post-filter);
        default ``k``.
    nprobes : int, optional
        IVF cells to search (with an index); default LanceDB's.
    use_index : bool
        False: an exact scan even when the table has an index (``bypass_vector_index``).
    id_column : str
        The column whose values are returned.

    Returns
    -------
    ndarray of int64, shape (n_queries, k)
        Best first; ``-1`` where fewer than ``k`` rows came back.
    """
    q = checks.as_matrix(queries, "queries")
    k = checks.integer(k, "k", lo=1)
    limit = k if limit is None else checks.integer(limit, "limit", lo=k)
    if where is None or isinstance(where, str):
        wheres = [where] * len(q)
    else:
        wheres = list(where)
        if len(wheres) != len(q) or not all(isinstance(w, str) for w in wheres):
            raise ValueError(f"where must be one SQL string or {len(q)} of them (one per query)")
    if nprobes is not None:
        nprobes = checks.integer(nprobes, "nprobes", lo=1)
    out = np.full((len(q), k), -1, np.int64)
    for i, (vec, w) in enumerate(zip(q, wheres)):
        query = table.search(vec).distance_type("dot").limit(limit).select([_column(id_column), "_distance"])
        if w is not None:
            query = query.where(w, prefilter=bool(prefilter))
        if not use_index:
            query = query.bypass_vector_index()
        elif nprobes is not None:
            query = query.nprobes(nprobes)
        found = query.to_arrow()[id_column].to_numpy()[:k]
        out[i, :len(found)] = found
    return out
