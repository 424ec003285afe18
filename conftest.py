"""Root pytest configuration: a per-notebook wall-time summary at the end of every run.

nbval reports one test per cell; this adds the cells' times up per notebook (kernel start
included) and marks the notebooks over the book's budget of 150 s per chapter. A run that
executed notebooks also writes its times, with the date, the machine and whether the cache was
empty when it started, to ``_build/notebook_times.json`` (git-ignored): ``tools/cost_page.py
--add`` files such a record in ``benchmarks/chapter_times.json``, from which the book's page
"What each chapter costs" is written.
"""
import json
import os
import sys
import time
from collections import defaultdict
from pathlib import Path

BUDGET_SECONDS = 150                # issue 21: no chapter over 150 s, cold, on 2 cores
ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "tools"))
from env import cpu_model  # noqa: E402  (standard library only; tools/env.py)

# The book's own runs hold every chapter to its stated numbers (lib.claims): a failed claim fails the cell.
os.environ.setdefault("BOOK_STRICT", "1")
_seconds: dict[str, float] = defaultdict(float)
_start: dict = {}


def _cache_files() -> int:
    folder = Path(os.environ.get("EMBEDDINGS_BOOK_CACHE", ROOT / ".cache"))
    return sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0


def pytest_sessionstart(session):
    _start.update(time=time.time(), cache_files=_cache_files(), load=os.getloadavg()[0])


def _write_times() -> None:
    record = {
        "date": time.strftime("%Y-%m-%d", time.gmtime(_start.get("time", time.time()))),
        "machine": f"{os.cpu_count()} cores, {cpu_model()}",
        "ci": os.environ.get("CI", "") == "true",
        "cache_files_at_start": _start.get("cache_files"),
        "load_average": [round(_start.get("load", 0.0), 2), round(os.getloadavg()[0], 2)],
        "seconds": {path: round(secs, 1) for path, secs in _seconds.items()},
    }
    out = ROOT / "_build" / "notebook_times.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(record, indent=1) + "\n")


def pytest_runtest_setup(item):
    """Name the notebook whose kernel is about to start, for lib.cache's log (tools/cache_deps.py)."""
    path = Path(str(item.fspath))
    if path.suffix == ".ipynb":
        os.environ["BOOK_NOTEBOOK"] = str(path.resolve().relative_to(ROOT)) if path.resolve().is_relative_to(ROOT) \
            else path.name


def pytest_runtest_logreport(report):
    path = report.nodeid.split("::")[0]
    if path.endswith(".ipynb"):
        _seconds[path] += report.duration


def _prose_summary(tr) -> None:
    """Per chapter: how many numbers the prose states and how many are tied (tests/test_prose.py)."""
    import sys

    mod = sys.modules.get("test_prose") or sys.modules.get("tests.test_prose")
    counts = getattr(mod, "PROSE_COUNTS", None)
    if not counts:
        return
    tr.section("numbers in the prose")
    tr.write_line(f"{'numbers':>8} {'tied':>5} {'glued':>6} {'ledger':>7} {'code':>5} {'const':>6} {'untied':>7}  chapter")
    for path, c in counts.items():
        tr.write_line(f"{c['total']:8d} {c['tied']:5d} {c['glued']:6d} {c['published']:7d} {c['echoed']:5d} "
                      f"{c['constant']:6d} {c['untied']:7d}  {path}")
    total = {k: sum(c[k] for c in counts.values()) for k in ("total", "tied", "untied")}
    tr.write_line(f"{total['total']:8d} {total['tied']:5d} {'':>6} {'':>7} {'':>5} {'':>6} {total['untied']:7d}  "
                  f"all {len(counts)} chapters")


def pytest_terminal_summary(terminalreporter):
    _prose_summary(terminalreporter)
    if not _seconds:
        return
    tr = terminalreporter
    tr.section("notebook wall time")
    for path, secs in _seconds.items():
        flag = f"  OVER the {BUDGET_SECONDS} s budget" if secs > BUDGET_SECONDS else ""
        tr.write_line(f"{secs:7.1f} s  {path}{flag}")
    tr.write_line(f"{sum(_seconds.values()):7.1f} s  total over {len(_seconds)} notebooks")
    _write_times()
