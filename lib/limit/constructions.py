"""Configurations that realise top-2 sets exactly, their score margins, and the precision they need.

Free-embedding optimisation (:mod:`lib.limit.free_embedding`) finds a configuration or fails to;
these are built by hand:

* :func:`tetrahedron`: the 4 corners of a regular tetrahedron, which realise all 6 pairs in 3
  dimensions with the query of a pair the normalised sum of its two documents
  (:func:`centroid_queries`);
* :func:`moment_curve`: ``n`` points on the trigonometric moment curve
  ``(cos t, sin t, cos 2t, sin 2t)``, the vertices of a 2-neighbourly (cyclic) polytope, so that
  in 4 dimensions *every* pair of any number of documents is a top-2 set; the query of the pair
  ``(s, u)`` (:func:`moment_curve_queries`) holds the coefficients of the trigonometric
  polynomial ``-(1 - cos(t - s))(1 - cos(t - u))``, which is 0 at ``t = s`` and ``t = u`` and
  negative everywhere else;
* :func:`top2_margins`: for each pair, the gap between its weaker document's score and the best
  other document's, computed in a chosen floating-point arithmetic (float64, float32, float16);
  :func:`precision_break_point` is the smallest ``n`` at which the moment curve, computed in that
  arithmetic, stops realising every pair.
"""
from __future__ import annotations

import itertools
from typing import Iterable

import numpy as np

from .. import checks

__all__ = ["tetrahedron", "centroid_queries", "moment_curve", "moment_curve_queries", "top2_margins",
           "moment_curve_min_margin", "rounding_error_bound", "precision_break_point"]


def _pairs(pairs, n: int) -> np.ndarray:
    if pairs is None:
        return np.array(list(itertools.combinations(range(n), 2)), dtype=np.int64).reshape(-1, 2)
    P = checks.ids(pairs, n, "pairs")
    if P.shape[1] != 2:
        raise ValueError(f"pairs must have shape (m, 2); got {P.shape}")
    if (P[:, 0] == P[:, 1]).any():
        raise ValueError("pairs must name two different documents")
    return P.astype(np.int64)


def tetrahedron() -> np.ndarray:
    """The four unit corners of a regular tetrahedron.

    Returns
    -------
    ndarray of float64, shape (4, 3)
        Rows of norm 1 with pairwise inner products ``-1/3``.

    Examples
    --------
    >>> T = tetrahedron()
    >>> np.round(T @ T.T, 3).tolist()[0]
    [1.0, -0.333, -0.333, -0.333]
    """
    return np.array([[1, 1, 1], [1, -1, -1], [-1, 1, -1], [-1, -1, 1]], dtype=np.float64) / np.sqrt(3)


def centroid_queries(docs, pairs=None) -> np.ndarray:
    """The query of each pair as the normalised sum (centroid direction) of its two documents.

    Parameters
    ----------
    docs : array_like, shape (n, d)
        Document vectors, ``n >= 2``.
    pairs : array_like of int, shape (m, 2), optional
        Pairs of document indices; default all ``C(n, 2)`` pairs in ``itertools.combinations`` order.

    Returns
    -------
    ndarray of float64, shape (m, d)
        Unit query vectors.

    Raises
    ------
    ValueError
        If a pair's two documents sum to zero (no direction) or the input is malformed.

    Examples
    --------
    >>> centroid_queries([[1, 0], [0, 1]]).round(3).tolist()
    [[0.707, 0.707]]
    """
    D = checks.as_matrix(docs, "docs", dtype=np.float64)
    if D.shape[0] < 2:
        raise ValueError(f"need at least 2 documents; got {D.shape[0]}")
    P = _pairs(pairs, D.shape[0])
    Q = D[P[:, 0]] + D[P[:, 1]]
    norms = np.linalg.norm(Q, axis=1, keepdims=True)
    if (norms == 0).any():
        raise ValueError("a pair's documents sum to zero: its centroid has no direction")
    return Q / norms


def moment_curve(n: int, phase: float = 0.0) -> np.ndarray:
    """``n`` unit documents on the trigonometric moment curve, at angles ``phase + 2 pi j / n``.

    Parameters
    ----------
    n : int
        Documents, at least 3.
    phase : float
        Angle of the first document (radians).

    Returns
    -------
    ndarray of float64, shape (n, 4)
        Rows ``(cos t, sin t, cos 2t, sin 2t) / sqrt(2)``, of norm 1.

    Examples
    --------
    >>> moment_curve(4).round(3).tolist()[1]
    [0.0, 0.707, -0.707, 0.0]
    """
    n = checks.integer(n, "n", lo=3)
    phase = checks.number(phase, "phase")
    t = phase + 2 * np.pi * np.arange(n) / n
    return np.c_[np.cos(t), np.sin(t), np.cos(2 * t), np.sin(2 * t)] / np.sqrt(2)


def moment_curve_queries(n: int, pairs=None, phase: float = 0.0) -> np.ndarray:
    """The closed-form query of each pair of :func:`moment_curve` documents.

    For the pair at angles ``(s, u)`` the trigonometric polynomial
    ``-(1 - cos(t - s))(1 - cos(t - u))`` expands to
    ``const + (cos s + cos u) cos t + (sin s + sin u) sin t - cos(s + u)/2 cos 2t - sin(s + u)/2 sin 2t``;
    the query holds those four coefficients (the constant does not change the ranking), so its
    score for the document at ``t`` is the polynomial plus a constant: largest, and equal, at
    ``s`` and ``u``, smaller at every other angle.

    Parameters
    ----------
    n : int
        Documents, at least 3.
    pairs : array_like of int, shape (m, 2), optional
        Pairs of document indices; default all ``C(n, 2)`` pairs in ``itertools.combinations`` order.
    phase : float
        As in :func:`moment_curve`.

    Returns
    -------
    ndarray of float64, shape (m, 4)
        Unit query vectors.

    Examples
    --------
    >>> X, Q = moment_curve(6), moment_curve_queries(6, [[0, 3]])
    >>> np.argsort(-(Q @ X.T)[0])[:2].tolist()
    [0, 3]
    """
    n = checks.integer(n, "n", lo=3)
    phase = checks.number(phase, "phase")
    P = _pairs(pairs, n)
    t = phase + 2 * np.pi * np.arange(n) / n
    s, u = t[P[:, 0]], t[P[:, 1]]
    Q = np.c_[np.cos(s) + np.cos(u), np.sin(s) + np.sin(u), -np.cos(s + u) / 2, -np.sin(s + u) / 2]
    return Q / np.linalg.norm(Q, axis=1, keepdims=True)


def _scores(Q: np.ndarray, X: np.ndarray, dtype) -> np.ndarray:
    """``Q @ X.T`` with every product and partial sum rounded to ``dtype``, in a fixed order."""
    Q, X = Q.astype(dtype), X.astype(dtype)
    S = Q[:, None, 0] * X[None, :, 0]
    for j in range(1, Q.shape[1]):
        S = S + Q[:, None, j] * X[None, :, j]      # numpy rounds each float16/float32 operation
    return S


def top2_margins(queries, docs, pairs, dtype="float64", chunk: int = 4096) -> np.ndarray:
    """For each query, how far its pair's weaker score lies above the best other document's.

    The scores are computed in ``dtype`` arithmetic: the vectors are rounded to it, and each
    product and partial sum of the inner product is rounded too, in a fixed order (no BLAS, so
    the result is the same on every machine). A margin ``<= 0`` means the pair is *not* the
    query's top 2 in that arithmetic (a tie counts against the pair).

    Parameters
    ----------
    queries : array_like, shape (m, d)
    docs : array_like, shape (n, d)
        ``n >= 3``.
    pairs : array_like of int, shape (m, 2)
        The two documents each query should return.
    dtype : {"float64", "float32", "float16"}
    chunk : int
        Queries scored at a time (memory).

    Returns
    -------
    ndarray of float64, shape (m,)
        ``min(score of the pair) - max(score of the others)``, from the rounded scores.

    Examples
    --------
    >>> X = moment_curve(8)
    >>> bool((top2_margins(moment_curve_queries(8), X, None) > 0).all())
    True
    """
    X = checks.as_matrix(docs, "docs", dtype=np.float64)
    n = X.shape[0]
    if n < 3:
        raise ValueError(f"need at least 3 documents; got {n}")
    Q = checks.as_matrix(queries, "queries", dtype=np.float64)
    checks.same_dim(Q, X)
    P = _pairs(pairs, n)
    if len(P) != len(Q):
        raise ValueError(f"need one pair per query; got {len(P)} pairs for {len(Q)} queries")
    dt = np.dtype(checks.choice(str(dtype), "dtype", ("float64", "float32", "float16")))
    chunk = checks.integer(chunk, "chunk", lo=1)
    out = np.empty(len(Q))
    for a in range(0, len(Q), chunk):
        S = _scores(Q[a:a + chunk], X, dt)
        rows = np.arange(len(S))
        p = P[a:a + chunk]
        pair_min = np.minimum(S[rows, p[:, 0]], S[rows, p[:, 1]]).astype(np.float64)
        S[rows, p[:, 0]] = -np.inf
        S[rows, p[:, 1]] = -np.inf
        out[a:a + chunk] = pair_min - S.max(1).astype(np.float64)
    return out


def moment_curve_min_margin(n: int) -> float:
    """The smallest :func:`top2_margins` over all pairs of :func:`moment_curve` documents, in float64.

    The configuration is symmetric under a rotation by ``2 pi / n`` (which maps the documents and
    the queries onto each other and keeps every inner product), so the pairs ``(0, j)`` cover
    every pair up to rotation and ``n - 1`` queries suffice.

    Parameters
    ----------
    n : int
        Documents, at least 3.

    Returns
    -------
    float
        ``min over pairs of (weaker pair score - best other score)``, cosine units.

    Examples
    --------
    >>> round(moment_curve_min_margin(4), 4)       # 4 documents: the 4-d cross-polytope's margin
    0.9428
    """
    n = checks.integer(n, "n", lo=3)
    pairs = np.c_[np.zeros(n - 1, dtype=np.int64), np.arange(1, n)]
    return float(top2_margins(moment_curve_queries(n, pairs), moment_curve(n), pairs).min())


def rounding_error_bound(dtype: str, d: int) -> float:
    """A bound on the error of one score of two unit vectors computed by :func:`top2_margins`.

    With unit roundoff ``u`` of ``dtype``, rounding the two vectors changes their inner product by
    at most ``2u + u^2``, and the ``d``-term dot product in ``dtype`` adds at most
    ``gamma_d (1 + u)^2`` with ``gamma_d = d u / (1 - d u)`` (Higham's bound for recursive
    summation), both by Cauchy-Schwarz. A pair whose exact margin exceeds twice this bound is
    its query's top 2 in that arithmetic, whatever the rounding.

    Parameters
    ----------
    dtype : {"float64", "float32", "float16"}
    d : int
        Dimensions, at least 1.

    Returns
    -------
    float

    Examples
    --------
    >>> f"{rounding_error_bound('float32', 4):.2e}"
    '3.58e-07'
    """
    dt = np.dtype(checks.choice(str(dtype), "dtype", ("float64", "float32", "float16")))
    d = checks.integer(d, "d", lo=1)
    u = float(np.finfo(dt).eps) / 2
    return 2 * u + u * u + d * u / (1 - d * u) * (1 + u) ** 2


def precision_break_point(dtype: str, ns: Iterable[int]) -> int | None:
    """The first ``n`` of ``ns`` at which the moment curve, computed in ``dtype``, misses a pair.

    Every one of the ``C(n, 2)`` pairs of :func:`moment_curve` documents is scored with its
    :func:`moment_curve_queries` query in ``dtype`` arithmetic (:func:`top2_margins`).

    Parameters
    ----------
    dtype : {"float64", "float32", "float16"}
    ns : iterable of int
        Document counts to try, in order (each at least 3).

    Returns
    -------
    int or None
        The first ``n`` with a pair whose margin is ``<= 0``; None if every ``n`` works.

    Examples
    --------
    >>> precision_break_point("float64", [10, 20])     # exact enough: every pair works
    """
    for n in ns:
        n = checks.integer(n, "ns", lo=3)
        if not (top2_margins(moment_curve_queries(n), moment_curve(n), None, dtype) > 0).all():
            return n
    return None
