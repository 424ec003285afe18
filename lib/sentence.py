"""Sentence vectors from word vectors: Arora et al.'s smooth inverse frequency (SIF).

:func:`wikipedia_word_counts` gives the word frequencies (cached), :func:`sif_weights` the
weights ``a / (a + p(w))``, :func:`sif_average` the weighted averages, and :class:`SIF` the whole
method with its common-component removal fitted on one set of texts and applied to any other.
The other post-processings of sentence vectors (whitening, all-but-the-top) are
:class:`lib.linalg.Whitening` and :class:`lib.linalg.AllButTheTop`.
"""
from __future__ import annotations

from collections import Counter
from typing import Sequence

import numpy as np

from . import cache, checks, linalg
from .data import tokenize, wikipedia

__all__ = ["wikipedia_word_counts", "sif_weights", "sif_average", "SIF"]


def wikipedia_word_counts() -> dict:
    """Token counts of the Wikipedia sample (lowercased), for SIF weights (cached).

    Parameters
    ----------
    None

    Returns
    -------
    dict of str -> int
    """
    return cache.cached_object("wikipedia-counts", {"v": 1},
                               lambda: dict(Counter(w for d in wikipedia().tokens() for w in d)))


def _counts_total(counts) -> float:
    if not isinstance(counts, dict):
        raise TypeError(f"counts must be a dict word -> count; got {type(counts).__name__}")
    total = float(sum(counts.values()))
    if total <= 0:
        raise ValueError("counts is empty (or sums to zero)")
    return total


def sif_weights(words: Sequence[str], counts: dict, a: float = 1e-3) -> np.ndarray:
    """SIF weights ``a / (a + p(w))`` with ``p(w)`` the word's relative frequency in ``counts``.

    Parameters
    ----------
    words : sequence of str
    counts : dict of str -> int
    a : float, > 0

    Returns
    -------
    ndarray of float64, shape (len(words),)
        Unseen words get ``p = 0`` and weight 1.

    Examples
    --------
    >>> sif_weights(["the", "zebra"], {"the": 999, "cat": 1}, a=1e-3).round(4).tolist()
    [0.001, 1.0]
    """
    a = checks.number(a, "a", lo=0, lo_open=True)
    total = _counts_total(counts)
    return np.array([a / (a + counts.get(w, 0) / total) for w in words])


def sif_average(emb, texts: Sequence[str], counts: dict, a: float = 1e-3) -> np.ndarray:
    """SIF-weighted average of the in-vocabulary word vectors of each text (no component removed).

    ``(1 / |s|) sum_w a / (a + p(w)) v_w`` over the known words ``w`` of text ``s``.

    Parameters
    ----------
    emb : KeyedVectors-like
    texts : list of str
    counts : dict of str -> int
    a : float, > 0

    Returns
    -------
    ndarray of float64, shape (n_texts, d)
        Zero for a text with no known word.
    """
    if not (hasattr(emb, "key_to_index") and hasattr(emb, "vectors")):
        raise TypeError(f"emb must be KeyedVectors-like (key_to_index, vectors); got {type(emb).__name__}")
    texts = checks.texts(texts)
    vocab, vecs = emb.key_to_index, checks.as_matrix(emb.vectors, "emb.vectors")
    X = np.zeros((len(texts), vecs.shape[1]))
    for i, t in enumerate(texts):
        toks = [w for w in tokenize(t) if w in vocab]
        if toks:
            X[i] = sif_weights(toks, counts, a) @ vecs[[vocab[w] for w in toks]] / len(toks)
    return X


class SIF:
    """Arora et al.'s SIF sentence vectors: weighted averages minus their common components.

    ``fit(texts)`` finds the top ``n_components`` directions of the uncentred weighted averages
    (:class:`lib.linalg.PCA` with ``center=False``); ``transform(texts)`` removes each text's
    projection on them.

    Parameters
    ----------
    emb : KeyedVectors-like
    counts : dict of str -> int
        Word frequencies for the weights (:func:`wikipedia_word_counts`).
    a : float, > 0
    n_components : int, at least 0
        Common directions to remove (the paper removes 1).

    Attributes
    ----------
    components_ : ndarray, shape (n_components, d)

    Examples
    --------
    >>> from lib.models import keyed_vectors
    >>> kv = keyed_vectors(["a", "b", "c"], np.array([[1.0, 0.2], [1.0, -0.1], [0.9, 0.0]]))
    >>> sif = SIF(kv, {"a": 5, "b": 3, "c": 1}).fit(["a b", "b c", "a c"])
    >>> sif.transform(["a b c"]).shape
    (1, 2)
    """

    def __init__(self, emb, counts: dict, a: float = 1e-3, n_components: int = 1):
        self.emb = emb
        self.counts = counts
        self.a = a
        self.n_components = n_components

    def _fit(self, X: np.ndarray) -> "SIF":
        k = checks.integer(self.n_components, "n_components", lo=0)
        self.components_ = (linalg.PCA(k, center=False).fit(X).components_ if k
                            else np.zeros((0, X.shape[1])))
        return self

    def _remove(self, X: np.ndarray) -> np.ndarray:
        U = self.components_
        return (X - X @ U.T @ U).astype(np.float32)

    def fit(self, texts: Sequence[str]) -> "SIF":
        """Find the common directions of the weighted averages of ``texts``; returns ``self``."""
        return self._fit(sif_average(self.emb, texts, self.counts, self.a))

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """SIF vectors of ``texts``: float32, shape ``(n_texts, d)``."""
        checks.fitted(self, "components_")
        return self._remove(sif_average(self.emb, texts, self.counts, self.a))

    def fit_transform(self, texts: Sequence[str]) -> np.ndarray:
        """``fit(texts).transform(texts)``, averaging the texts once."""
        X = sif_average(self.emb, texts, self.counts, self.a)
        return self._fit(X)._remove(X)

    def __repr__(self) -> str:
        return f"SIF(a={self.a}, n_components={self.n_components})"
