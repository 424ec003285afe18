"""Regression tests for results that were once wrong without an error (reliability review).

Each case either raises a clear error naming the problem or returns a result that holds
the function's invariants (recall in [0, 1], padding never ranked, finite scores).
"""
import numpy as np
import pytest

from lib import evaluate, search, stats
from lib.models import keyed_vectors
from lib.retrieval import reciprocal_rank_fusion


class _Analogies:
    def __init__(self, questions):
        self.sections = {"capital-common-countries": questions}

    @staticmethod
    def is_syntactic(section):
        return section.startswith("gram")


def test_analogy_on_zero_vectors_is_not_perfect():
    words = ["a", "b", "c", "d", "e", "f"]
    table = keyed_vectors(words, np.zeros((6, 4), dtype=np.float32))
    result = evaluate.analogy(table, _Analogies([("a", "b", "c", "d")]), restrict_vocab=None)
    assert result.accuracy == 0.0 and result.mrr < 1.0


def test_analogy_ties_go_against_the_gold_answer():
    vecs = np.eye(6, dtype=np.float32)[[0, 1, 2, 3, 3, 5]]  # d and e have the same vector
    table = keyed_vectors(["a", "b", "c", "d", "e", "f"], vecs)
    result = evaluate.analogy(table, _Analogies([("a", "b", "c", "d")]), restrict_vocab=None)
    assert result.accuracy == 0.0


def test_analogy_bad_batch_and_method():
    table = keyed_vectors(list("abcdef"), np.eye(6, dtype=np.float32))
    with pytest.raises(ValueError, match="batch must be a positive integer"):
        evaluate.analogy(table, _Analogies([("a", "b", "c", "d")]), batch=-1)
    with pytest.raises(ValueError, match="unknown analogy method None"):
        evaluate.analogy(table, _Analogies([("a", "b", "c", "d")]), method=None)


def test_retrieval_scores_reject_a_repeated_document():
    with pytest.raises(ValueError, match="repeats document 0"):
        evaluate.retrieval_scores([[0, 0, 0]], [{0}], ks=(3,))


def test_retrieval_scores_padding_is_never_relevant_and_recall_stays_in_range():
    out = evaluate.retrieval_scores([[-1, -1, 2]], [{2, 5}], ks=(3,))
    assert out["recall@3"][0] == 0.5 and 0 <= out["ndcg@3"][0] <= 1
    with pytest.raises(ValueError, match="integer document ids"):
        evaluate.retrieval_scores([[0.5, 1.0]], [{0}], ks=(1,))
    with pytest.raises(ValueError, match="non-negative integer document ids"):
        evaluate.retrieval_scores([[0, 1]], [{-1}], ks=(1,))


def test_rrf_never_ranks_faiss_padding():
    a = np.array([[-1, -1, 3]])
    b = np.array([[3, 1, -1]])
    ids, scores = reciprocal_rank_fusion([a, b], k=2)
    assert -1 not in ids and ids[0, 0] == 3
    with pytest.raises(ValueError, match="repeats"):
        reciprocal_rank_fusion([np.array([[0, 0, 1]])], k=1)
    with pytest.raises(ValueError, match="c must be a finite number"):
        reciprocal_rank_fusion([a], k=1, c=float("nan"))


@pytest.mark.parametrize("block", [-1, 0, 2.5, "4", True])
def test_top_k_rejects_a_bad_block(block):
    x = np.eye(4, dtype=np.float32)
    with pytest.raises(ValueError, match="block must be a positive integer"):
        search.top_k(x, x, k=2, block=block)


@pytest.mark.parametrize("scale", [1e20, 1e-25])
def test_cosine_of_huge_and_tiny_rows_is_right(scale):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(20, 8))
    ref_idx, ref_sc = search.top_k(x, x, k=3)
    idx, sc = search.top_k((x * scale).astype(np.float32), (x * scale).astype(np.float32), k=3)
    assert np.array_equal(idx, ref_idx) and np.allclose(sc, ref_sc, atol=1e-5)
    norms = np.linalg.norm(search.normalize((x * scale).astype(np.float32)).astype(np.float64), axis=1)
    assert np.allclose(norms, 1, atol=1e-5)


def test_dot_scores_that_overflow_are_an_error():
    x = np.full((3, 4), 1e20, dtype=np.float32)
    with pytest.raises(ValueError, match="overflow float32"):
        search.top_k(x, x, k=1, metric="dot")


def test_exclude_self_with_more_queries_than_docs():
    with pytest.raises(ValueError, match="exclude_self"):
        search.top_k(np.eye(6), np.eye(6)[:3], k=1, exclude_self=True)


def test_normalize_needs_a_positive_eps():
    with pytest.raises(ValueError, match="eps must be > 0"):
        search.normalize(np.zeros((2, 3)), eps=0)


def test_bootstrap_of_a_nan_statistic_is_an_error():
    with pytest.raises(ValueError, match="on the full data"):
        stats.bootstrap(lambda idx: float("nan"), 10)
    with pytest.raises(ValueError, match="NaN or infinite"):
        stats.mean_ci([0.1, float("nan"), 0.3])
    with pytest.raises(ValueError, match="n_boot must be a positive integer"):
        stats.mean_ci([0.1, 0.2, 0.3], n_boot=0)


# --------------------------------------------------------------------------- search.neighbours
@pytest.fixture()
def eight_words():
    rng = np.random.default_rng(0)
    return keyed_vectors([f"w{i}" for i in range(8)], rng.normal(size=(8, 4)))


@pytest.mark.parametrize("k, message", [(0, "k must be at least 1; got 0"), (-1, "k must be at least 1; got -1"),
                                        (2.5, "k must be an integer; got 2.5"), ("3", "k must be an integer"),
                                        (True, "k must be an integer"),
                                        (8, "k=8 is larger than the number of other words searched .n=7.")])
def test_neighbours_validates_k_itself(eight_words, k, message):
    with pytest.raises(ValueError, match=message):
        search.neighbours(eight_words, "w0", k=k)


def test_neighbours_restrict_kv_and_word(eight_words):
    assert len(search.neighbours(eight_words, "w0", k=7)) == 7
    assert [w for w, _ in search.neighbours(eight_words, "w7", k=3, restrict=3)] != []   # w7 outside: 3 others
    with pytest.raises(ValueError, match="k=1 is larger than the number of other words searched .n=0."):
        search.neighbours(eight_words, "w0", k=1, restrict=1)
    for bad in (-3, 0, 2.5, 9):
        with pytest.raises(ValueError, match="restrict must be"):
            search.neighbours(eight_words, "w0", k=1, restrict=bad)
    with pytest.raises(TypeError, match="KeyedVectors-like"):
        search.neighbours(None, "w0")
    with pytest.raises(TypeError, match="word must be a string"):
        search.neighbours(eight_words, ["w0"])


# --------------------------------------------------------------------------- evaluate.analogy
def _table6():
    return keyed_vectors(list("abcdef"), np.random.default_rng(0).normal(size=(6, 4)))


@pytest.mark.parametrize("question", ["abcd", ("a", "b", "c"), ("a", "b", "c", "d", "e"), ("a", "b", "c", 4)])
def test_analogy_questions_must_be_four_words(question):
    with pytest.raises(ValueError, match="4-tuple of words"):
        evaluate.analogy(_table6(), _Analogies([question]), restrict_vocab=None)


@pytest.mark.parametrize("batch", [0, 1.5, "2", True])
def test_analogy_batch_is_a_positive_integer(batch):
    with pytest.raises(ValueError, match="batch must be a positive integer"):
        evaluate.analogy(_table6(), _Analogies([("a", "b", "c", "d")]), batch=batch)


@pytest.mark.parametrize("restrict, message", [("x", "restrict_vocab must be an integer"),
                                               (5.9, "restrict_vocab must be an integer"),
                                               (0, "restrict_vocab must be an integer >= 1"),
                                               (3, "fewer than 4 words")])
def test_analogy_restrict_vocab(restrict, message):
    with pytest.raises(ValueError, match=message):
        evaluate.analogy(_table6(), _Analogies([("a", "b", "c", "d")]), restrict_vocab=restrict)


def test_analogy_and_similarity_need_datasets():
    with pytest.raises(TypeError, match="AnalogyDataset"):
        evaluate.analogy(_table6(), None)
    with pytest.raises(TypeError, match="SimilarityDataset"):
        evaluate.word_similarity(_table6(), None)


def test_analogy_result_does_not_depend_on_batch():
    qs = [("a", "b", "c", "d"), ("b", "c", "d", "e"), ("c", "d", "e", "f"), ("a", "c", "e", "f")]
    one = evaluate.analogy(_table6(), _Analogies(qs), restrict_vocab=None, batch=1)
    many = evaluate.analogy(_table6(), _Analogies(qs), restrict_vocab=None, batch=512)
    assert np.array_equal(one.reciprocal_rank, many.reciprocal_rank)


def test_analogy_vocabulary_pointing_past_the_vectors():
    kv = _table6()
    kv.key_to_index = dict(kv.key_to_index, g=9)
    with pytest.raises(ValueError, match="points at row 9"):
        evaluate.analogy(kv, _Analogies([("a", "b", "c", "g")]), restrict_vocab=None)


# --------------------------------------------------------------------------- evaluate.word_similarity
class _Pairs:
    def __init__(self, pairs, scores, name="toy"):
        self.pairs, self.scores, self.name = pairs, scores, name


PAIRS = [("a", "b"), ("a", "c"), ("b", "d"), ("c", "e"), ("d", "f")]


def test_word_similarity_constant_predictions_and_gold():
    zeros = keyed_vectors(list("abcdef"), np.zeros((6, 4)))
    with pytest.raises(ValueError, match="predicted similarities are constant"):
        evaluate.word_similarity(zeros, _Pairs(PAIRS, np.arange(5.0)))
    with pytest.raises(ValueError, match="gold scores of the covered pairs are constant"):
        evaluate.word_similarity(_table6(), _Pairs(PAIRS, np.ones(5)))


@pytest.mark.parametrize("scores, message", [
    (np.array([1.0, np.nan, 2, 3, 4]), "scores contains 1 NaN"),
    (np.array(["1", "2", "3", "4", "5"]), "scores must be a 1-D array of numbers"),
    (np.arange(3.0), "5 pairs but 3 scores"),
])
def test_word_similarity_bad_scores(scores, message):
    with pytest.raises(ValueError, match=message):
        evaluate.word_similarity(_table6(), _Pairs(PAIRS, scores))


@pytest.mark.parametrize("pair", [("a", "b", "c"), "ab", ("a",), ("a", 2)])
def test_word_similarity_pairs_are_two_words(pair):
    with pytest.raises(ValueError, match="must be a pair of words"):
        evaluate.word_similarity(_table6(), _Pairs(PAIRS[:4] + [pair], np.arange(5.0)))


# --------------------------------------------------------------------------- evaluate.retrieval_scores
def test_retrieval_scores_bad_ids_depth_and_ks():
    with pytest.raises(ValueError, match="integer document ids"):
        evaluate.retrieval_scores([["a", "b"]], [{0}], ks=(1,))
    with pytest.raises(ValueError, match="non-negative integer document ids"):
        evaluate.retrieval_scores([[0, 1]], [{1.7}], ks=(1,))
    with pytest.raises(ValueError, match=r"relevant\[0\] must be an int or a set of ints"):
        evaluate.retrieval_scores([[0, 1]], ["ab"], ks=(1,))
    with pytest.raises(ValueError, match="non-negative integer document ids"):
        evaluate.retrieval_scores([[0, 1]], [["a", "b"]], ks=(1,))
    with pytest.raises(ValueError, match=r"relevant\[0\] must be an int or a set of ints"):
        evaluate.retrieval_scores([[0, 1]], [None], ks=(1,))
    with pytest.raises(TypeError, match="relevant must be a list"):
        evaluate.retrieval_scores([[0, 1]], None, ks=(1,))
    with pytest.raises(ValueError, match="depth 0"):
        evaluate.retrieval_scores(np.zeros((2, 0), dtype=int), [{0}, {1}], ks=())
    out = evaluate.retrieval_scores([[2, 0, 1]], [{0}], ks=3)
    assert set(out) == {"recall@3", "ndcg@3", "mrr"} and out["recall@3"][0] == 1.0
    with pytest.raises(ValueError, match="ks must be an int or a tuple"):
        evaluate.retrieval_scores([[2, 0, 1]], [{0}], ks=None)


# --------------------------------------------------------------------------- evaluate.probe, average_word_vectors
@pytest.fixture()
def probe_data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(40, 3)), np.repeat([0, 1], 20)


@pytest.mark.parametrize("cv, message", [(2.5, "cv must be an integer"), ("2", "cv must be an integer"),
                                         (1, "cv must be an integer >= 2"), (30, "smallest class size")])
def test_probe_cv(probe_data, cv, message):
    with pytest.raises(ValueError, match=message):
        evaluate.probe(*probe_data, cv=cv)


@pytest.mark.parametrize("C", [0, -1, float("nan"), "1"])
def test_probe_C(probe_data, C):
    with pytest.raises(ValueError, match="C must be"):
        evaluate.probe(*probe_data, C=C)


def test_probe_labels(probe_data):
    X, y = probe_data
    with pytest.raises(ValueError, match="y contains 1 NaN"):
        evaluate.probe(X, np.r_[y[:-1], np.nan].astype(float))
    with pytest.raises(ValueError, match="mixes strings and numbers"):
        evaluate.probe(X, [0] * 20 + ["b"] * 20)


def test_average_word_vectors_tokenizer_must_return_a_list():
    with pytest.raises(TypeError, match="tokenizer must return a list"):
        evaluate.average_word_vectors(_table6(), ["a b"], tokenizer=lambda t: t)
    with pytest.raises(TypeError, match="tokenizer must be a callable"):
        evaluate.average_word_vectors(_table6(), ["a b"], tokenizer="split")
    X, cov = evaluate.average_word_vectors(_table6(), ["a b", "zz"], tokenizer=str.split)
    assert cov.tolist() == [1.0, 0.0] and not X[1].any()


# --------------------------------------------------------------------------- stats
@pytest.mark.parametrize("n_boot, message", [(-1, "n_boot must be a positive integer of at least 100"),
                                             (1, "at least 100"), (99, "at least 100"),
                                             (2.5, "n_boot must be an integer"), ("10", "n_boot must be an integer"),
                                             (None, "n_boot must be an integer")])
def test_bootstrap_n_boot(n_boot, message):
    with pytest.raises(ValueError, match=message):
        stats.bootstrap(lambda idx: 0.5, 10, n_boot=n_boot)


@pytest.mark.parametrize("n_items", [2.5, "5", None, True])
def test_bootstrap_n_items(n_items):
    with pytest.raises(ValueError, match="n_items must be an integer"):
        stats.bootstrap(lambda idx: 0.5, n_items)


@pytest.mark.parametrize("level", [0, 1, 1.5, float("nan"), "0.9"])
def test_bootstrap_level(level):
    with pytest.raises(ValueError, match="level must be"):
        stats.bootstrap(lambda idx: 0.5, 10, level=level)


@pytest.mark.parametrize("returned", [np.ones(3), "0.5", None, [0.5]])
def test_bootstrap_statistic_must_return_a_float(returned):
    with pytest.raises(TypeError, match="statistic must return a float"):
        stats.bootstrap(lambda idx: returned, 10)
    assert stats.bootstrap(lambda idx: np.float32(0.5), 10).value == 0.5   # numpy and 0-d are fine
    assert stats.bootstrap(lambda idx: np.array(0.5), 10).value == 0.5


def test_bootstrap_replicates_that_are_nan():
    first = {"done": False}

    def nan_after_the_full_sample(idx):
        if not first["done"]:
            first["done"] = True
            return 0.5
        return float("nan")

    with pytest.raises(ValueError, match="every one of the 100 bootstrap replicates was NaN"):
        stats.bootstrap(nan_after_the_full_sample, 10, n_boot=100)
    v = np.arange(10.0)
    with pytest.warns(RuntimeWarning, match="were not finite"):
        est = stats.bootstrap(lambda idx: v[idx].mean() if 0 in idx else float("nan"), 10, n_boot=200)
    assert est.low <= est.value <= est.high


def test_mean_ci_and_paired_difference_values():
    with pytest.raises(ValueError, match="values contains 1 NaN or infinite"):
        stats.mean_ci([0.1, np.inf, 0.3])
    with pytest.raises(ValueError, match="values must hold real numbers|values must be a numeric array"):
        stats.mean_ci(["a", "b"])
    with pytest.raises(ValueError, match="values_b contains 1 NaN"):
        stats.paired_difference([0.1, 0.2], [0.1, np.nan])
    with pytest.raises(ValueError, match="values must be 1-D"):
        stats.mean_ci(np.ones((3, 3)))
    with pytest.raises(ValueError, match="ndigits must be an integer"):
        stats.Estimate(0.5, 0.4, 0.6).round("2")
