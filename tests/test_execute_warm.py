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
