"""Benchmarks for the book (not a test): writes benchmarks/results.md.

Usage
-----
    python benchmarks/run.py [--setup] [--skip-encoder] [NOTEBOOK ...]

* ``--setup``: time a fresh install of requirements.lock into a temporary virtual environment.
* encoder throughput: ``lib.encoder.ContextualEncoder.sentence_embeddings`` against
  ``SentenceTransformer.encode`` on 2,000 Wikipedia sentences, interleaved runs, same batch size;
  the median of the per-round ratios over at least five alternating rounds is reported, with its
  range, the machine and the date (at least 1.0 is the target).
* notebooks: each given notebook is executed from a temporary copy (the stored outputs are not
  touched) and its wall time recorded; the 3-minute budget per chapter is marked.
"""
from __future__ import annotations

import argparse
import os
import platform
import runpy
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
runpy.run_path(str(ROOT / "tools" / "env.py"))["apply"]()     # the book's offline environment (tools/env.py)


def time_setup() -> float:
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "venv", f"{tmp}/venv"], check=True)
        pip = [f"{tmp}/venv/bin/python", "-m", "pip", "install", "--quiet"]
        subprocess.run(pip + ["--no-cache-dir", "-r", str(ROOT / "requirements.lock")], check=True)
        return time.perf_counter() - start


def encoder_throughput(n: int = 2000, repeats: int = 6, batch_size: int = 64) -> dict:
    import numpy as np
    import torch

    from lib import data
    from lib.encoder import ContextualEncoder
    from lib.models import load_sentence_transformer

    sents = [s for _, s in data.wikipedia().sentences()]
    texts = [sents[i] for i in np.random.default_rng(0).choice(len(sents), n, replace=False)]
    ours = ContextualEncoder(batch_size=batch_size)
    st = load_sentence_transformer()
    ours.sentence_embeddings(texts[:64], show_progress=False)  # warm up both
    st.encode(texts[:64], batch_size=batch_size)
    t_ours, t_st = [], []

    def run_ours():
        s = time.perf_counter(); out = ours.sentence_embeddings(texts, show_progress=False); t_ours.append(time.perf_counter() - s)
        return out

    def run_st():
        s = time.perf_counter(); out = st.encode(texts, batch_size=batch_size); t_st.append(time.perf_counter() - s)
        return out

    for rep in range(repeats):  # alternate which encoder goes first, so neither gets a warmer machine
        if rep % 2 == 0:
            a, b = run_ours(), run_st()
        else:
            b, a = run_st(), run_ours()
    per_round = np.array(t_st) / np.array(t_ours)          # above 1: ours is faster, round by round
    return {
        "sentences": n, "torch_threads": torch.get_num_threads(), "rounds": repeats,
        "ours_per_s": n / float(np.median(t_ours)), "st_per_s": n / float(np.median(t_st)),
        "ratio": float(np.median(per_round)), "ratio_lo": float(per_round.min()), "ratio_hi": float(per_round.max()),
        "load": os.getloadavg()[0], "max_abs_diff": float(np.abs(a - b).max()),
    }


def notebook_time(path: Path) -> float:
    import nbformat
    from nbclient import NotebookClient

    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.read(path, as_version=4)
        start = time.perf_counter()
        NotebookClient(nb, timeout=900, kernel_name="python3",
                       resources={"metadata": {"path": str(path.parent)}}).execute()
        return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("notebooks", nargs="*")
    ap.add_argument("--setup", action="store_true", help="time a fresh install of requirements.lock")
    ap.add_argument("--skip-encoder", action="store_true")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results.md"))
    args = ap.parse_args()

    lines = ["# Benchmark results", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}; "
             f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""]
    if args.setup:
        secs = time_setup()
        lines += ["## Set-up", "", f"Fresh virtual environment + `pip install -r requirements.lock`: **{secs:.0f} s**.", ""]
        print(f"setup: {secs:.0f} s", flush=True)
    if not args.skip_encoder:
        r = encoder_throughput()
        lines += ["## Encoder throughput (all-MiniLM-L6-v2, CPU)", "",
                  "| encoder | sentences/s |", "|---|---|",
                  f"| `lib.encoder.ContextualEncoder.sentence_embeddings` | {r['ours_per_s']:.1f} |",
                  f"| `SentenceTransformer.encode` | {r['st_per_s']:.1f} |", "",
                  f"Speed ratio (sentence-transformers' time / ours, per round): **{r['ratio']:.2f}** median, range "
                  f"{r['ratio_lo']:.2f}-{r['ratio_hi']:.2f} (target >= 1.0), on {r['sentences']} Wikipedia sentences, "
                  f"batch 64, {r['torch_threads']} torch threads, {r['rounds']} rounds alternating which goes first, "
                  f"load average {r['load']:.2f} at the end. Ours sorts a batch by token count, sentence-transformers by "
                  "characters. "
                  f"Largest absolute difference between the two embeddings: {r['max_abs_diff']:.1e}.", ""]
        print(f"encoder ratio {r['ratio']:.2f}", flush=True)
    if args.notebooks:
        lines += ["## Notebook wall time (from the current cache state)", "", "| notebook | seconds | under 3 min |", "|---|---|---|"]
        total = 0.0
        for nb in args.notebooks:
            secs = notebook_time(ROOT / nb)
            total += secs
            lines.append(f"| `{nb}` | {secs:.0f} | {'yes' if secs < 180 else '**no**'} |")
            print(f"{nb}: {secs:.0f} s", flush=True)
        lines += [f"| total | {total:.0f} | |", ""]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
