"""lib.cache's lookup log and tools/cache_deps.py, which reads the chapters' dependencies off it."""
import json
import sys
from pathlib import Path

import numpy as np

from lib import cache

ROOT = Path(__file__).resolve().parent.parent

sys.path.insert(0, str(ROOT / "tools"))
import cache_deps  # noqa: E402  (the tool under test, as tests/test_cost_page.py imports its own)


def test_every_lookup_is_logged_with_its_notebook(tmp_path, monkeypatch):
    log = tmp_path / "log.jsonl"
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path / "c"))
    monkeypatch.setenv(cache.LOG_VAR, str(log))
    monkeypatch.setenv("BOOK_NOTEBOOK", "chapters/a.ipynb")
    cache.cached_array("dep-test", {"n": 2}, lambda: np.zeros(2))
    monkeypatch.setenv("BOOK_NOTEBOOK", "chapters/b.ipynb")
    cache.cached_array("dep-test", {"n": 2}, lambda: np.ones(2))
    recs = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(r["event"], r["notebook"]) for r in recs] == [("miss", "chapters/a.ipynb"), ("hit", "chapters/b.ipynb")]
    assert recs[0]["file"] == recs[1]["file"] and recs[0]["seconds"] >= 0


def test_no_log_without_the_variable(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path / "c"))
    monkeypatch.delenv(cache.LOG_VAR, raising=False)
    cache.cached_object("dep-test", 1, lambda: {"x": 1})
    assert not list(tmp_path.glob("*.jsonl"))


def test_dependencies_count_what_an_earlier_chapter_computed():
    recs = [
        {"event": "miss", "namespace": "enc", "file": "enc-1.npy", "seconds": 30.0, "notebook": "a"},
        {"event": "hit", "namespace": "enc", "file": "enc-1.npy", "seconds": 0, "notebook": "a"},
        {"event": "miss", "namespace": "glove", "file": "g-1.npy", "seconds": 5.0, "notebook": "a"},
        {"event": "hit", "namespace": "enc", "file": "enc-1.npy", "seconds": 0, "notebook": "b"},
        {"event": "hit", "namespace": "enc", "file": "enc-1.npy", "seconds": 0, "notebook": "b"},   # counted once
        {"event": "miss", "namespace": "own", "file": "o-1.pkl", "seconds": 2.0, "notebook": "b"},
        {"event": "hit", "namespace": "old", "file": "x.npy", "seconds": 0, "notebook": "b"},      # before the log
        {"event": "miss", "namespace": "unit", "file": "u.npy", "seconds": 1.0, "notebook": ""},     # not a chapter
    ]
    deps = cache_deps.dependencies(recs, order=["a", "b"])
    assert list(deps) == ["a", "b"]
    assert deps["a"] == {"creates": {"enc": 30.0, "glove": 5.0}, "reads_from_earlier": {}, "extra_cold_seconds": 0.0}
    assert deps["b"]["reads_from_earlier"] == {"enc": {"from": "a", "seconds": 30.0}}
    assert deps["b"]["creates"] == {"own": 2.0} and deps["b"]["extra_cold_seconds"] == 30.0


def test_entries_a_test_made_first_count_for_the_first_chapter_that_touches_them():
    recs = [
        {"event": "miss", "namespace": "wiki", "file": "w.pkl", "dir": "/c", "seconds": 9.0, "notebook": "fixture"},
        {"event": "miss", "namespace": "wiki", "file": "w.pkl", "dir": "/tmp/x", "seconds": 1.0, "notebook": "t"},
        {"event": "hit", "namespace": "wiki", "file": "w.pkl", "dir": "/c", "seconds": 0, "notebook": "a"},
        {"event": "hit", "namespace": "wiki", "file": "w.pkl", "dir": "/c", "seconds": 0, "notebook": "b"},
    ]
    deps = cache_deps.dependencies(recs, order=["a", "b"])
    assert list(deps) == ["a", "b"] and deps["a"]["creates"] == {"wiki": 9.0}
    assert deps["b"]["reads_from_earlier"] == {"wiki": {"from": "a", "seconds": 9.0}}
