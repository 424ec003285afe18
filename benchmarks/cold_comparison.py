"""The cold execution time of the chapters now, beside a baseline commit's, in benchmarks/results.md.

Both runs are records of ``benchmarks/chapter_times.json``: the baseline is the newest record of
kind ``"baseline"`` (a cold nbval run of an older commit, filed with ``--baseline``), the current
one the newest ``"cold"`` record (``tools/cost_page.py --add`` or ``make bench`` files those). The
table is written between two markers in ``benchmarks/results.md``, so it cannot drift from the
records; ``--check`` exits 1 when it is stale.

Usage
-----
    python benchmarks/cold_comparison.py [--check]
    python benchmarks/cold_comparison.py --baseline _build/notebook_times.json --commit 7882555 --source "..."
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TIMES = ROOT / "benchmarks" / "chapter_times.json"
RESULTS = ROOT / "benchmarks" / "results.md"
START, END = "<!-- cold vs baseline: start (benchmarks/cold_comparison.py) -->", "<!-- cold vs baseline: end -->"
BUDGET = 150          # seconds a chapter, cold, on 2 cores (issue 21)


def _newest(runs: list, kind: str) -> dict | None:
    return next((r for r in reversed(runs) if r.get("kind") == kind), None)


def _chapters(run: dict) -> dict:
    return {k: v for k, v in run["seconds"].items() if k.startswith("chapters/")}


def render(runs: list) -> str:
    """The markdown block: per-chapter seconds of both runs, their ratio, and the totals."""
    base, now = _newest(runs, "baseline"), _newest(runs, "cold")
    if base is None or now is None:
        raise ValueError("chapter_times.json needs a 'baseline' and a 'cold' record")
    b, n = _chapters(base), _chapters(now)
    rows = [
        START,
        f"Baseline: commit {base.get('commit', '?')}, {base['date']}, {base['machine']}; {base.get('source', '')}".rstrip(),
        "",
        f"Now: {now['date']}, {now['machine']}; {now.get('source', '')}".rstrip(),
        "",
        f"| chapter | {base.get('commit', 'baseline')} (s) | now (s) | now / baseline | over {BUDGET} s |",
        "|---|---:|---:|---:|---|",
    ]
    for ch in sorted(set(b) | set(n), key=lambda c: (c not in n, list(n).index(c) if c in n else 0)):
        sb, sn = b.get(ch), n.get(ch)
        ratio = f"{sn / sb:.2f}" if sb and sn is not None else "—"
        over = "**yes**" if sn is not None and sn > BUDGET else ("no" if sn is not None else "—")
        rows.append(f"| `{ch}` | {'—' if sb is None else f'{sb:.1f}'} | {'—' if sn is None else f'{sn:.1f}'} "
                    f"| {ratio} | {over} |")
    tb, tn = sum(b.values()), sum(n.values())
    rows.append(f"| **all {len(n)} chapters** | **{tb:.1f}** | **{tn:.1f}** | **{tn / tb:.2f}** | "
                f"{sum(v > BUDGET for v in n.values())} over |")
    rows.append(END)
    return "\n".join(rows)


def update(text: str, block: str) -> str:
    if START in text and END in text:
        head, rest = text.split(START, 1)
        return head + block + rest.split(END, 1)[1]
    raise ValueError(f"{RESULTS.name} has no {START!r} ... {END!r} markers")


def add_baseline(record_path: Path, commit: str, source: str, path: Path = TIMES) -> dict:
    """File a conftest ``notebook_times.json`` record of an older commit's cold run as the baseline."""
    record = json.loads(Path(record_path).read_text())
    if not record.get("seconds"):
        raise ValueError(f"{record_path}: no notebook times in it")
    record.update(kind="baseline", commit=commit, source=source)
    data = json.loads(path.read_text())
    data["runs"].append(record)
    path.write_text(json.dumps(data, indent=1) + "\n")
    return record


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if the table in results.md is stale")
    ap.add_argument("--baseline", type=Path, help="a notebook_times.json record of the baseline commit to file")
    ap.add_argument("--commit", default="", help="with --baseline: the commit it ran")
    ap.add_argument("--source", default="", help="with --baseline: how the run was made")
    args = ap.parse_args(argv)
    if args.baseline:
        add_baseline(args.baseline, args.commit, args.source)
    runs = json.loads(TIMES.read_text())["runs"]
    text = RESULTS.read_text()
    new = update(text, render(runs))
    if args.check:
        if new != text:
            print("benchmarks/results.md: the cold-vs-baseline table is stale; run benchmarks/cold_comparison.py")
            return 1
        return 0
    RESULTS.write_text(new)
    return 0


if __name__ == "__main__":
    sys.exit(main())
