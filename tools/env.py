"""The book's offline environment: one definition for every tool that runs chapters or tests.

``OFFLINE_ENV`` is what the book needs at run time: no network for Hugging Face, a fixed hash
seed, no tokenizer thread pools, a non-interactive matplotlib backend. ``tools/autograde.py``
adds it to each grading kernel's environment, ``tests/conftest.py`` sets it (without overriding
what the caller exported) for the test session, and ``benchmarks/run.py`` for the timed runs.
The Makefile exports the same variables for its own commands (keep the two in step).

Only the standard library: this runs before the virtual environment exists.

>>> OFFLINE_ENV["HF_HUB_OFFLINE"]
'1'
"""
from __future__ import annotations

import os
import platform
from pathlib import Path

__all__ = ["OFFLINE_ENV", "apply", "cpu_model"]

OFFLINE_ENV: dict[str, str] = {
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "HF_DATASETS_OFFLINE": "1",
    "PYTHONHASHSEED": "0",
    "TOKENIZERS_PARALLELISM": "false",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    "MPLBACKEND": "Agg",
}


def apply(environ=None, override: bool = False) -> dict:
    """Put :data:`OFFLINE_ENV` into ``environ`` (default ``os.environ``) and return it.

    Parameters
    ----------
    environ : mutable mapping, optional
    override : bool
        Replace values already set (default: keep what the caller exported).

    Returns
    -------
    mapping
        ``environ`` itself.

    Examples
    --------
    >>> apply({"MPLBACKEND": "pdf"})["MPLBACKEND"]
    'pdf'
    >>> apply({"MPLBACKEND": "pdf"}, override=True)["MPLBACKEND"]
    'Agg'
    """
    environ = os.environ if environ is None else environ
    for key, value in OFFLINE_ENV.items():
        if override or key not in environ:
            environ[key] = value
    return environ


def cpu_model() -> str:
    """The CPU's model name (from ``/proc/cpuinfo`` on Linux), for the records of timed runs."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def commit_label(root: str | Path | None = None) -> str:
    """The checkout's short commit, with " with uncommitted changes" when tracked files differ, for records."""
    import subprocess

    root = Path(root or Path(__file__).resolve().parent.parent)
    run = lambda *args: subprocess.run(["git", *args], capture_output=True, text=True, cwd=root).stdout.strip()  # noqa: E731
    commit = run("rev-parse", "--short", "HEAD") or "unknown commit"
    return commit + (" with uncommitted changes" if run("status", "--porcelain", "--untracked-files=no") else "")
