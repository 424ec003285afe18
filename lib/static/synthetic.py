"""Arora et al.'s random-walk model: a synthetic corpus from known word vectors, and its counts."""
from __future__ import annotations

import numpy as np

from .. import checks

__all__ = ["random_walk_corpus", "window_counts"]


def random_walk_corpus(vectors, n_tokens: int, rho: float = 0.99, doc_length: int = 1000,
                       seed: int = 0) -> np.ndarray:
    """A synthetic corpus from Arora et al.'s latent-variable (random-walk) model.

    A discourse vector ``c_t`` on the unit sphere drifts slowly (a stationary
    Gaussian AR(1) process with correlation ``rho``, normalised); at each step a word
    is emitted with probability ``p(w | c_t) ∝ exp(<v_w, c_t>)``. Documents of
    ``doc_length`` tokens start from independent discourse vectors.

    Parameters
    ----------
    vectors : ndarray, shape (V, d)
        The true word vectors ``v_w``.
    n_tokens : int >= 1
        Corpus length (rounded up to whole documents).
    rho : float in [0, 1)
        How slowly the discourse drifts (1 would be frozen).
    doc_length : int >= 2
    seed : int

    Returns
    -------
    ndarray of int32, shape (n_docs, doc_length)
        Word ids in ``[0, V)``.

    Examples
    --------
    >>> random_walk_corpus(np.eye(3), 10, doc_length=5).shape
    (2, 5)
    """
    from scipy.signal import lfilter

    V = checks.as_matrix(vectors, "vectors", dtype=np.float64)
    n_tokens = checks.integer(n_tokens, "n_tokens", lo=1)
    doc_length = checks.integer(doc_length, "doc_length", lo=2)
    rho = checks.number(rho, "rho", lo=0, hi=1, hi_open=True)
    n_docs = -(-n_tokens // doc_length)
    rng = np.random.default_rng(checks.integer(seed, "seed", lo=0))
    d = V.shape[1]
    out = np.empty((n_docs, doc_length), dtype=np.int32)
    for i in range(n_docs):
        z = rng.standard_normal((doc_length, d))
        z[0] /= np.sqrt(1 - rho ** 2)                                  # start in the stationary law
        c = lfilter([np.sqrt(1 - rho ** 2)], [1, -rho], z, axis=0)     # AR(1), unit variance
        c /= np.linalg.norm(c, axis=1, keepdims=True)
        logits = c @ V.T
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        cdf = np.cumsum(p, 1)
        u = rng.random(doc_length)[:, None] * cdf[:, -1:]
        out[i] = np.minimum((cdf < u).sum(1), len(V) - 1)
    return out


def window_counts(docs, vocab_size: int, window: int = 5) -> np.ndarray:
    """Dense symmetric co-occurrence counts of integer-coded documents (for small vocabularies).

    Parameters
    ----------
    docs : ndarray of int, shape (n_docs, length)
        Word ids in ``[0, vocab_size)``, e.g. from :func:`random_walk_corpus`.
    vocab_size : int >= 1
    window : int
        Pairs at distance ``1..window`` inside the same document are counted (``window < length``).

    Returns
    -------
    ndarray, shape (vocab_size, vocab_size), float64

    Examples
    --------
    >>> window_counts(np.array([[0, 1, 1]]), 2, window=1).tolist()
    [[0.0, 1.0], [1.0, 2.0]]
    """
    docs = np.asarray(docs)
    vocab_size = checks.integer(vocab_size, "vocab_size", lo=1)
    if docs.ndim != 2 or docs.size == 0:
        raise ValueError(f"docs must be a non-empty 2-D array of word ids; got shape {docs.shape}")
    if not np.issubdtype(docs.dtype, np.integer):
        raise ValueError(f"docs must hold integer word ids; got dtype {docs.dtype}")
    if docs.min() < 0 or docs.max() >= vocab_size:
        raise ValueError(f"word ids must be in [0, {vocab_size}); got range [{docs.min()}, {docs.max()}]")
    window = checks.integer(window, "window")
    if not 1 <= window < docs.shape[1]:
        raise ValueError(f"window must be in [1, {docs.shape[1] - 1}]; got {window}")
    X = np.zeros(vocab_size * vocab_size)
    for d in range(1, window + 1):
        a, b = docs[:, :-d].ravel().astype(np.int64), docs[:, d:].ravel().astype(np.int64)
        X += np.bincount(a * vocab_size + b, minlength=vocab_size * vocab_size)
        X += np.bincount(b * vocab_size + a, minlength=vocab_size * vocab_size)
    return X.reshape(vocab_size, vocab_size)
