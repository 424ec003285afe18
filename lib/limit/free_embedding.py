"""The theoretical limit of single-vector retrieval (Part V, chapter 2; Weller et al. 2025).

With ``n`` documents and queries that each want exactly two of them, inner-product search in
``d`` dimensions can return only some of the ``C(n, 2)`` top-2 sets. The pieces:

* :func:`top2_subsets_reachable` counts, by brute force, which top-2 sets random query
  directions reach over given document vectors;
* :func:`all_pairs_qrels` is the relevance matrix of every top-2 subset;
* :func:`free_embedding_fit` optimises free query and document vectors on it (no encoder);
* :func:`critical_n` searches the largest ``n`` that a fit still solves in ``d`` dimensions,
  and :func:`free_embedding_sweep` runs it over dimensions, reading the committed results
  (``data/part5_free_embedding_sweep.json``) and writing recomputations only where told;
* :func:`paper_critical_n` is the paper's cubic fit of the critical ``n``.

``tools/critical_n.py`` runs :func:`critical_n` for one dimension from the command line (to
recompute the sweep on a faster machine).
"""
from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from . import cache, checks

__all__ = ["top2_subsets_reachable", "all_pairs_qrels", "FitResult", "free_embedding_fit", "critical_n",
           "PAPER_FIT", "paper_critical_n", "SWEEP_FILE", "sweep_cache_file", "free_embedding_sweep"]

REPO_ROOT = Path(__file__).resolve().parent.parent


def top2_subsets_reachable(docs, n_directions: int = 20000, seed: int = 0) -> set:
    """The top-2 sets that inner-product search over ``docs`` returns for random query directions.

    A brute-force count for small examples: the queries are ``n_directions`` standard normal
    vectors (random directions); each contributes the sorted pair of its two best documents.

    Parameters
    ----------
    docs : array_like, shape (n, d)
        Document vectors, ``n >= 2``.
    n_directions : int
        Random queries to try.
    seed : int

    Returns
    -------
    set of tuple of (int, int)
        The distinct top-2 sets found, each as ``(i, j)`` with ``i < j``.

    Examples
    --------
    >>> square = [[1, 0], [0, 1], [-1, 0], [0, -1]]
    >>> sorted(top2_subsets_reachable(square, 2000))     # neighbours on the circle only
    [(0, 1), (0, 3), (1, 2), (2, 3)]
    """
    D = checks.as_matrix(docs, "docs", dtype=np.float64)
    if D.shape[0] < 2:
        raise ValueError(f"need at least 2 documents; got {D.shape[0]}")
    n_directions = checks.integer(n_directions, "n_directions", lo=1)
    rng = np.random.default_rng(seed)
    Q = rng.standard_normal((n_directions, D.shape[1]))
    top = np.argsort(-(Q @ D.T), axis=1)[:, :2]
    return {tuple(sorted(map(int, r))) for r in top}


def all_pairs_qrels(n: int) -> np.ndarray:
    """The relevance matrix of all ``C(n, 2)`` top-2 subsets of ``n`` documents.

    Parameters
    ----------
    n : int
        Documents, at least 3.

    Returns
    -------
    ndarray of bool, shape (C(n, 2), n)
        Row ``i`` marks the two documents of the ``i``-th pair of ``itertools.combinations``.

    Examples
    --------
    >>> all_pairs_qrels(3).astype(int).tolist()
    [[1, 1, 0], [1, 0, 1], [0, 1, 1]]
    """
    n = checks.integer(n, "n", lo=3)
    pairs = np.array(list(itertools.combinations(range(n), 2)))
    R = np.zeros((len(pairs), n), dtype=bool)
    R[np.arange(len(pairs))[:, None], pairs] = True
    return R


@dataclass
class FitResult:
    """Outcome of :func:`free_embedding_fit`.

    Attributes
    ----------
    n, d : int
        Documents and dimensions.
    accuracy : float
        Best fraction of queries whose top-2 is exactly their relevant pair.
    steps : int
        Adam steps run.
    solved : bool
        ``accuracy == 1``.
    """

    n: int
    d: int
    accuracy: float
    steps: int
    solved: bool


def free_embedding_fit(n: int, d: int, k: int = 2, lr: float = 0.01, temperature: float = 0.1,
                       max_steps: int = 20000, patience: int = 1000, seed: int = 0,
                       device: str = "cpu", eval_every: int = 10) -> FitResult:
    """Optimise free query and document vectors on the relevance matrix of all ``k=2`` subsets.

    The "free embedding" experiment of Weller et al. (2025): there is no encoder, the
    ``C(n, 2)`` query vectors and ``n`` document vectors are parameters; full-batch
    InfoNCE over all documents (each query's relevant documents are the positives,
    ``temperature``), Adam, vectors renormalised to unit length after each step. Training
    stops at 100% accuracy, after ``patience`` steps without a better accuracy, or at
    ``max_steps``; accuracy is measured every ``eval_every`` steps.

    Parameters
    ----------
    n : int
        Documents (at least 3); the queries are their ``C(n, 2)`` pairs (:func:`all_pairs_qrels`).
    d : int
        Dimensions, at least 1.
    k : int
        Relevant documents per query; only 2 is implemented.
    lr, temperature : float
        Adam's learning rate and the softmax temperature, both > 0.
    max_steps, patience, eval_every : int
        Step budget, early-stopping patience (in steps) and evaluation interval, all >= 1.
    seed : int
        Seed of the initial vectors.
    device : str
        A torch device (``"cpu"``, ``"cuda"``).

    Returns
    -------
    FitResult
    """
    import torch

    if k != 2:
        raise ValueError(f"only k=2 (all pairs) is implemented; got k={k!r}")
    n = checks.integer(n, "n", lo=3)
    d = checks.integer(d, "d", lo=1)
    lr = checks.number(lr, "lr", lo=0, lo_open=True)
    temperature = checks.number(temperature, "temperature", lo=0, lo_open=True)
    max_steps = checks.integer(max_steps, "max_steps", lo=1)
    patience = checks.integer(patience, "patience", lo=1)
    eval_every = checks.integer(eval_every, "eval_every", lo=1)
    seed = checks.integer(seed, "seed", lo=0)
    R = torch.as_tensor(all_pairs_qrels(n), device=device)
    g = torch.Generator(device="cpu").manual_seed(seed)
    Q = torch.nn.Parameter(torch.nn.functional.normalize(torch.randn(R.shape[0], d, generator=g), dim=1).to(device))
    D = torch.nn.Parameter(torch.nn.functional.normalize(torch.randn(n, d, generator=g), dim=1).to(device))
    opt = torch.optim.Adam([Q, D], lr=lr)
    best, since, step = -1.0, 0, 0
    Rf = R.float()
    for step in range(1, max_steps + 1):
        S = Q @ D.T / temperature
        logZ = torch.logsumexp(S, dim=1)
        loss = (logZ[:, None] - S)[R].mean()    # -log softmax of each positive
        opt.zero_grad()
        loss.backward()
        opt.step()
        with torch.no_grad():
            Q.data = torch.nn.functional.normalize(Q.data, dim=1)
            D.data = torch.nn.functional.normalize(D.data, dim=1)
        if step % eval_every and step != max_steps:
            continue
        with torch.no_grad():
            top = (Q @ D.T).topk(k, dim=1).indices
            acc = float(Rf.gather(1, top).sum(1).eq(k).float().mean())
        if acc > best:
            best, since = acc, 0
        else:
            since += eval_every
        if best == 1.0 or since >= patience:
            break
    return FitResult(n, d, best, step, best == 1.0)


def critical_n(d: int, n_start: int | None = None, seeds: Sequence[int] = (0,), show_progress: bool = False,
               **fit_kwargs) -> tuple[int, list[FitResult]]:
    """The largest ``n`` for which :func:`free_embedding_fit` reaches 100% in dimension ``d``.

    ``n`` is raised by steps of 25% from ``n_start`` (default ``d + 1``) until a fit fails,
    then bisected down to a step of 1. A fit counts as solved if any of ``seeds`` solves it.
    Optimisation is not monotone in ``n`` (an unlucky start can fail below the true limit),
    so the result is the boundary this search finds, a lower estimate of the capacity.

    Parameters
    ----------
    d : int
        Dimensions, at least 1.
    n_start : int, optional
        First ``n`` tried (at least 3).
    seeds : sequence of int
        Seeds tried at each ``n``, in order, until one solves it.
    show_progress : bool
        Print one line per fit.
    **fit_kwargs
        Passed to :func:`free_embedding_fit` (``patience``, ``max_steps``, ``device``...).

    Returns
    -------
    n_crit : int
    fits : list of FitResult
        Every fit that was run, in order.
    """
    d = checks.integer(d, "d", lo=1)
    seeds = [checks.integer(s, "seeds", lo=0) for s in checks.non_empty(list(seeds), "seeds")]
    if n_start is not None:
        n_start = checks.integer(n_start, "n_start", lo=3)
    fits: list[FitResult] = []

    def ok(n: int) -> bool:
        for s in seeds:
            r = free_embedding_fit(n, d, seed=s, **fit_kwargs)
            fits.append(r)
            if show_progress:
                print(f"d={d} n={n} seed={s} acc={r.accuracy:.4f} steps={r.steps}", flush=True)
            if r.solved:
                return True
        return False

    lo = max(3, n_start if n_start is not None else d + 1)
    if not ok(lo):
        # walk down: capacity below the start
        while lo > 3 and not ok(lo - 1):
            lo -= 1
        return lo - 1 if lo > 3 else 3, fits
    grow = lambda n: n + max(2, n // 4)  # noqa: E731
    hi = grow(lo)
    while ok(hi):
        lo, hi = hi, grow(hi)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return lo, fits


#: Coefficients ``(c0, c1, c2, c3)`` of the paper's cubic fit of the critical ``n``.
PAPER_FIT = (-10.5322, 4.0309, 0.0520, 0.0037)


def paper_critical_n(d) -> np.ndarray:
    """The cubic fit of the critical ``n`` reported by Weller et al. (2025).

    Parameters
    ----------
    d : float or array_like
        Dimensions.

    Returns
    -------
    ndarray of float64, the shape of ``d``
        ``c0 + c1 d + c2 d^2 + c3 d^3`` with :data:`PAPER_FIT`.

    Examples
    --------
    >>> round(float(paper_critical_n(16)), 1)
    82.4
    """
    d = np.asarray(d, dtype=float)
    c0, c1, c2, c3 = PAPER_FIT
    return c0 + c1 * d + c2 * d ** 2 + c3 * d ** 3


#: The committed sweep that Part V's chapters read (``free_embedding_sweep(stored=...)``).
SWEEP_FILE = REPO_ROOT / "data" / "part5_free_embedding_sweep.json"


def sweep_cache_file() -> Path:
    """Where :func:`free_embedding_sweep` writes a recomputation by default: ``<cache>/limit/free_embedding_sweep.json``.

    Returns
    -------
    pathlib.Path
    """
    return cache.cache_dir() / "limit" / "free_embedding_sweep.json"


def _read_sweep(path: Path | None, settings: dict) -> dict | None:
    """The results stored at ``path`` when the file exists and was computed with ``settings``."""
    if path is None or not path.exists():
        return None
    stored = json.loads(path.read_text())
    return stored["results"] if stored.get("settings") == settings else None


def free_embedding_sweep(dims: Sequence[int] = tuple(range(2, 17)), recompute: bool = False,
                         stored: str | Path | None = SWEEP_FILE, out: str | Path | None = None,
                         seeds: Sequence[int] = (0,), show_progress: bool = True, **fit_kwargs) -> dict:
    """Critical ``n`` (:func:`critical_n`) for each dimension, read from disk unless ``recompute`` is set.

    A stored result counts only if it was computed with the requested settings (``seeds`` and
    ``fit_kwargs`` other than ``device``). Without ``recompute`` the committed file ``stored`` is
    read, then ``out`` (an earlier recomputation); whatever is missing is computed. A computation
    writes only to ``out`` (after each dimension, so an interrupted run resumes), never to the
    tracked ``stored`` file unless ``out`` is that path: commit a new sweep by copying it there.

    Parameters
    ----------
    dims : sequence of int
        Dimensions to report.
    recompute : bool
        Recompute every requested dimension.
    stored : path, optional
        Committed results to read (default :data:`SWEEP_FILE`); None reads none.
    out : path, optional
        Where a computation writes; default :func:`sweep_cache_file`.
    seeds : sequence of int
    show_progress : bool
        A progress bar over dimensions while computing.
    **fit_kwargs
        Passed to :func:`free_embedding_fit` (``patience``, ``max_steps``, ``device``...).

    Returns
    -------
    dict
        ``"settings"`` and ``"results"``: ``{d: {"n_crit": int, "fits": [[n, acc, steps], ...]}}``
        for each ``d`` in ``dims``.
    """
    from tqdm import tqdm

    dims = [checks.integer(x, "dims", lo=1) for x in checks.non_empty(list(dims), "dims")]
    settings = {"seeds": [checks.integer(s, "seeds", lo=0) for s in checks.non_empty(list(seeds), "seeds")],
                **{k: v for k, v in sorted(fit_kwargs.items()) if k != "device"}}
    out = Path(out) if out is not None else sweep_cache_file()
    if not recompute:
        for path in (stored, out):
            found = _read_sweep(None if path is None else Path(path), settings)
            if found is not None and all(str(d) in found for d in dims):
                return {"settings": settings, "results": {d: found[str(d)] for d in dims}}
    results = _read_sweep(out, settings) or {}
    if not recompute:
        results = {**(_read_sweep(None if stored is None else Path(stored), settings) or {}), **results}
    prev = None
    for d in tqdm(dims, desc="critical n per dimension", disable=not show_progress):
        if not recompute and str(d) in results:
            prev = results[str(d)]["n_crit"]
            continue
        n_crit, fits = critical_n(d, n_start=prev, seeds=settings["seeds"], **fit_kwargs)
        results[str(d)] = {"n_crit": n_crit, "fits": [[f.n, f.accuracy, f.steps] for f in fits]}
        prev = n_crit
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"settings": settings, "results": results}, indent=1))
    return {"settings": settings, "results": {d: results[str(d)] for d in dims}}
