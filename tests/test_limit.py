"""Unit tests for lib.limit (the theoretical limit of single-vector retrieval) and tools/critical_n.py."""
import itertools
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


PAPER_FIT_KW = {k: v for k, v in limit.PAPER_PROCEDURE.items() if k != "search"}


def test_paper_procedure_is_the_scripts():
    assert limit.PAPER_PROCEDURE == {"search": "paper", "monitor": "loss", "min_delta": 1e-5, "patience": 1000,
                                     "max_steps": 100_000, "eval_every": 50}


def test_free_embedding_fit_solves_easy_case():
    r = limit.free_embedding_fit(4, 4, max_steps=3000, patience=500)
    assert r.solved and r.accuracy == 1.0 and (r.n, r.d) == (4, 4) and r.stop == "solved"
    p = limit.free_embedding_fit(4, 3, **PAPER_FIT_KW)                # the tetrahedron's case, the paper's rule
    assert p.solved and p.steps < 1000


def test_loss_early_stopping_on_a_tiny_case():
    # 8 documents in 2 dimensions cannot be solved (only neighbours on a circle): the loss stalls
    r = limit.free_embedding_fit(8, 2, monitor="loss", min_delta=1e-5, patience=200, max_steps=50_000, eval_every=50)
    assert not r.solved and r.stop == "patience" and r.steps < 50_000 and r.accuracy < 1
    # a huge min_delta: only the first loss improves on infinity, so it stops `patience` steps later
    r = limit.free_embedding_fit(8, 2, monitor="loss", min_delta=100.0, patience=30, eval_every=1000)
    assert r.steps == 31 and r.stop == "patience"
    # the cap
    r = limit.free_embedding_fit(8, 2, monitor="loss", patience=10_000, max_steps=120)
    assert r.steps == 120 and r.stop == "max_steps"
    # deterministic
    a, b = (limit.free_embedding_fit(6, 3, seed=3, **PAPER_FIT_KW) for _ in range(2))
    assert (a.accuracy, a.steps, a.loss) == (b.accuracy, b.steps, b.loss)


def test_free_embedding_fit_on_given_qrels():
    R = limit.all_pairs_qrels(6)[[0, 5, 9, 14]]
    r = limit.free_embedding_fit(6, 8, qrels=R, return_vectors=True, **PAPER_FIT_KW)
    assert r.solved and r.queries.shape == (4, 8) and r.docs.shape == (6, 8)
    pairs = np.array([np.flatnonzero(row) for row in R])
    assert (limit.top2_margins(r.queries, r.docs, pairs) > 0).all()
    with pytest.raises(ValueError, match="n=5 columns"):
        limit.free_embedding_fit(5, 8, qrels=R)
    with pytest.raises(ValueError, match="exactly two"):
        limit.free_embedding_fit(6, 8, qrels=np.eye(6, dtype=bool))


@pytest.mark.parametrize("kw, msg", [
    ({"k": 3}, "k=2"), ({"d": 0}, "d must"), ({"n": 2}, "n must"), ({"lr": 0}, "lr must"),
    ({"temperature": float("nan")}, "temperature"), ({"patience": 0}, "patience"),
    ({"max_steps": 2.5}, "max_steps"), ({"eval_every": True}, "eval_every"),
    ({"monitor": "recall"}, "monitor"), ({"min_delta": -1.0}, "min_delta"),
])
def test_free_embedding_fit_errors(kw, msg):
    args = {"n": 4, "d": 4, **kw}
    with pytest.raises(ValueError, match=msg):
        limit.free_embedding_fit(args.pop("n"), args.pop("d"), max_steps=args.pop("max_steps", 10), **args)


def test_critical_n_small_dimension():
    n, _, fits = limit.critical_n(3, patience=100, max_steps=600)
    assert n >= 3 and fits and all(f.d == 3 for f in fits)
    # two dimensions, seed 0: even 3 documents fail (two collapse onto one point), another seed solves them
    assert limit.critical_n(2, n_start=3, **PAPER_FIT_KW).n_crit == 2
    assert limit.critical_n(2, n_start=3, seeds=(0, 1), **PAPER_FIT_KW).n_crit >= 3
    with pytest.raises(ValueError, match="search"):
        limit.critical_n(2, search="binary")
    with pytest.raises(ValueError, match="n_start"):
        limit.critical_n(2, n_start=2)
    with pytest.raises(ValueError, match="seeds"):
        limit.critical_n(2, seeds=[])


def test_paper_search_gallops_bisects_and_sweeps():
    res = limit.critical_n(3, n_start=3, **limit.PAPER_PROCEDURE)
    tried = [f.n for f in res.fits]
    assert len(tried) == len(set(tried))                                # each n fitted once
    assert tried[:2] == [3, 4]                                          # galloping up by 1, then 2, ...
    assert set(range(max(res.n_search - 4, 3), res.n_search + 6)) <= set(tried)   # the sweep around the boundary
    assert res.n_crit >= res.n_search >= 4                              # the tetrahedron's 4 is found
    assert res.n_crit == max(f.n for f in res.fits if f.solved)


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
    stored = json.loads(limit.PAPER_SWEEP_FILE.read_text())
    dims = sorted(map(int, stored["results"]))
    paper = limit.free_embedding_sweep(dims, show_progress=False, **limit.PAPER_PROCEDURE)   # read, not refitted
    assert paper["settings"]["monitor"] == "loss" and dims[0] == 2 and len(dims) >= 15
    for d, r in paper["results"].items():
        assert r["n_crit"] == max([f[0] for f in r["fits"] if f[1] == 1.0], default=2)


def test_tetrahedron_realises_all_six_pairs():
    T = limit.tetrahedron()
    assert np.allclose(np.linalg.norm(T, axis=1), 1) and np.allclose(T @ T.T - np.eye(4), -(1 - np.eye(4)) / 3)
    pairs = np.array(list(itertools.combinations(range(4), 2)))
    Q = limit.centroid_queries(T)
    margins = limit.top2_margins(Q, T, pairs)
    assert len(margins) == 6 and np.allclose(margins, 2 / np.sqrt(3))    # +1/sqrt(3) against -1/sqrt(3)
    assert limit.top2_subsets_reachable(T, 20000) == set(map(tuple, pairs.tolist()))
    with pytest.raises(ValueError, match="no direction"):
        limit.centroid_queries([[1, 0], [-1, 0]])


@pytest.mark.parametrize("n", [5, 17, 46, 83])
def test_moment_curve_query_ranks_its_pair_first(n):
    X = limit.moment_curve(n, phase=0.3)
    assert X.shape == (n, 4) and np.allclose(np.linalg.norm(X, axis=1), 1)
    pairs = np.random.default_rng(n).choice(n, size=(50, 2), replace=True)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    Q = limit.moment_curve_queries(n, pairs, phase=0.3)
    S = Q @ X.T
    top2 = np.sort(np.argsort(-S, axis=1)[:, :2], axis=1)
    assert (top2 == np.sort(pairs, axis=1)).all()
    assert (limit.top2_margins(Q, X, pairs) > 0).all()


def test_moment_curve_all_pairs_and_margins():
    X, Q = limit.moment_curve(46), limit.moment_curve_queries(46)
    m = limit.top2_margins(Q, X, None)
    assert len(m) == 1035 and (m > 0).all()
    assert np.isclose(m.min(), limit.moment_curve_min_margin(46))      # the rotation shortcut agrees
    assert limit.moment_curve_min_margin(20) > limit.moment_curve_min_margin(40) > 0
    # float16 arithmetic cannot resolve margins of 3e-5: some pairs of 46 are lost
    assert (limit.top2_margins(Q, X, None, "float16") <= 0).any()
    assert limit.precision_break_point("float64", [30, 60]) is None
    assert limit.precision_break_point("float16", range(4, 47)) <= 46
    # below the rounding bound's reach nothing can fail
    b = 2 * limit.rounding_error_bound("float16", 4)
    safe = [n for n in range(4, 40) if limit.moment_curve_min_margin(n) > b]
    assert safe and limit.precision_break_point("float16", safe) is None


@pytest.mark.parametrize("call, msg", [
    (lambda: limit.moment_curve(2), "n must"),
    (lambda: limit.moment_curve_queries(5, [[0, 5]]), "pairs"),
    (lambda: limit.moment_curve_queries(5, [[1, 1]]), "repeats"),
    (lambda: limit.moment_curve_queries(5, [0, 1, 2]), "shape"),
    (lambda: limit.top2_margins(np.ones((2, 4)), limit.moment_curve(5), [[0, 1]]), "one pair per query"),
    (lambda: limit.top2_margins(np.ones((1, 3)), limit.moment_curve(5), [[0, 1]]), "dimension"),
    (lambda: limit.top2_margins(np.ones((1, 4)), limit.moment_curve(5), [[0, 1]], "int8"), "dtype"),
    (lambda: limit.rounding_error_bound("float32", 0), "d must"),
    (lambda: limit.precision_break_point("float32", [2]), "ns"),
])
def test_construction_errors(call, msg):
    with pytest.raises(ValueError, match=msg):
        call()


def test_critical_n_tool(tmp_path):
    out = tmp_path / "d3.json"
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "critical_n.py"), "3", str(out),
                           "--patience", "100", "--max-steps", "600"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(out.read_text())
    assert got["d"] == 3 and got["n_crit"] >= 3 and got["fits"]
    proc = subprocess.run([sys.executable, str(ROOT / "tools" / "critical_n.py"), "3", str(out), "--paper",
                           "--max-steps", "3000"], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    got = json.loads(out.read_text())
    assert got["settings"]["monitor"] == "loss" and got["n_crit"] >= 4
