"""Attacks that read a sentence's words out of its embedding, and the baselines they must beat.

Decoders follow the fitted-object protocol: ``fit(X, Y) -> self``, fitted attributes ending in
``_``, ``predict_proba(X)`` (one column per vocabulary word) and ``predict(X, threshold)``.

* :class:`RidgeDecoder` - a linear map from embedding to a closed vocabulary of words;
* :class:`DictionaryDecoder` - scores any dictionary word by the similarity of its own embedding
  to the sentence's, plus a frequency prior (three fitted numbers); unfitted, its
  :meth:`~DictionaryDecoder.rank` is the similarity-ranking attack;
* :func:`decode_threshold`, :func:`decode_ids`, :func:`choose_threshold` - word sets from scores;
* :func:`frequency_baseline`, :func:`nearest_neighbour_sets` - what an attacker gets without learning
  anything from the embedding, or by copying the nearest known sentence.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from .. import checks, linalg
from ..search import top_k
from .data import check_sets
from .metrics import token_prf

__all__ = ["RidgeDecoder", "DictionaryDecoder", "log_rank_prior", "decode_threshold", "decode_ids",
           "choose_threshold", "frequency_baseline", "nearest_neighbour_sets"]


def _multi_hot_targets(Y, n_rows: int) -> np.ndarray:
    Y = checks.as_matrix(Y, "Y")
    if Y.shape[0] != n_rows:
        raise ValueError(f"shape mismatch: X has {n_rows} rows but Y has {Y.shape[0]}")
    if not np.isin(Y, (0.0, 1.0)).all():
        raise ValueError("Y must hold only 0 and 1 (multi-hot targets)")
    return Y


def _check_threshold(threshold) -> float:
    return checks.number(threshold, "threshold", lo=0, hi=1)


class RidgeDecoder:
    """A linear decoder over a closed vocabulary: scores ``X @ coef_ + intercept_``, one column per word.

    Ridge regression from embeddings to multi-hot targets, closed form on centred data:
    ``W = (Xc^T Xc + alpha I)^{-1} Xc^T Yc``; the intercept restores the means.

    Parameters
    ----------
    alpha : float
        Ridge penalty, > 0.

    Attributes
    ----------
    coef_ : ndarray of float32, shape (d, V)
    intercept_ : ndarray of float32, shape (V,)

    Examples
    --------
    >>> X = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [0.0, 0.0]])
    >>> Y = np.array([[1, 0], [0, 1], [1, 1], [0, 0]])
    >>> RidgeDecoder(alpha=1e-3).fit(X, Y).predict(X, 0.5).astype(int).tolist()
    [[1, 0], [0, 1], [1, 1], [0, 0]]
    """

    def __init__(self, alpha: float = 1.0):
        self.alpha = alpha

    def fit(self, X, Y) -> "RidgeDecoder":
        """Fit on embeddings ``X`` (n, d) and multi-hot targets ``Y`` (n, V); returns ``self``."""
        alpha = checks.number(self.alpha, "alpha", lo=0, lo_open=True)
        X = checks.as_matrix(X, "X").astype(np.float64)
        Y = _multi_hot_targets(Y, X.shape[0]).astype(np.float64)
        mx, my = X.mean(0), Y.mean(0)
        Xc = X - mx
        W = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ (Y - my))
        self.coef_ = W.astype(np.float32)
        self.intercept_ = (my - mx @ W).astype(np.float32)
        return self

    def decision_function(self, X) -> np.ndarray:
        """The linear scores, shape ``(n, V)``, float32 (about the probability of each word; not clipped)."""
        checks.fitted(self, "coef_", "intercept_")
        X = checks.as_matrix(X, "X")
        if X.shape[1] != self.coef_.shape[0]:
            raise ValueError(f"shape mismatch: the decoder takes d={self.coef_.shape[0]} inputs; got X with d={X.shape[1]}")
        return (X @ self.coef_ + self.intercept_).astype(np.float32)

    def predict_proba(self, X) -> np.ndarray:
        """:meth:`decision_function` clipped to ``[0, 1]``: shape ``(n, V)``, float32."""
        return np.clip(self.decision_function(X), 0.0, 1.0)

    def predict(self, X, threshold: float = 0.5) -> np.ndarray:
        """Multi-hot predictions ``predict_proba(X) >= threshold``: bool, shape ``(n, V)``."""
        return self.predict_proba(X) >= _check_threshold(threshold)

    def __repr__(self) -> str:
        return f"RidgeDecoder(alpha={self.alpha})"


class DictionaryDecoder:
    """Scores every dictionary word by its similarity to the sentence embedding.

    ``P(word w in sentence s) = sigmoid(a * cos(x_s, e_w) + b * prior_w + c)``, where ``e_w``
    is the embedding of the word on its own (the attacker queries the same encoder) and
    ``prior_w`` is a fixed per-word feature (the standardised log frequency rank,
    :func:`log_rank_prior`). :meth:`fit` finds ``(a, b, c)`` by logistic regression;
    ``(1, 0, 0)`` would be the untrained similarity ranking, which :meth:`rank` gives directly.

    Parameters
    ----------
    E : array_like, shape (V, d)
        Word embeddings (stored unit-normalised).
    prior : array_like, shape (V,)
    n_rows : int
        Training sentences :meth:`fit` draws (``seed``); each gives V (sentence, word) pairs.
    seed : int

    Attributes
    ----------
    coef_ : tuple of float
        ``(a, b, c)``, after :meth:`fit`.

    Examples
    --------
    >>> E = np.eye(3)                                   # three words, each its own direction
    >>> dec = DictionaryDecoder(E, log_rank_prior(3))
    >>> dec.rank([[0.1, 0.9, 0.5]], 2).tolist()        # the similarity ranking needs no fit
    [[1, 2]]
    """

    def __init__(self, E, prior, n_rows: int = 1000, seed: int = 0):
        self.E = linalg.unit(checks.as_matrix(E, "E"), name="E")
        self.prior = checks.as_matrix(prior, "prior", ndim=1)
        if self.prior.shape[0] != self.E.shape[0]:
            raise ValueError(f"shape mismatch: E has {self.E.shape[0]} rows but prior has {self.prior.shape[0]} entries")
        self.n_rows = n_rows
        self.seed = seed

    def similarity(self, X) -> np.ndarray:
        """Cosine of each row of ``X`` (n, d) with each word: shape ``(n, V)``, float32."""
        X = checks.as_matrix(X, "X")
        if X.shape[1] != self.E.shape[1]:
            raise ValueError(f"shape mismatch: word embeddings have d={self.E.shape[1]}; got X with d={X.shape[1]}")
        return linalg.unit(X) @ self.E.T

    def rank(self, X, n: int) -> np.ndarray:
        """The ``n`` most similar dictionary words of each row of ``X``, best first (:func:`lib.search.top_k`).

        Returns
        -------
        ndarray of int64, shape (len(X), n)
            Word ids (rows of ``E``); :func:`decode_ids` turns them into word sets.
        """
        X = checks.as_matrix(X, "X")
        if X.shape[1] != self.E.shape[1]:
            raise ValueError(f"shape mismatch: word embeddings have d={self.E.shape[1]}; got X with d={X.shape[1]}")
        return top_k(X, self.E, k=checks.check_k(n, len(self.E), "dictionary words"), metric="cosine")[0]

    def fit(self, X, Y) -> "DictionaryDecoder":
        """Fit ``(a, b, c)`` on sentence embeddings ``X`` (n, d) and multi-hot targets ``Y`` (n, V); returns ``self``."""
        from sklearn.linear_model import LogisticRegression

        n_rows = checks.integer(self.n_rows, "n_rows", lo=1)
        X = checks.as_matrix(X, "X")
        Y = _multi_hot_targets(Y, X.shape[0])
        if Y.shape[1] != self.E.shape[0]:
            raise ValueError(f"shape mismatch: Y has {Y.shape[1]} columns but the dictionary has {self.E.shape[0]} words")
        rng = np.random.default_rng(self.seed)
        rows = np.sort(rng.choice(X.shape[0], min(n_rows, X.shape[0]), replace=False))
        S = self.similarity(X[rows])
        F = np.stack([S.ravel(), np.tile(self.prior, len(rows))], 1)
        y = Y[rows].ravel()
        if y.min() == y.max():
            raise ValueError("Y has only one class on the fitted rows; need both present and absent words")
        clf = LogisticRegression(C=100.0, max_iter=1000).fit(F, y)
        self.coef_ = (float(clf.coef_[0, 0]), float(clf.coef_[0, 1]), float(clf.intercept_[0]))
        return self

    def predict_proba(self, X) -> np.ndarray:
        """Word probabilities, shape ``(n, V)``, float32."""
        checks.fitted(self, "coef_")
        a, b, c = self.coef_
        z = a * self.similarity(X) + b * self.prior + c
        return (1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))).astype(np.float32)

    def predict(self, X, threshold: float = 0.5) -> np.ndarray:
        """Multi-hot predictions ``predict_proba(X) >= threshold``: bool, shape ``(n, V)``."""
        return self.predict_proba(X) >= _check_threshold(threshold)

    def __repr__(self) -> str:
        return f"DictionaryDecoder({self.E.shape[0]} words, d={self.E.shape[1]}, n_rows={self.n_rows}, seed={self.seed})"


def log_rank_prior(n: int) -> np.ndarray:
    """``log(1 + rank)`` for ranks ``0..n-1``, standardised to mean 0 and variance 1.

    Parameters
    ----------
    n : int
        Words, at least 2.

    Returns
    -------
    ndarray of float32, shape (n,)

    Examples
    --------
    >>> [round(float(v), 2) for v in log_rank_prior(3)]
    [-1.32, 0.21, 1.11]
    """
    n = checks.integer(n, "n", lo=2)
    z = np.log1p(np.arange(n, dtype=np.float64))
    return ((z - z.mean()) / z.std()).astype(np.float32)


def decode_threshold(P, vocab: Sequence[str], threshold: float) -> list[set]:
    """The words whose probability is at least ``threshold``, per row of ``P``.

    Parameters
    ----------
    P : array_like, shape (n, V)
    vocab : list of str, length V
    threshold : float in [0, 1]

    Returns
    -------
    list of set of str, length n

    Examples
    --------
    >>> [sorted(s) for s in decode_threshold([[0.9, 0.2], [0.5, 0.6]], ["cat", "dog"], 0.5)]
    [['cat'], ['cat', 'dog']]
    """
    P = checks.as_matrix(P, "P")
    vocab = list(checks.non_empty(vocab, "vocab"))
    if P.shape[1] != len(vocab):
        raise ValueError(f"shape mismatch: P has {P.shape[1]} columns but vocab has {len(vocab)} words")
    threshold = _check_threshold(threshold)
    return [{vocab[j] for j in np.flatnonzero(row >= threshold)} for row in P]


def decode_ids(ids, vocab: Sequence[str]) -> list[set]:
    """Word sets from ranked word ids (e.g. the first ``n`` columns of :meth:`DictionaryDecoder.rank`).

    Parameters
    ----------
    ids : array_like of int, shape (n_sentences, n)
        Ids in ``0..len(vocab)-1``, no repeats within a row.
    vocab : list of str

    Returns
    -------
    list of set of str, length n_sentences

    Examples
    --------
    >>> [sorted(s) for s in decode_ids([[1, 0], [2, 1]], ["a", "b", "c"])]
    [['a', 'b'], ['b', 'c']]
    """
    vocab = list(checks.non_empty(vocab, "vocab"))
    ids = checks.ids(ids, len(vocab), "ids")
    return [{vocab[j] for j in row} for row in ids.tolist()]


def choose_threshold(P, true_sets, vocab: Sequence[str], grid=None, exclude: Iterable[str] = ()) -> tuple[float, np.ndarray]:
    """The threshold in ``grid`` that maximises micro F1 of :func:`decode_threshold` on ``true_sets``.

    Use it on training or validation data, never on the test set.

    Parameters
    ----------
    P : array_like, shape (n, V)
        Word probabilities (a decoder's ``predict_proba``).
    true_sets : list of set of str, length n
    vocab : list of str, length V
    grid : array_like of float in [0, 1], optional
        Default 0.05, 0.10, ..., 0.95.
    exclude : iterable of str
        Words left out of the F1 (:data:`lib.leakage.STOPWORDS` for content words).

    Returns
    -------
    best : float
    f1 : ndarray, shape (len(grid),)
        Micro F1 at each threshold.
    """
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2) if grid is None else np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError("grid must be a non-empty 1-D list of thresholds")
    if not (np.isfinite(grid).all() and (grid >= 0).all() and (grid <= 1).all()):
        raise ValueError(f"grid must hold thresholds in [0, 1]; got {grid.tolist()[:5]}")
    true_sets = check_sets(true_sets, "true_sets")
    P = checks.as_matrix(P, "P")
    if len(true_sets) != P.shape[0]:
        raise ValueError(f"shape mismatch: P has {P.shape[0]} rows but there are {len(true_sets)} true sets")
    f1 = np.array([token_prf(decode_threshold(P, vocab, t), true_sets, exclude=exclude)["f1"] for t in grid])
    return float(grid[int(np.argmax(f1))]), f1


def frequency_baseline(train_sets, vocab: Sequence[str], sizes=None, exclude: Iterable[str] = ()) -> tuple[set, np.ndarray]:
    """The fixed guess "the m most frequent words" for every sentence, m maximising micro F1 on ``train_sets``.

    Parameters
    ----------
    train_sets : list of set
        Training sentences' word sets.
    vocab : list of str
        Words by decreasing frequency (:func:`lib.leakage.build_vocabulary`).
    sizes : list of int, optional
        Candidate m; default 1..min(60, len(vocab)).
    exclude : iterable of str
        Words left out of the scoring (e.g. :data:`lib.leakage.STOPWORDS` for content-word F1); they are
        also left out of the guess.

    Returns
    -------
    guess : set
    f1 : ndarray, shape (len(sizes),)
        Training micro F1 for each m.
    """
    train_sets = check_sets(train_sets, "train_sets")
    ex = set(exclude)
    ranked = [w for w in checks.non_empty(vocab, "vocab") if w not in ex]
    if not ranked:
        raise ValueError("every vocabulary word is excluded")
    sizes = (list(range(1, min(60, len(ranked)) + 1)) if sizes is None
             else [checks.integer(m, "sizes", lo=1, hi=len(ranked)) for m in checks.non_empty(list(sizes), "sizes")])
    f1 = np.array([token_prf([set(ranked[:m])] * len(train_sets), train_sets, exclude=ex)["f1"] for m in sizes])
    return set(ranked[:sizes[int(np.argmax(f1))]]), f1


def nearest_neighbour_sets(X_test, X_train, train_sets) -> list[set]:
    """Copy the word set of each test embedding's nearest training embedding (cosine).

    Parameters
    ----------
    X_test : array_like, shape (n_test, d)
    X_train : array_like, shape (n_train, d)
    train_sets : list of set of str, length n_train

    Returns
    -------
    list of set of str, length n_test

    Examples
    --------
    >>> nearest_neighbour_sets([[0.0, 2.0]], [[1.0, 0.0], [0.0, 0.5]], [{"a"}, {"b"}])
    [{'b'}]
    """
    train_sets = check_sets(train_sets, "train_sets")
    Xtr = checks.as_matrix(X_train, "X_train")
    if len(train_sets) != Xtr.shape[0]:
        raise ValueError(f"shape mismatch: X_train has {Xtr.shape[0]} rows but there are {len(train_sets)} word sets")
    idx, _ = top_k(X_test, Xtr, k=1)
    return [set(train_sets[i]) for i in idx[:, 0]]
