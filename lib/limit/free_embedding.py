"""The free-embedding experiment of Weller et al. (2025): free query and document vectors, no encoder.

* :func:`free_embedding_fit` optimises the ``C(n, 2)`` query vectors and ``n`` document vectors
  on the relevance matrix of all pairs (or on any two-per-query relevance matrix);
* :func:`critical_n` searches the largest ``n`` that a fit still solves in ``d`` dimensions,
  either as the paper's script does (``search="paper"``: galloping, bisection, then a sweep
  around the boundary) or by the book's earlier quarter-step search (``search="quarter"``);
* :func:`free_embedding_sweep` runs it over dimensions, reading the committed results
  (:data:`SWEEP_FILE`, :data:`PAPER_SWEEP_FILE`) and computing only what is missing or asked for.

:data:`PAPER_PROCEDURE` holds the settings of the paper's official script
(``code/free_embedding_experiment.py`` in ``google-deepmind/limit``): early stopping on the
**loss** (``min_delta`` 1e-5, patience 1,000 steps), at most 100,000 Adam steps, accuracy
measured every 50 steps and a stop at 100%. The defaults of the functions are the book's
earlier, cheaper rule (stop on the accuracy), kept so that the first stored sweep stays
readable; pass ``**PAPER_PROCEDURE`` for the paper's.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, NamedTuple, Sequence

import numpy as np
from threadpoolctl import threadpool_limits

from .. import cache, checks
from .counting import all_pairs_qrels

__all__ = ["FitResult", "free_embedding_fit", "CriticalN", "critical_n", "PAPER_PROCEDURE",
           "SWEEP_FILE", "PAPER_SWEEP_FILE", "sweep_cache_file", "free_embedding_sweep"]

REPO_ROOT = Path(__file__).resolve().parents[2]

#: The settings of the paper's official script (``DEFAULT_EXPERIMENT_PARAMS`` and its search).
PAPER_PROCEDURE = {"search": "paper", "monitor": "loss", "min_delta": 1e-5, "patience": 1000,
                   "max_steps": 100_000, "eval_every": 50}


@dataclass
class FitResult:
    """Outcome of :func:`free_embedding_fit`.

    Attributes
    ----------
    n, d : int
        Documents and dimensions.
    accuracy : float
        Best top-2 accuracy seen: the share of relevant documents found in their query's top 2
        (the paper's measure; ties are counted against the relevant document).
    steps : int
        Adam steps run.
    solved : bool
        ``accuracy == 1``: every query's top 2 is exactly its pair.
    stop : str
        Why it stopped: ``"solved"``, ``"patience"`` or ``"max_steps"``.
    loss : float
        The last loss.
    queries, docs : ndarray of float32, shapes (m, d) and (n, d), or None
        The final unit vectors, when asked for (``return_vectors=True``).
    """

    n: int
    d: int
    accuracy: float
    steps: int
    solved: bool
    stop: str = ""
    loss: float = float("nan")
    queries: np.ndarray | None = field(default=None, repr=False)
    docs: np.ndarray | None = field(default=None, repr=False)


def _unit(X: np.ndarray) -> np.ndarray:
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def _top2_accuracy(Q: np.ndarray, D: np.ndarray, rel: np.ndarray) -> float:
    """Share of relevant documents in their query's top 2; a tie counts against the relevant one."""
    S = Q @ D.T
    s_rel = np.take_along_axis(S, rel, axis=1)                         # (m, 2)
    others_at_least = (S[:, None, :] >= s_rel[:, :, None]).sum(2) - 1  # documents other than itself
    return float((others_at_least <= 1).mean())


def free_embedding_fit(n: int, d: int, k: int = 2, lr: float = 0.01, temperature: float = 0.1,
                       max_steps: int = 20000, patience: int = 1000, seed: int = 0, eval_every: int = 10,
                       monitor: str = "accuracy", min_delta: float = 0.0, qrels=None,
                       return_vectors: bool = False) -> FitResult:
    """Optimise free query and document vectors so that every query's top 2 is its relevant pair.

    The "free embedding" experiment of Weller et al. (2025): no encoder, the query and document
    vectors are the parameters. Full-batch InfoNCE over all documents (each query's relevant
    documents are its positives, softmax ``temperature``), Adam, every vector renormalised to
    unit length after each step, all in float32, as the paper's script does. The accuracy is
    measured after steps ``0, eval_every, 2 eval_every, ...`` and the fit stops at 100%;
    otherwise it stops

    * ``monitor="loss"`` (the paper's rule): when the loss has not fallen below its best by more
      than ``min_delta`` for ``patience`` consecutive steps;
    * ``monitor="accuracy"`` (the book's earlier rule): when the accuracy has not risen by more
      than ``min_delta`` for ``patience`` steps;

    or after ``max_steps`` steps. Use ``**{k: v for k, v in PAPER_PROCEDURE.items() if k != "search"}``
    for the paper's settings.

    Parameters
    ----------
    n : int
        Documents (at least 3); the queries are their ``C(n, 2)`` pairs (:func:`all_pairs_qrels`)
        unless ``qrels`` is given.
    d : int
        Dimensions, at least 1.
    k : int
        Relevant documents per query; only 2 is implemented.
    lr, temperature : float
        Adam's learning rate and the softmax temperature, both > 0.
    max_steps, patience, eval_every : int
        Step budget, early-stopping patience (in steps) and evaluation interval, all >= 1.
    seed : int
        Seed of the initial vectors (standard normal, then unit length).
    monitor : {"accuracy", "loss"}
        What the early stop watches.
    min_delta : float
        Smallest change of the monitored value that counts as an improvement, >= 0.
    qrels : array_like of bool, shape (m, n), optional
        A relevance matrix with exactly two relevant documents per row (e.g. LIMIT-small's).
    return_vectors : bool
        Keep the final vectors in the result.

    Returns
    -------
    FitResult

    Examples
    --------
    >>> r = free_embedding_fit(4, 3, **{k: v for k, v in PAPER_PROCEDURE.items() if k != "search"})
    >>> r.solved, r.stop
    (True, 'solved')
    """
    if k != 2:
        raise ValueError(f"only k=2 (two relevant documents per query) is implemented; got k={k!r}")
    n = checks.integer(n, "n", lo=3)
    d = checks.integer(d, "d", lo=1)
    lr = checks.number(lr, "lr", lo=0, lo_open=True)
    temperature = checks.number(temperature, "temperature", lo=0, lo_open=True)
    max_steps = checks.integer(max_steps, "max_steps", lo=1)
    patience = checks.integer(patience, "patience", lo=1)
    eval_every = checks.integer(eval_every, "eval_every", lo=1)
    seed = checks.integer(seed, "seed", lo=0)
    monitor = checks.choice(monitor, "monitor", ("accuracy", "loss"))
    min_delta = checks.number(min_delta, "min_delta", lo=0)
    if qrels is None:
        R = all_pairs_qrels(n)
    else:
        R = np.asarray(qrels)
        if R.ndim != 2 or R.shape[1] != n or R.dtype != bool:
            raise ValueError(f"qrels must be a boolean matrix with n={n} columns; got {R.dtype} {R.shape}")
        if R.shape[0] < 1 or not (R.sum(1) == 2).all():
            raise ValueError("qrels must mark exactly two relevant documents in every row")
    m = R.shape[0]
    rel = np.sort(np.argsort(~R, axis=1, kind="stable")[:, :2], axis=1)
    Rf = R.astype(np.float32)
    rng = np.random.default_rng(seed)
    params = [_unit(rng.standard_normal((m, d))).astype(np.float32), _unit(rng.standard_normal((n, d))).astype(np.float32)]
    inv_t = np.float32(1.0 / temperature)
    g_scale = np.float32(1.0 / (2 * m * temperature))
    with threadpool_limits(1, user_api="blas"):      # tiny matrices: threads only add overhead
        return _fit_loop(params, Rf, rel, n, d, lr, inv_t, g_scale, max_steps, patience, eval_every, monitor,
                         min_delta, return_vectors)


def _fit_loop(params, Rf, rel, n, d, lr, inv_t, g_scale, max_steps, patience, eval_every, monitor, min_delta,
              return_vectors) -> FitResult:
    """Adam steps of :func:`free_embedding_fit` until it solves, stalls or runs out of steps."""
    m = Rf.shape[0]
    moments = [[np.zeros_like(p), np.zeros_like(p)] for p in params]
    b1, b2, eps = 0.9, 0.999, 1e-8
    best_loss, best_acc, since, stop, loss = np.inf, -1.0, 0, "max_steps", float("nan")
    step = 0
    for i in range(max_steps):
        Q, D = params
        S = (Q @ D.T) * inv_t
        S -= S.max(1, keepdims=True)
        E = np.exp(S)
        Z = E.sum(1, keepdims=True)
        loss = float((2 * np.log(Z[:, 0]) - (S * Rf).sum(1)).sum() / (2 * m))
        G = (E * (2 / Z) - Rf) * g_scale                       # d loss / d (Q D^T)
        grads = (G @ D, G.T @ Q)
        c1, c2 = 1 - b1 ** (i + 1), 1 - b2 ** (i + 1)
        for p, g, (mom, vel) in zip(params, grads, moments):
            mom *= b1
            mom += (1 - b1) * g
            vel *= b2
            vel += (1 - b2) * g * g
            p -= lr * (mom / c1) / (np.sqrt(vel / c2) + eps)
        params = [_unit(p) for p in params]
        step = i + 1
        if monitor == "loss":
            if loss < best_loss - min_delta:
                best_loss, since = loss, 0
            else:
                since += 1
            if since >= patience:
                stop = "patience"
                break
        if i % eval_every and i != max_steps - 1:
            continue
        acc = _top2_accuracy(*params, rel)
        if monitor == "accuracy":
            if acc > best_acc + min_delta:
                since = 0
            else:
                since += eval_every
        best_acc = max(best_acc, acc)
        if best_acc >= 1.0:
            stop = "solved"
            break
        if monitor == "accuracy" and since >= patience:
            stop = "patience"
            break
    best_acc = max(best_acc, _top2_accuracy(*params, rel))       # the final vectors count too, as in the script
    if best_acc >= 1.0:
        stop = "solved"
    Q, D = params if return_vectors else (None, None)
    return FitResult(n, d, best_acc, step, best_acc >= 1.0, stop, loss, Q, D)


class CriticalN(NamedTuple):
    """Outcome of :func:`critical_n`.

    Attributes
    ----------
    n_crit : int
        The largest ``n`` any fit of the search solved (2 if none: two documents are trivial).
    n_search : int
        Where the search itself ended (the bisection's answer for ``search="paper"``); the
        paper's third phase then fits ``n_search - 4 ... n_search + 5``, which can find more.
    fits : list of FitResult
        Every fit that was run, in order.
    """

    n_crit: int
    n_search: int
    fits: list


def critical_n(d: int, n_start: int | None = None, seeds: Sequence[int] = (0,), search: str = "quarter",
               show_progress: bool = False, on_fit: Callable[[FitResult], None] | None = None,
               **fit_kwargs) -> CriticalN:
    """The largest ``n`` for which :func:`free_embedding_fit` reaches 100% in dimension ``d``.

    ``search="paper"`` follows the paper's script: fit ``n_start``; gallop up (steps 1, 2, 4, ...)
    while fits succeed, or down while they fail; bisect between the last success and the first
    failure; then fit every ``n`` from 4 below to 5 above the bisection's answer. ``search="quarter"``
    (the book's first sweep) raises ``n`` by a quarter until a fit fails, then bisects. Each ``n`` is
    fitted once (reused when the search returns to it) and counts as solved if any of ``seeds``
    solves it. Optimisation is not monotone in ``n``, so the result is a lower estimate of what
    ``d`` dimensions can represent.

    Parameters
    ----------
    d : int
        Dimensions, at least 1.
    n_start : int, optional
        First ``n`` tried (at least 3; default ``d + 1``).
    seeds : sequence of int
        Seeds tried at each ``n``, in order, until one solves it.
    search : {"quarter", "paper"}
    show_progress : bool
        Print one line per fit.
    on_fit : callable, optional
        Called with each :class:`FitResult` as it finishes (a progress bar's hook).
    **fit_kwargs
        Passed to :func:`free_embedding_fit` (``monitor``, ``patience``, ``max_steps``...).

    Returns
    -------
    CriticalN
    """
    d = checks.integer(d, "d", lo=1)
    seeds = [checks.integer(s, "seeds", lo=0) for s in checks.non_empty(list(seeds), "seeds")]
    search = checks.choice(search, "search", ("quarter", "paper"))
    if n_start is not None:
        n_start = checks.integer(n_start, "n_start", lo=3)
    fits: list[FitResult] = []
    known: dict[int, bool] = {}

    def ok(n: int) -> bool:
        if n < 3:
            return True                          # one or no pair: trivially returned
        if n not in known:
            known[n] = False
            for s in seeds:
                r = free_embedding_fit(n, d, seed=s, **fit_kwargs)
                fits.append(r)
                if show_progress:
                    print(f"d={d} n={n} seed={s} acc={r.accuracy:.4f} steps={r.steps} ({r.stop})", flush=True)
                if on_fit is not None:
                    on_fit(r)
                if r.solved:
                    known[n] = True
                    break
        return known[n]

    start = max(3, n_start if n_start is not None else d + 1)
    if search == "paper":
        n_search = _paper_search(ok, start)
        for n in range(n_search - 4, n_search + 6):
            ok(max(n, 2))
    else:
        n_search = _quarter_search(ok, start)
    solved = [n for n, good in known.items() if good]
    return CriticalN(max(solved, default=2), n_search, fits)


def _paper_search(ok: Callable[[int], bool], start: int) -> int:
    """Galloping then bisection, as ``_run_critical_n_search_for_config`` of the paper's script."""
    lo = hi = None
    if ok(start):
        lo, step = start, 1
        while ok(lo + step):
            lo, step = lo + step, step * 2
        hi = lo + step
    else:
        hi, step = start, 1
        while hi > 2:
            probe = max(hi - step, 2)
            if ok(probe):
                lo = probe
                break
            hi, step = probe, step * 2
    best = lo if lo is not None else 2
    low, high = best, hi
    while low <= high:
        mid = (low + high) // 2
        if ok(mid):
            best, low = mid, mid + 1
        else:
            high = mid - 1
    return best


def _quarter_search(ok: Callable[[int], bool], start: int) -> int:
    """Steps of a quarter up from ``start`` until a fit fails, then bisection (the book's first sweep)."""
    lo = start
    if not ok(lo):
        while lo > 3 and not ok(lo - 1):
            lo -= 1
        return lo - 1 if lo > 3 else 2
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
    return lo


#: The book's first sweep (quarter-step search, stop on the accuracy, patience 300, at most 3,000 steps).
SWEEP_FILE = REPO_ROOT / "data" / "part5_free_embedding_sweep.json"
#: The sweep with the paper's procedure (:data:`PAPER_PROCEDURE`).
PAPER_SWEEP_FILE = REPO_ROOT / "data" / "part5_free_embedding_paper_sweep.json"


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
                         stored=(SWEEP_FILE, PAPER_SWEEP_FILE), out: str | Path | None = None,
                         seeds: Sequence[int] = (0,), show_progress: bool = True, **search_kwargs) -> dict:
    """Critical ``n`` (:func:`critical_n`) for each dimension, read from disk unless ``recompute`` is set.

    A stored result counts only if it was computed with the requested settings (``seeds`` and
    every keyword given). Without ``recompute`` the committed files ``stored`` are read, then
    ``out`` (an earlier recomputation); whatever is missing is computed, each dimension starting
    its search from the previous dimension's critical ``n``. A computation writes only to ``out``
    (after each dimension, so an interrupted run resumes), never to a committed file unless ``out``
    is that path: commit a new sweep by copying it there.

    Parameters
    ----------
    dims : sequence of int
        Dimensions to report.
    recompute : bool
        Recompute every requested dimension.
    stored : path or sequence of paths, optional
        Committed results to read (default :data:`SWEEP_FILE` and :data:`PAPER_SWEEP_FILE`); None reads none.
    out : path, optional
        Where a computation writes; default :func:`sweep_cache_file`.
    seeds : sequence of int
    show_progress : bool
        A progress bar over dimensions (and the fit running) while computing.
    **search_kwargs
        ``search`` for :func:`critical_n` and the keywords of :func:`free_embedding_fit`
        (``**PAPER_PROCEDURE`` for the paper's procedure).

    Returns
    -------
    dict
        ``"settings"`` and ``"results"``: ``{d: {"n_crit": int, "fits": [[n, acc, steps, ...], ...], ...}}``
        for each ``d`` in ``dims`` (the paper's procedure also stores ``"n_search"`` and ``"seconds"``).
    """
    from tqdm import tqdm

    dims = [checks.integer(x, "dims", lo=1) for x in checks.non_empty(list(dims), "dims")]
    settings = {"seeds": [checks.integer(s, "seeds", lo=0) for s in checks.non_empty(list(seeds), "seeds")],
                **{k: v for k, v in sorted(search_kwargs.items()) if k != "device"}}
    paths = [] if stored is None else [Path(stored)] if isinstance(stored, (str, Path)) else [Path(p) for p in stored]
    out = Path(out) if out is not None else sweep_cache_file()
    if not recompute:
        for path in [*paths, out]:
            found = _read_sweep(path, settings)
            if found is not None and all(str(d) in found for d in dims):
                return {"settings": settings, "results": {d: found[str(d)] for d in dims}}
    results = _read_sweep(out, settings) or {}
    if not recompute:
        for path in paths:
            results = {**(_read_sweep(path, settings) or {}), **results}
    missing = [d for d in dims if recompute or str(d) not in results]
    if missing and not recompute:        # say why a call that reads stored results starts computing
        print(f"no stored sweep has these settings ({json.dumps(settings)}) for d = "
              f"{', '.join(map(str, missing))}: computing them now (minutes per dimension on a laptop; "
              f"written to {out}, so a second call reads them)", flush=True)
    prev = None
    bar = tqdm(dims, desc="critical n per dimension", disable=not show_progress)
    for d in bar:
        if not recompute and str(d) in results:
            prev = results[str(d)]["n_crit"]
            continue
        t0 = time.time()
        hook = lambda r: bar.set_postfix_str(f"d={r.d} n={r.n} acc={r.accuracy:.4f} {r.stop}")  # noqa: E731
        res = critical_n(d, n_start=None if prev is None else max(prev, 3), seeds=settings["seeds"], on_fit=hook, **search_kwargs)
        results[str(d)] = {"n_crit": res.n_crit, "n_search": res.n_search, "seconds": round(time.time() - t0, 1),
                           "fits": [[f.n, f.accuracy, f.steps, f.stop] for f in res.fits]}
        prev = res.n_crit
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps({"settings": settings, "results": results}, indent=1))
    return {"settings": settings, "results": {d: results[str(d)] for d in dims}}
