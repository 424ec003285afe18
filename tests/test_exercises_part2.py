"""The Part II checkers accept a correct solution and reject a wrong one with a clear message."""
import numpy as np
import pytest

from lib import static
from lib.exercises import ExerciseError, part2


def good_ppmi(X):
    with np.errstate(divide="ignore"):
        P = np.log(X) + np.log(X.sum()) - np.log(X.sum(1, keepdims=True)) - np.log(X.sum(0, keepdims=True))
    return np.where(np.isfinite(P), np.maximum(P, 0), 0)


def good_shift(a, b, c, D, k):
    return np.log(a * D / (b * c)) - np.log(k)


def good_rotation(A, B):
    U, _, Vt = np.linalg.svd(A.T @ B)
    return U @ Vt


def good_sgns_pair(w, cp, cn):             # written from the formula, not lib.static.sgns_loss_and_grads
    sig = lambda x: 1 / (1 + np.exp(-x))  # noqa: E731
    s_pos, s_neg = w @ cp, cn @ w
    loss = -np.log(sig(s_pos)) - np.log(sig(-s_neg)).sum()
    return float(loss), (sig(s_pos) - 1) * cp + sig(s_neg) @ cn


def good_ngrams(word, lo, hi):
    w = f"<{word}>"
    return [w[i:i + n] for n in range(lo, hi + 1) for i in range(len(w) - n + 1)]


def good_glove(W, Wc, b, bc, X, alpha=0.75):
    i, j = np.nonzero(X)
    f = np.minimum(1.0, (X[i, j] / 100.0) ** alpha)
    return float((f * ((W[i] * Wc[j]).sum(1) + b[i] + bc[j] - np.log(X[i, j])) ** 2).sum())


def good_3cosmul(W, a, b, c):
    s = lambda i: (1 + W @ W[i]) / 2  # noqa: E731
    sc = s(b) * s(c) / (s(a) + 1e-6)
    sc[[a, b, c]] = -np.inf
    return int(np.argmax(sc))


def good_paired(a, b, n_boot, seed):       # resample the pairs: one index array for both systems
    rng = np.random.default_rng(seed)
    d = np.asarray(a, float) - np.asarray(b, float)
    means = d[rng.integers(0, len(d), (n_boot, len(d)))].mean(1)
    return tuple(np.quantile(means, [0.025, 0.975]))


def good_shared(ea, eb, ds):
    from lib import data, evaluate
    keep = np.array([x in ea.key_to_index and y in ea.key_to_index and x in eb.key_to_index
                     and y in eb.key_to_index for x, y in ds.pairs])
    sub = data.SimilarityDataset("s", [p for p, k in zip(ds.pairs, keep) if k], ds.scores[keep])
    return evaluate.word_similarity(ea, sub).spearman, evaluate.word_similarity(eb, sub).spearman, len(sub)


def good_keep(c, t):
    f = c / c.sum()
    return np.minimum(1.0, np.sqrt(t / f) + t / f)


def good_noise(c, p):
    return c ** p / (c ** p).sum()


def good_lexical(pairs, test_words):
    inside = np.array([[x in test_words, y in test_words] for x, y in pairs])
    return ~inside.any(1), inside.all(1)


#: a correct solution of each checker (its learner arguments), for tests/test_exercises_delegation.py
SOLUTIONS = {"check_ppmi": (good_ppmi,), "check_sgns_optimum": (good_shift,), "check_rotation": (good_rotation,),
             "check_sgns_pair": (good_sgns_pair,), "check_char_ngrams": (good_ngrams,),
             "check_glove_loss": (good_glove,), "check_keep_probability": (good_keep,),
             "check_noise_distribution": (good_noise,), "check_3cosmul": (good_3cosmul,),
             "check_paired_interval": (good_paired,), "check_shared_pairs": (good_shared,),
             "check_lexical_split": (good_lexical,)}


def test_ppmi_checker():
    good = good_ppmi
    assert part2.check_ppmi(good).startswith("PASSED")
    with pytest.raises(ExerciseError, match="off by"):
        part2.check_ppmi(lambda X: good(X) + 0.1)
    with pytest.raises(ExerciseError, match="not implemented"):
        part2.check_ppmi(lambda X: ...)


def test_shift_checker():
    assert part2.check_sgns_optimum(good_shift).startswith("PASSED")
    with pytest.raises(ExerciseError):
        part2.check_sgns_optimum(lambda a, b, c, D, k: np.log(a * D / (b * c)))


def test_rotation_checker():
    good = good_rotation
    assert part2.check_rotation(good).startswith("PASSED")
    with pytest.raises(ExerciseError, match="orthogonal"):
        part2.check_rotation(lambda A, B: np.linalg.lstsq(A, B, rcond=None)[0])


def test_sgns_pair_checker():
    good = good_sgns_pair
    assert part2.check_sgns_pair(good).startswith("PASSED")
    with pytest.raises(ExerciseError, match="gradient"):
        part2.check_sgns_pair(lambda w, cp, cn: (good(w, cp, cn)[0], -good(w, cp, cn)[1]))
    with pytest.raises(ExerciseError, match="tuple"):
        part2.check_sgns_pair(lambda w, cp, cn: 1.0)


def test_ngram_checker():
    good = good_ngrams
    assert part2.check_char_ngrams(good).startswith("PASSED")
    with pytest.raises(ExerciseError, match="itself"):
        part2.check_char_ngrams(static.char_ngrams)
    with pytest.raises(ExerciseError, match="should be"):
        part2.check_char_ngrams(lambda w, a, b: [w[i:i + a] for i in range(len(w) - a + 1)])


def test_glove_checker():
    good = good_glove
    assert part2.check_glove_loss(good).startswith("PASSED")
    with pytest.raises(ExerciseError):
        part2.check_glove_loss(lambda W, Wc, b, bc, X: good(W, Wc, b, bc, X, alpha=1.0))


def test_3cosmul_checker():
    good = good_3cosmul

    def add(W, a, b, c):
        sc = W @ (W[b] - W[a] + W[c])
        sc[[a, b, c]] = -np.inf
        return int(np.argmax(sc))

    assert part2.check_3cosmul(good).startswith("PASSED")
    with pytest.raises(ExerciseError):
        part2.check_3cosmul(add)


def test_paired_checker():
    good = good_paired

    def unpaired(a, b, n_boot, seed):
        rng = np.random.default_rng(seed)
        d = [a[rng.integers(0, len(a), len(a))].mean() - b[rng.integers(0, len(b), len(b))].mean()
             for _ in range(n_boot)]
        return np.quantile(d, 0.025), np.quantile(d, 0.975)

    assert part2.check_paired_interval(good).startswith("PASSED")
    # resampling a and b independently ignores the pairing; with independent systems the interval
    # is similar, so the check only rejects clearly wrong answers such as a one-sided interval
    with pytest.raises(ExerciseError):
        part2.check_paired_interval(lambda a, b, n, s: (0.0, 0.01))


def test_shared_pairs_checker():
    good = good_shared
    assert part2.check_shared_pairs(good).startswith("PASSED")
    with pytest.raises(ExerciseError, match="covered by both"):
        part2.check_shared_pairs(lambda ea, eb, ds: (0.0, 0.0, len(ds)))


def test_hyperparameter_checkers():
    keep = good_keep
    assert part2.check_keep_probability(keep).startswith("PASSED")
    with pytest.raises(ExerciseError):
        part2.check_keep_probability(lambda c, t: np.sqrt(t / (c / c.sum())))     # not clipped at 1
    assert part2.check_noise_distribution(good_noise).startswith("PASSED")
    with pytest.raises(ExerciseError):
        part2.check_noise_distribution(lambda c, p: c ** p)                        # not normalised


def test_lexical_split_checker():
    good = good_lexical

    def leaky(pairs, test_words):                 # trains on pairs with one test word
        inside = np.array([[x in test_words, y in test_words] for x, y in pairs])
        return ~inside.all(1), inside.all(1)

    def loose(pairs, test_words):                 # tests pairs with one test word
        inside = np.array([[x in test_words, y in test_words] for x, y in pairs])
        return ~inside.any(1), inside.any(1)

    assert part2.check_lexical_split(good).startswith("PASSED")
    for bad in (leaky, loose):
        with pytest.raises(ExerciseError):
            part2.check_lexical_split(bad)


def test_hidden_tests_of_the_formula_checkers():
    """Other counts, words and powers: a correct solution passes, a message does not give the answer."""
    for check, fn in ((part2.check_sgns_optimum, good_shift), (part2.check_char_ngrams, good_ngrams),
                      (part2.check_noise_distribution, good_noise)):
        assert check(fn, hidden=True).endswith("(hidden tests)")
    with pytest.raises(ExerciseError, match="hidden test of ex-p2-c2-ngrams") as err:
        part2.check_char_ngrams(lambda w, a, b: good_ngrams(w, a, b)[::-1], hidden=True)     # longest first
    assert "should be" not in str(err.value)
    with pytest.raises(ExerciseError, match="hidden test"):             # a zero count must stay 0 at power 2
        part2.check_noise_distribution(lambda c, p: (c + 1e-3) ** p / ((c + 1e-3) ** p).sum(), hidden=True)
