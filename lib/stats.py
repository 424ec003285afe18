"""Uncertainty for evaluation numbers: bootstrap intervals and paired comparisons.

Benchmarks such as WordSim-353 are small; a difference of 0.02 in Spearman correlation
between two embeddings is often noise. These helpers resample the *items* of a test
set (word pairs, questions, queries) to put an interval on a score.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np


@dataclass(frozen=True)
class Estimate:
    """A score with a bootstrap confidence interval."""

    value: float
    low: float
    high: float
    level: float = 0.95

    def __str__(self) -> str:
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"

    def round(self, ndigits: int = 3) -> "Estimate":
        return Estimate(round(self.value, ndigits), round(self.low, ndigits), round(self.high, ndigits), self.level)


def bootstrap(statistic: Callable[[np.ndarray], float], n_items: int, n_boot: int = 1000,
              level: float = 0.95, seed: int = 0) -> Estimate:
    """Percentile bootstrap interval of ``statistic(indices)`` over ``n_items`` test items.

    Parameters
    ----------
    statistic : callable
        Takes an integer index array (a resample of ``range(n_items)``) and returns a float.
    n_items : int
        Size of the test set.
    n_boot : int
        Number of resamples.
    level : float
        Coverage of the interval, e.g. 0.95.
    seed : int
        Seed of the resampling; the same seed gives the same interval.
    """
    if n_items < 2:
        raise ValueError(f"need at least 2 items to bootstrap; got {n_items}")
    if not 0 < level < 1:
        raise ValueError(f"level must be between 0 and 1; got {level}")
    if isinstance(n_items, bool) or not isinstance(n_items, (int, np.integer)):
        raise ValueError(f"n_items must be an integer >= 2; got {n_items!r}")
    if isinstance(n_boot, bool) or not isinstance(n_boot, (int, np.integer)) or n_boot < 1:
        raise ValueError(f"n_boot must be a positive integer; got {n_boot!r}")
    rng = np.random.default_rng(seed)
    full = float(statistic(np.arange(n_items)))
    if not np.isfinite(full):
        raise ValueError(f"the statistic is {full} on the full data; an interval around it would mean nothing")
    reps = np.array([statistic(rng.integers(0, n_items, n_items)) for _ in range(n_boot)], dtype=float)
    reps = reps[np.isfinite(reps)]
    if reps.size < max(1, n_boot // 2):
        raise ValueError(f"only {reps.size} of {n_boot} bootstrap replicates gave a finite statistic; "
                         "the interval would rest on too few")
    alpha = (1 - level) / 2
    return Estimate(full, float(np.quantile(reps, alpha)), float(np.quantile(reps, 1 - alpha)), level)


def mean_ci(values, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> Estimate:
    """Bootstrap interval of the mean of per-item values (accuracies, reciprocal ranks...)."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or v.size == 0:
        raise ValueError(f"values must be a non-empty 1-D array; got shape {v.shape}")
    if not np.isfinite(v).all():
        raise ValueError(f"values contain {int((~np.isfinite(v)).sum())} NaN or infinite entries")
    return bootstrap(lambda idx: v[idx].mean(), v.size, n_boot, level, seed)


def paired_difference(values_a, values_b, n_boot: int = 1000, level: float = 0.95, seed: int = 0) -> Estimate:
    """Interval on ``mean(a) - mean(b)`` for two systems scored on the same items.

    If the interval excludes 0 the difference is unlikely to be resampling noise.
    """
    a, b = np.asarray(values_a, float), np.asarray(values_b, float)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: {a.shape} vs {b.shape}; scores must be on the same items")
    return mean_ci(a - b, n_boot, level, seed)
