"""Static word embeddings (Part II): counting, predicting, and the random-walk model that links the two.

=====================  ===========================================================================
module                 what it holds
=====================  ===========================================================================
:mod:`.corpus`         :func:`default_sentences` (the tokenized Wikipedia sample), :func:`check_sentences`,
                       :func:`corpus_fingerprint` (part of every cache key), :func:`subsample_corpus`,
                       :func:`build_vocab`, :func:`encode`
:mod:`.counting`       :func:`cooccurrence`, :func:`ppmi`, :func:`pmi_dense`, :func:`svd_embeddings`,
                       the cached :func:`ppmi_svd` and :func:`log_count_svd`, :func:`glove_weight`
:mod:`.sgns`           SGNS from scratch: :func:`sgns_loss_and_grads`, :func:`numerical_gradient`,
                       :func:`sgns_step`, :func:`keep_probability`, :func:`noise_distribution`,
                       :func:`train_sgns` -> :class:`SGNSModel`
:mod:`.trainers`       gensim: :func:`train_word2vec`, :func:`word2vec_with_contexts`,
                       :func:`train_word2vec_many` (a grid, one model per core),
                       :func:`train_fasttext`, :func:`char_ngrams`
:mod:`.synthetic`      :func:`random_walk_corpus` (Arora et al.'s generative model), :func:`window_counts`
=====================  ===========================================================================

Every name is re-exported here, so chapters write ``static.train_word2vec(...)``. Every trainer is
deterministic (``seed=0``, one worker) and cached with :mod:`lib.cache` under a key made of all its
parameters and the corpus fingerprint. Aligning two sets of vectors (Procrustes) is
:class:`lib.linalg.Procrustes`.

>>> from lib import static
>>> words, counts = static.build_vocab([["a", "b", "a"]], min_count=1)
>>> static.cooccurrence([["a", "b", "a"]], words, window=1).toarray().tolist()
[[0.0, 2.0], [2.0, 0.0]]
"""
from .corpus import (build_vocab, check_sentences, corpus_fingerprint, default_sentences, encode,
                     subsample_corpus)
from .counting import cooccurrence, glove_weight, log_count_svd, pmi_dense, ppmi, ppmi_svd, svd_embeddings
from .sgns import (SGNSModel, keep_probability, noise_distribution, numerical_gradient, sgns_loss_and_grads,
                   sgns_step, train_sgns)
from .synthetic import random_walk_corpus, window_counts
from .trainers import (FT_DEFAULTS, W2V_DEFAULTS, char_ngrams, train_fasttext, train_word2vec, train_word2vec_many,
                       word2vec_with_contexts)

__all__ = [
    # corpus
    "default_sentences", "check_sentences", "corpus_fingerprint", "subsample_corpus", "build_vocab", "encode",
    # counting
    "cooccurrence", "ppmi", "pmi_dense", "svd_embeddings", "ppmi_svd", "log_count_svd", "glove_weight",
    # SGNS from scratch
    "sgns_loss_and_grads", "numerical_gradient", "sgns_step", "keep_probability", "noise_distribution",
    "SGNSModel", "train_sgns",
    # gensim trainers
    "W2V_DEFAULTS", "FT_DEFAULTS", "train_word2vec", "train_word2vec_many", "word2vec_with_contexts", "train_fasttext",
    "char_ngrams",
    # the random-walk model
    "random_walk_corpus", "window_counts",
]
