"""The Part IV checkers pass correct answers and explain wrong ones."""
import numpy as np
import pytest

from lib import geometry
from lib import hyperbolic as H
from lib.exercises import ExerciseError, part4


def test_pair_cosines():
    def good(X, i, j):
        U = X / np.linalg.norm(X, axis=1, keepdims=True)
        return (U[i] * U[j]).sum(1)
    assert part4.check_pair_cosines(good).startswith("PASSED")
    with pytest.raises(ExerciseError, match="cosine ignores length|off by"):
        part4.check_pair_cosines(lambda X, i, j: (X[i] * X[j]).sum(1))
    with pytest.raises(ExerciseError, match="not implemented"):
        part4.check_pair_cosines(...)


def test_remove_top():
    def remove_top(X, D):                  # Mu & Viswanath's all-but-the-top, written out
        Xc = X - X.mean(0)
        top = np.linalg.svd(Xc, full_matrices=False)[2][:D]
        return Xc - Xc @ top.T @ top

    assert part4.check_remove_top(remove_top).startswith("PASSED")
    with pytest.raises(ExerciseError, match="write it yourself"):
        part4.check_remove_top(lambda X, D: geometry.AllButTheTop(D).fit_transform(X))
    with pytest.raises(ExerciseError, match="zero column means"):
        part4.check_remove_top(lambda X, D: X)


def test_rogue():
    W = np.random.default_rng(0).standard_normal((2000, 10))
    W[:, 4] += 3
    k = int(np.argmax(geometry.rogue_dimensions(W)))
    Wf = W.copy()
    c = Wf[:, k]
    Wf[:, k] = (c - c.mean()) / c.std() * np.delete(W, k, axis=1).std(0).mean()
    assert part4.check_rogue(k, geometry.mean_cosine(Wf), W).startswith("PASSED")
    with pytest.raises(ExerciseError, match="rogue_k"):
        part4.check_rogue((k + 1) % 10, geometry.mean_cosine(Wf), W)
    with pytest.raises(ExerciseError, match="fixed_meancos"):
        part4.check_rogue(k, 0.5, W)


def test_twonn_and_erank():
    def twonn(X, discard=0.1):
        D = np.linalg.norm(X[:, None] - X[None], axis=-1)
        np.fill_diagonal(D, np.inf)
        r = np.sort(D, axis=1)[:, :2]
        mu = np.sort(r[:, 1] / r[:, 0])
        n = len(mu)
        keep = min(max(int(np.floor(n * (1 - discard))), 2), n - 1)
        x, y = np.log(mu[:keep]), -np.log(1 - np.arange(1, keep + 1) / n)
        return float(x @ y / (x @ x))

    assert part4.check_twonn(twonn).startswith("PASSED")
    with pytest.raises(ExerciseError, match="itself"):
        part4.check_twonn(geometry.twonn)
    with pytest.raises(ExerciseError):
        part4.check_twonn(lambda X: 3.0)
    def erank(X):
        s = np.linalg.svd(X, compute_uv=False)
        p = s / s.sum() + 1e-12
        return float(np.exp(-(p * np.log(p)).sum()))

    assert part4.check_erank(erank).startswith("PASSED")
    with pytest.raises(ExerciseError, match="np.eye"):
        part4.check_erank(lambda X: float(np.linalg.matrix_rank(X)) + 1)


def test_smallest_k():
    def good(X, eps, seed=0):
        for k in [8, 16, 32, 64, 128, 256]:
            r = geometry.distance_ratios(X, geometry.random_projection(X, k, seed=seed))
            if np.all(np.abs(r - 1) <= eps):
                return k
        return None
    assert part4.check_smallest_k(good).startswith("PASSED")
    with pytest.raises(ExerciseError, match="should be"):
        part4.check_smallest_k(lambda X, eps, seed=0: 8)


def test_bias_checkers():
    def weat_effect(X, Y, A, B):
        unit = lambda M: M / np.linalg.norm(M, axis=1, keepdims=True)  # noqa: E731
        T, A, B = unit(np.vstack([X, Y])), unit(A), unit(B)
        s = (T @ A.T).mean(1) - (T @ B.T).mean(1)
        return float((s[:len(X)].mean() - s[len(X):].mean()) / s.std(ddof=1))
    assert part4.check_weat_effect(weat_effect).startswith("PASSED")
    with pytest.raises(ExerciseError):
        part4.check_weat_effect(lambda X, Y, A, B: 1.0)
    def neutralize(X, g):
        g = g / np.linalg.norm(g)
        Y = X - np.outer(X @ g, g)
        return Y / np.linalg.norm(Y, axis=1, keepdims=True)

    assert part4.check_neutralize(neutralize).startswith("PASSED")
    with pytest.raises(ExerciseError, match="projections on g"):
        part4.check_neutralize(lambda X, g: X / np.linalg.norm(X, axis=1, keepdims=True))


def test_parallel(glove):
    U = glove.vectors / np.linalg.norm(glove.vectors, axis=1, keepdims=True)
    k2i = glove.key_to_index

    def cons(pairs):
        return geometry.offset_consistency(U[[k2i[a] for a, _ in pairs]], U[[k2i[b] for _, b in pairs]])
    cap = [("france", "paris"), ("germany", "berlin"), ("italy", "rome"), ("spain", "madrid"), ("japan", "tokyo")]
    com = [("good", "better"), ("bad", "worse"), ("big", "bigger"), ("small", "smaller"), ("fast", "faster")]
    assert part4.check_parallel(cons(cap), cons(com), U, k2i).startswith("PASSED")
    with pytest.raises(ExerciseError, match="capital_cons"):
        part4.check_parallel(cons(com), cons(com), U, k2i)


def test_comparing_checkers():
    def cka(X, Y):
        X, Y = X - X.mean(0), Y - Y.mean(0)
        return float(np.linalg.norm(Y.T @ X) ** 2 / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y)))

    assert part4.check_cka(cka).startswith("PASSED")
    with pytest.raises(ExerciseError, match="centre"):
        part4.check_cka(lambda X, Y: float(np.linalg.norm(Y.T @ X) ** 2 / (np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y))))
    def procrustes(X, Y):
        U, _, Vt = np.linalg.svd(X.T @ Y)
        return U @ Vt

    assert part4.check_procrustes(procrustes).startswith("PASSED")
    with pytest.raises(ExerciseError, match="orthogonal"):
        part4.check_procrustes(lambda X, Y: np.linalg.lstsq(X, Y, rcond=None)[0] * 2)
    rng = np.random.default_rng(0)
    A = rng.standard_normal((200, 10))
    Q, _ = np.linalg.qr(rng.standard_normal((10, 10)))
    B = A @ Q
    anchors = rng.permutation(200)
    want = [geometry.cross_space_neighbours(geometry.relative_representation(A, A[anchors[:n]]),
                                            geometry.relative_representation(B, B[anchors[:n]]), 5)["mrr"]
            for n in (10, 50, 300)]
    assert part4.check_anchors(want, A, B, anchors).startswith("PASSED")
    with pytest.raises(ExerciseError, match="three values"):
        part4.check_anchors(want[:2], A, B, anchors)


def test_curved_checkers():
    def dist(u, v):
        u, v = np.asarray(u, float), np.asarray(v, float)
        return float(np.arccosh(1 + 2 * ((u - v) ** 2).sum() / ((1 - u @ u) * (1 - v @ v))))

    assert part4.check_poincare_distance(dist).startswith("PASSED")
    with pytest.raises(ExerciseError, match="write it yourself"):
        part4.check_poincare_distance(lambda u, v: H.poincare_distance(u, v))
    with pytest.raises(ExerciseError):
        part4.check_poincare_distance(lambda u, v: float(np.linalg.norm(np.subtract(u, v))))

    def min_tau(m):
        star = H.Tree(["r"] + [f"l{i}" for i in range(m)], [-1] + [0] * m)
        for tau in np.arange(0.25, 20, 0.25):
            if H.mean_average_precision(H.poincare_distances(H.sala_embedding(star, tau)), star) == 1.0:
                return float(tau)
    assert part4.check_min_tau(min_tau).startswith("PASSED")
    with pytest.raises(ExerciseError, match="min_tau"):
        part4.check_min_tau(lambda m: 1.0)
