"""Unit tests for lib.ann."""
import numpy as np
import pytest

from lib import ann


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((3000, 20)).astype(np.float32)
    X /= np.linalg.norm(X, axis=1, keepdims=True)
    return X, X[:50]


def test_flat_is_exact(data):
    X, Q = data
    idx, sc = ann.search(ann.build_index("flat", X), Q, k=5)
    want = np.argsort(-(Q @ X.T), axis=1)[:, :5]
    assert ann.recall_at_k(idx, want) == 1.0
    assert idx[:, 0].tolist() == list(range(50))


@pytest.mark.parametrize("kind,knob", [("hnsw", 64), ("ivf", 16), ("ivfpq", 16)])
def test_approximate_indexes_have_reasonable_recall(data, kind, knob):
    X, Q = data
    exact, _ = ann.search(ann.build_index("flat", X), Q, k=10)
    ix = ann.build_index(kind, X, nlist=32, pq_m=5, train_size=3000)
    m = ann.measure(ix, Q, exact, k=10, knob=knob, kind=kind)
    assert m.recall > (0.9 if kind != "ivfpq" else 0.3)
    assert m.qps > 0
    assert ann.memory_per_vector(ix) > 0


def test_memory_ordering(data):
    X, _ = data
    flat = ann.memory_per_vector(ann.build_index("flat", X))
    pq = ann.memory_per_vector(ann.build_index("ivfpq", X, nlist=16, pq_m=5, train_size=3000))
    assert flat >= 80 and pq < flat / 2


def test_errors(data):
    X, Q = data
    with pytest.raises(ValueError, match="unknown index kind"):
        ann.build_index("lsh", X)
    with pytest.raises(ValueError, match="must divide"):
        ann.build_index("ivfpq", X, nlist=8, pq_m=3)
    with pytest.raises(ValueError, match="nlist"):
        ann.build_index("ivf", X[:10], nlist=100)
    with pytest.raises(ValueError, match="NaN"):
        ann.build_index("flat", np.full((3, 2), np.nan))
    flat = ann.build_index("flat", X)
    with pytest.raises(ValueError, match="dimension mismatch"):
        ann.search(flat, Q[:, :5], k=1)
    with pytest.raises(ValueError, match="larger than"):
        ann.search(flat, Q, k=5000)
    with pytest.raises(ValueError, match="no search parameter"):
        ann.search(flat, Q, k=1, knob=4)
    with pytest.raises(ValueError, match="shape mismatch"):
        ann.recall_at_k(np.zeros((2, 3)), np.zeros((3, 3)))
    with pytest.raises(ValueError, match="threads"):
        ann.set_threads(0)


def test_cached_build_returns_the_same_index(data, tmp_cache):
    X, Q = data
    ann.set_threads(1)
    built, seconds = ann.cached_build("hnsw", X, M=8)
    assert seconds > 0 and len(list(tmp_cache.glob("faiss-index-*.pkl"))) == 1
    loaded, seconds_again = ann.cached_build("hnsw", X, M=8)        # read back, not rebuilt
    assert seconds_again == seconds and len(list(tmp_cache.glob("faiss-index-*.pkl"))) == 1
    a, _ = ann.search(built, Q, k=10, knob=32)
    b, _ = ann.search(loaded, Q, k=10, knob=32)
    np.testing.assert_array_equal(a, b)
    assert loaded.ntotal == len(X)
    ann.cached_build("hnsw", X, M=12)                                # another option, another entry
    ann.cached_build("hnsw", X[:-1], M=8)                            # other vectors, another entry
    assert len(list(tmp_cache.glob("faiss-index-*.pkl"))) == 3
    with pytest.raises(ValueError, match="unknown index kind"):
        ann.cached_build("lsh", X)
