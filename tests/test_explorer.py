"""The offline embedding explorer (``chapters/explorer.md``, data by ``tools/build_explorer.py``).

* The data files: present for every space the page lists, under 20 MB together, decodable; the int8
  neighbours the page shows keep the float32 neighbours that ``lib.search`` finds, by the share the
  page states (recomputed here from lib's vectors: always for GloVe, for the other spaces when
  ``EXPLORER_FULL=1``, since their float32 vectors cost minutes to encode from an empty cache).
* The page in headless Chromium, opened from ``file://`` (no server): for every space, a word typed
  (or a passage chosen) gives the neighbour list that Python computes from the same int8 data, and the
  side-by-side comparison gives both word spaces' lists. Skipped when Chromium or the built book is
  missing, unless ``BOOK_REQUIRE_BROWSER=1`` (CI).
"""
from __future__ import annotations

import base64
import importlib.util
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "_ext" / "static" / "explorer"
PAGE = ROOT / "_build" / "html" / "chapters" / "explorer.html"
REQUIRE = os.environ.get("BOOK_REQUIRE_BROWSER") == "1"
FULL = os.environ.get("EXPLORER_FULL") == "1"


def _module(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, mod)
    spec.loader.exec_module(mod)
    return sys.modules[name]


bx = _module("build_explorer", ROOT / "tools" / "build_explorer.py")


def _spaces() -> list[str]:
    text = (DATA / "spaces.js").read_text()
    line = next(l for l in text.splitlines() if l.startswith("window.EXPLORER_SPACES = "))
    return json.loads(line.split(" = ", 1)[1].rstrip(";"))


def load(space: str) -> dict:
    """A space's data file, decoded as the page decodes it."""
    text = (DATA / f"data_{space}.js").read_text(encoding="utf-8")
    prefix = f"window.EXPLORER_DATA[{json.dumps(space)}] = "
    body = text[text.index(prefix) + len(prefix):].rstrip().rstrip(";")
    d = json.loads(body)
    d["q"] = np.frombuffer(base64.b64decode(d["codes"]), dtype=np.int8).reshape(d["n"], d["dim"])
    d["scale"] = np.frombuffer(base64.b64decode(d["scales"]), dtype=np.float32)
    if d.get("texts_file"):
        d["texts"] = passages()["texts"]
    return d


def passages() -> dict:
    """The passages' labels and texts (``passages.js``, shared by the passage spaces)."""
    text = (DATA / "passages.js").read_text(encoding="utf-8")
    return json.loads(text.split(" = ", 1)[1].rstrip().rstrip(";"))


SPACES = _spaces()
# a word of each word space and a passage of each passage space, to type into the page
PROBES = {"words": ["king", "paris", "river"], "passages": [0, 1234]}


def test_data_files_are_there_and_small():
    assert SPACES == list(bx.SPACES), SPACES             # every space the page offers is built
    total = sum(f.stat().st_size for f in DATA.iterdir() if f.is_file())
    assert total < 20e6, f"{total / 1e6:.1f} MB"
    summary = json.loads((DATA / "quantization.json").read_text())
    assert set(SPACES) <= set(summary)
    for space in SPACES:
        d = load(space)
        assert d["q"].shape == (d["n"], d["dim"]) and d["scale"].shape == (d["n"],)
        assert len(d["labels"]) == d["n"] == len(set(d["labels"]))
        assert len(d["maps"]["pca"]) == len(d["maps"]["tsne"]) == 2 * d["n_map"]
        assert d["quantization"] == summary[space]
        # dequantized rows are unit vectors, up to the rounding
        V = d["q"] * d["scale"][:, None].astype(np.float64)
        assert np.allclose(np.linalg.norm(V, axis=1), 1, atol=0.02)
        if d["kind"] == "passages":
            assert len(d["texts"]) == d["n"] and d["labels"] == passages()["labels"]


def test_word_spaces_share_their_words():
    assert load("glove")["labels"] == load("static")["labels"]


@pytest.mark.parametrize("space", [s for s in SPACES])
def test_int8_neighbours_keep_the_float_neighbours_stated(space):
    if space != "glove" and not FULL:
        pytest.skip("float32 vectors of this space cost minutes from an empty cache: EXPLORER_FULL=1 runs it")
    from lib import search

    d = load(space)
    kv = bx.models.load_glove()
    words = bx.vocabulary(kv)
    task = bx.passages_task() if d["kind"] == "passages" else None
    X = bx.space_vectors(space, words, kv, task)
    if d["kind"] == "words":
        assert d["labels"] == words
    assert X.shape == d["q"].shape
    q, _ = bx.quantize(X)
    assert np.array_equal(q, d["q"]), "the stored codes are not the quantized vectors of lib's space"
    stated = d["quantization"]
    rng = np.random.default_rng(stated["seed"])
    sample = np.sort(rng.choice(len(X), size=stated["n_queries"], replace=False))
    # lib's float32 neighbours, with lib.search.top_k itself (the row's own entry dropped)
    idx, _ = search.top_k(X[sample], X, k=stated["k"] + 1)
    exact = np.array([[j for j in row if j != i][: stated["k"]] for i, row in zip(sample, idx.tolist())])
    found, _ = bx.int8_neighbours(d["q"], sample, stated["k"])
    overlap = search.list_overlap(found, exact)
    assert abs(overlap - stated["overlap"]) < 0.01, (overlap, stated["overlap"])
    assert overlap > 0.9


# --------------------------------------------------------------------------- the page in Chromium
@pytest.fixture(scope="module")
def browser():
    sac = _module("serve_and_check", ROOT / "tools" / "serve_and_check.py")
    path = sac.find_chromium()
    if path is None or not PAGE.exists():
        reason = "Chromium is not installed" if path is None else f"{PAGE.relative_to(ROOT)} is not built (make html)"
        if REQUIRE:
            pytest.fail(reason + " (BOOK_REQUIRE_BROWSER=1)")
        pytest.skip(reason)
    with sac.Browser(path, timeout=60) as b:
        b.navigate(PAGE.as_uri())
        yield b


WAIT = """new Promise((resolve, reject) => {{
  const t0 = Date.now();
  (function poll() {{
    const s = document.getElementById({id!r});
    if (s && s.dataset.state !== "loading" && s.dataset.state !== "idle" && {cond}) return resolve(s.dataset.state);
    if (Date.now() - t0 > 50000) return reject(new Error("timed out: " + (s ? s.textContent : "no status")));
    setTimeout(poll, 50);
  }})();
}})"""

READ = """Array.from(document.querySelectorAll({sel!r})).map(li => [li.dataset.label, parseFloat(li.dataset.cos)])"""


def _type(browser, space, text):
    """Choose the space and type the query into the box, as a reader does (then Enter)."""
    browser.evaluate(f"""(() => {{
      const sel = document.getElementById("explorer-space");
      sel.value = {space!r}; sel.dispatchEvent(new Event("change"));
      const q = document.getElementById("explorer-query");
      q.value = {text!r};
      q.dispatchEvent(new Event("input"));
      q.dispatchEvent(new KeyboardEvent("keydown", {{key: "Enter"}}));
    }})()""")
    cond = f"s.dataset.space === {space!r} && s.dataset.state === 'ready'"
    state = browser.evaluate(WAIT.format(id="explorer-status", cond=cond), timeout=60)
    assert state == "ready"
    return browser.evaluate(READ.format(sel="#explorer-neighbours li"))


def _expected(d, row):
    idx, cos = bx.int8_neighbours(d["q"], [row], d["k"])
    return [d["labels"][j] for j in idx[0]], cos[0]


@pytest.mark.browser
@pytest.mark.parametrize("space", SPACES)
def test_page_shows_the_neighbours_of_a_typed_word(browser, space):
    d = load(space)
    for probe in PROBES[d["kind"]]:
        if d["kind"] == "words":
            row, text = d["labels"].index(probe), probe
        else:
            row, text = probe, d["labels"][probe]          # chosen from the list: "<number>: <title>"
        shown = _type(browser, space, text)
        labels, cos = _expected(d, row)
        assert [w for w, _ in shown] == labels, (space, probe)
        assert np.allclose([c for _, c in shown], cos, atol=1e-6)
        assert browser.evaluate("document.getElementById('explorer-query-text').textContent") == \
            (d["texts"][row] if d["kind"] == "passages" else "")
    assert browser.evaluate("document.getElementById('explorer-canvas').toDataURL().length") > 5000


@pytest.mark.browser
def test_page_compares_a_word_in_two_spaces(browser):
    browser.evaluate("""(() => {
      const q = document.getElementById("explorer-compare-query");
      q.value = "river"; q.dispatchEvent(new KeyboardEvent("keydown", {key: "Enter"}));
    })()""")
    cond = "document.querySelector('#explorer-compare-status').textContent.includes('river')"
    assert browser.evaluate(WAIT.format(id="explorer-compare-status", cond=cond), timeout=60) == "ready"
    lists = {}
    for space in ("glove", "static"):
        d = load(space)
        shown = browser.evaluate(READ.format(sel=f"#explorer-compare-{space} li"))
        lists[space] = _expected(d, d["labels"].index("river"))[0]
        assert [w for w, _ in shown] == lists[space]
    shared = len(set(lists["glove"]) & set(lists["static"]))
    assert browser.evaluate("document.getElementById('explorer-compare-status').dataset.overlap") == str(shared)


@pytest.mark.browser
def test_page_reads_the_url_hash_and_states_the_measured_cost(browser):
    browser.navigate("about:blank")          # a fresh load (a new hash alone is a same-page navigation)
    browser.navigate(PAGE.as_uri() + "#space=glove&q=queen&map=pca")
    cond = "s.dataset.query === 'queen' && s.dataset.state === 'ready'"
    assert browser.evaluate(WAIT.format(id="explorer-status", cond=cond), timeout=60) == "ready"
    d = load("glove")
    shown = browser.evaluate(READ.format(sel="#explorer-neighbours li"))
    assert [w for w, _ in shown] == _expected(d, d["labels"].index("queen"))[0]
    # the quantization table: one row per space, its share from the data (as the page rounds it)
    rows = browser.evaluate("Array.from(document.querySelectorAll('.explorer-quant-table tr[data-space]'))"
                            ".map(r => [r.dataset.space, r.children[3].textContent])")
    assert [r[0] for r in rows] == SPACES
    for space, share in rows:
        assert share == f"{100 * load(space)['quantization']['overlap']:.1f}%"
    assert "int8" in browser.evaluate("document.getElementById('explorer-about').textContent")
