"""Root pytest configuration: a per-notebook wall-time summary at the end of every run.

nbval reports one test per cell; this adds the cells' times up per notebook (kernel start
included) and marks the notebooks over the book's budget of 3 minutes per chapter.
"""
from collections import defaultdict

BUDGET_SECONDS = 180
_seconds: dict[str, float] = defaultdict(float)


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
        flag = "  OVER the 3-minute budget" if secs > BUDGET_SECONDS else ""
        tr.write_line(f"{secs:7.1f} s  {path}{flag}")
    tr.write_line(f"{sum(_seconds.values()):7.1f} s  total over {len(_seconds)} notebooks")
