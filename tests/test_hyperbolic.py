"""Unit tests for lib.hyperbolic."""
import numpy as np
import pytest
from gensim.test.utils import datapath
from scipy.spatial.distance import cdist

from lib import hyperbolic as H


def test_balanced_tree_and_distances():
    t = H.balanced_tree(2, 3)
    assert len(t) == 15 and t.depth().max() == 3
    D = H.tree_distances(t)
    assert D.max() == 6 and (D == D.T).all() and (np.diag(D) == 0).all()
    with pytest.raises(ValueError):
        H.balanced_tree(0, 2)


def test_tree_validation():
    with pytest.raises(ValueError, match="exactly one root"):
        H.Tree(["a", "b"], [-1, -1])
    with pytest.raises(ValueError, match="shape mismatch"):
        H.Tree(["a", "b"], [-1])
    with pytest.raises(ValueError, match="cycle"):
        H.Tree(["a", "b", "c"], [-1, 2, 1])
    with pytest.raises(ValueError, match="at least one node"):
        H.Tree([], [])


def test_tree_from_closure():
    pairs = [("b", "a"), ("c", "a"), ("d", "b"), ("d", "a")]
    t = H.tree_from_closure(pairs)
    assert t.nodes[t.parent[t.nodes.index("d")]] == "b" and t.nodes[t.root] == "a"
    with pytest.raises(ValueError, match="not a chain"):
        H.tree_from_closure(pairs + [("d", "c")])
    with pytest.raises(ValueError, match="roots"):
        H.tree_from_closure([("b", "a"), ("d", "c")])
    with pytest.raises(KeyError, match="root"):
        H.tree_from_closure(pairs, root="zebra")
    mammals = H.tree_from_closure(H.read_closure(datapath("poincare_hypernyms_large.tsv")),
                                  strict=False, root="mammal.n.01")
    assert mammals.nodes[mammals.root] == "mammal.n.01" and len(mammals) > 100


def test_poincare_distance():
    assert np.isclose(H.poincare_distance([0, 0], [np.tanh(0.5), 0]), 1.0)
    X = np.array([[0, 0], [0.5, 0], [0, -0.9]])
    D = H.poincare_distances(X)
    assert np.isclose(D[1, 2], H.poincare_distance(X[1], X[2]))
    with pytest.raises(ValueError, match="outside the unit ball"):
        H.poincare_distance([1.0, 0], [0, 0])
    with pytest.raises(ValueError, match="dimension mismatch"):
        H.poincare_distance([0.1, 0], [0, 0, 0])


def test_sala_embedding_low_distortion_and_perfect_map():
    t = H.balanced_tree(3, 3)
    D = H.tree_distances(t)
    Z = H.sala_embedding(t, tau=6)
    E = H.poincare_distances(Z)
    # each edge has hyperbolic length exactly tau
    for i, p in t.edges():
        assert np.isclose(E[i, p], 6, atol=1e-6)
    assert H.mean_average_precision(E, t) == 1.0
    assert H.distortion(E, D, scale=1 / 6) < 0.1
    with pytest.raises(ValueError, match="tau"):
        H.sala_embedding(t, 0)
    with pytest.raises(ValueError, match="boundary"):
        H.sala_embedding(t, 200)


def test_mds_recovers_euclidean_points():
    X = np.random.default_rng(0).standard_normal((20, 3))
    Y = H.mds_embedding(cdist(X, X), 3)
    assert np.allclose(cdist(Y, Y), cdist(X, X), atol=1e-8)
    with pytest.raises(ValueError, match="square"):
        H.mds_embedding(np.ones((3, 4)), 2)
    with pytest.raises(ValueError, match="dim"):
        H.mds_embedding(cdist(X, X), 30)


def test_map_and_distortion_errors():
    t = H.balanced_tree(2, 2)
    D = H.tree_distances(t)
    assert H.mean_average_precision(D.astype(float), t) == 1.0
    assert H.distortion(2.0 * D, D) < 1e-12
    with pytest.raises(ValueError, match="shape mismatch"):
        H.mean_average_precision(np.ones((3, 3)), t)
    with pytest.raises(ValueError, match="shape mismatch"):
        H.distortion(np.ones((3, 3)), D)


def test_train_poincare_small(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path))
    t = H.balanced_tree(2, 2)
    P = H.train_poincare(t, dim=2, epochs=5)
    assert P.shape == (7, 2) and (np.linalg.norm(P, axis=1) < 1).all()
    with pytest.raises(ValueError):
        H.train_poincare(t, dim=0)


# ----------------------------------------------------------------------------- bad input (reliability)
@pytest.mark.parametrize("call, exc, msg", [
    (lambda: H.balanced_tree(2.5, 2), ValueError, "branching"),
    (lambda: H.balanced_tree(2, True), ValueError, "height"),
    (lambda: H.balanced_tree(2, -1), ValueError, "height"),
    (lambda: H.Tree(["a", "b"], [-1, 0.7]), ValueError, "parent must hold integer ids"),
    (lambda: H.Tree(["a", "b"], [-1, 5]), ValueError, "parent holds id 5"),
    (lambda: H.Tree(["a", "b"], [-1, -3]), ValueError, "parent holds id -3"),
    (lambda: H.Tree(["a", "a"], [-1, 0]), ValueError, "duplicate"),
    (lambda: H.Tree("ab", [-1, 0]), ValueError, "list of node names"),
    (lambda: H.tree_from_closure([("b", "a"), ("c",)]), ValueError, r"pairs\[1\]"),
    (lambda: H.tree_from_closure("ba"), ValueError, "not a string"),
    (lambda: H.tree_distances(np.zeros((3, 3))), TypeError, "hyperbolic.Tree"),
    (lambda: H.sala_embedding(H.balanced_tree(2, 1), np.nan), ValueError, "tau"),
    (lambda: H.sala_embedding(H.balanced_tree(2, 1), "1"), ValueError, "tau"),
    (lambda: H.mds_embedding(np.ones((3, 3)) - np.eye(3), 1.5), ValueError, "dim"),
    (lambda: H.mds_embedding(np.ones((3, 3)) - np.eye(3), True), ValueError, "dim"),
    (lambda: H.mds_embedding(np.array([[0.0, 1.0], [2.0, 0.0]]), 1), ValueError, "symmetric"),
    (lambda: H.mds_embedding(-np.ones((2, 2)), 1), ValueError, "non-negative"),
    (lambda: H.train_poincare(H.balanced_tree(2, 1), dim=2.5), ValueError, "dim"),
    (lambda: H.train_poincare(H.balanced_tree(2, 1), epochs=0), ValueError, "epochs"),
    (lambda: H.train_poincare(H.balanced_tree(2, 1), negative=0), ValueError, "negative"),
    (lambda: H.train_poincare(H.balanced_tree(2, 1), burn_in=-1), ValueError, "burn_in"),
    (lambda: H.mean_average_precision(np.zeros((3, 3)), "tree"), TypeError, "hyperbolic.Tree"),
    (lambda: H.distortion(np.ones((2, 2)), np.ones((2, 2)), scale=0), ValueError, "scale"),
    (lambda: H.distortion(np.ones((2, 2)), np.ones((2, 2)), scale=np.nan), ValueError, "scale"),
])
def test_bad_options_raise_clearly(call, exc, msg):
    with pytest.raises(exc, match=msg):
        call()


def test_poincare_distance_takes_single_points():
    # a (2, d) array used to be cut silently to its first row
    with pytest.raises(ValueError, match="1-D"):
        H.poincare_distance([[0.1, 0.0], [0.2, 0.0]], [0.0, 0.0])
    with pytest.raises(ValueError, match="NaN"):
        H.poincare_distance([np.nan, 0.0], [0.0, 0.0])


def test_reconstruction_matches_the_authors_evaluation():
    # Nickel & Kiela's hype/graph.py: rank = 1 + non-neighbours before v; AP as scikit-learn's
    from sklearn.metrics import average_precision_score
    rng = np.random.default_rng(0)
    n = 30
    X = rng.normal(size=(n, 3))
    D = np.linalg.norm(X[:, None] - X[None], axis=-1)
    pairs = [(u, int(v)) for u in range(n) for v in rng.choice(n, 4, replace=False) if v != u]
    mean_rank, mean_ap = H.reconstruction(D, pairs)
    adj = {}
    for u, v in pairs:
        adj.setdefault(u, set()).add(v)
    ranks, aps = [], []
    for u, nb in adj.items():
        d = D[u].copy()
        d[u] = 1e12
        nb = sorted(nb)
        order = np.argsort(d)
        pos = np.flatnonzero(np.isin(order, nb)) + 1
        ranks.append(pos - np.arange(len(pos)))
        labels = np.zeros(n)
        labels[nb] = 1
        aps.append(average_precision_score(labels, -d))
    assert mean_rank == pytest.approx(np.concatenate(ranks).mean())
    assert mean_ap == pytest.approx(np.mean(aps))
    # a root nearest to both leaves is perfect; a descendant nearer than an ancestor is a miss
    star = np.array([[0, 1, 1], [1, 0, 2], [1, 2, 0.0]])
    assert H.reconstruction(star, [(1, 0), (2, 0)]) == (1.0, 1.0)
    line = np.abs(np.arange(3)[:, None] - np.arange(3)[None, :]).astype(float)
    # node 1: its descendant 2 ties with its ancestor 0 (rank 2, AP 1/2); node 2 is perfect
    assert H.reconstruction(line, [(1, 0), (2, 1), (2, 0)]) == pytest.approx((4 / 3, 0.75))
    # ties count against the gold answer
    assert H.reconstruction(np.zeros((3, 3)), [(0, 1)]) == (2.0, 0.5)


def test_reconstruction_rejects_bad_input():
    D = np.zeros((3, 3))
    with pytest.raises(ValueError, match="square"):
        H.reconstruction(np.zeros((3, 2)), [(0, 1)])
    with pytest.raises(ValueError, match="self-pair"):
        H.reconstruction(D, [(1, 1)])
    with pytest.raises(ValueError, match="pairs"):
        H.reconstruction(D, [(0, 5)])
    with pytest.raises(ValueError, match=r"\(m, 2\)"):
        H.reconstruction(D, [(0, 1, 2)])
    with pytest.raises(ValueError, match="NaN"):
        H.reconstruction(np.full((3, 3), np.nan), [(0, 1)])


def test_train_poincare_relations(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path))
    pairs = [("b", "a"), ("c", "a"), ("d", "b"), ("d", "a")]
    X = H.train_poincare_relations(pairs, ["a", "b", "c", "d"], dim=2, epochs=3, burn_in=1,
                                            progress=False)
    assert X.shape == (4, 2) and np.all(np.linalg.norm(X, axis=1) < 1)
    with pytest.raises(ValueError, match="nodes"):
        H.train_poincare_relations(pairs, ["a", "b"], progress=False)
    with pytest.raises(ValueError, match="distinct"):
        H.train_poincare_relations([("a", "a")], progress=False)
    with pytest.raises(ValueError, match="sequence"):
        H.train_poincare_relations("ab", progress=False)
    with pytest.raises(ValueError, match="dim"):
        H.train_poincare_relations(pairs, dim=0, progress=False)


def test_sala_distances_agree_with_float64_and_go_past_its_limit(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path))
    t = H.balanced_tree(3, 3)
    # where float64 suffices, the high-precision distances are the float64 ones
    E64 = H.poincare_distances(H.sala_embedding(t, tau=2))
    np.testing.assert_allclose(H.sala_distances(t, tau=2), E64, rtol=1e-9, atol=1e-9)
    # depth 3 x tau 14 = 42 > 36: float64 loses the deepest siblings, 40 digits do not
    E = H.sala_distances(t, tau=14)
    for i, p in t.edges():
        assert np.isclose(E[i, p], 14, rtol=1e-9)
    leaves = np.flatnonzero(t.depth() == 3)
    a, b = leaves[0], leaves[1]                              # siblings: path length 2
    assert E[a, b] < 2 * 14 and E[a, b] > 14                 # closer than 2 tau, farther than the parent
    assert H.mean_average_precision(E, t) == 1.0
    assert H.distortion(E, H.tree_distances(t), scale=1 / 14) < 0.05
    try:
        E_lost = H.poincare_distances(H.sala_embedding(t, tau=14))
        assert H.mean_average_precision(E_lost, t) < 1.0
    except ValueError as err:                                # or the points reach the boundary outright
        assert "boundary" in str(err)
    assert np.allclose(E, E.T) and np.all(np.diag(E) == 0)
    with pytest.raises(ValueError, match="digits"):
        H.sala_distances(t, tau=2, digits=8)
    with pytest.raises(ValueError, match="tau"):
        H.sala_distances(t, tau=-1)
