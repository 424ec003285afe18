"""Contextual embeddings: how contextual a model's word vectors are, and static vectors read out of them.

Everything here works with the packaged all-MiniLM-L6-v2 (offline) and with any Hugging
Face encoder name when a network is present. Corpus encodings go through
:mod:`lib.encodings` and :mod:`lib.cache`, so the book computes them once.

How contextual (:mod:`.measures`, Ethayarajh 2019)
    :func:`layer_word_vectors`, :func:`contextual_word_stats` (one pass over the Wikipedia sample),
    :func:`self_similarity`, :func:`intra_sentence_similarity`, :func:`max_explainable_variance`,
    :func:`ethayarajh_measures` (whose anisotropy baseline is :func:`lib.geometry.mean_cosine`).
Static vectors from a contextual model (:mod:`.static_vectors`)
    :func:`static_eval_vocab`, :func:`decontextualized_vectors`, :func:`aggregated_vectors`,
    :func:`input_embedding_vectors`, :func:`model2vec_model`, :func:`model2vec_vectors`; many
    contexts per word: :func:`context_sentences`, :func:`aggregated_context_vectors`,
    :func:`context_table`.
Static vectors trained against a contextual model (:mod:`.x2static`, Gupta & Jaggi 2021)
    :func:`train_x2static` (X2Static_sent: a CBOW-style objective whose context vector is the model's
    sentence vector), :func:`fit_x2static` on given context vectors, its objective :func:`x2static_loss`.

Senses are :mod:`lib.senses`, sentence vectors from word vectors :mod:`lib.sentence`, the scoring
of a static table :func:`lib.evaluate.static_scores`, and the encodings themselves
:mod:`lib.encodings`.
"""
from __future__ import annotations

from . import measures, static_vectors, x2static
from .measures import (POOLINGS, WORD_RE, contextual_word_stats, ethayarajh_measures, intra_sentence_similarity,
                       layer_word_vectors, max_explainable_variance, self_similarity)
from .static_vectors import (aggregated_context_vectors, aggregated_vectors, context_sentences, context_table,
                             decontextualized_vectors, input_embedding_vectors, model2vec_model, model2vec_vectors,
                             static_eval_vocab)
from .x2static import X2STATIC_DEFAULTS, X2StaticModel, fit_x2static, train_x2static, x2static_loss

__all__ = measures.__all__ + static_vectors.__all__ + x2static.__all__
