"""Trees: balanced trees, trees from a hypernym closure, all-pairs path lengths."""
from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

import numpy as np

from .. import checks

__all__ = ['Tree', 'balanced_tree', 'read_closure', 'tree_from_closure', 'tree_distances']


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
