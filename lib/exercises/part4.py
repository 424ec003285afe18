"""Checks for the exercises of Part IV (the geometry of embedding spaces).

Each ``check_*`` function takes the learner's answer, compares it with :mod:`lib.geometry` on fixed
inputs (other ones in the grader's hidden tests, ``hidden=True``; for an answer that is a value, the
expected value recomputed on a transformed copy of the inputs), and raises
:class:`~lib.exercises.ExerciseError` saying what differs, or prints and returns its line
``"PASSED <id> (<N> points)"``. In the shapes below ``n`` counts vectors and ``d`` is their
dimension; arrays are ndarrays of floats.
"""
from __future__ import annotations

import numpy as np

from .. import geometry, hyperbolic, linalg
from . import ExerciseError, close, exercise, expect, hidden, implemented, passed, rng as _rng, seed as _seed

__all__ = ["check_pair_cosines", "check_remove_top", "check_rogue", "check_twonn", "check_erank",
           "check_smallest_k", "check_poincare_distance", "check_min_tau", "check_weat_effect",
           "check_neutralize", "check_parallel", "check_cka", "check_procrustes", "check_anchors"]


def _call(fn, *args, what="your function"):
    try:
        return fn(*args)
    except NotImplementedError:
        raise ExerciseError(f"{what} still raises NotImplementedError: write the function body")


# --------------------------------------------------------------------------- chapter 1: isotropy
@exercise("ex-p4-c1-meancos", forbids=('lib.geometry.mean_cosine',))
def check_pair_cosines(pair_cosines) -> str:
    """ex-p4-c1-meancos: ``pair_cosines(X, i, j)`` -> cosines of rows ``i[k]``, ``j[k]``.

    Parameters
    ----------
    pair_cosines : callable, (X (n, d), i (m,), j (m,)) -> ndarray (m,)
        ``i`` and ``j`` are int row indices; entry ``k`` is the cosine of rows ``i[k]`` and ``j[k]``.

    Returns
    -------
    str
        ``"PASSED ex-p4-c1-meancos (2 points)"``; dot products that change with length raise.
    """
    implemented(pair_cosines, "pair_cosines")
    rng = _rng(3)
    X = rng.standard_normal((100, 7)) + 0.5
    i = rng.integers(0, 100, 50)
    j = (i + 1 + rng.integers(0, 98, 50)) % 100
    got = np.asarray(_call(pair_cosines, X, i, j, what="pair_cosines"), dtype=float)
    expect(got.shape == (50,), f"pair_cosines should return one cosine per pair, shape (50,); got {got.shape}")
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    close(got, (Xn[i] * Xn[j]).sum(1), 1e-6, "pair_cosines(X, i, j)")
    close(_call(pair_cosines, 3 * X, i, j), got, 1e-6, "pair_cosines(3 * X, i, j) (cosine ignores length)")
    ii, jj = linalg.random_pairs(100, 20000, seed=0)      # the pairs geometry.mean_cosine draws
    close(np.mean(_call(pair_cosines, X, ii, jj)), geometry.mean_cosine(X), 1e-6,
          "the mean of pair_cosines over geometry.mean_cosine's pairs")
    return passed("ex-p4-c1-meancos", 2)


@exercise("ex-p4-c1-abtt", forbids=('lib.linalg.AllButTheTop',))
def check_remove_top(remove_top) -> str:
    """ex-p4-c1-abtt: ``remove_top(X, D)`` equals :class:`lib.geometry.AllButTheTop` ``(D)``.

    Parameters
    ----------
    remove_top : callable, (X (n, d), int D) -> ndarray (n, d)

    Returns
    -------
    str
        ``"PASSED ex-p4-c1-abtt (3 points)"``; a result whose column means are not zero raises.
    """
    implemented(remove_top, "remove_top")
    rng = _rng(5)
    X = rng.standard_normal((300, 12)) * np.linspace(4, 0.5, 12) + 2.0
    for D in (0, 1, 3):
        got = np.asarray(_call(remove_top, X, D, what="remove_top"), dtype=float)
        expect(got.shape == X.shape, f"remove_top(X, {D}) should keep the shape {X.shape}; got {got.shape}")
        expect(np.allclose(got.mean(0), 0, atol=1e-6), f"remove_top(X, {D}) should have zero column means: subtract the mean first")
        close(got, geometry.AllButTheTop(D).fit_transform(X), 1e-4, f"remove_top(X, {D})")
    return passed("ex-p4-c1-abtt", 3)


@exercise("ex-p4-c1-rogue", forbids=())
def check_rogue(rogue_k, fixed_meancos, W) -> str:
    """ex-p4-c1-rogue: the rogue GloVe coordinate and the mean cosine after standardising it.

    Parameters
    ----------
    rogue_k : int
        The coordinate with the largest contribution to the mean cosine of ``W``.
    fixed_meancos : float
        :func:`lib.geometry.mean_cosine` of ``W`` once that coordinate is standardised to the
        others' mean spread.
    W : ndarray (V, d)
        The GloVe vectors the chapter uses (``kv.vectors``).

    Returns
    -------
    str
        ``"PASSED ex-p4-c1-rogue (2 points)"``; each wrong value raises, naming it.
    """
    implemented(rogue_k, "rogue_k")
    implemented(fixed_meancos, "fixed_meancos")
    perm = np.arange(np.shape(W)[1])
    if hidden():    # the reference on a rescaled copy with shuffled coordinates: the same answers, other inputs
        rng = _rng(21)
        perm = rng.permutation(len(perm))
        W = np.asarray(W)[:, perm] * rng.uniform(0.5, 2.0)
    k = int(np.argmax(geometry.rogue_dimensions(W)))
    shown = "" if hidden() else f" ({k})"
    expect(int(rogue_k) == perm[k], f"rogue_k should be the coordinate with the largest contribution CC_k{shown}; "
                                    f"got {rogue_k}")
    Wf = np.asarray(W, dtype=np.float64).copy()
    col = Wf[:, k]
    others = np.delete(Wf, k, axis=1).std(0).mean()
    Wf[:, k] = (col - col.mean()) / col.std() * others
    close(fixed_meancos, geometry.mean_cosine(Wf), 2e-3, "fixed_meancos")
    expect(fixed_meancos < geometry.mean_cosine(W), "the mean cosine should drop once the rogue coordinate is standardised")
    return passed("ex-p4-c1-rogue", 2)


# --------------------------------------------------------------------------- chapter 2: dimension and rank
@exercise("ex-p4-c2-twonn", forbids=('lib.geometry.twonn',))
def check_twonn(my_twonn) -> str:
    """ex-p4-c2-twonn: a from-scratch TwoNN that agrees with :func:`lib.geometry.twonn`.

    Parameters
    ----------
    my_twonn : callable, X (n, d) -> float
        The TwoNN intrinsic-dimension estimate, within 0.05 of :func:`lib.geometry.twonn`.

    Returns
    -------
    str
        ``"PASSED ex-p4-c2-twonn (3 points)"``; tested on 2-D and 6-D cubes.
    """
    implemented(my_twonn, "my_twonn")
    rng = _rng(7)
    for d, D in ((2, 5), (6, 30)):
        Z = np.hstack([rng.random((1500, d)), np.zeros((1500, D - d))])
        got = _call(my_twonn, Z, what="my_twonn")
        expect(np.isscalar(got) or np.ndim(got) == 0, f"my_twonn should return one number; got {type(got).__name__}")
        close(float(got), geometry.twonn(Z), 0.05, f"my_twonn on a {d}-D cube in {D}-D")
        expect(abs(float(got) - d) < 0.25 * d, f"my_twonn gives {float(got):.2f} on data of intrinsic dimension {d}")
    return passed("ex-p4-c2-twonn", 3)


@exercise("ex-p4-c2-erank", forbids=('lib.geometry.effective_rank',))
def check_erank(erank) -> str:
    """ex-p4-c2-erank: effective rank equal to :func:`lib.geometry.effective_rank`.

    Parameters
    ----------
    erank : callable, ndarray (n, d) -> float

    Returns
    -------
    str
        ``"PASSED ex-p4-c2-erank (2 points)"``; tested on the identity, a rank-1 and a random matrix.
    """
    implemented(erank, "erank")
    close(_call(erank, np.eye(3), what="erank"), 3.0, 1e-6, "erank(np.eye(3))")
    close(erank(np.outer(np.arange(1, 5), np.arange(1, 4))), 1.0, 1e-6, "erank of a rank-1 matrix")
    X = _rng(2).standard_normal((40, 8)) * np.linspace(3, 0.1, 8)
    close(erank(X), geometry.effective_rank(X), 1e-4, "erank of a random 40x8 matrix")
    return passed("ex-p4-c2-erank", 2)


@exercise("ex-p4-c2-jl", forbids=())
def check_smallest_k(smallest_k) -> str:
    """ex-p4-c2-jl: the smallest projection size that keeps every distance within 1 ± eps.

    Parameters
    ----------
    smallest_k : callable, (X (n, d), float eps, int seed) -> int or None
        The first ``k`` in 8, 16, ..., 256 whose :func:`lib.geometry.random_projection` keeps every
        pairwise distance ratio within ``1 ± eps``; ``None`` if none does.

    Returns
    -------
    str
        ``"PASSED ex-p4-c2-jl (2 points)"``; tested for eps 0.5, 0.3 and 0.01.
    """
    implemented(smallest_k, "smallest_k")
    X = _rng(4).standard_normal((60, 300))

    def ref(eps, seed):
        for k in [8, 16, 32, 64, 128, 256]:
            r = geometry.distance_ratios(X, geometry.random_projection(X, k, seed=seed))
            if np.all(np.abs(r - 1) <= eps):
                return k
        return None

    for eps in (0.5, 0.3, 0.01):
        got, want = _call(smallest_k, X, eps, 0, what="smallest_k"), ref(eps, 0)
        expect(got == want, f"smallest_k(X, {eps}) should be {want}; got {got}")
    return passed("ex-p4-c2-jl", 2)


# --------------------------------------------------------------------------- chapter 5: curved spaces
@exercise("ex-p4-c5-dist", forbids=('lib.hyperbolic.poincare_distance', 'lib.hyperbolic.poincare_distances'))
def check_poincare_distance(pdist_poincare) -> str:
    """ex-p4-c5-dist: the Poincaré distance between two points of the unit ball.

    Parameters
    ----------
    pdist_poincare : callable, (array_like (d,), array_like (d,)) -> float
        Compared with :func:`lib.hyperbolic.poincare_distance`.

    Returns
    -------
    str
        ``"PASSED ex-p4-c5-dist (2 points)"``; a distance that is not symmetric raises.
    """
    implemented(pdist_poincare, "pdist_poincare")
    close(_call(pdist_poincare, [0.0, 0.0], [0.5, 0.0], what="pdist_poincare"), 2 * np.arctanh(0.5), 1e-6,
          "pdist_poincare(0, (0.5, 0))")
    rng = _rng(8)
    for d in (2, 5):
        u, v = rng.uniform(-0.4, 0.4, d), rng.uniform(-0.4, 0.4, d)
        close(pdist_poincare(u, v), hyperbolic.poincare_distance(u, v), 1e-6, f"pdist_poincare of two {d}-D points")
        close(pdist_poincare(u, v), pdist_poincare(v, u), 1e-9, "pdist_poincare(v, u) (a distance is symmetric)")
    close(pdist_poincare([0.3, 0.1], [0.3, 0.1]), 0.0, 1e-6, "the distance of a point to itself")
    return passed("ex-p4-c5-dist", 2)


@exercise("ex-p4-c5-star", forbids=())
def check_min_tau(min_tau) -> str:
    """ex-p4-c5-star: smallest edge length giving MAP 1 for a star with m leaves.

    Parameters
    ----------
    min_tau : callable, int -> float
        The smallest ``tau`` on the grid 0.25, 0.5, ... for which :func:`lib.hyperbolic.sala_embedding`
        of a star with ``m`` leaves has MAP 1.

    Returns
    -------
    str
        ``"PASSED ex-p4-c5-star (3 points)"``; tested on stars of 4, 16 and 64 leaves.
    """
    implemented(min_tau, "min_tau")

    def ref(m):
        star = hyperbolic.Tree(["r"] + [f"l{i}" for i in range(m)], [-1] + [0] * m)
        for tau in np.arange(0.25, 20, 0.25):
            embedded = hyperbolic.poincare_distances(hyperbolic.sala_embedding(star, tau))
            if hyperbolic.mean_average_precision(embedded, star) == 1.0:
                return float(tau)
        return None

    leaves = (4, 16, 64)
    if hidden():                # other stars: two leaves, and sizes drawn between the visible ones
        leaves = (2, *sorted(int(m) for m in _rng(23).choice(np.r_[5:16, 17:64], 3, replace=False)))
    got = {}
    for m in leaves:
        got[m] = _call(min_tau, m, what="min_tau")
        expect(got[m] is not None, f"min_tau({m}) returned None; a large enough tau always gives MAP 1")
        close(got[m], ref(m), 1e-9, f"min_tau({m})")
    taus = [got[m] for m in leaves]
    expect(taus == sorted(taus) and taus[0] < taus[-1], "min_tau should grow with the number of leaves")
    return passed("ex-p4-c5-star", 3)


# --------------------------------------------------------------------------- chapter 3: structure and bias
def _unit_rows(M):
    return M / np.linalg.norm(M, axis=1, keepdims=True)


@exercise("ex-p4-c3-weat", forbids=('lib.geometry.weat',))
def check_weat_effect(weat_effect) -> str:
    """ex-p4-c3-weat: the WEAT effect size, equal to :func:`lib.geometry.weat`'s.

    Parameters
    ----------
    weat_effect : callable, (X, Y, A, B) -> float
        Target sets ``X``, ``Y`` and attribute sets ``A``, ``B``, each ndarray (8, d) of unit rows.

    Returns
    -------
    str
        ``"PASSED ex-p4-c3-weat (2 points)"``; swapping X and Y must flip the sign.
    """
    implemented(weat_effect, "weat_effect")
    rng = _rng(11)
    g = np.eye(10)[0]
    X, Y, A, B = (_unit_rows(rng.standard_normal((8, 10)) + s * g) for s in (1.0, -1.0, 1.0, -1.0))
    got = _call(weat_effect, X, Y, A, B, what="weat_effect")
    close(got, geometry.weat(X, Y, A, B, n_permutations=10).effect_size, 1e-6, "weat_effect on planted data")
    close(weat_effect(Y, X, A, B), -got, 1e-6, "weat_effect(Y, X, A, B) (swapping the targets flips the sign)")
    return passed("ex-p4-c3-weat", 2)


@exercise("ex-p4-c3-neutralize", forbids=('lib.geometry.neutralize',))
def check_neutralize(my_neutralize) -> str:
    """ex-p4-c3-neutralize: rows made orthogonal to ``g`` and unit length.

    Parameters
    ----------
    my_neutralize : callable, (X (n, d), g (d,)) -> ndarray (n, d)

    Returns
    -------
    str
        ``"PASSED ex-p4-c3-neutralize (2 points)"``; rows still partly along g, or not of unit length, raise.
    """
    implemented(my_neutralize, "my_neutralize")
    rng = _rng(12)
    X, g = rng.standard_normal((20, 6)), rng.standard_normal(6) * 3
    got = np.asarray(_call(my_neutralize, X, g, what="my_neutralize"), dtype=float)
    expect(got.shape == X.shape, f"my_neutralize should keep the shape {X.shape}; got {got.shape}")
    close(got @ (g / np.linalg.norm(g)), np.zeros(20), 1e-6, "the projections on g after neutralizing")
    close(np.linalg.norm(got, axis=1), np.ones(20), 1e-6, "the row lengths after neutralizing")
    close(got, geometry.neutralize(X, g), 1e-5, "my_neutralize(X, g)")
    return passed("ex-p4-c3-neutralize", 2)


@exercise("ex-p4-c3-parallel", forbids=())
def check_parallel(capital_cons, comparative_cons, U, key_to_index) -> str:
    """ex-p4-c3-parallel: offset consistency of two small relations.

    Parameters
    ----------
    capital_cons, comparative_cons : float
        :func:`lib.geometry.offset_consistency` of the five country-capital and the five
        comparative pairs the chapter lists.
    U : ndarray (V, d)
        The unit-length GloVe rows.
    key_to_index : dict of str to int
        Row of each word in ``U``.

    Returns
    -------
    str
        ``"PASSED ex-p4-c3-parallel (2 points)"``; both values must match to 1e-4.
    """
    implemented(capital_cons, "capital_cons")
    implemented(comparative_cons, "comparative_cons")
    cap = [("france", "paris"), ("germany", "berlin"), ("italy", "rome"), ("spain", "madrid"), ("japan", "tokyo")]
    com = [("good", "better"), ("bad", "worse"), ("big", "bigger"), ("small", "smaller"), ("fast", "faster")]

    scale = 1.0
    if hidden():    # the reference on the pairs in another order, each pair reversed, U rescaled: the same values
        rng = _rng(25)
        cap, com = ([p[::-1] for p in rng.permutation(np.array(r)).tolist()] for r in (cap, com))
        scale = rng.uniform(0.5, 2.0)

    def cons(pairs):
        A = scale * U[[key_to_index[a] for a, _ in pairs]]
        B = scale * U[[key_to_index[b] for _, b in pairs]]
        return geometry.offset_consistency(A, B)

    close(capital_cons, cons(cap), 1e-4, "capital_cons")
    close(comparative_cons, cons(com), 1e-4, "comparative_cons")
    return passed("ex-p4-c3-parallel", 2)


# --------------------------------------------------------------------------- chapter 4: comparing spaces
@exercise("ex-p4-c4-cka", forbids=('lib.geometry.linear_cka',))
def check_cka(my_cka) -> str:
    """ex-p4-c4-cka: linear CKA equal to :func:`lib.geometry.linear_cka`.

    Parameters
    ----------
    my_cka : callable, (X (n, d1), Y (n, d2)) -> float

    Returns
    -------
    str
        ``"PASSED ex-p4-c4-cka (2 points)"``; forgetting to centre the columns raises.
    """
    implemented(my_cka, "my_cka")
    rng = _rng(13)
    X = rng.standard_normal((80, 6)) + 3
    Q, _ = np.linalg.qr(rng.standard_normal((6, 6)))
    close(_call(my_cka, X, 2 * X @ Q, what="my_cka"), 1.0, 1e-6, "my_cka(X, 2 X Q) for a rotation Q")
    Y = rng.standard_normal((80, 4)) + 3
    close(my_cka(X, Y), geometry.linear_cka(X, Y), 1e-6, "my_cka of two unrelated matrices (did you centre the columns?)")
    return passed("ex-p4-c4-cka", 2)


@exercise("ex-p4-c4-procrustes", forbids=('lib.linalg.Procrustes',))
def check_procrustes(my_procrustes) -> str:
    """ex-p4-c4-procrustes: the orthogonal Procrustes solution.

    Parameters
    ----------
    my_procrustes : callable, (X (n, d), Y (n, d)) -> W (d, d)
        The orthogonal ``W`` minimising ``||X W - Y||``.

    Returns
    -------
    str
        ``"PASSED ex-p4-c4-procrustes (2 points)"``; a W with W^T W != I raises.
    """
    implemented(my_procrustes, "my_procrustes")
    rng = _rng(14)
    X = rng.standard_normal((50, 5))
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    W = np.asarray(_call(my_procrustes, X, X @ Q, what="my_procrustes"), dtype=float)
    expect(W.shape == (5, 5), f"my_procrustes should return a (d, d) matrix; got shape {W.shape}")
    close(W.T @ W, np.eye(5), 1e-6, "W^T W (W must be orthogonal)")
    close(W, Q, 1e-6, "my_procrustes(X, X Q)")
    return passed("ex-p4-c4-procrustes", 2)


@exercise("ex-p4-c4-anchors", forbids=())
def check_anchors(mrr_by_anchors, A, B, anchors) -> str:
    """ex-p4-c4-anchors: cross-seed MRR of relative representations for 10, 50 and 300 anchors.

    Parameters
    ----------
    mrr_by_anchors : sequence of 3 floats
        The ``"mrr"`` of :func:`lib.geometry.cross_space_neighbours` (k=5) between the relative
        representations of ``A`` and ``B`` on their first 10, 50 and 300 anchors.
    A, B : ndarray (n, d)
        The two seeds' vectors, row ``i`` the same word in both.
    anchors : ndarray of int
        Row indices, at least 300; the first ``m`` are used for ``m`` anchors.

    Returns
    -------
    str
        ``"PASSED ex-p4-c4-anchors (2 points)"``; the three values must match to 1e-6.
    """
    implemented(mrr_by_anchors, "mrr_by_anchors")
    expect(len(mrr_by_anchors) == 3, f"mrr_by_anchors should hold three values (10, 50, 300 anchors); got {len(mrr_by_anchors)}")
    tol = 1e-6
    if hidden():    # the reference with the words in another order and each block of anchors shuffled: same values
        rng = _rng(27)
        order = rng.permutation(len(A))
        A, B = np.asarray(A)[order] * rng.uniform(0.5, 2.0), np.asarray(B)[order]
        new_row = np.argsort(order)
        anchors = np.concatenate([rng.permutation(new_row[np.asarray(anchors)[lo:hi]])
                                  for lo, hi in ((0, 10), (10, 50), (50, 300))])
        tol = 1e-4                  # float32 cosines summed in another order: near-ties may swap
    want = [geometry.cross_space_neighbours(geometry.relative_representation(A, A[anchors[:n]]),
                                            geometry.relative_representation(B, B[anchors[:n]]), 5)["mrr"]
            for n in (10, 50, 300)]
    close(mrr_by_anchors, want, tol, "mrr_by_anchors")
    return passed("ex-p4-c4-anchors", 2)
