"""Defending against the inversion attack, and what the defence costs the embedding's users.

* :func:`add_gaussian_noise` - the simplest defence;
* :func:`same_group_rr` - retrieval quality that needs no labels beyond a grouping (the article of
  each sentence); with :func:`lib.search.neighbour_overlap` (how far the noisy space keeps each
  row's nearest neighbours) it measures what noise costs.
"""
from __future__ import annotations

import numpy as np

from .. import checks
from ..search import top_k

__all__ = ["add_gaussian_noise", "same_group_rr"]


def add_gaussian_noise(X, sigma: float, seed: int = 0) -> np.ndarray:
    """``X + sigma * N(0, I)``, the noise drawn with ``seed``; rows are not renormalised.

    For unit vectors in d dimensions the noise has norm about ``sigma * sqrt(d)``.

    Parameters
    ----------
    X : array_like, shape (n, d)
    sigma : float
        Noise scale per coordinate, ``>= 0``.
    seed : int

    Returns
    -------
    ndarray of float32, shape (n, d)

    Examples
    --------
    >>> add_gaussian_noise(np.ones((2, 3)), 0.0).tolist()
    [[1.0, 1.0, 1.0], [1.0, 1.0, 1.0]]
    """
    X = checks.as_matrix(X, "X")
    sigma = checks.number(sigma, "sigma", lo=0)
    rng = np.random.default_rng(seed)
    return (X + sigma * rng.standard_normal(X.shape)).astype(np.float32)


def same_group_rr(X, groups) -> np.ndarray:
    """For each row of ``X`` as a query (itself excluded), the reciprocal rank of the first other row of its group.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Compared by cosine.
    groups : array_like, shape (n,)
        E.g. the article of each sentence.

    Returns
    -------
    ndarray of float64, shape (n,)
        0 for a query whose group has no other member.

    Examples
    --------
    >>> same_group_rr([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0]], [0, 1, 0]).tolist()
    [0.5, 0.0, 0.5]
    """
    X = checks.as_matrix(X, "X")
    g = np.asarray(groups)
    if g.shape != (X.shape[0],):
        raise ValueError(f"shape mismatch: X has {X.shape[0]} rows but groups has shape {g.shape}")
    if X.shape[0] < 2:
        raise ValueError("need at least 2 rows to retrieve among")
    idx, _ = top_k(X, X, k=X.shape[0] - 1, exclude_self=True)
    hit = g[idx] == g[:, None]
    first = hit.argmax(1)
    return np.where(hit.any(1), 1.0 / (first + 1), 0.0)
