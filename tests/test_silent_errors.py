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
    with pytest.raises(ValueError, match="repeats a document"):
        reciprocal_rank_fusion([np.array([[0, 0, 1]])], k=1)
    with pytest.raises(ValueError, match="c must be a finite non-negative number"):
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
