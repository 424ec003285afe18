"""Unit tests for lib.ann: every index kind, search, rescore, measure, and the reliability review's bad inputs."""
import numpy as np
import pytest

from lib import ann, search


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 20)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, X[:50]


@pytest.fixture
def X():
    return search.normalize(np.random.default_rng(0).normal(size=(300, 32)).astype(np.float32))


# ------------------------------------------------------------------ one builder, one type
def test_flat_is_exact(data):
    X, Q = data
    index = ann.build_index("flat", X)
    assert isinstance(index, ann.Index) and index.kind == "flat" and index.ntotal == 3000 and index.d == 20
    idx, sc = ann.search(index, Q, k=5)
    want = np.argsort(-(Q @ X.T), axis=1)[:, :5]
    assert search.list_overlap(idx, want) == 1.0
    assert idx[:, 0].tolist() == list(range(50))
    assert idx.dtype == np.int64 and sc.dtype == np.float32 and (np.diff(sc, axis=1) <= 0).all()
    np.testing.assert_array_equal(index.search(Q, k=5)[0], idx)          # the method is the function


@pytest.mark.parametrize("kind,knob", [("hnsw", 64), ("ivf", 16), ("ivfpq", 16)])
def test_approximate_indexes_have_reasonable_recall(data, kind, knob):
    X, Q = data
    exact, _ = ann.search(ann.build_index("flat", X), Q, k=10)
    ix = ann.build_index(kind, X, nlist=32, pq_m=5, train_size=3000)
    m = ann.measure(ix, Q, exact, k=10, knob=knob)
    assert m.kind == kind and m.knob == knob
    assert m.recall > (0.9 if kind != "ivfpq" else 0.3)
    assert m.qps > 0
    assert ann.memory_per_vector(ix) > 0


def test_memory_ordering(data):
    X, _ = data
    flat = ann.memory_per_vector(ann.build_index("flat", X))
    pq = ann.memory_per_vector(ann.build_index("ivfpq", X, nlist=16, pq_m=5, train_size=3000))
    assert flat >= 80 and pq < flat / 2


def test_compressed_kinds(X):
    exact = search.top_k(X[:30], X, 10)[0]
    for kind in ("flat", "float16", "int8"):
        idx = ann.build_index(kind, X)
        assert (idx.search(X[:30], 10)[0][:, 0] == np.arange(30)).all()
    f32 = ann.build_index("flat", X)
    assert (f32.search(X[:30], 10)[0] == exact).all()
    assert f32.bytes_per_vector == 128 and f32.overhead_bytes == 0
    assert ann.build_index("float16", X).bytes_per_vector == 64
    int8 = ann.build_index("int8", X)
    assert int8.bytes_per_vector == 32 and int8.overhead_bytes == 2 * 4 * 32
    b = ann.build_index("binary", X)
    assert b.bytes_per_vector == 4 and b.d == 32
    ids, scores = b.search(X[:10], 3)
    assert (ids[:, 0] == np.arange(10)).all() and (scores[:, 0] == 0).all() and (scores <= 0).all()
    pq = ann.build_index("pq", X, pq_m=8, pq_bits=4)
    assert pq.bytes_per_vector == 4 and pq.overhead_bytes == 4 * 32 * 16 and pq.name == "pq m=8 b=4"
    assert pq.search(X[:5], 10)[0].shape == (5, 10)
    assert "pq m=8 b=4" in repr(pq)


def test_binary_search_is_hamming(X):
    codes = ann.binarize(X)
    assert codes.shape == (300, 4) and codes.dtype == np.uint8
    bits = X > 0
    dist = (bits[:20, None, :] != bits[None, :, :]).sum(-1)
    ids, scores = ann.build_index("binary", X).search(X[:20], 5)
    np.testing.assert_array_equal(-scores, np.sort(dist, axis=1)[:, :5])


def test_train_vectors_calibrate(X):
    wide = ann.build_index("int8", X, train=X * 10)          # ranges from other vectors
    assert wide.search(X[:5], 1)[0].shape == (5, 1)
    with pytest.raises(ValueError, match="dimension mismatch"):
        ann.build_index("int8", X, train=X[:, :8])


# ------------------------------------------------------------------ rescore, time_search, measure
def test_rescore_recovers_exact_order(X):
    exact, exact_scores = search.top_k(X[:20], X, 10)
    shortlist = search.top_k(X[:20], X, 50)[0][:, ::-1].copy()  # right set, wrong order
    ids, scores = ann.rescore(X[:20], shortlist, X, 10)
    assert (ids == exact).all()
    np.testing.assert_allclose(scores, exact_scores, atol=1e-5)


def test_rescore_keeps_padding_last(X):
    shortlist = np.array([[5, -1, 2, 7]])
    ids, scores = ann.rescore(X[:1], shortlist, X, 4)
    assert ids[0, -1] == -1 and scores[0, -1] == -np.inf and sorted(ids[0, :3].tolist()) == [2, 5, 7]


def test_rescore_errors(X):
    sl = np.tile(np.arange(4), (5, 1))
    with pytest.raises(ValueError, match="shortlist must have shape"):
        ann.rescore(X[:3], sl, X, 2)
    with pytest.raises(ValueError, match="integer"):
        ann.rescore(X[:5], sl.astype(float), X, 2)
    with pytest.raises(ValueError, match="outside"):
        ann.rescore(X[:5], sl + 1000, X, 2)
    with pytest.raises(ValueError, match="larger than"):
        ann.rescore(X[:5], sl, X, 5)
    with pytest.raises(ValueError, match="dimension mismatch"):
        ann.rescore(X[:5, :8], sl, X, 2)
    with pytest.raises(ValueError, match="shortlist is empty"):               # review: numpy reduction error
        ann.rescore(X[:5], np.zeros((5, 0), np.int64), X, 1)
    with pytest.raises(ValueError, match="repeats id 0"):                    # review: duplicates returned
        ann.rescore(X[:1], [[0, 0]], X, 2)
    with pytest.raises(ValueError, match="overflow"):
        ann.rescore(X[:1] * 1e30, [[0, 1]], X * 1e30, 1)


def test_time_search(X):
    assert ann.time_search(lambda q, k: None, X, 3, repeats=2) >= 0
    assert ann.time_search(ann.build_index("flat", X), X[:5], 3, repeats=1) > 0
    with pytest.raises(ValueError, match="repeats"):
        ann.time_search(lambda q, k: None, X, 3, repeats=0)
    with pytest.raises(ValueError, match="repeats"):
        ann.time_search(lambda q, k: None, X, 3, repeats=1.5)
    with pytest.raises(TypeError, match="ann.Index or a search"):
        ann.time_search(None, X, 3)
    with pytest.raises(ValueError, match="knob"):
        ann.time_search(lambda q, k: None, X, 3, knob=4)


def test_measure_checks_exact_width(data):
    X, Q = data
    flat = ann.build_index("flat", X)
    exact, _ = ann.search(flat, Q, k=1)
    with pytest.raises(ValueError, match="exact has 1 columns but k=3"):    # review: recall 0.0
        ann.measure(flat, Q, exact, k=3)
    with pytest.raises(ValueError, match="n_queries=50"):
        ann.measure(flat, Q, exact[:10], k=1)
    assert ann.measure(flat, Q, exact, k=1, kind="exact").kind == "exact"


# ------------------------------------------------------------------ -1 padding (review: silently wrong)
def test_incomplete_results_warn_raise_or_pass(data):
    X, Q = data
    ivf = ann.build_index("ivf", X[:200], nlist=20, train_size=200)
    with pytest.warns(RuntimeWarning, match="fewer than k=50 results.*nprobe"):
        idx, scores = ann.search(ivf, Q[:5], k=50, knob=1)
    assert (idx == -1).any() and (idx[idx >= 0] < 200).all()
    with pytest.raises(ValueError, match="pads them with id -1"):
        ann.search(ivf, Q[:5], k=50, knob=1, incomplete="raise")
    idx, _ = ann.search(ivf, Q[:5], k=50, knob=1, incomplete="allow")
    m = ann.measure(ivf, Q[:5], search.top_k(Q[:5], X[:200], 50)[0], k=50, knob=1)   # padding counts as a miss
    assert 0 < m.recall < 1
    assert not (ann.search(ivf, Q[:5], k=50, knob=20)[0] == -1).any()         # all cells probed: complete
    with pytest.raises(ValueError, match="incomplete"):
        ann.search(ivf, Q[:5], k=5, incomplete="ignore")


def test_knob_is_per_search_not_sticky(data):
    X, Q = data
    ivf = ann.build_index("ivf", X, nlist=32, train_size=3000)
    exact, _ = ann.search(ann.build_index("flat", X), Q, k=10)
    low = search.list_overlap(ann.search(ivf, Q, 10, knob=1, incomplete="allow")[0], exact)
    high = search.list_overlap(ann.search(ivf, Q, 10, knob=32)[0], exact)
    again = search.list_overlap(ann.search(ivf, Q, 10, incomplete="allow")[0], exact)   # faiss's default nprobe=1
    assert high == 1.0 and low < high and again == low
    assert ann.search(ivf, Q, 10, knob=10_000)[0].shape == (50, 10)        # nprobe capped at nlist


# ------------------------------------------------------------------ bad input (review: lib/ann.py, lib/compression.py)
def test_build_errors(data, X):
    X3000, _ = data
    with pytest.raises(ValueError, match="unknown index kind"):
        ann.build_index("lsh", X)
    with pytest.raises(ValueError, match="unknown index kind None"):         # review: 'NoneType' ... lower
        ann.build_index(None, X)
    with pytest.raises(ValueError, match="must divide"):
        ann.build_index("ivfpq", X3000, nlist=8, pq_m=3)
    with pytest.raises(ValueError, match="nlist"):
        ann.build_index("ivf", X[:10], nlist=100)
    with pytest.raises(ValueError, match="NaN"):
        ann.build_index("flat", np.full((3, 2), np.nan))
    with pytest.raises(ValueError, match="divide"):
        ann.build_index("pq", X, pq_m=5)
    with pytest.raises(ValueError, match="training vectors"):
        ann.build_index("pq", X, pq_m=8, pq_bits=10)
    with pytest.raises(ValueError, match="divisible by 8"):
        ann.build_index("binary", X[:, :12])
    with pytest.raises(ValueError, match="float16's range"):                 # review: silently -1 ids
        ann.build_index("float16", X * 1e6)


@pytest.mark.parametrize("options,match", [
    (dict(pq_bits=0), "pq_bits must be an integer between 1 and 16"),       # review: segfault in search
    (dict(pq_bits=17), "pq_bits"),
    (dict(pq_bits=8), "at least 2\\*\\*8 = 256 training vectors"),          # review: faiss RuntimeError
    (dict(pq_m=0), "pq_m must be an integer >= 1"),                         # review: ZeroDivisionError
    (dict(pq_bits=2.5), "pq_bits must be an integer"),
    (dict(nlist=2.5), "nlist must be an integer"),                          # review: SWIG overload error
])
def test_ivfpq_options(X, options, match):
    with pytest.raises(ValueError, match=match):
        ann.build_index("ivfpq", X[:12, :8], **{"nlist": 2, "pq_m": 2, "pq_bits": 2, **options})


def test_hnsw_and_pq_integer_options(X):
    with pytest.raises(ValueError, match="M must be an integer"):
        ann.build_index("hnsw", X, M=2.5)
    with pytest.raises(ValueError, match="ef_construction must be an integer >= 1"):
        ann.build_index("hnsw", X, ef_construction=0)
    with pytest.raises(ValueError, match="pq_bits must be an integer"):       # review: SWIG error (nbits=2.5)
        ann.build_index("pq", X, pq_bits=2.5)
    with pytest.raises(ValueError, match="train_size"):
        ann.build_index("ivf", X, nlist=2, train_size=0)
    # options of other kinds are ignored, so one dict builds every kind
    assert ann.build_index("flat", X, M=2.5, nlist=10_000).kind == "flat"


def test_search_errors(data):
    X, Q = data
    flat = ann.build_index("flat", X)
    hnsw = ann.build_index("hnsw", X[:300], M=8)
    with pytest.raises(ValueError, match="dimension mismatch"):
        ann.search(flat, Q[:, :5], k=1)
    with pytest.raises(ValueError, match="larger than"):
        ann.search(flat, Q, k=5000)
    with pytest.raises(ValueError, match="no search parameter"):
        ann.search(flat, Q, k=1, knob=4)
    with pytest.raises(ValueError, match="knob must be an integer"):          # review: comparison TypeError
        ann.search(hnsw, Q, k=1, knob="4")
    with pytest.raises(ValueError, match="knob must be an integer"):          # review: truncated to 2
        ann.search(hnsw, Q, k=1, knob=2.5)
    with pytest.raises(ValueError, match="knob must be an integer >= 1"):
        ann.search(hnsw, Q, k=1, knob=0)
    with pytest.raises(TypeError, match="ann.Index"):                         # review: no attribute 'd'
        ann.search(None, Q, k=1)
    with pytest.raises(TypeError, match="ann.Index"):
        ann.search(flat.index, Q, k=1)
    with pytest.raises(TypeError, match="ann.Index"):
        ann.measure(None, Q, np.zeros((50, 1), int), k=1)
    with pytest.raises(TypeError, match="ann.Index"):
        ann.memory_per_vector(None)
    with pytest.raises(ValueError, match="threads"):
        ann.set_threads(0)
    with pytest.raises(ValueError, match="threads"):
        ann.set_threads(1.5)


# ------------------------------------------------------------------ cache
def test_cached_build_returns_the_same_index(data, tmp_cache):
    X, Q = data
    ann.set_threads(1)
    built, seconds = ann.cached_build("hnsw", X, M=8)
    assert isinstance(built, ann.Index) and built.name == "hnsw M=8"
    assert seconds > 0 and len(list(tmp_cache.glob("faiss-index-*.pkl"))) == 1
    loaded, seconds_again = ann.cached_build("hnsw", X, M=8)        # read back, not rebuilt
    assert seconds_again == seconds and len(list(tmp_cache.glob("faiss-index-*.pkl"))) == 1
    a, _ = ann.search(built, Q, k=10, knob=32)
    b, _ = ann.search(loaded, Q, k=10, knob=32)
    np.testing.assert_array_equal(a, b)
    assert loaded.ntotal == len(X) and loaded.bytes_per_vector == built.bytes_per_vector
    ann.cached_build("hnsw", X, M=12)                                # another option, another entry
    ann.cached_build("hnsw", X[:-1], M=8)                            # other vectors, another entry
    assert len(list(tmp_cache.glob("faiss-index-*.pkl"))) == 3
    with pytest.raises(ValueError, match="unknown index kind"):
        ann.cached_build("lsh", X)


def test_cached_build_binary_and_pq(X, tmp_cache):
    for kind, options in (("binary", {}), ("pq", {"pq_m": 8, "pq_bits": 4})):
        built, _ = ann.cached_build(kind, X, **options)
        loaded, _ = ann.cached_build(kind, X, **options)
        assert loaded.name == built.name and loaded.overhead_bytes == built.overhead_bytes
        np.testing.assert_array_equal(loaded.search(X[:5], 3)[0], built.search(X[:5], 3)[0])
        assert ann.memory_per_vector(loaded) > 0


# ------------------------------------------------------------------ Part V ch4 exercise checkers (lib.exercises.part5)
def test_part5_ch4_checkers(capsys):
    from lib.exercises import ExerciseError, part5

    with pytest.raises(ExerciseError, match="itself"):          # delegating to the lib function scores 0
        part5.check_ann_recall(search.list_overlap)
    part5.check_ann_recall(lambda f, e: float(np.mean([len(set(a) & set(b)) / len(b) for a, b in zip(f, e)])))
    part5.check_bytes(lambda d, m, b: m * b / 8, lambda d: 4 * d)
    assert capsys.readouterr().out.count("PASSED") == 2
    with pytest.raises(ExerciseError):
        part5.check_ann_recall(lambda f, e: float(np.mean([len(set(a) & set(b)) for a, b in zip(f, e)])))
    with pytest.raises(ExerciseError):
        part5.check_bytes(lambda d, m, b: m * b, lambda d: 4 * d)
