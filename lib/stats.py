"""Uncertainty for evaluation numbers: bootstrap intervals and paired comparisons.

Benchmarks such as WordSim-353 are small; a difference of 0.02 in Spearman correlation
between two embeddings is often noise. These helpers resample the *items* of a test
set (word pairs, questions, queries) to put an interval on a score.
"""
from __future__ import annotations

import numbers
import warnings
from statistics import NormalDist
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import checks

__all__ = ["Estimate", "MIN_BOOT", "bootstrap", "half_sample", "mean_ci", "paired_difference"]

#: Fewest resamples accepted for an interval. A 95% percentile interval reads its bounds off
#: the 2.5% tails; with fewer than 100 resamples each tail holds two replicates or fewer, so the
#: bounds are the extreme replicates and change wholesale with the seed (with one resample the
#: "interval" can even exclude the estimate). ``n_boot=0`` in the evaluation functions means "no
#: interval"; anything between 1 and 99 is refused rather than silently unreliable.
MIN_BOOT = 100


@dataclass(frozen=True)
class Estimate:
    """A score with a bootstrap confidence interval.

    Attributes
    ----------
    value : float
        The statistic on the full data.
    low, high : float
        The interval's bounds.
    level : float
        Its nominal coverage (0.95 for a 95% interval).

    Examples
    --------
    >>> print(Estimate(0.5, 0.4, 0.6))
    0.500 [0.400, 0.600]
    """

    value: float
    low: float
    high: float
    level: float = 0.95

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def round(self, ndigits: int = 3) -> "Estimate":
        """The same estimate with ``value``, ``low`` and ``high`` rounded to ``ndigits`` decimals.

        Parameters
        ----------
        ndigits : int
            Decimals kept (``>= 0``).

        Returns
        -------
        Estimate

        Examples
        --------
        >>> Estimate(0.12345, 0.1, 0.2).round(2).value
        0.12
        """
        ndigits = checks.integer(ndigits, "ndigits", lo=0)
        return Estimate(round(self.value, ndigits), round(self.low, ndigits), round(self.high, ndigits), self.level)


_BLOCK_ITEMS = 1 << 22                # bootstrap(vectorized=True): indices drawn at once (32 MB of int64)


def _rows(statistic, idx: np.ndarray) -> np.ndarray:
    """A vectorised statistic on a block of resamples: one float per row, checked."""
    out = np.asarray(statistic(idx), dtype=float)
    if out.shape != (len(idx),):
        raise ValueError(f"a vectorized statistic must return one value per resample, shape ({len(idx)},); "
                         f"got shape {out.shape}")
    return out


def _scalar(value, what: str) -> float:
    """``value`` as a float if it is a real scalar (a Python or numpy number, or a 0-d array)."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Real, np.integer, np.floating)):
        raise TypeError(f"the statistic must return a float; {what} it returned {type(value).__name__} {value!r:.60}")
    return float(value)


def bootstrap(statistic: Callable[[np.ndarray], float], n_items: int, n_boot: int = 1000,
              level: float = 0.95, seed: int = 0, vectorized: bool = False) -> Estimate:
    """Percentile bootstrap interval of ``statistic(indices)`` over ``n_items`` test items.

    Parameters
    ----------
    statistic : callable
        Takes an integer index array of shape ``(n_items,)`` (a resample of ``range(n_items)``)
        and returns a float. It must be finite on the full data. With ``vectorized``, it takes
        a block of resamples, shape ``(n_resamples, n_items)``, and returns one value per row.
    n_items : int
        Size of the test set, at least 2.
    n_boot : int
        Number of resamples, at least :data:`MIN_BOOT` (100).
    level : float
        Coverage of the interval, strictly between 0 and 1 (e.g. 0.95).
    seed : int
        Seed of the resampling; the same seed gives the same interval.
    vectorized : bool
        Call ``statistic`` on blocks of resamples (at most about 4M indices at once) instead of one
        resample at a time. The resamples are the same, drawn from the same stream, so the
        interval is the same; only the Python loop goes.

    Returns
    -------
    Estimate
        ``value`` is the statistic on the full data; ``low`` and ``high`` the percentile bounds
        of the finite replicates (a warning says how many replicates were not finite; fewer
        than half finite is an error).

    Examples
    --------
    >>> v = np.r_[np.ones(7), np.zeros(3)]
    >>> est = bootstrap(lambda idx: v[idx].mean(), 10, n_boot=200)
    >>> est.value, est.low <= 0.7 <= est.high
    (0.7, True)
    >>> bootstrap(lambda idx: v[idx].mean(-1), 10, n_boot=200, vectorized=True) == est
    True
    """
    if not callable(statistic):
        raise TypeError(f"statistic must be a callable taking an index array; got {type(statistic).__name__}")
    n_items = checks.integer(n_items, "n_items")
    if n_items < 2:
        raise ValueError(f"need at least 2 items to bootstrap; got n_items={n_items}")
    n_boot = checks.integer(n_boot, "n_boot")
    if n_boot < MIN_BOOT:
        raise ValueError(f"n_boot must be a positive integer of at least {MIN_BOOT} for an interval; got {n_boot} "
                         "(fewer resamples leave the 2.5% tails with one or two replicates)")
    level = checks.number(level, "level", 0, 1, lo_open=True, hi_open=True)
    rng = np.random.default_rng(seed)
    if vectorized:
        full = _scalar(_rows(statistic, np.arange(n_items)[None, :])[0], "on the full data")
    else:
        full = _scalar(statistic(np.arange(n_items)), "on the full data")
    if not np.isfinite(full):
        raise ValueError(f"the statistic is {full} on the full data; an interval around it would mean nothing")
    if vectorized:
        block = max(1, _BLOCK_ITEMS // n_items)
        reps = np.concatenate([_rows(statistic, rng.integers(0, n_items, (min(block, n_boot - start), n_items)))
                               for start in range(0, n_boot, block)])
    else:
        reps = np.array([_scalar(statistic(rng.integers(0, n_items, n_items)), "on a resample")
                         for _ in range(n_boot)], dtype=float)
    finite = np.isfinite(reps)
    if not finite.any():
        raise ValueError(f"every one of the {n_boot} bootstrap replicates was NaN or infinite")
    if finite.sum() < max(1, n_boot // 2):
        raise ValueError(f"only {int(finite.sum())} of {n_boot} bootstrap replicates gave a finite statistic; "
                         "the interval would rest on too few")
    if not finite.all():
        warnings.warn(f"{int((~finite).sum())} of {n_boot} bootstrap replicates were not finite and were left out "
                      "of the interval", RuntimeWarning, stacklevel=2)
    reps = reps[finite]
    alpha = (1 - level) / 2
    return Estimate(full, float(np.quantile(reps, alpha)), float(np.quantile(reps, 1 - alpha)), level)


def half_sample(statistic: Callable[[np.ndarray], float], n_items: int, n_draws: int = 200,
                level: float = 0.95, seed: int = 0) -> Estimate:
    """Normal interval from half-samples, for statistics that resampling with replacement biases.

    A bootstrap resample repeats items, and some statistics move with the number of *distinct* items
    rather than with their weights: the effective rank or the dimension of a point cloud falls when rows
    are duplicated, so every replicate sits below the full-data value and the percentile interval
    excludes it. Half-samples have no duplicates, and the variance of a statistic over random halves
    (drawn without replacement) estimates its variance at the full size (McCarthy's half-sampling: for a
    mean, ``var(half) = sigma^2 / (n/2) * (1 - 1/2) = sigma^2 / n``); the interval is the full-data value
    plus or minus ``z`` standard errors.

    Parameters
    ----------
    statistic : callable
        Takes a sorted integer index array (a subset of ``range(n_items)``) and returns a float.
    n_items : int
        At least 4.
    n_draws : int
        Random halves, at least :data:`MIN_BOOT`.
    level : float
        Coverage, strictly between 0 and 1.
    seed : int

    Returns
    -------
    Estimate
        ``value`` on the full data; ``low``, ``high`` = value -+ z * sd(half-sample values).

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((200, 5))
    >>> est = half_sample(lambda i: float(np.linalg.matrix_rank(X[i])), 200, n_draws=100)
    >>> est.value, est.low, est.high
    (5.0, 5.0, 5.0)
    """
    if not callable(statistic):
        raise TypeError(f"statistic must be a callable taking an index array; got {type(statistic).__name__}")
    n_items = checks.integer(n_items, "n_items")
    if n_items < 4:
        raise ValueError(f"need at least 4 items to split into halves; got n_items={n_items}")
    n_draws = checks.integer(n_draws, "n_draws")
    if n_draws < MIN_BOOT:
        raise ValueError(f"n_draws must be at least {MIN_BOOT}; got {n_draws}")
    level = checks.number(level, "level", 0, 1, lo_open=True, hi_open=True)
    full = _scalar(statistic(np.arange(n_items)), "on the full data")
    if not np.isfinite(full):
        raise ValueError(f"the statistic is {full} on the full data; an interval around it would mean nothing")
    rng = np.random.default_rng(seed)
    reps = np.array([_scalar(statistic(np.sort(rng.permutation(n_items)[:n_items // 2])), "on a half-sample")
                     for _ in range(n_draws)], dtype=float)
    if not np.isfinite(reps).all():
        raise ValueError(f"{int((~np.isfinite(reps)).sum())} of {n_draws} half-sample values were not finite")
    z = NormalDist().inv_cdf(0.5 + level / 2)
    se = float(reps.std(ddof=1))
    return Estimate(full, full - z * se, full + z * se, level)


def mean_ci(values, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> Estimate:
    """Bootstrap interval of the mean of per-item values (accuracies, reciprocal ranks...).

    Parameters
    ----------
    values : array_like of float, shape (n_items,)
        One finite value per test item.
    n_boot, level, seed
        As in :func:`bootstrap`.

    Returns
    -------
    Estimate

    Examples
    --------
    >>> mean_ci([1.0, 0.0, 1.0, 1.0], n_boot=100).value
    0.75
    """
    v = checks.as_matrix(values, "values", ndim=1, dtype=np.float64)
    return bootstrap(lambda idx: v[idx].mean(-1), v.size, n_boot, level, seed, vectorized=True)


def paired_difference(values_a, values_b, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> Estimate:
    """Interval on ``mean(a) - mean(b)`` for two systems scored on the same items.

    If the interval excludes 0 the difference is unlikely to be resampling noise.

    Parameters
    ----------
    values_a, values_b : array_like of float, shape (n_items,)
        Per-item scores of the two systems, item ``i`` the same in both.
    n_boot, level, seed
        As in :func:`bootstrap`.

    Returns
    -------
    Estimate
        Of the mean difference ``a - b``.

    Examples
    --------
    >>> paired_difference([1.0, 1.0, 0.0], [0.0, 1.0, 0.0], n_boot=100).value
    0.3333333333333333
    """
    a = checks.as_matrix(values_a, "values_a", ndim=1, dtype=np.float64)
    b = checks.as_matrix(values_b, "values_b", ndim=1, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}; scores must be on the same items")
    return mean_ci(a - b, n_boot, level, seed)
