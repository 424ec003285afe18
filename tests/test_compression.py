"""Unit tests for the lib.compression package (small random inputs; no model loading except where marked)."""
import numpy as np
import pytest

from lib import compression as C
from lib import encodings, search, tasks
from lib.compression import table_training, tables


@pytest.fixture
def X():
    rng = np.random.default_rng(0)
    return search.normalize(rng.normal(size=(300, 32)).astype(np.float32))


@pytest.fixture
def table():
    rng = np.random.default_rng(1)
    E = rng.normal(size=(400, 16)).astype(np.float32)
    words = [f"w{i}" for i in range(400)]
    return E, words


def test_package_reexports_every_module():
    for module in (C.quantization, C.dimensions, C.tables, C.table_entries, C.table_training):
        assert module.__all__ and all(getattr(C, name) is getattr(module, name) for name in module.__all__)
    for moved in ("build_index", "Index", "rescore", "time_search", "PCA", "neighbour_recall", "task_embeddings"):
        assert not hasattr(C, moved)                       # in lib.ann, lib.linalg, lib.search, lib.encodings


# ------------------------------------------------------------------ memory
def test_nbytes_and_human():
    assert C.nbytes(np.zeros((10, 4), np.float32), np.zeros(3, np.int8)) == 163
    assert C.human_bytes(1536) == "1.5 KB"
    assert C.human_bytes(10) == "10 B"
    assert C.human_bytes(3 * 2 ** 40) == "3072.0 GB"
    with pytest.raises(ValueError, match="cannot count"):
        C.nbytes([1, 2])
    with pytest.raises(ValueError, match=">= 0"):
        C.human_bytes(-1)
    with pytest.raises(ValueError, match="must be a number"):           # review: comparison TypeError
        C.human_bytes("5")
    with pytest.raises(ValueError, match="finite"):
        C.human_bytes(float("inf"))


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
    assert err <= q.scale_.max() / 2 + 1e-6
    assert q.nbytes(10) == 10 * 32 + 2 * 32 * 4 and q.nbytes(0) == 2 * 32 * 4
    # clipping with a percentile range
    q2 = C.Int8Quantizer(99).fit(X)
    assert (q2.hi_ <= X.max(0)).all() and (q2.lo_ >= X.min(0)).all()
    assert repr(q2) == "Int8Quantizer(percentile=99)"


def test_int8_errors(X):
    with pytest.raises(ValueError, match="percentile"):
        C.Int8Quantizer(30)
    with pytest.raises(ValueError, match="percentile must be a number"):   # review: comparison TypeError
        C.Int8Quantizer("99")
    with pytest.raises(ValueError, match="not fitted"):
        C.Int8Quantizer().encode(X)
    with pytest.raises(ValueError, match="not fitted"):
        C.Int8Quantizer().nbytes(3)
    q = C.Int8Quantizer().fit(X)
    with pytest.raises(ValueError, match="dimension mismatch"):
        q.encode(X[:, :8])
    with pytest.raises(ValueError, match="int8"):
        q.decode(X)
    with pytest.raises(ValueError, match="empty"):
        C.Int8Quantizer().fit(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="at least 2 vectors"):           # review: divide-by-zero warnings
        C.Int8Quantizer().fit(X[:1])
    with pytest.raises(ValueError, match="complex"):                      # review: imaginary part dropped
        C.Int8Quantizer().fit(X.astype(complex))
    for n in (-1, 2.5):                                                   # review: 56 / 84 bytes
        with pytest.raises(ValueError, match="n must be an integer"):
            q.nbytes(n)


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
    d2, i2 = C.hamming_top_k(codes[:20], codes, k=5, block=3)              # blocks change nothing
    assert (d2 == dist).all() and (i2 == idx).all()


def test_binary_errors(X):
    codes = C.binarize(X)
    with pytest.raises(ValueError, match="uint8"):
        C.hamming_distances(X, codes)
    with pytest.raises(ValueError, match="dimension mismatch"):
        C.hamming_distances(codes[:, :2], codes)
    with pytest.raises(ValueError, match="larger than"):
        C.hamming_top_k(codes[:2], codes, k=301)
    for block in (-1, 0, 2.5):                                             # review: uninitialised np.empty
        with pytest.raises(ValueError, match="block must be an integer"):
            C.hamming_top_k(codes[:2], codes, k=3, block=block)
    with pytest.raises(ValueError, match="document codes must be"):       # review: len() of unsized object
        C.hamming_top_k(codes[:2], None, k=3)
    with pytest.raises(ValueError, match="query codes must be a non-empty"):   # review: empty result
        C.hamming_top_k(codes[:0], codes, k=3)
    with pytest.raises(ValueError, match="complex"):
        C.binarize(X.astype(complex))


def test_quantize_rows_checks(table):
    E, _ = table
    codes, lo, hi = C.quantize_rows(E, 4)
    assert codes.max() == 15 and codes.min() == 0
    back = C.dequantize_rows(codes, lo, hi, 4)
    assert np.abs(back - E).max() <= (hi - lo).max() / 15 / 2 + 1e-5
    d = E.shape[1]
    with pytest.raises(ValueError, match="lo must be finite"):            # review: all codes 0
        C.quantize_rows(E, 4, lo=np.full(d, np.nan))
    with pytest.raises(ValueError, match="hi must be >= lo"):             # review: codes saturate
        C.quantize_rows(E, 4, lo=np.ones(d), hi=np.zeros(d))
    with pytest.raises(ValueError, match="lo must have shape \\(d,\\) = \\(16,\\)"):   # review: broadcast error
        C.quantize_rows(E, 4, lo=np.zeros(3))
    with pytest.raises(ValueError, match="bits must be an integer"):      # review: 4.66 levels
        C.quantize_rows(E, 2.5)
    with pytest.raises(ValueError, match="bits must be an integer between 1 and 8"):   # review: all NaN
        C.dequantize_rows(codes, lo, hi, 0)
    with pytest.raises(ValueError, match="codes must lie in 0..2\\*\\*bits - 1 = 3"):   # review: far outside
        C.dequantize_rows(codes, lo, hi, 2)
    with pytest.raises(ValueError, match="integer codes"):
        C.dequantize_rows(codes.astype(float), lo, hi, 4)


# ------------------------------------------------------------------ dimensions
def test_truncate(X):
    T = C.truncate(X, 8)
    assert T.shape == (300, 8) and np.allclose(np.linalg.norm(T, axis=1), 1, atol=1e-5)
    np.testing.assert_array_equal(C.truncate(X, 8, normalize=False), X[:, :8])
    with pytest.raises(ValueError, match="between 1 and 32"):
        C.truncate(X, 40)
    for d in (2.5, "2"):                                                   # review: slice / comparison TypeErrors
        with pytest.raises(ValueError, match="d must be an integer"):
            C.truncate(X, d)


def test_matryoshka_head_trains(X, tmp_cache):
    rng = np.random.default_rng(0)
    P = search.normalize(X + 0.3 * rng.normal(size=X.shape).astype(np.float32))
    head = C.MatryoshkaHead(dims=(4, 8, 32), epochs=15, batch_size=64)
    assert head.fit(X, P) is head
    assert head.W_.shape == (32, 32) and head.dims_ == (4, 8, 32)
    assert head.losses_[-1] < head.losses_[0]
    Z = head.transform(X, 4)
    assert Z.shape == (300, 4) and np.allclose(np.linalg.norm(Z, axis=1), 1, atol=1e-5)
    again = C.MatryoshkaHead(dims=(32, 8, 4), epochs=15, batch_size=64).fit(X, P)     # from the cache
    np.testing.assert_array_equal(again.W_, head.W_)
    assert len(list(tmp_cache.glob("matryoshka-head-*"))) == 1
    fresh = C.MatryoshkaHead(dims=(4, 8, 32), epochs=15, batch_size=64, use_cache=False).fit(X, P)
    np.testing.assert_array_equal(fresh.W_, head.W_)                                 # deterministic
    # before training, the head's prefixes are PCA's (the same projection, up to signs)
    from lib.linalg import PCA

    start = C.MatryoshkaHead(dims=(4,), epochs=1, lr=1e-12, use_cache=False).fit(X, P)
    pca = PCA().fit(np.vstack([X, P]))
    np.testing.assert_allclose(np.abs(start.transform(X, 4)), np.abs(pca.transform(X, 4, normalize=True)), atol=1e-4)
    with pytest.raises(ValueError, match="between 1 and 32"):
        head.transform(X, 64)
    with pytest.raises(ValueError, match="dimension mismatch"):
        head.transform(X[:, :4], 2)


def test_matryoshka_errors(X):
    import torch

    with pytest.raises(ValueError, match="not fitted"):
        C.MatryoshkaHead().transform(X)
    with pytest.raises(ValueError, match="shape mismatch"):
        C.MatryoshkaHead(use_cache=False).fit(X, X[:10])
    with pytest.raises(ValueError, match="dims must be an integer between 1 and 32"):
        C.MatryoshkaHead(dims=(64,), use_cache=False).fit(X, X)
    with pytest.raises(ValueError, match="dims must be an integer"):
        C.MatryoshkaHead(dims=(2.5,), use_cache=False).fit(X, X)
    with pytest.raises(ValueError, match="dims must not be empty"):
        C.MatryoshkaHead(dims=(), use_cache=False).fit(X, X)
    with pytest.raises(ValueError, match="at least 2 pairs"):
        C.MatryoshkaHead(dims=(4,), use_cache=False).fit(X[:1], X[:1])
    with pytest.raises(ValueError, match="epochs"):
        C.MatryoshkaHead(dims=(4,), epochs=0)
    with pytest.raises(ValueError, match="lr"):
        C.MatryoshkaHead(lr=0)
    with pytest.raises(ValueError, match="shape mismatch"):
        C.matryoshka_loss(torch.zeros(4, 8), torch.zeros(3, 8), (4,))
    with pytest.raises(ValueError, match="dims"):
        C.matryoshka_loss(torch.zeros(4, 8), torch.zeros(4, 8), (16,))
    with pytest.raises(ValueError, match="temperature"):
        C.matryoshka_loss(torch.zeros(4, 8), torch.zeros(4, 8), (4,), temperature=0)


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
    ids = tables._hash_ids(words, 50, 0)
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
    rows = np.stack([tables._hash_ids(words, 100, h) for h in range(2)], 1)
    A = tables._assignment(rows, 100).toarray()
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


def test_neighbours_kept_is_search_neighbour_overlap(table):
    """Part VI ch3's "neighbours kept": lib.search.neighbour_overlap, checked against brute force."""
    E, _ = table
    q = np.arange(20)
    assert search.neighbour_overlap(E, E, 10, queries=q, candidates=400) == 1.0
    noisy = E + np.random.default_rng(0).normal(size=E.shape).astype(np.float32) * 3
    U, N = (M / np.linalg.norm(M, axis=1, keepdims=True) for M in (E, noisy))
    want = []
    for i in q:
        a, b = U @ U[i], N @ N[i]
        a[i] = b[i] = -np.inf
        want.append(len(set(np.argsort(-a)[:10]) & set(np.argsort(-b)[:10])) / 10)
    assert search.neighbour_overlap(E, noisy, 10, queries=q, candidates=400) == pytest.approx(np.mean(want))
    assert np.mean(want) < 0.5


def test_task_layers_last_layer_is_sentence_vectors(tmp_cache):
    """The cached encoder calls of Part V's MiniLM that Part VI reads: the last layer normalised is sentence_vectors."""
    task = tasks.RetrievalTask("t", ["a cat on a mat", "stock markets fell"],
                               ["Cats like mats and naps.", "Shares dropped on Monday.", "Rain in Spain."], [{0}, {1}])
    ql, pl = encodings.task_layers(task)
    assert ql.shape == (7, 2, 384) and pl.shape == (7, 3, 384)
    Q, P = encodings.task_embeddings(task, -1)
    n_cached = len(list(tmp_cache.rglob("*.npy")))
    assert n_cached == 2                                                      # queries, passages
    np.testing.assert_array_equal(Q, encodings.sentence_vectors(task.queries))    # the same cached arrays
    np.testing.assert_array_equal(P, encodings.sentence_vectors(task.passages))
    assert len(list(tmp_cache.rglob("*.npy"))) == n_cached                   # nothing new was encoded
    tv = encodings.token_vectors(task.queries)                         # the token-level path agrees
    np.testing.assert_allclose(Q, tv.pooled(), atol=2e-3)                     # (it stores tokens as float16)
    np.testing.assert_allclose(np.linalg.norm(encodings.task_embeddings(task, 0)[0], axis=1), 1, atol=1e-5)
    with pytest.raises(ValueError, match="layer"):
        encodings.task_embeddings(task, 7)
    with pytest.raises(ValueError, match="queries and passages"):
        encodings.task_layers(["not", "a", "task"])


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


# ------------------------------------------------------------------ more families, training (smaller tables)
def overlap(E, M, rows):
    """Part VI ch3's "neighbours kept" in the small setting: 4 neighbours among 400 candidates."""
    return search.neighbour_overlap(E, M, 4, queries=rows, candidates=400)


@pytest.fixture
def clustered():
    """The chapter's setting in small: 400 frequent words (the candidates) in 80 tight clusters
    of 5, so a word's 4 neighbours are its cluster-mates, and 1,600 rare words; split into
    probe, validation and training words among the frequent ones."""
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(80, 16))
    frequent = np.repeat(centres, 5, 0) + 0.2 * rng.normal(size=(400, 16))
    E = np.vstack([frequent[rng.permutation(400)], rng.normal(size=(1600, 16))]).astype(np.float32)
    perm = np.random.default_rng(5).permutation(400)
    split = np.sort(perm[:50]), np.sort(perm[50:100]), np.sort(perm[100:])     # probes, validation, training
    return E, [f"w{i}" for i in range(2000)], split


def test_families_and_layout_vectors(table):
    E, words = table
    built = [C.prune_vocabulary(E, 100), C.hashing_trick(E, words, 50), C.bloom_embeddings(E, words, 50),
              C.quotient_remainder(E, 20), C.low_rank(E, 4), C.mixed_dimensions(E, (0, 100, 400), (8, 2)),
              C.prune_entries(E, 500), C.quantize_table(E, 4)]
    assert [t.family for t in built] == ["frequency-based", "hashing", "hashing", "compositional",
                                          "dimension reduction", "dimension reduction", "pruning", "quantization"]
    assert [t.group for t in built] == ["inter-feature"] * 4 + ["intra-feature"] * 4
    ids = np.array([0, 3, 99, 100, 250, 399])
    for t in built[:6]:                                  # any sorted subset of words, as training uses
        np.testing.assert_allclose(tables.layout_vectors(t.layout, t.arrays, ids), t.reconstruct()[ids], atol=1e-6)
    assert built[6].layout is None and built[7].layout is None
    with pytest.raises(ValueError, match="unknown layout"):
        tables.layout_vectors("dense", {}, ids)


def test_mixed_dimensions_is_bucketwise_svd(table):
    E, _ = table
    t = C.mixed_dimensions(E, (0, 100, 400), (8, 2))
    R = t.reconstruct()
    for (s, e, r) in ((0, 100, 8), (100, 400, 2)):
        U, sv, Vt = np.linalg.svd(E[s:e], full_matrices=False)
        np.testing.assert_allclose(R[s:e], (U[:, :r] * sv[:r]) @ Vt[:r], atol=1e-4)
    assert t.nbytes == 4 * (100 * 8 + 8 * 16 + 300 * 2 + 2 * 16)
    assert t.params == {"bounds": (0, 100, 400), "dims": (8, 2)}
    full = C.mixed_dimensions(E, (0, 400), (16,))
    np.testing.assert_allclose(full.reconstruct(), E, atol=1e-4)
    with pytest.raises(ValueError, match="bounds"):
        C.mixed_dimensions(E, (10, 400), (4,))
    with pytest.raises(ValueError, match="bounds"):
        C.mixed_dimensions(E, (0, 200, 200, 400), (4, 4, 4))
    with pytest.raises(ValueError, match="shape mismatch"):
        C.mixed_dimensions(E, (0, 100, 400), (4,))
    with pytest.raises(ValueError, match="dims must be an integer between 1 and 5; got 8 \\(for rows 0..4\\)"):
        C.mixed_dimensions(E, (0, 5, 400), (8, 2))      # 8 dimensions for a bucket of 5 words
    with pytest.raises(ValueError, match="bounds must be integers"):
        C.mixed_dimensions(E, (0.0, 400.0), (4,))
    with pytest.raises(ValueError, match="NaN"):
        C.mixed_dimensions(np.full((4, 2), np.nan), (0, 4), (1,))


def test_mixed_dimension_plan_fits_budget():
    bounds = (0, 100, 1000, 10_000)
    cost = lambda ds: 4 * sum((e - s + 50) * r for s, e, r in zip(bounds[:-1], bounds[1:], ds))  # noqa: E731
    for budget in (60_000, 200_000, 500_000):
        dims = C.mixed_dimension_plan(10_000, 50, budget, bounds, alpha=0.5)
        assert cost(dims) <= budget
        assert list(dims) == sorted(dims, reverse=True)            # frequent words get more dimensions
        # nothing is left that would buy one more dimension for any bucket
        assert all(r == min(50, e - s) or cost([*dims[:i], r + 1, *dims[i + 1:]]) > budget
                   for i, (s, e, r) in enumerate(zip(bounds[:-1], bounds[1:], dims)))
    assert C.mixed_dimension_plan(10_000, 50, 10 ** 9, bounds) == (50, 50, 50)
    with pytest.raises(ValueError, match="budget too small"):
        C.mixed_dimension_plan(10_000, 50, 1000, bounds)
    with pytest.raises(ValueError, match="alpha"):
        C.mixed_dimension_plan(10_000, 50, 60_000, bounds, alpha=-1)
    with pytest.raises(ValueError, match="bounds"):
        C.mixed_dimension_plan(10_000, 50, 60_000, (0, 100))


def test_prune_entries_and_sparse_bytes(table):
    E, _ = table
    t = C.prune_entries(E, 500)
    R = t.reconstruct()
    assert (R != 0).sum() == 500
    threshold = np.sort(np.abs(E).ravel())[-500]
    assert np.all(np.abs(E[R != 0]) >= threshold) and np.array_equal(R[R != 0], E[R != 0])
    assert t.nbytes == 400 * 16 // 8 + 4 * 500                                  # bitmap + values
    assert C.prune_entries(E, 500, "csr").nbytes == 500 * (4 + 1) + 4 * 401    # values, uint8 columns, row ptrs
    assert C.sparse_nbytes(10, 1000, 7, "csr") == 7 * (4 + 2) + 4 * 11         # uint16 columns for d > 256
    assert C.prune_entries(E, E.size).reconstruct().tolist() == E.tolist()
    for storage in C.SPARSE_STORAGE:
        m = C.max_entries(400, 16, 5000, storage)
        assert C.sparse_nbytes(400, 16, m, storage) <= 5000 < C.sparse_nbytes(400, 16, m + 1, storage)
    assert C.max_entries(400, 16, 10 ** 9) == 400 * 16
    with pytest.raises(ValueError, match="budget too small"):
        C.max_entries(400, 16, 800, "bitmap")
    with pytest.raises(ValueError, match="unknown storage"):
        C.sparse_nbytes(400, 16, 5, "coo")
    with pytest.raises(ValueError, match="nnz"):
        C.sparse_nbytes(400, 16, 400 * 16 + 1)
    with pytest.raises(ValueError, match="n_keep"):
        C.prune_entries(E, 0)
    with pytest.raises(ValueError, match="NaN"):
        C.prune_entries(np.array([[1.0, np.nan]]), 1)


def test_neighbour_targets_brute_force(table, tmp_cache):
    E, _ = table
    anchors = np.array([0, 5, 150, 399])
    got = C.neighbour_targets(E, anchors, 100, k=5)
    U = E / np.linalg.norm(E, axis=1, keepdims=True)
    for a, row in zip(anchors, got):
        s = U[:100] @ U[a]
        if a < 100:
            s[a] = -np.inf                                  # a word is not its own neighbour
        assert row.tolist() == np.argsort(-s)[:5].tolist()
    assert np.array_equal(C.neighbour_targets(E, anchors, 100, k=5), got)     # from the cache
    assert len(list(tmp_cache.glob("neighbour-targets-*"))) == 1
    with pytest.raises(ValueError, match="anchors"):
        C.neighbour_targets(E, np.array([400]), 100)
    with pytest.raises(ValueError, match="anchors"):
        C.neighbour_targets(E, np.array([], dtype=int), 100)
    with pytest.raises(ValueError, match="larger than"):
        C.neighbour_targets(E, anchors, 5, k=5)
    with pytest.raises(ValueError, match="candidates"):
        C.neighbour_targets(E, anchors, 401)


def test_neighbour_loss_by_hand():
    import torch

    rng = np.random.default_rng(4)
    A, P, N = rng.normal(size=(3, 4)), rng.normal(size=(3, 2, 4)), rng.normal(size=(5, 4))
    ignore = np.zeros((3, 5), bool)
    ignore[0, 1] = ignore[2, [0, 4]] = True
    unit = lambda x: x / np.linalg.norm(x, axis=-1, keepdims=True)  # noqa: E731
    want = []
    for b in range(3):
        neg = unit(N)[~ignore[b]] @ unit(A[b]) / 0.1
        for j in range(2):
            pos = unit(P[b, j]) @ unit(A[b]) / 0.1
            want.append(-np.log(np.exp(pos) / (np.exp(pos) + np.exp(neg).sum())))
    got = C.neighbour_loss(*(torch.tensor(x, dtype=torch.float32) for x in (A, P, N)), torch.tensor(ignore), 0.1)
    assert float(got) == pytest.approx(np.mean(want), rel=1e-5)
    t = lambda *s: torch.zeros(*s)  # noqa: E731
    with pytest.raises(ValueError, match="shape mismatch"):
        C.neighbour_loss(t(3, 4), t(2, 2, 4), t(5, 4), torch.zeros(3, 5, dtype=torch.bool))
    with pytest.raises(ValueError, match="shape mismatch"):
        C.neighbour_loss(t(3, 4), t(3, 2, 4), t(5, 4), torch.zeros(3, 4, dtype=torch.bool))
    with pytest.raises(ValueError, match="temperature"):
        C.neighbour_loss(t(3, 4), t(3, 2, 4), t(5, 4), torch.zeros(3, 5, dtype=torch.bool), 0.0)


def test_training_lowers_loss_and_raises_recall(clustered, tmp_cache):
    E, words, (probes, val, train) = clustered
    targets, val_lists = C.neighbour_targets(E, train, 400, 4), C.neighbour_targets(E, val, 400, 4)
    fitted = C.bloom_embeddings(E, words, 250)
    kw = dict(validation=(val, val_lists), steps=150, eval_every=25, batch_size=64, n_negatives=200, lr=0.05)
    trained = C.train_table_on_neighbours(fitted, train, targets, 400, progress=False, **kw)
    losses = trained.params["losses"]
    assert len(losses) == 150 and np.mean(losses[-10:]) < 0.2 * np.mean(losses[:10])
    before = overlap(E, fitted.reconstruct(), probes)
    after = overlap(E, trained.reconstruct(), probes)
    assert before < 0.1 and after > before + 0.5                 # held-out probe words gain
    history = dict(trained.params["val_recall"])
    assert sorted(history) == list(range(0, 151, 25))
    assert history[trained.params["best_step"]] == max(history.values()) > history[0] + 0.5
    # same memory: same parameters, same dtype, the hashed rows untouched
    assert trained.nbytes == fitted.nbytes and trained.name.endswith("(trained)")
    assert trained.arrays["T"].shape == fitted.arrays["T"].shape and trained.arrays["T"].dtype == np.float32
    assert np.array_equal(trained.arrays["rows"], fitted.arrays["rows"])
    again = C.train_table_on_neighbours(fitted, train, targets, 400, progress=False, **kw)   # from the cache
    assert np.array_equal(again.arrays["T"], trained.arrays["T"])
    assert len(list(tmp_cache.glob("neighbour-table-*"))) == 1
    fresh = C.train_table_on_neighbours(fitted, train, targets, 400, progress=False, use_cache=False, **kw)
    assert np.array_equal(fresh.arrays["T"], trained.arrays["T"])                          # deterministic


def test_training_factored_table_and_early_stopping(clustered):
    E, _, (probes, val, train) = clustered
    targets = C.neighbour_targets(E, train, 400, 4, use_cache=False)
    val_lists = C.neighbour_targets(E, val, 400, 4, use_cache=False)
    fitted = C.mixed_dimensions(E, (0, 400, 2000), (2, 1))
    kw = dict(validation=(val, val_lists), eval_every=20, batch_size=64, n_negatives=400,
              use_cache=False, progress=False)
    trained = C.train_table_on_neighbours(fitted, train, targets, 400, steps=100, **kw)
    history = dict(trained.params["val_recall"])
    # step 0 is the least-squares fit: the trainer's recall is neighbour_overlap's
    assert history[0] == pytest.approx(overlap(E, fitted.reconstruct(), val), abs=1e-6)
    assert history[trained.params["best_step"]] > history[0] + 0.2
    assert overlap(E, trained.reconstruct(), probes) > \
        overlap(E, fitted.reconstruct(), probes) + 0.2
    assert trained.nbytes == fitted.nbytes
    assert [u.shape for u in trained.arrays["U"]] == [(400, 2), (1600, 1)]
    # a table that already holds every candidate's float vector has nothing to gain:
    # early stopping keeps the fit (step 0), however the steps after it go
    exact = C.prune_vocabulary(E, 400)
    kept = C.train_table_on_neighbours(exact, train, targets, 400, steps=40, lr=0.5, **kw)
    assert kept.params["best_step"] == 0 and dict(kept.params["val_recall"])[0] == 1.0
    np.testing.assert_array_equal(kept.reconstruct(), exact.reconstruct())


def test_training_errors(clustered):
    E, words, _ = clustered
    fitted = C.hashing_trick(E, words, 500)
    train = np.arange(100, 200)
    targets = C.neighbour_targets(E, train, 400, 4, use_cache=False)
    go = lambda t=fitted, a=train, tg=targets, **kw: C.train_table_on_neighbours(  # noqa: E731
        t, a, tg, kw.pop("candidates", 400), use_cache=False, progress=False, **kw)
    with pytest.raises(ValueError, match="no trainable layout"):
        go(C.quantize_table(E, 4))
    with pytest.raises(ValueError, match="shape mismatch"):
        go(tg=targets[:50])
    with pytest.raises(ValueError, match="anchors"):
        go(a=np.arange(1950, 2050))
    with pytest.raises(ValueError, match="neighbour lists of anchors"):
        go(tg=targets + 400)
    with pytest.raises(ValueError, match="shape mismatch"):
        go(validation=(np.arange(5), targets[:4]))
    with pytest.raises(ValueError, match="steps"):
        go(steps=0)
    with pytest.raises(ValueError, match="lr must be > 0"):
        go(lr=-1.0)
    with pytest.raises(ValueError, match="batch_size must be an integer"):
        go(batch_size=2.5)
    with pytest.raises(TypeError, match="CompressedTable"):
        go(t=E)
    with pytest.raises(ValueError, match="larger than"):
        go(candidates=4)


def test_part6_neighbour_loss_checker(capsys):
    import torch
    import torch.nn.functional as F

    from lib.exercises import ExerciseError, part6

    def right(A, P, N, ignore, t):
        a, p, n = F.normalize(A, dim=-1), F.normalize(P, dim=-1), F.normalize(N, dim=-1)
        pos = torch.einsum("bd,bkd->bk", a, p) / t
        rest = (a @ n.T / t).masked_fill(ignore, float("-inf")).logsumexp(1, keepdim=True)
        return F.softplus(rest - pos).mean()

    def no_mask(A, P, N, ignore, t):
        return right(A, P, N, torch.zeros_like(ignore), t)

    def dot_scores(A, P, N, ignore, t):
        pos = torch.einsum("bd,bkd->bk", A, P) / t
        rest = (A @ N.T / t).masked_fill(ignore, float("-inf")).logsumexp(1, keepdim=True)
        return F.softplus(rest - pos).mean()

    part6.check_neighbour_loss(right)
    assert "PASSED ex-p6-c3-loss" in capsys.readouterr().out
    with pytest.raises(ExerciseError, match="some negatives ignored"):
        part6.check_neighbour_loss(no_mask)
    with pytest.raises(ExerciseError):
        part6.check_neighbour_loss(dot_scores)
    with pytest.raises(ExerciseError, match="not implemented"):
        part6.check_neighbour_loss(None)


def test_ignored_negatives_brute_force():
    import torch

    rng = np.random.default_rng(7)
    anchors = torch.tensor([3, 50, 120, 7])                       # 120 is not a candidate
    targets = torch.from_numpy(rng.integers(0, 100, size=(4, 5)))
    negatives = torch.from_numpy(rng.choice(100, 40, replace=False))
    got = table_training._ignored(anchors, targets, negatives, 100)
    want = (targets[:, :, None] == negatives[None, None, :]).any(1) | (anchors[:, None] == negatives[None, :])
    assert got.shape == (4, 40) and torch.equal(got, want)
