"""Checks and helpers shared by the evaluations (private)."""
from __future__ import annotations


import numpy as np
from scipy.stats import rankdata

from .. import checks, linalg
from ..stats import bootstrap

__all__ = []


def _table(emb) -> tuple[dict, np.ndarray]:
    if not (hasattr(emb, "key_to_index") and hasattr(emb, "vectors")):
        raise TypeError(f"expected KeyedVectors-like embeddings (key_to_index, vectors); got {type(emb).__name__}")
    vecs = checks.as_matrix(emb.vectors, "embedding vectors")
    vocab = emb.key_to_index
    top = max(vocab.values(), default=0)
    if top >= len(vecs):
        raise ValueError(f"the embedding's key_to_index points at row {top} but vectors has {len(vecs)} rows")
    return vocab, vecs


def _dataset(dataset, attributes: tuple[str, ...], kind: str):
    missing = [a for a in attributes if not hasattr(dataset, a)]
    if missing:
        raise TypeError(f"dataset must be a {kind} (with {', '.join(attributes)}); got {type(dataset).__name__}")
    return dataset


def _unit(x: np.ndarray) -> np.ndarray:
    return linalg.unit(x, name="embedding vectors")


def _spearman_rows(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Spearman's rho of each row of ``a`` with the same row of ``b`` (shape (n_rows, n)): Pearson's r of
    their average ranks, as scipy computes it; NaN for a row that is constant in either."""
    ra, rb = rankdata(a, axis=-1), rankdata(b, axis=-1)
    ra -= ra.mean(-1, keepdims=True)
    rb -= rb.mean(-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        rho = (ra * rb).sum(-1) / np.sqrt((ra * ra).sum(-1) * (rb * rb).sum(-1))
    constant = (np.ptp(a, axis=-1) == 0) | (np.ptp(b, axis=-1) == 0)
    return np.where(constant, np.nan, np.clip(rho, -1.0, 1.0))
