"""Measuring the shape of an embedding space (Part IV of the book).

Every function takes plain arrays of shape ``(n, d)`` (one row per word or text) and
checks its input: NaN, empty arrays, shape mismatches and impossible ``k`` raise
``ValueError`` with a message that names the problem.

Isotropy
    :func:`mean_cosine`, :func:`partition_isotropy` (Mu & Viswanath), :func:`rogue_dimensions`
    (Timkey & van Schijndel), :func:`all_but_the_top`, :func:`whiten`.
Dimension and rank
    :func:`pca_spectrum`, :func:`effective_rank` (RankMe), :func:`twonn`, :func:`mle_dimension`,
    :func:`random_projection`, :func:`distance_ratios`, :func:`max_abs_cosine`.
Hubness
    :func:`k_occurrence`, :func:`skewness`, :func:`csls_scores`, :func:`csls_top_k`.
Structure and bias
    :func:`offset_consistency`, :func:`bias_direction`, :func:`direct_bias`, :func:`neutralize`,
    :func:`equalize`, :func:`hard_debias`, :func:`weat`.
Comparing spaces
    :func:`procrustes`, :func:`linear_cka`, :func:`relative_representation`,
    :func:`cross_space_neighbours`, :func:`translation_accuracy`, :func:`unsupervised_align`.

Trained word2vec models come from :func:`lib.static.train_word2vec` (cached, seeded).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from . import cache, checks

# --------------------------------------------------------------------------- helpers


def _mat(X, name="X", min_rows=1) -> np.ndarray:
    X = checks.as_matrix(X, name, dtype=np.float64)
    if X.shape[0] < min_rows:
        raise ValueError(f"{name} needs at least {min_rows} rows; got {X.shape[0]}")
    return X


def _unit(X: np.ndarray) -> np.ndarray:
    n = np.linalg.norm(X, axis=-1, keepdims=True)
    if np.any(n == 0):
        raise ValueError("a vector has zero length; cosine is undefined for it")
    return X / n


def _vec(v, name: str, d: int) -> np.ndarray:
    v = checks.as_matrix(v, name, ndim=1, dtype=np.float64)
    if v.shape[0] != d:
        raise ValueError(f"dimension mismatch: {name} has d={v.shape[0]} but the vectors have d={d}")
    n = np.linalg.norm(v)
    if n == 0:
        raise ValueError(f"{name} has zero length")
    return v / n


def _random_pairs(n: int, n_pairs: int, rng) -> tuple[np.ndarray, np.ndarray]:
    i = rng.integers(0, n, n_pairs)
    j = rng.integers(0, n - 1, n_pairs)
    j = j + (j >= i)              # j != i, uniform over the others
    return i, j


# --------------------------------------------------------------------------- isotropy


def mean_cosine(X, n_pairs: int = 20000, seed: int = 0) -> float:
    """Average cosine similarity of random pairs of distinct rows (0 for an isotropic cloud).

    Parameters
    ----------
    X : array_like, shape (n, d), n >= 2
    n_pairs : int
        Number of random pairs sampled (with replacement).
    """
    X = _mat(X, min_rows=2)
    if n_pairs < 1:
        raise ValueError(f"n_pairs must be at least 1; got {n_pairs}")
    U = _unit(X)
    i, j = _random_pairs(len(U), n_pairs, np.random.default_rng(seed))
    return float((U[i] * U[j]).sum(1).mean())


def partition_isotropy(X) -> float:
    """Mu & Viswanath's isotropy ``min_c Z(c) / max_c Z(c)`` with ``Z(c) = sum_w exp(c . w)``.

    ``c`` ranges over the eigenvectors of ``X^T X`` (unit vectors), as in the paper. The
    value is 1 for a perfectly isotropic set and near 0 when one direction dominates.

    Parameters
    ----------
    X : array_like, shape (n, d)
    """
    X = _mat(X)
    _, vecs = np.linalg.eigh(X.T @ X)
    logits = X @ vecs                                   # (n, d): c . w for each eigenvector c
    m = logits.max()
    logZ = m + np.log(np.exp(logits - m).sum(0))        # log Z(c), stable
    return float(np.exp(logZ.min() - logZ.max()))


def rogue_dimensions(X, n_pairs: int = 20000, seed: int = 0) -> np.ndarray:
    """Each coordinate's share of the expected cosine similarity (Timkey & van Schijndel, 2021).

    ``cos(u, v) = sum_i u_i v_i / (|u| |v|)``, so the mean cosine of random pairs splits into
    ``d`` terms ``CC_i = E[u_i v_i / (|u| |v|)]``. A "rogue" dimension is one whose term is a
    large share of the total.

    Returns
    -------
    ndarray, shape (d,)
        ``CC_i``; their sum is :func:`mean_cosine` for the same pairs.
    """
    X = _mat(X, min_rows=2)
    U = _unit(X)
    i, j = _random_pairs(len(U), n_pairs, np.random.default_rng(seed))
    return (U[i] * U[j]).mean(0)


def pca_spectrum(X, center: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """Singular values and principal directions of ``X`` (centred by default).

    Returns
    -------
    s : ndarray, shape (min(n, d),)
        Singular values, descending. ``s**2 / sum(s**2)`` is the explained-variance ratio.
    V : ndarray, shape (min(n, d), d)
        Principal directions, one per row.
    """
    X = _mat(X)
    if center:
        X = X - X.mean(0)
    _, s, Vt = np.linalg.svd(X, full_matrices=False)
    return s, Vt


def all_but_the_top(X, n_components: int | None = None) -> np.ndarray:
    """Mu & Viswanath's post-processing: remove the mean, then the top principal components.

    Parameters
    ----------
    X : array_like, shape (n, d)
    n_components : int, optional
        How many top directions to remove; default ``max(1, round(d / 100))`` as the paper suggests.

    Returns
    -------
    ndarray, shape (n, d), float32
    """
    X = _mat(X, min_rows=2)
    d = X.shape[1]
    D = max(1, round(d / 100)) if n_components is None else n_components
    if not isinstance(D, (int, np.integer)) or not 0 <= D < d:
        raise ValueError(f"n_components must be an integer in [0, {d - 1}]; got {n_components!r}")
    Xc = X - X.mean(0)
    if D:
        _, Vt = pca_spectrum(Xc, center=False)
        U = Vt[:D]
        Xc = Xc - (Xc @ U.T) @ U
    return Xc.astype(np.float32)


def whiten(X, n_components: int | None = None, eps: float = 1e-8) -> np.ndarray:
    """PCA whitening: centre, rotate to the principal axes, scale each to unit variance.

    The result has identity covariance (on the kept ``n_components`` axes), the strongest
    form of isotropy a linear map can give.

    Returns
    -------
    ndarray, shape (n, n_components or d), float32
    """
    X = _mat(X, min_rows=2)
    d = X.shape[1]
    k = d if n_components is None else n_components
    if not isinstance(k, (int, np.integer)) or not 1 <= k <= d:
        raise ValueError(f"n_components must be an integer in [1, {d}]; got {n_components!r}")
    mu = X.mean(0)
    cov = np.cov(X - mu, rowvar=False)
    vals, vecs = np.linalg.eigh(cov)
    order = np.argsort(vals)[::-1][:k]
    W = vecs[:, order] / np.sqrt(vals[order] + eps)
    return ((X - mu) @ W).astype(np.float32)


# --------------------------------------------------------------------------- dimension and rank


def effective_rank(X, center: bool = False, eps: float = 1e-12) -> float:
    """RankMe effective rank: ``exp(H(p))`` with ``p_i = s_i / sum(s)`` over singular values.

    Between 1 (one direction) and ``min(n, d)`` (all singular values equal).
    Garrido et al. (2023) compute it on the uncentred embedding matrix (``center=False``).
    """
    X = _mat(X)
    if center:
        X = X - X.mean(0)
    s = np.linalg.svd(X, compute_uv=False)
    if s.sum() <= 0:
        raise ValueError("X is all zeros; its rank is 0")
    p = s / s.sum() + eps
    return float(np.exp(-(p * np.log(p)).sum()))


def _knn_distances(X: np.ndarray, k: int) -> np.ndarray:
    """Euclidean distances to the k nearest other rows, ascending, shape (n, k)."""
    from sklearn.neighbors import NearestNeighbors

    nn = NearestNeighbors(n_neighbors=k + 1).fit(X)
    dist, _ = nn.kneighbors(X)
    return dist[:, 1:]


def twonn(X, discard_fraction: float = 0.1) -> float:
    """TwoNN intrinsic dimension (Facco et al., 2017).

    With ``mu = r2 / r1`` (ratio of the distances to the second and first neighbour),
    ``-log(1 - F(mu)) = d log(mu)``; ``d`` is the slope through the origin of that line,
    fitted after discarding the largest ``discard_fraction`` of the ``mu`` values.

    Raises
    ------
    ValueError
        On fewer than 3 points or duplicate points (``r1 = 0``).
    """
    X = _mat(X, min_rows=3)
    if not 0 <= discard_fraction < 1:
        raise ValueError(f"discard_fraction must be in [0, 1); got {discard_fraction}")
    r = _knn_distances(X, 2)
    if np.any(r[:, 0] <= 0):
        raise ValueError(f"X has {int((r[:, 0] <= 0).sum())} duplicate points; remove them first")
    mu = np.sort(r[:, 1] / r[:, 0])
    n = len(mu)
    F = np.arange(1, n + 1) / n
    keep = int(np.floor(n * (1 - discard_fraction)))
    keep = min(max(keep, 2), n - 1)                    # F = 1 at the last point: log(0)
    x, y = np.log(mu[:keep]), -np.log(1 - F[:keep])
    return float((x @ y) / (x @ x))


def mle_dimension(X, k: int = 20, local: bool = False):
    """Levina-Bickel maximum-likelihood intrinsic dimension from ``k`` nearest neighbours.

    Per point ``m_k(x) = [ (1/(k-1)) sum_{j<k} log(T_k / T_j) ]^{-1}``; the global estimate
    averages the inverses (MacKay & Ghahramani's correction) and inverts.

    Parameters
    ----------
    k : int
        Neighbours per point, ``2 <= k < n``.
    local : bool
        Return the per-point estimates (shape ``(n,)``) instead of one number.
    """
    X = _mat(X, min_rows=3)
    if not isinstance(k, (int, np.integer)) or k < 2:
        raise ValueError(f"k must be an integer >= 2; got {k!r}")
    checks.check_k(k, X.shape[0] - 1, "other points")
    T = _knn_distances(X, k)
    if np.any(T[:, 0] <= 0):
        raise ValueError(f"X has {int((T[:, 0] <= 0).sum())} duplicate points; remove them first")
    inv = np.log(T[:, -1:] / T[:, :-1]).sum(1) / (k - 1)   # 1 / m_k(x)
    if local:
        return 1.0 / inv
    return float(1.0 / inv.mean())


def random_projection(X, k: int, seed: int = 0) -> np.ndarray:
    """Project rows onto ``k`` Gaussian random directions scaled by ``1/sqrt(k)`` (Johnson-Lindenstrauss).

    Returns
    -------
    ndarray, shape (n, k)
    """
    X = _mat(X)
    if not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a positive integer; got {k!r}")
    R = np.random.default_rng(seed).standard_normal((X.shape[1], k)) / np.sqrt(k)
    return X @ R


def _pdist(X: np.ndarray) -> np.ndarray:
    from scipy.spatial.distance import pdist

    return pdist(X)


def distance_ratios(X, Y) -> np.ndarray:
    """``|y_i - y_j| / |x_i - x_j|`` for every pair ``i < j`` (how a map distorts distances).

    Raises
    ------
    ValueError
        If ``X`` and ``Y`` have different numbers of rows, or ``X`` has duplicate rows.
    """
    X, Y = _mat(X, "X", 2), _mat(Y, "Y", 2)
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"shape mismatch: X has {X.shape[0]} rows but Y has {Y.shape[0]}")
    dx, dy = _pdist(X), _pdist(Y)
    if np.any(dx == 0):
        raise ValueError("X has duplicate rows (a zero distance)")
    return dy / dx


def max_abs_cosine(n: int, d: int, seed: int = 0) -> float:
    """Largest ``|cos|`` among ``n`` random Gaussian directions in ``d`` dimensions."""
    if n < 2 or d < 1:
        raise ValueError(f"need n >= 2 and d >= 1; got n={n}, d={d}")
    U = _unit(np.random.default_rng(seed).standard_normal((n, d)))
    G = np.abs(U @ U.T)
    np.fill_diagonal(G, 0)
    return float(G.max())


# --------------------------------------------------------------------------- hubness


def _cos_knn(X: np.ndarray, Y: np.ndarray, k: int, same: bool):
    from .search import top_k

    return top_k(X, Y, k, metric="cosine", exclude_self=same)


def k_occurrence(X, k: int = 10) -> np.ndarray:
    """``N_k(x)``: how many rows have ``x`` among their ``k`` cosine nearest neighbours.

    Returns
    -------
    ndarray of int, shape (n,)
        Sums to ``n * k``; a skewed distribution (a few "hubs") is hubness.
    """
    X = _mat(X, min_rows=2)
    checks.check_k(k, X.shape[0] - 1, "other points")
    idx, _ = _cos_knn(X, X, k, same=True)
    return np.bincount(idx.ravel(), minlength=X.shape[0])


def skewness(values) -> float:
    """Sample skewness (third standardised moment) of a 1-D array."""
    v = np.asarray(values, dtype=float)
    if v.ndim != 1 or v.size < 3:
        raise ValueError(f"skewness needs a 1-D array of at least 3 values; got shape {v.shape}")
    s = v.std()
    if s == 0:
        return 0.0
    return float(((v - v.mean()) ** 3).mean() / s ** 3)


def csls_scores(Q, D, k: int = 10) -> np.ndarray:
    """Cross-domain similarity local scaling (Conneau et al., 2018).

    ``CSLS(q, x) = 2 cos(q, x) - r_D(q) - r_Q(x)``, where ``r_D(q)`` is the mean cosine of
    ``q`` to its ``k`` nearest rows of ``D`` and ``r_Q(x)`` that of ``x`` to its ``k`` nearest
    rows of ``Q``. Hubs (high ``r_Q``) are penalised.

    Returns
    -------
    ndarray, shape (n_Q, n_D)
    """
    Q, D = _mat(Q, "Q"), _mat(D, "D")
    checks.same_dim(Q, D, ("Q", "D"))
    checks.check_k(k, min(len(Q), len(D)), "rows")
    S = _unit(Q) @ _unit(D).T
    rq = -np.sort(-S, axis=1)[:, :k].mean(1)
    rd = -np.sort(-S, axis=0)[:k].mean(0)
    return 2 * S - rq[:, None] - rd[None, :]


def csls_top_k(X, k: int = 10, k_csls: int = 10) -> np.ndarray:
    """Nearest neighbours within one set by CSLS instead of cosine (self excluded).

    Returns
    -------
    ndarray of int, shape (n, k)
    """
    X = _mat(X, min_rows=2)
    checks.check_k(k, X.shape[0] - 1, "other points")
    checks.check_k(k_csls, X.shape[0] - 1, "other points")
    S = _unit(X) @ _unit(X).T
    np.fill_diagonal(S, -np.inf)
    r = -np.sort(-S, axis=1)[:, :k_csls].mean(1)
    C = 2 * S - r[:, None] - r[None, :]
    part = np.argpartition(-C, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(C, part, 1), axis=1, kind="stable")
    return np.take_along_axis(part, order, 1)


# --------------------------------------------------------------------------- structure


def offset_consistency(A, B) -> float:
    """Mean pairwise cosine between the offsets ``b_i - a_i`` of one relation.

    1 means every pair is an exact parallelogram edge; 0 means the offsets share no direction.
    """
    A, B = _mat(A, "A", 2), _mat(B, "B", 2)
    if A.shape != B.shape:
        raise ValueError(f"shape mismatch: A {A.shape} vs B {B.shape}")
    U = _unit(B - A)
    G = U @ U.T
    n = len(U)
    return float((G.sum() - n) / (n * (n - 1)))


def bias_direction(pairs_a, pairs_b, n_components: int = 1):
    """Bolukbasi et al.'s bias direction: top principal component of the centred definitional pairs.

    Each pair ``(a_i, b_i)`` (e.g. she/he) is centred on its own mean; the first principal
    component of the stacked centred vectors is the direction.

    Parameters
    ----------
    pairs_a, pairs_b : array_like, shape (n_pairs, d)
        Unit-normalised vectors of the two sides of each pair.

    Returns
    -------
    direction : ndarray, shape (d,)
        Unit vector, signed so that ``a`` minus ``b`` points along it on average.
    explained : ndarray, shape (n_components,)
        Explained-variance ratios of the leading components (the paper's figure 3 shows the
        first dominating).
    """
    A, B = _mat(pairs_a, "pairs_a"), _mat(pairs_b, "pairs_b")
    if A.shape != B.shape:
        raise ValueError(f"shape mismatch: pairs_a {A.shape} vs pairs_b {B.shape}")
    mid = (A + B) / 2
    C = np.vstack([A - mid, B - mid])
    _, s, Vt = np.linalg.svd(C, full_matrices=False)
    g = Vt[0]
    if ((A - B) @ g).mean() < 0:
        g = -g
    ratios = s ** 2 / (s ** 2).sum()
    return g, ratios[:n_components]


def direct_bias(X, direction, c: float = 1.0) -> float:
    """Bolukbasi's DirectBias: ``mean_w |cos(w, g)|^c`` over (gender-neutral) word vectors ``X``."""
    X = _mat(X)
    g = _vec(direction, "direction", X.shape[1])
    return float((np.abs(_unit(X) @ g) ** c).mean())


def neutralize(X, direction) -> np.ndarray:
    """Remove the component along ``direction`` and re-normalise each row (hard debiasing, step 1)."""
    X = _mat(X)
    g = _vec(direction, "direction", X.shape[1])
    Y = X - np.outer(X @ g, g)
    return _unit(Y).astype(np.float32)


def equalize(a, b, direction) -> tuple[np.ndarray, np.ndarray]:
    """Bolukbasi's equalize step for one pair of unit vectors (e.g. grandmother/grandfather).

    Both words end up equidistant from every neutralised word: they share the part ``nu``
    orthogonal to ``g`` and differ only, symmetrically, along ``g``.
    """
    a = checks.as_matrix(a, "a", ndim=1, dtype=np.float64)
    b = checks.as_matrix(b, "b", ndim=1, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: a {a.shape} vs b {b.shape}")
    g = _vec(direction, "direction", a.shape[0])
    a, b = a / np.linalg.norm(a), b / np.linalg.norm(b)
    mu = (a + b) / 2
    nu = mu - (mu @ g) * g
    scale = np.sqrt(max(1 - nu @ nu, 0.0))
    out = []
    for w in (a, b):
        wb = (w @ g) * g - (mu @ g) * g
        n = np.linalg.norm(wb)
        if n == 0:
            raise ValueError("the pair does not differ along the direction; cannot equalize")
        out.append(nu + scale * wb / n)
    return out[0].astype(np.float32), out[1].astype(np.float32)


def hard_debias(kv, direction, gender_specific, equalize_pairs):
    """Hard-debias a copy of a gensim ``KeyedVectors`` (unit-normalised first).

    Every word not in ``gender_specific`` is neutralised; each pair in ``equalize_pairs``
    (both words in the vocabulary) is equalised. Returns a new ``KeyedVectors``.
    """
    from .models import keyed_vectors

    W = _unit(_mat(kv.vectors, "kv.vectors"))
    g = _vec(direction, "direction", W.shape[1])
    keep = np.zeros(len(W), dtype=bool)
    for w in gender_specific:
        if w in kv.key_to_index:
            keep[kv.key_to_index[w]] = True
    out = W.copy()
    out[~keep] = neutralize(W[~keep], g)
    for a, b in equalize_pairs:
        checks.known_words([a, b], kv.key_to_index, "the embedding's vocabulary")
        ia, ib = kv.key_to_index[a], kv.key_to_index[b]
        out[ia], out[ib] = equalize(W[ia], W[ib], g)
    return keyed_vectors(list(kv.index_to_key), out.astype(np.float32))


@dataclass
class WeatResult:
    """Outcome of :func:`weat`: effect size (Cohen's d), one-sided permutation p-value, test statistic."""

    effect_size: float
    p_value: float
    statistic: float
    n_permutations: int
    null: np.ndarray = field(repr=False, default=None)

    def __str__(self) -> str:
        return f"WEAT d = {self.effect_size:.2f}, p = {self.p_value:.4f} ({self.n_permutations} permutations)"


def weat(X, Y, A, B, n_permutations: int = 10000, seed: int = 0) -> WeatResult:
    """Word Embedding Association Test (Caliskan et al., 2017).

    ``s(w, A, B) = mean cos(w, A) - mean cos(w, B)``; statistic ``sum_X s - sum_Y s``; effect size
    ``(mean_X s - mean_Y s) / std_{X u Y} s``; the p-value is the share of random equal-size
    re-partitions of ``X u Y`` whose statistic is at least the observed one (+1 smoothing).
    """
    X, Y, A, B = (_unit(_mat(M, name, 2)) for M, name in ((X, "X"), (Y, "Y"), (A, "A"), (B, "B")))
    d = X.shape[1]
    for M, name in ((Y, "Y"), (A, "A"), (B, "B")):
        if M.shape[1] != d:
            raise ValueError(f"dimension mismatch: X has d={d} but {name} has d={M.shape[1]}")
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be at least 1; got {n_permutations}")
    T = np.vstack([X, Y])
    s = (T @ A.T).mean(1) - (T @ B.T).mean(1)
    nx = len(X)
    stat = s[:nx].sum() - s[nx:].sum()
    effect = (s[:nx].mean() - s[nx:].mean()) / s.std(ddof=1)
    rng = np.random.default_rng(seed)
    total = s.sum()
    null = np.empty(n_permutations)
    for r in range(n_permutations):
        sx = s[rng.permutation(len(s))[:nx]].sum()
        null[r] = sx - (total - sx)
    p = (1 + (null >= stat - 1e-12).sum()) / (n_permutations + 1)
    return WeatResult(float(effect), float(p), float(stat), n_permutations, null)


# --------------------------------------------------------------------------- comparing spaces


def procrustes(X, Y) -> np.ndarray:
    """Orthogonal ``W`` minimising ``|X W - Y|_F`` (Schönemann): ``W = U V^T`` from ``svd(X^T Y)``.

    Returns
    -------
    ndarray, shape (d, d)
    """
    X, Y = _mat(X, "X"), _mat(Y, "Y")
    if X.shape != Y.shape:
        raise ValueError(f"shape mismatch: X {X.shape} vs Y {Y.shape}; Procrustes needs paired rows of equal width")
    U, _, Vt = np.linalg.svd(X.T @ Y)
    return U @ Vt


def linear_cka(X, Y) -> float:
    """Linear centred kernel alignment (Kornblith et al., 2019) between paired representations.

    ``|Y^T X|_F^2 / (|X^T X|_F |Y^T Y|_F)`` on centred columns; invariant to rotations and
    isotropic scaling, and the widths of ``X`` and ``Y`` may differ.
    """
    X, Y = _mat(X, "X", 2), _mat(Y, "Y", 2)
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

    Returns
    -------
    ndarray, shape (n, n_anchors)
    """
    X, A = _mat(X, "X"), _mat(anchors, "anchors")
    checks.same_dim(X, A, ("X", "anchors"))
    return (_unit(X) @ _unit(A).T).astype(np.float32)


def cross_space_neighbours(S, T, k: int = 10) -> dict:
    """Compare two spaces holding the same items in the same row order.

    For item ``i``, its vector in ``S`` is searched among all of ``T`` by cosine:

    * ``mrr``: mean reciprocal rank of item ``i`` itself;
    * ``jaccard``: mean Jaccard overlap between the top-``k`` of ``S_i`` in ``T`` and the
      top-``k`` of ``T_i`` in ``T``.

    Near 0 for unrelated coordinates; 1 for identical spaces.
    """
    S, T = _mat(S, "S", 2), _mat(T, "T", 2)
    if S.shape != T.shape:
        raise ValueError(f"shape mismatch: S {S.shape} vs T {T.shape}")
    n = len(S)
    checks.check_k(k, n, "items")
    sim = _unit(S) @ _unit(T).T
    own = sim[np.arange(n), np.arange(n)]
    rank = 1 + (sim > own[:, None]).sum(1)
    tt = _unit(T) @ _unit(T).T
    top_s = np.argpartition(-sim, k - 1, axis=1)[:, :k]
    top_t = np.argpartition(-tt, k - 1, axis=1)[:, :k]
    jac = [len(set(a) & set(b)) / len(set(a) | set(b)) for a, b in zip(top_s, top_t)]
    return {"mrr": float((1.0 / rank).mean()), "jaccard": float(np.mean(jac))}


def translation_accuracy(mapped, target, gold, k: int = 1, method: str = "nn", k_csls: int = 10) -> float:
    """Precision@k of word translation: is ``gold[i]`` among the ``k`` best rows of ``target`` for ``mapped[i]``?

    Parameters
    ----------
    mapped : array_like, shape (n, d)
        Source vectors already mapped into the target space.
    target : array_like, shape (m, d)
    gold : array_like of int, shape (n,)
        Row of ``target`` that is the right translation.
    method : {"nn", "csls"}
    """
    M, T = _mat(mapped, "mapped"), _mat(target, "target")
    checks.same_dim(M, T, ("mapped", "target"))
    gold = np.asarray(gold)
    if gold.shape != (len(M),):
        raise ValueError(f"shape mismatch: {len(M)} mapped rows but gold has shape {gold.shape}")
    if gold.min() < 0 or gold.max() >= len(T):
        raise ValueError(f"gold indices must lie in [0, {len(T)})")
    checks.check_k(k, len(T), "target rows")
    if method == "nn":
        S = _unit(M) @ _unit(T).T
    elif method == "csls":
        S = csls_scores(M, T, k_csls)
    else:
        raise ValueError(f"unknown method {method!r}; use 'nn' or 'csls'")
    top = np.argpartition(-S, k - 1, axis=1)[:, :k]
    return float((top == gold[:, None]).any(1).mean())


def _sorted_similarity_init(X: np.ndarray, Y: np.ndarray) -> np.ndarray:
    """VecMap's unsupervised start: rows of sqrt(similarity) sorted, so they no longer depend on coordinates."""
    def sig(M):
        U, s, Vt = np.linalg.svd(M, full_matrices=False)
        S = (U * s) @ U.T                       # sqrt of M M^T in the row space
        S = np.sort(S, axis=1)
        S = S - S.mean(1, keepdims=True)
        return _unit(S)
    return sig(X) @ sig(Y).T


def _normalize_space(X: np.ndarray) -> np.ndarray:
    X = _unit(X)
    X = X - X.mean(0)
    return _unit(X)


@dataclass
class Alignment:
    """Outcome of :func:`unsupervised_align`: map ``W`` (source -> target) and the induced dictionary."""

    W: np.ndarray
    pairs: np.ndarray = field(repr=False)
    history: list = field(default_factory=list)


def unsupervised_align(X, Y, n_iter: int = 20, k_csls: int = 10, keep_prob: float = 0.5,
                       seed: int = 0, show_progress: bool = False) -> Alignment:
    """Align two spaces with no seed dictionary (VecMap-style self-learning, Artetxe et al., 2018).

    1. Normalise (unit length, centre, unit length) both spaces.
    2. Start from the sorted-similarity signatures: a word's sorted similarities to all others
       do not depend on the coordinates, so equivalent words have similar signatures.
    3. Repeat: take mutual-best CSLS pairs as a dictionary (keeping each similarity entry with
       probability ``keep_prob`` early on, a stochastic dictionary that escapes poor optima),
       fit orthogonal Procrustes, re-map.

    Both spaces must have the same width (pad or reduce with PCA first).

    Returns
    -------
    Alignment
        ``W`` maps the *normalised* source into the normalised target: use :func:`normalize_for_alignment`.
    """
    from tqdm.auto import tqdm

    X, Y = _normalize_space(_mat(X, "X", 2)), _normalize_space(_mat(Y, "Y", 2))
    checks.same_dim(X, Y, ("X", "Y"))
    checks.check_k(k_csls, min(len(X), len(Y)), "rows")
    if not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob must be in (0, 1]; got {keep_prob}")
    rng = np.random.default_rng(seed)
    S = _sorted_similarity_init(X, Y)
    W = np.eye(X.shape[1])
    history = []
    for it in tqdm(range(n_iter + 1), desc="self-learning", disable=not show_progress):
        if it > 0:
            S = (X @ W) @ Y.T
        rx = -np.sort(-S, axis=1)[:, :k_csls].mean(1)
        ry = -np.sort(-S, axis=0)[:k_csls].mean(0)
        C = 2 * S - rx[:, None] - ry[None, :]
        p = keep_prob + (1 - keep_prob) * it / max(n_iter, 1)
        if p < 1:
            C = np.where(rng.random(C.shape) < p, C, -np.inf)
        fwd = C.argmax(1)
        bwd = C.argmax(0)
        src = np.arange(len(X))
        pairs = np.stack([np.r_[src, bwd], np.r_[fwd, np.arange(len(Y))]], 1)
        W = procrustes(X[pairs[:, 0]], Y[pairs[:, 1]])
        history.append(float((fwd[bwd] == np.arange(len(Y))).mean()))
    mutual = np.nonzero(bwd[fwd] == src)[0]
    return Alignment(W, np.stack([mutual, fwd[mutual]], 1), history)


def normalize_for_alignment(X) -> np.ndarray:
    """The normalisation :func:`unsupervised_align` applies (unit length, centre, unit length)."""
    return _normalize_space(_mat(X))


# --------------------------------------------------------------------------- training
