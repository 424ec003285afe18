"""Linear algebra every part of the book shares: unit rows, PCA, whitening, all-but-the-top, Procrustes.

Each idea has one implementation here, so Part III's and Part IV's "all-but-the-top" are the same
method with the same numerics, and every projection has the same sign convention.

Fitted transforms follow scikit-learn: ``fit(X)`` returns the object, ``transform(X)`` applies it,
fitted attributes end in ``_``, and using an object before ``fit`` raises
:class:`lib.checks.NotFittedError`. The book's "fit on one half, apply to the other" reads

>>> import numpy as np
>>> X = np.random.default_rng(0).standard_normal((100, 8))
>>> AllButTheTop(2).fit(X[:50]).transform(X[50:]).shape
(50, 8)

Functions and classes
---------------------
unit            rows scaled to unit length, one zero-row policy, exact near float32's limits
random_pairs    random pairs of distinct rows (the sampler behind every mean-cosine estimate)
svd_flip        the sign convention of every projection (largest entry of each direction positive)
PCA             principal components, fitted once and applied at any number of dimensions
Whitening       PCA whitening (identity covariance), WhiteningBERT's post-processing
AllButTheTop    Mu & Viswanath's post-processing: remove the mean and the top directions
Procrustes      orthogonal Procrustes alignment (optionally with a scale), Schönemann 1966
"""
from __future__ import annotations

import numpy as np
from scipy.linalg import orthogonal_procrustes

from . import checks

__all__ = ["unit", "random_pairs", "svd_flip", "PCA", "Whitening", "AllButTheTop", "Procrustes"]


def unit(X, zero: str = "keep", eps: float = 1e-12, name: str = "X", dtype=None) -> np.ndarray:
    """Rows of ``X`` scaled to unit L2 norm.

    Norms are computed in float64 after dividing each row by its largest absolute entry, so rows
    near 1e20 (whose squares overflow float32) or 1e-25 (whose squares underflow) come out right.

    Parameters
    ----------
    X : array_like, shape (n, d) or (d,)
        A 1-D input is treated as one row and returned with shape ``(1, d)``.
    zero : {"keep", "raise"}
        What to do with an all-zero row: leave it zero (its cosine with anything is then 0), or
        raise, where a cosine of a zero vector would be meaningless.
    eps : float
        Floor of a scaled row's norm; only all-zero rows reach it.
    dtype : numpy dtype, optional
        Output dtype; default the input's float dtype (float32 for integer input).

    Returns
    -------
    ndarray, shape (n, d)

    Examples
    --------
    >>> unit([[3.0, 4.0], [0.0, 0.0]]).tolist()
    [[0.6, 0.8], [0.0, 0.0]]
    >>> unit([[0.0, 0.0]], zero="raise")
    Traceback (most recent call last):
    ...
    ValueError: X row 0 has zero length; its cosine is undefined
    """
    checks.choice(zero, "zero", ("keep", "raise"))
    checks.number(eps, "eps", lo=0, lo_open=True)
    in_dtype = getattr(np.asarray(X), "dtype", None)
    out = dtype or (in_dtype if in_dtype is not None and in_dtype.kind == "f" else np.float32)
    x = checks.as_matrix(X, name, dtype=np.float64)
    scale = np.abs(x).max(axis=1, keepdims=True)
    if zero == "raise" and (scale == 0).any():
        raise ValueError(f"{name} row {int(np.flatnonzero(scale == 0)[0])} has zero length; its cosine is undefined")
    scale[scale == 0] = 1.0
    scaled = x / scale
    return (scaled / np.maximum(np.linalg.norm(scaled, axis=1, keepdims=True), eps)).astype(out, copy=False)


def random_pairs(n: int, n_pairs: int, seed=0, groups=None) -> tuple[np.ndarray, np.ndarray]:
    """``n_pairs`` random pairs ``(i, j)`` of distinct rows out of ``n``, uniform over ordered pairs.

    Parameters
    ----------
    n : int
        Number of rows, at least 2.
    n_pairs : int
    seed : int or numpy Generator
    groups : array_like, shape (n,), optional
        When given, pairs within one group (the same word in two contexts, say) are dropped, so
        fewer than ``n_pairs`` may come back.

    Returns
    -------
    i, j : ndarray of int64, shape (m,), with ``m <= n_pairs`` and ``i != j``

    Examples
    --------
    >>> i, j = random_pairs(5, 1000, seed=0)
    >>> bool((i != j).all()), int(i.max()) <= 4
    (True, True)
    """
    n = checks.integer(n, "n", lo=2)
    n_pairs = checks.integer(n_pairs, "n_pairs", lo=1)
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    i = rng.integers(0, n, n_pairs)
    j = rng.integers(0, n - 1, n_pairs)
    j = j + (j >= i)                       # j != i, uniform over the other rows
    if groups is not None:
        g = np.asarray(groups)
        if g.shape != (n,):
            raise ValueError(f"shape mismatch: {n} rows but groups has shape {g.shape}")
        keep = g[i] != g[j]
        if not keep.any():
            raise ValueError("every drawn pair lies within one group; nothing to compare")
        i, j = i[keep], j[keep]
    return i, j


def svd_flip(V: np.ndarray) -> np.ndarray:
    """Directions (rows of ``V``) with signs chosen so that each one's largest-magnitude entry is positive.

    An SVD or eigen-decomposition fixes a direction only up to its sign, and which sign comes out
    depends on the CPU's linear-algebra kernels. Flipping to this convention (scikit-learn's
    ``svd_flip`` on the components) makes projections the same on every machine.

    Parameters
    ----------
    V : ndarray, shape (k, d)
        One direction per row.

    Returns
    -------
    ndarray, shape (k, d)
        ``V`` with some rows negated.

    Examples
    --------
    >>> svd_flip(np.array([[0.6, -0.8], [0.8, 0.6]])).tolist()
    [[-0.6, 0.8], [0.8, 0.6]]
    """
    V = np.asarray(V)
    signs = np.sign(V[np.arange(len(V)), np.abs(V).argmax(1)])
    signs[signs == 0] = 1
    return V * signs[:, None]


def _fit_rows(X, what: str) -> np.ndarray:
    """``X`` as a finite float64 matrix with at least two rows, to fit ``what`` on."""
    X = checks.as_matrix(X, "X", dtype=np.float64)
    if len(X) < 2:
        raise ValueError(f"{what} needs at least 2 rows; got {len(X)}")
    return X


def _principal_axes(Xc: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Top ``k`` singular values and directions (rows, sign-flipped) of centred ``Xc`` (float64)."""
    _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
    return s[:k], svd_flip(Vt[:k])


class PCA:
    """Principal component analysis, fitted once and applied at any number of dimensions.

    Parameters
    ----------
    n_components : int, optional
        Directions to keep; default ``min(n, d)``. ``transform`` can then use any leading
        ``d <= n_components`` of them (the projections nest).
    center : bool
        Remove the mean before finding the directions (``False``: the directions of the raw
        second moment, as an uncentred SVD).

    Attributes
    ----------
    mean_ : ndarray, shape (d,)
        Zero when ``center=False``.
    components_ : ndarray, shape (n_components, d)
        Unit directions, by decreasing variance, signs by :func:`svd_flip`.
    singular_values_ : ndarray, shape (n_components,)
    explained_variance_ratio_ : ndarray, shape (n_components,)
        Share of the total (all directions') variance on each kept direction.

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((50, 4)) * [4, 2, 1, 0.5]
    >>> pca = PCA().fit(X)
    >>> pca.transform(X, 2).shape, round(float(pca.explained_variance_ratio_[0]), 2)
    ((50, 2), 0.77)
    """

    def __init__(self, n_components: int | None = None, center: bool = True):
        self.n_components = n_components
        self.center = center

    def fit(self, X) -> "PCA":
        X = _fit_rows(X, "PCA")
        r = min(X.shape)
        k = r if self.n_components is None else checks.integer(self.n_components, "n_components", 1, r)
        self.mean_ = X.mean(0) if self.center else np.zeros(X.shape[1])
        Xc = X - self.mean_
        _, s, Vt = np.linalg.svd(Xc, full_matrices=False)
        total = float((s ** 2).sum())
        if total <= 1e-300:
            raise ValueError("X has zero variance (constant rows): there are no principal directions")
        self.singular_values_ = s[:k]
        self.components_ = svd_flip(Vt[:k])
        self.explained_variance_ratio_ = s[:k] ** 2 / total
        return self

    def transform(self, X, d: int | None = None, normalize: bool = False) -> np.ndarray:
        """Project ``X`` (shape ``(m, d_in)``) on the first ``d`` directions; shape ``(m, d)``, float32.

        ``normalize=True`` scales the projected rows to unit length (for cosine search).
        """
        checks.fitted(self, "components_")
        X = checks.as_matrix(X, "X", dtype=np.float64)
        checks.same_dim(X, self.components_, ("X", "the fitted PCA"))
        d = len(self.components_) if d is None else checks.integer(d, "d", 1, len(self.components_))
        Z = (X - self.mean_) @ self.components_[:d].T
        return unit(Z, dtype=np.float32) if normalize else Z.astype(np.float32)

    def fit_transform(self, X, d: int | None = None, normalize: bool = False) -> np.ndarray:
        return self.fit(X).transform(X, d, normalize)

    def __repr__(self) -> str:
        return f"PCA(n_components={self.n_components}, center={self.center})"


class Whitening:
    """PCA whitening: centre, rotate onto the principal axes, scale each to unit variance.

    The whitened vectors have identity covariance on the kept axes (the strongest isotropy a
    linear map can give); WhiteningBERT applies it to sentence vectors.

    Parameters
    ----------
    n_components : int, optional
        Axes to keep (the top ones); default all ``d``. Fewer axes also reduce the dimension.
    eps : float
        Added to each variance before the square root, so near-zero directions stay finite.

    Attributes
    ----------
    mean_ : ndarray, shape (d,)
    components_ : ndarray, shape (n_components, d)
    scale_ : ndarray, shape (n_components,)
        ``1 / sqrt(variance + eps)`` per axis (variance with ``n - 1`` in the denominator).

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((200, 3)) @ [[2, 1, 0], [0, 1, 0], [0, 0, 3]]
    >>> Z = Whitening().fit_transform(X)
    >>> np.allclose(np.cov(Z, rowvar=False), np.eye(3), atol=1e-5)
    True
    """

    def __init__(self, n_components: int | None = None, eps: float = 1e-8):
        self.n_components = n_components
        self.eps = eps

    def fit(self, X) -> "Whitening":
        X = _fit_rows(X, "whitening")
        d = X.shape[1]
        k = d if self.n_components is None else checks.integer(self.n_components, "n_components", 1, d)
        eps = checks.number(self.eps, "eps", lo=0)
        self.mean_ = X.mean(0)
        # eigen-decomposition of the d x d covariance: works with fewer rows than dimensions too
        vals, vecs = np.linalg.eigh(np.cov(X - self.mean_, rowvar=False).reshape(d, d))
        order = np.argsort(vals)[::-1][:k]
        var = np.clip(vals[order], 0, None)
        V = svd_flip(vecs[:, order].T)
        if eps == 0 and (var == 0).any():
            raise ValueError("a kept axis has zero variance; use eps > 0 or fewer n_components")
        self.components_ = V
        self.scale_ = 1.0 / np.sqrt(var + eps)
        return self

    def transform(self, X) -> np.ndarray:
        """Whitened rows, shape ``(m, n_components)``, float32."""
        checks.fitted(self, "components_")
        X = checks.as_matrix(X, "X", dtype=np.float64)
        checks.same_dim(X, self.components_, ("X", "the fitted whitening"))
        return (((X - self.mean_) @ self.components_.T) * self.scale_).astype(np.float32)

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def __repr__(self) -> str:
        return f"Whitening(n_components={self.n_components}, eps={self.eps})"


class AllButTheTop:
    """Mu & Viswanath's post-processing: subtract the mean, then the projection on the top directions.

    Parameters
    ----------
    n_components : int, optional
        How many top principal directions to remove; default ``max(1, round(d / 100))``, the
        paper's rule. ``0`` removes the mean only.

    Attributes
    ----------
    mean_ : ndarray, shape (d,)
    components_ : ndarray, shape (n_components_, d)
        The removed directions.
    n_components_ : int
        The number actually removed (the default resolved against ``d``).

    Examples
    --------
    >>> X = np.random.default_rng(0).standard_normal((100, 5)) + [5, 0, 0, 0, 0]
    >>> Y = AllButTheTop(1).fit_transform(X)
    >>> bool(np.abs(Y.mean(0)).max() < 1e-6)
    True
    """

    def __init__(self, n_components: int | None = None):
        self.n_components = n_components

    def fit(self, X) -> "AllButTheTop":
        X = _fit_rows(X, "all-but-the-top")
        d = X.shape[1]
        limit = min(min(X.shape) - 1, d - 1)
        D = max(1, round(d / 100)) if self.n_components is None else self.n_components
        D = checks.integer(D, "n_components", 0, limit)
        self.mean_ = X.mean(0)
        self.n_components_ = D
        self.components_ = _principal_axes(X - self.mean_, D)[1] if D else np.zeros((0, d))
        return self

    def transform(self, X) -> np.ndarray:
        """Post-processed rows, shape ``(m, d)``, float32."""
        checks.fitted(self, "components_")
        X = checks.as_matrix(X, "X", dtype=np.float64)
        checks.same_dim(X, self.components_, ("X", "the fitted all-but-the-top"))
        Y = X - self.mean_
        U = self.components_
        return (Y - (Y @ U.T) @ U).astype(np.float32)

    def fit_transform(self, X) -> np.ndarray:
        return self.fit(X).transform(X)

    def __repr__(self) -> str:
        return f"AllButTheTop(n_components={self.n_components})"


class Procrustes:
    """Orthogonal Procrustes: the rotation (and optionally a scale) that best takes ``X`` onto ``Y``.

    Solves ``min ||s X R - Y||_F`` over orthogonal ``R`` (and ``s > 0`` when ``scale=True``) with
    ``R = U V^T`` from the SVD ``X^T Y = U S V^T`` and ``s = trace(S) / ||X||_F^2``
    (Schönemann 1966); the rotation comes from :func:`scipy.linalg.orthogonal_procrustes`.

    Parameters
    ----------
    scale : bool
        Also fit one global scale factor.

    Attributes
    ----------
    rotation_ : ndarray, shape (d, d)
        Orthogonal ``R``.
    scale_ : float
        ``s`` (1.0 when ``scale=False``).
    error_ : float
        Relative residual on the fitted pairs, ``||s X R - Y||_F / ||Y||_F`` (0: equal up to rotation).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X = rng.standard_normal((30, 3))
    >>> Q, _ = np.linalg.qr(rng.standard_normal((3, 3)))
    >>> fit = Procrustes().fit(X, X @ Q)
    >>> bool(np.allclose(fit.rotation_, Q)), round(fit.error_, 6)
    (True, 0.0)
    """

    def __init__(self, scale: bool = False):
        self.scale = scale

    def fit(self, X, Y) -> "Procrustes":
        X = checks.as_matrix(X, "X", dtype=np.float64)
        Y = checks.as_matrix(Y, "Y", dtype=np.float64)
        if X.shape != Y.shape:
            raise ValueError(f"shape mismatch: X {X.shape} vs Y {Y.shape}; Procrustes needs paired rows of equal width")
        R, trace = orthogonal_procrustes(X, Y)
        norm_x = float((X ** 2).sum())
        if self.scale and norm_x == 0:
            raise ValueError("X is all zeros; no scale maps it onto Y")
        self.rotation_ = R
        self.scale_ = float(trace / norm_x) if self.scale else 1.0
        norm_y = float(np.linalg.norm(Y))
        residual = float(np.linalg.norm(self.scale_ * X @ R - Y))
        self.error_ = residual / norm_y if norm_y > 0 else residual
        return self

    def transform(self, X) -> np.ndarray:
        """``s X R``, shape ``(m, d)``, float64."""
        checks.fitted(self, "rotation_")
        X = checks.as_matrix(X, "X", dtype=np.float64)
        checks.same_dim(X, self.rotation_, ("X", "the fitted rotation"))
        return self.scale_ * X @ self.rotation_

    def __repr__(self) -> str:
        return f"Procrustes(scale={self.scale})"
