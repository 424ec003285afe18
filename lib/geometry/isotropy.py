"""Isotropy: how far a cloud of vectors is from pointing equally in every direction.

:func:`mean_cosine` (the mean cosine of random pairs, Ethayarajh's anisotropy baseline),
:func:`partition_isotropy` (Mu & Viswanath's ``I``), :func:`rogue_dimensions` (Timkey & van
Schijndel's per-coordinate shares). The post-processings that remove anisotropy are
:class:`lib.linalg.AllButTheTop` and :class:`lib.linalg.Whitening` (re-exported by
:mod:`lib.geometry`).
"""
from __future__ import annotations

import numpy as np

from .. import linalg
from ._common import matrix, unit_rows

__all__ = ["mean_cosine", "partition_isotropy", "rogue_dimensions"]


def _pair_products(X, n_pairs, seed, groups) -> np.ndarray:
    """``u_i * v_i`` (coordinate-wise) of unit rows for random pairs of distinct rows; shape (m, d)."""
    X = matrix(X, min_rows=2)
    i, j = linalg.random_pairs(len(X), n_pairs, seed, groups)
    U = unit_rows(X)
    return U[i] * U[j]


def mean_cosine(X, n_pairs: int = 20000, seed: int = 0, groups=None) -> float:
    """Average cosine similarity of random pairs of distinct rows (0 for an isotropic cloud).

    For the contextual vectors of random words in random contexts this is Ethayarajh's
    anisotropy baseline.

    Parameters
    ----------
    X : array_like, shape (n, d), n >= 2
        No zero rows (a zero vector has no cosine).
    n_pairs : int
        Random pairs drawn (with replacement) by :func:`lib.linalg.random_pairs`, at least 1.
    seed : int
    groups : array_like, shape (n,), optional
        Skip pairs of two rows in the same group (the same word, say).

    Returns
    -------
    float in [-1, 1]

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> round(mean_cosine(rng.standard_normal((500, 20)) + 3), 2)
    0.9
    >>> mean_cosine(np.ones((4, 2)), n_pairs=2.5)
    Traceback (most recent call last):
    ...
    ValueError: n_pairs must be an integer; got 2.5
    """
    return float(_pair_products(X, n_pairs, seed, groups).sum(1).mean())


def partition_isotropy(X) -> float:
    """Mu & Viswanath's isotropy ``min_c Z(c) / max_c Z(c)`` with ``Z(c) = sum_w exp(c . w)``.

    ``c`` ranges over the eigenvectors of ``X^T X`` (unit vectors), as in the paper. The
    value is 1 for a perfectly isotropic set and near 0 when one direction dominates.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Not all zero (the measure is undefined there: every ``Z(c)`` would be ``n``).

    Returns
    -------
    float in (0, 1]

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((2000, 3)) * 0.1
    >>> partition_isotropy(X) > 0.9, partition_isotropy(X + 3) < 0.01
    (True, True)
    """
    X = matrix(X)
    if not np.any(X):
        raise ValueError("X is all zeros: it has no directions, so its isotropy is undefined")
    _, vecs = np.linalg.eigh(X.T @ X)
    logits = X @ vecs                                   # (n, d): c . w for each eigenvector c
    m = logits.max()
    logZ = m + np.log(np.exp(logits - m).sum(0))        # log Z(c), stable
    return float(np.exp(logZ.min() - logZ.max()))


def rogue_dimensions(X, n_pairs: int = 20000, seed: int = 0) -> np.ndarray:
    """Each coordinate's share of the expected cosine similarity (Timkey & van Schijndel, 2021).

    ``cos(u, v) = sum_i u_i v_i / (|u| |v|)``, so the mean cosine of random pairs splits into
    ``d`` terms ``CC_i = E[u_i v_i / (|u| |v|)]``. A "rogue" dimension is one whose term is a
    large share of the total.

    Parameters
    ----------
    X : array_like, shape (n, d), n >= 2
    n_pairs : int
        At least 1; the pairs are those :func:`mean_cosine` draws with the same ``seed``.
    seed : int

    Returns
    -------
    ndarray of float64, shape (d,)
        ``CC_i``; their sum is :func:`mean_cosine` for the same pairs.

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((300, 4))
    >>> X[:, 2] += 3
    >>> int(rogue_dimensions(X).argmax())
    2
    """
    return _pair_products(X, n_pairs, seed, None).mean(0)
