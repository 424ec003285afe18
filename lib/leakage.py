"""What sentence embeddings leak: a bag-of-words inversion attack and a noise defence.

An attacker who sees only the embedding of a sentence tries to recover its words. The
pieces, in the order a chapter uses them:

* :func:`split_by_article` - sentences of a :class:`lib.data.Corpus`, the articles split
  into two halves, so that no test sentence shares an article with a training sentence;
* :func:`word_sets`, :func:`build_vocabulary`, :func:`multi_hot` - each sentence as the
  set of its lowercase words and as a 0/1 target row over a vocabulary;
* :func:`fit_ridge_decoder` - a linear map from embedding to a closed vocabulary of words;
* :func:`fit_dictionary_decoder` - scores any dictionary word by the similarity of its own
  embedding to the sentence's, plus a frequency prior (three fitted numbers);
* :func:`decode_threshold`, :func:`choose_threshold` - word sets from probabilities;
* :func:`frequency_baseline`, :func:`nearest_neighbour_sets` - what an attacker gets
  without learning anything from the embedding, or by copying the nearest known sentence;
* :func:`set_prf`, :func:`token_prf`, :func:`token_prf_ci` - token precision, recall and F1
  (micro-averaged over all words of all sentences, and per sentence), with bootstrap intervals;
* :func:`recall_by_rank` - which words leak, by their frequency rank;
* :func:`add_gaussian_noise` - the simplest defence.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from . import checks
from .data import tokenize

#: scikit-learn's English stop-word list (318 words), used to define "content words".
try:  # pragma: no cover - sklearn is a dependency of the book
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as _SW
    STOPWORDS: frozenset = frozenset(_SW)
except ImportError:  # pragma: no cover
    STOPWORDS = frozenset()


# --------------------------------------------------------------------------- data
@dataclass
class LeakageSplit:
    """Sentences of two disjoint halves of a corpus' articles.

    Attributes
    ----------
    train_texts, test_texts : list of str
    train_docs, test_docs : ndarray of int
        The article index of each sentence.
    train_articles, test_articles : list of int
        The articles of each half (disjoint).
    """

    train_texts: list
    test_texts: list
    train_docs: np.ndarray
    test_docs: np.ndarray
    train_articles: list = field(default_factory=list)
    test_articles: list = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"LeakageSplit({len(self.train_texts)} train sentences from {len(self.train_articles)} articles, "
                f"{len(self.test_texts)} test sentences from {len(self.test_articles)} articles)")


def split_by_article(corpus, n_train: int, n_test: int, min_words: int = 8, max_words: int = 30,
                     seed: int = 0) -> LeakageSplit:
    """Draw ``n_train`` and ``n_test`` sentences from two disjoint halves of the articles.

    The articles are shuffled (``seed``) and dealt one by one to the half that has fewer
    eligible sentences so far, so both halves hold about as many sentences. Sentences with
    ``min_words``..``max_words`` tokens (:func:`lib.data.tokenize`) are eligible; from each
    half the requested number is drawn without replacement and kept in corpus order.

    Parameters
    ----------
    corpus : lib.data.Corpus
    n_train, n_test : int
        Sentences to draw from the training and the test half.
    min_words, max_words : int
        Length limits in tokens.
    seed : int

    Raises
    ------
    ValueError
        If a count is not positive, the limits are inconsistent, or a half has too few sentences.
    """
    for name, v in (("n_train", n_train), ("n_test", n_test), ("min_words", min_words)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r}")
    if max_words < min_words:
        raise ValueError(f"max_words={max_words} is smaller than min_words={min_words}")
    sents = [(d, s) for d, s in corpus.sentences(min_words=min_words) if len(tokenize(s)) <= max_words]
    by_doc: dict[int, list[str]] = {}
    for d, s in sents:
        by_doc.setdefault(d, []).append(s)
    if len(by_doc) < 2:
        raise ValueError(f"need sentences from at least 2 articles to split; got {len(by_doc)}")
    rng = np.random.default_rng(seed)
    docs = sorted(by_doc)
    halves: tuple[list[int], list[int]] = ([], [])
    sizes = [0, 0]
    for d in rng.permutation(docs):
        h = int(sizes[1] < sizes[0])
        halves[h].append(int(d))
        sizes[h] += len(by_doc[int(d)])
    out = []
    for half, n, name in ((halves[0], n_train, "training"), (halves[1], n_test, "test")):
        pool = [(d, s) for d in sorted(half) for s in by_doc[d]]
        if n > len(pool):
            raise ValueError(f"n={n} sentences asked from the {name} half, which has only {len(pool)} "
                             f"with {min_words}..{max_words} words")
        pick = np.sort(rng.choice(len(pool), n, replace=False))
        out.append(([pool[i][1] for i in pick], np.array([pool[i][0] for i in pick], dtype=np.int64), sorted(half)))
    return LeakageSplit(out[0][0], out[1][0], out[0][1], out[1][1], out[0][2], out[1][2])


def word_sets(texts: Sequence[str]) -> list[set]:
    """Each text as the set of its lowercase word tokens (:func:`lib.data.tokenize`)."""
    texts = checks.texts(texts)
    return [set(tokenize(t)) for t in texts]


def _check_sets(sets, name: str) -> list:
    if sets is None or isinstance(sets, (str, set, frozenset)):
        raise ValueError(f"{name} must be a list of word sets; got {type(sets).__name__}")
    sets = list(sets)
    if not sets:
        raise ValueError(f"{name} is empty")
    for i, s in enumerate(sets):
        if isinstance(s, str) or not isinstance(s, (set, frozenset, list, tuple)):
            raise ValueError(f"{name}[{i}] must be a set of words; got {type(s).__name__}")
    return [set(s) for s in sets]


def build_vocabulary(sets: Sequence[Iterable[str]], size: int, min_count: int = 1) -> list[str]:
    """The ``size`` words that occur in most sentences (document frequency), most frequent first.

    Ties are broken alphabetically; words in fewer than ``min_count`` sentences are left out,
    so the result can be shorter than ``size``.

    Raises
    ------
    ValueError
        If ``sets`` is empty, ``size`` < 1, or no word reaches ``min_count``.
    """
    sets = _check_sets(sets, "sets")
    if not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer; got {size!r}")
    df = Counter(w for s in sets for w in s)
    vocab = [w for w, c in sorted(df.items(), key=lambda t: (-t[1], t[0])) if c >= min_count][:size]
    if not vocab:
        raise ValueError(f"no word occurs in at least min_count={min_count} sentences")
    return vocab


def multi_hot(sets: Sequence[Iterable[str]], vocab: Sequence[str]) -> np.ndarray:
    """0/1 targets: ``Y[i, j] = 1`` when word ``vocab[j]`` is in sentence ``i``.

    Returns
    -------
    ndarray of float32, shape (n_sentences, len(vocab))
        Words outside ``vocab`` are dropped.
    """
    sets = _check_sets(sets, "sets")
    vocab = list(checks.non_empty(vocab, "vocab"))
    index = {w: j for j, w in enumerate(vocab)}
    if len(index) != len(vocab):
        raise ValueError("vocab contains duplicate words")
    Y = np.zeros((len(sets), len(vocab)), dtype=np.float32)
    for i, s in enumerate(sets):
        cols = [index[w] for w in s if w in index]
        Y[i, cols] = 1.0
    return Y


# --------------------------------------------------------------------------- decoders
def dictionary_words(kv, size: int) -> list[str]:
    """The attacker's dictionary: the first ``size`` words of a frequency-ordered vocabulary
    (e.g. GloVe's ``kv.index_to_key``) that are whole tokens of :func:`lib.data.tokenize`
    (punctuation and odd symbols are skipped)."""
    if not isinstance(size, (int, np.integer)) or size < 1:
        raise ValueError(f"size must be a positive integer; got {size!r}")
    words = getattr(kv, "index_to_key", kv)
    out = []
    for w in words:
        if tokenize(w) == [w]:
            out.append(w)
            if len(out) == size:
                return out
    raise ValueError(f"the vocabulary holds only {len(out)} usable words; asked for {size}")


@dataclass
class RidgeDecoder:
    """A linear decoder over a closed vocabulary: scores ``X @ W + b`` (one column per word).

    Attributes
    ----------
    W : ndarray, shape (d, V)
    b : ndarray, shape (V,)
    alpha : float
    """

    W: np.ndarray
    b: np.ndarray
    alpha: float

    def scores(self, X) -> np.ndarray:
        """Shape ``(n, V)``: about the probability that each word is in the sentence."""
        X = checks.as_matrix(X, "X")
        if X.shape[1] != self.W.shape[0]:
            raise ValueError(f"shape mismatch: the decoder takes d={self.W.shape[0]} inputs; got X with d={X.shape[1]}")
        return (X @ self.W + self.b).astype(np.float32)


def fit_ridge_decoder(X, Y, alpha: float = 1.0) -> RidgeDecoder:
    """Ridge regression from embeddings ``X`` (n, d) to multi-hot targets ``Y`` (n, V), closed form.

    ``W = (Xc^T Xc + alpha I)^{-1} Xc^T Yc`` on centred data; ``b`` restores the means.
    """
    X = checks.as_matrix(X, "X").astype(np.float64)
    Y = checks.as_matrix(Y, "Y").astype(np.float64)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"shape mismatch: X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    if not np.isin(Y, (0.0, 1.0)).all():
        raise ValueError("Y must hold only 0 and 1 (multi-hot targets)")
    if not (np.isfinite(alpha) and alpha > 0):
        raise ValueError(f"alpha must be a positive number; got {alpha}")
    mx, my = X.mean(0), Y.mean(0)
    Xc = X - mx
    W = np.linalg.solve(Xc.T @ Xc + alpha * np.eye(X.shape[1]), Xc.T @ (Y - my))
    return RidgeDecoder(W.astype(np.float32), (my - mx @ W).astype(np.float32), float(alpha))


@dataclass
class DictionaryDecoder:
    """Scores every dictionary word by its similarity to the sentence embedding.

    ``P(word w in sentence s) = sigmoid(a * cos(x_s, e_w) + b * prior_w + c)``, where ``e_w``
    is the embedding of the word on its own (the attacker queries the same encoder) and
    ``prior_w`` is a fixed per-word feature (the standardised log frequency rank).

    Attributes
    ----------
    E : ndarray, shape (V, d)
        Unit-normalised word embeddings.
    prior : ndarray, shape (V,)
    coef : tuple of float
        ``(a, b, c)``; ``(1, 0, 0)`` is the untrained similarity ranking.
    """

    E: np.ndarray = field(repr=False)
    prior: np.ndarray = field(repr=False)
    coef: tuple = (1.0, 0.0, 0.0)

    def similarity(self, X) -> np.ndarray:
        """Cosine of each row of ``X`` (n, d) with each word: shape ``(n, V)``."""
        X = checks.as_matrix(X, "X")
        if X.shape[1] != self.E.shape[1]:
            raise ValueError(f"shape mismatch: word embeddings have d={self.E.shape[1]}; got X with d={X.shape[1]}")
        X = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
        return X @ self.E.T

    def predict_proba(self, X) -> np.ndarray:
        """Word probabilities, shape ``(n, V)``."""
        a, b, c = self.coef
        z = a * self.similarity(X) + b * self.prior + c
        return (1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))).astype(np.float32)


def fit_dictionary_decoder(X, Y, E, prior, n_rows: int = 1000, seed: int = 0) -> DictionaryDecoder:
    """Fit the three numbers ``(a, b, c)`` of a :class:`DictionaryDecoder` by logistic regression.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Training sentence embeddings.
    Y : array_like, shape (n, V)
        Their multi-hot targets over the dictionary.
    E : array_like, shape (V, d)
        Word embeddings (normalised here).
    prior : array_like, shape (V,)
        Per-word feature, e.g. the standardised ``log(1 + rank)``.
    n_rows : int
        Sentences drawn (``seed``) to fit on; each gives V (sentence, word) pairs.
    """
    from sklearn.linear_model import LogisticRegression

    X = checks.as_matrix(X, "X")
    Y = checks.as_matrix(Y, "Y")
    E = checks.as_matrix(E, "E")
    prior = checks.as_matrix(prior, "prior", ndim=1)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"shape mismatch: X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    if Y.shape[1] != E.shape[0] or prior.shape[0] != E.shape[0]:
        raise ValueError(f"shape mismatch: Y has {Y.shape[1]} columns, E {E.shape[0]} rows, prior {prior.shape[0]} entries")
    if not np.isin(Y, (0.0, 1.0)).all():
        raise ValueError("Y must hold only 0 and 1 (multi-hot targets)")
    E = E / np.maximum(np.linalg.norm(E, axis=1, keepdims=True), 1e-12)
    dec = DictionaryDecoder(E, prior)
    rng = np.random.default_rng(seed)
    rows = np.sort(rng.choice(X.shape[0], min(n_rows, X.shape[0]), replace=False))
    S = dec.similarity(X[rows])
    F = np.stack([S.ravel(), np.tile(prior, len(rows))], 1)
    y = Y[rows].ravel()
    if y.min() == y.max():
        raise ValueError("Y has only one class on the fitted rows; need both present and absent words")
    clf = LogisticRegression(C=100.0, max_iter=1000).fit(F, y)
    dec.coef = (float(clf.coef_[0, 0]), float(clf.coef_[0, 1]), float(clf.intercept_[0]))
    return dec


def log_rank_prior(n: int) -> np.ndarray:
    """``log(1 + rank)`` for ranks ``0..n-1``, standardised to mean 0 and variance 1: shape ``(n,)``."""
    if not isinstance(n, (int, np.integer)) or n < 2:
        raise ValueError(f"n must be an integer of at least 2; got {n!r}")
    z = np.log1p(np.arange(n, dtype=np.float64))
    return ((z - z.mean()) / z.std()).astype(np.float32)


def decode_threshold(P, vocab: Sequence[str], threshold: float) -> list[set]:
    """The words whose probability is at least ``threshold``, per row of ``P`` (shape (n, V))."""
    P = checks.as_matrix(P, "P")
    vocab = list(checks.non_empty(vocab, "vocab"))
    if P.shape[1] != len(vocab):
        raise ValueError(f"shape mismatch: P has {P.shape[1]} columns but vocab has {len(vocab)} words")
    if not 0 <= threshold <= 1:
        raise ValueError(f"threshold must be a probability in [0, 1]; got {threshold}")
    return [{vocab[j] for j in np.flatnonzero(row >= threshold)} for row in P]


def decode_top_n(P, vocab: Sequence[str], n: int) -> list[set]:
    """The ``n`` most probable words per row of ``P`` (shape (n_sentences, V))."""
    P = checks.as_matrix(P, "P")
    vocab = list(checks.non_empty(vocab, "vocab"))
    if P.shape[1] != len(vocab):
        raise ValueError(f"shape mismatch: P has {P.shape[1]} columns but vocab has {len(vocab)} words")
    n = checks.check_k(n, len(vocab), "vocabulary words")
    top = np.argpartition(-P, n - 1, axis=1)[:, :n] if n < len(vocab) else np.tile(np.arange(n), (len(P), 1))
    return [{vocab[j] for j in row} for row in top]


def choose_threshold(P, true_sets, vocab: Sequence[str], grid=None, exclude: Iterable[str] = ()) -> tuple[float, np.ndarray]:
    """The threshold in ``grid`` that maximises micro F1 of :func:`decode_threshold` on ``true_sets``.

    Use it on training or validation data, never on the test set.

    Returns
    -------
    best : float
    f1 : ndarray, shape (len(grid),)
        Micro F1 at each threshold.
    """
    grid = np.round(np.arange(0.05, 0.96, 0.05), 2) if grid is None else np.asarray(grid, dtype=float)
    if grid.ndim != 1 or grid.size == 0:
        raise ValueError("grid must be a non-empty 1-D list of thresholds")
    true_sets = _check_sets(true_sets, "true_sets")
    P = checks.as_matrix(P, "P")
    if len(true_sets) != P.shape[0]:
        raise ValueError(f"shape mismatch: P has {P.shape[0]} rows but there are {len(true_sets)} true sets")
    f1 = np.array([token_prf(decode_threshold(P, vocab, t), true_sets, exclude=exclude)["f1"] for t in grid])
    return float(grid[int(np.argmax(f1))]), f1


# --------------------------------------------------------------------------- baselines
def frequency_baseline(train_sets, vocab: Sequence[str], sizes=None, exclude: Iterable[str] = ()) -> tuple[set, np.ndarray]:
    """The fixed guess "the m most frequent words" for every sentence, m maximising micro F1 on ``train_sets``.

    Parameters
    ----------
    train_sets : list of set
        Training sentences' word sets.
    vocab : list of str
        Words by decreasing frequency (:func:`build_vocabulary`).
    sizes : list of int, optional
        Candidate m; default 1..min(60, len(vocab)).
    exclude : iterable of str
        Words left out of the scoring (e.g. :data:`STOPWORDS` for content-word F1); they are also
        left out of the guess.

    Returns
    -------
    guess : set
    f1 : ndarray, shape (len(sizes),)
        Training micro F1 for each m.
    """
    train_sets = _check_sets(train_sets, "train_sets")
    ex = set(exclude)
    ranked = [w for w in checks.non_empty(vocab, "vocab") if w not in ex]
    if not ranked:
        raise ValueError("every vocabulary word is excluded")
    sizes = list(range(1, min(60, len(ranked)) + 1)) if sizes is None else [int(m) for m in sizes]
    if not sizes or min(sizes) < 1 or max(sizes) > len(ranked):
        raise ValueError(f"sizes must lie in 1..{len(ranked)}; got {sizes[:3]}...")
    f1 = np.array([token_prf([set(ranked[:m])] * len(train_sets), train_sets, exclude=ex)["f1"] for m in sizes])
    return set(ranked[:sizes[int(np.argmax(f1))]]), f1


def nearest_neighbour_sets(X_test, X_train, train_sets) -> list[set]:
    """Copy the word set of each test embedding's nearest training embedding (cosine).

    Shapes: ``X_test`` (n_test, d), ``X_train`` (n_train, d), ``len(train_sets) == n_train``.
    """
    from .search import top_k

    train_sets = _check_sets(train_sets, "train_sets")
    Xtr = checks.as_matrix(X_train, "X_train")
    if len(train_sets) != Xtr.shape[0]:
        raise ValueError(f"shape mismatch: X_train has {Xtr.shape[0]} rows but there are {len(train_sets)} word sets")
    idx, _ = top_k(X_test, Xtr, k=1)
    return [set(train_sets[i]) for i in idx[:, 0]]


# --------------------------------------------------------------------------- metrics
def set_prf(pred: Iterable[str], true: Iterable[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of one predicted word set against the true one.

    Conventions: an empty prediction has precision 0, an empty truth recall 0; F1 is 0
    when precision + recall is 0.
    """
    if isinstance(pred, str) or isinstance(true, str):
        raise ValueError("pred and true must be collections of words, not a single string")
    p_set, t_set = set(pred), set(true)
    tp = len(p_set & t_set)
    p = tp / len(p_set) if p_set else 0.0
    r = tp / len(t_set) if t_set else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _counts(pred_sets, true_sets, exclude) -> np.ndarray:
    pred_sets = _check_sets(pred_sets, "pred_sets")
    true_sets = _check_sets(true_sets, "true_sets")
    if len(pred_sets) != len(true_sets):
        raise ValueError(f"length mismatch: {len(pred_sets)} predicted sets but {len(true_sets)} true sets")
    ex = set(exclude)
    out = np.zeros((len(true_sets), 3), dtype=np.int64)  # tp, n_pred, n_true
    for i, (p, t) in enumerate(zip(pred_sets, true_sets)):
        p, t = p - ex, t - ex
        out[i] = (len(p & t), len(p), len(t))
    return out


def _micro(c: np.ndarray) -> tuple[float, float, float]:
    tp, npred, ntrue = c.sum(0)
    p = tp / npred if npred else 0.0
    r = tp / ntrue if ntrue else 0.0
    return float(p), float(r), float(2 * p * r / (p + r) if p + r else 0.0)


def token_prf(pred_sets, true_sets, exclude: Iterable[str] = ()) -> dict:
    """Token precision, recall and F1 of predicted word sets.

    *Micro* scores pool every sentence's true positives, predictions and true words;
    ``sentence_f1`` holds each sentence's own F1 (:func:`set_prf`; NaN where the true set is
    empty after ``exclude``). Words in ``exclude`` are removed from both sides first.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1`` (micro, floats), ``sentence_f1`` (ndarray, shape (n,)),
        ``mean_sentence_f1`` (mean over sentences with a non-empty true set).
    """
    c = _counts(pred_sets, true_sets, exclude)
    p, r, f = _micro(c)
    tp, npred, ntrue = c[:, 0].astype(float), c[:, 1].astype(float), c[:, 2].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sp = np.where(npred > 0, tp / np.maximum(npred, 1), 0.0)
        sr = tp / ntrue
        sf = np.where(sp + sr > 0, 2 * sp * sr / (sp + sr), 0.0)
    sf = np.where(ntrue > 0, sf, np.nan)
    return {"precision": p, "recall": r, "f1": f, "sentence_f1": sf,
            "mean_sentence_f1": float(np.nanmean(sf)) if np.isfinite(sf).any() else float("nan")}


def token_prf_ci(pred_sets, true_sets, exclude: Iterable[str] = (), n_boot: int = 1000, seed: int = 0) -> dict:
    """:func:`token_prf` with 95% bootstrap intervals over sentences (:class:`lib.stats.Estimate` values).

    Returns ``precision``, ``recall``, ``f1`` (micro) and ``mean_sentence_f1``.
    """
    from .stats import bootstrap, mean_ci

    c = _counts(pred_sets, true_sets, exclude)
    res = token_prf(pred_sets, true_sets, exclude)
    out = {name: bootstrap(lambda idx, j=j: _micro(c[idx])[j], len(c), n_boot, seed=seed)
           for j, name in enumerate(("precision", "recall", "f1"))}
    sf = res["sentence_f1"]
    out["mean_sentence_f1"] = mean_ci(sf[np.isfinite(sf)], n_boot, seed=seed)
    return out


def recall_by_rank(pred_sets, true_sets, rank: dict, edges: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Recall of the true words grouped by their frequency rank.

    Parameters
    ----------
    rank : dict
        Word -> rank (0 = most frequent), e.g. ``{w: i for i, w in enumerate(vocab)}``.
        Words missing from it go to a last group ("unranked").
    edges : increasing ints
        Group ``g`` holds ranks in ``[edges[g], edges[g + 1])``.

    Returns
    -------
    recall : ndarray, shape (len(edges),)
        One value for each of the ``len(edges) - 1`` rank ranges, then one for the unranked words;
        NaN for an empty group.
    count : ndarray of int, shape (len(edges),)
        Number of true word occurrences in each group.
    """
    pred_sets = _check_sets(pred_sets, "pred_sets")
    true_sets = _check_sets(true_sets, "true_sets")
    if len(pred_sets) != len(true_sets):
        raise ValueError(f"length mismatch: {len(pred_sets)} predicted sets but {len(true_sets)} true sets")
    edges = np.asarray(edges)
    if edges.ndim != 1 or edges.size < 2 or not (np.diff(edges) > 0).all():
        raise ValueError(f"edges must be at least two increasing integers; got {edges.tolist()}")
    G = len(edges)
    hit, cnt = np.zeros(G), np.zeros(G, dtype=np.int64)
    for p, t in zip(pred_sets, true_sets):
        for w in t:
            r = rank.get(w)
            if r is None or r >= edges[-1] or r < edges[0]:
                g = G - 1
            else:
                g = int(np.searchsorted(edges, r, side="right")) - 1
            cnt[g] += 1
            hit[g] += w in p
    with np.errstate(invalid="ignore"):
        return np.where(cnt > 0, hit / np.maximum(cnt, 1), np.nan), cnt


# --------------------------------------------------------------------------- defence
def add_gaussian_noise(X, sigma: float, seed: int = 0) -> np.ndarray:
    """``X + sigma * N(0, I)``, the noise drawn with ``seed``; shape ``(n, d)`` kept, rows not renormalised.

    For unit vectors in d dimensions the noise has norm about ``sigma * sqrt(d)``.
    """
    X = checks.as_matrix(X, "X")
    if not (np.isfinite(sigma) and sigma >= 0):
        raise ValueError(f"sigma must be a finite non-negative number; got {sigma}")
    rng = np.random.default_rng(seed)
    return (X + sigma * rng.standard_normal(X.shape)).astype(np.float32)


def same_group_rr(X, groups) -> np.ndarray:
    """Retrieval quality without labels beyond a grouping: for each row of ``X`` as a query
    (itself excluded), the reciprocal rank of the first other row of the same group (cosine).

    Parameters
    ----------
    X : array_like, shape (n, d)
    groups : array_like of int, shape (n,)
        E.g. the article of each sentence.

    Returns
    -------
    ndarray, shape (n,)
        0 for a query whose group has no other member.
    """
    from .search import top_k

    X = checks.as_matrix(X, "X")
    g = np.asarray(groups)
    if g.shape != (X.shape[0],):
        raise ValueError(f"shape mismatch: X has {X.shape[0]} rows but groups has shape {g.shape}")
    if X.shape[0] < 2:
        raise ValueError("need at least 2 rows to retrieve among")
    idx, _ = top_k(X, X, k=X.shape[0] - 1, exclude_self=True)
    hit = g[idx] == g[:, None]
    first = hit.argmax(1)
    return np.where(hit.any(1), 1.0 / (first + 1), 0.0)


def neighbour_agreement(X_clean, X_noisy, k: int = 10) -> float:
    """Mean overlap (fraction of ``k``) between each row's ``k`` nearest neighbours (itself
    excluded, cosine) among the clean and among the noisy vectors; shapes (n, d) both."""
    from .search import top_k

    A = checks.as_matrix(X_clean, "X_clean")
    B = checks.as_matrix(X_noisy, "X_noisy")
    if A.shape != B.shape:
        raise ValueError(f"shape mismatch: X_clean {A.shape} vs X_noisy {B.shape}")
    k = checks.check_k(k, A.shape[0] - 1, "other rows")
    ia, _ = top_k(A, A, k=k, exclude_self=True)
    ib, _ = top_k(B, B, k=k, exclude_self=True)
    return float(np.mean([len(set(a) & set(b)) / k for a, b in zip(ia.tolist(), ib.tolist())]))
