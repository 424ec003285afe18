"""A small on-disk cache for expensive results.

Results are stored under ``<repo>/.cache/`` (git-ignored), or under the folder
named by the environment variable ``EMBEDDINGS_BOOK_CACHE``. A result's file
name is a hash of everything that determines it (a namespace, the model, the
inputs, the parameters), so changing any of them computes a new result and a
second run with the same inputs reuses the old one.

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
from pathlib import Path
from typing import Any, Callable

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent


def cache_dir() -> Path:
    """The folder that holds cached results (created on first use)."""
    path = Path(os.environ.get("EMBEDDINGS_BOOK_CACHE", REPO_ROOT / ".cache"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def _default(obj):
    if isinstance(obj, np.ndarray):
        return {"__ndarray__": hashlib.sha256(np.ascontiguousarray(obj).tobytes()).hexdigest(),
                "shape": obj.shape, "dtype": str(obj.dtype)}
    if isinstance(obj, (np.integer, np.floating)):
        return obj.item()
    if isinstance(obj, (set, frozenset)):
        return sorted(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot build a cache key from {type(obj).__name__}")


def key(namespace: str, params: Any) -> str:
    """A stable hash of ``namespace`` and ``params`` (JSON-able values, arrays, lists of texts)."""
    blob = json.dumps(params, sort_keys=True, default=_default, ensure_ascii=False)
    digest = hashlib.sha256(f"{namespace}\n{blob}".encode()).hexdigest()[:20]
    return f"{namespace}-{digest}"


def path_for(namespace: str, params: Any, suffix: str) -> Path:
    """Where the result for ``(namespace, params)`` is (or would be) stored."""
    return cache_dir() / f"{key(namespace, params)}{suffix}"


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
        Called with no arguments when the result is not cached.
    refresh : bool
        Recompute and overwrite even when a cached result exists.
    """
    path = path_for(namespace, params, ".npy")
    if path.exists() and not refresh:
        return np.load(path)
    value = np.asarray(compute())
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, value)
    os.replace(tmp, path)
    return value


def cached_object(namespace: str, params: Any, compute: Callable[[], Any],
                  *, refresh: bool = False) -> Any:
    """Like :func:`cached_array` for any picklable object (dicts, lists, trained models)."""
    path = path_for(namespace, params, ".pkl")
    if path.exists() and not refresh:
        with open(path, "rb") as fh:
            return pickle.load(fh)
    value = compute()
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)
    return value


def clear(namespace: str | None = None) -> int:
    """Delete cached files (all, or those of one namespace); return how many."""
    pattern = f"{namespace}-*" if namespace else "*"
    files = [p for p in cache_dir().glob(pattern) if p.is_file()]
    for p in files:
        p.unlink()
    return len(files)
