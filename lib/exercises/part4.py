"""Checks for the exercises of Part IV (the geometry of embedding spaces)."""
from __future__ import annotations

import numpy as np

from . import ExerciseError, close, expect, implemented, passed


def _call(fn, *args, what="your function"):
    try:
        return fn(*args)
    except NotImplementedError:
        raise ExerciseError(f"{what} still raises NotImplementedError: write the function body")


# --------------------------------------------------------------------------- chapter 1: isotropy
def check_pair_cosines(pair_cosines) -> str:
    """ex-p4-c1-meancos: ``pair_cosines(X, i, j)`` -> cosines of rows ``i[k]``, ``j[k]``."""
    from .. import geometry

    implemented(pair_cosines, "pair_cosines")
    rng = np.random.default_rng(3)
    X = rng.standard_normal((100, 7)) + 0.5
    i = rng.integers(0, 100, 50)
    j = (i + 1 + rng.integers(0, 98, 50)) % 100
    got = np.asarray(_call(pair_cosines, X, i, j, what="pair_cosines"), dtype=float)
    expect(got.shape == (50,), f"pair_cosines should return one cosine per pair, shape (50,); got {got.shape}")
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    close(got, (Xn[i] * Xn[j]).sum(1), 1e-6, "pair_cosines(X, i, j)")
    close(_call(pair_cosines, 3 * X, i, j), got, 1e-6, "pair_cosines(3 * X, i, j) (cosine ignores length)")
    # the same pairs as geometry.mean_cosine draws
    r = np.random.default_rng(0)
    ii = r.integers(0, 100, 20000)
    jj = r.integers(0, 99, 20000)
    jj = jj + (jj >= ii)
    close(np.mean(_call(pair_cosines, X, ii, jj)), geometry.mean_cosine(X), 1e-6,
          "the mean of pair_cosines over geometry.mean_cosine's pairs")
    return passed("ex-p4-c1-meancos", 2)


def check_remove_top(remove_top) -> str:
    """ex-p4-c1-abtt: ``remove_top(X, D)`` equals :func:`lib.geometry.all_but_the_top`."""
    from .. import geometry

    implemented(remove_top, "remove_top")
    rng = np.random.default_rng(5)
    X = rng.standard_normal((300, 12)) * np.linspace(4, 0.5, 12) + 2.0
    for D in (0, 1, 3):
        got = np.asarray(_call(remove_top, X, D, what="remove_top"), dtype=float)
        expect(got.shape == X.shape, f"remove_top(X, {D}) should keep the shape {X.shape}; got {got.shape}")
        expect(np.allclose(got.mean(0), 0, atol=1e-6), f"remove_top(X, {D}) should have zero column means: subtract the mean first")
        close(got, geometry.all_but_the_top(X, D), 1e-4, f"remove_top(X, {D})")
    return passed("ex-p4-c1-abtt", 3)


def check_rogue(rogue_k, fixed_meancos, W) -> str:
    """ex-p4-c1-rogue: the rogue GloVe coordinate and the mean cosine after standardising it."""
    from .. import geometry

    implemented(rogue_k, "rogue_k")
    implemented(fixed_meancos, "fixed_meancos")
    k = int(np.argmax(geometry.rogue_dimensions(W)))
    expect(int(rogue_k) == k, f"rogue_k should be the coordinate with the largest contribution CC_k ({k}); got {rogue_k}")
    Wf = np.asarray(W, dtype=np.float64).copy()
    col = Wf[:, k]
    others = np.delete(Wf, k, axis=1).std(0).mean()
    Wf[:, k] = (col - col.mean()) / col.std() * others
    close(fixed_meancos, geometry.mean_cosine(Wf), 2e-3, "fixed_meancos")
    expect(fixed_meancos < geometry.mean_cosine(W), "the mean cosine should drop once the rogue coordinate is standardised")
    return passed("ex-p4-c1-rogue", 2)


# --------------------------------------------------------------------------- chapter 2: dimension and rank
def check_twonn(my_twonn) -> str:
    """ex-p4-c2-twonn: a from-scratch TwoNN that agrees with :func:`lib.geometry.twonn`."""
    from .. import geometry

    implemented(my_twonn, "my_twonn")
    rng = np.random.default_rng(7)
    for d, D in ((2, 5), (6, 30)):
        Z = np.hstack([rng.random((1500, d)), np.zeros((1500, D - d))])
        got = _call(my_twonn, Z, what="my_twonn")
        expect(np.isscalar(got) or np.ndim(got) == 0, f"my_twonn should return one number; got {type(got).__name__}")
        close(float(got), geometry.twonn(Z), 0.05, f"my_twonn on a {d}-D cube in {D}-D")
        expect(abs(float(got) - d) < 0.25 * d, f"my_twonn gives {float(got):.2f} on data of intrinsic dimension {d}")
    return passed("ex-p4-c2-twonn", 3)


def check_erank(erank) -> str:
    """ex-p4-c2-erank: effective rank equal to :func:`lib.geometry.effective_rank`."""
    from .. import geometry

    implemented(erank, "erank")
    close(_call(erank, np.eye(3), what="erank"), 3.0, 1e-6, "erank(np.eye(3))")
    close(erank(np.outer(np.arange(1, 5), np.arange(1, 4))), 1.0, 1e-6, "erank of a rank-1 matrix")
    X = np.random.default_rng(2).standard_normal((40, 8)) * np.linspace(3, 0.1, 8)
    close(erank(X), geometry.effective_rank(X), 1e-4, "erank of a random 40x8 matrix")
    return passed("ex-p4-c2-erank", 2)


def check_smallest_k(smallest_k) -> str:
    """ex-p4-c2-jl: the smallest projection size that keeps every distance within 1 ± eps."""
    from .. import geometry

    implemented(smallest_k, "smallest_k")
    X = np.random.default_rng(4).standard_normal((60, 300))

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
