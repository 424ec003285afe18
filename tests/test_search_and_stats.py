import numpy as np
import pytest

from lib import search, stats


def test_top_k_matches_full_sort():
    rng = np.random.default_rng(0)
    q, d = rng.normal(size=(37, 8)), rng.normal(size=(500, 8))
    for metric in search.METRICS:
        idx, sc = search.top_k(q, d, k=5, metric=metric, block=10)
        if metric == "cosine":
            full = search.normalize(q) @ search.normalize(d).T
        elif metric == "dot":
            full = q @ d.T
        else:
            full = -np.linalg.norm(q[:, None] - d[None], axis=2)
        ref = np.argsort(-full, axis=1)[:, :5]
        assert np.array_equal(idx, ref), metric
        assert np.allclose(sc, np.take_along_axis(full, ref, 1), atol=1e-4)


def test_top_k_exclude_self_and_errors():
    x = np.random.default_rng(1).normal(size=(20, 4))
    idx, _ = search.top_k(x, x, k=3, exclude_self=True)
    assert not (idx == np.arange(20)[:, None]).any()
    with pytest.raises(ValueError, match="larger than"):
        search.top_k(x, x, k=21)
    with pytest.raises(ValueError, match="dimension mismatch"):
        search.top_k(x, x[:, :3], k=1)
    with pytest.raises(ValueError, match="unknown metric"):
        search.top_k(x, x, metric="manhattan")
    with pytest.raises(ValueError, match="NaN"):
        search.top_k(np.full((1, 4), np.nan), x)


def test_neighbours(glove):
    nn = search.neighbours(glove, "frog", k=5)
    assert len(nn) == 5 and "frog" not in [w for w, _ in nn]
    assert nn[0][1] >= nn[-1][1]
    with pytest.raises(KeyError, match="unknown word"):
        search.neighbours(glove, "qwzxqwzx")


def test_bootstrap_intervals():
    v = np.r_[np.ones(70), np.zeros(30)]
    est = stats.mean_ci(v, n_boot=500)
    assert est.value == 0.7 and est.low < 0.7 < est.high
    assert 0.05 < est.high - est.low < 0.25
    assert stats.mean_ci(v, n_boot=200, seed=3) == stats.mean_ci(v, n_boot=200, seed=3)
    diff = stats.paired_difference(v, np.zeros(100), n_boot=200)
    assert diff.low > 0
    with pytest.raises(ValueError, match="shape mismatch"):
        stats.paired_difference(v, v[:5])
    with pytest.raises(ValueError, match="at least 2"):
        stats.bootstrap(lambda i: 0.0, 1)


def test_half_sample_covers_a_rank_that_the_bootstrap_misses():
    from lib import geometry, stats

    X = np.random.default_rng(1).standard_normal((40, 64))
    boot = stats.bootstrap(lambda i: geometry.effective_rank(X[i]), 40, 200)
    half = stats.half_sample(lambda i: geometry.effective_rank(X[i]), 40, 200)
    assert boot.high < boot.value                       # duplicated rows lower the rank: the bootstrap misses it
    assert half.low < half.value < half.high and half.value == boot.value
    m = np.random.default_rng(2).standard_normal(400)
    mean_half = stats.half_sample(lambda i: m[i].mean(), 400, 400)
    mean_boot = stats.mean_ci(m, 1000)
    assert abs((mean_half.high - mean_half.low) / (mean_boot.high - mean_boot.low) - 1) < 0.25   # same width for a mean
    with pytest.raises(ValueError, match="at least 4"):
        stats.half_sample(lambda i: 0.0, 3)
    with pytest.raises(ValueError, match="n_draws"):
        stats.half_sample(lambda i: 0.0, 10, n_draws=5)
    with pytest.raises(TypeError, match="callable"):
        stats.half_sample(None, 10)


@pytest.mark.parametrize("block,doc_block,threads", [(256, 8192, None), (7, 13, 1), (5, 16, 2), (1, 1, 2)])
def test_top_k_tiles_ties_and_k_near_n(block, doc_block, threads):
    # integer-valued vectors make many exact ties; the answer must be the stable full sort
    # (higher score first, equal scores by ascending index), whatever the tiling and threading
    rng = np.random.default_rng(3)
    q = rng.integers(-2, 3, size=(23, 3)).astype(np.float32)
    d = rng.integers(-2, 3, size=(61, 3)).astype(np.float32)
    full = q @ d.T
    for k in (1, 5, 60, 61):
        idx, sc = search.top_k(q, d, k=k, metric="dot", block=block, doc_block=doc_block, threads=threads)
        ref = np.argsort(-full, axis=1, kind="stable")[:, :k]
        assert np.array_equal(idx, ref), k
        assert np.array_equal(sc, np.take_along_axis(full, ref, 1))
    x = d[:30]
    idx, _ = search.top_k(x, d, k=60, metric="dot", block=block, doc_block=doc_block, threads=threads,
                          exclude_self=True)
    masked = x @ d.T
    masked[np.arange(30), np.arange(30)] = -np.inf
    assert np.array_equal(idx, np.argsort(-masked, axis=1, kind="stable")[:, :60])


def test_top_k_agrees_with_faiss_flat_index():
    faiss = pytest.importorskip("faiss")
    rng = np.random.default_rng(4)
    d = search.normalize(rng.normal(size=(5000, 16)).astype(np.float32))
    q = d[:200] + 0.01 * rng.normal(size=(200, 16)).astype(np.float32)
    index = faiss.IndexFlatIP(16)
    index.add(d)
    f_scores, f_idx = index.search(np.ascontiguousarray(q, dtype=np.float32), 10)
    idx, sc = search.top_k(q, d, k=10, metric="dot", doc_block=700)
    assert np.mean(idx == f_idx) > 0.999 and np.allclose(sc, f_scores, atol=1e-5)


def test_top_k_rejects_bad_tiles_and_threads():
    x = np.ones((4, 2))
    for kw in ({"doc_block": 0}, {"block": True}, {"threads": 0}):
        with pytest.raises(ValueError):
            search.top_k(x, x, k=1, **kw)


def test_vectorized_bootstrap_draws_the_same_resamples_as_the_loop():
    from scipy.stats import spearmanr

    from lib.evaluate._common import _spearman_rows

    rng = np.random.default_rng(3)
    for n in (12, 400, 20_000):                    # 20,000 items: several blocks of resamples
        v = rng.random(n)
        loop = stats.bootstrap(lambda i: v[i].mean(), n, 300, level=0.9, seed=4)
        assert stats.mean_ci(v, 300, level=0.9, seed=4) == loop
    pred, gold = rng.random(300), np.round(rng.random(300) * 8) / 2      # ties in the gold scores
    loop = stats.bootstrap(lambda i: spearmanr(pred[i], gold[i]).statistic, 300, 500)
    rows = stats.bootstrap(lambda i: _spearman_rows(pred[i], gold[i]), 300, 500, vectorized=True)
    assert max(abs(loop.value - rows.value), abs(loop.low - rows.low), abs(loop.high - rows.high)) < 1e-12
    assert np.isnan(_spearman_rows(np.ones((1, 5)), np.arange(5.0)[None])[0])       # a constant resample: NaN
    with pytest.raises(ValueError, match="one value per resample"):
        stats.bootstrap(lambda i: v[i].mean(), 12, 200, vectorized=True)             # a scalar, not a row each


def test_maxsim_search_in_blocks_matches_one_query_at_a_time(monkeypatch):
    from lib import retrieval
    from lib.encodings import TokenVectors

    rng = np.random.default_rng(0)
    Q = TokenVectors([rng.standard_normal((rng.integers(1, 9), 16)).astype(np.float32) for _ in range(40)])
    D = TokenVectors([rng.standard_normal((rng.integers(1, 30), 16)).astype(np.float32) for _ in range(25)])
    expected = np.array([[retrieval.maxsim_scores(q[1:-1] if len(q) > 2 else q, d[1:-1] if len(d) > 2 else d)
                          for d in D.vectors] for q in Q.vectors])
    for floats in (1, 200, 1 << 25):              # one query per block, a few, all at once
        monkeypatch.setattr(retrieval, "_MAXSIM_FLOATS", floats)
        ids, scores = retrieval.maxsim_search(Q, D, k=25)
        np.testing.assert_allclose(scores, np.take_along_axis(expected, ids, 1), atol=1e-5)
        np.testing.assert_allclose(np.sort(expected, 1)[:, ::-1], scores, atol=1e-5)
