"""Dimension and rank: how many directions an embedding space really uses.

:func:`pca_spectrum` (a reading of :class:`lib.linalg.PCA`), :func:`effective_rank` (RankMe),
the intrinsic-dimension estimators :func:`twonn` and :func:`mle_dimension`, and the
Johnson-Lindenstrauss tools :func:`random_projection`, :func:`distance_ratios`,
:func:`max_abs_cosine`.
"""
from __future__ import annotations

import numpy as np

from .. import checks, linalg
from ._common import matrix, unit_rows

__all__ = ["pca_spectrum", "effective_rank", "twonn", "mle_dimension", "random_projection",
           "distance_ratios", "max_abs_cosine"]


def pca_spectrum(X, center: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Singular values and principal directions of ``X`` (centred by default).

    The reading of :class:`lib.linalg.PCA` that Part IV plots: all ``min(n, d)`` directions.

    Parameters
    ----------
    X : array_like, shape (n, d), n >= 2, not constant
    center : bool

    Returns
    -------
    s : ndarray, shape (min(n, d),)
        Singular values, descending. ``s**2 / sum(s**2)`` is the explained-variance ratio.
    V : ndarray, shape (min(n, d), d)
        Principal directions, one per row (signs by :func:`lib.linalg.svd_flip`).

    Examples
    --------
    >>> s, V = pca_spectrum(np.random.default_rng(0).standard_normal((50, 3)) * [3, 1, 0.1])
    >>> s.shape, V.shape, bool(s[0] > s[1] > s[2])
    ((3,), (3, 3), True)
    """
    pca = linalg.PCA(center=center).fit(matrix(X))
    return pca.singular_values_, pca.components_


def effective_rank(X, center: bool = False, eps: float = 1e-12) -> float:
    """RankMe effective rank: ``exp(H(p))`` with ``p_i = s_i / sum(s)`` over singular values.

    Between 1 (one direction) and ``min(n, d)`` (all singular values equal).
    Garrido et al. (2023) compute it on the uncentred embedding matrix (``center=False``).

    Parameters
    ----------
    X : array_like, shape (n, d), not all zero
    center : bool
    eps : float
        Added to each ``p_i`` so that ``log(0)`` never occurs.

    Returns
    -------
    float in [1, min(n, d)]

    Examples
    --------
    >>> round(effective_rank(np.eye(4)), 6)
    4.0
    """
    X = matrix(X)
    if center:
        X = X - X.mean(0)
    s = np.linalg.svd(X, compute_uv=False)
    if s.sum() <= 0:
        raise ValueError("X is all zeros; its rank is 0")
    p = s / s.sum() + eps
    return float(np.exp(-(p * np.log(p)).sum()))


def _knn_distances(X: np.ndarray, k: int) -> np.ndarray:
    """Euclidean distances to the k nearest other rows, ascending, shape (n, k)."""
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=k + 1).fit(X)
    dist, _ = nn.kneighbors(X)
    return dist[:, 1:]


def _no_duplicates(r1: np.ndarray) -> None:
    if np.any(r1 <= 0):
        raise ValueError(f"X has {int((r1 <= 0).sum())} duplicate points; remove them first")


def twonn(X, discard_fraction: float = 0.1) -> float:
    """TwoNN intrinsic dimension (Facco et al., 2017).

    With ``mu = r2 / r1`` (ratio of the distances to the second and first neighbour),
    ``-log(1 - F(mu)) = d log(mu)``; ``d`` is the slope through the origin of that line,
    fitted after discarding the largest ``discard_fraction`` of the ``mu`` values.

    Parameters
    ----------
    X : array_like, shape (n, d), n >= 3, distinct rows
    discard_fraction : float in [0, 1)

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On fewer than 3 points or duplicate points (``r1 = 0``).
    """
    X = matrix(X, min_rows=3)
    discard_fraction = checks.number(discard_fraction, "discard_fraction", lo=0, hi=1, hi_open=True)
    r = _knn_distances(X, 2)
    _no_duplicates(r[:, 0])
    mu = np.sort(r[:, 1] / r[:, 0])
    n = len(mu)
    F = np.arange(1, n + 1) / n
    keep = int(np.floor(n * (1 - discard_fraction)))
    keep = min(max(keep, 2), n - 1)                    # F = 1 at the last point: log(0)
    x, y = np.log(mu[:keep]), -np.log(1 - F[:keep])
    return float((x @ y) / (x @ x))


def mle_dimension(X, k: int = 20, local: bool = False):
    """Levina-Bickel maximum-likelihood intrinsic dimension from ``k`` nearest neighbours.

    Per point ``m_k(x) = [ (1/(k-1)) sum_{j<k} log(T_k / T_j) ]^{-1}``; the global estimate
    averages the inverses (MacKay & Ghahramani's correction) and inverts.

    Parameters
    ----------
    X : array_like, shape (n, d), n >= 3, distinct rows
    k : int
        Neighbours per point, ``2 <= k < n``.
    local : bool
        Return the per-point estimates instead of one number.

    Returns
    -------
    float, or ndarray of shape (n,) when ``local``
    """
    X = matrix(X, min_rows=3)
    checks.integer(k, "k", lo=2)
    checks.check_k(k, X.shape[0] - 1, "other points")
    T = _knn_distances(X, k)
    _no_duplicates(T[:, 0])
    inv = np.log(T[:, -1:] / T[:, :-1]).sum(1) / (k - 1)   # 1 / m_k(x)
    if local:
        return 1.0 / inv
    return float(1.0 / inv.mean())


def random_projection(X, k: int, seed: int = 0) -> np.ndarray:
    """Project rows onto ``k`` Gaussian random directions scaled by ``1/sqrt(k)`` (Johnson-Lindenstrauss).

    Parameters
    ----------
    X : array_like, shape (n, d)
    k : int, at least 1
    seed : int

    Returns
    -------
    ndarray of float64, shape (n, k)

    Examples
    --------
    >>> random_projection(np.ones((3, 10)), 4).shape
    (3, 4)
    """
    X = matrix(X)
    k = checks.integer(k, "k", lo=1)
    R = np.random.default_rng(seed).standard_normal((X.shape[1], k)) / np.sqrt(k)
    return X @ R


def distance_ratios(X, Y) -> np.ndarray:
    """``|y_i - y_j| / |x_i - x_j|`` for every pair ``i < j`` (how a map distorts distances).

    Parameters
    ----------
    X, Y : array_like, shape (n, d_X) and (n, d_Y), n >= 2
        The same points before and after the map; ``X`` without duplicate rows.

    Returns
    -------
    ndarray of float64, shape (n * (n - 1) / 2,)

    Examples
    --------
    >>> distance_ratios([[0.0, 0], [3, 4]], [[0.0, 0], [6, 8]]).tolist()
    [2.0]
    """
    from scipy.spatial.distance import pdist

    X, Y = matrix(X, "X", 2), matrix(Y, "Y", 2)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"shape mismatch: X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    dx, dy = pdist(X), pdist(Y)
    if np.any(dx == 0):
        raise ValueError("X has duplicate rows (a zero distance)")
    return dy / dx


def max_abs_cosine(n: int, d: int, seed: int = 0) -> float:
    """Largest ``|cos|`` among ``n`` random Gaussian directions in ``d`` dimensions.

    Parameters
    ----------
    n : int, at least 2
    d : int, at least 1
    seed : int

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> max_abs_cosine(2, 1)
    1.0
    """
    n, d = checks.integer(n, "n", lo=2), checks.integer(d, "d", lo=1)
    U = unit_rows(np.random.default_rng(seed).standard_normal((n, d)))
    G = np.abs(U @ U.T)
    np.fill_diagonal(G, 0)
    return float(G.max())
