"""Trees in Euclidean and hyperbolic space (Part IV, chapter on curved spaces).

* Trees: :func:`balanced_tree`, :func:`tree_from_closure` (a hypernym closure such as gensim's
  mammal file, reduced to a tree), :func:`tree_distances` (all-pairs path lengths).
* Hyperbolic geometry in the Poincaré ball: :func:`poincare_distance`, :func:`poincare_distances`.
* Embeddings: :func:`sala_embedding` (the combinatorial construction of Sarkar, as used by
  Sala et al. 2018, in the Poincaré disk), :func:`mds_embedding` (classical MDS, the best
  Euclidean embedding of a distance matrix in the least-squares sense), and
  :func:`train_poincare` (gensim's :class:`~gensim.models.poincare.PoincareModel`, cached).
* Quality: :func:`mean_average_precision` (graph neighbours ranked by embedded distance) and
  :func:`distortion` (mean relative error of distances, after the best global scale).

>>> tree = balanced_tree(2, 2)
>>> mean_average_precision(poincare_distances(sala_embedding(tree, tau=4.0)), tree)
1.0
"""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from . import cache, checks

__all__ = ["Tree", "balanced_tree", "read_closure", "tree_from_closure", "tree_distances", "poincare_distance",
           "poincare_distances", "sala_embedding", "mds_embedding", "train_poincare", "mean_average_precision",
           "distortion"]


# --------------------------------------------------------------------------- trees
@dataclass
class Tree:
    """A rooted tree. ``nodes[i]`` is a name, ``parent[i]`` the index of its parent (-1 for the root).

    Parameters
    ----------
    nodes : list of hashable
        Distinct node names.
    parent : array_like of int, shape (n,)
        Parent indices in ``0..n-1``, and ``-1`` for the one root; no cycles.
    info : dict
        Where the tree came from (see :func:`tree_from_closure`).

    Examples
    --------
    >>> Tree(["root", "a", "b"], [-1, 0, 0]).children()
    [[1, 2], [], []]
    """

    nodes: list
    parent: np.ndarray
    info: dict = field(default_factory=dict)

    def __post_init__(self):
        if isinstance(self.nodes, str) or not hasattr(self.nodes, "__len__"):
            raise ValueError(f"nodes must be a list of node names; got {type(self.nodes).__name__}")
        self.nodes = list(self.nodes)
        n = len(self.nodes)
        if n == 0:
            raise ValueError("a tree needs at least one node")
        if len(set(self.nodes)) != n:
            raise ValueError("nodes contains duplicate names")
        parent = np.asarray(self.parent)
        if parent.shape != (n,):
            raise ValueError(f"shape mismatch: {n} nodes but parent has shape {parent.shape}")
        self.parent = checks.ids(parent, n, "parent", ndim=1, allow_pad=True, unique=False)
        roots = np.nonzero(self.parent < 0)[0]
        if len(roots) != 1:
            raise ValueError(f"a tree has exactly one root; got {len(roots)}")
        # every node must reach the root (no cycles)
        for i in range(n):
            j, steps = i, 0
            while self.parent[j] >= 0:
                j = self.parent[j]
                steps += 1
                if steps > n:
                    raise ValueError(f"the parent array has a cycle through node {self.nodes[i]!r}")

    @property
    def root(self) -> int:
        """Index of the root node."""
        return int(np.nonzero(self.parent < 0)[0][0])

    def children(self) -> list[list[int]]:
        """``children()[i]``: the indices of node ``i``'s children, in index order."""
        ch = [[] for _ in self.nodes]
        for i, p in enumerate(self.parent):
            if p >= 0:
                ch[p].append(i)
        return ch

    def edges(self) -> list[tuple[int, int]]:
        """``(child, parent)`` index pairs, one per non-root node."""
        return [(i, int(p)) for i, p in enumerate(self.parent) if p >= 0]

    def depth(self) -> np.ndarray:
        """Edges from the root to each node, ndarray of int, shape (n,)."""
        d = np.zeros(len(self.nodes), dtype=int)
        for i in self._bfs_order():
            if self.parent[i] >= 0:
                d[i] = d[self.parent[i]] + 1
        return d

    def _bfs_order(self) -> list[int]:
        ch, order, q = self.children(), [], deque([self.root])
        while q:
            i = q.popleft()
            order.append(i)
            q.extend(ch[i])
        return order

    def __len__(self) -> int:
        return len(self.nodes)

    def __repr__(self) -> str:
        return f"Tree({len(self)} nodes, depth {self.depth().max()}, max degree {max(len(c) for c in self.children()) + 1})"


def balanced_tree(branching: int, height: int) -> Tree:
    """The complete tree where every internal node has ``branching`` children, ``height`` levels below the root.

    Parameters
    ----------
    branching : int >= 1
    height : int >= 0

    Returns
    -------
    Tree
        ``(branching ** (height + 1) - 1) / (branching - 1)`` nodes named ``n0, n1, ...`` in breadth-first order.

    Examples
    --------
    >>> balanced_tree(2, 2)
    Tree(7 nodes, depth 2, max degree 3)
    """
    branching = checks.integer(branching, "branching", lo=1)
    height = checks.integer(height, "height", lo=0)
    parent, level = [-1], [0]
    for h in range(height):
        new = []
        for p in level:
            for _ in range(branching):
                parent.append(p)
                new.append(len(parent) - 1)
        level = new
    return Tree([f"n{i}" for i in range(len(parent))], parent, {"kind": f"balanced b={branching} h={height}"})


def read_closure(path) -> list[tuple[str, str]]:
    """``(child, ancestor)`` pairs from a tab-separated hypernym file such as gensim's ``poincare_hypernyms_large.tsv``.

    Parameters
    ----------
    path : str or path-like
        Lines ``child<TAB>ancestor``; other lines and self-pairs are skipped.

    Returns
    -------
    list of (str, str)
    """
    pairs = []
    with open(path, encoding="utf8") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) == 2 and parts[0] != parts[1]:
                pairs.append((parts[0], parts[1]))
    if not pairs:
        raise ValueError(f"{path} holds no (child, ancestor) pairs")
    return pairs


def tree_from_closure(pairs, strict: bool = True, root: str | None = None) -> Tree:
    """Reduce a transitive closure of ``(child, ancestor)`` pairs to a tree.

    A node's parent is its ancestor with the most ancestors of its own (the closest one).
    WordNet allows several parents (a *broodmare* is a *mare* and a *horse*...). With
    ``strict=True`` such a node raises ``ValueError``; with ``strict=False`` it keeps the
    closest parent and the names of the nodes whose extra ancestors were dropped are listed
    in ``tree.info["multi_parent"]``.

    ``root``: when the pairs are only a sample of a closure, some nodes lack the pair that links
    them to the top of the hierarchy; a node with no ancestor is then attached to ``root``
    (listed in ``tree.info["attached_to_root"]``). Only correct if ``root`` really is an
    ancestor of every node (true for gensim's mammal sample and ``"mammal.n.01"``).

    Parameters
    ----------
    pairs : iterable of (child, ancestor)
    strict : bool
    root : str, optional

    Returns
    -------
    Tree
        Nodes sorted by their number of ancestors (the root first), then by name.

    Examples
    --------
    >>> t = tree_from_closure([("b", "a"), ("c", "b"), ("c", "a")])
    >>> t.nodes, t.parent.tolist()
    (['a', 'b', 'c'], [-1, 0, 1])
    """
    if isinstance(pairs, str):
        raise ValueError("pairs must be (child, ancestor) pairs, not a string")
    pairs = list(pairs)
    if not pairs:
        raise ValueError("no pairs given")
    bad = [i for i, pr in enumerate(pairs) if isinstance(pr, str) or not hasattr(pr, "__len__") or len(pr) != 2]
    if bad:
        raise ValueError(f"pairs[{bad[0]}] is not a (child, ancestor) pair: {pairs[bad[0]]!r}")
    anc: dict[str, set] = {}
    for c, a in pairs:
        anc.setdefault(c, set()).add(a)
        anc.setdefault(a, set())
    attached = []
    if root is not None:
        if root not in anc:
            raise KeyError(f"root {root!r} does not occur in the pairs")
        for w in anc:
            if w != root and root not in anc[w]:
                anc[w].add(root)
                attached.append(w)
        # a node's ancestors' ancestors are its ancestors too (close the sample)
        changed = True
        while changed:
            changed = False
            for w in anc:
                extra = set().union(*(anc[a] for a in anc[w])) - anc[w] if anc[w] else set()
                if extra:
                    anc[w] |= extra
                    changed = True
    names = sorted(anc, key=lambda w: (len(anc[w]), w))
    index = {w: i for i, w in enumerate(names)}
    parent, multi = [], []
    for w in names:
        if not anc[w]:
            parent.append(-1)
            continue
        p = max(anc[w], key=lambda a: (len(anc[a]), a))
        if anc[p] | {p} != anc[w]:
            if strict:
                raise ValueError(f"the ancestors of {w!r} are not a chain: not a tree's closure "
                                 "(pass strict=False to keep the closest parent)")
            multi.append(w)
        parent.append(index[p])
    roots = [w for w in names if not anc[w]]
    if len(roots) != 1:
        raise ValueError(f"the closure has {len(roots)} roots ({roots[:5]}); a tree has one")
    return Tree(names, parent, {"kind": "from closure", "multi_parent": multi,
                                "attached_to_root": sorted(attached)})


def tree_distances(tree: Tree) -> np.ndarray:
    """All-pairs path lengths (number of edges), by BFS from every node.

    Parameters
    ----------
    tree : Tree

    Returns
    -------
    ndarray of int32, shape (n, n)
        Symmetric, zero on the diagonal.

    Examples
    --------
    >>> tree_distances(Tree(["r", "a", "b"], [-1, 0, 0])).tolist()
    [[0, 1, 1], [1, 0, 2], [1, 2, 0]]
    """
    n = len(_check_tree(tree))
    adj = [[] for _ in range(n)]
    for i, p in tree.edges():
        adj[i].append(p)
        adj[p].append(i)
    D = np.full((n, n), -1, dtype=np.int32)
    for s in range(n):
        D[s, s] = 0
        q = deque([s])
        while q:
            u = q.popleft()
            for v in adj[u]:
                if D[s, v] < 0:
                    D[s, v] = D[s, u] + 1
                    q.append(v)
    return D


def _check_tree(tree) -> Tree:
    if not isinstance(tree, Tree):
        raise TypeError(f"tree must be a hyperbolic.Tree; got {type(tree).__name__}")
    return tree


# --------------------------------------------------------------------------- Poincaré ball
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


def _mobius_to_origin(z: complex, a: complex) -> complex:
    """The disk isometry that sends ``a`` to 0: ``(z - a) / (1 - conj(a) z)``."""
    return (z - a) / (1 - np.conj(a) * z)


def sala_embedding(tree: Tree, tau: float = 1.0) -> np.ndarray:
    """Sarkar's combinatorial embedding of a tree in the Poincaré disk, as in Sala et al. (2018).

    Every edge gets hyperbolic length ``tau``. The root sits at the origin with its children
    evenly spread on the circle of hyperbolic radius ``tau``; for any other node, an isometry
    moves it to the origin, its children are placed evenly on the circle of radius ``tau``
    in the angles left between them and the direction of its parent, and the isometry is
    undone. Larger ``tau`` gives lower distortion (distances approach ``tau`` times path
    lengths) at the cost of more bits of precision near the boundary.

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
    r = np.tanh(tau / 2)                           # Euclidean radius at hyperbolic distance tau from 0
    ch = tree.children()
    z = np.zeros(len(tree), dtype=complex)
    with np.errstate(invalid="ignore", divide="ignore"):    # overflow to the boundary is caught below
        _sarkar_place(tree, ch, z, r)
    out = np.stack([z.real, z.imag], 1)
    if not np.all(np.isfinite(out)) or np.any(np.linalg.norm(out, axis=1) >= 1):
        raise ValueError(f"tau={tau} is too large for float64: points reached the boundary")
    return out


def _sarkar_place(tree: Tree, ch, z: np.ndarray, r: float) -> None:
    for u in tree._bfs_order():
        kids = ch[u]
        if not kids:
            continue
        if tree.parent[u] < 0:
            base, deg = 0.0, len(kids)
            angles = base + 2 * np.pi * np.arange(deg) / deg
        else:
            p = _mobius_to_origin(z[tree.parent[u]], z[u])
            base, deg = np.angle(p), len(kids) + 1
            angles = base + 2 * np.pi * np.arange(1, deg) / deg
        for kid, th in zip(kids, angles):
            w = r * np.exp(1j * th)
            z[kid] = _mobius_to_origin(w, -z[u])    # inverse isometry: sends 0 back to z[u]


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

    Cached by tree, dimension and training options.

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
    from gensim.models.poincare import PoincareModel

    _check_tree(tree)
    for name, value, lo in (("dim", dim, 1), ("epochs", epochs, 1), ("negative", negative, 1),
                            ("burn_in", burn_in, 0), ("seed", seed, 0)):
        checks.integer(value, name, lo=lo)
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
    negative = min(negative, len(tree) - 2)
    params = {"nodes": list(tree.nodes), "parent": tree.parent.tolist(), "dim": dim, "epochs": epochs,
              "negative": negative, "burn_in": burn_in, "seed": seed, "closure": closure, "v": 1}

    def compute():
        model = PoincareModel(rel, size=dim, negative=negative, burn_in=burn_in, seed=seed)
        model.train(epochs=epochs, batch_size=10, print_every=10 ** 9)
        return np.stack([model.kv[w] for w in tree.nodes]).astype(np.float64)

    return cache.cached_array("hyperbolic-poincare", params, compute)


# --------------------------------------------------------------------------- quality
def mean_average_precision(D_emb, tree: Tree) -> float:
    """Sala et al.'s MAP: for node ``u`` and each tree neighbour ``v``, the precision of the ball
    around ``u`` that reaches ``v`` (share of tree neighbours among the nodes in it); averaged
    over ``v``, then over ``u``. 1 means every node's tree neighbours are its nearest nodes.

    Parameters
    ----------
    D_emb : array_like, shape (n, n)
        Embedded distances, node order of ``tree``.
    tree : Tree

    Returns
    -------
    float in (0, 1]

    Examples
    --------
    >>> star = Tree(["r", "a", "b"], [-1, 0, 0])
    >>> mean_average_precision(tree_distances(star), star)
    1.0
    """
    D = checks.as_matrix(D_emb, "D_emb", dtype=np.float64)
    n = len(_check_tree(tree))
    if D.shape != (n, n):
        raise ValueError(f"shape mismatch: the tree has {n} nodes but D_emb has shape {D.shape}")
    nbrs = [[] for _ in range(n)]
    for i, p in tree.edges():
        nbrs[i].append(p)
        nbrs[p].append(i)
    aps = []
    for u in range(n):
        if not nbrs[u]:
            continue
        d = D[u].copy()
        d[u] = np.inf
        # Sala et al.: R(u, v) = nodes no farther from u than v is; precision = |N(u) & R| / |R|
        nb = np.zeros(n, dtype=bool)
        nb[nbrs[u]] = True
        prec = [(nb & (d <= d[v])).sum() / (d <= d[v]).sum() for v in nbrs[u]]
        aps.append(np.mean(prec))
    if not aps:
        raise ValueError("the tree has no edges")
    return float(np.mean(aps))


def distortion(D_emb, D_graph, scale: float | None = None) -> float:
    """Average distortion ``mean_{u<v} |s d_emb(u,v) - d_G(u,v)| / d_G(u,v)``.

    ``s`` is ``scale`` if given, else the least-squares best scale of the ratios
    ``d_emb / d_G`` toward 1 (so a uniformly scaled copy of the tree has distortion 0).

    Parameters
    ----------
    D_emb, D_graph : array_like, shape (n, n)
        Embedded and graph distances; ``D_graph`` positive off the diagonal.
    scale : float > 0, optional

    Returns
    -------
    float >= 0

    Examples
    --------
    >>> G = np.array([[0.0, 1.0], [1.0, 0.0]])
    >>> distortion(3 * G, G), distortion(3 * G, G, scale=1.0)
    (0.0, 2.0)
    """
    if scale is not None:
        scale = checks.number(scale, "scale", lo=0, lo_open=True)
    E = checks.as_matrix(D_emb, "D_emb", dtype=np.float64)
    G = checks.as_matrix(D_graph, "D_graph", dtype=np.float64)
    if E.shape != G.shape or E.shape[0] != E.shape[1]:
        raise ValueError(f"shape mismatch: D_emb {E.shape} vs D_graph {G.shape} (both square and equal)")
    iu = np.triu_indices(len(E), 1)
    e, g = E[iu], G[iu]
    if np.any(g <= 0):
        raise ValueError("D_graph has a zero distance between distinct nodes")
    ratio = e / g
    s = (ratio.sum() / (ratio ** 2).sum()) if scale is None else scale
    return float(np.abs(s * ratio - 1).mean())
