"""Counting top-2 sets: which pairs inner-product search can return, and the paper's fitted curve.

* :func:`top2_subsets_reachable` counts, by brute force, which top-2 sets random query
  directions reach over given document vectors;
* :func:`all_pairs_qrels` is the relevance matrix of every top-2 subset;
* :func:`paper_critical_n` is Weller et al.'s (2025) cubic fit of the critical ``n``.
"""
from __future__ import annotations

import itertools

import numpy as np

from .. import checks

__all__ = ["top2_subsets_reachable", "all_pairs_qrels", "PAPER_FIT", "paper_critical_n"]


def top2_subsets_reachable(docs, n_directions: int = 20000, seed: int = 0) -> set:
    """The top-2 sets that inner-product search over ``docs`` returns for random query directions.

    A brute-force count for small examples: the queries are ``n_directions`` standard normal
    vectors (random directions); each contributes the sorted pair of its two best documents.

    Parameters
    ----------
    docs : array_like, shape (n, d)
        Document vectors, ``n >= 2``.
    n_directions : int
        Random queries to try.
    seed : int

    Returns
    -------
    set of tuple of (int, int)
        The distinct top-2 sets found, each as ``(i, j)`` with ``i < j``.

    Examples
    --------
    >>> square = [[1, 0], [0, 1], [-1, 0], [0, -1]]
    >>> sorted(top2_subsets_reachable(square, 2000))     # neighbours on the circle only
    [(0, 1), (0, 3), (1, 2), (2, 3)]
    """
    D = checks.as_matrix(docs, "docs", dtype=np.float64)
    if D.shape[0] < 2:
        raise ValueError(f"need at least 2 documents; got {D.shape[0]}")
    n_directions = checks.integer(n_directions, "n_directions", lo=1)
    rng = np.random.default_rng(seed)
    Q = rng.standard_normal((n_directions, D.shape[1]))
    top = np.argsort(-(Q @ D.T), axis=1)[:, :2]
    return {tuple(sorted(map(int, r))) for r in top}


def all_pairs_qrels(n: int) -> np.ndarray:
    """The relevance matrix of all ``C(n, 2)`` top-2 subsets of ``n`` documents.

    Parameters
    ----------
    n : int
        Documents, at least 3.

    Returns
    -------
    ndarray of bool, shape (C(n, 2), n)
        Row ``i`` marks the two documents of the ``i``-th pair of ``itertools.combinations``.

    Examples
    --------
    >>> all_pairs_qrels(3).astype(int).tolist()
    [[1, 1, 0], [1, 0, 1], [0, 1, 1]]
    """
    n = checks.integer(n, "n", lo=3)
    pairs = np.array(list(itertools.combinations(range(n), 2)))
    R = np.zeros((len(pairs), n), dtype=bool)
    R[np.arange(len(pairs))[:, None], pairs] = True
    return R


#: Coefficients ``(c0, c1, c2, c3)`` of the paper's cubic fit of the critical ``n``.
PAPER_FIT = (-10.5322, 4.0309, 0.0520, 0.0037)


def paper_critical_n(d) -> np.ndarray:
    """The cubic fit of the critical ``n`` reported by Weller et al. (2025).

    Parameters
    ----------
    d : float or array_like
        Dimensions.

    Returns
    -------
    ndarray of float64, the shape of ``d``
        ``c0 + c1 d + c2 d^2 + c3 d^3`` with :data:`PAPER_FIT`.

    Examples
    --------
    >>> round(float(paper_critical_n(16)), 1)
    82.4
    """
    d = np.asarray(d, dtype=float)
    c0, c1, c2, c3 = PAPER_FIT
    return c0 + c1 * d + c2 * d ** 2 + c3 * d ** 3
