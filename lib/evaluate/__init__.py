"""Evaluations shared by the chapters (a package: one module per kind of evaluation).

* :func:`word_similarity` — Spearman correlation with human scores, with pair coverage;
  :func:`paired_similarity` compares two tables on the same pairs (paired bootstrap).
* :func:`analogy` — 3CosAdd / 3CosMul accuracy and mean reciprocal rank, semantic vs syntactic.
* :func:`retrieval_scores` — recall@k, MRR and nDCG@k of ranked lists.
* :func:`probe` — cross-validated logistic-regression accuracy of fixed features.
* :func:`extrinsic` — a classifier over frozen vectors on a WordNet word task (lexical folds), accuracy
  and macro-F1 with intervals; :func:`paired_extrinsic` compares two models on the same items.

Embeddings are anything with ``key_to_index`` (word -> row) and ``vectors`` (a 2-D
array), e.g. gensim ``KeyedVectors``; :func:`lib.models.keyed_vectors` wraps a plain
word list and matrix.
"""
from .analogies import AnalogyResult, analogy
from .extrinsic import ExtrinsicResult, extrinsic, macro_f1, pair_features, paired_extrinsic
from .probing import ProbeResult, average_word_vectors, probe
from .ranking import retrieval_scores
from .similarity import SimilarityResult, paired_similarity, word_similarity
from .tables import StaticScores, shared_pairs, static_scores

__all__ = ["SimilarityResult", "word_similarity", "paired_similarity", "AnalogyResult", "analogy", "retrieval_scores",
           "ProbeResult", "probe", "average_word_vectors", "shared_pairs", "StaticScores", "static_scores",
           "ExtrinsicResult", "extrinsic", "paired_extrinsic", "macro_f1", "pair_features"]
