"""Unit tests for lib.limit (the theoretical limit of single-vector retrieval) and tools/critical_n.py."""
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from lib import limit

ROOT = Path(__file__).resolve().parent.parent


def test_top2_subsets_on_circle_are_adjacent_pairs():
    ang = 2 * np.pi * np.arange(5) / 5
    got = limit.top2_subsets_reachable(np.c_[np.cos(ang), np.sin(ang)], 5000)
    assert got == {(0, 1), (1, 2), (2, 3), (3, 4), (0, 4)}
    with pytest.raises(ValueError, match="at least 2"):
        limit.top2_subsets_reachable(np.ones((1, 2)))
    with pytest.raises(ValueError, match="n_directions"):
        limit.top2_subsets_reachable(np.eye(3), 2.5)


def test_all_pairs_qrels():
    R = limit.all_pairs_qrels(4)
    assert R.shape == (6, 4) and (R.sum(1) == 2).all() and (R.sum(0) == 3).all()
    with pytest.raises(ValueError, match=">= 3"):
        limit.all_pairs_qrels(2)
    with pytest.raises(ValueError, match="n must be an integer"):
        limit.all_pairs_qrels(4.0)


def test_free_embedding_fit_solves_easy_case():
    r = limit.free_embedding_fit(4, 4, max_steps=3000, patience=500)
    assert r.solved and r.accuracy == 1.0 and (r.n, r.d) == (4, 4)


@pytest.mark.parametrize("kw, msg", [
    ({"k": 3}, "k=2"), ({"d": 0}, "d must"), ({"n": 2}, "n must"), ({"lr": 0}, "lr must"),
    ({"temperature": float("nan")}, "temperature"), ({"patience": 0}, "patience"),
    ({"max_steps": 2.5}, "max_steps"), ({"eval_every": True}, "eval_every"),
])
def test_free_embedding_fit_errors(kw, msg):
    args = {"n": 4, "d": 4, **kw}
    with pytest.raises(ValueError, match=msg):
        limit.free_embedding_fit(args.pop("n"), args.pop("d"), max_steps=args.pop("max_steps", 10), **args)


def test_critical_n_small_dimension():
    n, fits = limit.critical_n(2, patience=100, max_steps=600)
    assert n >= 3 and fits and all(f.d == 2 for f in fits)
    with pytest.raises(ValueError, match="n_start"):
        limit.critical_n(2, n_start=2)
    with pytest.raises(ValueError, match="seeds"):
        limit.critical_n(2, seeds=[])


def test_paper_fit_values():
    assert abs(limit.paper_critical_n(512) - 5.0e5) / 5.0e5 < 0.05
    assert abs(limit.paper_critical_n(1024) - 4.0e6) / 4.0e6 < 0.05


def stored_sweep(path, settings=None):
    path.write_text(json.dumps({"settings": settings or {"seeds": [0]},
                                "results": {"3": {"n_crit": 4, "fits": [[4, 1.0, 10]]}}}))
    return path


def test_sweep_reads_stored_file_and_writes_nothing(tmp_path, tmp_cache):
    f = stored_sweep(tmp_path / "s.json")
    before = f.read_text()
    out = limit.free_embedding_sweep([3], stored=f, show_progress=False)
    assert out["results"][3]["n_crit"] == 4
    assert f.read_text() == before and not limit.sweep_cache_file().exists()
    with pytest.raises(ValueError, match="empty"):
        limit.free_embedding_sweep([], stored=f)
    with pytest.raises(ValueError, match="dims"):
        limit.free_embedding_sweep([2.5], stored=f)


def test_sweep_computes_into_out_only(tmp_path, tmp_cache):
    f = stored_sweep(tmp_path / "s.json")
    before = f.read_text()
    kw = dict(patience=50, max_steps=200, show_progress=False)
    res = limit.free_embedding_sweep([2, 3], stored=f, **kw)          # other settings: nothing stored matches
    assert f.read_text() == before                                    # the committed file is never rewritten
    written = json.loads(limit.sweep_cache_file().read_text())         # default: under the cache folder
    assert str(tmp_cache) in str(limit.sweep_cache_file())
    assert written["settings"] == {"seeds": [0], "max_steps": 200, "patience": 50}
    assert set(written["results"]) == {"2", "3"} and res["results"][2]["n_crit"] == written["results"]["2"]["n_crit"]
    again = limit.free_embedding_sweep([2, 3], stored=None, **kw)      # read back from the cache, not refitted
    assert again == res
    out = tmp_path / "elsewhere.json"
    limit.free_embedding_sweep([2], stored=None, out=out, recompute=True, **kw)
    assert set(json.loads(out.read_text())["results"]) == {"2"}


def test_committed_sweep_is_what_the_chapters_read():
    res = limit.free_embedding_sweep(range(2, 17), patience=300, max_steps=3000, show_progress=False)
    assert sorted(res["results"]) == list(range(2, 17)) and limit.SWEEP_FILE.exists()


def test_critical_n_tool(tmp_path):
    out = tmp_path / "d2.json"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "critical_n.py"), "2", str(out),
                           "--patience", "50", "--max-steps", "200"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(out.read_text())
    assert got["d"] == 2 and got["n_crit"] >= 3 and got["fits"]
