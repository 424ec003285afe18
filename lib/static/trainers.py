"""gensim's word2vec and fastText, trained deterministically and cached, and fastText's n-grams."""
from __future__ import annotations

import time

import numpy as np

from .. import cache, checks
from .corpus import check_sentences, corpus_fingerprint

__all__ = ["W2V_DEFAULTS", "FT_DEFAULTS", "train_word2vec", "train_word2vec_many", "word2vec_with_contexts",
           "train_fasttext", "char_ngrams"]

#: gensim ``Word2Vec`` arguments of :func:`train_word2vec` (skip-gram, 50-d, 10 epochs)
W2V_DEFAULTS = dict(vector_size=50, window=5, min_count=5, sg=1, negative=5, sample=1e-3, epochs=10,
                    alpha=0.025, min_alpha=0.0001, hs=0, ns_exponent=0.75)
#: :data:`W2V_DEFAULTS` plus fastText's character n-gram range and hash buckets
FT_DEFAULTS = dict(W2V_DEFAULTS, min_n=3, max_n=6, bucket=200_000)


def _gensim_params(params: dict, defaults: dict) -> dict:
    unknown = set(params) - set(defaults) - {"seed", "workers"}
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)}; allowed: {sorted(defaults)}")
    out = {**defaults, **params}
    out.setdefault("seed", 0)
    out.setdefault("workers", 1)
    return out


def _train_gensim(kind: str, sentences, params: dict):
    from gensim.models import FastText, Word2Vec

    cls = Word2Vec if kind == "word2vec" else FastText
    start = time.perf_counter()
    model = cls(sentences, **params)
    return model, time.perf_counter() - start


def _cached_word_vectors(kind: str, sentences, params: dict, defaults: dict):
    """The cached ``model.wv`` of a gensim trainer, with ``train_seconds`` set."""
    sentences = check_sentences(sentences)
    params = _gensim_params(params, defaults)

    def compute():
        model, seconds = _train_gensim(kind, sentences, params)
        kv = model.wv
        kv.train_seconds = seconds
        return kv

    return cache.cached_object(f"static-{kind}", {"fp": corpus_fingerprint(sentences), **params, "v": 1}, compute)


def train_word2vec(sentences=None, **params):
    """gensim ``Word2Vec`` trained on ``sentences`` (default: the Wikipedia sample), cached.

    Defaults (:data:`W2V_DEFAULTS`): skip-gram, 50 dimensions (as GloVe 6B 50d), window 5,
    5 negatives, sub-sampling 1e-3, 10 epochs (the corpus is small: 5 is too few),
    ``min_count=5``, ``seed=0``, ``workers=1`` (single-threaded, hence reproducible).

    Parameters
    ----------
    sentences : list of list of str, optional
    **params
        Any ``Word2Vec`` argument named in :data:`W2V_DEFAULTS`, or ``seed`` / ``workers``.

    Returns
    -------
    gensim.models.KeyedVectors
        With ``kv.train_seconds`` set to the (first, uncached) training time.
    """
    return _cached_word_vectors("word2vec", sentences, params, W2V_DEFAULTS)


def train_word2vec_many(configs, sentences=None, n_jobs: int | None = None, progress: bool | None = None) -> list:
    """:func:`train_word2vec` for several settings at once, one model per CPU core.

    Each model is still trained by one gensim worker with its own seed, so every model is
    the one :func:`train_word2vec` gives for the same settings (and shares its cache entry);
    gensim's training loop releases the GIL, so the models of a grid train side by side in
    threads instead of one after another. Settings that repeat are trained once.

    Parameters
    ----------
    configs : list of dict
        Keyword arguments of :func:`train_word2vec`, one dict per model.
    sentences : list of list of str, optional
        Default: the Wikipedia sample.
    n_jobs : int, optional
        Models trained at the same time; default the number of CPU cores.
    progress : bool, optional
        A progress bar over the models (default: on for more than one).

    Returns
    -------
    list of gensim.models.KeyedVectors
        In the order of ``configs``.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor, as_completed

    from tqdm import tqdm

    configs = [dict(c) for c in configs]
    for c in configs:
        _gensim_params(c, W2V_DEFAULTS)                  # a bad name fails here, before any training
    sentences = check_sentences(sentences)
    n_jobs = checks.integer(n_jobs if n_jobs is not None else (os.cpu_count() or 1), "n_jobs", 1)
    unique: dict = {}
    for c in configs:
        unique.setdefault(repr(sorted(c.items())), c)
    trained: dict = {}
    with ThreadPoolExecutor(max_workers=min(n_jobs, len(unique)) or 1) as pool:
        futures = {pool.submit(train_word2vec, sentences, **c): k for k, c in unique.items()}
        bar = tqdm(as_completed(futures), total=len(futures), desc="word2vec models", unit="model",
                   disable=not (progress if progress is not None else len(futures) > 1))
        for f in bar:
            trained[futures[f]] = f.result()
    return [trained[repr(sorted(c.items()))] for c in configs]


def word2vec_with_contexts(sentences=None, **params):
    """The word2vec model of :func:`train_word2vec` with its output (context) vectors.

    Parameters
    ----------
    sentences : list of list of str, optional
    **params
        As in :func:`train_word2vec`; negative sampling is required (``negative >= 1``, ``hs=0``).

    Returns
    -------
    kv : KeyedVectors
        Word (input) vectors ``W``.
    contexts : ndarray, shape (V, d), float32
        Context (output, ``syn1neg``) vectors ``C``, rows aligned with ``kv.index_to_key``.
    counts : ndarray of int, shape (V,)
        Corpus frequency of each word.
    """
    sentences = check_sentences(sentences)
    params = _gensim_params(params, W2V_DEFAULTS)
    if params["negative"] < 1 or params["hs"]:
        raise ValueError("context vectors exist only for negative sampling (negative >= 1, hs=0)")

    def compute():
        model, _ = _train_gensim("word2vec", sentences, params)
        counts = np.array([model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key])
        return model.wv, np.array(model.syn1neg), counts

    return cache.cached_object("static-word2vec-ctx", {"fp": corpus_fingerprint(sentences), **params, "v": 1}, compute)


def train_fasttext(sentences=None, **params):
    """gensim ``FastText`` (skip-gram with character n-grams), cached.

    Same defaults as :func:`train_word2vec`, plus ``min_n=3``, ``max_n=6`` and
    ``bucket=200_000`` hashed n-gram rows (fewer than fastText's 2M: the corpus is small).

    Parameters
    ----------
    sentences : list of list of str, optional
        Default :func:`default_sentences`; the same corpus and parameters return the cached vectors.
    **params
        Any ``FastText`` argument named in :data:`FT_DEFAULTS`, or ``seed`` / ``workers``.

    Returns
    -------
    gensim.models.fasttext.FastTextKeyedVectors
        Gives vectors for out-of-vocabulary words (``kv["unseenword"]``);
        ``kv.train_seconds`` is the training time.
    """
    return _cached_word_vectors("fasttext", sentences, params, FT_DEFAULTS)


def char_ngrams(word: str, min_n: int = 3, max_n: int = 6) -> list[str]:
    """fastText's character n-grams of ``<word>`` (with boundary markers), shortest first.

    As in gensim, the whole bracketed word counts as an n-gram when it is at most ``max_n`` long.

    Parameters
    ----------
    word : str, non-empty
    min_n, max_n : int, ``1 <= min_n <= max_n``

    Returns
    -------
    list of str

    Examples
    --------
    >>> char_ngrams("where", 3, 3)
    ['<wh', 'whe', 'her', 'ere', 're>']
    """
    if not isinstance(word, str) or not word:
        raise ValueError(f"word must be a non-empty string; got {word!r}")
    min_n = checks.integer(min_n, "min_n", lo=1)
    max_n = checks.integer(max_n, "max_n", lo=1)
    if min_n > max_n:
        raise ValueError(f"need 1 <= min_n <= max_n; got min_n={min_n}, max_n={max_n}")
    w = f"<{word}>"
    return [w[i:i + n] for n in range(min_n, max_n + 1) for i in range(len(w) - n + 1)]
