"""Extrinsic evaluation on word-level tasks with gold labels: a classifier over frozen vectors.

A logistic-regression classifier reads each item's vector (a word's, or for a pair ``(x, y)`` the
features of :func:`pair_features`) and is scored out of fold on :func:`lib.data.lexical_folds`,
so no test word was seen in training. Accuracy and macro-F1 carry bootstrap intervals over the
tested items, and :func:`paired_extrinsic` compares two models on the same items. The tasks are
:mod:`lib.data.wordnet_tasks`'s.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from .. import cache, checks, linalg
from ..data.wordnet_tasks import WordTask, lexical_folds
from ..stats import MIN_BOOT, Estimate, mean_ci, paired_difference
from ._common import _table

__all__ = ['ExtrinsicResult', 'macro_f1', 'pair_features', 'extrinsic', 'paired_extrinsic']

_FEATURES = ('concat_product', 'concat')


def macro_f1(gold, predicted, n_classes: int | None = None) -> float:
    """Unweighted mean of the per-class F1 over the classes present in ``gold`` or ``predicted``.

    The same as scikit-learn's ``f1_score(gold, predicted, average='macro')``.

    Parameters
    ----------
    gold, predicted : array_like of int, shape (n,)
        Class indices, ``0 <= label < n_classes``.
    n_classes : int, optional
        Default ``max(label) + 1``.

    Returns
    -------
    float

    Examples
    --------
    >>> macro_f1([0, 0, 1, 1], [0, 1, 1, 1])
    0.7333333333333334
    """
    g = np.asarray(gold)
    p = np.asarray(predicted)
    if g.shape != p.shape or g.ndim != 1 or g.size == 0:
        raise ValueError(f"gold and predicted must be non-empty 1-D arrays of one shape; got {g.shape} and {p.shape}")
    if g.dtype.kind not in 'iu' or p.dtype.kind not in 'iu' or min(g.min(), p.min()) < 0:
        raise ValueError("gold and predicted must hold non-negative integer class indices")
    k = int(max(g.max(), p.max())) + 1 if n_classes is None else checks.integer(n_classes, 'n_classes', lo=1)
    tp = np.bincount(g[g == p], minlength=k)
    support = np.bincount(g, minlength=k)
    guessed = np.bincount(p, minlength=k)
    present = (support + guessed) > 0
    f1 = 2 * tp[present] / (support[present] + guessed[present])
    return float(f1.mean())


def _macro_f1_rows(gold, predicted, k, idx):
    """Macro-F1 of each resample: ``idx`` of shape (B, n) indexes ``gold`` and ``predicted``."""
    offset = (np.arange(idx.shape[0]) * k)[:, None]
    g, p = gold[idx], predicted[idx]
    size = idx.shape[0] * k
    tp = np.bincount((offset + g)[g == p], minlength=size).reshape(-1, k)
    support = np.bincount((offset + g).ravel(), minlength=size).reshape(-1, k)
    guessed = np.bincount((offset + p).ravel(), minlength=size).reshape(-1, k)
    total = support + guessed
    f1 = np.where(total > 0, 2 * tp / np.maximum(total, 1), 0.0)
    return f1.sum(1) / (total > 0).sum(1)


def _macro_f1_interval(parts, n_boot, level, seed, chunk=250):
    """Percentile bootstrap of ``sum(sign * macro_f1(gold, pred))`` over ``parts`` of (gold, pred, k, sign).

    The same resamples and bounds as :func:`lib.stats.bootstrap` (tested), drawn in blocks of rows.
    """
    n = len(parts[0][0])
    if n < 2:
        raise ValueError(f"need at least 2 tested items for an interval; got {n}")
    n_boot = checks.integer(n_boot, 'n_boot')
    if n_boot < MIN_BOOT:
        raise ValueError(f"n_boot must be a positive integer of at least {MIN_BOOT} for an interval; got {n_boot}")
    level = checks.number(level, 'level', 0, 1, lo_open=True, hi_open=True)
    full = sum(sign * macro_f1(g, p, k) for g, p, k, sign in parts)
    rng = np.random.default_rng(seed)
    reps = []
    for start in range(0, n_boot, chunk):
        idx = rng.integers(0, n, (min(chunk, n_boot - start), n))
        reps.append(sum(sign * _macro_f1_rows(g, p, k, idx) for g, p, k, sign in parts))
    reps = np.concatenate(reps)
    alpha = (1 - level) / 2
    return Estimate(float(full), float(np.quantile(reps, alpha)), float(np.quantile(reps, 1 - alpha)), level)


def pair_features(x, y, kind: str = 'concat_product') -> np.ndarray:
    """Features of word pairs from the unit vectors of their words.

    Parameters
    ----------
    x, y : array_like, shape (n, d)
        Vectors of the first and second word of each pair.
    kind : {'concat_product', 'concat'}
        ``'concat'`` is ``[x, y]``: a linear classifier over it adds a score of ``x`` to a score of
        ``y`` and cannot see how the two relate (Levy et al. 2015); ``'concat_product'`` appends
        the elementwise product ``x * y``, whose weighted sum is a learned similarity.

    Returns
    -------
    ndarray of float32, shape (n, 2d) or (n, 3d)

    Examples
    --------
    >>> pair_features([[1.0, 0.0]], [[0.0, 2.0]]).tolist()
    [[1.0, 0.0, 0.0, 1.0, 0.0, 0.0]]
    """
    kind = checks.choice(kind, 'kind', _FEATURES)
    x = linalg.unit(checks.as_matrix(x, 'x'), name='x')
    y = linalg.unit(checks.as_matrix(y, 'y'), name='y')
    checks.same_dim(x, y, ('x', 'y'))
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} rows but y has {y.shape[0]}; one row per pair in each")
    parts = [x, y] + ([x * y] if kind == 'concat_product' else [])
    return np.hstack(parts).astype(np.float32)


@dataclass
class ExtrinsicResult:
    """Out-of-fold scores of one embedding on one :class:`lib.data.WordTask`.

    Attributes
    ----------
    task : str
    accuracy, macro_f1 : Estimate
        With percentile-bootstrap intervals over the tested items (``low == high == value`` when
        ``n_boot=0``).
    tested : ndarray of int64, shape (n_tested,)
        Indices into the task's items that were tested (pairs split across folds never are).
    gold, predicted : ndarray of int64, shape (n_tested,)
    n_classes : int
    setup : dict
        Folds, seed, C and features: two results are comparable when these and ``tested`` agree.
    """

    task: str
    accuracy: Estimate
    macro_f1: Estimate
    tested: np.ndarray = field(repr=False)
    gold: np.ndarray = field(repr=False)
    predicted: np.ndarray = field(repr=False)
    n_classes: int = 0
    setup: dict = field(default_factory=dict, repr=False)

    @property
    def correct(self) -> np.ndarray:
        """Whether each tested item was classified right, shape (n_tested,), bool."""
        return self.gold == self.predicted

    def __str__(self) -> str:
        return f"{self.task}: accuracy {self.accuracy}, macro-F1 {self.macro_f1} on {len(self.gold):,} items"


def _features(emb, task: WordTask, features: str) -> np.ndarray:
    vocab, vecs = _table(emb)
    missing = [w for w in task.words() if w not in vocab]
    if missing:
        raise ValueError(f"the embedding lacks {len(missing)} of the task's words (e.g. {missing[:3]}); "
                         f"restrict the task to the words every model knows: task.restrict(vocab)")
    if task.is_pairs:
        xs = vecs[[vocab[x] for x, _ in task.items]]
        ys = vecs[[vocab[y] for _, y in task.items]]
        return pair_features(xs, ys, features)
    return linalg.unit(vecs[[vocab[w] for w in task.items]], name='embedding vectors').astype(np.float32)


def _predict(X, labels, test_fold, train, C, max_iter):
    predicted = np.full(len(labels), -1, dtype=np.int64)
    for k, mask in enumerate(train):
        test = test_fold == k
        if not test.any():
            continue
        if len(np.unique(labels[mask])) < 2:
            raise ValueError(f"fold {k}'s training items hold a single class; use fewer folds or a larger task")
        model = make_pipeline(StandardScaler(), LogisticRegression(C=C, max_iter=max_iter))
        # one BLAS thread: on a busy 2-core machine the threaded solver ran up to 50 times slower
        with threadpool_limits(1):
            predicted[test] = model.fit(X[mask], labels[mask]).predict(X[test])
    return predicted


def extrinsic(emb, task, n_folds: int = 5, C: float = 1.0, seed: int = 0, n_boot: int = 1000,
              features: str = 'concat_product', max_iter: int = 2000, use_cache: bool = True) -> ExtrinsicResult:
    """Score frozen vectors on a word task with a logistic-regression classifier and lexical folds.

    Parameters
    ----------
    emb : KeyedVectors-like
        ``key_to_index`` and ``vectors`` of shape ``(n_words, d)``; must know every word of ``task``.
    task : WordTask
        From :mod:`lib.data.wordnet_tasks` (restricted to the shared vocabulary).
    n_folds : int
        Lexical folds (:func:`lib.data.lexical_folds`).
    C : float
        Inverse regularisation strength of the classifier, ``> 0``.
    seed : int
        Seed of the folds and of the bootstrap.
    n_boot : int
        Bootstrap resamples for the intervals (0: none, else at least 100).
    features : {'concat_product', 'concat'}
        How a pair becomes a vector (:func:`pair_features`); ignored for single words.
    max_iter : int
        Iterations of the solver.
    use_cache : bool
        Reuse the out-of-fold predictions, cached under a hash of the vectors used, the task and
        every setting.

    Returns
    -------
    ExtrinsicResult
    """
    if not isinstance(task, WordTask):
        raise TypeError(f"task must be a lib.data.WordTask; got {type(task).__name__}")
    n_folds = checks.integer(n_folds, 'n_folds', lo=2)
    C = checks.number(C, 'C', lo=0, lo_open=True)
    seed = checks.integer(seed, 'seed', lo=0)
    n_boot = checks.integer(n_boot, 'n_boot', lo=0)
    features = checks.choice(features, 'features', _FEATURES)
    max_iter = checks.integer(max_iter, 'max_iter', lo=1)
    if len(task) == 0 or len(np.unique(task.labels)) < 2:
        raise ValueError(f"task {task.name!r} needs items of at least two classes; got {len(task)} items")
    X = _features(emb, task, features)
    test_fold, train = lexical_folds(task, n_folds, seed)
    setup = {'n_folds': n_folds, 'seed': seed, 'C': C, 'features': features if task.is_pairs else 'vector',
             'max_iter': max_iter, 'task': task.fingerprint()}
    params = {**setup, 'vectors': hashlib.sha1(np.ascontiguousarray(X).tobytes()).hexdigest()}

    def compute():
        return _predict(X, task.labels, test_fold, train, C, max_iter)

    predicted = (cache.cached_array('extrinsic-predictions', params, compute) if use_cache else compute())
    tested = np.flatnonzero(test_fold >= 0)
    gold, pred = task.labels[tested], predicted[tested]
    k = len(task.classes)
    if n_boot:
        acc = mean_ci((gold == pred).astype(float), n_boot, seed=seed)
        f1 = _macro_f1_interval([(gold, pred, k, 1)], n_boot, 0.95, seed)
    else:
        a, f = float((gold == pred).mean()), macro_f1(gold, pred, k)
        acc, f1 = Estimate(a, a, a), Estimate(f, f, f)
    return ExtrinsicResult(task.name, acc, f1, tested, gold, pred, k, setup)


def paired_extrinsic(a: ExtrinsicResult, b: ExtrinsicResult, n_boot: int = 1000, level: float = 0.95,
                     seed: int = 0, metrics=('accuracy', 'macro_f1')) -> dict:
    """Paired bootstrap of the differences ``a - b`` in accuracy and macro-F1 on the same items.

    Parameters
    ----------
    a, b : ExtrinsicResult
        Of the same task, folds and settings (so the same tested items).
    n_boot : int
        At least 100.
    level : float
    seed : int
    metrics : sequence of {'accuracy', 'macro_f1'}
        Which differences to compute.

    Returns
    -------
    dict
        ``'accuracy'`` and/or ``'macro_f1'``: :class:`lib.stats.Estimate` of the difference.
    """
    for name, r in (('a', a), ('b', b)):
        if not isinstance(r, ExtrinsicResult):
            raise TypeError(f"{name} must be an ExtrinsicResult; got {type(r).__name__}")
    if a.setup != b.setup or not np.array_equal(a.tested, b.tested):
        raise ValueError("a and b were not scored on the same task, folds and settings; "
                         "a paired comparison needs the same items")
    n_boot = checks.integer(n_boot, 'n_boot', lo=1)
    k = a.n_classes
    out = {}
    for m in metrics:
        checks.choice(m, 'metrics', ('accuracy', 'macro_f1'))
    if 'accuracy' in metrics:
        out['accuracy'] = paired_difference(a.correct.astype(float), b.correct.astype(float), n_boot, level, seed)
    if 'macro_f1' in metrics:
        out['macro_f1'] = _macro_f1_interval([(a.gold, a.predicted, k, 1), (b.gold, b.predicted, k, -1)],
                                             n_boot, level, seed)
    return out
