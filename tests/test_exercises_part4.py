"""The Part IV checkers pass correct answers and explain wrong ones."""
import numpy as np
import pytest

from lib import geometry
from lib import hyperbolic as H
from lib.exercises import ExerciseError, part4


def pair_cosines(X, i, j):
    U = X / np.linalg.norm(X, axis=1, keepdims=True)
    return (U[i] * U[j]).sum(1)


def remove_top(X, D):                      # Mu & Viswanath's all-but-the-top, written out
    Xc = X - X.mean(0)
    top = np.linalg.svd(Xc, full_matrices=False)[2][:D]
    return Xc - Xc @ top.T @ top


def rogue_answers():
    """(rogue_k, fixed_meancos, W) for a random table with a planted rogue coordinate."""
    W = np.random.default_rng(0).standard_normal((2000, 10))
    W[:, 4] += 3
    k = int(np.argmax(geometry.rogue_dimensions(W)))
    Wf = W.copy()
    c = Wf[:, k]
    Wf[:, k] = (c - c.mean()) / c.std() * np.delete(W, k, axis=1).std(0).mean()
    return k, geometry.mean_cosine(Wf), W


def twonn(X, discard=0.1):
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    np.fill_diagonal(D, np.inf)
    r = np.sort(D, axis=1)[:, :2]
    mu = np.sort(r[:, 1] / r[:, 0])
    n = len(mu)
    keep = min(max(int(np.floor(n * (1 - discard))), 2), n - 1)
    x, y = np.log(mu[:keep]), -np.log(1 - np.arange(1, keep + 1) / n)
    return float(x @ y / (x @ x))


def erank(X):
    s = np.linalg.svd(X, compute_uv=False)
    p = s / s.sum() + 1e-12
    return float(np.exp(-(p * np.log(p)).sum()))


def smallest_k(X, eps, seed=0):
    for k in [8, 16, 32, 64, 128, 256]:
        r = geometry.distance_ratios(X, geometry.random_projection(X, k, seed=seed))
        if np.all(np.abs(r - 1) <= eps):
            return k
    return None


def weat_effect(X, Y, A, B):
    unit = lambda M: M / np.linalg.norm(M, axis=1, keepdims=True)  # noqa: E731
    T, A, B = unit(np.vstack([X, Y])), unit(A), unit(B)
    s = (T @ A.T).mean(1) - (T @ B.T).mean(1)
    return float((s[:len(X)].mean() - s[len(X):].mean()) / s.std(ddof=1))


def neutralize(X, g):
    g = g / np.linalg.norm(g)
    Y = X - np.outer(X @ g, g)
    return Y / np.linalg.norm(Y, axis=1, keepdims=True)


CAPITALS = [("france", "paris"), ("germany", "berlin"), ("italy", "rome"), ("spain", "madrid"), ("japan", "tokyo")]
COMPARATIVES = [("good", "better"), ("bad", "worse"), ("big", "bigger"), ("small", "smaller"), ("fast", "faster")]


def parallel_answers(glove):
    """(capital_cons, comparative_cons, U, key_to_index) as the chapter computes them."""
    U = glove.vectors / np.linalg.norm(glove.vectors, axis=1, keepdims=True)
    k2i = glove.key_to_index

    def cons(pairs):
        return geometry.offset_consistency(U[[k2i[a] for a, _ in pairs]], U[[k2i[b] for _, b in pairs]])
    return cons(CAPITALS), cons(COMPARATIVES), U, k2i


def cka(X, Y):
    X, Y = X - X.mean(0), Y - Y.mean(0)
    return float(np.linalg.norm(Y.T @ X) ** 2 / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y)))


def procrustes(X, Y):
    U, _, Vt = np.linalg.svd(X.T @ Y)
    return U @ Vt


def anchor_answers():
    """(mrr_by_anchors, A, B, anchors) for two rotated copies of a random space."""
    rng = np.random.default_rng(0)
    A = rng.standard_normal((200, 10))
    Q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    B = A @ Q
    anchors = rng.permutation(200)
    want = [geometry.cross_space_neighbours(geometry.relative_representation(A, A[anchors[:n]]),
                                            geometry.relative_representation(B, B[anchors[:n]]), 5)["mrr"]
            for n in (10, 50, 300)]
    return want, A, B, anchors


def dist(u, v):
    u, v = np.asarray(u, float), np.asarray(v, float)
    return float(np.arccosh(1 + 2 * ((u - v) ** 2).sum() / ((1 - u @ u) * (1 - v @ v))))


def min_tau(m):
    star = H.Tree(["r"] + [f"l{i}" for i in range(m)], [-1] + [0] * m)
    for tau in np.arange(0.25, 20, 0.25):
        if H.mean_average_precision(H.poincare_distances(H.sala_embedding(star, tau)), star) == 1.0:
            return float(tau)


#: a correct solution of each checker: its learner arguments, or a function of a fixture getter
#: that returns them (for tests/test_exercises_delegation.py)
SOLUTIONS = {"check_pair_cosines": (pair_cosines,), "check_remove_top": (remove_top,),
             "check_rogue": lambda get: rogue_answers(), "check_twonn": (twonn,), "check_erank": (erank,),
             "check_smallest_k": (smallest_k,), "check_poincare_distance": (dist,), "check_min_tau": (min_tau,),
             "check_weat_effect": (weat_effect,), "check_neutralize": (neutralize,),
             "check_parallel": lambda get: parallel_answers(get("glove")), "check_cka": (cka,),
             "check_procrustes": (procrustes,), "check_anchors": lambda get: anchor_answers()}


def test_pair_cosines():
    good = pair_cosines
    assert part4.check_pair_cosines(good).startswith("PASSED")
    with pytest.raises(ExerciseError, match="cosine ignores length|off by"):
        part4.check_pair_cosines(lambda X, i, j: (X[i] * X[j]).sum(1))
    with pytest.raises(ExerciseError, match="not implemented"):
        part4.check_pair_cosines(...)


def test_remove_top():
    assert part4.check_remove_top(remove_top).startswith("PASSED")
    with pytest.raises(ExerciseError, match="write it yourself"):
        part4.check_remove_top(lambda X, D: geometry.AllButTheTop(D).fit_transform(X))
    with pytest.raises(ExerciseError, match="zero column means"):
        part4.check_remove_top(lambda X, D: X)


def test_rogue():
    k, fixed, W = rogue_answers()
    assert part4.check_rogue(k, fixed, W).startswith("PASSED")
    with pytest.raises(ExerciseError, match="rogue_k"):
        part4.check_rogue((k + 1) % 10, fixed, W)
    with pytest.raises(ExerciseError, match="fixed_meancos"):
        part4.check_rogue(k, 0.5, W)
    assert part4.check_rogue(k, fixed, W, hidden=True).endswith("(hidden tests)")
    with pytest.raises(ExerciseError, match="hidden test") as err:
        part4.check_rogue((k + 1) % 10, fixed, W, hidden=True)
    assert f"({k})" not in str(err.value)                      # the hidden test does not name the coordinate


def test_twonn_and_erank():
    assert part4.check_twonn(twonn).startswith("PASSED")
    with pytest.raises(ExerciseError, match="itself"):
        part4.check_twonn(geometry.twonn)
    with pytest.raises(ExerciseError):
        part4.check_twonn(lambda X: 3.0)
    assert part4.check_erank(erank).startswith("PASSED")
    with pytest.raises(ExerciseError, match="np.eye"):
        part4.check_erank(lambda X: float(np.linalg.matrix_rank(X)) + 1)


def test_smallest_k():
    good = smallest_k
    assert part4.check_smallest_k(good).startswith("PASSED")
    with pytest.raises(ExerciseError, match="should be"):
        part4.check_smallest_k(lambda X, eps, seed=0: 8)


def test_bias_checkers():
    assert part4.check_weat_effect(weat_effect).startswith("PASSED")
    with pytest.raises(ExerciseError):
        part4.check_weat_effect(lambda X, Y, A, B: 1.0)
    assert part4.check_neutralize(neutralize).startswith("PASSED")
    with pytest.raises(ExerciseError, match="projections on g"):
        part4.check_neutralize(lambda X, g: X / np.linalg.norm(X, axis=1, keepdims=True))


def test_parallel(glove):
    cap, com, U, k2i = parallel_answers(glove)
    assert part4.check_parallel(cap, com, U, k2i).startswith("PASSED")
    with pytest.raises(ExerciseError, match="capital_cons"):
        part4.check_parallel(com, com, U, k2i)
    assert part4.check_parallel(cap, com, U, k2i, hidden=True).endswith("(hidden tests)")
    with pytest.raises(ExerciseError, match="hidden test of ex-p4-c3-parallel: comparative_cons"):
        part4.check_parallel(cap, cap, U, k2i, hidden=True)


def test_comparing_checkers():
    assert part4.check_cka(cka).startswith("PASSED")
    with pytest.raises(ExerciseError, match="centre"):
        part4.check_cka(lambda X, Y: float(np.linalg.norm(Y.T @ X) ** 2 / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y))))
    assert part4.check_procrustes(procrustes).startswith("PASSED")
    with pytest.raises(ExerciseError, match="orthogonal"):
        part4.check_procrustes(lambda X, Y: np.linalg.lstsq(X, Y, rcond=None)[0] * 2)
    want, A, B, anchors = anchor_answers()
    assert part4.check_anchors(want, A, B, anchors).startswith("PASSED")
    with pytest.raises(ExerciseError, match="three values"):
        part4.check_anchors(want[:2], A, B, anchors)
    assert part4.check_anchors(want, A, B, anchors, hidden=True).endswith("(hidden tests)")
    with pytest.raises(ExerciseError, match="hidden test of ex-p4-c4-anchors: mrr_by_anchors is off"):
        part4.check_anchors([v - 1e-3 for v in want], A, B, anchors, hidden=True)


def test_curved_checkers():
    assert part4.check_poincare_distance(dist).startswith("PASSED")
    with pytest.raises(ExerciseError, match="write it yourself"):
        part4.check_poincare_distance(lambda u, v: H.poincare_distance(u, v))
    with pytest.raises(ExerciseError):
        part4.check_poincare_distance(lambda u, v: float(np.linalg.norm(np.subtract(u, v))))
    assert part4.check_min_tau(min_tau).startswith("PASSED")
    with pytest.raises(ExerciseError, match="min_tau"):
        part4.check_min_tau(lambda m: 1.0)
    assert part4.check_min_tau(min_tau, hidden=True).endswith("(hidden tests)")
