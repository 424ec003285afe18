"""Benchmarks for the book (not a test): writes benchmarks/results.md.

Usage
-----
    python benchmarks/run.py [--setup] [--skip-encoder] [NOTEBOOK ...]

* ``--setup``: time a fresh install of requirements.lock into a temporary virtual environment.
* encoder throughput: ``lib.encoder.ContextualEncoder.sentence_embeddings`` against
  ``SentenceTransformer.encode`` (at our batch size and at its default) on 1,000 Wikipedia
  sentences and 256 passages of Part V's task; the median of the per-round ratios over five
  rounds in a rotated order is reported, with its range, the machine and the date (at least 1.0
  is the target).
* ``--length-cost``: what encoding Part V's passages at MiniLM's configured 256 tokens costs
  against the 128 the book used before (median time ratio over five rotated rounds), written to
  ``benchmarks/max_length.md``.
* notebooks: each given notebook is executed from a temporary copy (the stored outputs are not
  touched) and its wall time recorded; the 150 s budget per chapter is marked.
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


def encoder_throughput(n_sentences: int = 1000, n_passages: int = 256, repeats: int = 5) -> list[dict]:
    """Ours against ``SentenceTransformer.encode`` on two workloads, alternating the order each round.

    Ours runs at its default batch size; sentence-transformers both at that batch size and at its
    own default (32). Each round runs the three in a rotated order, so none always gets the
    warmest (or the quietest) machine; the ratio is sentence-transformers' time over ours, per round.
    """
    import numpy as np
    import torch

    from lib import data, tasks
    from lib.encoder import ContextualEncoder
    from lib.models import load_sentence_transformer

    sents = [s for _, s in data.wikipedia().sentences()]
    workloads = {
        f"{n_sentences:,} Wikipedia sentences": [sents[i] for i in np.random.default_rng(0).choice(len(sents), n_sentences,
                                                                                               replace=False)],
        f"{n_passages} passages of Part V's task (256 tokens at most)":
            tasks.inverse_cloze_task(data.wikipedia(), n_queries=1000, seed=0).passages[:n_passages],
    }
    ours = ContextualEncoder()
    st = load_sentence_transformer()
    st.max_seq_length = ours.max_length
    runs = {
        f"ours (batch {ours.batch_size})": lambda t: ours.sentence_embeddings(t, show_progress=False),
        f"sentence-transformers (batch {ours.batch_size})": lambda t: st.encode(t, batch_size=ours.batch_size,
                                                                           normalize_embeddings=True),
        "sentence-transformers (batch 32, its default)": lambda t: st.encode(t, batch_size=32,
                                                                           normalize_embeddings=True),
    }
    names = list(runs)
    out = []
    for label, texts in workloads.items():
        for f in runs.values():
            f(texts[:32])                                           # warm up
        times = {k: [] for k in names}
        vecs = {}
        for rep in range(repeats):
            order = names[rep % len(names):] + names[:rep % len(names)]
            for k in order:
                t0 = time.perf_counter()
                vecs[k] = runs[k](texts)
                times[k].append(time.perf_counter() - t0)
        t_ours = np.array(times[names[0]])
        for k in names[1:]:
            per_round = np.array(times[k]) / t_ours                 # above 1: ours is faster
            out.append({"workload": label, "against": k, "texts": len(texts), "rounds": repeats,
                        "torch_threads": torch.get_num_threads(),
                        "ours_per_s": len(texts) / float(np.median(t_ours)),
                        "st_per_s": len(texts) / float(np.median(times[k])),
                        "ratio": float(np.median(per_round)), "ratio_lo": float(per_round.min()),
                        "ratio_hi": float(per_round.max()), "load": os.getloadavg()[0],
                        "max_abs_diff": float(np.abs(vecs[names[0]] - vecs[k]).max())})
    return out


def length_cost(n_passages: int = 1024, repeats: int = 5, lengths=(128, 256)) -> dict:
    """Seconds to encode Part V's passages at each ``max_length``, rotating the order each round.

    The passages are the first ``n_passages`` of Part V's inverse-cloze task (the collection Part V
    ch1 encodes at 256 tokens). Returns the per-round times, the median ratio of the longest length's
    time over the shortest's with its range, and how many passages each length truncates.
    """
    import numpy as np
    import torch

    from lib import data, tasks
    from lib.encoder import ContextualEncoder

    texts = tasks.inverse_cloze_task(data.wikipedia(), n_queries=1000, seed=0).passages[:n_passages]
    encoders = {n: ContextualEncoder(max_length=n) for n in lengths}
    for enc in encoders.values():
        enc.sentence_embeddings(texts[:32], show_progress=False)          # warm up
    times = {n: [] for n in lengths}
    for rep in range(repeats):
        order = list(lengths[rep % len(lengths):]) + list(lengths[:rep % len(lengths)])
        for n in order:
            t0 = time.perf_counter()
            encoders[n].sentence_embeddings(texts, show_progress=False)
            times[n].append(time.perf_counter() - t0)
    lo, hi = min(lengths), max(lengths)
    per_round = np.array(times[hi]) / np.array(times[lo])
    return {"texts": len(texts), "rounds": repeats, "lengths": list(lengths), "times": times,
            "ratio": float(np.median(per_round)), "ratio_lo": float(per_round.min()),
            "ratio_hi": float(per_round.max()), "load": os.getloadavg()[0],
            "n_cut": {n: encoders[n].truncation(texts).n_cut for n in lengths},
            "torch_threads": torch.get_num_threads()}


def write_length_cost(r: dict, out: Path) -> None:
    import numpy as np

    lo, hi = min(r["lengths"]), max(r["lengths"])
    lines = ["# What MiniLM's configured length costs", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, {r['torch_threads']} torch threads; "
             f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}; load average {r['load']:.2f} at the end. "
             f"Written by `benchmarks/run.py --length-cost`.", "",
             f"The first {r['texts']:,} passages of Part V's task, encoded by `ContextualEncoder` (batch 16, texts "
             f"sorted by token count) at `max_length` {lo} and {hi}, {r['rounds']} rounds in alternating order. "
             f"At {lo} tokens {r['n_cut'][lo]:,} of the {r['texts']:,} passages ({r['n_cut'][lo] / r['texts']:.0%}) "
             f"lose their ends; at {hi} (MiniLM's configured length, which the book uses since the LIMIT issue) "
             f"{r['n_cut'][hi]:,} do.", "",
             "| max_length | median seconds | passages/s |", "|---:|---:|---:|"]
    for n in r["lengths"]:
        med = float(np.median(r["times"][n]))
        lines.append(f"| {n} | {med:.2f} | {r['texts'] / med:.1f} |")
    lines += ["", f"Time at {hi} over time at {lo}: **{r['ratio']:.2f}** (median of the per-round ratios, range "
              f"{r['ratio_lo']:.2f}-{r['ratio_hi']:.2f}). Only the passages longer than {lo} tokens cost more; the "
              "rest are encoded the same way at either length.", ""]
    out.write_text("\n".join(lines))


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
    ap.add_argument("--length-cost", action="store_true", help="write benchmarks/max_length.md (256 vs 128 tokens)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results.md"))
    args = ap.parse_args()
    if args.length_cost:
        r = length_cost()
        write_length_cost(r, ROOT / "benchmarks" / "max_length.md")
        print(f"256 / 128 tokens: {r['ratio']:.2f} ({r['ratio_lo']:.2f}-{r['ratio_hi']:.2f})", flush=True)
        return

    lines = ["# Benchmark results", "",
             f"Machine: {platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}; "
             f"run {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.", ""]
    if args.setup:
        secs = time_setup()
        lines += ["## Set-up", "", f"Fresh virtual environment + `pip install -r requirements.lock`: **{secs:.0f} s**.", ""]
        print(f"setup: {secs:.0f} s", flush=True)
    if not args.skip_encoder:
        rows = encoder_throughput()
        lines += ["## Encoder throughput (all-MiniLM-L6-v2, CPU)", "",
                  "Ratio: sentence-transformers' time over ours in the same round (above 1: ours is faster); "
                  "median over the rounds, with the range. Each round runs the three encoders in a rotated order.", "",
                  "| workload | compared with | ours, texts/s | theirs, texts/s | ratio (median) | range | rounds "
                  "| largest difference |", "|---|---|---:|---:|---:|---|---:|---:|"]
        for r in rows:
            lines.append(f"| {r['workload']} | {r['against']} | {r['ours_per_s']:.1f} | {r['st_per_s']:.1f} | "
                         f"**{r['ratio']:.2f}** | {r['ratio_lo']:.2f}-{r['ratio_hi']:.2f} | {r['rounds']} | "
                         f"{r['max_abs_diff']:.1e} |")
        lines += ["", f"{rows[0]['torch_threads']} torch threads; load average {rows[-1]['load']:.2f} at the end. "
                  "Ours sorts texts by token count, sentence-transformers by characters; both cut at the model's "
                  "256 tokens. Target: at least 1.0 against both.", ""]
        for r in rows:
            print(f"encoder ratio {r['ratio']:.2f} ({r['workload']}, {r['against']})", flush=True)
    if args.notebooks:
        lines += ["## Notebook wall time (from the current cache state)", "", "| notebook | seconds | under 150 s |", "|---|---|---|"]
        total = 0.0
        for nb in args.notebooks:
            secs = notebook_time(ROOT / nb)
            total += secs
            lines.append(f"| `{nb}` | {secs:.0f} | {'yes' if secs <= 150 else '**no**'} |")
            print(f"{nb}: {secs:.0f} s", flush=True)
        lines += [f"| total | {total:.0f} | |", ""]
    Path(args.out).write_text("\n".join(lines) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
