"""Unit tests for lib.retrieval: retrievers, late interaction, run evaluation (Part V)."""
import numpy as np
import pytest

from lib import encodings, linalg, retrieval
from lib.tasks import RetrievalTask


# --------------------------------------------------------------------------- BM25
def test_bm25_finds_exact_match_and_errors():
    passages = ["the cat sat on the mat", "dogs chase cars", "quantum physics of cats", "red apples"]
    idx, sc = retrieval.bm25_search(["dogs cars", "apples", "zzz unknown"], passages, k=2)
    assert idx.shape == (3, 2) and idx[0, 0] == 1 and idx[1, 0] == 3
    assert np.all(sc[2] == 0)
    assert np.all(np.diff(sc, axis=1) <= 0)
    with pytest.raises(ValueError, match="larger than the number of documents"):
        retrieval.bm25_search(["a"], passages, k=5)
    with pytest.raises(ValueError, match="empty"):
        retrieval.bm25_search([], passages, k=1)


@pytest.mark.parametrize("kw, msg", [
    ({"k1": float("nan")}, "k1 must be a finite number"),
    ({"k1": -1}, "k1 must be >= 0"),
    ({"k1": "1.5"}, "k1 must be a number"),
    ({"b": 5}, "b must be >= 0 and <= 1"),
    ({"b": -0.1}, "b must be"),
    ({"k": True}, "k must be an integer"),
])
def test_bm25_parameters(kw, msg):
    with pytest.raises(ValueError, match=msg):
        retrieval.bm25_search(["cat"], ["a cat", "a dog"], **{"k": 1, **kw})


def test_bm25_scores_stay_finite_at_the_edges():
    _, sc = retrieval.bm25_search(["cat"], ["a cat", "a dog", "cat cat cat"], k=3, k1=0.0, b=0.0)
    assert np.isfinite(sc).all()


# --------------------------------------------------------------------------- dense
def test_dense_search_and_errors():
    rng = np.random.default_rng(0)
    P = rng.standard_normal((20, 4))
    idx, _ = retrieval.dense_search(P[:3] * 2, P, k=1)
    assert idx[:, 0].tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="dimension mismatch"):
        retrieval.dense_search(P[:, :3], P, k=1)
    with pytest.raises(ValueError, match="NaN"):
        retrieval.dense_search(np.full((1, 4), np.nan), P, k=1)
    with pytest.raises(ValueError, match="larger than"):
        retrieval.dense_search(P, P, k=21)
    with pytest.raises(ValueError, match="real numbers"):
        retrieval.dense_search(P[:2] + 1j, P, k=1)


def test_dense_search_extreme_magnitudes():
    rng = np.random.default_rng(1)
    P = rng.standard_normal((10, 5))
    ref = retrieval.dense_search(P[:3], P, k=4)
    for scale in (1e20, 1e-25):
        idx, sc = retrieval.dense_search(P[:3] * scale, P * scale, k=4)
        assert idx.tolist() == ref[0].tolist() and np.allclose(sc, ref[1], atol=1e-6)


def test_glove_embed_with_a_small_table():
    from lib.models import keyed_vectors
    kv = keyed_vectors(["cat", "dog"], [[1.0, 0.0], [0.0, 1.0]])
    X = retrieval.glove_embed(["cat dog", "fish"], kv)
    assert X.tolist() == [[0.5, 0.5], [0.0, 0.0]]


# --------------------------------------------------------------------------- RRF
def test_rrf_matches_hand_computation():
    a = np.array([[0, 1, 2]])
    b = np.array([[2, 0, 3]])
    idx, sc = retrieval.reciprocal_rank_fusion([a, b], k=4, c=0)
    # scores: 0: 1 + 1/2, 2: 1/3 + 1, 1: 1/2, 3: 1/3
    assert idx[0].tolist() == [0, 2, 1, 3]
    assert np.allclose(sc[0], [1.5, 4 / 3, 0.5, 1 / 3])
    with pytest.raises(ValueError, match="shape mismatch"):
        retrieval.reciprocal_rank_fusion([a, np.zeros((2, 3), int)], k=1)
    with pytest.raises(ValueError, match="distinct documents"):
        retrieval.reciprocal_rank_fusion([a], k=4)
    with pytest.raises(ValueError, match="empty"):
        retrieval.reciprocal_rank_fusion([], k=1)
    with pytest.raises(ValueError, match="2-D"):
        retrieval.reciprocal_rank_fusion([np.array([1, 2])], k=1)


def test_rrf_skips_faiss_padding():
    idx, sc = retrieval.reciprocal_rank_fusion([np.array([[4, -1, -1]]), np.array([[-1, 4, 2]])], k=2, c=0)
    assert idx[0].tolist() == [4, 2] and np.allclose(sc[0], [1 + 1 / 2, 1 / 3])   # padding keeps its rank slot


@pytest.mark.parametrize("rankings, kw, err, msg", [
    ([np.array([[0, 1, 0]])], {}, ValueError, "repeats id 0"),
    ([np.array([[1.7, 2.0]])], {}, ValueError, "integer document ids"),
    ([np.array([[np.nan, 1.0]])], {}, ValueError, "integer document ids"),
    ([np.array([["a", "b"]])], {}, ValueError, "integer document ids"),
    ([np.array([[True, False]])], {}, ValueError, "integer document ids"),
    ([np.array([[0, -5]])], {}, ValueError, "or -1 for padding"),
    ([np.array([[0, 1]])], {"c": float("nan")}, ValueError, "c must be a finite number"),
    ([np.array([[0, 1]])], {"c": "60"}, ValueError, "c must be a number"),
    ([np.array([[0, 1]])], {"c": -1}, ValueError, "c must be >= 0"),
    ([np.array([[0, 1]])], {"k": True}, ValueError, "k must be an integer"),
    ([np.array([[0, 1]])], {"k": 1.5}, ValueError, "k must be an integer"),
    ([np.array([[0, 1]])], {"k": 0}, ValueError, "k must be an integer >= 1"),
    (None, {}, TypeError, "rankings must be a list"),
])
def test_rrf_bad_input(rankings, kw, err, msg):
    with pytest.raises(err, match=msg):
        retrieval.reciprocal_rank_fusion(rankings, **{"k": 1, **kw})


# --------------------------------------------------------------------------- late interaction
def test_maxsim_search_matches_scores():
    rng = np.random.default_rng(1)
    Q = encodings.TokenVectors([rng.standard_normal((n, 6)) for n in (4, 5)])
    D = encodings.TokenVectors([rng.standard_normal((n, 6)) for n in (3, 7, 5, 4)])
    idx, sc = retrieval.maxsim_search(Q, D, k=4)
    for i, q in enumerate(Q.vectors):
        want = [retrieval.maxsim_scores(q[1:-1], d[1:-1]) for d in D.vectors]
        assert idx[i, 0] == int(np.argmax(want))
        assert np.allclose(np.sort(want)[::-1], sc[i], atol=1e-5)
    with pytest.raises(ValueError, match="larger than"):
        retrieval.maxsim_search(Q, D, k=5)
    with pytest.raises(ValueError, match="dimension mismatch"):
        retrieval.maxsim_scores(np.ones((2, 3)), np.ones((2, 4)))
    with pytest.raises(TypeError, match="TokenVectors"):
        retrieval.maxsim_search([np.ones((3, 6))], D, k=1)
    with pytest.raises(ValueError, match="widths"):
        retrieval.maxsim_search(Q, encodings.TokenVectors([np.ones((3, 6)), np.ones((3, 5))]), k=1)
    with pytest.raises(ValueError, match="NaN"):
        retrieval.maxsim_search(Q, encodings.TokenVectors([np.full((3, 6), np.nan)]), k=1)


def test_maxsim_numerics_at_float32_limits():
    rng = np.random.default_rng(2)
    q, d = rng.standard_normal((3, 8)), rng.standard_normal((5, 8))
    ref = retrieval.maxsim_scores(q, d)
    assert -3 <= ref <= 3
    for scale in (1e20, 1e-25):                     # squares overflow / underflow float32
        assert abs(retrieval.maxsim_scores(q * scale, d * scale) - ref) < 1e-5
    Q = encodings.TokenVectors([q.astype(np.float32) * 1e20])
    D = encodings.TokenVectors([v.astype(np.float32) * 1e20 for v in (d, d[:3], d[2:])])
    _, sc = retrieval.maxsim_search(Q, D, k=3, skip_special=False)
    assert np.isfinite(sc).all() and abs(sc[0, 0] - ref) < 1e-4
    assert retrieval.maxsim_scores(np.zeros((2, 8)), d) == 0.0   # zero rows score 0, not NaN


# --------------------------------------------------------------------------- PCA truncation (lib.linalg.PCA)
def test_pca_truncation_through_linalg():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 8))
    Y = linalg.PCA().fit(X).transform(X, 3, normalize=True)
    assert Y.shape == (50, 3) and np.allclose(np.linalg.norm(Y, axis=1), 1, atol=1e-5)
    idx, _ = retrieval.dense_search(Y[:5], Y, k=1)
    assert idx[:, 0].tolist() == list(range(5))
    pca = linalg.PCA().fit(X)
    for d in (9, 0, 2.5, "2", True):
        with pytest.raises(ValueError, match="d must be an integer"):
            pca.transform(X, d, normalize=True)
    with pytest.raises(ValueError, match="at least 2 rows"):
        linalg.PCA().fit(X[:1])
    with pytest.raises(ValueError, match="zero variance"):
        linalg.PCA().fit(np.ones((5, 8)))


# --------------------------------------------------------------------------- evaluate_run
def test_evaluate_run():
    task = RetrievalTask("t", ["a", "b"], ["x", "y", "z"], [{0}, {2}])
    res = retrieval.evaluate_run(np.array([[0, 1, 2], [0, 1, 2]]), task, ks=(1, 3), n_boot=200)
    assert abs(res["recall@1"].value - 0.5) < 1e-9 and abs(res["mrr"].value - (1 + 1 / 3) / 2) < 1e-9
    padded = retrieval.evaluate_run(np.array([[0, -1], [-1, 2]]), task, ks=(1, 2), n_boot=200)
    assert padded["recall@1"].value == 0.5 and padded["recall@2"].value == 1.0


@pytest.mark.parametrize("indices, kw, err, msg", [
    ([[7, 9], [0, 1]], {}, ValueError, "outside 0..2"),
    ([[0.0, 1.0], [1.0, 2.0]], {}, ValueError, "integer ids"),
    ([[0, 1]], {}, ValueError, "shape mismatch"),
    ([[0, 0], [1, 2]], {}, ValueError, "repeats id 0"),
    ([[0, 1], [1, 2]], {"n_boot": 0}, ValueError, "n_boot must be"),
    ([[0, 1], [1, 2]], {"n_boot": 2.5}, ValueError, "n_boot must be"),
    ([[0, 1], [1, 2]], {"task": None}, TypeError, "RetrievalTask"),
])
def test_evaluate_run_bad_input(indices, kw, err, msg):
    task = RetrievalTask("t", ["a", "b"], ["x", "y", "z"], [{0}, {2}])
    args = {"task": task, "ks": (1, 2), "n_boot": 200, **kw}
    with pytest.raises(err, match=msg):
        retrieval.evaluate_run(np.array(indices), args.pop("task"), **args)


# --------------------------------------------------------------------------- cached MiniLM encodings the retrievers use
def test_minilm_tokens_pool_to_sentence_embedding():
    from lib.encoder import ContextualEncoder
    texts = ["Who likes apples?", "Ada Baker likes chess and owls."]
    tv = encodings.token_vectors(texts, max_length=128)
    ref = ContextualEncoder(max_length=128).sentence_embeddings(texts)
    assert np.allclose(tv.pooled(), ref, atol=2e-3)   # token vectors are stored as float16


def test_sentence_vectors_is_the_sentence_transformer(tmp_cache):
    from lib.models import load_sentence_transformer
    texts = ["Who likes apples?", "Ada Baker likes chess and owls, and a much longer sentence follows here."]
    X = encodings.sentence_vectors(texts)
    ref = load_sentence_transformer().encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert X.shape == (2, 384) and X.dtype == np.float32
    np.testing.assert_allclose(X, ref, atol=1e-5)
    layers = encodings.layer_means(texts)                         # the cached array sentence_vectors reads
    assert layers.shape == (7, 2, 384) and len(list(tmp_cache.glob("*.npy"))) == 1
    np.testing.assert_allclose(X * np.linalg.norm(layers[-1], axis=1, keepdims=True), layers[-1], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="max_length"):
        encodings.sentence_vectors(texts, max_length=1)
    with pytest.raises(ValueError):
        encodings.sentence_vectors([])


def test_static_vectors_is_the_book_distillation():
    from lib import distill

    texts = ["apples and pears", "chess"]
    X = encodings.static_vectors(texts)
    assert X.shape == (2, 384) and np.allclose(np.linalg.norm(X, axis=1), 1, atol=1e-4)
    np.testing.assert_array_equal(X, distill.encode(distill.static_model(pca_dims=None, sif_coefficient=1e-4), texts))
    assert encodings.static_vectors(texts, pca_dims=256).shape == (2, 256)
    with pytest.raises(ValueError, match="empty"):
        encodings.static_vectors([])
    with pytest.raises(ValueError, match="pca_dims"):
        encodings.static_vectors(texts, pca_dims=0)


# --------------------------------------------------------------------------- exercise checkers (Part V ch1-ch3)
# The Part V exercise checkers are tested in tests/test_exercises_part5.py.


# --------------------------------------------------------------------------- properties (hypothesis)
from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=60, deadline=None)
@given(nq=st.integers(1, 4), depth=st.integers(1, 6), n_lists=st.integers(1, 3), pad=st.floats(0, 0.6),
       seed=st.integers(0, 2**32 - 1))
def test_rrf_properties(nq, depth, n_lists, pad, seed):
    rng = np.random.default_rng(seed)
    n_docs = depth + 3
    rankings = [np.array([rng.permutation(n_docs)[:depth] for _ in range(nq)]) for _ in range(n_lists)]
    for r in rankings:
        r[rng.random(r.shape) < pad] = -1                                  # faiss padding anywhere
    seen = [set(np.concatenate([r[q] for r in rankings]).tolist()) - {-1} for q in range(nq)]
    fewest = min(len(s) for s in seen)
    if fewest == 0:
        with pytest.raises(ValueError, match="distinct documents"):
            retrieval.reciprocal_rank_fusion(rankings, k=1)
        return
    k = int(rng.integers(1, fewest + 1))
    idx, sc = retrieval.reciprocal_rank_fusion(rankings, k=k)
    assert idx.shape == sc.shape == (nq, k)
    assert (idx >= 0).all() and np.isfinite(sc).all() and (sc > 0).all()
    assert (np.diff(sc, axis=1) <= 0).all()                                # best first
    for q in range(nq):
        assert len(set(idx[q].tolist())) == k and set(idx[q].tolist()) <= seen[q]


@settings(max_examples=40, deadline=None)
@given(nq=st.integers(2, 5), n_passages=st.integers(2, 8), seed=st.integers(0, 2**32 - 1))
def test_evaluate_run_properties(nq, n_passages, seed):
    rng = np.random.default_rng(seed)
    rel = [set(rng.choice(n_passages, rng.integers(1, n_passages + 1), replace=False).tolist()) for _ in range(nq)]
    task = RetrievalTask("t", [f"q{i}" for i in range(nq)], [f"p{j}" for j in range(n_passages)], rel)
    depth = int(rng.integers(1, n_passages + 1))
    run = np.array([rng.permutation(n_passages)[:depth] for _ in range(nq)])
    run[rng.random(run.shape) < 0.2] = -1
    res = retrieval.evaluate_run(run, task, ks=(1, depth), n_boot=100)
    for name, est in res.items():
        assert 0 <= est.value <= 1 and np.isfinite(est.value), name
