"""Checks and helpers shared by the evaluations (private)."""
from __future__ import annotations


import numpy as np
from scipy.stats import spearmanr

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


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    # NaN for a constant resample without scipy's warning: bootstrap counts and reports those
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)
