"""How well an embedding keeps a tree: mean average precision of graph neighbours, distortion of distances."""
from __future__ import annotations


import numpy as np

from .. import checks
from .trees import Tree, _check_tree, tree_distances

__all__ = ['mean_average_precision', 'distortion']


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
