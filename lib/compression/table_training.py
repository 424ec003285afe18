"""Training a compressed table on neighbour lists, at the memory of its least-squares fit.

:func:`train_table_on_neighbours` moves only the float parameters of a row-sharing or factored
:class:`lib.compression.CompressedTable` so that each word's nearest neighbours in the table
are those it had in the float table (:func:`neighbour_targets`, :func:`neighbour_loss`); the
row ids and bucket sizes stay, so the trained table has the fitted one's exact size.
"""
from __future__ import annotations

import numpy as np

from .. import cache, checks, search
from .tables import CompressedTable, layout_vectors, trainable_table

__all__ = ["neighbour_targets", "neighbour_loss", "train_table_on_neighbours"]


def neighbour_targets(E, anchors, candidates: int, k: int = 10, use_cache: bool = True) -> np.ndarray:
    """Each anchor word's ``k`` nearest rows of ``E`` (cosine) among the first ``candidates``, itself
    excluded: the targets of :func:`train_table_on_neighbours` (:func:`lib.search.neighbour_lists`, cached).

    Parameters
    ----------
    E : array_like, shape (n, d)
        The float table.
    anchors : array_like of int, shape (m,)
        Distinct row ids in ``0..n-1`` (an anchor need not be a candidate).
    candidates : int
        ``2 <= candidates <= n``.
    k : int
        ``1 <= k <= candidates - 1``.
    use_cache : bool

    Returns
    -------
    ndarray of int64, shape (m, k)
    """
    E = checks.as_matrix(E, "table")
    anchors = _ids(anchors, len(E), "anchors")
    candidates, k = _candidates(candidates, len(E), k)
    find = lambda: search.neighbour_lists(E, k, anchors, candidates)  # noqa: E731
    if not use_cache:
        return find()
    params = {"E": E, "anchors": anchors, "candidates": candidates, "k": k, "v": 1}
    return cache.cached_array("neighbour-targets", params, find)


def _ids(ids, n: int, name: str) -> np.ndarray:
    """A non-empty 1-D array of distinct row ids in ``0..n-1``."""
    ids = checks.ids(ids, n, name, ndim=1)
    if len(ids) == 0:
        raise ValueError(f"{name} is empty")
    return ids


def _candidates(candidates, n: int, k) -> tuple[int, int]:
    candidates = checks.integer(candidates, "candidates", 2, n)
    return candidates, checks.check_k(k, candidates - 1, "other candidate words")


def neighbour_loss(A, P, N, ignore, temperature: float = 0.05):
    """Listwise neighbour loss: each of an anchor's target neighbours should outscore all its
    negatives.

    With cosine scores ``s(a, x) / temperature``, target ``p`` of anchor ``a`` costs
    ``softplus(logsumexp_n s(a, n) - s(a, p))``, i.e. ``-log`` of the probability that ``p``
    wins a softmax against the negatives alone (not against the other targets); the mean
    over anchors and targets is returned. With every candidate word as a negative (the
    anchor and its targets ignored) it asks for the exact top-``k`` list.

    Parameters
    ----------
    A : torch.Tensor, shape (batch, d)
        The anchors' vectors.
    P : torch.Tensor, shape (batch, k, d)
        Each anchor's target neighbours' vectors.
    N : torch.Tensor, shape (n_negatives, d)
        Negative words' vectors, shared by the batch.
    ignore : torch.BoolTensor, shape (batch, n_negatives)
        True where a negative is in fact the anchor or one of its targets.
    temperature : float
        ``> 0``.

    Returns
    -------
    torch.Tensor, a scalar
    """
    import torch.nn.functional as F

    if A.ndim != 2 or P.ndim != 3 or N.ndim != 2 or not A.shape[1] == P.shape[2] == N.shape[1] \
            or len(P) != len(A) or tuple(ignore.shape) != (len(A), len(N)):
        raise ValueError(f"shape mismatch: anchors {tuple(A.shape)}, targets {tuple(P.shape)}, "
                         f"negatives {tuple(N.shape)}, ignore {tuple(ignore.shape)}")
    temperature = checks.number(temperature, "temperature", lo=0, lo_open=True)
    a, p, n = (F.normalize(x, dim=-1) for x in (A, P, N))
    pos = (a[:, None, :] * p).sum(-1) / temperature
    rest = (a @ n.T / temperature).masked_fill(ignore, float("-inf")).logsumexp(1, keepdim=True)
    return F.softplus(rest - pos).mean()


def _n_rows(table: CompressedTable) -> int:
    if table.layout == "rows":
        return len(table.arrays["rows"])
    return sum(len(U) for U in table.arrays["U"])


def _check_lists(ids, lists, n: int, candidates: int, name: str) -> tuple[np.ndarray, np.ndarray]:
    """Row ids of words and their ``(len(ids), k)`` neighbour lists among the candidates."""
    ids = _ids(ids, n, name)
    lists = np.asarray(lists)
    if lists.ndim != 2 or len(lists) != len(ids):
        raise ValueError(f"shape mismatch: the neighbour lists of {name} must have shape ({len(ids)}, k); "
                         f"got {lists.shape}")
    _candidates(candidates, n, lists.shape[1])
    return ids, checks.ids(lists, candidates, f"neighbour lists of {name}")


def _ignored(anchors, targets, negatives, candidates: int):
    """``(batch, n_negatives)`` bool: negative ``j`` is the anchor itself or one of its targets."""
    import torch

    slot = torch.full((candidates + 1,), len(negatives), dtype=torch.long)   # len(negatives): "not drawn"
    slot[negatives] = torch.arange(len(negatives))
    own = torch.cat([targets, anchors.clamp(max=candidates)[:, None]], 1)
    ignore = torch.zeros(len(anchors), len(negatives) + 1, dtype=torch.bool)
    return ignore.scatter_(1, slot[own], True)[:, :-1]


def _torch_recall(layout, tensors, ids, lists, candidates: int) -> float:
    """Recall of words ``ids``' neighbour lists on a table in torch (as :func:`lib.search.neighbour_overlap`)."""
    import torch
    import torch.nn.functional as F

    with torch.no_grad():
        V = F.normalize(layout_vectors(layout, tensors, torch.arange(max(candidates, int(ids.max()) + 1)),
                                        torch.cat), dim=1)
        S = V[ids] @ V[:candidates].T
        inside = (ids < candidates).nonzero().ravel()
        S[inside, ids[inside]] = float("-inf")                      # a word is not its own neighbour
        top = S.topk(lists.shape[1], dim=1).indices
        return float((top[:, :, None] == lists[:, None, :]).any(2).float().mean())


def train_table_on_neighbours(table: CompressedTable, anchors, targets, candidates: int,
                              validation: tuple | None = None, steps: int = 200, eval_every: int = 25,
                              batch_size: int = 256, n_negatives: int = 1024, lr: float = 0.05,
                              temperature: float = 0.05, seed: int = 0, use_cache: bool = True,
                              progress: bool = True) -> CompressedTable:
    """Train a compressed table's parameters on neighbour lists; same parameters, same bytes.

    Starts from the table's least-squares fit and minimises :func:`neighbour_loss` with Adam:
    each step takes ``batch_size`` anchors and ``n_negatives`` candidate words drawn without
    replacement (all of them when ``n_negatives >= candidates``), and computes only the
    vectors of the words involved. One torch thread and a fixed seed make it reproducible.
    Only the float parameters move: hashed or computed row ids and bucket sizes stay, so the
    trained table has exactly the fitted one's parameter count, dtype and ``nbytes``.

    Parameters
    ----------
    table : CompressedTable
        One with a ``layout`` (:func:`prune_vocabulary`, :func:`hashing_trick`,
        :func:`bloom_embeddings`, :func:`quotient_remainder`, :func:`low_rank`,
        :func:`mixed_dimensions`).
    anchors : array of int, shape (n_anchors,)
        Row ids of the training words.
    targets : array of int, shape (n_anchors, k)
        Their neighbours among the first ``candidates`` rows (:func:`neighbour_targets`).
    candidates : int
        Negatives are drawn from rows ``0 .. candidates - 1``.
    validation : (ids, lists), optional
        Validation words and their neighbour lists: every ``eval_every`` steps (and at step 0,
        the fit) their neighbour recall is measured, and the best checkpoint is returned
        (early stopping). Without it the last step is returned.
    steps, eval_every, batch_size, n_negatives : int
        At least 1.
    lr, temperature : float
        ``> 0``.
    seed : int
    use_cache : bool
        Store the result (:mod:`lib.cache`), keyed by the table's arrays, the lists and every setting.
    progress : bool
        Show a progress bar.

    Returns
    -------
    CompressedTable
        Named ``"<name> (trained)"``; ``params`` adds ``losses`` (every step), ``val_recall``
        (``[(step, recall), ...]``) and ``best_step``.
    """
    import torch
    from tqdm import tqdm

    if not isinstance(table, CompressedTable):
        raise TypeError(f"table must be a CompressedTable; got {type(table).__name__}")
    if table.layout is None:
        raise ValueError(f"{table.name!r} has no trainable layout (only row-sharing and factored tables train)")
    n = _n_rows(table)
    anchors, targets = _check_lists(anchors, targets, n, candidates, "anchors")
    val = None if validation is None else _check_lists(*validation, n, candidates, "validation words")
    steps, eval_every, batch_size, n_negatives = (checks.integer(v, name, lo=1) for name, v in (
        ("steps", steps), ("eval_every", eval_every), ("batch_size", batch_size), ("n_negatives", n_negatives)))
    lr = checks.number(lr, "lr", lo=0, lo_open=True)
    temperature = checks.number(temperature, "temperature", lo=0, lo_open=True)

    def fit():
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            torch.manual_seed(seed)
            rng = np.random.default_rng(seed)
            tensors = {key: [torch.tensor(a, requires_grad=True) for a in v] if isinstance(v, list)
                       else torch.tensor(v, requires_grad=v.dtype == np.float32) for key, v in table.arrays.items()}
            weights = [t for v in tensors.values() for t in (v if isinstance(v, list) else [v]) if t.requires_grad]
            opt = torch.optim.Adam(weights, lr=lr)
            val_t = None if val is None else tuple(torch.from_numpy(x) for x in val)
            batch, order, losses, history = min(batch_size, len(anchors)), np.empty(0, np.int64), [], []
            best = (-1.0, 0, _numpy_arrays(tensors))
            for step in tqdm(range(steps + 1), desc=f"training {table.name}", disable=not progress):
                if val_t is not None and (step % eval_every == 0 or step == steps):
                    history.append((step, _torch_recall(table.layout, tensors, *val_t, candidates)))
                    if history[-1][1] > best[0]:
                        best = (history[-1][1], step, _numpy_arrays(tensors))
                if step == steps:
                    break
                while len(order) < batch:
                    order = np.concatenate([order, rng.permutation(len(anchors))])
                pick, order = order[:batch], order[batch:]
                a, t = torch.from_numpy(anchors[pick]), torch.from_numpy(targets[pick])
                neg = torch.from_numpy(rng.choice(candidates, min(n_negatives, candidates), replace=False))
                words = torch.unique(torch.cat([a, t.ravel(), neg]))  # sorted: the rows this step needs
                V = layout_vectors(table.layout, tensors, words, torch.cat)
                pa, pt, pn = (torch.searchsorted(words, ids) for ids in (a, t, neg))
                loss = neighbour_loss(V[pa], V[pt], V[pn], _ignored(a, t, neg, candidates), temperature)
                opt.zero_grad()
                loss.backward()
                opt.step()
                losses.append(float(loss.detach()))
        finally:
            torch.set_num_threads(threads)
        arrays, best_step = (best[2], best[1]) if val_t is not None else (_numpy_arrays(tensors), steps)
        return {"arrays": arrays, "losses": losses, "val_recall": history, "best_step": best_step}

    if use_cache:
        key = {"layout": table.layout, "arrays": table.arrays, "anchors": anchors, "targets": targets,
               "candidates": candidates, "validation": val, "steps": steps, "every": eval_every,
               "bs": batch_size, "neg": n_negatives, "lr": lr, "t": temperature, "seed": seed, "v": 1}
        out = cache.cached_object("neighbour-table", key, fit)
    else:
        out = fit()
    trained = trainable_table(f"{table.name} (trained)", table.family, n, table.layout, out["arrays"],
                               {**table.params, **{k: out[k] for k in ("losses", "val_recall", "best_step")}})
    if trained.nbytes != table.nbytes:
        raise RuntimeError(f"training changed the table's size: {table.nbytes} -> {trained.nbytes} bytes")
    return trained


def _numpy_arrays(tensors: dict) -> dict:
    """A copy, as numpy arrays, of a table's torch tensors (lists stay lists)."""
    return {key: [t.detach().numpy().copy() for t in v] if isinstance(v, list) else v.detach().numpy().copy()
            for key, v in tensors.items()}
