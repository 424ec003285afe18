"""Comparing spaces: similarity of representations, relative coordinates, translation, alignment.

:func:`linear_cka`, :func:`relative_representation` (Moschella et al.),
:func:`cross_space_neighbours`, :func:`translation_accuracy`, :func:`normalize_for_alignment`
and :class:`UnsupervisedAlignment` (VecMap-style self-learning, Artetxe et al.). The supervised
map is :class:`lib.linalg.Procrustes` (re-exported by :mod:`lib.geometry`).
"""
from __future__ import annotations

import numpy as np

from .. import checks, linalg, search
from ._common import matrix, unit_rows
from .hubness import csls_scores

__all__ = ["linear_cka", "relative_representation", "cross_space_neighbours", "translation_accuracy",
           "normalize_for_alignment", "UnsupervisedAlignment"]


def linear_cka(X, Y) -> float:
    """Linear centred kernel alignment (Kornblith et al., 2019) between paired representations.

    ``|Y^T X|_F^2 / (|X^T X|_F |Y^T Y|_F)`` on centred columns; invariant to rotations and
    isotropic scaling, and the widths of ``X`` and ``Y`` may differ.

    Parameters
    ----------
    X, Y : array_like, shape (n, d_X) and (n, d_Y), n >= 2, neither constant

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((20, 3))
    >>> round(linear_cka(X, 2 * X[:, ::-1]), 6)
    1.0
    """
    X, Y = matrix(X, "X", 2), matrix(Y, "Y", 2)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"shape mismatch: X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    X, Y = X - X.mean(0), Y - Y.mean(0)
    num = np.linalg.norm(Y.T @ X) ** 2
    den = np.linalg.norm(X.T @ X) * np.linalg.norm(Y.T @ Y)
    if den == 0:
        raise ValueError("a representation is constant (zero variance); CKA is undefined")
    return float(num / den)


def relative_representation(X, anchors) -> np.ndarray:
    """Moschella et al.'s relative coordinates: cosine of each row to each anchor.

    Parameters
    ----------
    X : array_like, shape (n, d), no zero rows
    anchors : array_like, shape (n_anchors, d), no zero rows

    Returns
    -------
    ndarray of float32, shape (n, n_anchors)

    Examples
    --------
    >>> relative_representation([[1.0, 0], [0, 2]], [[1.0, 1]]).shape
    (2, 1)
    """
    X, A = matrix(X, "X"), matrix(anchors, "anchors")
    checks.same_dim(X, A, ("X", "anchors"))
    return (unit_rows(X) @ unit_rows(A, "anchors").T).astype(np.float32)


def _rank_of_gold(S: np.ndarray, gold: np.ndarray) -> np.ndarray:
    """Rank (1 = best) of column ``gold[i]`` in row ``i`` of ``S``; a tie counts against the gold column."""
    own = S[np.arange(len(S)), gold]
    return (S >= own[:, None]).sum(1)


def cross_space_neighbours(S, T, k: int = 10) -> dict:
    """Compare two spaces holding the same items in the same row order.

    For item ``i``, its vector in ``S`` is searched among all of ``T`` by cosine:

    * ``mrr``: mean reciprocal rank of item ``i`` itself (an item tied with it ranks ahead, so
      identical vectors do not score a perfect rank);
    * ``jaccard``: mean Jaccard overlap (:func:`lib.search.list_overlap`) between the top-``k``
      of ``S_i`` in ``T`` and the top-``k`` of ``T_i`` in ``T``.

    Near 0 for unrelated coordinates; 1 for identical spaces.

    Parameters
    ----------
    S, T : array_like, shape (n, d), n >= 2, no zero rows
    k : int, ``1 <= k <= n``

    Returns
    -------
    dict with float values ``"mrr"`` and ``"jaccard"``, both in [0, 1]

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((30, 4))
    >>> {m: round(v, 3) for m, v in cross_space_neighbours(X, X, 3).items()}
    {'mrr': 1.0, 'jaccard': 1.0}
    >>> cross_space_neighbours(np.ones((30, 4)), np.ones((30, 4)), 3)["mrr"] < 0.2   # all tied
    True
    """
    S, T = matrix(S, "S", 2), matrix(T, "T", 2)
    if S.shape != T.shape:
        raise ValueError(f"shape mismatch: S {S.shape} vs T {T.shape}")
    n = len(S)
    k = checks.check_k(k, n, "items")
    rank = _rank_of_gold(unit_rows(S, "S") @ unit_rows(T, "T").T, np.arange(n))
    top_s, _ = search.top_k(S, T, k)
    top_t, _ = search.top_k(T, T, k)
    return {"mrr": float((1.0 / rank).mean()), "jaccard": search.list_overlap(top_s, top_t, kind="jaccard")}


def translation_accuracy(mapped, target, gold, k: int = 1, method: str = "nn", k_csls: int = 10) -> float:
    """Precision@k of word translation: is ``gold[i]`` among the ``k`` best rows of ``target`` for ``mapped[i]``?

    A target row that scores exactly as high as the gold row ranks ahead of it, so ties never
    help (all-zero or identical vectors score 0, not 1).

    Parameters
    ----------
    mapped : array_like, shape (n, d)
        Source vectors already mapped into the target space.
    target : array_like, shape (m, d)
    gold : array_like of int, shape (n,)
        Row of ``target`` that is the right translation (integers in ``0..m-1``).
    k : int, ``1 <= k <= m``
    method : {"nn", "csls"}
        Rank by cosine, or by :func:`csls_scores` with ``k_csls`` neighbours.

    Returns
    -------
    float in [0, 1]

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((10, 3))
    >>> translation_accuracy(X, X, np.arange(10))
    1.0
    """
    M, T = matrix(mapped, "mapped"), matrix(target, "target")
    checks.same_dim(M, T, ("mapped", "target"))
    if np.shape(gold) != (len(M),):
        raise ValueError(f"shape mismatch: {len(M)} mapped rows but gold has shape {np.shape(gold)}")
    gold = checks.ids(gold, len(T), "gold", ndim=1, unique=False)
    k = checks.check_k(k, len(T), "target rows")
    checks.choice(method, "method", ("nn", "csls"))
    S = unit_rows(M, "mapped") @ unit_rows(T, "target").T if method == "nn" else csls_scores(M, T, k_csls)
    return float((_rank_of_gold(S, gold) <= k).mean())


def _normalize_space(X: np.ndarray, mean: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Unit length, centre (on ``mean`` of the unit rows, default their own), unit length."""
    U = unit_rows(X)
    mean = U.mean(0) if mean is None else mean
    return unit_rows(U - mean, "X (unit rows, centred)"), mean


def normalize_for_alignment(X) -> np.ndarray:
    """The normalisation :class:`UnsupervisedAlignment` applies: unit length, centre, unit length.

    Parameters
    ----------
    X : array_like, shape (n, d), no zero rows

    Returns
    -------
    ndarray of float64, shape (n, d)

    Examples
    --------
    >>> Z = normalize_for_alignment(np.random.default_rng(0).standard_normal((5, 3)) + 4)
    >>> np.allclose(np.linalg.norm(Z, axis=1), 1)
    True
    """
    return _normalize_space(matrix(X))[0]


def _sorted_similarity_init(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """VecMap's unsupervised start: rows of sqrt(similarity) sorted, so they no longer depend on coordinates."""
    def sig(M):
        U, s, _ = np.linalg.svd(M, full_matrices=False)
        S = np.sort((U * s) @ U.T, axis=1)       # sqrt of M M^T in the row space, each row sorted
        return unit_rows(S - S.mean(1, keepdims=True), "signature")
    return sig(X) @ sig(Y).T


class UnsupervisedAlignment:
    """Align two spaces with no seed dictionary (VecMap-style self-learning, Artetxe et al., 2018).

    1. Normalise both spaces (:func:`normalize_for_alignment`).
    2. Start from the sorted-similarity signatures: a word's sorted similarities to all others
       do not depend on the coordinates, so equivalent words have similar signatures.
    3. Repeat: take mutual-best CSLS pairs as a dictionary (keeping each similarity entry with
       probability ``keep_prob`` early on, a stochastic dictionary that escapes poor optima),
       fit orthogonal Procrustes (:class:`lib.linalg.Procrustes`), re-map.

    Both spaces must have the same width (pad or reduce with PCA first).

    Parameters
    ----------
    n_iter : int, at least 0
        Self-learning rounds after the initial dictionary.
    k_csls : int
        Neighbours of the CSLS correction.
    keep_prob : float in (0, 1]
        Share of similarity entries kept in the first round (rising to 1 in the last).
    seed : int
    show_progress : bool

    Attributes
    ----------
    rotation_ : ndarray, shape (d, d)
        Orthogonal map from the normalised source into the normalised target.
    source_mean_ : ndarray, shape (d,)
        Mean of the source's unit rows, the centre :meth:`transform` uses.
    pairs_ : ndarray of int, shape (m, 2)
        The induced dictionary: mutual best (source row, target row) pairs of the last round.
    history_ : list of float
        Per round, the share of target rows whose best source row maps back to them.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((200, 5)) * [3, 2, 1, 0.6, 0.3]
    >>> Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    >>> al = UnsupervisedAlignment(n_iter=5).fit(X, X @ Q)
    >>> translation_accuracy(al.transform(X), normalize_for_alignment(X @ Q), np.arange(200)) > 0.9
    True
    """

    def __init__(self, n_iter: int = 20, k_csls: int = 10, keep_prob: float = 0.5, seed: int = 0,
                 show_progress: bool = False):
        self.n_iter = n_iter
        self.k_csls = k_csls
        self.keep_prob = keep_prob
        self.seed = seed
        self.show_progress = show_progress

    def fit(self, X, Y) -> "UnsupervisedAlignment":
        """Learn the map from ``X`` (shape ``(n_X, d)``) to ``Y`` (shape ``(n_Y, d)``); returns ``self``."""
        from tqdm.auto import tqdm

        X, Y = matrix(X, "X", 2), matrix(Y, "Y", 2)
        checks.same_dim(X, Y, ("X", "Y"))
        n_iter = checks.integer(self.n_iter, "n_iter", lo=0)
        k_csls = checks.check_k(self.k_csls, min(len(X), len(Y)), "rows")
        keep_prob = checks.number(self.keep_prob, "keep_prob", lo=0, hi=1, lo_open=True)
        (X, mean), (Y, _) = _normalize_space(X), _normalize_space(Y)
        rng = np.random.default_rng(self.seed)
        S = _sorted_similarity_init(X, Y)
        W = np.eye(X.shape[1])
        history = []
        src, tgt = np.arange(len(X)), np.arange(len(Y))
        for it in tqdm(range(n_iter + 1), desc="self-learning", disable=not self.show_progress):
            if it > 0:
                S = (X @ W) @ Y.T
            rx = -np.sort(-S, axis=1)[:, :k_csls].mean(1)
            ry = -np.sort(-S, axis=0)[:k_csls].mean(0)
            C = 2 * S - rx[:, None] - ry[None, :]
            p = keep_prob + (1 - keep_prob) * it / max(n_iter, 1)
            if p < 1:
                C = np.where(rng.random(C.shape) < p, C, -np.inf)
            fwd, bwd = C.argmax(1), C.argmax(0)
            pairs = np.stack([np.r_[src, bwd], np.r_[fwd, tgt]], 1)
            W = linalg.Procrustes().fit(X[pairs[:, 0]], Y[pairs[:, 1]]).rotation_
            history.append(float((fwd[bwd] == tgt).mean()))
        mutual = np.nonzero(bwd[fwd] == src)[0]
        self.rotation_, self.source_mean_ = W, mean
        self.pairs_, self.history_ = np.stack([mutual, fwd[mutual]], 1), history
        return self

    def transform(self, X) -> np.ndarray:
        """Source rows (shape ``(m, d)``) normalised as in ``fit`` and mapped; float64, shape ``(m, d)``."""
        checks.fitted(self, "rotation_")
        X = matrix(X)
        checks.same_dim(X, self.rotation_, ("X", "the fitted alignment"))
        return _normalize_space(X, self.source_mean_)[0] @ self.rotation_

    def __repr__(self) -> str:
        return (f"UnsupervisedAlignment(n_iter={self.n_iter}, k_csls={self.k_csls}, "
                f"keep_prob={self.keep_prob}, seed={self.seed})")
