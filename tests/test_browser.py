"""The rendered book, checked the way a reader meets it: every page loaded in headless Chromium.

* ``test_built_book`` serves ``_build/html`` (run ``make html`` first) on 127.0.0.1 and loads
  every page; it fails on a page of ``_toc.yml`` that was not built, a broken internal link or
  anchor, a stored error output, untypeset math or MathJax not loaded from ``_static``, a
  missing image or any 4xx response, a request leaving 127.0.0.1 (a CDN), an interactive figure
  that did not draw, a JavaScript exception, or unreadable dark-mode text. Screenshots are
  saved under ``_build/screenshots/`` as build artefacts.
* ``test_checker_catches_*`` run the same checker on a tiny hand-made site with one planted
  fault of each kind, so that a green ``test_built_book`` means something.

Both are skipped (with the reason) when Chromium is not installed or the book has not been
built, unless ``BOOK_REQUIRE_BROWSER=1`` is set (as in CI), which turns the skip into a failure.
"""
from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
HTML = ROOT / "_build" / "html"
SCREENSHOTS = ROOT / "_build" / "screenshots"

_spec = importlib.util.spec_from_file_location("serve_and_check", ROOT / "tools" / "serve_and_check.py")
sac = importlib.util.module_from_spec(_spec)
sys.modules.setdefault("serve_and_check", sac)
_spec.loader.exec_module(sac)

pytestmark = pytest.mark.browser
REQUIRE = os.environ.get("BOOK_REQUIRE_BROWSER") == "1"


def _skip(reason: str):
    if REQUIRE:
        pytest.fail(f"{reason} (BOOK_REQUIRE_BROWSER=1)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def chromium():
    path = sac.find_chromium()
    if path is None:
        _skip("Chromium is not installed (apt-get install -y chromium)")
    return path


# --------------------------------------------------------------------------- the real book
def test_built_book(chromium):
    if not (HTML / "index.html").exists():
        _skip(f"the book is not built: no {HTML.relative_to(ROOT)}/index.html (run `make html` first)")
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    report = sac.check_site(HTML, toc=ROOT / "_toc.yml", screenshots=SCREENSHOTS, chromium=chromium)
    print(report.summary())
    assert report.ok, report.summary()
    pages = {p.path: p for p in report.pages}
    for f in sac.toc_files(ROOT / "_toc.yml"):
        assert f + ".html" in pages, f"{f} was not loaded"
        # the download button offers the notebook itself, and the file is there
        if (ROOT / (f + ".ipynb")).exists():
            source = HTML / "_sources" / (f + ".ipynb")
            assert source.exists(), f"no downloadable notebook {source.relative_to(HTML)}"
            links = pages[f + ".html"].data["links"]
            assert any(link.endswith("_sources/" + f + ".ipynb") for link in links), \
                f"{f}.html has no download link to its .ipynb"
    assert report.n_links > 0
    assert len(report.screenshots) >= 3
    for shot in report.screenshots:
        assert shot.stat().st_size > 5000, f"screenshot {shot} is (nearly) empty"
    # MathJax and plotly.js are in the book itself, not on a CDN
    assert (HTML / "_static" / "mathjax" / "tex-chtml.js").exists()
    assert (HTML / "_static" / "plotly.min.js").exists()


# --------------------------------------------------------------------------- the checker itself
def _mathjax_dir() -> Path | None:
    spec = importlib.util.find_spec("sphinx-mathjax-offline")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax"
    return path if (path / "tex-chtml.js").exists() else None


PAGE = """<!DOCTYPE html><html data-content_root="{root}"><head><meta charset="utf-8"><title>{title}</title>
<link rel="icon" href="data:,">{head}</head><body><main><p>{body}</p></main></body></html>"""


def page(title, body, head="", root="./"):
    return PAGE.format(title=title, head=head, body=body, root=root)


@pytest.fixture(scope="module")
def fault_site(tmp_path_factory, chromium):
    """A five-page site: two good pages and one page per family of faults."""
    root = tmp_path_factory.mktemp("site")
    mj = _mathjax_dir()
    if mj is None:
        pytest.skip("sphinx-mathjax-offline is not installed")
    shutil.copytree(mj, root / "_static" / "mathjax")
    png = (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
           b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84"
           b"\x00\x00\x00\x00IEND\xaeB`\x82")
    (root / "ok.png").write_bytes(png)
    mathjax = '<script defer src="_static/mathjax/tex-chtml.js"></script>'
    pages = {
        "index.html": page(title="home", head="", body=(
            '<a href="good.html#sec">good anchor</a> <a href="good.html">good page</a>'
            '<img src="ok.png" alt="ok">')),
        "good.html": page(title="good", head=mathjax, body=(
            '<span id="sec">Math: </span><span class="math notranslate">\\(x^2 + \\alpha\\)</span>'
            '<div class="math notranslate">\\[\\sum_i w_i\\]</div><a href="index.html">home</a>')),
        "links.html": page(title="links", head="", body=(
            '<a href="good.html#no-such-anchor">bad anchor</a> <a href="missing.html">gone</a>')),
        "errors.html": page(title="errors", head="", body=(
            '<div class="cell_output"><div class="output traceback">Traceback (most recent call last):'
            '\nValueError: boom</div></div><img src="no-such.png" alt="x">'
            'see <span class="xref std std-ref">ch-nowhere</span> and '
            '<a class="reference internal" href="good.html"><span class="std std-ref xref">ok</span></a>'
            '<script>throw new Error("planted exception")</script>')),
        "math.html": page(title="math", head="", body=(
            'Untypeset: <span class="math notranslate">\\(y = Wx\\)</span> and $$E = mc^2$$')),
        "cdn.html": page(title="cdn", head='<script src="http://cdn.invalid/lib.js"></script>',
                                body="A page that needs the network."),
        "code.html": page(title="code", head="", body=(
            '<div class="cell_input" style="width: 300px"><div class="highlight"><pre style="white-space: pre">'
            'x = "' + "a" * 200 + '"</pre></div></div>'
            '<div class="cell_input" style="width: 300px"><div class="highlight">'
            '<pre style="white-space: pre-wrap; overflow-wrap: anywhere">y = "' + "b" * 200 + '"</pre></div></div>')),
        "badtex.html": page(title="badtex", head=mathjax,
                                   body='<span class="math notranslate">\\(\\frac{1}{\\nosuchmacro}\\)</span>'),
    }
    # an interactive figure made by lib.plots, with plotly.js in _static (as _ext/book_html.py
    # puts it), and the same figure on a page whose content root has no plotly.js
    import numpy as np

    from lib import models, plots
    sys.path.insert(0, str(ROOT / "_ext"))
    import book_html

    shutil.copyfile(book_html.plotly_js_path(), root / "_static" / "plotly.min.js")
    words = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
    kv = models.keyed_vectors(words, np.random.default_rng(0).normal(size=(6, 5)))
    fig_html = plots.interactive_html(plots.word_map_figure(kv, words, n_neighbours=2, restrict=None))
    pages["plot.html"] = page(title="plot", body="</p>" + fig_html + "<p>")
    pages["plotbroken.html"] = page(title="plotbroken", body="</p>" + fig_html + "<p>", root="nowhere/")
    for name, text in pages.items():
        (root / name).write_text(text)
    (root / "_toc.yml").write_text("format: jb-book\nroot: index\nchapters:\n- file: good\n- file: never_built\n")
    report = sac.check_site(root, toc=root / "_toc.yml", screenshots=root / "_shots",
                            shots={"good": ("good.html", False), "good-dark": ("good.html", True)},
                            chromium=chromium)
    return report


def _problems(report, page):
    return [p for p in report.problems if p.startswith(page + ":")]


def test_checker_passes_good_pages(fault_site):
    assert _problems(fault_site, "index.html") == []
    assert _problems(fault_site, "good.html") == []
    good = next(p for p in fault_site.pages if p.path == "good.html")
    assert good.data["mathjax"]["present"] and good.data["mathjax"]["version"].startswith("3")
    assert {s.name for s in fault_site.screenshots} >= {"good.png", "good-dark.png"}


def test_checker_draws_and_hovers_interactive_figure(fault_site):
    assert _problems(fault_site, "plot.html") == []
    plot = next(p for p in fault_site.pages if p.path == "plot.html")
    assert any(i.startswith("plotly-offline-") for i in plot.data["ids"])
    names = {s.name for s in fault_site.screenshots}
    assert {"figure-plot.png", "figure-nojs-plot.png"} <= names


def test_checker_catches_figure_that_does_not_draw(fault_site):
    probs = " | ".join(_problems(fault_site, "plotbroken.html"))
    assert "interactive figure did not draw" in probs
    assert "HTTP 404 for nowhere/_static/plotly.min.js" in probs


def test_checker_catches_missing_toc_page(fault_site):
    assert any("never_built" in p and "was not built" in p for p in fault_site.problems)


def test_checker_catches_code_cut_at_the_right_edge(fault_site):
    probs = _problems(fault_site, "code.html")
    assert len(probs) == 1 and "code cut at the right edge" in probs[0] and "aaaa" in probs[0], probs


def test_checker_catches_broken_links(fault_site):
    probs = _problems(fault_site, "links.html")
    assert any("no anchor #no-such-anchor on good.html" in p for p in probs), probs
    assert any("missing.html -> no such file" in p for p in probs), probs


def test_checker_catches_error_output_image_and_js(fault_site):
    probs = " | ".join(_problems(fault_site, "errors.html"))
    assert "stored error output" in probs
    assert "image did not load" in probs and "no-such.png" in probs
    assert "HTTP 404" in probs
    assert "planted exception" in probs
    assert "unresolved cross-reference (shown as the raw label): ch-nowhere" in probs
    assert "label): ok" not in probs


def test_checker_catches_untypeset_math(fault_site):
    probs = " | ".join(_problems(fault_site, "math.html"))
    assert "MathJax did not start" in probs
    assert "untypeset TeX" in probs and "$$E = mc^2$$" in probs
    assert "not typeset by MathJax" in probs
    assert "MathJax is not loaded from the book's _static folder" in probs


def test_checker_catches_tex_errors(fault_site):
    probs = " | ".join(_problems(fault_site, "badtex.html"))
    assert "MathJax error" in probs and "nosuchmacro" in probs


def test_checker_catches_network_requests(fault_site):
    probs = " | ".join(_problems(fault_site, "cdn.html"))
    assert "cdn.invalid" in probs and "outside the book" in probs


# --------------------------------------------------------------------------- helpers, no browser
def test_toc_files_reads_nested_parts(tmp_path):
    toc = tmp_path / "_toc.yml"
    toc.write_text("format: jb-book\nroot: a/intro\nparts:\n- caption: P\n  chapters:\n"
                   "  - file: a/one\n    sections:\n    - file: a/one_b\n- caption: Q\n  chapters:\n  - file: z\n")
    assert sac.toc_files(toc) == ["a/intro", "a/one", "a/one_b", "z"]


def test_check_site_rejects_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="no built HTML"):
        sac.check_site(tmp_path / "nope")


def test_server_serves_and_logs(tmp_path):
    import urllib.request

    (tmp_path / "a.html").write_text("<p>hi</p>")
    with sac.Server(tmp_path) as server:
        assert urllib.request.urlopen(server.base + "a.html").read() == b"<p>hi</p>"
        with pytest.raises(Exception):
            urllib.request.urlopen(server.base + "b.html")
    assert ("/a.html", 200) in server.requests and ("/b.html", 404) in server.requests


def test_server_rejects_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        sac.Server(tmp_path / "nope")


def test_redirect_target(tmp_path):
    page = tmp_path / "index.html"
    page.write_text('<meta http-equiv="Refresh" content="0; url=chapters/preface.html" />')
    assert sac._redirect_target(page) == "chapters/preface.html"
    page.write_text("<p>no redirect</p>")
    assert sac._redirect_target(page) is None


def test_browser_reports_a_chromium_that_dies(tmp_path):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'fake chromium: cannot open libnss3.so' >&2\nexit 1\n")
    fake.chmod(0o755)
    with pytest.raises(sac.CDPError, match="closed the pipe.*libnss3"):
        sac.Browser(str(fake), timeout=10)


def test_browser_needs_chromium(monkeypatch):
    monkeypatch.setenv("CHROMIUM", "/nonexistent/chromium")
    assert sac.find_chromium() is None
    with pytest.raises(FileNotFoundError, match="Chromium not found"):
        sac.Browser()


# --------------------------------------------------------------------------- outputs the HTML can show
def _html_mime_priority() -> list[str]:
    import yaml
    from myst_nb.core.render import get_mime_priority

    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    overrides = ((config.get("sphinx") or {}).get("config") or {}).get("nb_mime_priority_overrides", [])
    return get_mime_priority("html", [tuple(o) for o in overrides])


def _lost_outputs(paths) -> list[str]:
    """Outputs of the notebooks ``paths`` that have no mime type the HTML builder renders."""
    import nbformat

    priority = set(_html_mime_priority())
    lost = []
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        for i, cell in enumerate(nb.cells):
            for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
                if out.output_type in ("display_data", "execute_result") and out.get("data"):
                    if out.get("metadata", {}).get("scrapbook") and all(
                            m.startswith("application/papermill.record/") for m in out["data"]):
                        continue  # a glued value (lib.prose.glue): the prose shows it, not the output
                    if not priority & set(out["data"]):
                        lost.append(f"{Path(path).name} cell {i}: {sorted(out['data'])}")
    return lost


def test_every_notebook_output_can_be_shown_in_html():
    """An output whose only mime types the HTML builder cannot render vanishes from the book
    without a trace (the build's ``mystnb.unknown_mime_type`` warning is suppressed, because
    lib.plots.interactive outputs also carry plotly's JSON for JupyterLab). A bare plotly
    ``fig.show()`` is such an output: use ``lib.plots.interactive(fig)`` instead."""
    paths = [ROOT / (f + ".ipynb") for f in sac.toc_files(ROOT / "_toc.yml")]
    lost = _lost_outputs([p for p in paths if p.exists()])
    assert not lost, "outputs the HTML book cannot show (they would silently disappear):\n" + "\n".join(lost)


def test_lost_output_check_flags_a_bare_plotly_figure(tmp_path):
    import nbformat
    import plotly.graph_objects as go

    from lib import plots

    fig = go.Figure(go.Scatter(x=[1, 2, 3], y=[3, 1, 2], text=["a", "b", "c"], mode="markers+text"))
    bare = nbformat.v4.new_output("display_data", data={"application/vnd.plotly.v1+json": fig.to_plotly_json()})
    bundle = plots.interactive(fig)._repr_mimebundle_()
    good = nbformat.v4.new_output("execute_result", data=bundle, execution_count=2)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("fig.show()", outputs=[bare]),
                                         nbformat.v4.new_code_cell("plots.interactive(fig)", outputs=[good])])
    glued = nbformat.v4.new_output("display_data", data={"application/papermill.record/text/plain": "0.5"},
                                   metadata={"scrapbook": {"name": "x", "mime_prefix": "application/papermill.record/"}})
    nb.cells.append(nbformat.v4.new_code_cell("glue('x', 0.5)", outputs=[glued]))
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert _lost_outputs([path]) == ["nb.ipynb cell 0: ['application/vnd.plotly.v1+json']"]
