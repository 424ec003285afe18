"""tools/execute.py --warm (make warm): chapters run for their cache only, nothing saved, failures reported."""
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent

sys.path.insert(0, str(ROOT / "tools"))
import execute  # noqa: E402  (the tool under test, as tests/test_cost_page.py imports its own)


def _notebook(path, *sources):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    nbformat.write(nb, path)
    return path.read_text()


def test_warm_fills_the_cache_and_saves_nothing(tmp_path, monkeypatch, capsys):
    pytest.importorskip("nbclient")
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path / "cache"))
    good = tmp_path / "a.ipynb"
    text = _notebook(good, "import numpy as np\nfrom lib import cache",
                     "x = cache.cached_array('warm-test', {'n': 3}, lambda: np.arange(3.0))")
    bad = tmp_path / "b.ipynb"
    _notebook(bad, "raise RuntimeError('a broken chapter')")
    failed = execute.warm([good, bad])
    out = capsys.readouterr()
    assert failed == 1 and "b.ipynb: failed (CellExecutionError)" in out.out + out.err
    assert "1 of 2 chapters ran" in out.out and "files added" in out.out
    assert any((tmp_path / "cache").rglob("*.npy")) or any(p.is_file() for p in (tmp_path / "cache").rglob("*"))
    assert good.read_text() == text                          # no outputs stored


def _logging_notebook(path, log, timed=False, seconds=1.5):
    """A notebook whose one real cell records when it ran (and, timed, the BLAS threads it had)."""
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import json, os, time\nimport numpy\n"
                                          "from threadpoolctl import threadpool_info"),
                nbformat.v4.new_code_cell(
        f"t0 = time.time()\ntime.sleep({seconds})\n"
        "blas = [i['num_threads'] for i in threadpool_info() if i['user_api'] == 'blas']\n"
        f"open({str(log)!r}, 'w').write(json.dumps([t0, time.time(), blas]))")]
    if timed:
        nb.cells[1].metadata["tags"] = ["timed"]
    nbformat.write(nb, path)
    return path


def test_scheduled_runs_wait_for_what_they_read_and_timed_cells_run_alone(tmp_path):
    pytest.importorskip("nbclient")
    import json
    import os

    names = ["a", "b", "c", "d"]
    paths = [_logging_notebook(tmp_path / f"{n}.ipynb", tmp_path / f"{n}.json", timed=n == "d") for n in names]
    deps = tmp_path / "deps.json"
    rel = {n: execute._rel(p) for n, p in zip(names, paths)}
    deps.write_text(json.dumps({"chapters": {
        rel["a"]: {"reads_from_earlier": {}},
        rel["b"]: {"reads_from_earlier": {"x": {"from": rel["a"]}}},
        rel["c"]: {"reads_from_earlier": {}},
        rel["d"]: {"reads_from_earlier": {}}}}))
    done = []
    results = execute.run_scheduled(paths, jobs=2, timeout=120, save=False, deps_file=deps,
                                    on_done=lambda p, r: done.append(p.stem))
    assert sorted(done) == names and all(isinstance(s, float) for s in results.values())
    span = {n: json.loads((tmp_path / f"{n}.json").read_text()) for n in names}
    assert span["b"][0] >= span["a"][1]                          # b read a's results: it waited
    assert span["c"][0] < span["a"][1] and span["a"][0] < span["c"][1]   # a and c ran at once
    for n in "abc":                                              # d's timed cell had the machine alone
        assert span["d"][1] <= span[n][0] or span["d"][0] >= span[n][1]
    cores = os.cpu_count() or 1
    assert all(t == cores for t in span["d"][2])                 # ... with every core's BLAS threads
    assert all(t == max(1, cores // 2) for n in "abc" for t in span[n][2])   # the others, their share
    assert all((tmp_path / f"{n}.ipynb").read_text().count('"outputs": []') == 2 for n in names)   # nothing saved


def test_a_failed_chapter_stops_new_starts_and_is_reported(tmp_path):
    pytest.importorskip("nbclient")
    bad = tmp_path / "bad.ipynb"
    _notebook(bad, "raise RuntimeError('broken')")
    later = _logging_notebook(tmp_path / "later.ipynb", tmp_path / "later.json")
    results = execute.run_scheduled([bad, later], jobs=2, timeout=120, save=False, deps_file=tmp_path / "none.json")
    assert isinstance(results[bad], Exception)
    assert later not in results and not (tmp_path / "later.json").exists()   # it waited for bad, then never started


def test_chapters_tag_the_cells_that_time_something():
    from toc import notebooks

    timing = ("perf_counter(", "time.time()", "timeit", "measure(", "measure_filtered(", "time_search(")
    untagged = []
    for path in notebooks(root=ROOT):
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "code" and any(t in cell.source for t in timing) \
                    and execute.TIMED_TAG not in cell.metadata.get("tags", []):
                untagged.append(f"{path.relative_to(ROOT)} cell {i}")
    assert not untagged, f"these cells time something but are not tagged {execute.TIMED_TAG!r}: {untagged}"


def test_the_tools_examples_hold():
    import doctest

    assert doctest.testmod(execute).failed == 0


def test_use_threads_restores_what_it_changed():
    from threadpoolctl import threadpool_info

    from lib import settings

    blas = lambda: [i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"]  # noqa: E731
    before = blas()
    restore = settings.use_threads(1)
    assert all(t == 1 for t in blas())
    restore()
    assert blas() == before
    with pytest.raises(ValueError, match="at least 1"):
        settings.use_threads(0)
