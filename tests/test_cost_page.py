"""tools/cost_page.py: the page "What each chapter costs to run" is written from measured times."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import cost_page  # noqa: E402
from toc import notebooks  # noqa: E402


def test_page_is_current():
    res = subprocess.run([sys.executable, str(ROOT / "tools" / "cost_page.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_every_chapter_has_a_measured_cold_time():
    cold = next(r for r in reversed(cost_page.load_runs()) if r["kind"] == "cold")
    missing = [str(p.relative_to(ROOT)) for p in notebooks(root=ROOT) if str(p.relative_to(ROOT)) not in cold["seconds"]]
    assert not missing, f"no cold time on record for {missing}: run CI and file its record (tools/cost_page.py --add)"
    assert all(0 < s < 3600 for s in cold["seconds"].values())


def test_add_run_infers_cold_and_warm(tmp_path):
    data = tmp_path / "times.json"
    rec = {"date": "2026-01-01", "machine": "2 cores, test", "ci": False, "load_average": [1.0, 2.0],
           "seconds": {"chapters/x.ipynb": 12.5}}
    (tmp_path / "a.json").write_text(json.dumps(dict(rec, cache_files_at_start=0)))
    (tmp_path / "b.json").write_text(json.dumps(dict(rec, cache_files_at_start=40)))
    assert cost_page.add_run(tmp_path / "a.json", "first", data)["kind"] == "cold"
    assert cost_page.add_run(tmp_path / "b.json", "second", data)["kind"] == "warm"
    runs = cost_page.load_runs(data)
    assert [r["kind"] for r in runs] == ["cold", "warm"] and runs[1]["source"] == "second"
    page = cost_page.render(runs)
    assert "**Warm run:** 2026-01-01, 2 cores, test, a developer's run, load average 1 at the start" in page


def test_bad_records_are_refused(tmp_path):
    (tmp_path / "empty.json").write_text(json.dumps({"date": "2026-01-01", "seconds": {}}))
    with pytest.raises(ValueError, match="no notebook times"):
        cost_page.add_run(tmp_path / "empty.json", "", tmp_path / "times.json")
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"runs": [{"date": "2026-01-01", "kind": "lukewarm", "seconds": {}}]}))
    with pytest.raises(ValueError, match="lukewarm"):
        cost_page.load_runs(bad)


def test_dependencies_add_columns(tmp_path):
    runs = [{"date": "2026-01-01", "machine": "m", "kind": "cold", "ci": True,
             "seconds": {"chapters/part1_foundations/01_what_is_an_embedding.ipynb": 20.0}}]
    deps = tmp_path / "deps.json"
    deps.write_text(json.dumps({"source": "a test run", "chapters": {
        "chapters/part1_foundations/01_what_is_an_embedding.ipynb": {"creates": {}, "reads_from_earlier": {},
                                                                     "extra_cold_seconds": 7.0}}}))
    page = cost_page.render(runs, deps)
    assert "a test run" in page and "| reuses (s) | alone, cold (s) |" in page and "| 7 | 27 |" in page
    assert "reuses (s)" not in cost_page.render(runs, tmp_path / "missing.json")


def test_every_chapter_opens_with_its_cost():
    stale = cost_page.refresh_cells(check=True)
    assert not stale, "stale or missing cost cells (run python tools/cost_page.py): " + ", ".join(stale)


def test_cold_comparison_table_is_current():
    """benchmarks/results.md's table of cold times against the baseline commit is the one the records give."""
    res = subprocess.run([sys.executable, str(ROOT / "benchmarks" / "cold_comparison.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stdout + res.stderr


def test_whole_book_runs_are_filed_and_stated(tmp_path, monkeypatch):
    rec = {"date": "2026-01-01", "machine": "2 cores, test", "what": "execute", "jobs": 2, "wall_seconds": 250.4,
           "load_average": 1.5, "seconds": {"chapters/x.ipynb": 12.5, "chapters/y.ipynb": 3.0}}
    (tmp_path / "w.json").write_text(json.dumps(dict(rec, cache_files_at_start=300)))
    (tmp_path / "bad.json").write_text(json.dumps(dict(rec, wall_seconds=None)))
    whole = tmp_path / "whole.json"
    assert cost_page.add_whole_run(tmp_path / "w.json", "a test", whole)["kind"] == "warm"
    with pytest.raises(ValueError, match="not a whole-book record"):
        cost_page.add_whole_run(tmp_path / "bad.json", "", whole)
    monkeypatch.setattr(cost_page, "WHOLE", whole)
    newest = cost_page.whole_runs(whole)
    assert newest["cold"] is None and newest["warm"]["wall_seconds"] == 250.4
    line = "warm, 250 s for 2 chapters, up to 2 chapters at once (2026-01-01, 2 cores, test, load average 1.5"
    assert line in cost_page.render(cost_page.load_runs())
    assert line in cost_page.readme_block(cost_page.load_runs())
    assert "cold: not measured yet" in cost_page.readme_block(cost_page.load_runs())
