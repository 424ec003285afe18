"""What sentence embeddings leak: a bag-of-words inversion attack and a noise defence (Part V, chapter 5).

An attacker who sees only the embedding of a sentence tries to recover its words. The pieces, in
the order a chapter uses them (each module's names are re-exported here):

* :mod:`lib.leakage.data` - :func:`disjoint_article_sample` (sentences from two disjoint halves of
  a corpus' articles, a :class:`LeakageSplit`), :func:`word_sets`, :func:`build_vocabulary`,
  :func:`multi_hot`, :func:`dictionary_words`, :data:`STOPWORDS`;
* :mod:`lib.leakage.decoders` - the fitted :class:`RidgeDecoder` and :class:`DictionaryDecoder`,
  :func:`log_rank_prior`, :func:`decode_threshold`, :func:`decode_ids`, :func:`choose_threshold`,
  and the baselines :func:`frequency_baseline`, :func:`nearest_neighbour_sets`;
* :mod:`lib.leakage.metrics` - :func:`set_prf`, :func:`token_prf`, :func:`token_prf_ci`,
  :func:`recall_by_rank`;
* :mod:`lib.leakage.defences` - :func:`add_gaussian_noise`, :func:`same_group_rr` (with
  :func:`lib.search.neighbour_overlap` for what the noise costs).
"""
from .data import (STOPWORDS, LeakageSplit, build_vocabulary, dictionary_words, disjoint_article_sample,
                   multi_hot, word_sets)
from .decoders import (DictionaryDecoder, RidgeDecoder, choose_threshold, decode_ids, decode_threshold,
                       frequency_baseline, log_rank_prior, nearest_neighbour_sets)
from .defences import add_gaussian_noise, same_group_rr
from .metrics import recall_by_rank, set_prf, token_prf, token_prf_ci

__all__ = ["STOPWORDS", "LeakageSplit", "disjoint_article_sample", "word_sets", "build_vocabulary", "multi_hot",
           "dictionary_words", "RidgeDecoder", "DictionaryDecoder", "log_rank_prior", "decode_threshold",
           "decode_ids", "choose_threshold", "frequency_baseline", "nearest_neighbour_sets", "set_prf",
           "token_prf", "token_prf_ci", "recall_by_rank", "add_gaussian_noise", "same_group_rr"]
