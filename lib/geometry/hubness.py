"""Hubness: a few points that are everyone's nearest neighbour, and CSLS, which corrects for them.

:func:`k_occurrence` (``N_k``), :func:`skewness` (of its distribution), :func:`csls_scores` and
:func:`csls_top_k` (Conneau et al.'s cross-domain similarity local scaling).
"""
from __future__ import annotations

import numpy as np

from .. import checks, search
from ._common import matrix, unit_rows

__all__ = ["k_occurrence", "skewness", "csls_scores", "csls_top_k"]


def k_occurrence(X, k: int = 10) -> np.ndarray:
    """``N_k(x)``: how many rows have ``x`` among their ``k`` cosine nearest neighbours.

    Parameters
    ----------
    X : array_like, shape (n, d), n >= 2
    k : int, ``1 <= k < n``

    Returns
    -------
    ndarray of int64, shape (n,)
        Sums to ``n * k``; a skewed distribution (a few "hubs") is hubness.

    Examples
    --------
    >>> int(k_occurrence(np.eye(3) + 0.1, 1).sum())   # n * k
    3
    """
    X = matrix(X, min_rows=2)
    checks.check_k(k, X.shape[0] - 1, "other points")
    idx, _ = search.top_k(X, X, k, metric="cosine", exclude_self=True)
    return np.bincount(idx.ravel(), minlength=X.shape[0])


def skewness(values) -> float:
    """Sample skewness (third standardised moment) of a 1-D array.

    Parameters
    ----------
    values : array_like, shape (n,), n >= 3

    Returns
    -------
    float (0 for a constant array)

    Examples
    --------
    >>> skewness([1, 2, 3])
    0.0
    """
    v = checks.as_matrix(values, "values", ndim=1, dtype=np.float64)
    if v.size < 3:
        raise ValueError(f"skewness needs a 1-D array of at least 3 values; got shape {v.shape}")
    s = v.std()
    if s == 0:
        return 0.0
    return float(((v - v.mean()) ** 3).mean() / s ** 3)


def csls_scores(Q, D, k: int = 10) -> np.ndarray:
    """Cross-domain similarity local scaling (Conneau et al., 2018).

    ``CSLS(q, x) = 2 cos(q, x) - r_D(q) - r_Q(x)``, where ``r_D(q)`` is the mean cosine of
    ``q`` to its ``k`` nearest rows of ``D`` and ``r_Q(x)`` that of ``x`` to its ``k`` nearest
    rows of ``Q``. Hubs (high ``r_Q``) are penalised.

    Parameters
    ----------
    Q : array_like, shape (n_Q, d)
    D : array_like, shape (n_D, d)
    k : int, at most ``min(n_Q, n_D)``

    Returns
    -------
    ndarray of float64, shape (n_Q, n_D)
    """
    Q, D = matrix(Q, "Q"), matrix(D, "D")
    checks.same_dim(Q, D, ("Q", "D"))
    checks.check_k(k, min(len(Q), len(D)), "rows")
    S = unit_rows(Q, "Q") @ unit_rows(D, "D").T
    rq = -np.sort(-S, axis=1)[:, :k].mean(1)
    rd = -np.sort(-S, axis=0)[:k].mean(0)
    return 2 * S - rq[:, None] - rd[None, :]


def csls_top_k(X, k: int = 10, k_csls: int = 10) -> np.ndarray:
    """Nearest neighbours within one set by CSLS instead of cosine (self excluded).

    For one query ``q`` the term ``r(q)`` is a constant, so ranking by CSLS is ranking by
    ``2 cos(q, x) - r(x)``: an inner-product search of ``[2 u_q, 1]`` against ``[u_x, -r(x)]``,
    which :func:`lib.search.top_k` does in blocks.

    Parameters
    ----------
    X : array_like, shape (n, d), n >= 2
    k : int
        Neighbours per row, ``1 <= k < n``.
    k_csls : int
        Neighbours that define each row's local density ``r``, ``1 <= k_csls < n``.

    Returns
    -------
    ndarray of int64, shape (n, k)

    Examples
    --------
    >>> csls_top_k(np.eye(4) + 0.1, 2, 2).shape
    (4, 2)
    """
    X = matrix(X, min_rows=2)
    checks.check_k(k, X.shape[0] - 1, "other points")
    checks.check_k(k_csls, X.shape[0] - 1, "other points")
    U = unit_rows(X)
    _, near = search.top_k(U, U, k_csls, exclude_self=True)
    r = near.mean(1, dtype=np.float64)
    queries = np.hstack([2 * U, np.ones((len(U), 1))])
    docs = np.hstack([U, -r[:, None]])
    idx, _ = search.top_k(queries, docs, k, metric="dot", exclude_self=True)
    return idx
