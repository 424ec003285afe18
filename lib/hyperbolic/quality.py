"""How well an embedding keeps a tree or a closure: Sala et al.'s MAP of tree neighbours, Nickel & Kiela's
reconstruction rank and MAP of closure neighbours, distortion of distances."""
from __future__ import annotations


import numpy as np

from .. import checks
from .trees import Tree, _check_tree, tree_distances

__all__ = ['mean_average_precision', 'reconstruction', 'distortion']


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


def reconstruction(D_emb, pairs) -> tuple[float, float]:
    """Nickel & Kiela's reconstruction scores: mean rank and MAP of each node's closure neighbours.

    As in their evaluation code (facebookresearch/poincare-embeddings, ``hype/graph.py``,
    ``eval_reconstruction``): a node ``u`` that has neighbours (the rows ``(u, v)`` of ``pairs``,
    for a closure every ancestor ``v`` of ``u``, the relation taken in that direction only) ranks
    every other node by embedded distance. The *rank* of a neighbour ``v`` is one plus the number
    of non-neighbours of ``u`` ranked before it (other neighbours do not count; 1 is perfect);
    the mean is over all pairs. *MAP* is the mean over ``u`` of the average precision of that
    ranking with ``u``'s neighbours as positives (scikit-learn's ``average_precision_score``).
    Ties are counted against the gold answer: a non-neighbour at the same distance as ``v``
    counts as ranked before it (their code breaks ties by sort order).

    This is not :func:`mean_average_precision` (Sala et al.'s MAP over a tree's neighbours in both
    directions).

    Parameters
    ----------
    D_emb : array_like, shape (n, n)
        Embedded distances.
    pairs : array_like of int, shape (m, 2)
        ``(u, v)`` rows: ``v`` is a neighbour of ``u``; no self-pairs.

    Returns
    -------
    mean_rank : float >= 1
    map : float in (0, 1]

    Examples
    --------
    >>> D = np.array([[0, 1, 3], [1, 0, 2], [3, 2, 0.0]])
    >>> reconstruction(D, [[2, 1], [2, 0], [1, 0]])
    (1.0, 1.0)
    >>> reconstruction(D, [[2, 0]])        # node 1 lies nearer to node 2 than its neighbour 0
    (2.0, 0.5)
    """
    D = checks.as_matrix(D_emb, "D_emb", dtype=np.float64)
    n = D.shape[0]
    if D.shape != (n, n):
        raise ValueError(f"D_emb must be square; got shape {D.shape}")
    P = checks.ids(pairs, n, "pairs", ndim=2, unique=False)
    if P.shape[1] != 2 or len(P) == 0:
        raise ValueError(f"pairs must be a non-empty (m, 2) array of (u, v) rows; got shape {P.shape}")
    if np.any(P[:, 0] == P[:, 1]):
        raise ValueError("pairs holds a self-pair (u, u)")
    if np.isnan(D).any():
        raise ValueError("D_emb contains NaN")
    order = np.argsort(P[:, 0], kind="stable")
    P = P[order]
    starts = np.flatnonzero(np.r_[True, P[1:, 0] != P[:-1, 0]])
    ranks, aps = [], []
    for s, e in zip(starts, np.r_[starts[1:], len(P)]):
        u, nb = P[s, 0], np.unique(P[s:e, 1])
        d = np.delete(D[u], u)                     # every other node
        pos = np.zeros(n, dtype=bool)
        pos[nb] = True
        pos = np.delete(pos, u)
        dn, dp = np.sort(d[~pos]), d[pos]
        before_neg = np.searchsorted(dn, dp, side="right")          # non-neighbours at <= d(u, v)
        ranks.append(1 + before_neg)
        before_pos = np.searchsorted(np.sort(dp), dp, side="right")  # neighbours at <= d(u, v), v included
        aps.append(np.mean(before_pos / (before_pos + before_neg)))
    return float(np.concatenate(ranks).mean()), float(np.mean(aps))


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
