"""Fewer dimensions: truncation, and a linear Matryoshka head trained on frozen vectors.

PCA, the other way to fewer dimensions, is :class:`lib.linalg.PCA` (``transform(X, d,
normalize=True)`` gives unit rows for cosine search); the head starts from it.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .. import cache, checks
from ..linalg import PCA, unit

__all__ = ["truncate", "MatryoshkaHead", "matryoshka_loss"]


def truncate(X, d: int, normalize: bool = True) -> np.ndarray:
    """The first ``d`` coordinates of each row.

    Parameters
    ----------
    X : array_like, shape (n, d_in)
    d : int
        ``1 <= d <= d_in``.
    normalize : bool
        Scale the truncated rows to unit length (for cosine search).

    Returns
    -------
    ndarray of float32, shape (n, d)

    Examples
    --------
    >>> truncate([[3.0, 4.0, 12.0]], 2)
    array([[0.6, 0.8]], dtype=float32)
    """
    X = checks.as_matrix(X, "X")
    d = checks.integer(d, "d", 1, X.shape[1])
    out = X[:, :d]
    return unit(out) if normalize else out.copy()


def _dims(dims, width: int) -> tuple:
    if isinstance(dims, (str, bytes)) or not hasattr(dims, "__iter__"):
        raise ValueError(f"dims must be a sequence of integers; got {dims!r}")
    dims = tuple(sorted(checks.integer(d, "dims", 1, width) for d in dims))
    if not dims:
        raise ValueError("dims must not be empty")
    return dims


def matryoshka_loss(q, p, dims: Sequence[int], temperature: float = 0.05):
    """Nested InfoNCE: the mean over ``dims`` of the in-batch contrastive loss of the first ``d``
    coordinates (normalised) of queries ``q`` against their positives ``p``.

    Parameters
    ----------
    q, p : torch.Tensor, shape (batch, d_out)
        Row ``i`` of ``p`` is the positive of row ``i`` of ``q``, every other row a negative.
    dims : sequence of int
        Prefix sizes, each in ``1..d_out``.
    temperature : float
        ``> 0``.

    Returns
    -------
    torch.Tensor, a scalar
        The symmetric (query-to-positive and back) cross-entropy, averaged over ``dims``.
    """
    import torch
    import torch.nn.functional as F

    if q.shape != p.shape:
        raise ValueError(f"shape mismatch: queries {tuple(q.shape)} vs positives {tuple(p.shape)}")
    dims = _dims(dims, q.shape[1])
    temperature = checks.number(temperature, "temperature", lo=0, lo_open=True)
    target = torch.arange(len(q))
    total = 0.0
    for d in dims:
        a, b = F.normalize(q[:, :d], dim=1), F.normalize(p[:, :d], dim=1)
        logits = a @ b.T / temperature
        total = total + (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2
    return total / len(dims)


class MatryoshkaHead:
    """A linear map ``x -> (x - mean) @ W`` whose first ``d`` outputs are trained to work alone.

    ``fit`` starts ``W`` at the PCA rotation of the training vectors (so before training its
    prefixes are PCA's, :class:`lib.linalg.PCA`) and trains it with Adam and the nested InfoNCE
    loss (:func:`matryoshka_loss`) on ``(query, positive)`` pairs with in-batch negatives; the
    result is cached (:mod:`lib.cache`), keyed by the pairs and every setting.

    Parameters
    ----------
    dims : sequence of int
        Nested sizes; the largest is the head's output width.
    epochs, batch_size : int
        At least 1 (batch_size at least 2 is useful: a batch of one has no negatives).
    lr, temperature : float
        ``> 0``.
    weight_decay : float
        ``>= 0``.
    seed : int
    use_cache : bool

    Attributes
    ----------
    W_ : ndarray of float32, shape (d_in, max(dims))
    mean_ : ndarray of float32, shape (d_in,)
    dims_ : tuple of int
        The nested sizes, sorted.
    losses_ : list of float
        Training loss per epoch.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> Q = rng.standard_normal((64, 8)).astype(np.float32)
    >>> head = MatryoshkaHead(dims=(2, 8), epochs=2, batch_size=32, use_cache=False).fit(Q, Q)
    >>> head.transform(Q, 2).shape, len(head.losses_)
    ((64, 2), 2)
    """

    def __init__(self, dims: Sequence[int] = (16, 32, 64, 128, 256, 384), epochs: int = 40,
                 batch_size: int = 128, lr: float = 1e-3, temperature: float = 0.05,
                 weight_decay: float = 0.0, seed: int = 0, use_cache: bool = True):
        self.dims = dims
        self.epochs = checks.integer(epochs, "epochs", lo=1)
        self.batch_size = checks.integer(batch_size, "batch_size", lo=1)
        self.lr = checks.number(lr, "lr", lo=0, lo_open=True)
        self.temperature = checks.number(temperature, "temperature", lo=0, lo_open=True)
        self.weight_decay = checks.number(weight_decay, "weight_decay", lo=0)
        self.seed = seed
        self.use_cache = use_cache

    def fit(self, queries, positives) -> "MatryoshkaHead":
        """Train on pairs: ``queries`` and ``positives`` of shape ``(n_pairs, d_in)``, ``n_pairs >= 2``."""
        Q = checks.as_matrix(queries, "queries")
        P = checks.as_matrix(positives, "positives")
        if Q.shape != P.shape:
            raise ValueError(f"shape mismatch: queries {Q.shape} vs positives {P.shape}")
        dims = _dims(self.dims, Q.shape[1])
        if len(Q) < 2:
            raise ValueError("need at least 2 pairs (in-batch negatives)")
        train = lambda: _train(Q, P, dims, self.epochs, self.batch_size, self.lr,  # noqa: E731
                               self.temperature, self.weight_decay, self.seed)
        if self.use_cache:
            params = {"Q": Q, "P": P, "dims": dims, "epochs": self.epochs, "bs": self.batch_size, "lr": self.lr,
                      "t": self.temperature, "wd": self.weight_decay, "seed": self.seed, "v": 2}
            out = cache.cached_object("matryoshka-head", params, train)
        else:
            out = train()
        self.W_, self.mean_, self.losses_, self.dims_ = out["W"], out["mean"], out["losses"], dims
        return self

    def transform(self, X, d: int | None = None) -> np.ndarray:
        """Unit rows of the first ``d`` outputs (all by default): float32, shape ``(n, d)``."""
        checks.fitted(self, "W_")
        X = checks.as_matrix(X, "X")
        if X.shape[1] != self.W_.shape[0]:
            raise ValueError(f"dimension mismatch: head takes d={self.W_.shape[0]}, got d={X.shape[1]}")
        d = self.W_.shape[1] if d is None else checks.integer(d, "d", 1, self.W_.shape[1])
        return unit((X - self.mean_) @ self.W_[:, :d])

    def __repr__(self) -> str:
        return f"MatryoshkaHead(dims={tuple(self.dims)}, epochs={self.epochs}, lr={self.lr:g})"


def _train(Q, P, dims, epochs, batch_size, lr, temperature, weight_decay, seed) -> dict:
    """The head's training loop: ``{"W", "mean", "losses"}``."""
    import torch

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    pca = PCA(n_components=dims[-1]).fit(np.vstack([Q, P]))
    mean = pca.mean_.astype(np.float32)
    W = torch.tensor(pca.components_.T.astype(np.float32), requires_grad=True)
    opt = torch.optim.Adam([W], lr=lr, weight_decay=weight_decay)
    q_t, p_t = torch.tensor(Q - mean), torch.tensor(P - mean)
    losses = []
    for _ in range(epochs):
        order = rng.permutation(len(Q))
        total = 0.0
        for s in range(0, len(order), batch_size):
            idx = torch.tensor(order[s:s + batch_size])
            if len(idx) < 2:
                continue
            loss = matryoshka_loss(q_t[idx] @ W, p_t[idx] @ W, dims, temperature)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += float(loss.detach()) * len(idx)
        losses.append(total / len(order))
    return {"W": W.detach().numpy().copy(), "mean": mean, "losses": losses}
