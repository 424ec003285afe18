import numpy as np
import pytest

from lib import data, evaluate, models


def test_word_similarity_matches_gensim(glove):
    ours = evaluate.word_similarity(glove, data.wordsim353())
    _, spearman, oov = glove.evaluate_word_pairs(data.datapath("wordsim353.tsv"))
    assert ours.coverage == 1.0 and oov == 0.0
    assert abs(ours.spearman - spearman.statistic) < 1e-6


def test_word_similarity_coverage_and_ci():
    kv = models.keyed_vectors(["love", "sex", "tiger", "cat", "book", "paper"],
                              np.random.default_rng(0).normal(size=(6, 5)))
    with pytest.warns(RuntimeWarning, match="not finite"):   # a few resamples of 5 pairs are constant
        res = evaluate.word_similarity(kv, data.wordsim353(), n_boot=100)
    assert res.n_covered < res.n_pairs and 0 < res.coverage < 1
    assert res.ci.low <= res.spearman <= res.ci.high
    tiny = models.keyed_vectors(["zzz"], np.ones((1, 3)))
    with pytest.raises(ValueError, match="in the vocabulary"):
        evaluate.word_similarity(tiny, data.wordsim353())
    with pytest.raises(TypeError, match="KeyedVectors-like"):
        evaluate.word_similarity({"a": 1}, data.wordsim353())


def test_analogy_matches_gensim(glove):
    small = data.AnalogyDataset({k: v[:60] for k, v in data.google_analogies().sections.items()})
    ours = evaluate.analogy(glove, small, restrict_vocab=10000)
    score, sections = glove.evaluate_word_analogies(data.datapath("questions-words.txt"), restrict_vocab=10000)
    # gensim on the same 60-per-section subset: recompute from its per-question lists
    assert 0 < ours.accuracy < 1 and ours.mrr >= ours.accuracy
    # exact agreement with gensim's 3CosAdd and 3CosMul answers on a few questions
    q = [x for x in small.questions if all(w in glove.key_to_index and glove.key_to_index[w] < 10000 for w in x)][:40]
    one = data.AnalogyDataset({"capital-common-countries": q})
    for method, fn in (("3cosadd", glove.most_similar), ("3cosmul", glove.most_similar_cosmul)):
        r = evaluate.analogy(glove, one, method=method, restrict_vocab=10000)
        expected = [fn(positive=[b, c], negative=[a], topn=1, restrict_vocab=10000)[0][0] == d for a, b, c, d in q]
        assert r.correct.tolist() == expected


def test_analogy_errors(glove):
    with pytest.raises(ValueError, match="unknown analogy method"):
        evaluate.analogy(glove, data.google_analogies(), method="pairdirection")
    with pytest.raises(ValueError, match="no analogy question"):
        evaluate.analogy(models.keyed_vectors(["a", "b", "c", "d"], np.eye(4)), data.google_analogies())


def test_retrieval_scores_by_hand():
    ranked = np.array([[3, 1, 2], [0, 2, 1]])
    s = evaluate.retrieval_scores(ranked, [{1}, {1, 2}], ks=(1, 3))
    assert s["recall@1"].tolist() == [0.0, 0.0]
    assert s["recall@3"].tolist() == [1.0, 1.0]
    assert s["mrr"].tolist() == [0.5, 0.5]
    ideal2 = 1 + 1 / np.log2(3)
    assert np.allclose(s["ndcg@3"], [1 / np.log2(3), (1 / np.log2(3) + 1 / np.log2(4)) / ideal2])
    with pytest.raises(ValueError, match="larger than"):
        evaluate.retrieval_scores(ranked, [1, 1], ks=(5,))
    with pytest.raises(ValueError, match="relevance sets"):
        evaluate.retrieval_scores(ranked, [1], ks=(1,))
    with pytest.raises(ValueError, match="no relevant"):
        evaluate.retrieval_scores(ranked, [set(), {1}], ks=(1,))


def test_probe_and_average_vectors(glove):
    pol = data.polarity()
    X, cov = evaluate.average_word_vectors(glove, pol.texts)
    assert X.shape == (200, 50) and cov.mean() > 0.9
    res = evaluate.probe(X, pol.labels)
    assert 0.55 < res.accuracy <= 1.0 and len(res.folds) == 5
    with pytest.raises(ValueError, match="shape mismatch"):
        evaluate.probe(X, pol.labels[:10])
    with pytest.raises(ValueError, match="single class"):
        evaluate.probe(X, np.zeros(200))
    with pytest.raises(ValueError, match="NaN"):
        evaluate.probe(np.full((200, 2), np.nan), pol.labels)


def test_probe_matches_sklearn_cross_val_score_and_has_ci(glove):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    pol = data.polarity()
    X, _ = evaluate.average_word_vectors(glove, pol.texts)
    res = evaluate.probe(X, pol.labels, n_boot=200)
    ref = cross_val_score(make_pipeline(StandardScaler(), LogisticRegression(max_iter=5000)), X.astype(np.float64),
                          pol.labels, cv=StratifiedKFold(5, shuffle=True, random_state=0))
    assert np.allclose(res.folds, ref)
    assert res.correct.shape == (200,) and abs(res.correct.mean() - res.accuracy) < 1e-9
    assert res.ci.low <= res.accuracy <= res.ci.high


def _toy_similarity():
    ds = data.SimilarityDataset("toy", [("a", "b"), ("a", "c"), ("b", "c"), ("a", "d"), ("c", "d"), ("b", "d")],
                                [5.0, 4.0, 3.0, 2.0, 1.5, 1.0])
    rng = np.random.default_rng(0)
    good = models.keyed_vectors(list("abcd"), np.array([[1.0, 0.0], [0.95, 0.3], [0.6, 0.8], [0.0, 1.0]]))
    noisy = models.keyed_vectors(list("abcd"), rng.normal(size=(4, 2)))
    return ds, good, noisy


def test_paired_similarity_difference_and_interval():
    ds, good, noisy = _toy_similarity()
    a, b = evaluate.word_similarity(good, ds), evaluate.word_similarity(noisy, ds)
    est = evaluate.paired_similarity(a, b, ds, n_boot=200, seed=0)
    assert est.value == pytest.approx(a.spearman - b.spearman)
    assert est.low <= est.value <= est.high
    same = evaluate.paired_similarity(a, a, ds, n_boot=100)
    assert same.value == 0 and same.low == 0 and same.high == 0
    assert evaluate.paired_similarity(a, b, ds, n_boot=200, seed=0) == est     # seeded


def test_paired_similarity_bad_input():
    ds, good, noisy = _toy_similarity()
    a = evaluate.word_similarity(good, ds)
    with pytest.raises(TypeError, match="a must be a SimilarityResult"):
        evaluate.paired_similarity(0.5, a, ds)
    with pytest.raises(TypeError, match="b must be a SimilarityResult"):
        evaluate.paired_similarity(a, "x", ds)
    short = models.keyed_vectors(list("abc"), np.eye(3)[:, :2] + 0.1)
    c = evaluate.word_similarity(short, ds)
    with pytest.raises(ValueError, match="not the same ones"):
        evaluate.paired_similarity(a, c, ds)
    other = data.SimilarityDataset("other", [("a", "b"), ("a", "c"), ("b", "c")], [1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="not scored on this dataset"):
        evaluate.paired_similarity(a, a, other)
    with pytest.raises(ValueError, match="n_boot"):
        evaluate.paired_similarity(a, a, ds, n_boot=10)
