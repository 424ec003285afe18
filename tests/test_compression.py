"""Unit tests for lib.compression (small random inputs; no model loading except where marked)."""
import numpy as np
import pytest

from lib import compression as C
from lib.search import top_k


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return C._unit(rng.normal(size=(300, 32)).astype(np.float32))


@pytest.fixture
def table():
    rng = np.random.default_rng(1)
    E = rng.normal(size=(400, 16)).astype(np.float32)
    words = [f"w{i}" for i in range(400)]
    return E, words


# ------------------------------------------------------------------ memory
def test_nbytes_and_human():
    assert C.nbytes(np.zeros((10, 4), np.float32), np.zeros(3, np.int8)) == 163
    assert C.human_bytes(1536) == "1.5 KB"
    assert C.human_bytes(10) == "10 B"
    with pytest.raises(ValueError, match="cannot count"):
        C.nbytes([1, 2])
    with pytest.raises(ValueError, match="non-negative"):
        C.human_bytes(-1)


# ------------------------------------------------------------------ quantization
def test_float16(X):
    h = C.to_float16(X)
    assert h.dtype == np.float16 and np.abs(h - X).max() < 1e-3
    with pytest.raises(ValueError, match="float16"):
        C.to_float16(np.array([[1e6]]))
    with pytest.raises(ValueError, match="NaN"):
        C.to_float16(np.array([[np.nan]]))


def test_int8_roundtrip(X):
    q = C.Int8Quantizer().fit(X)
    codes = q.encode(X)
    assert codes.dtype == np.int8 and codes.shape == X.shape
    err = np.abs(q.decode(codes) - X).max()
    assert err <= q.scale.max() / 2 + 1e-6
    assert q.nbytes(10) == 10 * 32 + 2 * 32 * 4
    # clipping with a percentile range
    q2 = C.Int8Quantizer(99).fit(X)
    assert (q2.hi <= X.max(0)).all()


def test_int8_errors(X):
    with pytest.raises(ValueError, match="percentile"):
        C.Int8Quantizer(30)
    with pytest.raises(ValueError, match="not calibrated"):
        C.Int8Quantizer().encode(X)
    q = C.Int8Quantizer().fit(X)
    with pytest.raises(ValueError, match="dimension mismatch"):
        q.encode(X[:, :8])
    with pytest.raises(ValueError, match="int8"):
        q.decode(X)
    with pytest.raises(ValueError, match="empty"):
        C.Int8Quantizer().fit(np.zeros((0, 3)))


def test_binary_hamming_matches_faiss(X):
    import faiss

    codes = C.binarize(X)
    assert codes.shape == (300, 4) and codes.dtype == np.uint8
    D = C.hamming_distances(codes[:5], codes)
    bits = X > 0
    assert (D == (bits[:5, None, :] != bits[None, :, :]).sum(-1)).all()
    dist, idx = C.hamming_top_k(codes[:20], codes, k=5)
    assert (idx[:, 0] == np.arange(20)).all() and (dist[:, 0] == 0).all()
    index = faiss.IndexBinaryFlat(32)
    index.add(codes)
    fd, _ = index.search(codes[:20], 5)
    assert (fd == dist).all()


def test_binary_errors(X):
    codes = C.binarize(X)
    with pytest.raises(ValueError, match="uint8"):
        C.hamming_distances(X, codes)
    with pytest.raises(ValueError, match="dimension mismatch"):
        C.hamming_distances(codes[:, :2], codes)
    with pytest.raises(ValueError, match="larger than"):
        C.hamming_top_k(codes[:2], codes, k=301)


def test_build_index_kinds(X):
    exact = top_k(X[:30], X, 10)[0]
    for kind in ("float32", "float16", "int8"):
        idx = C.build_index(kind, X)
        assert (idx.search(X[:30], 10)[:, 0] == np.arange(30)).all()
    f32 = C.build_index("float32", X)
    assert (f32.search(X[:30], 10) == exact).all()
    assert f32.bytes_per_vector == 128
    assert C.build_index("float16", X).bytes_per_vector == 64
    assert C.build_index("int8", X).bytes_per_vector == 32
    b = C.build_index("binary", X)
    assert b.bytes_per_vector == 4
    assert (b.search(X[:10], 1)[:, 0] == np.arange(10)).all()
    pq = C.build_index("pq", X, m=8, nbits=4)
    assert pq.bytes_per_vector == 4 and pq.search(X[:5], 10).shape == (5, 10)


def test_build_index_errors(X):
    with pytest.raises(ValueError, match="unknown index kind"):
        C.build_index("int3", X)
    with pytest.raises(ValueError, match="divide"):
        C.build_index("pq", X, m=5)
    with pytest.raises(ValueError, match="training vectors"):
        C.build_index("pq", X, m=8, nbits=10)
    with pytest.raises(ValueError, match="divisible by 8"):
        C.build_index("binary", X[:, :12])
    with pytest.raises(ValueError, match="dimension mismatch"):
        C.build_index("float32", X).search(X[:, :8], 3)
    with pytest.raises(ValueError, match="larger than"):
        C.build_index("float32", X).search(X[:2], 1000)
    with pytest.raises(ValueError, match="NaN"):
        C.build_index("float32", np.full((3, 8), np.nan))


def test_rescore_recovers_exact_order(X):
    exact = top_k(X[:20], X, 10)[0]
    shortlist = top_k(X[:20], X, 50)[0][:, ::-1].copy()  # right set, wrong order
    assert (C.rescore(X[:20], shortlist, X, 10) == exact).all()


def test_rescore_errors(X):
    sl = np.zeros((5, 4), dtype=np.int64)
    with pytest.raises(ValueError, match="shortlist must have shape"):
        C.rescore(X[:3], sl, X, 2)
    with pytest.raises(ValueError, match="integer"):
        C.rescore(X[:5], sl.astype(float), X, 2)
    with pytest.raises(ValueError, match="ids must lie"):
        C.rescore(X[:5], sl + 1000, X, 2)
    with pytest.raises(ValueError, match="larger than"):
        C.rescore(X[:5], sl, X, 5)
    with pytest.raises(ValueError, match="dimension mismatch"):
        C.rescore(X[:5, :8], sl, X, 2)


def test_time_search(X):
    assert C.time_search(lambda q, k: None, X, 3, repeats=2) >= 0
    with pytest.raises(ValueError, match="repeats"):
        C.time_search(lambda q, k: None, X, 3, repeats=0)


# ------------------------------------------------------------------ dimensions
def test_truncate_and_pca(X):
    T = C.truncate(X, 8)
    assert T.shape == (300, 8) and np.allclose(np.linalg.norm(T, axis=1), 1, atol=1e-5)
    with pytest.raises(ValueError, match="between 1 and 32"):
        C.truncate(X, 40)
    p = C.PCA().fit(X)
    Z = p.transform(X, 32, renormalize=False)
    # full-rank PCA is a rotation of the centred data: distances are kept
    Xc = X - X.mean(0)
    assert np.allclose(Z @ Z.T, Xc @ Xc.T, atol=1e-4)
    assert np.all(np.diff(p.explained) <= 1e-12)
    # nested: the first 4 of a transform at 8 equal the transform at 4 (before normalising)
    assert np.allclose(p.transform(X, 8, False)[:, :4], p.transform(X, 4, False), atol=1e-6)
    # against scikit-learn (up to sign)
    from sklearn.decomposition import PCA as SK

    sk = SK(4).fit(X)
    assert np.allclose(np.abs(sk.transform(X)), np.abs(p.transform(X, 4, False)), atol=1e-4)


def test_pca_errors(X):
    with pytest.raises(ValueError, match="not fitted"):
        C.PCA().transform(X, 2)
    p = C.PCA().fit(X)
    with pytest.raises(ValueError, match="dimension mismatch"):
        p.transform(X[:, :4], 2)
    with pytest.raises(ValueError, match="between 1 and"):
        p.transform(X, 0)
    with pytest.raises(ValueError, match="at least 2"):
        C.PCA().fit(X[:1])


def test_matryoshka_head_trains(X):
    rng = np.random.default_rng(0)
    P = C._unit(X + 0.3 * rng.normal(size=X.shape).astype(np.float32))
    head = C.train_matryoshka_head(X, P, dims=(4, 8, 32), epochs=15, batch_size=64, use_cache=False)
    assert head.W.shape == (32, 32)
    assert head.losses[-1] < head.losses[0]
    Z = head.transform(X, 4)
    assert Z.shape == (300, 4) and np.allclose(np.linalg.norm(Z, axis=1), 1, atol=1e-5)
    with pytest.raises(ValueError, match="between 1 and 32"):
        head.transform(X, 64)
    with pytest.raises(ValueError, match="dimension mismatch"):
        head.transform(X[:, :4], 2)


def test_matryoshka_errors(X):
    import torch

    with pytest.raises(ValueError, match="shape mismatch"):
        C.train_matryoshka_head(X, X[:10], use_cache=False)
    with pytest.raises(ValueError, match="dims must lie"):
        C.train_matryoshka_head(X, X, dims=(64,), use_cache=False)
    with pytest.raises(ValueError, match="epochs"):
        C.train_matryoshka_head(X, X, dims=(4,), epochs=0, use_cache=False)
    with pytest.raises(ValueError, match="shape mismatch"):
        C.matryoshka_loss(torch.zeros(4, 8), torch.zeros(3, 8), (4,))
    with pytest.raises(ValueError, match="dims"):
        C.matryoshka_loss(torch.zeros(4, 8), torch.zeros(4, 8), (16,))


def test_matryoshka_loss_prefers_aligned_pairs():
    import torch

    torch.manual_seed(0)
    q = torch.randn(16, 8)
    good = C.matryoshka_loss(q, q.clone(), (2, 8))
    bad = C.matryoshka_loss(q, q[torch.randperm(16)], (2, 8))
    assert good < bad


# ------------------------------------------------------------------ tables
def test_prune(table):
    E, _ = table
    t = C.prune_vocabulary(E, 100)
    R = t.reconstruct()
    assert np.allclose(R[:100], E[:100]) and np.allclose(R[100:], E[100:].mean(0))
    assert t.nbytes == 100 * 16 * 4 + 16 * 4
    with pytest.raises(ValueError, match="keep"):
        C.prune_vocabulary(E, 0)


def test_hashing_trick_is_bucket_mean(table):
    E, words = table
    t = C.hashing_trick(E, words, 50)
    R = t.reconstruct()
    ids = C._hash_ids(words, 50, 0)
    b = ids[0]
    assert np.allclose(R[0], E[ids == b].mean(0), atol=1e-5)
    assert t.nbytes == 50 * 16 * 4
    with pytest.raises(ValueError, match="shape mismatch"):
        C.hashing_trick(E, words[:10], 50)
    with pytest.raises(ValueError, match="n_buckets"):
        C.hashing_trick(E, words, 0)


def test_bloom_beats_single_hash_and_matches_lstsq(table):
    E, words = table
    one = C.hashing_trick(E, words, 100)
    two = C.bloom_embeddings(E, words, 100, n_hashes=2, ridge=1e-8)
    e1 = np.linalg.norm(one.reconstruct() - E)
    e2 = np.linalg.norm(two.reconstruct() - E)
    assert e2 < e1
    # against a dense least-squares solve
    rows = np.stack([C._hash_ids(words, 100, h) for h in range(2)], 1)
    A = C._assignment(rows, 100).toarray()
    T, *_ = np.linalg.lstsq(A, E, rcond=None)
    assert np.linalg.norm(A @ T - E) == pytest.approx(e2, rel=1e-3)
    with pytest.raises(ValueError, match="n_hashes"):
        C.bloom_embeddings(E, words, 100, n_hashes=0)


def test_quotient_remainder_unique_and_fits(table):
    E, _ = table
    t = C.quotient_remainder(E, 20)
    assert t.params == {"n_quotient": 20, "n_remainder": 20}
    assert t.nbytes == 40 * 16 * 4
    # with m = n every word has its own remainder row: exact
    exact = C.quotient_remainder(E, 400, ridge=1e-8)
    assert np.abs(exact.reconstruct() - E).max() < 1e-3
    with pytest.raises(ValueError, match="n_remainder"):
        C.quotient_remainder(E, 0)


def test_low_rank_and_quantization(table):
    E, _ = table
    full = C.low_rank(E, 16)
    assert np.allclose(full.reconstruct(), E, atol=1e-4)
    assert C.low_rank(E, 4).nbytes == (400 * 4 + 4 * 16) * 4
    with pytest.raises(ValueError, match="rank"):
        C.low_rank(E, 17)
    q8 = C.quantize_table(E, 8)
    assert np.abs(q8.reconstruct() - E).max() <= (E.max(0) - E.min(0)).max() / 255 / 2 + 1e-5
    assert q8.nbytes == 400 * 16 + 2 * 16 * 4
    assert C.quantize_table(E, 4).nbytes == 400 * 16 // 2 + 2 * 16 * 4
    with pytest.raises(ValueError, match="bits"):
        C.quantize_table(E, 9)
    m = C.mixed_precision(E, 100, 16, 2)
    R = m.reconstruct()
    assert R.shape == E.shape and np.abs(R[:100] - E[:100]).max() < 1e-2
    assert m.nbytes == 100 * 16 * 2 + 300 * 16 // 4 + 2 * 16 * 4
    with pytest.raises(ValueError, match="n_high"):
        C.mixed_precision(E, 500)
    with pytest.raises(ValueError, match="high_bits"):
        C.mixed_precision(E, 10, high_bits=12)


def test_neighbour_recall(table):
    E, _ = table
    q = np.arange(20)
    assert C.neighbour_recall(E, E, q, 400, 10) == 1.0
    noisy = E + np.random.default_rng(0).normal(size=E.shape).astype(np.float32) * 3
    assert C.neighbour_recall(E, noisy, q, 400, 10) < 0.5
    with pytest.raises(ValueError, match="shape mismatch"):
        C.neighbour_recall(E, E[:10], q, 400)
    with pytest.raises(ValueError, match="queries"):
        C.neighbour_recall(E, E, np.array([500]), 400)
    with pytest.raises(ValueError, match="larger than"):
        C.neighbour_recall(E, E, q, 400, k=400)


def test_task_layers_last_layer_is_minilm_embed(tmp_cache):
    """One cached encoder call over queries + passages; the last layer normalised is Part V's MiniLM."""
    from lib import retrieval as R

    task = R.RetrievalTask("t", ["a cat on a mat", "stock markets fell"],
                           ["Cats like mats and naps.", "Shares dropped on Monday.", "Rain in Spain."], [{0}, {1}])
    ql, pl = C.task_layers(task)
    assert ql.shape == (7, 2, 384) and pl.shape == (7, 3, 384)
    Q, P = C.task_embeddings(task, -1)
    np.testing.assert_allclose(Q, R.minilm_embed(task.queries), atol=2e-3)   # Part V stores tokens as float16
    np.testing.assert_allclose(P, R.minilm_embed(task.passages), atol=2e-3)
    np.testing.assert_allclose(np.linalg.norm(C.task_embeddings(task, 0)[0], axis=1), 1, atol=1e-5)
    assert len(list(tmp_cache.rglob("*.npy"))) >= 1                          # cached
    with pytest.raises(ValueError, match="layer"):
        C.task_embeddings(task, 7)
    with pytest.raises(ValueError, match="queries and passages"):
        C.task_layers(["not", "a", "task"])


# ------------------------------------------------------------------ exercise checkers (lib.exercises.part6)
def test_part6_checkers_reject_wrong_answers():
    from lib.exercises import ExerciseError, part6

    with pytest.raises(ExerciseError, match="not implemented"):
        part6.check_int8(None, None)
    with pytest.raises(ExerciseError):
        part6.check_int8(lambda X, lo, hi: np.zeros(X.shape, np.int8), lambda c, lo, hi: c)
    with pytest.raises(ExerciseError, match="differing bits"):
        part6.check_hamming(lambda a, b: 0)
    with pytest.raises(ExerciseError, match="codebooks"):
        part6.check_pq_bytes(lambda n, d, m, nbits: n * m)
    with pytest.raises(ExerciseError):
        part6.check_pca_reduce(lambda A, B, d: B[:, :d] / np.linalg.norm(B[:, :d], axis=1, keepdims=True))
    with pytest.raises(ExerciseError, match="raise ValueError"):
        part6.check_retention(lambda s, b: {k: 100 * v / b if b else 0.0 for k, v in s.items()})
    with pytest.raises(ExerciseError, match="remainder row"):
        part6.check_qr_rows(lambda i, m, n: (i // m, i % m))
    with pytest.raises(ExerciseError):
        part6.check_bucket_means(lambda E, ids, nb: np.zeros((nb, E.shape[1])))
    with pytest.raises(ExerciseError):
        part6.check_equal_memory(lambda b, d, v: round(b / (d * v)))
    with pytest.raises(ExerciseError):
        part6.check_sif(lambda n, a: np.ones(n))
    with pytest.raises(ExerciseError):
        part6.check_static_encode(lambda T, rows: np.stack([T[r].sum(0) for r in rows]))
    with pytest.raises(ExerciseError):
        part6.check_speedup(lambda n, s, f: (n / s, n / f, f / s))


def test_part6_checkers_accept_right_answers(capsys):
    import torch
    import torch.nn.functional as F

    from lib.exercises import part6

    def nested(q, p, dims, t):
        target = torch.arange(len(q))
        out = []
        for d in dims:
            S = F.normalize(q[:, :d], dim=1) @ F.normalize(p[:, :d], dim=1).T / t
            out.append((F.cross_entropy(S, target) + F.cross_entropy(S.T, target)) / 2)
        return torch.stack(out).mean()

    part6.check_nested_loss(nested)
    part6.check_hamming(lambda a, b: int(np.unpackbits(a ^ b).sum()))
    part6.check_equal_memory(lambda b, d, v: int(b // (d * v)))
    assert capsys.readouterr().out.count("PASSED") == 3
