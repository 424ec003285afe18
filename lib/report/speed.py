"""Encoding speed and peak memory of an encoder, measured in a fresh process.

A process that has already loaded other models (the report's reference rows) cannot say how much memory
one model needs, so :func:`encoding_speed` starts a new Python process that loads only this encoder,
encodes the texts in batches (after one warm-up batch) and reports each batch's wall time and the
process's peak resident set size (Linux's ``VmHWM``, which starts afresh in the new process; ``getrusage``'s
``ru_maxrss`` would keep the parent's peak across ``fork`` and ``exec``, and is the fallback elsewhere). Sentences per second get a bootstrap
interval over batches; the peak memory is one maximum, reported without an interval.
"""
from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from typing import Sequence

import numpy as np

from .. import cache, checks, stats
from ..cache import REPO_ROOT
from ..models import default_device
from .measures import estimate

__all__ = ["encoding_speed", "machine"]

_CHILD = r"""
import json, resource, sys, time


def peak_kib():
    # VmHWM is this process's own peak (getrusage's ru_maxrss keeps the parent's peak across fork and exec)
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


spec = json.loads(sys.stdin.read())
from lib import encodings
enc = encodings.load_encoder(spec["encoder"])
texts, b = spec["texts"], spec["batch_size"]
enc.sentence_embeddings(texts[:b], show_progress=False)            # warm-up: first-call costs are not speed
rss_loaded = peak_kib()
times, sizes = [], []
for s in range(0, len(texts), b):
    batch = texts[s:s + b]
    t = time.perf_counter()
    enc.sentence_embeddings(batch, show_progress=False)
    times.append(time.perf_counter() - t)
    sizes.append(len(batch))
peak = peak_kib()
import torch
print(json.dumps({"times": times, "sizes": sizes, "peak_rss_kib": peak, "loaded_rss_kib": rss_loaded,
                  "torch_threads": torch.get_num_threads()}))
"""


def machine() -> dict:
    """What the speed depends on: processor, core count, Python and the device.

    Returns
    -------
    dict of str -> str or int
    """
    return {"processor": platform.processor() or platform.machine(), "cpus": os.cpu_count() or 0,
            "python": platform.python_version(), "device": default_device(), "node": platform.node()}


def encoding_speed(spec: str, key: str, texts: Sequence[str], batch_size: int = 32, n_boot: int = 1000,
                   timeout: float = 900.0) -> dict:
    """Sentences per second and peak memory of ``spec``, in a fresh process (cached per machine).

    Parameters
    ----------
    spec : str
        What :func:`lib.encodings.load_encoder` takes.
    key : str
        The encoder's cache identity (:func:`lib.report.measures.row_key`).
    texts : list of str
        The sentences timed, at least two batches' worth.
    batch_size : int
        Texts per call, at least 1.
    n_boot : int
        Resamples of the interval over batches.
    timeout : float
        Seconds before the measuring process is stopped.

    Returns
    -------
    dict
        ``"sentences_per_s"`` (estimate over batches), ``"peak_rss_mb"`` and ``"loaded_rss_mb"`` (the
        measuring process's peak resident set, in MB of 10^6 bytes, after loading and after encoding),
        ``"n_texts"``, ``"batch_size"``, ``"torch_threads"``, ``"machine"``.

    Raises
    ------
    ValueError
        For an empty list or fewer than two batches of texts.
    RuntimeError
        If the measuring process fails (its error output is quoted).
    """
    texts = checks.texts(texts)
    batch_size = checks.integer(batch_size, "batch_size", lo=1)
    if len(texts) < 2 * batch_size:
        raise ValueError(f"need at least two batches of texts to time ({2 * batch_size}); got {len(texts)}")
    def compute():
        env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
        run = subprocess.run([sys.executable, "-c", _CHILD], input=json.dumps(
            {"encoder": spec, "texts": texts, "batch_size": batch_size}), capture_output=True, text=True,
            timeout=timeout, env=env, cwd=str(REPO_ROOT))
        if run.returncode != 0:
            raise RuntimeError(f"measuring the speed of {spec!r} failed:\n{run.stderr[-2000:]}")
        res = json.loads(run.stdout.strip().splitlines()[-1])
        t, s = np.asarray(res["times"]), np.asarray(res["sizes"], dtype=float)
        return {"sentences_per_s": estimate(stats.bootstrap(lambda i: s[i].sum() / t[i].sum(), len(t), n_boot)),
                "peak_rss_mb": res["peak_rss_kib"] * 1024 / 1e6, "loaded_rss_mb": res["loaded_rss_kib"] * 1024 / 1e6,
                "n_texts": len(texts), "batch_size": batch_size, "torch_threads": res["torch_threads"],
                "machine": machine()}

    return cache.cached_object("report-speed", {"row": key, "texts": texts, "batch_size": batch_size,
                                                "n_boot": n_boot, "machine": machine(), "version": 2}, compute)
