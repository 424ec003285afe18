"""Measure what ``make grade`` costs per submission, chapter by chapter, and file it.

Usage: [taskset -c 1] python tools/grading_times.py [NOTEBOOK ...] [--out benchmarks/grading_times.json]

For each chapter (default: every chapter of ``_toc.yml`` that has exercises) two submissions are
graded the way ``make grade`` grades, in the bubblewrap sandbox, only the cells the exercises
need, one submission at a time:

* **solved**: the instructor's notebook with its solutions (what a strong student hands in);
* **untouched**: the student release as written by ``make assignments`` (stubs only).

Each is timed from the grader's start to its grade (sandbox, kernel, the book's libraries and the
needed cells), and its points are kept, so the record also shows that the solution scores full
marks and the stubs score nothing. Run under ``taskset -c 1`` (one core; the sandboxed kernel
inherits it) the time is what one of ``make grade``'s ``--jobs`` workers takes when every core
grades a submission of its own; the record states how many cores the run was allowed. The cache
must be warm (``make warm``): the sandbox sees it read-only.

The record (``--out``) is read by ``tools/course_kit.py`` into the instructor's kit, so the
grading times in the kit are these measurements, not typed-in figures.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import autograde  # noqa: E402
import course  # noqa: E402
import env  # noqa: E402
import toc  # noqa: E402

RECORD = ROOT / "benchmarks" / "grading_times.json"
KINDS = {"solved": course.nbgrader_source, "untouched": course.student_notebook}


def time_chapter(path: Path) -> dict | None:
    """Grade the solved and the untouched submission of chapter ``path``; None if it has no exercises."""
    nb = nbformat.read(path, as_version=4)
    if not course.parse(nb).exercises:
        return None
    name = path.stem
    sources = autograde.load_sources([path])
    out = {}
    for kind, make in KINDS.items():
        with tempfile.TemporaryDirectory(prefix="grading-times-") as tmp:
            subs, graded = Path(tmp) / "submitted", Path(tmp) / "graded"
            (subs / kind).mkdir(parents=True)
            nbformat.write(make(nb, name), subs / kind / path.name)
            start = time.perf_counter()
            rows = autograde.grade(subs, sources, graded, jobs=1, quiet=True)
            seconds = time.perf_counter() - start
        (row,) = rows
        out[kind] = {"seconds": round(seconds, 1), "points": row["total"], "max": row["max"],
                     "status": row["status"]}
    return out


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--out", default=str(RECORD))
    args = parser.parse_args(argv)
    paths = [Path(p).resolve() for p in args.notebooks] or toc.notebooks()
    out = Path(args.out)
    record = json.loads(out.read_text()) if out.exists() else {"chapters": {}}
    commit = env.commit_label(ROOT)
    cpus = len(os.sched_getaffinity(0))
    record["source"] = (f"commit {commit}, {dt.date.today().isoformat()}, "
                        f"{env.cpu_model()}, {os.cpu_count()} cores, the grader allowed {cpus} "
                        f"of them, sandboxed, needed cells only, warm cache, one "
                        f"submission at a time")
    for path in paths:
        result = time_chapter(path)
        rel = str(path.relative_to(ROOT))
        if result is None:
            print(f"{rel}: no exercises")
            continue
        record["chapters"][rel] = result
        print(f"{rel}: " + ", ".join(f"{k} {v['seconds']:.0f} s ({v['points']}/{v['max']}, {v['status']})"
                                     for k, v in result.items()), flush=True)
        order = [str(p.relative_to(ROOT)) for p in toc.notebooks()]
        record["chapters"] = dict(sorted(record["chapters"].items(),
                                         key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)))
        out.write_text(json.dumps(record, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
