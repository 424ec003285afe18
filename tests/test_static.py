"""Unit tests for the lib.static package (small synthetic corpora; each test runs in well under a second
except the tiny trainers, which use a temporary cache)."""
import numpy as np
import pytest
from scipy import sparse

from lib import cache, linalg, static
from lib.static import corpus, counting, sgns, synthetic, trainers

TOY = [["the", "cat", "sat", "on", "the", "mat"],
       ["the", "dog", "sat", "on", "the", "log"],
       ["a", "cat", "and", "a", "dog"]] * 20


@pytest.fixture(autouse=True)
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path))


# ----------------------------------------------------------------------------- corpus
def test_fingerprint_changes_with_tokens():
    a = static.corpus_fingerprint(TOY)
    assert a == static.corpus_fingerprint([list(s) for s in TOY])
    changed = [list(s) for s in TOY]
    changed[5][0] = "THE"
    assert static.corpus_fingerprint(changed) != a


@pytest.mark.parametrize("bad, msg", [([], "empty"), ("a text", "list of token lists"),
                                      (["a b", "c"], "must be a list of tokens"), ([[], []], "no tokens")])
def test_bad_sentences(bad, msg):
    with pytest.raises(ValueError, match=msg):
        static.corpus_fingerprint(bad)


def test_build_vocab_order_and_errors():
    words, counts = static.build_vocab(TOY, min_count=1)
    assert words[0] == "the" and counts[0] == 80
    assert list(counts) == sorted(counts, reverse=True)
    assert static.build_vocab(TOY, min_count=1, max_size=3)[0] == words[:3]
    with pytest.raises(ValueError, match="min_count"):
        static.build_vocab(TOY, min_count=0)
    with pytest.raises(ValueError, match="no word occurs"):
        static.build_vocab(TOY, min_count=10_000)


def test_subsample_corpus():
    half = static.subsample_corpus(TOY, 0.5)
    assert len(half) == 30 and all(s in TOY for s in half)
    with pytest.raises(ValueError, match="fraction"):
        static.subsample_corpus(TOY, 0)


# ----------------------------------------------------------------------------- counting
def test_cooccurrence_counts_by_hand():
    sents = [["a", "b", "c"]]
    C = static.cooccurrence(sents, ["a", "b", "c"], window=1).toarray()
    assert np.array_equal(C, [[0, 1, 0], [1, 0, 1], [0, 1, 0]])
    H = static.cooccurrence(sents, ["a", "b", "c"], window=2, weighting="harmonic").toarray()
    assert H[0, 2] == pytest.approx(0.5) and H[2, 0] == pytest.approx(0.5) and H[0, 1] == 1
    # out-of-vocabulary tokens are removed before windowing
    D = static.cooccurrence([["a", "zzz", "c"]], ["a", "c"], window=1).toarray()
    assert D[0, 1] == 1


def test_cooccurrence_errors():
    with pytest.raises(ValueError, match="window"):
        static.cooccurrence(TOY, ["the"], window=0)
    with pytest.raises(ValueError, match="weighting"):
        static.cooccurrence(TOY, ["the", "cat"], weighting="gauss")
    with pytest.raises(ValueError, match="duplicates"):
        static.cooccurrence(TOY, ["the", "the"])
    with pytest.raises(ValueError, match="empty"):
        static.cooccurrence(TOY, [])
    with pytest.raises(ValueError, match="two in-vocabulary"):
        static.cooccurrence(TOY, ["zebra"])


def test_ppmi_matches_dense_formula():
    rng = np.random.default_rng(0)
    X = rng.integers(0, 5, (6, 7)).astype(float)
    P = static.ppmi(X).toarray()
    dense = static.pmi_dense(X)
    expected = np.where(np.isfinite(dense), np.maximum(dense, 0), 0)
    assert np.allclose(P, expected)
    # the shift subtracts log k before clipping
    P5 = static.ppmi(X, shift=5).toarray()
    assert np.allclose(P5, np.where(np.isfinite(dense), np.maximum(dense - np.log(5), 0), 0))
    # context smoothing raises context probabilities to alpha
    Pa = static.ppmi(sparse.csr_matrix(X), alpha=0.75).toarray()
    col = X.sum(0) ** 0.75
    with np.errstate(divide="ignore"):
        manual = np.log(X / X.sum()) - np.log(X.sum(1, keepdims=True) / X.sum()) - np.log(col / col.sum())
    assert np.allclose(Pa, np.where(np.isfinite(manual), np.maximum(manual, 0), 0))


@pytest.mark.parametrize("X, kw, msg", [
    (np.array([[1.0, -1.0]]), {}, "non-negative"),
    (np.array([[1.0, np.nan]]), {}, "NaN"),
    (np.zeros((2, 2)), {}, "empty"),
    (np.ones((2, 2)), {"alpha": 0}, "alpha"),
    (np.ones((2, 2)), {"shift": 0.5}, "shift"),
])
def test_ppmi_errors(X, kw, msg):
    with pytest.raises(ValueError, match=msg):
        static.ppmi(X, **kw)


def test_pmi_dense_errors():
    with pytest.raises(ValueError, match="non-negative"):
        static.pmi_dense(-np.ones((2, 2)))
    with pytest.raises(ValueError, match="sum to zero"):
        static.pmi_dense(np.zeros((2, 2)))
    with pytest.raises(ValueError, match="smoothing"):
        static.pmi_dense(np.ones((2, 2)), smoothing=-1)


def test_svd_embeddings_reconstruct_low_rank():
    rng = np.random.default_rng(1)
    A = rng.standard_normal((30, 3)) @ rng.standard_normal((3, 20))
    E = static.svd_embeddings(A, dim=3, p=1.0)
    # with p=1, E E^T = U S^2 U^T = A A^T
    assert np.allclose(E @ E.T, A @ A.T, atol=1e-3)
    assert np.allclose(static.svd_embeddings(A, 3), static.svd_embeddings(A, 3))   # deterministic
    with pytest.raises(ValueError, match="dim"):
        static.svd_embeddings(A, dim=20)
    with pytest.raises(ValueError, match="NaN"):
        static.svd_embeddings(np.full((3, 3), np.nan), 1)


def test_ppmi_svd_keyed_vectors():
    kv = static.ppmi_svd(TOY, dim=3, window=2, min_count=1)
    assert kv.vectors.shape == (len(static.build_vocab(TOY, 1)[0]), 3)
    assert kv.index_to_key[0] == "the"


# ----------------------------------------------------------------------------- gensim trainers
def test_train_word2vec_and_fasttext_are_cached_and_deterministic():
    kv = static.train_word2vec(TOY, vector_size=8, min_count=1, epochs=2)
    kv2 = static.train_word2vec(TOY, vector_size=8, min_count=1, epochs=2)
    assert np.array_equal(kv.vectors, kv2.vectors) and kv.vector_size == 8
    kvc, C, counts = static.word2vec_with_contexts(TOY, vector_size=8, min_count=1, epochs=2)
    assert C.shape == kvc.vectors.shape and counts[0] == 80
    ft = static.train_fasttext(TOY, vector_size=8, min_count=1, epochs=1, bucket=1000)
    assert ft["catt"].shape == (8,)                     # out-of-vocabulary vector from n-grams
    with pytest.raises(ValueError, match="unknown parameter"):
        static.train_word2vec(TOY, dimension=8)
    with pytest.raises(ValueError, match="negative sampling"):
        static.word2vec_with_contexts(TOY, negative=0, hs=1)


def test_train_word2vec_many_gives_the_models_of_train_word2vec(tmp_cache):
    grid = [dict(vector_size=8, min_count=1, epochs=2, window=w) for w in (1, 2, 3)]
    many = static.train_word2vec_many(grid + grid[:1], TOY, n_jobs=2)      # trained side by side, repeat once
    assert len(many) == 4 and many[3] is many[0]
    for cfg, kv in zip(grid, many):
        alone = static.train_word2vec(TOY, **cfg)                           # the cached entry it made
        assert np.array_equal(alone.vectors, kv.vectors)
    cache.clear("static-word2vec")
    alone = static.train_word2vec(TOY, **grid[1])                           # retrained alone, one thread
    assert np.array_equal(alone.vectors, many[1].vectors)
    with pytest.raises(ValueError, match="unknown parameter"):
        static.train_word2vec_many([dict(dimension=8)], TOY)
    with pytest.raises(ValueError, match="n_jobs"):
        static.train_word2vec_many(grid, TOY, n_jobs=0)


def test_char_ngrams_match_gensim():
    from gensim.models.fasttext_inner import compute_ngrams

    for w in ["where", "a", "embedding"]:
        assert static.char_ngrams(w, 3, 6) == compute_ngrams(w, 3, 6)
    assert static.char_ngrams("where", 3, 3) == ["<wh", "whe", "her", "ere", "re>"]
    with pytest.raises(ValueError, match="non-empty"):
        static.char_ngrams("")
    with pytest.raises(ValueError, match="min_n"):
        static.char_ngrams("word", 4, 3)


def test_glove_weight():
    assert np.allclose(static.glove_weight([0, 100, 1000]), [0, 1, 1])
    assert static.glove_weight(50) == pytest.approx(0.5 ** 0.75)
    with pytest.raises(ValueError, match="non-negative"):
        static.glove_weight([-1])
    with pytest.raises(ValueError, match="x_max"):
        static.glove_weight([1], x_max=0)


# ----------------------------------------------------------------------------- SGNS
def test_sgns_gradients_match_finite_differences():
    rng = np.random.default_rng(0)
    w, cp, cn = rng.standard_normal((3, 4)), rng.standard_normal((3, 4)), rng.standard_normal((3, 2, 4))
    loss, gw, gp, gn = static.sgns_loss_and_grads(w, cp, cn)
    assert np.allclose(gw, static.numerical_gradient(lambda x: static.sgns_loss_and_grads(x, cp, cn)[0], w), atol=1e-6)
    assert np.allclose(gp, static.numerical_gradient(lambda x: static.sgns_loss_and_grads(w, x, cn)[0], cp), atol=1e-6)
    assert np.allclose(gn, static.numerical_gradient(lambda x: static.sgns_loss_and_grads(w, cp, x)[0], cn), atol=1e-6)
    # at zero vectors every sigmoid is 1/2: loss = (1 + k) log 2 per pair
    z = np.zeros((3, 4))
    assert static.sgns_loss_and_grads(z, z, np.zeros((3, 2, 4)))[0] == pytest.approx(3 * 3 * np.log(2))


def test_sgns_errors():
    w = np.zeros((2, 3))
    with pytest.raises(ValueError, match="shape mismatch"):
        static.sgns_loss_and_grads(w, np.zeros((2, 4)), np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="shape mismatch"):
        static.sgns_loss_and_grads(w, w, np.zeros((2, 3)))
    with pytest.raises(ValueError, match="NaN"):
        static.sgns_loss_and_grads(np.full((2, 3), np.nan), w, np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="empty"):
        static.numerical_gradient(lambda x: 0.0, np.array([]))
    with pytest.raises(ValueError, match="dim must be an integer >= 1"):
        static.train_sgns(TOY, dim=0)
    with pytest.raises(ValueError, match="lr"):
        static.train_sgns(TOY, lr=0)


def test_train_sgns_learns_and_is_deterministic():
    m = static.train_sgns(TOY, dim=8, window=2, epochs=3, min_count=1, sample=0, batch=16, progress=False)
    assert m.W.shape == m.C.shape == (len(m.words), 8)
    assert m.losses[-1] < m.losses[0]                    # the loss goes down
    m2 = static.train_sgns(TOY, dim=8, window=2, epochs=3, min_count=1, sample=0, batch=16, progress=False,
                           lr=0.0251)
    m3 = static.train_sgns(TOY, dim=8, window=2, epochs=3, min_count=1, sample=0, batch=16, progress=False,
                           lr=0.0251)
    assert np.array_equal(m2.W, m3.W)
    assert m.wv.vectors.shape == m.W.shape


def test_sgns_step_is_a_gradient_step():
    """The torch update of the trainer equals a numpy gradient step of sgns_loss_and_grads."""
    import torch

    rng = np.random.default_rng(0)
    W = rng.standard_normal((6, 4)) * 0.3
    C = rng.standard_normal((6, 4)) * 0.3
    ci, oi, ni = np.array([0, 1, 2]), np.array([3, 4, 5]), np.array([[4, 5], [3, 5], [0, 1]])
    loss, gw, gp, gn = static.sgns_loss_and_grads(W[ci], C[oi], C[ni])
    Wt, Ct = torch.tensor(W, dtype=torch.float64), torch.tensor(C, dtype=torch.float64)
    got = static.sgns_step(Wt, Ct, torch.tensor(ci), torch.tensor(oi), torch.tensor(ni), 0.1, with_loss=True)
    assert got == pytest.approx(loss)
    W_exp, C_exp = W.copy(), C.copy()
    np.add.at(W_exp, ci, -0.1 * gw)
    np.add.at(C_exp, oi, -0.1 * gp)
    np.add.at(C_exp, ni.ravel(), -0.1 * gn.reshape(-1, 4))
    assert np.allclose(Wt.numpy(), W_exp) and np.allclose(Ct.numpy(), C_exp)
    with pytest.raises(ValueError, match="shape mismatch"):
        static.sgns_step(Wt, Ct, torch.tensor(ci), torch.tensor(oi[:2]), torch.tensor(ni), 0.1)


# ----------------------------------------------------------------------------- random walk
def test_random_walk_corpus_and_recovery():
    rng = np.random.default_rng(0)
    V = rng.standard_normal((30, 3))
    docs = static.random_walk_corpus(V, 20_000, doc_length=500)
    assert docs.shape == (40, 500) and docs.min() >= 0 and docs.max() < 30
    X = static.window_counts(docs, 30, window=3)
    assert np.allclose(X, X.T) and X.sum() == 2 * 40 * sum(500 - d for d in (1, 2, 3))
    P = static.pmi_dense(X, smoothing=1.0)
    vals, vecs = np.linalg.eigh(P)
    top = np.argsort(-vals)[:3]
    err = linalg.Procrustes(scale=True).fit(vecs[:, top] * np.sqrt(vals[top]), V).error_
    assert err < 0.6                                      # recovered up to rotation, roughly
    with pytest.raises(ValueError, match="rho"):
        static.random_walk_corpus(V, 100, rho=1.0)
    with pytest.raises(ValueError, match="NaN"):
        static.random_walk_corpus(np.full((3, 2), np.nan), 100)


def test_window_counts_errors():
    with pytest.raises(ValueError, match="2-D"):
        static.window_counts(np.array([1, 2, 3]), 5)
    with pytest.raises(ValueError, match="integer"):
        static.window_counts(np.ones((2, 3)), 5)
    with pytest.raises(ValueError, match="word ids"):
        static.window_counts(np.array([[0, 7]]), 5, window=1)
    with pytest.raises(ValueError, match="window"):
        static.window_counts(np.array([[0, 1]]), 5, window=2)


def test_keep_probability_and_noise():
    counts = np.array([1000, 100, 10, 1])
    kp = static.keep_probability(counts, 1e-2)
    f = counts / counts.sum()
    assert np.allclose(kp, np.minimum(1, np.sqrt(1e-2 / f) + 1e-2 / f))
    assert kp[0] < kp[1] <= kp[-1] == 1
    assert np.all(static.keep_probability(counts, 0) == 1)
    q = static.noise_distribution(counts)
    assert q.sum() == pytest.approx(1) and q[-1] > counts[-1] / counts.sum()
    with pytest.raises(ValueError, match="positive"):
        static.keep_probability(np.array([1, 0]))
    with pytest.raises(ValueError, match="sample"):
        static.keep_probability(counts, -1)
    with pytest.raises(ValueError, match="1-D"):
        static.noise_distribution(np.ones((2, 2)))
    with pytest.raises(ValueError, match="not all zero"):
        static.noise_distribution(np.zeros(3))


# ----------------------------------------------------------------------------- the package
def test_package_re_exports_every_public_name():
    for module in (corpus, counting, sgns, synthetic, trainers):
        for name in module.__all__:
            assert getattr(static, name) is getattr(module, name), name
            assert name in static.__all__, name
    assert not hasattr(static, "procrustes")            # one Procrustes: lib.linalg.Procrustes
    assert len(set(static.__all__)) == len(static.__all__)


# ----------------------------------------------------------------------------- reliability (bad input)
def test_fingerprint_of_ordinary_corpora_is_unchanged():
    # the Part II caches are keyed by this value: the separator check must not change it
    assert static.corpus_fingerprint([["the", "cat"], ["sat"]]) == "f2646f42421d9a2a"


@pytest.mark.parametrize("bad", [[["a\x1fb"]], [["a", "b\x1e"]], [[""]], [["a", ""]], [["a", "", "b"]]])
def test_fingerprint_rejects_separator_characters(bad):
    # [["a\x1fb"]] used to hash like [["a", "b"]], and [[""]] like [[]]: one corpus would reuse another's model
    with pytest.raises(ValueError, match="control character"):
        static.corpus_fingerprint(bad)


def test_fingerprint_rejects_non_text_tokens():
    with pytest.raises(ValueError, match=r"sentences\[1\] holds a int"):
        static.corpus_fingerprint([["a"], ["b", 3]])
    with pytest.raises(ValueError, match="not valid Unicode"):
        static.corpus_fingerprint([["\ud800"]])


def test_pmi_dense_zero_row_is_minus_inf_not_nan():
    P = static.pmi_dense(np.array([[1.0, 2.0, 0.0], [0.0, 0.0, 0.0], [3.0, 1.0, 0.0]]))
    assert not np.isnan(P).any()
    assert np.isneginf(P[1]).all() and np.isneginf(P[:, 2]).all() and np.isfinite(P[0, :2]).all()


@pytest.mark.parametrize("smoothing", [np.nan, np.inf, "1", True])
def test_pmi_dense_rejects_bad_smoothing(smoothing):
    with pytest.raises(ValueError, match="smoothing"):
        static.pmi_dense(np.ones((2, 2)), smoothing=smoothing)


def test_svd_embeddings_checks_sparse_input_and_options():
    M = sparse.csr_matrix(np.array([[1.0, np.nan, 0.0], [0.0, 1.0, 2.0], [3.0, 0.0, 1.0]]))
    with pytest.raises(ValueError, match="NaN"):
        static.svd_embeddings(M, 1)
    ok = sparse.csr_matrix(np.eye(4))
    for dim in (True, 1.0, 2.5, "2"):
        with pytest.raises(ValueError, match="dim"):
            static.svd_embeddings(ok, dim)
    with pytest.raises(ValueError, match="p must be"):
        static.svd_embeddings(ok, 1, p=np.nan)


@pytest.mark.parametrize("window", [2.5, True, "2", 0])
def test_cooccurrence_rejects_non_integer_window(window):
    with pytest.raises(ValueError, match="window"):
        static.cooccurrence(TOY, ["the", "cat"], window=window)


def test_cooccurrence_rejects_a_string_vocabulary():
    with pytest.raises(ValueError, match="single string"):
        static.cooccurrence(TOY, "the")


@pytest.mark.parametrize("call, msg", [
    (lambda: static.build_vocab(TOY, min_count=2.5), "min_count"),
    (lambda: static.build_vocab(TOY, min_count=1, max_size=0), "max_size"),
    (lambda: static.subsample_corpus(TOY, np.nan), "fraction"),
    (lambda: static.ppmi(np.ones((2, 2)), alpha=np.nan), "alpha"),
    (lambda: static.ppmi(np.ones((2, 2)), shift=np.nan), "shift"),
    (lambda: static.keep_probability([1, 2], sample=np.nan), "sample"),
    (lambda: static.noise_distribution([1, 2], power=np.nan), "power"),
    (lambda: static.glove_weight([1], alpha=np.nan), "alpha"),
    (lambda: static.numerical_gradient(lambda x: 0.0, np.ones(2), eps=np.nan), "eps"),
    (lambda: static.char_ngrams("word", 2.5, 3), "min_n"),
    (lambda: static.random_walk_corpus(np.eye(3), 10.5), "n_tokens"),
    (lambda: static.random_walk_corpus(np.eye(3), 10, doc_length=True), "doc_length"),
    (lambda: static.random_walk_corpus(np.eye(3), 10, rho=np.nan), "rho"),
    (lambda: static.window_counts(np.array([[0, 1]]), 2.0), "vocab_size"),
    (lambda: static.window_counts(np.array([[0, 1, 0]]), 2, window=1.5), "window"),
    (lambda: static.train_sgns(TOY, dim=True), "dim"),
    (lambda: static.train_sgns(TOY, window=2.5), "window"),
    (lambda: static.train_sgns(TOY, lr=np.nan), "lr"),
    (lambda: static.train_sgns(TOY, min_lr=1.0), "min_lr"),
    (lambda: static.train_sgns(TOY, sample=-1), "sample"),
])
def test_options_are_checked(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_log_count_svd_keyed_vectors():
    kv = static.log_count_svd(TOY * 3, dim=3, window=2)
    assert kv.vectors.shape == (len(static.build_vocab(TOY * 3, 5)[0]), 3)
    assert kv.index_to_key[0] == "the"
