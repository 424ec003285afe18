"""Unit tests for filtered search: lib.ann's filters, pre-/post-filtering and selectors, and lib.vectordb (LanceDB)."""
import numpy as np
import pytest

from lib import ann, search, vectordb


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = search.normalize(rng.standard_normal((2000, 16)).astype(np.float32))
    Q = search.normalize(rng.standard_normal((20, 16)).astype(np.float32))
    return X, Q, rng.integers(0, 10, len(X))


@pytest.fixture(scope="module")
def built(data):
    X, _, _ = data
    return {kind: ann.build_index(kind, X, nlist=16, train_size=2000) for kind in ("flat", "hnsw", "ivf")}


def brute(Q, X, allowed_rows, k=10):
    """Reference: the full score matrix with disallowed rows at -inf, one row of allowed ids per query."""
    S = Q @ X.T
    out = []
    for i, rows in enumerate(allowed_rows):
        s = np.full(len(X), -np.inf)
        s[rows] = S[i, rows]
        out.append(np.argsort(-s, kind="stable")[:k])
    return np.array(out)


# ------------------------------------------------------------------ filters
def test_attribute_filter_mask_and_selectivity(data):
    X, _, cat = data
    f = ann.attribute_filter(cat, [2, 5])
    assert f.shared and f.n_docs == len(X) and f.n_queries is None
    np.testing.assert_array_equal(f.allowed(), np.flatnonzero((cat == 2) | (cat == 5)))
    assert f.selectivity == pytest.approx(np.isin(cat, [2, 5]).mean())


def test_window_filter_is_a_range_of_rows():
    keys = np.array([1, 3, 3, 7, 9, 12])
    f = ann.window_filter(keys, lo=[3, 0, 10], hi=[9, 100, 10])
    assert f.allowed(0).tolist() == [1, 2, 3] and f.allowed(1).tolist() == list(range(6)) and f.allowed(2).size == 0
    assert f.sizes.tolist() == [3, 6, 0] and not f.shared and f.n_queries == 3


def test_random_windows_hold_the_asked_share():
    keys = np.arange(10, 1010, dtype=float)
    lo, hi = ann.random_windows(keys, 0.05, 30, seed=3)
    f = ann.window_filter(keys, lo, hi)
    assert (f.sizes == 50).all() and f.selectivity == pytest.approx(0.05)
    lo1, hi1 = ann.random_windows(keys, 1.0, 2)
    assert (ann.window_filter(keys, lo1, hi1).sizes == 1000).all()            # the whole collection, end included


def test_over_fetch_depth():
    assert ann.over_fetch_depth(10, 0.5) == 40 and ann.over_fetch_depth(10, 0.01) == 2000
    assert ann.over_fetch_depth(10, 0.001, max_candidates=5000) == 5000
    assert ann.over_fetch_depth(10, 0.1, margin=1, n_docs=50) == 50


# ------------------------------------------------------------------ searches
@pytest.mark.parametrize("window", [False, True])
def test_prefilter_is_exact(data, window):
    X, Q, cat = data
    if window:
        lo, hi = ann.random_windows(np.arange(len(X)), 0.1, len(Q), seed=1)
        f = ann.window_filter(np.arange(len(X)), lo, hi)
    else:
        f = ann.attribute_filter(cat, [4])
    ids, scores = ann.prefilter_search(Q, X, f, k=10)
    want = brute(Q, X, [f.allowed(i) for i in range(len(Q))])
    np.testing.assert_array_equal(ids, want)
    np.testing.assert_allclose(scores, np.take_along_axis(Q @ X.T, want, 1), rtol=1e-5, atol=1e-6)


def test_prefilter_pads_when_few_rows_pass(data):
    X, Q, _ = data
    f = ann.window_filter(np.arange(len(X)), [5, 9], [8, 9])                 # 3 rows, then none
    ids, scores = ann.prefilter_search(Q[:2], X, f, k=5)
    assert sorted(ids[0, :3].tolist()) == [5, 6, 7] and (ids[0, 3:] == -1).all() and (ids[1] == -1).all()
    assert np.isneginf(scores[0, 3:]).all()


@pytest.mark.parametrize("method", ["selector", "post"])
@pytest.mark.parametrize("kind,knob", [("flat", None), ("hnsw", 64), ("ivf", 16)])
def test_filtered_search_returns_only_allowed_ids(data, built, kind, knob, method):
    X, Q, cat = data
    for f in (ann.attribute_filter(cat, [1, 7]),
              ann.window_filter(np.arange(len(X)), *ann.random_windows(np.arange(len(X)), 0.2, len(Q), seed=2))):
        ids, scores = ann.filtered_search(built[kind], Q, f, k=10, method=method, knob=knob)
        assert ids.shape == (len(Q), 10) and ids.dtype == np.int64
        for i in range(len(Q)):
            found = ids[i][ids[i] >= 0]
            assert np.isin(found, f.allowed(i)).all()
            assert (np.diff(scores[i][ids[i] >= 0]) <= 1e-6).all()
        exact = ann.prefilter_search(Q, X, f)[0]
        recall = ann.measure_filtered(lambda: ids, exact).recall
        assert recall > (0.999 if kind == "flat" else 0.5)


def test_flat_selector_is_exact(data, built):
    X, Q, cat = data
    f = ann.attribute_filter(cat, [3])
    np.testing.assert_array_equal(ann.filtered_search(built["flat"], Q, f)[0], ann.prefilter_search(Q, X, f)[0])


def test_post_filter_fails_when_the_cap_is_too_small(data, built):
    X, Q, cat = data
    f = ann.attribute_filter(cat, [0])                                       # 10% of the rows
    exact = ann.prefilter_search(Q, X, f)[0]
    small = ann.filtered_search(built["flat"], Q, f, method="post", max_candidates=10)[0]
    large = ann.filtered_search(built["flat"], Q, f, method="post", max_candidates=2000)[0]
    assert search.list_overlap(small, exact) < 0.5 and (small == -1).any()
    assert search.list_overlap(large, exact) > 0.99


def test_measure_filtered(data):
    exact = np.array([[0, 1], [2, 3]])
    m = ann.measure_filtered(lambda: np.array([[1, -1], [2, 3]]), exact, label="x")
    assert m.kind == "x" and m.recall == pytest.approx(0.75) and m.qps > 0


def test_filtered_graph_degree(built, data):
    _, _, cat = data
    everything = np.ones(built["hnsw"].ntotal, bool)
    deg_all, iso_all = ann.filtered_graph_degree(built["hnsw"], everything)
    deg_few, iso_few = ann.filtered_graph_degree(built["hnsw"], cat == 0)
    assert iso_all == 0 and 2 < deg_all <= 32
    assert deg_few < deg_all / 3 and iso_few >= iso_all


# ------------------------------------------------------------------ bad input
def test_bad_filters():
    with pytest.raises(ValueError, match="values"):
        ann.attribute_filter([0.5, 1.5], [1])
    with pytest.raises(ValueError, match="allowed"):
        ann.attribute_filter([1, 2], [])
    with pytest.raises(ValueError, match="sorted"):
        ann.window_filter([3, 1, 2], [0], [1])
    with pytest.raises(ValueError, match="same shape"):
        ann.window_filter([1, 2], [0, 1], [2])
    with pytest.raises(ValueError, match="lo <= hi"):
        ann.window_filter([1, 2], [2], [1])
    with pytest.raises(ValueError, match="distinct"):
        ann.random_windows([1, 1, 2], 0.5, 2)
    with pytest.raises(ValueError, match="selectivity"):
        ann.random_windows([1, 2, 3], 0, 2)
    with pytest.raises(ValueError, match="selectivity"):
        ann.over_fetch_depth(10, 1.5)
    with pytest.raises(ValueError, match="margin"):
        ann.over_fetch_depth(10, 0.5, margin=0.5)
    with pytest.raises(ValueError, match="max_candidates"):
        ann.over_fetch_depth(10, 0.5, max_candidates=5)
    with pytest.raises(ValueError, match="q"):
        ann.window_filter([1, 2], [0], [3]).allowed(1)


def test_bad_searches(data, built):
    X, Q, cat = data
    f = ann.attribute_filter(cat, [1])
    with pytest.raises(ValueError, match="method"):
        ann.filtered_search(built["flat"], Q, f, method="pre")
    with pytest.raises(TypeError, match="Filter"):
        ann.filtered_search(built["flat"], Q, cat == 1)
    with pytest.raises(TypeError, match="ann.Index"):
        ann.filtered_search(X, Q, f)
    with pytest.raises(ValueError, match="index kind"):
        ann.filtered_search(ann.build_index("binary", X), Q, f)
    with pytest.raises(ValueError, match="dimension"):
        ann.filtered_search(built["flat"], Q[:, :8], f)
    with pytest.raises(ValueError, match="documents"):
        ann.filtered_search(built["flat"], Q, ann.attribute_filter(cat[:100], [1]))
    with pytest.raises(ValueError, match="windows"):
        ann.filtered_search(built["flat"], Q, ann.window_filter(np.arange(len(X)), [0], [5]))
    with pytest.raises(ValueError, match="knob"):
        ann.filtered_search(built["hnsw"], Q, f, knob=0)
    with pytest.raises(ValueError, match="same dimension|dimension"):
        ann.prefilter_search(Q[:, :8], X, f)
    with pytest.raises(ValueError, match="k must"):
        ann.prefilter_search(Q, X, f, k=0)
    with pytest.raises(TypeError, match="run"):
        ann.measure_filtered([[0]], [[0]])
    with pytest.raises(ValueError, match="padding"):
        ann.measure_filtered(lambda: np.array([[0]]), [[-1]])
    with pytest.raises(ValueError, match="integer ids"):
        ann.measure_filtered(lambda: np.array([[0]]), [[0.5]])
    with pytest.raises(ValueError, match="shape"):
        ann.measure_filtered(lambda: np.array([[0]]), [[0, 1]])
    with pytest.raises(ValueError, match="hnsw"):
        ann.filtered_graph_degree(built["flat"], cat == 1)
    with pytest.raises(ValueError, match="mask"):
        ann.filtered_graph_degree(built["hnsw"], cat)
    with pytest.raises(ValueError, match="no node"):
        ann.filtered_graph_degree(built["hnsw"], cat > 100)


# ------------------------------------------------------------------ LanceDB
def test_sql_builders():
    assert vectordb.sql_in("category", np.array([1, 2])) == "category IN (1, 2)"
    assert vectordb.sql_window("rank", 1, 2.5) == "rank >= 1 AND rank < 2.5"
    with pytest.raises(ValueError, match="identifier"):
        vectordb.sql_in("x; DROP TABLE t", [1])
    with pytest.raises(ValueError, match="values"):
        vectordb.sql_in("c", [])
    with pytest.raises(ValueError, match="lo <= hi"):
        vectordb.sql_window("c", 3, 1)


@pytest.fixture(scope="module")
def table(data, tmp_path_factory):
    pytest.importorskip("lancedb")
    X, _, cat = data
    return vectordb.lance_table(tmp_path_factory.mktemp("lance"), X, {"id": np.arange(len(X)), "category": cat,
                                                                      "rank": np.arange(len(X))})


def test_lance_prefilter_without_index_is_exact(data, table):
    X, Q, cat = data
    f = ann.attribute_filter(cat, [2])
    exact = ann.prefilter_search(Q, X, f)[0]
    found = vectordb.lance_search(table, Q, 10, vectordb.sql_in("category", [2]), prefilter=True)
    assert search.list_overlap(found, exact) > 0.999
    lo, hi = ann.random_windows(np.arange(len(X)), 0.05, len(Q), seed=4)
    fw = ann.window_filter(np.arange(len(X)), lo, hi)
    wheres = [vectordb.sql_window("rank", a, b) for a, b in zip(lo, hi)]
    found = vectordb.lance_search(table, Q, 10, wheres, prefilter=True)
    assert search.list_overlap(found, ann.prefilter_search(Q, X, fw)[0]) > 0.999


def test_lance_postfilter_needs_over_fetch(data, table):
    X, Q, cat = data
    where = vectordb.sql_in("category", [2])
    exact = ann.prefilter_search(Q, X, ann.attribute_filter(cat, [2]))[0]
    plain = vectordb.lance_search(table, Q, 10, where, prefilter=False)
    fetched = vectordb.lance_search(table, Q, 10, where, prefilter=False, limit=len(X))
    assert (plain == -1).any() and search.list_overlap(plain, exact) < 0.5
    assert search.list_overlap(fetched, exact) > 0.999


def test_lance_index_and_bad_input(data, tmp_path):
    pytest.importorskip("lancedb")
    X, Q, cat = data
    t = vectordb.lance_table(tmp_path, X, {"id": np.arange(len(X)), "category": cat})
    assert vectordb.lance_index(t, "ivf_flat", num_partitions=8) >= 0
    found = vectordb.lance_search(t, Q, 10, None, nprobes=8)                  # all cells probed: exact
    assert search.list_overlap(found, search.top_k(Q, X, 10, metric="dot")[0]) > 0.99
    exact_scan = vectordb.lance_search(t, Q, 10, use_index=False)
    assert search.list_overlap(exact_scan, search.top_k(Q, X, 10, metric="dot")[0]) > 0.999
    with pytest.raises(ValueError, match="index kind"):
        vectordb.lance_index(t, "hnsw")
    with pytest.raises(ValueError, match="where"):
        vectordb.lance_search(t, Q, 10, ["category = 1"])
    with pytest.raises(ValueError, match="limit"):
        vectordb.lance_search(t, Q, 10, limit=5)
    with pytest.raises(ValueError, match="column"):
        vectordb.lance_table(tmp_path, X, {"id": np.arange(3)})
    with pytest.raises(ValueError, match="vector"):
        vectordb.lance_table(tmp_path, X, {"vector": np.arange(len(X))})
