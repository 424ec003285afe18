"""Comparing word-vector tables: the pairs every table covers, and one table's scores on every intrinsic task."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..data import SimilarityDataset
from .analogies import analogy
from .probing import average_word_vectors, probe
from .similarity import word_similarity

__all__ = ['shared_pairs', 'StaticScores', 'static_scores']


def shared_pairs(dataset, tables) -> SimilarityDataset:
    """The pairs of a similarity data set whose two words are in **every** table.

    Tables with different vocabularies score different pairs; restricting all of them to
    the pairs they share makes their correlations comparable.

    Parameters
    ----------
    dataset : lib.data.SimilarityDataset
    tables : sequence of KeyedVectors-like (anything with ``key_to_index``)

    Returns
    -------
    lib.data.SimilarityDataset
        Same name with `` (shared pairs)`` appended, the kept pairs in their original order.

    Examples
    --------
    >>> from lib.models import keyed_vectors
    >>> ds = SimilarityDataset("toy", [("a", "b"), ("a", "c")], np.array([1.0, 2.0]))
    >>> shared_pairs(ds, [keyed_vectors(["a", "b"], np.eye(2))]).pairs
    [('a', 'b')]
    """
    if not all(hasattr(dataset, a) for a in ("name", "pairs", "scores")):
        raise TypeError(f"dataset must be a SimilarityDataset (name, pairs, scores); got {type(dataset).__name__}")
    tables = list(tables)
    if not tables:
        raise ValueError("tables is empty: give at least one word-vector table")
    for t in tables:
        if not hasattr(t, "key_to_index"):
            raise TypeError(f"each table needs a key_to_index mapping (gensim KeyedVectors); got {type(t).__name__}")
    keep = [i for i, (a, b) in enumerate(dataset.pairs)
            if all(a in t.key_to_index and b in t.key_to_index for t in tables)]
    if not keep:
        raise ValueError(f"no pair of {dataset.name} is covered by every table")
    return SimilarityDataset(f"{dataset.name} (shared pairs)", [dataset.pairs[i] for i in keep],
                             np.asarray(dataset.scores)[keep])


@dataclass
class StaticScores:
    """One word-vector table's scores on the book's static benchmarks (:func:`static_scores`).

    Attributes
    ----------
    similarity : dict of str -> SimilarityResult
        By data-set name, in the order given (``.spearman``, ``.ci``, ``.coverage``).
    analogy : AnalogyResult
        ``.accuracy``, ``.ci``, ``.mrr``, ``.coverage``.
    polarity : ProbeResult or None
        The sentence-polarity probe on averaged word vectors (``.ci`` when ``n_boot > 0``).
    polarity_coverage : float or None
        Mean share of a sentence's tokens found in the table.
    """

    similarity: dict
    analogy: AnalogyResult
    polarity: ProbeResult | None = None
    polarity_coverage: float | None = None

    def __str__(self) -> str:
        parts = [f"{name} {r.spearman:.3f}" for name, r in self.similarity.items()]
        parts.append(f"analogy {self.analogy.accuracy:.3f}")
        if self.polarity is not None:
            parts.append(f"polarity {self.polarity.accuracy:.3f}")
        return ", ".join(parts)


def static_scores(kv, similarity_sets, analogies, polarity=None, restrict_vocab: int | None = 10000,
                  n_boot: int = 500, seed: int = 0) -> StaticScores:
    """Score one word-vector table on similarity sets, analogies and (optionally) the polarity probe.

    Parameters
    ----------
    kv : KeyedVectors-like
    similarity_sets : sequence of lib.data.SimilarityDataset
        Scored with :func:`word_similarity` (distinct names).
    analogies : lib.data.AnalogyDataset
        Scored with :func:`analogy` (3CosAdd) among the ``restrict_vocab`` first words.
    polarity : lib.data.PolarityDataset-like, optional
        Anything with ``texts`` and ``labels``: a 5-fold :func:`probe` on
        :func:`average_word_vectors` of the texts.
    restrict_vocab : int or None
    n_boot : int
        Bootstrap resamples of every interval (0: no intervals).
    seed : int

    Returns
    -------
    StaticScores
    """
    similarity = {}
    for ds in similarity_sets:
        if ds.name in similarity:
            raise ValueError(f"similarity_sets holds two data sets named {ds.name!r}")
        similarity[ds.name] = word_similarity(kv, ds, n_boot=n_boot, seed=seed)
    result = StaticScores(similarity, analogy(kv, analogies, restrict_vocab=restrict_vocab, n_boot=n_boot,
                                               seed=seed))
    if polarity is not None:
        X, cov = average_word_vectors(kv, polarity.texts)
        result.polarity = probe(X, polarity.labels, n_boot=n_boot, seed=seed)
        result.polarity_coverage = float(cov.mean())
    return result
