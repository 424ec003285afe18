"""Write the back-matter page "What each chapter costs to run" from measured times.

Usage:
    python tools/cost_page.py                      # rewrite chapters/cost.md from benchmarks/chapter_times.json
    python tools/cost_page.py --check              # exit 1 if the page is stale (tests/test_cost_page.py)
    python tools/cost_page.py --add _build/notebook_times.json [--source "how it was run"]
                                                   # file a run's record, then rewrite the page
    python tools/cost_page.py --deps _build/cache_deps.json
                                                   # file a cold run's cache dependencies (tools/cache_deps.py)
    python tools/cost_page.py --add-execute _build/execute_times.json [--source "..."]
                                                   # file a whole `make execute` run (tools/execute.py --jobs)

Each chapter's first code cell prints its measured cost (``lib.costs.before_you_run``); the page and
those cells' stored outputs are rewritten together, by running that cell's code, so neither can lag
behind the measurements (``--check`` covers both).

A record is what the root ``conftest.py`` writes after any pytest run that executed notebooks
(nbval: the cells' times summed per notebook, kernel start included). It is *cold* when the
cache was empty at the start (``cache_files_at_start == 0``: each chapter pays for what it
caches, and later chapters reuse what earlier ones cached, in book order, as in CI), else
*warm*. The page shows the newest cold and the newest warm run side by side, like the
execution-statistics page of the QuantEcon lectures, with each run's date and machine.

A whole-book record is what ``tools/execute.py`` writes after ``make execute`` or ``make warm``
(``_build/execute_times.json``): the wall time of every chapter run, with several chapters at once
(``--jobs``). Filed in ``benchmarks/execute_times.json``, the newest cold and warm ones are stated on
the page and in the README.
"""
from __future__ import annotations

import argparse
import contextlib
import io
import json
import shutil
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
from toc import notebooks  # noqa: E402

DATA = ROOT / "benchmarks" / "chapter_times.json"
DEPS = ROOT / "benchmarks" / "cache_deps.json"
WHOLE = ROOT / "benchmarks" / "execute_times.json"
PAGE = ROOT / "chapters" / "cost.md"
README = ROOT / "README.md"
BEGIN_README = "<!-- chapter costs: written by tools/cost_page.py from benchmarks/chapter_times.json -->"
END_README = "<!-- end of chapter costs -->"
BUDGET = 150


def load_runs(path: Path = DATA) -> list[dict]:
    """The cold and warm runs of ``chapter_times.json`` (a ``"baseline"`` run of an older commit, which
    ``benchmarks/cold_comparison.py`` compares with, is left out: it times other chapters' code)."""
    runs = json.loads(path.read_text())["runs"]
    for run in runs:
        if run.get("kind") not in ("cold", "warm", "baseline"):
            raise ValueError(f"{path}: a run of {run.get('date')} has kind {run.get('kind')!r}, "
                             "not 'cold', 'warm' or 'baseline'")
    return [r for r in runs if r["kind"] != "baseline"]


def add_run(record_path: Path, source: str, path: Path = DATA) -> dict:
    """File one ``notebook_times.json`` record (as the root conftest writes it) as a run."""
    record = json.loads(Path(record_path).read_text())
    if not record.get("seconds"):
        raise ValueError(f"{record_path}: no notebook times in it (did the run execute any notebook?)")
    return _file(record, source, path)


def _file(record: dict, source: str, path: Path) -> dict:
    """Append ``record`` to the runs in ``path``, cold when the cache was empty at its start, else warm."""
    record["kind"] = "cold" if record.get("cache_files_at_start") == 0 else "warm"
    record["source"] = source
    data = json.loads(path.read_text()) if path.exists() else {"runs": []}
    data["runs"].append(record)
    path.write_text(json.dumps(data, indent=1) + "\n")
    return record


def add_whole_run(record_path: Path, source: str, path: Path = WHOLE) -> dict:
    """File one ``execute_times.json`` record (tools/execute.py: a whole-book run) in ``path``."""
    record = json.loads(Path(record_path).read_text())
    if not record.get("seconds") or not isinstance(record.get("wall_seconds"), (int, float)):
        raise ValueError(f"{record_path}: not a whole-book record (no chapter times or no wall time)")
    return _file(record, source, path)


def whole_runs(path: Path | None = None) -> dict:
    """The newest cold and warm whole-book runs (``None`` where there is none)."""
    path = WHOLE if path is None else path
    runs = json.loads(path.read_text())["runs"] if path.is_file() else []
    return {kind: next((r for r in reversed(runs) if r["kind"] == kind), None) for kind in ("cold", "warm")}


def _whole_line(kind: str, run: dict | None) -> str:
    """One sentence on a whole-book run: its wall time, how many chapters at once, where and when."""
    if run is None:
        return f"{kind}: not measured yet"
    at_once = "one chapter at a time" if run["jobs"] == 1 else f"up to {run['jobs']} chapters at once"
    source = run.get("source", "").strip().rstrip(".")
    return (f"{kind}, {run['wall_seconds']:,.0f} s for {len(run['seconds'])} chapters, {at_once} "
            f"({run['date']}, {run['machine']}, load average {run['load_average']:g} at the end"
            + (f"; {source}" if source else "") + ")")


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


def render(runs: list[dict], deps_path: Path = None) -> str:
    deps_path = DEPS if deps_path is None else deps_path
    deps = json.loads(deps_path.read_text()) if deps_path.is_file() else None
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
        f"* The book's budget is {BUDGET} s a chapter, cold, on 2 cores.",
        "",
    ]
    for kind, run in newest.items():
        lines.append(f"**{kind.capitalize()} run:** " + (_describe(run) if run else "not measured yet.") + "")
        lines.append("")
    whole = whole_runs()
    if any(whole.values()):
        lines += ["**The whole book, `make execute`:** it runs a chapter per core at once, each after the chapters "
                  "whose results it reads, and runs the cells that time something with no other cell running "
                  "(`tools/execute.py`); "
                  "wall time, " + "; ".join(_whole_line(k, r) for k, r in whole.items()) + ".", ""]
    if deps:
        lines += [f"**What a chapter reuses:** read off the cache log of {deps['source'] or 'a cold run'} "
                  "(`tools/cache_deps.py`): the seconds that earlier chapters spent computing the results a chapter "
                  "reads from the cache. A chapter opened alone from an empty cache pays them too (*alone*); "
                  "`make warm` pays them once for all.", ""]
        lines += ["| chapter | cold (s) | warm (s) | within budget | reuses (s) | alone, cold (s) |",
                  "|---|---:|---:|---|---:|---:|"]
    else:
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
        row = f"| {{doc}}`{_title(chapter)} </{doc}>` | {cells[0]} | {cells[1]} | {ok} |"
        if deps:
            extra = deps["chapters"].get(chapter, {}).get("extra_cold_seconds")
            alone = (cold or 0.0) + extra if extra is not None and cold is not None else None
            row += (f" {extra:,.0f} |" if extra is not None else " — |") + (f" {alone:,.0f} |" if alone else " — |")
        lines.append(row)
    lines.append(f"| **all {len(chapters)} chapters** | **{totals['cold']:,.1f}** | "
                 f"**{totals['warm']:,.1f}** | |" + (" | |" if deps else ""))
    lines += ["", "Older runs on record: " + (
        "; ".join(f"{r['date']} ({r['kind']}, {sum(r['seconds'].values()):,.0f} s)" for r in runs
                  if r not in newest.values()) or "none") + ".", ""]
    lines += ["Timings move with the machine and with what else runs on it; the report card's and the",
              "second encoder's costs (`make report`, `BOOK_ENCODER=mpnet`) are in the repository's",
              "`benchmarks/results.md`.", ""]
    return "\n".join(lines)


COST_CALL = "costs.before_you_run("


def readme_block(runs: list[dict]) -> str:
    """The README's lines on executing the chapters, from the newest cold and warm runs."""
    chapters = [str(p.relative_to(ROOT)) for p in notebooks(root=ROOT)]
    lines = [BEGIN_README]
    for kind in ("cold", "warm"):
        run = next((r for r in reversed(runs) if r["kind"] == kind), None)
        if run is None:
            lines.append(f"- {kind}: not measured yet.")
            continue
        secs = {c: run["seconds"][c] for c in chapters if c in run["seconds"]}
        slow = max(secs, key=secs.get)
        what = "from an empty cache, in book order" if kind == "cold" else "with the cache full"
        lines.append(f"- executing the {len(secs)} chapters {what}: {sum(secs.values()):,.0f} s "
                     f"(slowest: `{Path(slow).stem}`, {secs[slow]:,.0f} s); {_describe(run)}")
    whole = whole_runs()
    if any(whole.values()):
        lines.append("- `make execute`, the whole book, wall time: "
                     + "; ".join(_whole_line(k, r) for k, r in whole.items()) + ".")
    lines += ["- per chapter, and what each reuses from earlier chapters: the book's page *What each chapter costs "
              "to run* (`chapters/cost.md`), written from the same records.", END_README]
    return "\n".join(lines)


def _with_readme_block(text: str, block: str) -> str:
    if BEGIN_README not in text or END_README not in text:
        raise ValueError(f"README.md has no block between {BEGIN_README!r} and {END_README!r}")
    head, rest = text.split(BEGIN_README, 1)
    return head + block + rest.split(END_README, 1)[1]


def cost_cell(nb) -> int | None:
    """Index of the chapter's code cell that prints its cost (the first code cell), or None."""
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            return i if COST_CALL in cell.source else None
    return None


def run_cost_cell(source: str) -> str:
    """What the cost cell prints, run here as the kernel would run it."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(source, "<cost cell>", "exec"), {"__name__": "__main__"})
    return out.getvalue()


def refresh_cells(check: bool) -> list[str]:
    """Rewrite (or, with ``check``, compare) every chapter's cost-cell output; returns the stale ones."""
    stale = []
    for path in notebooks(root=ROOT):
        nb = nbformat.read(path, as_version=4)
        i = cost_cell(nb)
        if i is None:
            stale.append(f"{path.relative_to(ROOT)}: its first code cell does not call {COST_CALL}...)")
            continue
        text = run_cost_cell(nb.cells[i].source)
        stored = "".join(o.get("text", "") for o in nb.cells[i].outputs if o.get("output_type") == "stream")
        if stored != text or nb.cells[i].execution_count is None:   # nbval refuses outputs of an unrun cell
            stale.append(str(path.relative_to(ROOT)))
            if not check:
                nb.cells[i].outputs = [nbformat.v4.new_output("stream", name="stdout", text=text)]
                nb.cells[i].execution_count = 1
                nbformat.write(nb, path)
    return stale


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if chapters/cost.md is stale")
    ap.add_argument("--add", type=Path, help="a notebook_times.json record to file first")
    ap.add_argument("--source", default="", help="with --add: how the run was made (commit, command)")
    ap.add_argument("--deps", type=Path, help="a cache_deps.json (tools/cache_deps.py) to file first")
    ap.add_argument("--add-execute", type=Path, help="an execute_times.json (tools/execute.py) to file first")
    args = ap.parse_args(argv)
    if args.add:
        rec = add_run(args.add, args.source)
        print(f"filed a {rec['kind']} run of {rec['date']} ({len(rec['seconds'])} notebooks)")
    if args.add_execute:
        rec = add_whole_run(args.add_execute, args.source)
        print(f"filed a whole-book {rec['kind']} run of {rec['date']}: {rec['wall_seconds']:,.0f} s")
    if args.deps:
        shutil.copyfile(args.deps, DEPS)
        print(f"filed {DEPS.relative_to(ROOT)}")
    text = render(load_runs())
    if args.check:
        bad = 0
        if not PAGE.exists() or PAGE.read_text() != text:
            print(f"{PAGE.relative_to(ROOT)} is stale: run python tools/cost_page.py", file=sys.stderr)
            bad = 1
        for s in refresh_cells(check=True):
            print(f"stale cost cell: {s} (run python tools/cost_page.py)", file=sys.stderr)
            bad = 1
        readme = README.read_text()
        if _with_readme_block(readme, readme_block(load_runs())) != readme:
            print("README.md's chapter costs are stale: run python tools/cost_page.py", file=sys.stderr)
            bad = 1
        return bad
    PAGE.write_text(text)
    print(f"wrote {PAGE.relative_to(ROOT)}")
    README.write_text(_with_readme_block(README.read_text(), readme_block(load_runs())))
    for s in refresh_cells(check=False):
        print(f"rewrote the cost cell of {s}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
