"""Checks for the exercises of Part II (static embeddings).

Each ``check_*`` takes the learner's function, runs it on fresh inputs, compares it with
the library version in :mod:`lib.static`, :mod:`lib.linalg`, :mod:`lib.evaluate` or :mod:`lib.stats`,
and prints ``PASSED ...`` or raises :class:`~lib.exercises.ExerciseError` saying what is off.
"""
from __future__ import annotations

import numpy as np

from .. import data, evaluate, linalg, models, static, stats
from . import ExerciseError, close, exercise, expect, hidden, implemented, passed, rng as _rng, seed as _seed

__all__ = ["check_ppmi", "check_sgns_optimum", "check_rotation", "check_sgns_pair", "check_char_ngrams",
           "glove_loss_reference", "check_glove_loss", "check_keep_probability", "check_noise_distribution",
           "check_3cosmul", "check_paired_interval", "check_shared_pairs", "check_lexical_split"]


def _call(fn, *args, what: str):
    try:
        out = fn(*args)
    except ExerciseError:
        raise
    except Exception as exc:  # noqa: BLE001 - report any learner error clearly
        raise ExerciseError(f"{what} raised {type(exc).__name__}: {exc}") from exc
    implemented(out, what)
    return out


# ----------------------------------------------------------------------------- chapter 1
@exercise("ex-p2-c1-ppmi", forbids=('lib.static.ppmi',))
def check_ppmi(fn) -> str:
    """Exercise ex-p2-c1-ppmi: ``fn(counts) -> PPMI`` (dense, no smoothing, no shift) against :func:`lib.static.ppmi`.

    Parameters
    ----------
    fn : callable, ndarray (V, C) -> ndarray (V, C)

    Returns
    -------
    str
        ``"PASSED ex-p2-c1-ppmi"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(7)
    for shape in [(4, 5), (9, 9)]:
        X = rng.integers(0, 6, shape).astype(float)
        X[0, :] = np.maximum(X[0, :], 1)            # no all-zero row
        got = _call(fn, X.copy(), what="your ppmi(counts)")
        close(got, static.ppmi(X).toarray(), 1e-6, f"ppmi of a {shape} count matrix")
    got = np.asarray(fn(np.array([[2.0, 0.0], [0.0, 2.0]])))
    expect(np.isfinite(got).all(), "a zero count must give PPMI 0, not -inf or NaN (clip log 0 at 0)")
    return passed("ex-p2-c1-ppmi", 2)


@exercise("ex-p2-c1-shift", forbids=())
def check_sgns_optimum(fn) -> str:
    """Exercise ex-p2-c1-shift: ``fn(n_wc, n_w, n_c, total, k)``, the dot product SGNS converges to for one pair.

    Parameters
    ----------
    fn : callable, five numbers -> float
        ``log(n_wc * total / (n_w * n_c)) - log(k)`` when right.

    Returns
    -------
    str
        ``"PASSED ex-p2-c1-shift"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    cases = [(10, 100, 50, 10_000, 5), (3, 40, 400, 1_000_000, 1), (1, 2, 2, 4, 15)]
    if hidden():                # other counts: a pair seen once, a pair that is all of both words' counts, ...
        rng = _rng(13)
        n_w, n_c = rng.integers(1, 5000, 4), rng.integers(1, 5000, 4)
        n_wc = np.maximum(1, (np.minimum(n_w, n_c) * rng.random(4)).astype(int))
        n_wc[0] = 1
        n_wc[1], n_w[1] = n_c[1], n_c[1]
        total = np.maximum(n_w, n_c) * rng.integers(2, 10_000, 4)
        cases = list(zip(n_wc.tolist(), n_w.tolist(), n_c.tolist(), total.tolist(), rng.integers(1, 26, 4).tolist()))
    for n_wc, n_w, n_c, total, k in cases:
        got = _call(fn, n_wc, n_w, n_c, total, k, what="your sgns_optimum(...)")
        expected = np.log(n_wc * total / (n_w * n_c)) - np.log(k)
        close(got, expected, 1e-9, f"the optimum for #(w,c)={n_wc}, #w={n_w}, #c={n_c}, D={total}, k={k}")
    return passed("ex-p2-c1-shift", 2)


@exercise("ex-p2-c1-procrustes", forbids=('lib.linalg.Procrustes',))
def check_rotation(fn) -> str:
    """Exercise ex-p2-c1-procrustes: ``fn(A, B) -> R``, the orthogonal matrix minimising ``||A R - B||``.

    Compared with :class:`lib.linalg.Procrustes` without scale.

    Parameters
    ----------
    fn : callable, (ndarray (n, d), ndarray (n, d)) -> ndarray (d, d)

    Returns
    -------
    str
        ``"PASSED ex-p2-c1-procrustes"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(3)
    A = rng.standard_normal((40, 5))
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    B = A @ Q + 0.05 * rng.standard_normal((40, 5))
    R = np.asarray(_call(fn, A, B, what="your rotation(A, B)"), dtype=float)
    expect(R.shape == (5, 5), f"R should be d x d = (5, 5); got shape {R.shape}")
    close(R.T @ R, np.eye(5), 1e-6, "R^T R (R must be orthogonal)")
    best = linalg.Procrustes(scale=False).fit(A, B)
    close(A @ R, best.transform(A), 1e-6, "A @ R (compared with the optimal rotation, lib.linalg.Procrustes)")
    return passed("ex-p2-c1-procrustes", 3)


# ----------------------------------------------------------------------------- chapter 2
@exercise("ex-p2-c2-sgns", forbids=('lib.static.sgns_loss_and_grads',))
def check_sgns_pair(fn) -> str:
    """Exercise ex-p2-c2-sgns: ``fn(w, c_pos, c_neg) -> (loss, grad_w)`` for one centre word.

    Parameters
    ----------
    fn : callable, (ndarray (d,), ndarray (d,), ndarray (k, d)) -> (float, ndarray (d,))
        Compared with :func:`lib.static.sgns_loss_and_grads`.

    Returns
    -------
    str
        ``"PASSED ex-p2-c2-sgns"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(11)
    for k in (1, 5):
        w, cp, cn = rng.standard_normal(6), rng.standard_normal(6), rng.standard_normal((k, 6))
        out = _call(fn, w.copy(), cp.copy(), cn.copy(), what="your sgns_pair(w, c_pos, c_neg)")
        expect(isinstance(out, tuple) and len(out) == 2, "return a tuple (loss, grad_w)")
        loss, gw, _, _ = static.sgns_loss_and_grads(w[None], cp[None], cn[None])
        close(out[0], loss, 1e-6, f"the loss (k={k})")
        close(np.asarray(out[1]).reshape(-1), gw[0], 1e-6, f"the gradient with respect to w (k={k})")
    return passed("ex-p2-c2-sgns", 3)


@exercise("ex-p2-c2-ngrams", forbids=('lib.static.char_ngrams',))
def check_char_ngrams(fn) -> str:
    """Exercise ex-p2-c2-ngrams: ``fn(word, min_n, max_n)`` against :func:`lib.static.char_ngrams`.

    Parameters
    ----------
    fn : callable, (str, int, int) -> list of str
        fastText's n-grams of ``<word>``, shortest first.

    Returns
    -------
    str
        ``"PASSED ex-p2-c2-ngrams"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    cases = [("where", 3, 3), ("embedding", 3, 6), ("ox", 3, 6), ("a", 1, 2)]
    if hidden():                # other words (repeated letters, accents, longer than max_n + 2 or not) and ranges
        rng = _rng(17)
        letters = list("aabeinorstuéß")
        cases = [("".join(rng.choice(letters, rng.integers(1, 13))), int(lo), int(lo + rng.integers(0, 4)))
                 for lo in rng.integers(1, 6, 6)] + [("aaaa", 2, 3), ("x" * 7, 9, 9)]
    for word, lo, hi in cases:
        got = _call(fn, word, lo, hi, what=f"your char_ngrams({word!r}, {lo}, {hi})")
        exp = static.char_ngrams(word, lo, hi)
        should = "is wrong (n-grams of '<' + word + '>', all n from min_n to max_n, shortest first)" if hidden() \
            else f"should be {exp}"
        expect(list(got) == exp, f"char_ngrams({word!r}, {lo}, {hi}) {should}; got {list(got)}")
    return passed("ex-p2-c2-ngrams", 2)


def glove_loss_reference(W, W_ctx, b, b_ctx, X, x_max: float = 100.0, alpha: float = 0.75) -> float:
    """GloVe's weighted least-squares loss over the non-zero cells of ``X`` (the checker's reference).

    Parameters
    ----------
    W, W_ctx : ndarray, shape (V, d)
    b, b_ctx : ndarray, shape (V,)
    X : ndarray, shape (V, V), non-negative counts
    x_max, alpha : float
        As in :func:`lib.static.glove_weight`.

    Returns
    -------
    float
        ``sum f(X_ij) (w_i . c_j + b_i + b_j - log X_ij)^2`` over ``X_ij > 0``.
    """
    i, j = np.nonzero(X)
    err = (W[i] * W_ctx[j]).sum(1) + b[i] + b_ctx[j] - np.log(X[i, j])
    return float((static.glove_weight(X[i, j], x_max, alpha) * err ** 2).sum())


@exercise("ex-p2-c2-glove", forbids=('lib.exercises.part2.glove_loss_reference',))
def check_glove_loss(fn) -> str:
    """Exercise ex-p2-c2-glove: ``fn(W, W_ctx, b, b_ctx, X) -> float``, GloVe's objective.

    Parameters
    ----------
    fn : callable
        Takes ``W, W_ctx`` of shape (V, d), ``b, b_ctx`` of shape (V,) and counts ``X`` (V, V);
        compared with :func:`glove_loss_reference`.

    Returns
    -------
    str
        ``"PASSED ex-p2-c2-glove"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(5)
    V, d = 12, 4
    X = rng.integers(0, 300, (V, V)).astype(float) * (rng.random((V, V)) < 0.5)
    W, Wc = rng.standard_normal((V, d)) * 0.3, rng.standard_normal((V, d)) * 0.3
    b, bc = rng.standard_normal(V) * 0.1, rng.standard_normal(V) * 0.1
    got = _call(fn, W, Wc, b, bc, X, what="your glove_loss(...)")
    expected = glove_loss_reference(W, Wc, b, bc, X)
    expect(np.isfinite(float(got)), "the loss is not finite: skip the cells where X is 0 (log 0 = -inf)")
    close(float(got), expected, 1e-6 * max(1.0, abs(expected)), "the GloVe loss")
    return passed("ex-p2-c2-glove", 2)


# ----------------------------------------------------------------------------- chapter 3 (hyperparameters)
@exercise("ex-p2-c3-subsample", forbids=('lib.static.keep_probability',))
def check_keep_probability(fn) -> str:
    """Exercise ex-p2-c3-subsample: ``fn(counts, t) -> keep probabilities`` against :func:`lib.static.keep_probability`.

    Parameters
    ----------
    fn : callable, (counts (V,), t) -> keep probabilities (V,)

    Returns
    -------
    str
        ``"PASSED ex-p2-c3-subsample"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(1)
    for t in (1e-3, 1e-5):
        counts = np.sort(rng.zipf(1.3, 500))[::-1].astype(float)
        got = _call(fn, counts.copy(), t, what="your keep_probability(counts, t)")
        close(got, static.keep_probability(counts, t), 1e-9, f"the keep probabilities (t={t:g})")
    return passed("ex-p2-c3-subsample", 2)


@exercise("ex-p2-c3-noise", forbids=('lib.static.noise_distribution',))
def check_noise_distribution(fn) -> str:
    """Exercise ex-p2-c3-noise: ``fn(counts, power) -> probabilities`` against :func:`lib.static.noise_distribution`.

    Parameters
    ----------
    fn : callable, (counts (V,), power) -> probabilities (V,) summing to 1

    Returns
    -------
    str
        ``"PASSED ex-p2-c3-noise"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    cases = [(np.array([5000.0, 800, 120, 30, 7, 1]), power) for power in (1.0, 0.75, 0.0)]
    if hidden():                # other (unsorted) counts, a zero count, other powers
        rng = _rng(19)
        counts = rng.zipf(1.5, 40).astype(float)
        counts[rng.integers(0, 40)] = 0.0
        cases = [(counts, float(power)) for power in (0.75, rng.uniform(0.1, 0.9), 2.0)]
    for counts, power in cases:
        got = _call(fn, counts.copy(), power, what="your noise_distribution(counts, power)")
        close(got, static.noise_distribution(counts, power), 1e-9, f"the noise distribution (power={power})")
    return passed("ex-p2-c3-noise", 2)


# ----------------------------------------------------------------------------- chapter 4 (evaluating)
@exercise("ex-p2-c4-3cosmul", forbids=('lib.evaluate.analogy',))
def check_3cosmul(fn) -> str:
    """Exercise ex-p2-c4-3cosmul: ``fn(W, a, b, c) -> index`` of the 3CosMul answer, against :func:`lib.evaluate.analogy`.

    Parameters
    ----------
    fn : callable, (ndarray (V, d) of unit rows, int, int, int) -> int

    Returns
    -------
    str
        ``"PASSED ex-p2-c4-3cosmul"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(2)
    V, d = 60, 8
    W = rng.standard_normal((V, d))
    words = [f"w{i}" for i in range(V)]
    kv = models.keyed_vectors(words, W)
    qs = [tuple(rng.choice(V, 3, replace=False)) for _ in range(40)]
    Wn = linalg.unit(W, dtype=np.float64)
    answers = []
    for a, b, c in qs:
        got = int(_call(fn, Wn.copy(), int(a), int(b), int(c), what="your three_cos_mul(W, a, b, c)"))
        expect(got not in (a, b, c), f"the answer for ({a}, {b}, {c}) is one of the question words; exclude a, b and c")
        answers.append(got)
    ds = data.AnalogyDataset({"gram-test": [(words[a], words[b], words[c], words[x]) for (a, b, c), x in zip(qs, answers)]})
    res = evaluate.analogy(kv, ds, method="3cosmul", restrict_vocab=None)
    wrong = int((~res.correct).sum())
    expect(wrong == 0, f"{wrong} of {len(qs)} answers differ from lib.evaluate.analogy(method='3cosmul'); "
                       "score s(x,b) s(x,c) / (s(x,a) + 1e-6) with s = (1 + cos) / 2")
    return passed("ex-p2-c4-3cosmul", 3)


@exercise("ex-p2-c4-paired", forbids=('lib.stats.paired_difference',))
def check_paired_interval(fn) -> str:
    """Exercise ex-p2-c4-paired: ``fn(a, b, n_boot, seed) -> (low, high)``, a paired bootstrap interval of ``mean(a - b)``.

    Parameters
    ----------
    fn : callable, (ndarray (n,), ndarray (n,), int, int) -> (float, float)
        Compared with :func:`lib.stats.paired_difference`.

    Returns
    -------
    str
        ``"PASSED ex-p2-c4-paired"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(4)
    a = (rng.random(300) < 0.55).astype(float)
    b = (rng.random(300) < 0.45).astype(float)
    out = _call(fn, a, b, 2000, 0, what="your paired_interval(a, b, n_boot, seed)")
    expect(len(out) == 2, "return a pair (low, high)")
    ref = stats.paired_difference(a, b, n_boot=2000, seed=0)
    low, high = float(out[0]), float(out[1])
    expect(low < high, f"low ({low:.3f}) must be below high ({high:.3f})")
    close([low, high], [ref.low, ref.high], 0.015,
          "(low, high); resample the *pairs* (one index array for both systems), not a and b separately")
    return passed("ex-p2-c4-paired", 2)


@exercise("ex-p2-c4-shared", forbids=('lib.evaluate.shared_pairs',))
def check_shared_pairs(fn) -> str:
    """Exercise ex-p2-c4-shared: ``fn(emb_a, emb_b, dataset) -> (rho_a, rho_b, n)``, Spearman of both on the pairs both cover.

    Parameters
    ----------
    fn : callable, (KeyedVectors, KeyedVectors, SimilarityDataset) -> (float, float, int)

    Returns
    -------
    str
        ``"PASSED ex-p2-c4-shared"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(9)
    ds = data.wordsim353()
    vocab = sorted({w for p in ds.pairs for w in p})
    a_words = [w for w in vocab if rng.random() < 0.8]
    b_words = [w for w in vocab if rng.random() < 0.7]
    ea = models.keyed_vectors(a_words, rng.standard_normal((len(a_words), 5)))
    eb = models.keyed_vectors(b_words, rng.standard_normal((len(b_words), 5)))
    out = _call(fn, ea, eb, ds, what="your shared_pairs(emb_a, emb_b, dataset)")
    expect(len(out) == 3, "return (rho_a, rho_b, n_shared)")
    both = [(x, y) for x, y in ds.pairs if x in ea.key_to_index and y in ea.key_to_index
            and x in eb.key_to_index and y in eb.key_to_index]
    keep = [p in set(both) for p in ds.pairs]
    sub = data.SimilarityDataset("shared", [p for p, k in zip(ds.pairs, keep) if k], ds.scores[np.array(keep)])
    expect(int(out[2]) == len(sub), f"{len(sub)} pairs are covered by both vocabularies; you report {out[2]}")
    close([out[0], out[1]], [evaluate.word_similarity(ea, sub).spearman, evaluate.word_similarity(eb, sub).spearman],
          1e-6, "(rho_a, rho_b) on the shared pairs")
    return passed("ex-p2-c4-shared", 2)


def _lexical_split_reference(pairs, test_words):
    test_words = set(test_words)
    inside = np.array([[x in test_words, y in test_words] for x, y in pairs], dtype=bool).reshape(-1, 2)
    return ~inside.any(axis=1), inside.all(axis=1)


@exercise("ex-p2-c4-lexical", forbids=('lib.data.lexical_folds',))
def check_lexical_split(fn) -> str:
    """Exercise ex-p2-c4-lexical: ``fn(pairs, test_words) -> (train, test)``, boolean masks of a lexical split.

    Parameters
    ----------
    fn : callable, (list of (str, str), set of str) -> (ndarray of bool (n,), ndarray of bool (n,))
        ``test`` marks the pairs whose two words are both test words, ``train`` those with neither
        (the rule of :func:`lib.data.lexical_folds`).

    Returns
    -------
    str
        ``"PASSED ex-p2-c4-lexical"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(11)
    words = [f"w{i}" for i in range(40)]
    for n in (60, 200):
        pairs = [tuple(rng.choice(words, 2, replace=False)) for _ in range(n)]
        test_words = set(rng.choice(words, 12, replace=False))
        out = _call(fn, pairs, test_words, what="your lexical_split(pairs, test_words)")
        expect(len(out) == 2, "return a pair of masks (train, test)")
        train, test = (np.asarray(m) for m in out)
        expect(train.shape == test.shape == (n,), f"both masks must have shape ({n},), one entry per pair")
        expect(train.dtype == bool and test.dtype == bool, "return boolean masks")
        ref_train, ref_test = _lexical_split_reference(pairs, test_words)
        used = {w for (x, y), t in zip(pairs, train) if t for w in (x, y)}
        expect(not used & test_words, "a training pair contains a test word: train needs *neither* word in test_words")
        expect(np.array_equal(test, ref_test),
               "test must hold exactly the pairs whose *two* words are test words (a pair with one is in neither set)")
        expect(np.array_equal(train, ref_train), "train must hold every pair with no test word")
    return passed("ex-p2-c4-lexical", 2)
