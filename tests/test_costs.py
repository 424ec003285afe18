"""lib.costs: a chapter's first cell states its measured cost and what it reuses from earlier chapters."""
import json

import pytest

from lib import costs

RUNS = {"runs": [
    {"date": "2026-12-01", "machine": "2 cores, X", "kind": "cold", "seconds": {"a.ipynb": 10.0, "b.ipynb": 40.0}},
    {"date": "2026-12-02", "machine": "2 cores, Y", "kind": "cold", "seconds": {"a.ipynb": 12.0, "b.ipynb": 44.0}},
    {"date": "2026-12-02", "machine": "2 cores, Y", "kind": "warm", "seconds": {"a.ipynb": 3.0}},
]}
DEPS = {"source": "t", "chapters": {
    "a.ipynb": {"creates": {"enc": 30.0}, "reads_from_earlier": {}, "extra_cold_seconds": 0.0},
    "b.ipynb": {"creates": {}, "reads_from_earlier": {"enc": {"from": "a.ipynb", "seconds": 30.0},
                                                      "tab": {"from": "a.ipynb", "seconds": 5.0}},
                "extra_cold_seconds": 35.0}}}


@pytest.fixture
def files(tmp_path):
    t, d = tmp_path / "times.json", tmp_path / "deps.json"
    t.write_text(json.dumps(RUNS))
    d.write_text(json.dumps(DEPS))
    return t, d


def test_newest_runs_and_needs(files):
    c = costs.chapter_costs("b.ipynb", *files)
    assert c["cold_s"] == 44.0 and c["warm_s"] is None and c["needs"] == {"a.ipynb": 35.0} and c["alone_s"] == 79.0
    assert costs.chapter_costs("a.ipynb", *files)["warm_s"] == 3.0


def test_the_note_says_what_it_reuses(files, capsys):
    text = costs.before_you_run("b.ipynb", *files)
    assert "44 s from an empty cache in book order" in text and "a (35 s)" in text and "about 79 s" in text
    assert text in capsys.readouterr().out
    assert "starts the same alone" in costs.before_you_run("a.ipynb", *files)


def test_unmeasured_dependencies_are_said_to_be_unmeasured(files, tmp_path):
    assert "not been measured" in costs.before_you_run("a.ipynb", files[0], tmp_path / "none.json")


def test_unknown_chapter_is_named(files):
    with pytest.raises(ValueError, match="nope.ipynb"):
        costs.chapter_costs("nope.ipynb", *files)


def test_a_copy_without_measurements_says_so(tmp_path):
    assert costs.before_you_run("a.ipynb", tmp_path / "none.json", tmp_path / "none2.json").startswith(
        "No measured cost here")
