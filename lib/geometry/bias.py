"""Structure and bias: parallel offsets, Bolukbasi et al.'s bias direction and hard debiasing, WEAT.

:func:`offset_consistency`, :func:`bias_direction`, :func:`direct_bias`, :func:`neutralize`,
:func:`equalize`, :func:`hard_debias`, :func:`weat` (with :class:`WeatResult`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import checks, linalg, models
from ._common import direction as _direction
from ._common import matrix, unit_rows

__all__ = ["offset_consistency", "bias_direction", "direct_bias", "neutralize", "equalize", "hard_debias",
           "WeatResult", "weat"]


def offset_consistency(A, B) -> float:
    """Mean pairwise cosine between the offsets ``b_i - a_i`` of one relation.

    1 means every pair is an exact parallelogram edge; 0 means the offsets share no direction.

    Parameters
    ----------
    A, B : array_like, shape (n, d), n >= 2
        The two words of each pair; no pair may have ``a_i = b_i``.

    Returns
    -------
    float in [-1, 1]

    Examples
    --------
    >>> offset_consistency([[0.0, 0], [1, 1]], [[1.0, 0], [2, 1]])
    1.0
    """
    A, B = matrix(A, "A", 2), matrix(B, "B", 2)
    if A.shape != B.shape:
        raise ValueError(f"shape mismatch: A {A.shape} vs B {B.shape}")
    U = unit_rows(B - A, "B - A")
    G = U @ U.T
    n = len(U)
    return float((G.sum() - n) / (n * (n - 1)))


def bias_direction(pairs_a, pairs_b, n_components: int = 1):
    """Bolukbasi et al.'s bias direction: top principal component of the centred definitional pairs.

    Each pair ``(a_i, b_i)`` (e.g. she/he) is centred on its own mean; the first principal
    component of the stacked centred vectors (:class:`lib.linalg.PCA`, uncentred, since each
    pair is centred already) is the direction.

    Parameters
    ----------
    pairs_a, pairs_b : array_like, shape (n_pairs, d)
        Unit-normalised vectors of the two sides of each pair.
    n_components : int
        How many explained-variance ratios to return, ``1 <= n_components <= min(2 n_pairs, d)``.

    Returns
    -------
    direction : ndarray, shape (d,)
        Unit vector, signed so that ``a`` minus ``b`` points along it on average.
    explained : ndarray, shape (n_components,)
        Explained-variance ratios of the leading components (the paper's figure 3 shows the
        first dominating).

    Examples
    --------
    >>> g, ratios = bias_direction([[1.0, 0.1], [0.9, -0.1]], [[-1.0, 0.1], [-0.9, -0.1]])
    >>> g.round(3).tolist(), bool(ratios[0] > 0.9)
    ([1.0, 0.0], True)
    """
    A, B = matrix(pairs_a, "pairs_a"), matrix(pairs_b, "pairs_b")
    if A.shape != B.shape:
        raise ValueError(f"shape mismatch: pairs_a {A.shape} vs pairs_b {B.shape}")
    mid = (A + B) / 2
    pca = linalg.PCA(n_components, center=False).fit(np.vstack([A - mid, B - mid]))
    g = pca.components_[0]
    if ((A - B) @ g).mean() < 0:
        g = -g
    return g, pca.explained_variance_ratio_


def direct_bias(X, direction, c: float = 1.0) -> float:
    """Bolukbasi's DirectBias: ``mean_w |cos(w, g)|^c`` over (gender-neutral) word vectors ``X``.

    Parameters
    ----------
    X : array_like, shape (n, d), no zero rows
    direction : array_like, shape (d,), not zero
    c : float, > 0
        Strictness.

    Returns
    -------
    float in [0, 1]
    """
    X = matrix(X)
    g = _direction(direction, "direction", X.shape[1])
    c = checks.number(c, "c", lo=0, lo_open=True)
    return float((np.abs(unit_rows(X) @ g) ** c).mean())


def neutralize(X, direction) -> np.ndarray:
    """Remove the component along ``direction`` and re-normalise each row (hard debiasing, step 1).

    Parameters
    ----------
    X : array_like, shape (n, d)
    direction : array_like, shape (d,), not zero

    Returns
    -------
    ndarray of float32, shape (n, d)
        Unit rows orthogonal to ``direction``.

    Examples
    --------
    >>> neutralize([[1.0, 1.0]], [1.0, 0.0]).tolist()
    [[0.0, 1.0]]
    """
    X = matrix(X)
    g = _direction(direction, "direction", X.shape[1])
    Y = X - np.outer(X @ g, g)
    return unit_rows(Y, "X minus its projection on direction").astype(np.float32)


def equalize(a, b, direction) -> tuple[np.ndarray, np.ndarray]:
    """Bolukbasi's equalize step for one pair of unit vectors (e.g. grandmother/grandfather).

    Both words end up equidistant from every neutralised word: they share the part ``nu``
    orthogonal to ``g`` and differ only, symmetrically, along ``g``.

    Parameters
    ----------
    a, b : array_like, shape (d,)
    direction : array_like, shape (d,)

    Returns
    -------
    a_eq, b_eq : ndarray of float32, shape (d,)
        Unit vectors.
    """
    a = checks.as_matrix(a, "a", ndim=1, dtype=np.float64)
    b = checks.as_matrix(b, "b", ndim=1, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shape mismatch: a {a.shape} vs b {b.shape}")
    g = _direction(direction, "direction", a.shape[0])
    a, b = unit_rows(a, "a")[0], unit_rows(b, "b")[0]
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
    (both words in the vocabulary) is equalised.

    Parameters
    ----------
    kv : KeyedVectors-like
    direction : array_like, shape (d,)
    gender_specific : iterable of str
        Words left as they are (unknown words are ignored).
    equalize_pairs : iterable of (str, str)

    Returns
    -------
    KeyedVectors
        A new table, float32, the same words in the same order.
    """
    if not (hasattr(kv, "key_to_index") and hasattr(kv, "vectors")):
        raise TypeError(f"kv must be KeyedVectors-like (key_to_index, vectors); got {type(kv).__name__}")
    W = unit_rows(matrix(kv.vectors, "kv.vectors"), "kv.vectors")
    g = _direction(direction, "direction", W.shape[1])
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
    return models.keyed_vectors(list(kv.index_to_key), out.astype(np.float32))


@dataclass
class WeatResult:
    """Outcome of :func:`weat`.

    Parameters
    ----------
    effect_size : float
        Cohen's d of the association scores.
    p_value : float
        One-sided permutation p-value.
    statistic : float
    n_permutations : int
    null : ndarray of float64, shape (n_permutations,)
        The statistic of each re-partition.
    """

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

    Parameters
    ----------
    X, Y : array_like, shape (n_X, d) and (n_Y, d), at least 2 rows each
        The two target sets (e.g. career and family words).
    A, B : array_like, shape (n_A, d) and (n_B, d), at least 2 rows each
        The two attribute sets (e.g. male and female names).
    n_permutations : int, at least 1
    seed : int

    Returns
    -------
    WeatResult
    """
    X, Y, A, B = (unit_rows(matrix(M, name, 2), name) for M, name in ((X, "X"), (Y, "Y"), (A, "A"), (B, "B")))
    for M, name in ((Y, "Y"), (A, "A"), (B, "B")):
        checks.same_dim(X, M, ("X", name))
    n_permutations = checks.integer(n_permutations, "n_permutations", lo=1)
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
