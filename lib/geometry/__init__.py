"""Measuring the shape of an embedding space (Part IV of the book).

Every function takes plain arrays of shape ``(n, d)`` (one row per word or text) and
checks its input: NaN, empty arrays, zero vectors where a cosine is needed, shape mismatches
and impossible ``k`` raise ``ValueError`` with a message that names the problem.

Isotropy (:mod:`.isotropy`)
    :func:`mean_cosine`, :func:`partition_isotropy` (Mu & Viswanath), :func:`rogue_dimensions`
    (Timkey & van Schijndel); the post-processings :class:`AllButTheTop` and
    :class:`Whitening` are :mod:`lib.linalg`'s, re-exported here.
Dimension and rank (:mod:`.dimension`)
    :func:`pca_spectrum` (a reading of :class:`PCA`), :func:`effective_rank` (RankMe),
    :func:`twonn`, :func:`mle_dimension`, :func:`random_projection`, :func:`distance_ratios`,
    :func:`max_abs_cosine`.
Hubness (:mod:`.hubness`)
    :func:`k_occurrence`, :func:`skewness`, :func:`csls_scores`, :func:`csls_top_k`.
Structure and bias (:mod:`.bias`)
    :func:`offset_consistency`, :func:`bias_direction`, :func:`direct_bias`, :func:`neutralize`,
    :func:`equalize`, :func:`hard_debias`, :func:`weat`.
Comparing spaces (:mod:`.alignment`)
    :class:`Procrustes` (from :mod:`lib.linalg`), :func:`linear_cka`,
    :func:`relative_representation`, :func:`cross_space_neighbours`, :func:`translation_accuracy`,
    :func:`normalize_for_alignment`, :class:`UnsupervisedAlignment`.
Translation without pairs (:mod:`.translation`)
    :class:`Vec2Vec` (Jha et al.'s vec2vec, PyTorch), :func:`translation_scores`, :func:`fit_cached`.

Trained word2vec models come from :func:`lib.static.train_word2vec` (cached, seeded).
"""
from __future__ import annotations

from ..linalg import PCA, AllButTheTop, Procrustes, Whitening
from . import alignment, bias, dimension, hubness, isotropy, translation
from .alignment import (UnsupervisedAlignment, cross_space_neighbours, linear_cka, normalize_for_alignment,
                        relative_representation, translation_accuracy)
from .bias import (WeatResult, bias_direction, direct_bias, equalize, hard_debias, neutralize, offset_consistency,
                   weat)
from .dimension import (distance_ratios, effective_rank, max_abs_cosine, mle_dimension, pca_spectrum,
                        random_projection, twonn)
from .hubness import csls_scores, csls_top_k, k_occurrence, skewness
from .isotropy import mean_cosine, partition_isotropy, rogue_dimensions
from .translation import DEFAULT_WEIGHTS, Vec2Vec, fit_cached, translation_scores

__all__ = (["PCA", "AllButTheTop", "Procrustes", "Whitening"] + isotropy.__all__ + dimension.__all__
           + hubness.__all__ + bias.__all__ + alignment.__all__ + translation.__all__)
