"""Evaluations shared by the chapters.

* :func:`word_similarity` — Spearman correlation with human scores, with pair coverage.
* :func:`analogy` — 3CosAdd / 3CosMul accuracy and mean reciprocal rank, semantic vs syntactic.
* :func:`retrieval_scores` — recall@k, MRR and nDCG@k of ranked lists.
* :func:`probe` — cross-validated logistic-regression accuracy of fixed features.

Embeddings are anything with ``key_to_index`` (word -> row) and ``vectors`` (a 2-D
array), e.g. gensim ``KeyedVectors``; :func:`lib.models.keyed_vectors` wraps a plain
word list and matrix.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.stats import spearmanr

from . import checks, linalg
from .data import SimilarityDataset, tokenize
from .stats import Estimate, bootstrap, mean_ci

__all__ = ["SimilarityResult", "word_similarity", "AnalogyResult", "analogy", "retrieval_scores",
           "ProbeResult", "probe", "average_word_vectors", "shared_pairs", "StaticScores", "static_scores"]


def _table(emb) -> tuple[dict, np.ndarray]:
    if not (hasattr(emb, "key_to_index") and hasattr(emb, "vectors")):
        raise TypeError(f"expected KeyedVectors-like embeddings (key_to_index, vectors); got {type(emb).__name__}")
    vecs = checks.as_matrix(emb.vectors, "embedding vectors")
    vocab = emb.key_to_index
    top = max(vocab.values(), default=0)
    if top >= len(vecs):
        raise ValueError(f"the embedding's key_to_index points at row {top} but vectors has {len(vecs)} rows")
    return vocab, vecs


def _dataset(dataset, attributes: tuple[str, ...], kind: str):
    missing = [a for a in attributes if not hasattr(dataset, a)]
    if missing:
        raise TypeError(f"dataset must be a {kind} (with {', '.join(attributes)}); got {type(dataset).__name__}")
    return dataset


def _unit(x: np.ndarray) -> np.ndarray:
    return linalg.unit(x, name="embedding vectors")


def _spearman(a: np.ndarray, b: np.ndarray) -> float:
    # NaN for a constant resample without scipy's warning: bootstrap counts and reports those
    if np.ptp(a) == 0 or np.ptp(b) == 0:
        return float("nan")
    return float(spearmanr(a, b).statistic)


# --------------------------------------------------------------------------- similarity
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
        ci = bootstrap(lambda idx: _spearman(pred[idx], gold[idx]), len(pred), n_boot, seed=seed)
    return SimilarityResult(dataset.name, rho, float(covered.mean()), len(covered), int(covered.sum()), ci, pred, covered)


# --------------------------------------------------------------------------- analogies
@dataclass
class AnalogyResult:
    """Outcome of :func:`analogy`.

    Attributes
    ----------
    method : str
    accuracy, mrr : float
        Over the covered questions.
    n_questions, n_covered : int
    semantic, syntactic : float
        Accuracy on the semantic and the syntactic (``gram*``) sections.
    per_section : dict of str -> (accuracy, mrr, n_covered)
    correct, reciprocal_rank : ndarray
        Per covered question; ``sections`` gives each one's section.
    ci : Estimate or None
        Bootstrap interval on the accuracy.
    """

    method: str
    accuracy: float
    mrr: float
    n_questions: int
    n_covered: int
    semantic: float
    syntactic: float
    per_section: dict
    correct: np.ndarray = field(repr=False)
    reciprocal_rank: np.ndarray = field(repr=False)
    sections: np.ndarray = field(repr=False)
    ci: Estimate | None = None

    @property
    def coverage(self) -> float:
        return self.n_covered / self.n_questions

    def __str__(self) -> str:
        return (f"{self.method}: accuracy {self.accuracy:.3f} (semantic {self.semantic:.3f}, "
                f"syntactic {self.syntactic:.3f}), MRR {self.mrr:.3f}, {self.n_covered}/{self.n_questions} questions")


def analogy(emb, dataset, method: str = "3cosadd", restrict_vocab: int | None = 30000,
            batch: int = 512, n_boot: int = 0, seed: int = 0) -> AnalogyResult:
    """Solve ``a : b :: c : ?`` for every question and score the answers.

    The protocol of gensim's ``evaluate_word_analogies``: only the first ``restrict_vocab``
    words (the most frequent, for frequency-sorted vocabularies) are used, both as allowed
    question words and as candidate answers; questions with a word outside them are
    skipped; ``a``, ``b`` and ``c`` are never accepted as answers. The default here is 30,000,
    the setting of the original word2vec ``compute-accuracy`` tool; gensim's own default is
    300,000. A candidate that ties with the gold answer outranks it.

    Parameters
    ----------
    emb : KeyedVectors-like
        ``key_to_index`` (word -> row) and ``vectors`` of shape ``(n_words, d)``.
    dataset : lib.data.AnalogyDataset
        ``sections`` (section name -> list of ``(a, b, c, d)`` word 4-tuples) and ``is_syntactic``.
    method : {"3cosadd", "3cosmul"}
        3CosAdd ranks ``cos(x, b) - cos(x, a) + cos(x, c)``; 3CosMul (Levy & Goldberg 2014)
        ranks ``s(x, b) s(x, c) / (s(x, a) + 1e-6)`` with ``s = (1 + cos) / 2``.
    restrict_vocab : int or None
        Size of the vocabulary used, at least 4 (``None``: all words).
    batch : int
        Questions per matrix product (memory only; the result does not depend on it).
    n_boot : int
        Bootstrap resamples for an interval on the accuracy (0: none).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    AnalogyResult
        Accuracy and MRR over the covered questions, per section, and per question
        (``correct``, ``reciprocal_rank`` of shape ``(n_covered,)``).
    """
    if not isinstance(method, str) or method.lower() not in ("3cosadd", "3cosmul"):
        raise ValueError(f"unknown analogy method {method!r}; use '3cosadd' or '3cosmul'")
    method = method.lower()
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch must be a positive integer; got {batch!r}")
    vocab, vecs = _table(emb)
    _dataset(dataset, ("sections", "is_syntactic"), "AnalogyDataset")
    if restrict_vocab is not None:
        checks.integer(restrict_vocab, "restrict_vocab", lo=1)
    n_vocab = len(vecs) if restrict_vocab is None else min(int(restrict_vocab), len(vecs))
    if n_vocab < 4:
        raise ValueError(f"restrict_vocab={restrict_vocab} leaves fewer than 4 words")
    W = _unit(vecs[:n_vocab])
    qs, secs = [], []
    for sec, questions in dataset.sections.items():
        for q in questions:
            if isinstance(q, str) or len(q) != 4 or not all(isinstance(w, str) for w in q):
                raise ValueError(f"each analogy question must be a 4-tuple of words (a, b, c, d); "
                                 f"section {sec!r} has {q!r}")
            qs.append(q)
            secs.append(sec)
    n_questions = len(qs)
    if n_questions == 0:
        raise ValueError("the analogy dataset has no questions")
    keep = [i for i, q in enumerate(qs) if all(w in vocab and vocab[w] < n_vocab for w in q)]
    if not keep:
        raise ValueError("no analogy question has all four words in the (restricted) vocabulary")
    ids = np.array([[vocab[w] for w in qs[i]] for i in keep])
    sections = np.array([secs[i] for i in keep])
    rr = np.empty(len(ids))
    for s in range(0, len(ids), batch):
        a, b, c, d = ids[s:s + batch].T
        if method == "3cosadd":
            scores = (W[b] - W[a] + W[c]) @ W.T
        else:
            sa, sb, sc = ((1 + W[x] @ W.T) / 2 for x in (a, b, c))
            scores = sb * sc / (sa + 1e-6)
        rows = np.arange(len(a))
        gold = scores[rows, d].copy()
        for x in (a, b, c):
            scores[rows, x] = -np.inf
        # a gold answer equal to a question word can never be returned: rank it last
        gold[(d == a) | (d == b) | (d == c)] = -np.inf
        # ties are lost by the gold answer: a candidate scoring exactly as high outranks it
        # (otherwise all-zero or duplicated vectors would score accuracy 1.0)
        ahead = scores >= gold[:, None]
        ahead[rows, d] = False
        rr[s:s + batch] = 1.0 / (1 + ahead.sum(1))
    correct = rr == 1.0
    syn = np.array([dataset.is_syntactic(x) for x in sections])
    per_section = {}
    for sec in dataset.sections:
        m = sections == sec
        if m.any():
            per_section[sec] = (float(correct[m].mean()), float(rr[m].mean()), int(m.sum()))
    ci = mean_ci(correct.astype(float), n_boot, seed=seed) if n_boot else None
    return AnalogyResult(
        method, float(correct.mean()), float(rr.mean()), n_questions, len(ids),
        float(correct[~syn].mean()) if (~syn).any() else float("nan"),
        float(correct[syn].mean()) if syn.any() else float("nan"),
        per_section, correct, rr, sections, ci,
    )


# --------------------------------------------------------------------------- retrieval
def _relevant_sets(relevant, n_queries: int) -> list[set]:
    if relevant is None or isinstance(relevant, (str, bytes, set, frozenset, dict)) or not hasattr(relevant, "__len__"):
        raise TypeError(f"relevant must be a list with one int or set of ints per query; got {type(relevant).__name__}")
    if len(relevant) != n_queries:
        raise ValueError(f"{n_queries} ranked lists but {len(relevant)} relevance sets")
    out = []
    for i, r in enumerate(relevant):
        if r is None or isinstance(r, (str, bytes)):
            raise ValueError(f"relevant[{i}] must be an int or a set of ints; got {r!r}")
        items = [r] if np.isscalar(r) else list(r)
        if any(isinstance(x, (bool, np.bool_)) or not isinstance(x, (int, np.integer)) or x < 0 for x in items):
            raise ValueError(f"relevant[{i}] must hold non-negative integer document ids; got {r!r}")
        s = {int(x) for x in items}
        if not s:
            raise ValueError(f"query {i} has no relevant document")
        out.append(s)
    return out


def retrieval_scores(ranked, relevant, ks=(1, 10, 100)) -> dict[str, np.ndarray]:
    """Per-query recall@k, MRR and nDCG@k (binary relevance).

    Parameters
    ----------
    ranked : array_like of int, shape (n_queries, depth)
        Document ids, best first (e.g. the indices from :func:`lib.search.top_k`).
    relevant : sequence of int or of sets of int
        The relevant documents of each query.
    ks : int or tuple of int
        Cut-offs; each must be ``<= depth``.

    Returns
    -------
    dict
        ``"recall@k"`` and ``"ndcg@k"`` for each k, and ``"mrr"`` (over the full depth):
        float arrays of shape ``(n_queries,)``, each value in [0, 1]. Average them, or pass
        them to :func:`lib.stats.mean_ci` for intervals. Negative ids are padding (faiss's
        ``-1``) and never relevant; a repeated id is an error.

    Examples
    --------
    >>> s = retrieval_scores([[2, 0, 1]], [{0}], ks=(1, 3))
    >>> float(s["recall@1"][0]), float(s["recall@3"][0]), float(s["mrr"][0])
    (0.0, 1.0, 0.5)
    """
    ranked = np.asarray(ranked)
    if ranked.ndim != 2:
        raise ValueError(f"ranked must be 2-D (n_queries, depth); got shape {ranked.shape}")
    if ranked.shape[0] == 0:
        raise ValueError("ranked is empty")
    if ranked.shape[1] == 0:
        raise ValueError(f"ranked has depth 0 (shape {ranked.shape}); each query needs at least one document")
    if ranked.dtype.kind not in "iu":
        raise ValueError(f"ranked must hold integer document ids; got dtype {ranked.dtype}")
    if isinstance(ks, (int, np.integer)) and not isinstance(ks, bool):
        ks = (int(ks),)
    if isinstance(ks, (str, bytes)) or not hasattr(ks, "__iter__"):
        raise ValueError(f"ks must be an int or a tuple of ints; got {ks!r}")
    ks = tuple(ks)
    rel = _relevant_sets(relevant, ranked.shape[0])
    depth = ranked.shape[1]
    srt = np.sort(ranked, axis=1)
    dup = (srt[:, 1:] == srt[:, :-1]) & (srt[:, 1:] >= 0)
    if dup.any():
        q = int(np.nonzero(dup.any(1))[0][0])
        doc = int(srt[q, 1:][dup[q]][0])
        raise ValueError(f"the ranked list of query {q} repeats document {doc}; each id may appear once "
                         f"(negative ids are padding and are never relevant)")
    for k in ks:
        checks.check_k(k, depth, "ranked documents per query")
    hits = np.array([[doc in r for doc in row] for row, r in zip(ranked, rel)], dtype=bool)
    n_rel = np.array([len(r) for r in rel])
    out = {}
    discounts = 1.0 / np.log2(np.arange(2, depth + 2))
    for k in ks:
        out[f"recall@{k}"] = hits[:, :k].sum(1) / n_rel
        dcg = (hits[:, :k] * discounts[:k]).sum(1)
        ideal = np.array([discounts[:min(n, k)].sum() for n in n_rel])
        out[f"ndcg@{k}"] = dcg / ideal
    first = np.where(hits.any(1), hits.argmax(1) + 1, np.inf)
    out["mrr"] = 1.0 / first
    return out


# --------------------------------------------------------------------------- probe
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


# --------------------------------------------------------------------------- comparing word-vector tables
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
