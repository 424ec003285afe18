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


def pytest_terminal_summary(terminalreporter):
    if not _seconds:
        return
    tr = terminalreporter
    tr.section("notebook wall time")
    for path, secs in _seconds.items():
        flag = "  OVER the 3-minute budget" if secs > BUDGET_SECONDS else ""
        tr.write_line(f"{secs:7.1f} s  {path}{flag}")
    tr.write_line(f"{sum(_seconds.values()):7.1f} s  total over {len(_seconds)} notebooks")
