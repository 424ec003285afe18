"""A small on-disk cache for expensive results.

Results are stored under ``<repo>/.cache/`` (git-ignored), or under the folder
named by the environment variable ``EMBEDDINGS_BOOK_CACHE``. A result's file
name is a hash of everything that determines it (a namespace, the model, the
inputs, the parameters), so changing any of them computes a new result and a
second run with the same inputs reuses the old one.

Robustness
----------
* Each write goes to a temporary file with a unique name in the cache folder and is
  renamed into place in one step, so two processes computing the same result never
  collide and a reader never sees a half-written file.
* A cached file that cannot be read (cut short, zero bytes, not a pickle) is a miss:
  a warning names it, it is deleted, and the result is computed again.
* A cache folder that cannot be written (read-only, or a file) gives a warning and
  the computed value, uncached.
* With ``EMBEDDINGS_BOOK_CACHE_LOG`` set to a file, every lookup appends one JSON line to it
  (hit or miss, namespace, file name, seconds spent computing a miss, and ``BOOK_NOTEBOOK``, the
  notebook that ran it, which ``tools/execute.py`` and the test suite set): ``tools/cache_deps.py``
  turns a cold run's log into the chapters' cache dependencies.
* There is no checksum. Truncation (the failure a crash or a full disk causes) is caught
  by the loaders; bytes changed in place inside a complete file are not. Hashing every
  file on every read would cost about a second per 500 MB (the book's cache is about
  1 GB, its largest entry 140 MB) to guard against disk faults and hand edits, which
  ``clear()`` and a recompute also cure.

Example
-------
>>> from lib import cache
>>> X = cache.cached_array("demo", {"n": 3}, lambda: np.eye(3))   # doctest: +SKIP
"""
from __future__ import annotations

import hashlib
import json
import os
import pickle
import re
import tempfile
import time
import warnings
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["REPO_ROOT", "LOG_VAR", "cache_dir", "key", "path_for", "cached_array", "cached_object", "clear",
           "prefill"]

REPO_ROOT = Path(__file__).resolve().parent.parent
_DIGITS = 20                                   # hex digits of a key's hash
LOG_VAR = "EMBEDDINGS_BOOK_CACHE_LOG"          # a file to which every lookup appends a JSON line


def _file_mode() -> int:
    """Permissions of a cache file: what ``open`` would give a new file under the current umask."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


#: Mode of the files the cache writes (readable by others under the usual umask 022, so that the
#: grader's sandbox, which runs as another user, reads the instructor's warm cache).
FILE_MODE = _file_mode()
_UNREADABLE = (EOFError, ValueError, OSError, pickle.UnpicklingError, AttributeError, ImportError, IndexError)


def cache_dir() -> Path:
    """The folder that holds cached results (created on first use).

    Returns
    -------
    pathlib.Path
        ``$EMBEDDINGS_BOOK_CACHE`` if set, else ``<repo>/.cache``.

    Raises
    ------
    NotADirectoryError
        If the path exists and is not a folder.
    """
    path = Path(os.environ.get("EMBEDDINGS_BOOK_CACHE", REPO_ROOT / ".cache"))
    if path.exists() and not path.is_dir():
        raise NotADirectoryError(f"the cache folder {path} (EMBEDDINGS_BOOK_CACHE) is a file, not a folder")
    path.mkdir(parents=True, exist_ok=True)
    return path


def _default(obj):
    if isinstance(obj, np.ndarray):
        if obj.dtype.kind == "O":
            # an object array's bytes are pointers: hash what they point at
            content = json.dumps(obj.tolist(), sort_keys=True, default=_default, ensure_ascii=False)
            digest = hashlib.sha256(content.encode("utf-8", "surrogatepass")).hexdigest()
        else:
            digest = hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest()
        return {"__ndarray__": digest, "shape": obj.shape, "dtype": str(obj.dtype)}
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot build a cache key from {type(obj).__name__}")


def key(namespace: str, params: Any) -> str:
    """A stable hash of ``namespace`` and ``params`` (JSON-able values, arrays, lists of texts).

    Parameters
    ----------
    namespace : str
        The kind of result; letters, digits, ``.``, ``_`` and ``-``.
    params : JSON-able
        Dicts (keys sorted), lists, strings (lone surrogates included), numbers, numpy arrays
        (hashed by content, object arrays too), sets, paths.

    Returns
    -------
    str
        ``"<namespace>-<20 hex digits>"``.

    Examples
    --------
    >>> key("t", {"b": 1, "a": 2}) == key("t", {"a": 2, "b": 1})
    True
    >>> key("t", {"n": 3})
    't-918775a4f50f79544d45'
    """
    if not isinstance(namespace, str) or not re.fullmatch(r"[A-Za-z0-9._-]+", namespace):
        raise ValueError(f"namespace must be a non-empty name of letters, digits, '.', '_' or '-'; got {namespace!r}")
    blob = json.dumps(params, sort_keys=True, default=_default, ensure_ascii=False)
    # "surrogatepass" is plain UTF-8 for every ordinary string, and a stable encoding of lone surrogates
    digest = hashlib.sha256(f"{namespace}\n{blob}".encode("utf-8", "surrogatepass")).hexdigest()[:_DIGITS]
    return f"{namespace}-{digest}"


def path_for(namespace: str, params: Any, suffix: str) -> Path:
    """Where the result for ``(namespace, params)`` is (or would be) stored.

    Parameters
    ----------
    namespace, params
        As in :func:`key`.
    suffix : str
        ``".npy"`` or ``".pkl"``.

    Returns
    -------
    pathlib.Path
    """
    return cache_dir() / f"{key(namespace, params)}{suffix}"


def _load(path: Path, reader: Callable[[Path], Any]):
    """``(True, value)`` for a readable cache file; ``(False, None)`` for a missing or broken one."""
    if not path.exists():
        return False, None
    try:
        return True, reader(path)
    except PermissionError as exc:               # another user's file (a sandbox, a shared cache): keep it
        warnings.warn(f"cache file {path.name} is not readable by this user ({exc}); computing the result "
                      f"without the cache (make the folder readable: chmod -R a+rX {path.parent})",
                      RuntimeWarning, stacklevel=3)
        return False, None
    except _UNREADABLE as exc:
        warnings.warn(f"cache file {path.name} could not be read ({type(exc).__name__}: {exc}); "
                      "deleting it and computing the result again", RuntimeWarning, stacklevel=3)
        try:
            path.unlink()
        except OSError:
            pass
        return False, None


def _store(path: Path, writer: Callable[[Any], None]) -> None:
    """Write through a uniquely named temporary file in the same folder, then rename it into place."""
    tmp = None
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".tmp", dir=path.parent)
        with os.fdopen(fd, "wb") as fh:
            writer(fh)
        os.chmod(tmp, FILE_MODE)                 # mkstemp makes it owner-only; a cache file is not secret
        os.replace(tmp, path)
        tmp = None
    except OSError as exc:
        warnings.warn(f"could not write the cache file {path} ({exc}); the result is returned uncached",
                      RuntimeWarning, stacklevel=3)
    finally:
        if tmp is not None and os.path.exists(tmp):
            os.unlink(tmp)


def _cached(namespace, params, suffix, compute, refresh, reader, prepare, writer):
    try:
        path = path_for(namespace, params, suffix)
    except OSError as exc:                       # the folder cannot be created or is a file
        warnings.warn(f"the cache folder is not usable ({exc}); the result is returned uncached",
                      RuntimeWarning, stacklevel=3)
        return prepare(compute())
    if not refresh:
        hit, value = _load(path, reader)
        if hit:
            _log("hit", namespace, path, 0.0)
            return value
    start = time.perf_counter()
    value = prepare(compute())
    _log("miss", namespace, path, time.perf_counter() - start)
    _store(path, lambda fh: writer(fh, value))
    return value


def _log(event: str, namespace: str, path: Path, seconds: float) -> None:
    """Append one lookup to the file named by ``EMBEDDINGS_BOOK_CACHE_LOG`` (nothing when unset)."""
    target = os.environ.get(LOG_VAR)
    if not target:
        return
    line = json.dumps({"event": event, "namespace": namespace, "file": path.name, "dir": str(path.parent),
                       "seconds": round(seconds, 3),
                       "notebook": os.environ.get("BOOK_NOTEBOOK", "")})
    try:
        with open(target, "a", encoding="utf-8") as fh:      # one short line per write: appends stay whole
            fh.write(line + "\n")
    except OSError as exc:
        warnings.warn(f"could not append to the cache log {target} ({exc})", RuntimeWarning, stacklevel=3)


def _as_plain_array(value, namespace: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype.kind == "O":
        raise TypeError(f"cached_array({namespace!r}): compute returned {type(value).__name__} that becomes an "
                        "object array, which .npy cannot store without pickle; use cached_object for it")
    return arr


def cached_array(namespace: str, params: Any, compute: Callable[[], np.ndarray],
                 *, refresh: bool = False) -> np.ndarray:
    """Return ``compute()``, stored as ``.npy`` and reused on the next call.

    Parameters
    ----------
    namespace : str
        A short name for the kind of result (e.g. ``"minilm-layers"``).
    params : JSON-able
        Everything the result depends on (model name, inputs, options).
    compute : callable
        Called with no arguments when the result is not cached; returns a numeric array
        (not an object array: use :func:`cached_object` for those).
    refresh : bool
        Recompute and overwrite even when a cached result exists.

    Returns
    -------
    ndarray
        The array, with the shape and dtype ``compute`` gave it.
    """
    return _cached(namespace, params, ".npy", compute, refresh,
                   reader=lambda p: np.load(p, allow_pickle=False),
                   prepare=lambda v: _as_plain_array(v, namespace),
                   writer=lambda fh, v: np.save(fh, v, allow_pickle=False))


def cached_object(namespace: str, params: Any, compute: Callable[[], Any],
                  *, refresh: bool = False) -> Any:
    """Like :func:`cached_array` for any picklable object (dicts, lists, trained models).

    Parameters
    ----------
    namespace, params, compute, refresh
        As in :func:`cached_array`; ``compute`` may return any picklable object.

    Returns
    -------
    object
        What ``compute`` returned (or its stored copy).
    """
    def read(p):
        with open(p, "rb") as fh:
            return pickle.load(fh)

    return _cached(namespace, params, ".pkl", compute, refresh, reader=read, prepare=lambda v: v,
                   writer=lambda fh, v: pickle.dump(v, fh, protocol=pickle.HIGHEST_PROTOCOL))


def clear(namespace: str | None = None) -> int:
    """Delete cached files (all, or those of one namespace); return how many.

    Only the cache's own files are touched: ``<namespace>-<20 hex digits>.npy`` / ``.pkl`` (and
    temporary files left by an interrupted write), for exactly that namespace, so
    ``clear("static-word2vec")`` keeps ``static-word2vec-ctx`` entries and a foreign file in the
    folder is never deleted.

    Parameters
    ----------
    namespace : str, optional
        Default: every namespace.

    Returns
    -------
    int
        Number of files deleted.
    """
    ns = r"[A-Za-z0-9._-]+" if namespace is None else re.escape(namespace)
    own = re.compile(rf"\.?{ns}-[0-9a-f]{{{_DIGITS}}}(\.npy|\.pkl|\.[^.]+\.tmp)")
    files = [p for p in cache_dir().iterdir() if p.is_file() and own.fullmatch(p.name)]
    for p in files:
        p.unlink()
    return len(files)


def _one_thread() -> None:
    """Worker initializer of :func:`prefill`: one BLAS / OpenMP / torch thread per process."""
    os.environ.update(OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    from threadpoolctl import threadpool_limits

    threadpool_limits(1)


def _run_job(fn: Callable, kwargs: dict) -> None:
    fn(**kwargs)          # the cached function stores its result; nothing is sent back


def prefill(jobs, n_jobs: int | None = None, desc: str = "cached results") -> int:
    """Compute several cached results side by side, one worker process per CPU core.

    Each job is a call of a cached ``lib`` function (one that stores its result with
    :func:`cached_array` or :func:`cached_object`); the workers run the calls whose results are
    not cached yet, each single-threaded, and store them, so the same calls made afterwards
    in the caller's process are cache hits. The results are the ones a plain call gives: every
    call is seeded and runs the same code on one thread. Worth it where each call is
    single-threaded anyway (gensim's Poincaré trainer, Python loops); a call that already uses
    every core gains nothing. Without a usable cache folder nothing is computed here.

    Parameters
    ----------
    jobs : list of (callable, dict)
        A module-level function (it must be importable in a fresh process) and its keyword
        arguments.
    n_jobs : int, optional
        Worker processes; default the number of CPU cores.
    desc : str
        The progress bar's label.

    Returns
    -------
    int
        How many calls were handed to the workers (0 for a single job, one core or no cache
        folder: then the caller's own calls compute them). A call whose result is cached
        already is a quick hit in its worker; starting the workers costs a few seconds.

    Examples
    --------
    >>> from lib import cache, hyperbolic                                        # doctest: +SKIP
    >>> cache.prefill([(hyperbolic.train_poincare, dict(tree=t, dim=d)) for d in (2, 5)])  # doctest: +SKIP
    2
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    from tqdm import tqdm

    jobs = list(jobs)
    for job in jobs:
        if not (isinstance(job, tuple) and len(job) == 2 and callable(job[0]) and isinstance(job[1], dict)):
            raise TypeError(f"each job must be a (function, keyword-argument dict) pair; got {job!r:.80}")
        if "<locals>" in getattr(job[0], "__qualname__", "<locals>") or job[0].__module__ == "__main__":
            raise ValueError(f"{job[0]!r} is not importable from a fresh process: use a module-level lib function")
    n_jobs = (os.cpu_count() or 1) if n_jobs is None else n_jobs
    if not isinstance(n_jobs, int) or isinstance(n_jobs, bool) or n_jobs < 1:
        raise ValueError(f"n_jobs must be a positive integer; got {n_jobs!r}")
    if len(jobs) < 2 or n_jobs == 1:
        return 0                      # nothing to overlap: the caller's own calls compute them
    try:
        cache_dir()
    except OSError:
        return 0
    ctx = multiprocessing.get_context("spawn")         # a clean interpreter: no forked threads or kernels
    with ProcessPoolExecutor(max_workers=min(n_jobs, len(jobs)), mp_context=ctx, initializer=_one_thread) as pool:
        futures = [pool.submit(_run_job, fn, kwargs) for fn, kwargs in jobs]
        for f in tqdm(as_completed(futures), total=len(futures), desc=desc, unit="job"):
            f.result()                # a worker's exception is raised here, with its traceback
    return len(jobs)
