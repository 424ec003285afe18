"""vec2vec: translating between two embedding spaces without paired data (Jha et al., 2025).

Two encoders' vectors of *different* texts, ``X`` (space 1, width ``d1``) and ``Y`` (space 2,
width ``d2``), are enough to train the translators. The architecture is the paper's: input adapters
``A1: R^d1 -> R^Z`` and ``A2: R^d2 -> R^Z`` into a shared latent, a shared backbone ``T`` and output
adapters ``B1``, ``B2``; ``F1 = B2 . T . A1`` translates space 1 into space 2, ``F2 = B1 . T . A2``
the other way, and ``R1 = B1 . T . A1``, ``R2 = B2 . T . A2`` reconstruct. Every block is a small
MLP with a residual connection, layer normalisation and SiLU. The losses (weights in ``weights``):

``adv``
    the GAN loss of discriminators on the outputs (``D1`` tells real ``x`` from ``F2(y)``, ``D2``
    real ``y`` from ``F1(x)``);
``latent``
    the GAN loss of discriminators on the latents (``T A1 x`` against ``T A2 y``);
``rec``
    reconstruction, ``|R1(x) - x|^2 + |R2(y) - y|^2``;
``cc``
    cycle consistency, ``|F2(F1(x)) - x|^2 + |F1(F2(y)) - y|^2``;
``vsp``
    vector-space preservation: the dot products within a batch are kept by the translation,
    ``mean((x_i.x_j - F1(x_i).F1(x_j))^2)`` and the same for ``y``;
``anchor``
    not in the paper: ``|F1(x_a) - y_a|^2 + |F2(y_a) - x_a|^2`` over a few *known* pairs passed to
    :meth:`Vec2Vec.fit` (``pairs``), for the semi-supervised variant; 0 by default.

Inputs and outputs are unit vectors. :func:`translation_scores` gives the paper's three measures;
:func:`fit_cached` trains once and stores the fitted translator under :mod:`lib.cache`.
"""
from __future__ import annotations

import numpy as np

from .. import cache, checks, linalg

__all__ = ["DEFAULT_WEIGHTS", "Vec2Vec", "translation_scores", "fit_cached"]

#: The loss weights of :class:`Vec2Vec` (the paper's unsupervised configuration weighs ``cc`` and
#: ``vsp`` 10 and the GANs 1; ``rec`` and ``latent`` are ours to set).
DEFAULT_WEIGHTS = {"adv": 1.0, "latent": 1.0, "rec": 1.0, "cc": 10.0, "vsp": 10.0, "anchor": 0.0}
_SMOOTH = 0.9            # one-sided label smoothing of the discriminators' "real" targets (the repository's value)


def _torch():
    import torch   # imported here: torch is heavy and only this module's training needs it
    return torch


def _mlp(d_in: int, d_out: int, hidden: int, depth: int, residual: bool = True):
    """A block: Linear -> (SiLU, LayerNorm, Linear) x depth, plus a skip connection if ``residual``.

    Built from torch's own modules (a ``ModuleDict`` of ``net`` and ``skip``) so that a fitted
    translator pickles; ``_run`` applies it.
    """
    nn = _torch().nn
    layers = [nn.Linear(d_in, hidden)]
    for _ in range(depth - 1):
        layers += [nn.SiLU(), nn.LayerNorm(hidden), nn.Linear(hidden, hidden)]
    layers += [nn.SiLU(), nn.LayerNorm(hidden), nn.Linear(hidden, d_out)]
    parts = {"net": nn.Sequential(*layers)}
    if residual:
        parts["skip"] = nn.Identity() if d_in == d_out else nn.Linear(d_in, d_out, bias=False)
    return nn.ModuleDict(parts)


def _run(block, x):
    out = block["net"](x)
    return out + block["skip"](x) if "skip" in block else out


def _weights(weights) -> dict:
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(weights, dict):
        raise TypeError(f"weights must be a dict of loss weights; got {type(weights).__name__}")
    unknown = set(weights) - set(DEFAULT_WEIGHTS)
    if unknown:
        raise ValueError(f"weights has unknown losses {sorted(unknown)}; known: {sorted(DEFAULT_WEIGHTS)}")
    out = dict(DEFAULT_WEIGHTS)
    out.update({k: checks.number(v, f"weights[{k!r}]", lo=0) for k, v in weights.items()})
    return out


def _pairs(pairs, n_x: int, n_y: int):
    if pairs is None:
        return None
    P = np.asarray(pairs)
    if P.ndim != 2 or P.shape[1] != 2 or P.shape[0] < 1 or P.dtype.kind not in "iu":
        raise ValueError(f"pairs must be an integer array of shape (k, 2), k >= 1; got shape {P.shape}, "
                         f"dtype {P.dtype}")
    if P[:, 0].min() < 0 or P[:, 0].max() >= n_x or P[:, 1].min() < 0 or P[:, 1].max() >= n_y:
        raise ValueError(f"pairs index rows out of range: X has {n_x} rows and Y has {n_y}")
    return P.astype(np.int64)


class Vec2Vec:
    """Unpaired translation between two embedding spaces (vec2vec), trained with PyTorch on the CPU.

    Parameters
    ----------
    latent_dim : int
        Width ``Z`` of the shared latent, >= 2.
    hidden_dim : int
        Width of every block's hidden layers, >= 2.
    depth : int
        Hidden layers per block, >= 1.
    n_steps : int
        Training steps (one generator and one discriminator update each), >= 0; 0 leaves the
        randomly initialised translator (the untrained floor).
    batch_size : int
        Rows of ``X`` and of ``Y`` drawn (independently) per step, >= 2.
    lr : float
        Adam learning rate of the translators and of the discriminators, > 0.
    weights : dict, optional
        Loss weights, a subset of :data:`DEFAULT_WEIGHTS`'s keys; missing ones keep their default.
        ``{"adv": 0, "latent": 0}`` trains without the adversarial terms.
    seed : int
        Seeds the initialisation and the batches.
    show_progress : bool

    Attributes
    ----------
    history_ : dict of str -> ndarray of float, shape (n_steps,)
        Each loss (unweighted) per step: ``adv`` and ``latent`` (generator side), ``disc`` (the
        discriminators' loss), ``rec``, ``cc``, ``vsp`` and, with pairs, ``anchor``.
    d1_, d2_ : int
        The two spaces' widths.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((64, 6)), rng.standard_normal((64, 4))
    >>> v = Vec2Vec(latent_dim=8, hidden_dim=16, n_steps=5, batch_size=16).fit(X, Y)
    >>> v.transform(X[:3]).shape, v.inverse_transform(Y[:2]).shape, len(v.history_["cc"])
    ((3, 4), (2, 6), 5)
    """

    def __init__(self, latent_dim: int = 256, hidden_dim: int = 512, depth: int = 1, n_steps: int = 500,
                 batch_size: int = 64, lr: float = 1e-3, weights: dict | None = None, seed: int = 0,
                 show_progress: bool = False):
        self.latent_dim = latent_dim
        self.hidden_dim = hidden_dim
        self.depth = depth
        self.n_steps = n_steps
        self.batch_size = batch_size
        self.lr = lr
        self.weights = weights
        self.seed = seed
        self.show_progress = show_progress

    def get_params(self) -> dict:
        """The constructor's arguments (what defines a fit, with ``weights`` filled in), for cache keys."""
        return {"latent_dim": self.latent_dim, "hidden_dim": self.hidden_dim, "depth": self.depth,
                "n_steps": self.n_steps, "batch_size": self.batch_size, "lr": self.lr,
                "weights": _weights(self.weights), "seed": self.seed}

    def _check(self):
        z = checks.integer(self.latent_dim, "latent_dim", lo=2)
        h = checks.integer(self.hidden_dim, "hidden_dim", lo=2)
        depth = checks.integer(self.depth, "depth", lo=1)
        steps = checks.integer(self.n_steps, "n_steps", lo=0)
        bs = checks.integer(self.batch_size, "batch_size", lo=2)
        lr = checks.number(self.lr, "lr", lo=0, lo_open=True)
        seed = checks.integer(self.seed, "seed", lo=0)
        return z, h, depth, steps, bs, lr, _weights(self.weights), seed

    def fit(self, X, Y, pairs=None) -> "Vec2Vec":
        """Train on unpaired ``X`` (n1, d1) and ``Y`` (n2, d2); ``pairs`` (k, 2): known (row of X, row of Y).

        Rows are unit-normalised first (no zero rows). Returns ``self``.
        """
        z, h, depth, steps, bs, lr, w, seed = self._check()
        X = linalg.unit(checks.as_matrix(X, "X"))
        Y = linalg.unit(checks.as_matrix(Y, "Y"))
        if X.shape[0] < 2 or Y.shape[0] < 2:
            raise ValueError(f"need at least 2 rows in X and Y; got {X.shape[0]} and {Y.shape[0]}")
        P = _pairs(pairs, X.shape[0], Y.shape[0])
        if w["anchor"] > 0 and P is None:
            raise ValueError("weights['anchor'] > 0 needs pairs")
        torch = _torch()
        nn, F = torch.nn, torch.nn.functional
        torch.manual_seed(seed)
        d1, d2 = X.shape[1], Y.shape[1]
        self.A1_, self.A2_ = _mlp(d1, z, h, depth), _mlp(d2, z, h, depth)
        self.T_ = _mlp(z, z, h, depth)
        self.B1_, self.B2_ = _mlp(z, d1, h, depth), _mlp(z, d2, h, depth)
        disc = {name: _mlp(d, 1, h, depth, residual=False)
                for name, d in (("D1", d1), ("D2", d2), ("L1", z), ("L2", z))}
        gen_params = [p for m in (self.A1_, self.A2_, self.T_, self.B1_, self.B2_) for p in m.parameters()]
        opt_g = torch.optim.Adam(gen_params, lr=lr, betas=(0.5, 0.999))
        opt_d = torch.optim.Adam([p for m in disc.values() for p in m.parameters()], lr=lr, betas=(0.5, 0.999))
        Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
        rng = np.random.default_rng(seed)
        bce = nn.BCEWithLogitsLoss()
        keys = ["adv", "latent", "disc", "rec", "cc", "vsp"] + (["anchor"] if P is not None else [])
        hist = {k: np.zeros(steps) for k in keys}

        def gan_d(real, fake, D):       # the discriminator's loss: real -> 0.9, fake -> 0
            r, f = _run(D, real.detach()), _run(D, fake.detach())
            return bce(r, torch.full_like(r, _SMOOTH)) + bce(f, torch.zeros_like(f))

        def gan_g(fake, D):             # the generator's (non-saturating) loss: make D call the fake real
            f = _run(D, fake)
            return bce(f, torch.ones_like(f))

        bar = range(steps)
        if self.show_progress:
            from tqdm.auto import tqdm
            bar = tqdm(bar, desc="vec2vec", mininterval=1.0)
        for step in bar:
            x = Xt[rng.integers(0, X.shape[0], min(bs, X.shape[0]))]
            y = Yt[rng.integers(0, Y.shape[0], min(bs, Y.shape[0]))]
            lx, ly = _run(self.T_, _run(self.A1_, x)), _run(self.T_, _run(self.A2_, y))
            f1x, f2y = F.normalize(_run(self.B2_, lx), dim=1), F.normalize(_run(self.B1_, ly), dim=1)
            r1x, r2y = F.normalize(_run(self.B1_, lx), dim=1), F.normalize(_run(self.B2_, ly), dim=1)
            # generator losses
            loss = {"adv": gan_g(f1x, disc["D2"]) + gan_g(f2y, disc["D1"]),
                    "latent": gan_g(lx, disc["L2"]) + gan_g(ly, disc["L1"]),
                    "rec": ((r1x - x) ** 2).sum(1).mean() + ((r2y - y) ** 2).sum(1).mean(),
                    "cc": ((self._f2(f1x) - x) ** 2).sum(1).mean() + ((self._f1(f2y) - y) ** 2).sum(1).mean(),
                    "vsp": ((x @ x.T - f1x @ f1x.T) ** 2).mean() + ((y @ y.T - f2y @ f2y.T) ** 2).mean()}
            if P is not None:
                xa, ya = Xt[P[:, 0]], Yt[P[:, 1]]
                loss["anchor"] = (((self._f1(xa) - ya) ** 2).sum(1).mean()
                                  + ((self._f2(ya) - xa) ** 2).sum(1).mean())
            total = sum(w[k] * v for k, v in loss.items())
            opt_g.zero_grad()
            total.backward()
            opt_g.step()
            # discriminator losses (outputs: real vectors of each space against translations into it;
            # latents: each space's latents against the other's)
            d_loss = (gan_d(x, f2y, disc["D1"]) + gan_d(y, f1x, disc["D2"])
                      + gan_d(ly, lx, disc["L2"]) + gan_d(lx, ly, disc["L1"]))
            if w["adv"] > 0 or w["latent"] > 0:
                opt_d.zero_grad()
                d_loss.backward()
                opt_d.step()
            for k, v in loss.items():
                hist[k][step] = float(v.detach())
            hist["disc"][step] = float(d_loss.detach())
        self.history_ = hist
        self.d1_, self.d2_ = d1, d2
        for m in (self.A1_, self.A2_, self.T_, self.B1_, self.B2_):
            m.eval()
        return self

    def _f1(self, x):
        return _torch().nn.functional.normalize(_run(self.B2_, _run(self.T_, _run(self.A1_, x))), dim=1)

    def _f2(self, y):
        return _torch().nn.functional.normalize(_run(self.B1_, _run(self.T_, _run(self.A2_, y))), dim=1)

    def _apply(self, M, d, name, fn) -> np.ndarray:
        checks.fitted(self, "history_", "d1_", "d2_")
        M = checks.as_matrix(M, name)
        if M.shape[1] != d:
            raise ValueError(f"shape mismatch: {name} must have {d} columns; got {M.shape[1]}")
        torch = _torch()
        with torch.no_grad():
            return fn(torch.from_numpy(linalg.unit(M))).numpy().astype(np.float32)

    def transform(self, X) -> np.ndarray:
        """``F1``: space-1 rows (n, d1) into space 2; unit rows, shape (n, d2), float32."""
        return self._apply(X, getattr(self, "d1_", 0), "X", self._f1)

    def inverse_transform(self, Y) -> np.ndarray:
        """``F2``: space-2 rows (n, d2) into space 1; unit rows, shape (n, d1), float32."""
        return self._apply(Y, getattr(self, "d2_", 0), "Y", self._f2)

    def latent(self, M, space: int) -> np.ndarray:
        """The shared latent ``T(A_space(M))`` of rows of space 1 or 2: shape (n, latent_dim), float32."""
        space = checks.choice(space, "space", (1, 2))
        A = "A1_" if space == 1 else "A2_"
        d = getattr(self, "d1_" if space == 1 else "d2_", 0)
        return self._apply(M, d, "M", lambda t: _run(self.T_, _run(getattr(self, A), t)))

    def __repr__(self) -> str:
        return (f"Vec2Vec(latent_dim={self.latent_dim}, hidden_dim={self.hidden_dim}, depth={self.depth}, "
                f"n_steps={self.n_steps}, batch_size={self.batch_size}, lr={self.lr}, seed={self.seed})")


def translation_scores(mapped, target) -> dict:
    """vec2vec's measures when row i of ``mapped`` should land on row i of ``target``.

    Each mapped row is scored by cosine against every target row (all are candidates).

    Parameters
    ----------
    mapped, target : array_like, shape (n, d), no zero rows

    Returns
    -------
    dict
        ``"mean cosine to target"`` (mean of the matched cosines), ``"top-1"`` (share of rows whose
        true target scores highest; ties count against it) and ``"mean rank"`` (1 = first; chance
        is about (n + 1) / 2).

    Examples
    --------
    >>> translation_scores(np.eye(3), np.eye(3))
    {'mean cosine to target': 1.0, 'top-1': 1.0, 'mean rank': 1.0}
    """
    M, T = checks.as_matrix(mapped, "mapped", dtype=np.float64), checks.as_matrix(target, "target", dtype=np.float64)
    if M.shape != T.shape:
        raise ValueError(f"shape mismatch: mapped is {M.shape} but target is {T.shape}")
    M, T = linalg.unit(M), linalg.unit(T)
    S = M @ T.T
    true = np.diag(S)
    rank = 1 + (S > true[:, None]).sum(1) + ((S == true[:, None]).sum(1) - 1)   # ties against the true target
    return {"mean cosine to target": float(true.mean()), "top-1": float(np.mean(rank == 1)),
            "mean rank": float(rank.mean())}


def fit_cached(model: Vec2Vec, X, Y, pairs=None, namespace: str = "vec2vec", **identity) -> Vec2Vec:
    """``model.fit(X, Y, pairs)``, stored under :mod:`lib.cache` and read back on the next call.

    The key holds every hyperparameter (:meth:`Vec2Vec.get_params`, seed included), the contents of
    ``X``, ``Y`` and ``pairs``, and whatever ``identity`` names (the encoders' identities, the texts).

    Parameters
    ----------
    model : Vec2Vec
        Unfitted; its parameters define the fit.
    X, Y, pairs
        As in :meth:`Vec2Vec.fit`.
    namespace : str
    **identity
        JSON-able values added to the key, e.g. ``models=[...]``, ``texts=[...]``.

    Returns
    -------
    Vec2Vec
        Fitted (a stored copy when cached).
    """
    if not isinstance(model, Vec2Vec):
        raise TypeError(f"model must be a Vec2Vec; got {type(model).__name__}")
    X, Y = checks.as_matrix(X, "X"), checks.as_matrix(Y, "Y")
    key = {"params": model.get_params(), "X": X, "Y": Y,
           "pairs": None if pairs is None else np.asarray(pairs), "identity": identity}
    return cache.cached_object(namespace, key, lambda: model.fit(X, Y, pairs))
