"""The Poincaré ball: distances, and embeddings of trees in it (Sala et al.'s construction, classical MDS for comparison, gensim's Poincaré model)."""
from __future__ import annotations


import numpy as np

from .. import cache, checks
from .trees import Tree, _check_tree

__all__ = ['poincare_distance', 'poincare_distances', 'sala_embedding', 'sala_distances', 'mds_embedding',
           'train_poincare', 'train_poincare_relations']


def _check_ball(X, name="X", ndim=2) -> np.ndarray:
    X = checks.as_matrix(X, name, ndim=ndim, dtype=np.float64)
    norms = np.linalg.norm(X, axis=-1)
    if np.any(norms >= 1):
        raise ValueError(f"{name} has {int(np.sum(norms >= 1))} points on or outside the unit ball")
    return X


def poincare_distance(u, v) -> float:
    """``arcosh(1 + 2 |u - v|^2 / ((1 - |u|^2)(1 - |v|^2)))`` for two points of the open unit ball.

    Parameters
    ----------
    u, v : array_like, shape (d,)
        One point each, norm below 1.

    Returns
    -------
    float

    Examples
    --------
    >>> round(poincare_distance([0.0, 0.0], [0.5, 0.0]), 4)       # 2 artanh(0.5)
    1.0986
    """
    u, v = _check_ball(u, "u", ndim=1), _check_ball(v, "v", ndim=1)
    checks.same_dim(u, v, ("u", "v"))
    num = 2 * ((u - v) ** 2).sum()
    den = (1 - (u ** 2).sum()) * (1 - (v ** 2).sum())
    return float(np.arccosh(1 + num / den))


def poincare_distances(X) -> np.ndarray:
    """All-pairs Poincaré distances of the rows of ``X``.

    Parameters
    ----------
    X : array_like, shape (n, d)
        Points of the open unit ball.

    Returns
    -------
    ndarray, shape (n, n), float64
        Symmetric, zero on the diagonal.
    """
    X = _check_ball(X)
    sq = (X ** 2).sum(1)
    d2 = np.maximum(sq[:, None] + sq[None, :] - 2 * X @ X.T, 0)
    arg = 1 + 2 * d2 / ((1 - sq)[:, None] * (1 - sq)[None, :])
    D = np.arccosh(np.maximum(arg, 1))
    np.fill_diagonal(D, 0)
    return D


def _mobius_to_origin(z, a, conj=np.conj):
    """The disk isometry that sends ``a`` to 0: ``(z - a) / (1 - conj(a) z)``."""
    return (z - a) / (1 - conj(a) * z)


def sala_embedding(tree: Tree, tau: float = 1.0) -> np.ndarray:
    """Sarkar's combinatorial embedding of a tree in the Poincaré disk, as in Sala et al. (2018).

    Every edge gets hyperbolic length ``tau``. The root sits at the origin with its children
    evenly spread on the circle of hyperbolic radius ``tau``; for any other node, an isometry
    moves it to the origin, its children are placed evenly on the circle of radius ``tau``
    in the angles left between them and the direction of its parent, and the isometry is
    undone. Larger ``tau`` gives lower distortion (distances approach ``tau`` times path
    lengths) at the cost of more bits of precision near the boundary: in float64 a node at
    depth ``h`` is lost once ``h * tau`` exceeds about 36 (see :func:`sala_distances`).

    Parameters
    ----------
    tree : Tree
    tau : float > 0
        Hyperbolic length of every edge.

    Returns
    -------
    ndarray, shape (n, 2), float64
        Points of the open unit disk.
    """
    _check_tree(tree)
    tau = checks.number(tau, "tau", lo=0, lo_open=True)
    z = np.zeros(len(tree), dtype=complex)
    with np.errstate(invalid="ignore", divide="ignore"):    # overflow to the boundary is caught below
        _sarkar_place(tree, z, np.tanh(tau / 2), lambda t: np.exp(1j * t), np.angle, np.conj, np.pi)
    out = np.stack([z.real, z.imag], 1)
    if not np.all(np.isfinite(out)) or np.any(np.linalg.norm(out, axis=1) >= 1):
        raise ValueError(f"tau={tau} is too large for float64: points reached the boundary")
    return out


def sala_distances(tree: Tree, tau: float = 1.0, digits: int | None = None) -> np.ndarray:
    """All-pairs hyperbolic distances of :func:`sala_embedding`, computed with ``digits`` decimal digits.

    The construction's points approach the boundary as ``depth * tau`` grows: a node at hyperbolic
    distance ``R`` from the origin lies within about ``2 exp(-R)`` of it, and two deep siblings are
    about ``exp(-R)`` apart, so float64 (16 digits) loses them once ``R`` passes about 36. Sala et
    al. compute in high precision for this reason. Here the points are placed with mpmath at
    ``digits`` digits, the distances' arguments ``2 |u - v|^2 / ((1 - |u|^2)(1 - |v|^2))`` are
    formed at that precision and only then rounded to float64 (the distances themselves are of
    order ``tau`` times path lengths and need no more). Cached by the tree, ``tau`` and ``digits``.

    Parameters
    ----------
    tree : Tree
    tau : float > 0
        Hyperbolic length of every edge.
    digits : int >= 16, optional
        Working precision; default ``ceil(depth * tau / ln 10) + 20``, enough for the deepest node.

    Returns
    -------
    ndarray, shape (n, n), float64
        Symmetric, zero on the diagonal.

    Examples
    --------
    >>> from lib.hyperbolic import balanced_tree
    >>> D = sala_distances(balanced_tree(2, 1), tau=1.0)         # a root and two leaves
    >>> D.round(6).tolist()
    [[0.0, 1.0, 1.0], [1.0, 0.0, 2.0], [1.0, 2.0, 0.0]]
    """
    import mpmath

    _check_tree(tree)
    tau = checks.number(tau, "tau", lo=0, lo_open=True)
    depth = int(tree.depth().max())
    digits = int(np.ceil(depth * tau / np.log(10))) + 20 if digits is None else checks.integer(digits, "digits", lo=16)
    params = {"nodes": list(tree.nodes), "parent": [int(p) for p in tree.parent], "tau": tau, "digits": digits}

    def compute():
        with mpmath.workdps(digits):
            z = [mpmath.mpc(0)] * len(tree)
            _sarkar_place(tree, z, mpmath.tanh(mpmath.mpf(tau) / 2), mpmath.expj, mpmath.arg, mpmath.conj,
                          mpmath.pi)
            x = np.array([w.real for w in z], dtype=object)
            y = np.array([w.imag for w in z], dtype=object)
            gap = 1 - x * x - y * y                        # 1 - |z|^2, exact to `digits` digits
            n = len(z)
            A = np.zeros((n, n))
            for i in range(n - 1):                         # object arrays: each row in mpmath, then float64
                dx, dy = x[i + 1:] - x[i], y[i + 1:] - y[i]
                A[i, i + 1:] = (2 * (dx * dx + dy * dy) / (gap[i + 1:] * gap[i])).astype(float)
        A = A + A.T
        return np.log1p(A + np.sqrt(A * (A + 2)))          # arcosh(1 + A), accurate for small A too

    return cache.cached_array("hyperbolic-sala-distances", params, compute)


def _sarkar_place(tree: Tree, z, r, expj, arg, conj, pi) -> None:
    """Place every node's children (Sarkar's step) in ``z``, with the arithmetic passed in."""
    ch = tree.children()
    for u in tree._bfs_order():
        kids = ch[u]
        if not kids:
            continue
        if tree.parent[u] < 0:
            base, deg, first = 0, len(kids), 0
        else:
            base, deg, first = arg(_mobius_to_origin(z[tree.parent[u]], z[u], conj)), len(kids) + 1, 1
        for j, kid in enumerate(kids):
            w = r * expj(base + 2 * pi * (first + j) / deg)
            z[kid] = _mobius_to_origin(w, -z[u], conj)     # inverse isometry: sends 0 back to z[u]


def mds_embedding(D, dim: int) -> np.ndarray:
    """Classical (Torgerson) MDS: the ``dim``-dimensional Euclidean coordinates whose Gram matrix
    best matches the double-centred squared distances.

    Parameters
    ----------
    D : array_like, shape (n, n)
        Symmetric, non-negative distances.
    dim : int in [1, n]

    Returns
    -------
    ndarray, shape (n, dim), float64
        Axes by decreasing eigenvalue (a negative eigenvalue gives a zero column).

    Examples
    --------
    >>> D = np.array([[0.0, 3.0], [3.0, 0.0]])
    >>> np.abs(mds_embedding(D, 1)).round(6).ravel().tolist()
    [1.5, 1.5]
    """
    D = checks.as_matrix(D, "D", dtype=np.float64)
    n = D.shape[0]
    if D.shape != (n, n):
        raise ValueError(f"D must be square; got shape {D.shape}")
    if (D < 0).any() or not np.allclose(D, D.T):
        raise ValueError("D must hold symmetric, non-negative distances")
    dim = checks.integer(dim, "dim", lo=1, hi=n)
    J = np.eye(n) - 1.0 / n
    B = -0.5 * J @ (D ** 2) @ J
    vals, vecs = np.linalg.eigh(B)
    order = np.argsort(vals)[::-1][:dim]
    return vecs[:, order] * np.sqrt(np.maximum(vals[order], 0))


def train_poincare(tree: Tree, dim: int = 2, epochs: int = 200, negative: int = 10,
                   burn_in: int = 10, seed: int = 0, closure: bool = True):
    """Train gensim's ``PoincareModel`` on a tree's edges (or its transitive closure, as Nickel & Kiela do).

    Cached by tree, dimension and training options (through :func:`train_poincare_relations`).

    Parameters
    ----------
    tree : Tree
    dim, epochs, negative : int >= 1
        ``negative`` is capped at ``n - 2`` (gensim draws that many non-neighbours).
    burn_in : int >= 0
        Epochs at a reduced learning rate first.
    seed : int
    closure : bool
        Train on every (node, ancestor) pair rather than on the edges only.

    Returns
    -------
    ndarray, shape (n, dim), float64
        Points of the open unit ball, in the node order of ``tree``.
    """
    _check_tree(tree)
    if closure:
        rel = []
        for i in range(len(tree)):
            j = tree.parent[i]
            while j >= 0:
                rel.append((tree.nodes[i], tree.nodes[j]))
                j = tree.parent[j]
    else:
        rel = [(tree.nodes[i], tree.nodes[p]) for i, p in tree.edges()]
    if not rel:
        raise ValueError("the tree has no edges")
    return train_poincare_relations(rel, tree.nodes, dim=dim, epochs=epochs, negative=negative,
                                    burn_in=burn_in, seed=seed, progress=False)


def train_poincare_relations(pairs, nodes=None, dim: int = 2, epochs: int = 50, negative: int = 10,
                             burn_in: int = 10, seed: int = 0, batch_size: int = 10,
                             progress: bool = True):
    """Train gensim's ``PoincareModel`` on ``(child, ancestor)`` pairs, such as a WordNet closure.

    Nickel & Kiela's recipe: every pair is pulled together, ``negative`` sampled non-neighbours
    of the child pushed away, by Riemannian SGD in the Poincaré ball, after ``burn_in`` epochs at
    a tenth of the learning rate (gensim's defaults otherwise: learning rate 0.1, one thread).
    Cached by the pairs, the node order and every option.

    Parameters
    ----------
    pairs : sequence of (str, str)
        Relations; a node is any name that occurs in them.
    nodes : sequence of str, optional
        The order of the returned rows (default: sorted names); must be exactly the names in ``pairs``.
    dim, epochs, batch_size : int >= 1
    negative : int >= 1
        Capped at ``n - 2``.
    burn_in, seed : int >= 0
    progress : bool
        Show a progress bar over the epochs (one ``train`` call per epoch; gensim's learning rate
        is constant, so this trains as one call of ``epochs`` would).

    Returns
    -------
    ndarray, shape (n, dim), float64
        Points of the open unit ball, one row per node.
    """
    from gensim.models.poincare import PoincareModel
    from tqdm.auto import tqdm

    if isinstance(pairs, str) or not hasattr(pairs, "__len__"):
        raise ValueError("pairs must be a sequence of (child, ancestor) pairs")
    pairs = [tuple(p) for p in pairs]
    if not pairs or any(len(p) != 2 or p[0] == p[1] for p in pairs):
        raise ValueError("pairs must be non-empty (child, ancestor) pairs of distinct names")
    names = sorted({w for p in pairs for w in p})
    nodes = names if nodes is None else list(nodes)
    if sorted(nodes) != names:
        raise ValueError("nodes must hold exactly the names that occur in pairs, each once")
    for name, value, lo in (("dim", dim, 1), ("epochs", epochs, 1), ("negative", negative, 1),
                            ("burn_in", burn_in, 0), ("seed", seed, 0), ("batch_size", batch_size, 1)):
        checks.integer(value, name, lo=lo)
    negative = min(negative, len(nodes) - 2)
    params = {"pairs": sorted(pairs), "nodes": nodes, "dim": dim, "epochs": epochs, "negative": negative,
              "burn_in": burn_in, "seed": seed, "batch_size": batch_size, "v": 2}

    def compute():
        model = PoincareModel(pairs, size=dim, negative=negative, burn_in=burn_in, seed=seed)
        for _ in tqdm(range(epochs), desc=f"Poincaré {dim}-D", disable=not progress):
            model.train(epochs=1, batch_size=batch_size, print_every=10 ** 9)
        return np.stack([model.kv[w] for w in nodes]).astype(np.float64)

    return cache.cached_array("hyperbolic-poincare", params, compute)
