"""A linear probe: cross-validated logistic-regression accuracy of fixed features, and averaged word vectors as features."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import checks
from ..data import tokenize
from ..stats import Estimate, bootstrap, mean_ci
from ._common import _table

__all__ = ['ProbeResult', 'probe', 'average_word_vectors']


@dataclass
class ProbeResult:
    """Cross-validated accuracy of a logistic-regression probe.

    Attributes
    ----------
    accuracy, std : float
        Mean and standard deviation of the per-fold accuracies.
    folds : ndarray, shape (cv,)
    correct : ndarray of bool, shape (n_samples,)
        Whether each item was classified correctly by the fold model that did not see it.
    ci : Estimate or None
        Bootstrap interval on the accuracy (resampling items) when ``n_boot > 0``.
    """

    accuracy: float
    std: float
    folds: np.ndarray = field(repr=False)
    correct: np.ndarray = field(default=None, repr=False)
    ci: Estimate | None = None

    def __str__(self) -> str:
        ci = f" [{self.ci.low:.3f}, {self.ci.high:.3f}]" if self.ci else ""
        return f"accuracy {self.accuracy:.3f}{ci} ± {self.std:.3f} over {len(self.folds)} folds"


def probe(X, y, cv: int = 5, C: float = 1.0, seed: int = 0, n_boot: int = 0) -> ProbeResult:
    """Stratified ``cv``-fold accuracy of standardised logistic regression on features ``X``.

    Parameters
    ----------
    X : array_like, shape (n_samples, d)
    y : array_like, shape (n_samples,)
        Class labels (ints or strings, not a mix; no NaN).
    cv : int
        Number of folds, from 2 to the size of the smallest class.
    C : float
        Inverse regularisation strength, ``> 0``.
    seed : int
        Seed of the fold assignment (and of the bootstrap).
    n_boot : int
        Bootstrap resamples for a 95% interval on the accuracy (0: none).

    Returns
    -------
    ProbeResult
        Mean and spread of the fold accuracies, and ``correct`` of shape ``(n_samples,)``.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X = checks.as_matrix(X, "X", dtype=np.float64)
    if not isinstance(y, np.ndarray) and hasattr(y, "__iter__"):
        kinds = {isinstance(v, str) for v in y}
        if len(kinds) > 1:
            raise ValueError("y mixes strings and numbers; numpy would turn every label into a string")
    y = np.asarray(y)
    if y.shape != (X.shape[0],):
        raise ValueError(f"shape mismatch: X has {X.shape[0]} rows but y has shape {y.shape}")
    if y.dtype.kind == "f" and not np.isfinite(y).all():
        raise ValueError(f"y contains {int((~np.isfinite(y)).sum())} NaN or infinite labels")
    if y.dtype.kind not in "biufUSO":
        raise ValueError(f"y must hold class labels (ints or strings); got dtype {y.dtype}")
    cv = checks.integer(cv, "cv", lo=2)
    C = checks.number(C, "C", lo=0, lo_open=True)
    classes, counts = np.unique(y, return_counts=True)
    if len(classes) < 2:
        raise ValueError("y has a single class; a probe needs at least two")
    if cv > counts.min():
        raise ValueError(f"cv={cv} must be between 2 and the smallest class size ({counts.min()})")
    correct = np.zeros(len(y), dtype=bool)
    folds = []
    for train, test in StratifiedKFold(cv, shuffle=True, random_state=seed).split(X, y):
        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=5000)).fit(X[train], y[train])
        correct[test] = model.predict(X[test]) == y[test]
        folds.append(correct[test].mean())
    folds = np.asarray(folds)
    ci = mean_ci(correct.astype(float), n_boot, seed=seed) if n_boot else None
    return ProbeResult(float(folds.mean()), float(folds.std()), folds, correct, ci)




def average_word_vectors(emb, texts, tokenizer=None) -> tuple[np.ndarray, np.ndarray]:
    """Mean of the in-vocabulary word vectors of each text.

    Parameters
    ----------
    emb : KeyedVectors-like
        ``key_to_index`` and ``vectors`` of shape ``(n_words, d)``.
    texts : str or list of str
    tokenizer : callable, optional
        Text -> list of tokens; default :func:`lib.data.tokenize`.

    Returns
    -------
    X : ndarray of float32, shape (n_texts, d)
        Zero for a text with no known word.
    coverage : ndarray of float64, shape (n_texts,)
        Fraction of each text's tokens found in the vocabulary.

    Examples
    --------
    >>> from lib.models import keyed_vectors
    >>> kv = keyed_vectors(["cat", "dog"], [[1.0, 0.0], [0.0, 1.0]])
    >>> X, cov = average_word_vectors(kv, ["cat dog", "cat fish"])
    >>> X.tolist(), cov.tolist()
    ([[0.5, 0.5], [1.0, 0.0]], [1.0, 0.5])
    """
    tok = tokenizer or tokenize
    if not callable(tok):
        raise TypeError(f"tokenizer must be a callable (text -> list of tokens); got {type(tok).__name__}")
    vocab, vecs = _table(emb)
    texts = checks.texts(texts)
    X = np.zeros((len(texts), vecs.shape[1]), dtype=np.float32)
    cov = np.zeros(len(texts))
    for i, t in enumerate(texts):
        words = tok(t)
        if isinstance(words, (str, bytes)) or not isinstance(words, (list, tuple)):
            raise TypeError(f"tokenizer must return a list of tokens; it returned {type(words).__name__} "
                            f"for texts[{i}]")
        ids = [vocab[w] for w in words if w in vocab]
        if ids:
            X[i] = vecs[ids].mean(0)
        cov[i] = len(ids) / max(len(words), 1)
    return X, cov
