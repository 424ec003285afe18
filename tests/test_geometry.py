"""Unit tests for lib.geometry: values on cases with known answers, and every bad-input error."""
import numpy as np
import pytest

from lib import geometry as G
from lib import models


rng = np.random.default_rng(0)


def iso(n=400, d=10, seed=0):
    return np.random.default_rng(seed).standard_normal((n, d))


# ---------------------------------------------------------------- isotropy
def test_mean_cosine_isotropic_and_shifted():
    X = iso()
    assert abs(G.mean_cosine(X)) < 0.02
    assert G.mean_cosine(X + 5) > 0.9


def test_rogue_dimensions_sum_to_mean_cosine():
    X = iso()
    X[:, 3] += 4
    cc = G.rogue_dimensions(X, seed=1)
    assert np.isclose(cc.sum(), G.mean_cosine(X, seed=1))
    assert cc.argmax() == 3


def test_partition_isotropy_range():
    X = iso(2000, 5) * 0.3
    assert G.partition_isotropy(X) > 0.8
    assert G.partition_isotropy(X + 3) < 0.01


def test_all_but_the_top_removes_directions():
    X = iso() @ np.diag(np.arange(1, 11)[::-1].astype(float)) + 2
    Y = G.AllButTheTop(2).fit_transform(X)
    assert np.allclose(Y.mean(0), 0, atol=1e-5)
    s, _ = G.pca_spectrum(Y)
    s0, _ = G.pca_spectrum(X)
    assert s[0] < s0[0] and s[-2:].max() < 1e-3
    assert G.AllButTheTop().fit_transform(np.zeros((5, 200)) + iso(5, 200)).shape == (5, 200)


def test_geometry_reexports_the_linalg_objects():
    from lib import linalg
    assert G.AllButTheTop is linalg.AllButTheTop and G.Whitening is linalg.Whitening
    assert G.Procrustes is linalg.Procrustes and G.PCA is linalg.PCA
    for name in ("whiten", "all_but_the_top", "procrustes", "unsupervised_align"):
        assert not hasattr(G, name)


def test_whiten_identity_covariance():
    X = iso() @ rng.standard_normal((10, 10))
    W = G.Whitening().fit_transform(X)
    assert np.allclose(np.cov(W, rowvar=False), np.eye(10), atol=1e-3)
    assert G.Whitening(3).fit_transform(X).shape == (400, 3)


@pytest.mark.parametrize("cls", [G.AllButTheTop, G.Whitening])
def test_component_errors(cls):
    with pytest.raises(ValueError, match="n_components"):
        cls(50).fit(iso())


def test_bad_inputs():
    with pytest.raises(ValueError, match="NaN"):
        G.mean_cosine(np.array([[1.0, np.nan], [0, 1]]))
    with pytest.raises(ValueError, match="empty"):
        G.mean_cosine(np.zeros((0, 3)))
    with pytest.raises(ValueError, match="at least 2 rows"):
        G.mean_cosine(np.ones((1, 3)))
    with pytest.raises(ValueError, match="zero length"):
        G.mean_cosine(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="n_pairs"):
        G.mean_cosine(iso(), n_pairs=0)


# reliability review, "Not fuzzed ... geometry": each case now a clear error or a correct result
def test_pair_counts_must_be_positive_integers():
    with pytest.raises(ValueError, match="n_pairs must be an integer >= 1; got 0"):
        G.rogue_dimensions(iso(), n_pairs=0)           # was the mean of an empty array (NaN)
    with pytest.raises(ValueError, match="n_pairs must be an integer; got 2.5"):
        G.mean_cosine(iso(), n_pairs=2.5)               # went to numpy
    with pytest.raises(ValueError, match="n_pairs must be an integer"):
        G.mean_cosine(iso(), n_pairs=True)


def test_partition_isotropy_of_all_zero_vectors_is_an_error():
    with pytest.raises(ValueError, match="all zeros"):
        G.partition_isotropy(np.zeros((10, 4)))          # was 1.0, "perfectly isotropic"


def test_mean_cosine_uses_linalg_random_pairs_and_groups():
    from lib import linalg
    X = iso(50, 6) + 1
    i, j = linalg.random_pairs(50, 300, seed=3)
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    assert np.isclose(G.mean_cosine(X, 300, seed=3), (U[i] * U[j]).sum(1).mean())
    groups = np.arange(50) // 2
    i, j = linalg.random_pairs(50, 300, seed=3, groups=groups)
    assert np.isclose(G.mean_cosine(X, 300, seed=3, groups=groups), (U[i] * U[j]).sum(1).mean())


def test_cross_space_neighbours_ties_count_against_the_item():
    X = np.ones((20, 3))
    out = G.cross_space_neighbours(X, X, 3)               # every item ties with every other
    assert np.isclose(out["mrr"], 1 / 20)                 # was 1.0 with `sim > own`
    Y = iso(20, 3)
    Y[5] = Y[4]                                           # two identical items
    r = G.cross_space_neighbours(Y, Y, 3)["mrr"]
    assert np.isclose(r, (18 + 2 * 0.5) / 20)


def test_translation_accuracy_gold_ids_and_ties():
    X = iso(10, 4)
    with pytest.raises(ValueError, match="gold must hold integer ids"):
        G.translation_accuracy(X, X, np.arange(10) + 0.5)   # was silently 0
    with pytest.raises(ValueError, match="gold must hold integer ids"):
        G.translation_accuracy(X, X, np.arange(10.0))
    assert G.translation_accuracy(np.ones((10, 4)), np.ones((10, 4)), np.arange(10)) == 0.0   # all tied
    assert G.translation_accuracy(X, X, np.zeros(10, dtype=int), k=10) == 1.0                # repeats allowed
    with pytest.raises(ValueError, match="unknown method"):
        G.translation_accuracy(X, X, np.arange(10), method=None)


# ---------------------------------------------------------------- dimension
def test_effective_rank():
    assert abs(G.effective_rank(np.eye(7)) - 7) < 1e-6
    assert abs(G.effective_rank(np.outer(np.ones(5), np.arange(1, 4))) - 1) < 1e-6
    with pytest.raises(ValueError, match="all zeros"):
        G.effective_rank(np.zeros((3, 3)))


@pytest.mark.parametrize("d", [2, 5])
def test_intrinsic_dimension_on_known_manifold(d):
    Z = np.random.default_rng(1).random((2000, d))
    X = np.hstack([Z, np.zeros((2000, 20 - d))]) @ np.linalg.qr(np.random.default_rng(2).standard_normal((20, 20)))[0]
    assert abs(G.twonn(X) - d) < 0.25 * d
    assert abs(G.mle_dimension(X, k=10) - d) < 0.25 * d
    assert G.mle_dimension(X, k=10, local=True).shape == (2000,)


def test_dimension_errors():
    X = iso(50, 3)
    with pytest.raises(ValueError, match="duplicate"):
        G.twonn(np.vstack([X, X[:1]]))
    with pytest.raises(ValueError, match="duplicate"):
        G.mle_dimension(np.vstack([X, X[:1]]), k=5)
    with pytest.raises(ValueError, match="larger than"):
        G.mle_dimension(X, k=60)
    with pytest.raises(ValueError, match="k must be"):
        G.mle_dimension(X, k=1)
    with pytest.raises(ValueError, match="discard_fraction"):
        G.twonn(X, 1.5)
    with pytest.raises(ValueError, match="at least 3 rows"):
        G.twonn(X[:2])


def test_random_projection_preserves_distances():
    X = iso(100, 1000)
    r = G.distance_ratios(X, G.random_projection(X, 400))
    assert abs(r.mean() - 1) < 0.05 and r.std() < 0.06
    with pytest.raises(ValueError, match="k must be an integer >= 1"):
        G.random_projection(X, 0)
    with pytest.raises(ValueError, match="k must be an integer"):
        G.random_projection(X, 2.5)
    with pytest.raises(ValueError, match="rows"):
        G.distance_ratios(X, X[:10])
    with pytest.raises(ValueError, match="duplicate"):
        G.distance_ratios(np.vstack([X, X[:1]]), np.vstack([X, X[:1]]))


def test_max_abs_cosine():
    assert G.max_abs_cosine(50, 10000) < 0.1
    assert G.max_abs_cosine(50, 2) > 0.9
    with pytest.raises(ValueError, match="n must be"):
        G.max_abs_cosine(1, 5)
    with pytest.raises(ValueError, match="d must be"):
        G.max_abs_cosine(5, 2.0)


# ---------------------------------------------------------------- hubness
def test_k_occurrence_sums_and_errors():
    X = iso(200, 20)
    N = G.k_occurrence(X, 5)
    assert N.sum() == 200 * 5 and N.shape == (200,)
    with pytest.raises(ValueError, match="larger than"):
        G.k_occurrence(X, 200)


def test_skewness():
    assert abs(G.skewness(np.arange(10.0))) < 1e-9
    assert G.skewness(np.r_[np.zeros(50), 10]) > 3
    with pytest.raises(ValueError):
        G.skewness([1, 2])
    with pytest.raises(ValueError, match="NaN"):
        G.skewness([1.0, np.nan, 2.0])


def test_csls_matches_formula_and_reduces_hubs():
    Q, D = iso(30, 8, 1), iso(40, 8, 2)
    C = G.csls_scores(Q, D, 5)
    Qn = Q / np.linalg.norm(Q, axis=1, keepdims=True)
    Dn = D / np.linalg.norm(D, axis=1, keepdims=True)
    S = Qn @ Dn.T
    expect = 2 * S[3, 7] - np.sort(S[3])[-5:].mean() - np.sort(S[:, 7])[-5:].mean()
    assert np.isclose(C[3, 7], expect)
    X = iso(500, 50) + 1.0
    X[0] = 1.0                                   # a planted hub: the common direction
    idx = G.csls_top_k(X, 10)
    assert idx.shape == (500, 10) and not (idx == np.arange(500)[:, None]).any()
    assert np.bincount(idx.ravel(), minlength=500)[0] < G.k_occurrence(X, 10)[0] / 2
    with pytest.raises(ValueError, match="dimension mismatch"):
        G.csls_scores(Q, iso(40, 9))
    with pytest.raises(ValueError, match="larger than"):
        G.csls_top_k(X, 500)


def test_csls_top_k_is_the_brute_force_csls_ranking():
    X = iso(60, 5, 7) + 0.5
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    S = U @ U.T
    np.fill_diagonal(S, -np.inf)
    r = np.sort(S, axis=1)[:, -4:].mean(1)
    C = 2 * S - r[:, None] - r[None, :]
    want = np.argsort(-C, axis=1, kind="stable")[:, :6]
    assert (G.csls_top_k(X, 6, k_csls=4) == want).all()


# ---------------------------------------------------------------- structure and bias
def test_offset_consistency():
    A = iso(20, 10)
    assert np.isclose(G.offset_consistency(A, A + np.arange(10)), 1)
    with pytest.raises(ValueError, match="shape mismatch"):
        G.offset_consistency(A, A[:5])


def test_bias_direction_recovers_axis():
    base = iso(10, 6)
    g = np.eye(6)[2]
    A, B = base + 2 * g + 0.01 * iso(10, 6, 5), base - 2 * g
    d, ratio = G.bias_direction(A, B)
    assert abs(d @ g) > 0.99 and d @ g > 0 and ratio[0] > 0.9
    with pytest.raises(ValueError, match="shape mismatch"):
        G.bias_direction(A, B[:3])


def test_neutralize_equalize_direct_bias():
    g = np.eye(5)[0]
    X = iso(30, 5)
    N = G.neutralize(X, g)
    assert np.allclose(N @ g, 0, atol=1e-6) and np.allclose(np.linalg.norm(N, axis=1), 1, atol=1e-6)
    assert G.direct_bias(N, g) < 1e-6 < G.direct_bias(X, g)
    a, b = G.equalize(X[0], X[1], g)
    assert np.isclose(np.linalg.norm(a), 1, atol=1e-6) and np.isclose(a @ g, -(b @ g), atol=1e-6)
    assert np.allclose(N @ a, N @ b, atol=1e-5)          # equidistant from every neutral word
    with pytest.raises(ValueError, match="dimension mismatch"):
        G.neutralize(X, np.ones(4))
    with pytest.raises(ValueError, match="zero length"):
        G.direct_bias(X, np.zeros(5))
    with pytest.raises(ValueError, match="does not differ"):
        G.equalize(np.eye(5)[1], np.eye(5)[1], g)


def test_hard_debias():
    X = iso(6, 5)
    kv = models.keyed_vectors(["he", "she", "nurse", "doctor", "king", "queen"], X)
    g = np.eye(5)[0]
    out = G.hard_debias(kv, g, ["he", "she", "king", "queen"], [("king", "queen")])
    assert abs(out["nurse"] @ g) < 1e-6 and abs(out["he"] @ g) > 1e-3
    with pytest.raises(KeyError, match="unknown word"):
        G.hard_debias(kv, g, [], [("king", "emperor")])


def test_weat_detects_planted_association():
    g = np.eye(8)[0]
    base = iso(40, 8, 3)
    X, Y = base[:8] + 2 * g, base[8:16] - 2 * g
    A, B = base[16:24] + 2 * g, base[24:32] - 2 * g
    r = G.weat(X, Y, A, B, n_permutations=2000)
    assert r.effect_size > 1.5 and r.p_value < 0.01
    r0 = G.weat(base[:8], base[8:16], base[16:24], base[24:32], n_permutations=2000)
    assert r0.p_value > 0.01
    with pytest.raises(ValueError, match="dimension mismatch"):
        G.weat(X, Y, A, B[:, :4])
    with pytest.raises(ValueError, match="n_permutations"):
        G.weat(X, Y, A, B, n_permutations=0)


# ---------------------------------------------------------------- comparing spaces
def test_procrustes_recovers_rotation():
    X = iso(100, 6)
    Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    W = G.Procrustes().fit(X, X @ Q).rotation_
    assert np.allclose(W, Q, atol=1e-8)
    with pytest.raises(ValueError, match="shape mismatch"):
        G.Procrustes().fit(X, X[:, :5])


def test_linear_cka():
    X = iso(100, 6)
    Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    assert np.isclose(G.linear_cka(X, 3 * X @ Q), 1)
    assert G.linear_cka(X, iso(100, 4, 9)) < 0.2
    with pytest.raises(ValueError, match="rows"):
        G.linear_cka(X, X[:10])
    with pytest.raises(ValueError, match="constant"):
        G.linear_cka(X, np.ones((100, 3)))


def test_relative_representation_is_rotation_invariant():
    X = iso(50, 6)
    Q = np.linalg.qr(rng.standard_normal((6, 6)))[0]
    R1 = G.relative_representation(X, X[:10])
    R2 = G.relative_representation(X @ Q, (X @ Q)[:10])
    assert np.allclose(R1, R2, atol=1e-5)
    m = G.cross_space_neighbours(R1, R2, 5)
    assert m["mrr"] > 0.99 and m["jaccard"] > 0.99
    assert G.cross_space_neighbours(X, X @ Q, 5)["mrr"] < 0.5
    with pytest.raises(ValueError, match="dimension mismatch"):
        G.relative_representation(X, X[:10, :3])
    with pytest.raises(ValueError, match="shape mismatch"):
        G.cross_space_neighbours(R1, R2[:10])


def test_translation_accuracy_and_errors():
    X = iso(60, 8)
    assert G.translation_accuracy(X, X, np.arange(60)) == 1.0
    assert G.translation_accuracy(X, X, np.arange(60), method="csls") == 1.0
    with pytest.raises(ValueError, match="gold"):
        G.translation_accuracy(X, X, np.arange(5))
    with pytest.raises(ValueError, match="unknown method"):
        G.translation_accuracy(X, X, np.arange(60), method="x")
    with pytest.raises(ValueError, match="gold holds id 60"):
        G.translation_accuracy(X, X, np.arange(60) + 1)


def test_unsupervised_align_recovers_a_permuted_rotation():
    r = np.random.default_rng(4)
    X = r.standard_normal((300, 10)) * np.linspace(3, 0.5, 10)
    Q = np.linalg.qr(r.standard_normal((10, 10)))[0]
    perm = r.permutation(300)
    Y = (X @ Q)[perm] + 0.01 * r.standard_normal((300, 10))
    al = G.UnsupervisedAlignment(n_iter=10).fit(X, Y)
    Xn, Yn = G.normalize_for_alignment(X), G.normalize_for_alignment(Y)
    gold = np.argsort(perm)
    assert G.translation_accuracy(Xn @ al.rotation_, Yn, gold) > 0.9
    assert np.allclose(al.transform(X[100:]), Xn[100:] @ al.rotation_)    # the fitted centre, not the rows' own
    assert al.pairs_.shape[1] == 2 and len(al.history_) == 11
    with pytest.raises(ValueError, match="dimension mismatch"):
        G.UnsupervisedAlignment().fit(X, Y[:, :5])
    with pytest.raises(ValueError, match="keep_prob"):
        G.UnsupervisedAlignment(keep_prob=0).fit(X, Y)
    with pytest.raises(ValueError, match="n_iter"):
        G.UnsupervisedAlignment(n_iter=1.5).fit(X, Y)
    from lib.checks import NotFittedError
    with pytest.raises(NotFittedError, match="not fitted"):
        G.UnsupervisedAlignment().transform(X)


# ---------------------------------------------------------------- RankMe against the formula
def _rankme_direct(X):
    """Garrido et al.'s formula written out: exp of the entropy of the L1-normalised singular values."""
    s = np.linalg.svd(np.asarray(X, dtype=np.float64), compute_uv=False)
    p = s / s.sum()
    p = p[p > 0]
    return float(np.exp(-(p * np.log(p)).sum()))


@pytest.mark.parametrize("shape", [(50, 8), (8, 50), (300, 384)])
def test_effective_rank_matches_the_formula(shape):
    X = np.random.default_rng(3).standard_normal(shape) * np.linspace(0.1, 3, shape[1])
    assert abs(G.effective_rank(X) - _rankme_direct(X)) < 1e-6 * min(shape)
    # not centred by default (as RankMe); centring is the formula on X - mean
    shifted = X + 5.0
    assert abs(G.effective_rank(shifted) - _rankme_direct(shifted)) < 1e-6 * min(shape)
    assert abs(G.effective_rank(shifted, center=True) - _rankme_direct(shifted - shifted.mean(0))) < 1e-6 * min(shape)


def test_effective_rank_invariances_and_bounds():
    X = np.random.default_rng(4).standard_normal((40, 10))
    Q, _ = np.linalg.qr(np.random.default_rng(5).standard_normal((10, 10)))
    r = G.effective_rank(X)
    assert abs(G.effective_rank(7.5 * X) - r) < 1e-9            # scale-free
    assert abs(G.effective_rank(X @ Q) - r) < 1e-9              # rotation-free
    assert 1 - 1e-9 <= r <= 10 + 1e-9
    # a common offset (anisotropy) lowers the uncentred rank
    assert G.effective_rank(X + 20.0) < r


def test_effective_rank_bad_input():
    assert abs(G.effective_rank(np.ones(5)) - 1) < 1e-9          # one vector is one row: rank 1
    with pytest.raises(ValueError, match="X"):
        G.effective_rank(np.ones((2, 2, 2)))                    # not a matrix
    with pytest.raises(ValueError, match="numeric"):
        G.effective_rank([["a", "b"], ["c", "d"]])
    with pytest.raises(ValueError, match="NaN"):
        G.effective_rank(np.array([[1.0, np.nan], [0.0, 1.0]]))
