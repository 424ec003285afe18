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

Senses are :mod:`lib.senses`, sentence vectors from word vectors :mod:`lib.sentence`, the scoring
of a static table :func:`lib.evaluate.static_scores`, and the encodings themselves
:mod:`lib.encodings`.
"""
from __future__ import annotations

from . import measures, static_vectors
from .measures import (POOLINGS, WORD_RE, contextual_word_stats, ethayarajh_measures, intra_sentence_similarity,
                       layer_word_vectors, max_explainable_variance, self_similarity)
from .static_vectors import (aggregated_context_vectors, aggregated_vectors, context_sentences, context_table,
                             decontextualized_vectors, input_embedding_vectors, model2vec_model, model2vec_vectors,
                             static_eval_vocab)

__all__ = measures.__all__ + static_vectors.__all__
