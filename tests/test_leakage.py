"""Unit tests for lib.leakage (data, decoders and baselines, metrics, the noise defence)."""
import numpy as np
import pytest

from lib import leakage, search
from lib.data import Corpus


def _corpus(n_docs=6, n_sent=5):
    docs = []
    for d in range(n_docs):
        docs.append(" ".join(f"Article {d} sentence {s} talks about topic{d} and word{s} here today." for s in range(n_sent)))
    return Corpus("toy", [f"t{d}" for d in range(n_docs)], docs)


# --------------------------------------------------------------------------- split
def test_disjoint_article_sample_is_disjoint_and_sized():
    sp = leakage.disjoint_article_sample(_corpus(), n_train=8, n_test=6, min_words=5, max_words=20, seed=0)
    assert len(sp.train_texts) == 8 and len(sp.test_texts) == 6
    assert not set(sp.train_articles) & set(sp.test_articles)
    assert set(sp.train_docs.tolist()) <= set(sp.train_articles)
    assert set(sp.test_docs.tolist()) <= set(sp.test_articles)
    sp2 = leakage.disjoint_article_sample(_corpus(), n_train=8, n_test=6, min_words=5, max_words=20, seed=0)
    assert sp.train_texts == sp2.train_texts                  # deterministic
    assert "train sentences" in repr(sp)


@pytest.mark.parametrize("kw, msg", [
    ({"n_train": 0, "n_test": 2}, "n_train"),
    ({"n_train": 2, "n_test": -1}, "n_test"),
    ({"n_train": 2, "n_test": 2, "min_words": 10, "max_words": 5}, "max_words"),
    ({"n_train": 100, "n_test": 2}, "only"),
    ({"n_train": 2.5, "n_test": 2}, "n_train must be an integer"),
    ({"n_train": True, "n_test": 2}, "n_train must be an integer"),
])
def test_disjoint_article_sample_errors(kw, msg):
    with pytest.raises(ValueError, match=msg):
        leakage.disjoint_article_sample(_corpus(), **kw)


def test_split_needs_two_articles():
    with pytest.raises(ValueError, match="at least 2 articles"):
        leakage.disjoint_article_sample(_corpus(n_docs=1), n_train=1, n_test=1, min_words=5)


# --------------------------------------------------------------------------- vocabularies
def test_word_sets_vocabulary_multi_hot():
    sets = leakage.word_sets(["The cat sat.", "The dog sat down", "A cat!"])
    assert sets[0] == {"the", "cat", "sat"}
    vocab = leakage.build_vocabulary(sets, 3)
    assert vocab == ["cat", "sat", "the"]                      # df 2 each, alphabetical ties
    Y = leakage.multi_hot(sets, vocab)
    assert Y.shape == (3, 3) and Y.dtype == np.float32
    assert Y[2].tolist() == [1, 0, 0]
    assert leakage.build_vocabulary(sets, 10, min_count=2) == ["cat", "sat", "the"]


def test_vocabulary_errors():
    with pytest.raises(ValueError, match="empty"):
        leakage.build_vocabulary([], 3)
    with pytest.raises(ValueError, match="size"):
        leakage.build_vocabulary([{"a"}], 0)
    with pytest.raises(ValueError, match="min_count"):
        leakage.build_vocabulary([{"a"}], 3, min_count=2)
    with pytest.raises(ValueError, match="list of word sets"):
        leakage.build_vocabulary("a b c", 3)
    with pytest.raises(ValueError, match="must be a set"):
        leakage.multi_hot(["abc"], ["a"])
    with pytest.raises(ValueError, match="duplicate"):
        leakage.multi_hot([{"a"}], ["a", "a"])
    with pytest.raises(ValueError, match="empty"):
        leakage.multi_hot([{"a"}], [])
    with pytest.raises(ValueError, match="empty"):
        leakage.word_sets([])


def test_dictionary_words():
    words = leakage.dictionary_words([",", "the", "u.s.", "of", "42", "don't"], 3)
    assert words == ["the", "of", "42"]
    with pytest.raises(ValueError, match="only"):
        leakage.dictionary_words(["the", ","], 5)
    with pytest.raises(ValueError, match="size"):
        leakage.dictionary_words(["the"], 0)


# --------------------------------------------------------------------------- decoders
def _toy_problem(n=200, d=8, V=6, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d)).astype(np.float32)
    W = rng.standard_normal((d, V))
    Y = (X @ W > 0.5).astype(np.float32)
    return X, Y


def test_ridge_decoder_matches_sklearn():
    from sklearn.linear_model import Ridge

    X, Y = _toy_problem()
    dec = leakage.RidgeDecoder(alpha=2.0)
    assert dec.fit(X, Y) is dec and dec.coef_.shape == (8, 6) and dec.intercept_.shape == (6,)
    ref = Ridge(alpha=2.0).fit(X, Y)
    np.testing.assert_allclose(dec.decision_function(X[:5]), ref.predict(X[:5]), atol=1e-4)
    P = dec.predict_proba(X)
    assert P.min() >= 0 and P.max() <= 1
    np.testing.assert_array_equal(dec.predict(X, 0.3), P >= 0.3)
    with pytest.raises(ValueError, match="shape mismatch"):
        dec.predict_proba(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="threshold"):
        dec.predict(X, 1.5)


def test_decoders_before_fit():
    with pytest.raises(leakage_not_fitted(), match="RidgeDecoder is not fitted"):
        leakage.RidgeDecoder().predict_proba(np.zeros((2, 3)))
    dec = leakage.DictionaryDecoder(np.eye(3), leakage.log_rank_prior(3))
    with pytest.raises(leakage_not_fitted(), match="DictionaryDecoder is not fitted"):
        dec.predict_proba(np.eye(3))
    assert dec.similarity(np.eye(3)).shape == (3, 3)           # the similarity ranking needs no fit


def leakage_not_fitted():
    from lib.checks import NotFittedError
    return NotFittedError


@pytest.mark.parametrize("X, Y, alpha, msg", [
    (np.zeros((5, 3)), np.zeros((4, 2)), 1.0, "shape mismatch"),
    (np.zeros((5, 3)), np.full((5, 2), 0.5), 1.0, "only 0 and 1"),
    (np.full((5, 3), np.nan), np.zeros((5, 2)), 1.0, "NaN"),
    (np.zeros((5, 3)), np.zeros((5, 2)), 0.0, "alpha"),
    (np.zeros((5, 3)), np.zeros((5, 2)), "1", "alpha"),
    (np.zeros((0, 3)), np.zeros((0, 2)), 1.0, "empty"),
])
def test_ridge_decoder_errors(X, Y, alpha, msg):
    with pytest.raises(ValueError, match=msg):
        leakage.RidgeDecoder(alpha).fit(X, Y)


def test_dictionary_decoder_learns_similarity():
    rng = np.random.default_rng(1)
    V, d, n = 30, 16, 300
    E = rng.standard_normal((V, d)).astype(np.float32)
    E /= np.linalg.norm(E, axis=1, keepdims=True)
    Y = np.zeros((n, V), np.float32)
    for i in range(n):
        Y[i, rng.choice(V, 3, replace=False)] = 1
    X = Y @ E + 0.05 * rng.standard_normal((n, d))         # a sentence is the sum of its words
    prior = leakage.log_rank_prior(V)
    dec = leakage.DictionaryDecoder(E * 3.0, prior, n_rows=200, seed=0)   # E is stored unit-normalised
    assert dec.fit(X, Y) is dec and dec.coef_[0] > 1           # similarity matters
    np.testing.assert_allclose(np.linalg.norm(dec.E, axis=1), 1, atol=1e-6)
    P = dec.predict_proba(X)
    assert P.shape == (n, V) and ((P >= 0) & (P <= 1)).all()
    words = [f"w{j}" for j in range(V)]
    truth = [{words[j] for j in np.flatnonzero(r)} for r in Y]
    pred = leakage.decode_ids(dec.rank(X, 3), words)            # the untrained similarity ranking
    assert leakage.token_prf(pred, truth)["f1"] > 0.6           # chance is about 0.1
    S = dec.similarity(X[:3])
    np.testing.assert_allclose(S, (X[:3] / np.linalg.norm(X[:3], axis=1, keepdims=True)) @ E.T, atol=1e-5)
    assert set(dec.rank(X[:3], 3)[0].tolist()) == set(np.argsort(-S[0])[:3].tolist())
    assert "30 words" in repr(dec)


def test_dictionary_decoder_errors():
    E = np.eye(4, dtype=np.float32)
    prior = leakage.log_rank_prior(4)
    X, Y = np.eye(4, dtype=np.float32), np.eye(4, dtype=np.float32)
    dec = leakage.DictionaryDecoder(E, prior)
    with pytest.raises(ValueError, match="shape mismatch"):
        dec.fit(X, Y[:3])
    with pytest.raises(ValueError, match="shape mismatch"):
        leakage.DictionaryDecoder(E, leakage.log_rank_prior(3))
    with pytest.raises(ValueError, match="shape mismatch"):
        dec.fit(X, Y[:, :3])
    with pytest.raises(ValueError, match="only 0 and 1"):
        dec.fit(X, Y * 0.5)
    with pytest.raises(ValueError, match="one class"):
        dec.fit(X, np.zeros_like(Y))
    with pytest.raises(ValueError, match="n_rows"):
        leakage.DictionaryDecoder(E, prior, n_rows=0).fit(X, Y)
    dec.fit(X, Y)
    with pytest.raises(ValueError, match="shape mismatch"):
        dec.predict_proba(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="shape mismatch"):
        dec.rank(np.zeros((2, 5)), 1)
    with pytest.raises(ValueError, match="larger than"):
        dec.rank(X, 5)
    with pytest.raises(ValueError, match="n must be an integer >= 2"):
        leakage.log_rank_prior(1)


def test_log_rank_prior_standardised():
    z = leakage.log_rank_prior(100)
    assert z.shape == (100,) and abs(z.mean()) < 1e-5 and abs(z.std() - 1) < 1e-4
    assert (np.diff(z) > 0).all()


# --------------------------------------------------------------------------- decoding
def test_decode_threshold_and_ids():
    P = np.array([[0.9, 0.2, 0.6], [0.1, 0.8, 0.3]])
    vocab = ["a", "b", "c"]
    assert leakage.decode_threshold(P, vocab, 0.5) == [{"a", "c"}, {"b"}]
    assert leakage.decode_ids([[0], [1]], vocab) == [{"a"}, {"b"}]
    assert leakage.decode_ids([[0, 2, 1]] * 2, vocab) == [{"a", "b", "c"}] * 2
    with pytest.raises(ValueError, match="shape mismatch"):
        leakage.decode_threshold(P, ["a", "b"], 0.5)
    with pytest.raises(ValueError, match="threshold"):
        leakage.decode_threshold(P, vocab, 1.5)
    with pytest.raises(ValueError, match="threshold must be a finite"):
        leakage.decode_threshold(P, vocab, float("nan"))
    with pytest.raises(ValueError, match="NaN"):
        leakage.decode_threshold(np.full((1, 3), np.nan), vocab, 0.5)
    with pytest.raises(ValueError, match="outside 0..2"):
        leakage.decode_ids([[3]], vocab)
    with pytest.raises(ValueError, match="repeats"):
        leakage.decode_ids([[1, 1]], vocab)
    with pytest.raises(ValueError, match="integer ids"):
        leakage.decode_ids([[0.5]], vocab)


def test_choose_threshold_picks_best():
    P = np.array([[0.9, 0.4, 0.1], [0.7, 0.45, 0.2]])
    truth = [{"a", "b"}, {"a", "b"}]
    t, f1 = leakage.choose_threshold(P, truth, ["a", "b", "c"], grid=[0.3, 0.5, 0.8])
    assert t == 0.3 and f1.shape == (3,) and f1[0] == 1.0
    with pytest.raises(ValueError, match="shape mismatch"):
        leakage.choose_threshold(P, truth[:1], ["a", "b", "c"])
    with pytest.raises(ValueError, match="grid"):
        leakage.choose_threshold(P, truth, ["a", "b", "c"], grid=[])
    with pytest.raises(ValueError, match="grid must hold thresholds"):
        leakage.choose_threshold(P, truth, ["a", "b", "c"], grid=[0.5, 2.0])


# --------------------------------------------------------------------------- baselines
def test_frequency_baseline():
    sets = [{"the", "cat"}, {"the", "dog"}, {"the", "cat", "sat"}]
    vocab = leakage.build_vocabulary(sets, 10)
    guess, f1 = leakage.frequency_baseline(sets, vocab)
    assert guess == {"the", "cat"} and f1.shape == (4,)
    guess_c, _ = leakage.frequency_baseline(sets, vocab, exclude={"the"})
    assert "the" not in guess_c
    with pytest.raises(ValueError, match="sizes"):
        leakage.frequency_baseline(sets, vocab, sizes=[0])
    with pytest.raises(ValueError, match="sizes"):
        leakage.frequency_baseline(sets, vocab, sizes=[1.5])
    with pytest.raises(ValueError, match="sizes"):
        leakage.frequency_baseline(sets, vocab, sizes=[])
    with pytest.raises(ValueError, match="excluded"):
        leakage.frequency_baseline(sets, ["the"], exclude={"the"})


def test_nearest_neighbour_sets():
    Xtr = np.array([[1.0, 0.0], [0.0, 5.0]])
    sets = [{"east"}, {"north"}]
    assert leakage.nearest_neighbour_sets(np.array([[3.0, 0.1], [0.1, 0.2]]), Xtr, sets) == [{"east"}, {"north"}]
    with pytest.raises(ValueError, match="shape mismatch"):
        leakage.nearest_neighbour_sets(np.zeros((1, 2)), Xtr, sets[:1])
    with pytest.raises(ValueError, match="dimension mismatch"):
        leakage.nearest_neighbour_sets(np.zeros((1, 3)), Xtr, sets)


# --------------------------------------------------------------------------- metrics
def test_set_prf_conventions():
    assert leakage.set_prf({"a", "b"}, {"a", "c", "d", "e"}) == pytest.approx((0.5, 0.25, 1 / 3))
    assert leakage.set_prf(set(), {"a"}) == (0.0, 0.0, 0.0)
    assert leakage.set_prf({"a"}, set()) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="single string"):
        leakage.set_prf("abc", {"a"})


def test_token_prf_micro_and_sentence():
    pred = [{"a", "b"}, {"c"}]
    true = [{"a", "b", "x", "y"}, {"c"}]
    r = leakage.token_prf(pred, true)
    assert r["precision"] == 1.0 and r["recall"] == pytest.approx(3 / 5)
    assert r["f1"] == pytest.approx(2 * 0.6 / 1.6)
    np.testing.assert_allclose(r["sentence_f1"], [2 * 0.5 / 1.5, 1.0])
    rc = leakage.token_prf(pred, true, exclude={"c"})
    assert np.isnan(rc["sentence_f1"][1]) and rc["mean_sentence_f1"] == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="length mismatch"):
        leakage.token_prf(pred, true[:1])
    with pytest.raises(ValueError, match="empty"):
        leakage.token_prf([], [])


def test_token_prf_ci_contains_value():
    rng = np.random.default_rng(0)
    true = [set(rng.choice(20, 5, replace=False).tolist()) for _ in range(50)]
    pred = [set(rng.choice(20, 5, replace=False).tolist()) for _ in range(50)]
    ci = leakage.token_prf_ci(pred, true, n_boot=200)
    for k in ("precision", "recall", "f1", "mean_sentence_f1"):
        assert ci[k].low <= ci[k].value <= ci[k].high
    assert ci["f1"].value == pytest.approx(leakage.token_prf(pred, true)["f1"])


def test_recall_by_rank():
    rank = {"the": 0, "cat": 5, "zebra": 50}
    pred = [{"the", "zebra"}, {"cat"}]
    true = [{"the", "cat", "zebra", "qwerty"}, {"cat"}]
    rec, cnt = leakage.recall_by_rank(pred, true, rank, [0, 1, 10, 100])
    assert cnt.tolist() == [1, 2, 1, 1]
    np.testing.assert_allclose(rec, [1.0, 0.5, 1.0, 0.0])
    with pytest.raises(ValueError, match="increasing"):
        leakage.recall_by_rank(pred, true, rank, [0, 0])
    with pytest.raises(ValueError, match="length mismatch"):
        leakage.recall_by_rank(pred, true[:1], rank, [0, 10])
    with pytest.raises(ValueError, match="increasing integers"):
        leakage.recall_by_rank(pred, true, rank, [0.5, 10])
    with pytest.raises(TypeError, match="rank must be a dict"):
        leakage.recall_by_rank(pred, true, None, [0, 10])


# --------------------------------------------------------------------------- defence
def test_add_gaussian_noise():
    X = np.eye(3, 100, dtype=np.float32)
    assert np.array_equal(leakage.add_gaussian_noise(X, 0.0), X)
    N = leakage.add_gaussian_noise(X, 0.1, seed=3)
    assert N.shape == X.shape and np.array_equal(N, leakage.add_gaussian_noise(X, 0.1, seed=3))
    assert abs(np.linalg.norm(N - X, axis=1).mean() - 0.1 * np.sqrt(100)) < 0.2
    with pytest.raises(ValueError, match="sigma"):
        leakage.add_gaussian_noise(X, -1.0)
    with pytest.raises(ValueError, match="sigma must be a finite"):
        leakage.add_gaussian_noise(X, float("inf"))
    with pytest.raises(ValueError, match="NaN"):
        leakage.add_gaussian_noise(np.full((2, 2), np.nan), 0.1)


def test_same_group_rr_and_neighbour_overlap():
    X = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [-1, 0]], dtype=np.float32)
    groups = [0, 0, 1, 1, 2]
    rr = leakage.same_group_rr(X, groups)
    np.testing.assert_allclose(rr, [1, 1, 1, 1, 0])
    assert search.neighbour_overlap(X, X, k=2) == 1.0          # what the chapter measures the noise cost with
    assert 0 <= search.neighbour_overlap(X, leakage.add_gaussian_noise(X, 1.0), k=2) <= 1
    with pytest.raises(ValueError, match="shape mismatch"):
        leakage.same_group_rr(X, [0, 1])
    with pytest.raises(ValueError, match="at least 2"):
        leakage.same_group_rr(X[:1], [0])


# The Part V exercise checkers are tested in tests/test_exercises_part5.py.
