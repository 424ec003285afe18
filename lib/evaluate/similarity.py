"""Word similarity: Spearman correlation of cosines with human scores, with pair coverage."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import spearmanr

from ..data import SimilarityDataset
from ..stats import Estimate, bootstrap
from ._common import _table, _dataset, _unit, _spearman_rows

__all__ = ['SimilarityResult', 'word_similarity', 'paired_similarity']


@dataclass
class SimilarityResult:
    """Outcome of :func:`word_similarity`.

    Attributes
    ----------
    dataset : str
    spearman : float
        Spearman rank correlation over the covered pairs.
    coverage : float
        Fraction of pairs whose two words are both in the vocabulary.
    n_pairs, n_covered : int
    ci : Estimate or None
        Bootstrap interval on ``spearman`` (resampling pairs) when ``n_boot > 0``.
    predicted : ndarray
        Cosine similarity of each covered pair; ``covered`` is the boolean mask over pairs.
    """

    dataset: str
    spearman: float
    coverage: float
    n_pairs: int
    n_covered: int
    ci: Estimate | None = None
    predicted: np.ndarray = field(default=None, repr=False)
    covered: np.ndarray = field(default=None, repr=False)

    def __str__(self) -> str:
        ci = f" [{self.ci.low:.3f}, {self.ci.high:.3f}]" if self.ci else ""
        return f"{self.dataset}: Spearman {self.spearman:.3f}{ci}, coverage {self.n_covered}/{self.n_pairs}"


def word_similarity(emb, dataset, n_boot: int = 0, seed: int = 0) -> SimilarityResult:
    """Spearman correlation between cosine similarities and human scores.

    Pairs with a word outside the vocabulary are skipped and reported through
    ``coverage`` (comparing two embeddings on different coverage is unfair; see the
    chapters).

    Parameters
    ----------
    emb : KeyedVectors-like
        ``key_to_index`` (word -> row) and ``vectors`` of shape ``(n_words, d)``.
    dataset : lib.data.SimilarityDataset
        ``pairs`` (a list of ``(word, word)``), ``scores`` (one finite number per pair), ``name``.
    n_boot : int
        Bootstrap resamples for a 95% interval (0: none; else at least ``stats.MIN_BOOT``).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    SimilarityResult
        ``spearman`` over the covered pairs, ``coverage``, ``predicted`` cosines of shape
        ``(n_covered,)`` and the boolean ``covered`` mask of shape ``(n_pairs,)``.

    Raises
    ------
    ValueError
        Fewer than 3 covered pairs, scores that are not finite numbers, a pair that is not two
        words, or predictions (or gold scores) that are constant, whose correlation is undefined.
    """
    vocab, vecs = _table(emb)
    _dataset(dataset, ("pairs", "scores"), "SimilarityDataset")
    name = getattr(dataset, "name", "the dataset")
    pairs = list(dataset.pairs)
    for i, p in enumerate(pairs):
        if isinstance(p, str) or len(p) != 2 or not all(isinstance(w, str) for w in p):
            raise ValueError(f"dataset.pairs[{i}] must be a pair of words (word, word); got {p!r}")
    scores = np.asarray(dataset.scores)
    if scores.dtype.kind not in "iuf" or scores.ndim != 1:
        raise ValueError(f"dataset.scores must be a 1-D array of numbers; got dtype {scores.dtype}, shape {scores.shape}")
    if len(scores) != len(pairs):
        raise ValueError(f"shape mismatch: {name} has {len(pairs)} pairs but {len(scores)} scores")
    if not np.isfinite(scores).all():
        raise ValueError(f"dataset.scores contains {int((~np.isfinite(scores)).sum())} NaN or infinite values")
    covered = np.array([a in vocab and b in vocab for a, b in pairs], dtype=bool)
    if covered.sum() < 3:
        raise ValueError(f"only {int(covered.sum())} pairs of {name} are in the vocabulary; need at least 3")
    ia = np.array([vocab[a] for (a, b), c in zip(pairs, covered) if c])
    ib = np.array([vocab[b] for (a, b), c in zip(pairs, covered) if c])
    pred = (_unit(vecs[ia]) * _unit(vecs[ib])).sum(1)
    gold = scores[covered].astype(np.float64)
    for what, v in (("predicted similarities", pred), ("gold scores of the covered pairs", gold)):
        if np.ptp(v) == 0:
            raise ValueError(f"the {what} are constant ({float(v[0]):.3g}; zero or identical vectors?): "
                             "their Spearman correlation is undefined")
    rho = float(spearmanr(pred, gold).statistic)
    ci = None
    if n_boot:
        ci = bootstrap(lambda idx: _spearman_rows(pred[idx], gold[idx]), len(pred), n_boot, seed=seed,
                       vectorized=True)
    return SimilarityResult(dataset.name, rho, float(covered.mean()), len(covered), int(covered.sum()), ci, pred, covered)


def paired_similarity(a: SimilarityResult, b: SimilarityResult, dataset, n_boot: int = 1000, level: float = 0.95,
                      seed: int = 0) -> Estimate:
    """Paired bootstrap of the difference ``a.spearman - b.spearman`` on the same pairs.

    Each resample draws the covered pairs with replacement and recomputes both correlations on
    the same draw, so the interval reflects how the two tables differ on the pairs, not the
    (larger) noise of each correlation alone.

    Parameters
    ----------
    a, b : SimilarityResult
        From :func:`word_similarity` on ``dataset``, with the same ``covered`` pairs (e.g. two
        layers of one model, or tables restricted to their shared pairs).
    dataset : lib.data.SimilarityDataset
        The data set both were scored on (its gold scores).
    n_boot : int
        Resamples, at least ``stats.MIN_BOOT``.
    level : float
    seed : int

    Returns
    -------
    Estimate
        Of the difference in Spearman correlation, ``a - b``.

    Examples
    --------
    >>> from lib.data import SimilarityDataset
    >>> from lib.models import keyed_vectors
    >>> ds = SimilarityDataset("toy", [("a", "b"), ("a", "c"), ("b", "c"), ("a", "d")], [3.0, 2.0, 1.0, 0.5])
    >>> kv = keyed_vectors(["a", "b", "c", "d"], np.array([[1.0, 0.0], [0.9, 0.1], [0.5, 0.5], [0.0, 1.0]]))
    >>> r = word_similarity(kv, ds)
    >>> paired_similarity(r, r, ds, n_boot=100).value
    0.0
    """
    for name, r in (("a", a), ("b", b)):
        if not isinstance(r, SimilarityResult):
            raise TypeError(f"{name} must be a SimilarityResult; got {type(r).__name__}")
    _dataset(dataset, ("pairs", "scores"), "SimilarityDataset")
    scores = np.asarray(dataset.scores, dtype=np.float64)
    for name, r in (("a", a), ("b", b)):
        if r.covered is None or len(r.covered) != len(scores):
            raise ValueError(f"{name} was not scored on this dataset ({len(scores)} pairs)")
    if not np.array_equal(a.covered, b.covered):
        raise ValueError(f"a covers {a.n_covered} pairs and b {b.n_covered}, not the same ones; "
                         "a paired comparison needs the same pairs (restrict both to their shared pairs)")
    gold = scores[a.covered]
    pa, pb = a.predicted, b.predicted
    return bootstrap(lambda idx: _spearman_rows(pa[idx], gold[idx]) - _spearman_rows(pb[idx], gold[idx]),
                     len(gold), n_boot, level, seed, vectorized=True)
