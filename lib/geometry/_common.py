"""Input checks the geometry modules share (private)."""
from __future__ import annotations

import numpy as np

from .. import checks, linalg


def matrix(X, name: str = "X", min_rows: int = 1) -> np.ndarray:
    """``X`` as a finite float64 matrix with at least ``min_rows`` rows; else a ``ValueError`` naming it."""
    X = checks.as_matrix(X, name, dtype=np.float64)
    if X.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows; got {X.shape[0]}")
    return X


def unit_rows(X, name: str = "X") -> np.ndarray:
    """Unit rows in float64; a zero row raises (its cosine is undefined)."""
    return linalg.unit(X, zero="raise", name=name, dtype=np.float64)


def direction(v, name: str, d: int) -> np.ndarray:
    """``v`` as a unit vector of length ``d``; a zero vector or a wrong length raises."""
    v = checks.as_matrix(v, name, ndim=1, dtype=np.float64)
    if v.shape[0] != d:
        raise ValueError(f"dimension mismatch: {name} has d={v.shape[0]} but the vectors have d={d}")
    return unit_rows(v, name)[0]
