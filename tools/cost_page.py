"""Write the back-matter page "What each chapter costs to run" from measured times.

Usage:
    python tools/cost_page.py                      # rewrite chapters/cost.md from benchmarks/chapter_times.json
    python tools/cost_page.py --check              # exit 1 if the page is stale (tests/test_cost_page.py)
    python tools/cost_page.py --add _build/notebook_times.json [--source "how it was run"]
                                                   # file a run's record, then rewrite the page

A record is what the root ``conftest.py`` writes after any pytest run that executed notebooks
(nbval: the cells' times summed per notebook, kernel start included). It is *cold* when the
cache was empty at the start (``cache_files_at_start == 0``: each chapter pays for what it
caches, and later chapters reuse what earlier ones cached, in book order, as in CI), else
*warm*. The page shows the newest cold and the newest warm run side by side, like the
execution-statistics page of the QuantEcon lectures, with each run's date and machine.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from toc import notebooks  # noqa: E402

DATA = ROOT / "benchmarks" / "chapter_times.json"
PAGE = ROOT / "chapters" / "cost.md"
BUDGET = 180


def load_runs(path: Path = DATA) -> list[dict]:
    runs = json.loads(path.read_text())["runs"]
    for run in runs:
        if run.get("kind") not in ("cold", "warm"):
            raise ValueError(f"{path}: a run of {run.get('date')} has kind {run.get('kind')!r}, not 'cold' or 'warm'")
    return runs


def add_run(record_path: Path, source: str, path: Path = DATA) -> dict:
    """File one ``notebook_times.json`` record (as the root conftest writes it) as a run."""
    record = json.loads(Path(record_path).read_text())
    if not record.get("seconds"):
        raise ValueError(f"{record_path}: no notebook times in it (did the run execute any notebook?)")
    record["kind"] = "cold" if record.get("cache_files_at_start") == 0 else "warm"
    record["source"] = source
    data = json.loads(path.read_text()) if path.exists() else {"runs": []}
    data["runs"].append(record)
    path.write_text(json.dumps(data, indent=1) + "\n")
    return record


def _title(chapter: str) -> str:
    nb = json.loads((ROOT / chapter).read_text())
    first = next(("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"), "")
    head = next((line for line in first.splitlines() if line.startswith("# ")), "# " + chapter)
    return head[2:].strip()


def _describe(run: dict) -> str:
    where = "CI (`bash .ci/run` in a fresh clone)" if run.get("ci") else "a developer's run"
    load = run.get("load_average")
    load_txt = f", load average {load[0]:g} at the start and {load[1]:g} at the end" if load else ""
    source = run.get("source", "").strip().rstrip(".")
    return f"{run['date']}, {run['machine']}, {where}{load_txt}." + (f" {source}." if source else "")


def render(runs: list[dict]) -> str:
    newest = {kind: next((r for r in reversed(runs) if r["kind"] == kind), None) for kind in ("cold", "warm")}
    chapters = [str(p.relative_to(ROOT)) for p in notebooks(root=ROOT)]
    lines = [
        "(cost)=",
        "# What each chapter costs to run",
        "",
        "Every chapter is a notebook that runs on a laptop's CPU. This page gives the wall time of each, measured",
        "by the book's own test run (nbval executes every cell; the cells' times are summed per notebook, the",
        "kernel's start included), and is written by `tools/cost_page.py` from `benchmarks/chapter_times.json`.",
        "",
        "* **Cold**: the cache (`.cache/`) was empty at the start, and the chapters ran in book order, as in CI: a",
        "  chapter pays for the encodings and trained models it caches, and later chapters reuse them. Run alone",
        "  from an empty cache, a later chapter also pays for what earlier ones would have cached.",
        "* **Warm**: everything cached; what remains is the teaching code itself.",
        f"* The book's budget is {BUDGET // 60} minutes a chapter, cold, on 2 cores.",
        "",
    ]
    for kind, run in newest.items():
        lines.append(f"**{kind.capitalize()} run:** " + (_describe(run) if run else "not measured yet.") + "")
        lines.append("")
    lines += ["| chapter | cold (s) | warm (s) | within budget |", "|---|---:|---:|---|"]
    totals = {"cold": 0.0, "warm": 0.0}
    for chapter in chapters:
        cells = []
        for kind in ("cold", "warm"):
            run = newest[kind]
            secs = run["seconds"].get(chapter) if run else None
            cells.append(f"{secs:,.1f}" if secs is not None else "—")
            totals[kind] += secs or 0.0
        cold = newest["cold"]["seconds"].get(chapter) if newest["cold"] else None
        ok = "—" if cold is None else ("yes" if cold <= BUDGET else "**no**")
        doc = chapter[:-len(".ipynb")]
        lines.append(f"| {{doc}}`{_title(chapter)} </{doc}>` | {cells[0]} | {cells[1]} | {ok} |")
    lines.append(f"| **all {len(chapters)} chapters** | **{totals['cold']:,.1f}** | "
                 f"**{totals['warm']:,.1f}** | |")
    lines += ["", "Older runs on record: " + (
        "; ".join(f"{r['date']} ({r['kind']}, {sum(r['seconds'].values()):,.0f} s)" for r in runs
                  if r not in newest.values()) or "none") + ".", ""]
    lines += ["Timings move with the machine and with what else runs on it; the report card's and the",
              "second encoder's costs (`make report`, `BOOK_ENCODER=mpnet`) are in the repository's",
              "`benchmarks/results.md`.", ""]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if chapters/cost.md is stale")
    ap.add_argument("--add", type=Path, help="a notebook_times.json record to file first")
    ap.add_argument("--source", default="", help="with --add: how the run was made (commit, command)")
    args = ap.parse_args(argv)
    if args.add:
        rec = add_run(args.add, args.source)
        print(f"filed a {rec['kind']} run of {rec['date']} ({len(rec['seconds'])} notebooks)")
    text = render(load_runs())
    if args.check:
        if not PAGE.exists() or PAGE.read_text() != text:
            print(f"{PAGE.relative_to(ROOT)} is stale: run python tools/cost_page.py", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
