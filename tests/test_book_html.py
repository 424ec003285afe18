"""Tests for the book's Sphinx extension _ext/book_html.py (plotly.js offline, script dedupe,
"Cited in" back-links), including a real Sphinx build of a three-page project."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "_ext"))
import book_html  # noqa: E402


def test_plotly_js_path_is_the_packaged_bundle():
    path = book_html.plotly_js_path()
    assert path.name == "plotly.min.js" and path.stat().st_size > 1_000_000
    from plotly.offline import get_plotlyjs_version

    assert f"plotly.js v{get_plotlyjs_version()}" in path.read_text(encoding="utf-8", errors="replace")[:400]


def test_dedupe_scripts_drops_exact_duplicates_only():
    from sphinx.builders.html._assets import _JavaScript

    body = 'const THEBE_JS_URL = "x"'
    scripts = [_JavaScript(None, body=body), _JavaScript("a.js"), _JavaScript("", body=body),
               _JavaScript("a.js", defer="defer"), _JavaScript("a.js"), _JavaScript("", body="let y = 1")]
    context = {"script_files": scripts}
    book_html.dedupe_scripts(None, "page", "page.html", context, None)
    kept = [(s.filename or "", s.attributes) for s in context["script_files"]]
    assert kept == [("", {"body": body}), ("a.js", {}), ("a.js", {"defer": "defer"}), ("", {"body": "let y = 1"})]
    assert context["script_files"] is scripts  # changed in place, as Sphinx hands it on


def test_dedupe_scripts_without_scripts():
    context = {}
    book_html.dedupe_scripts(None, "page", "page.html", context, None)
    assert context == {}


BIB = """@article{smith2020demo,
  author = {Smith, Jane},
  title = {A demonstration entry},
  journal = {Journal of Tests},
  year = {2020},
}
@article{doe2019other,
  author = {Doe, John},
  title = {An entry nobody cites},
  journal = {Journal of Tests},
  year = {2019},
}
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    src = tmp_path_factory.mktemp("src")
    out = src / "_out"
    (src / "conf.py").write_text(
        "extensions = ['sphinxcontrib.bibtex', 'book_html']\n"
        "bibtex_bibfiles = ['refs.bib']\nbibtex_default_style = 'alpha'\n"
        "bibtex_bibliography_header = ''\nroot_doc = 'index'\n")
    (src / "refs.bib").write_text(BIB)
    (src / "index.rst").write_text("Home\n====\n\n.. toctree::\n\n   first\n   second\n   bib\n")
    (src / "first.rst").write_text("First chapter\n=============\n\nAs shown by :cite:p:`smith2020demo`.\n")
    (src / "second.rst").write_text("Second chapter\n==============\n\nAgain :cite:t:`smith2020demo`.\n")
    (src / "bib.rst").write_text("Bibliography\n============\n\n.. bibliography::\n   :all:\n")
    env = dict(os.environ, PYTHONPATH=str(ROOT / "_ext") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    res = subprocess.run([sys.executable, "-m", "sphinx", "-b", "html", "-W", "-q", str(src), str(out)],
                         capture_output=True, text=True, env=env, timeout=300)
    assert res.returncode == 0, res.stderr
    return out


def test_build_copies_plotly_js(built):
    assert (built / "_static" / "plotly.min.js").stat().st_size == book_html.plotly_js_path().stat().st_size


def test_bibliography_links_back_to_citing_chapters(built):
    html = (built / "bib.html").read_text()
    assert html.count('class="cited-in"') == 1  # the uncited entry gets no line
    line = html.split('class="cited-in"', 1)[1].split("</p>", 1)[0]
    assert 'href="first.html"' in line and 'href="second.html"' in line
    assert line.index("first.html") < line.index("second.html")  # reading order
    assert "First chapter" in line and "Second chapter" in line


def test_toc_order(built):
    class App:
        class config:
            root_doc = "index"

        class env:
            toctree_includes = {"index": ["first", "second", "bib"], "first": ["first_a"]}

    assert book_html._toc_order(App) == ["index", "first", "first_a", "second", "bib"]


class _Config:
    html_theme = "sphinx_book_theme"

    def __init__(self, options):
        self.html_theme_options = options


JB_DEFAULTS = {"repository_url": "https://github.com/executablebooks/jupyter-book", "repository_branch": "master",
               "use_repository_button": True, "launch_buttons": {"binderhub_url": "https://mybinder.org"}}


def test_without_a_repository_no_button_points_anywhere(monkeypatch):
    monkeypatch.delenv("BOOK_REPOSITORY_URL", raising=False)
    config = _Config(dict(JB_DEFAULTS, search_bar_text="Search"))
    book_html.repository_buttons(None, config)
    opts = config.html_theme_options
    assert "repository_url" not in opts and "launch_buttons" not in opts
    assert not opts["use_repository_button"] and not opts["use_issues_button"] and not opts["use_edit_page_button"]
    assert opts["search_bar_text"] == "Search"          # other options kept


def test_with_a_repository_the_buttons_point_at_it(monkeypatch):
    monkeypatch.setenv("BOOK_REPOSITORY_URL", "https://github.com/someone/embeddings-book")
    monkeypatch.setenv("BOOK_REPOSITORY_BRANCH", "release")
    config = _Config(dict(JB_DEFAULTS))
    book_html.repository_buttons(None, config)
    opts = config.html_theme_options
    assert opts["repository_url"] == "https://github.com/someone/embeddings-book"
    assert opts["repository_branch"] == "release" and opts["use_edit_page_button"]
    assert opts["launch_buttons"]["colab_url"] and opts["launch_buttons"]["binderhub_url"]
    assert opts["launch_buttons"]["jupyterhub_url"] == ""     # only when BOOK_JUPYTERHUB_URL says so


def test_a_malformed_repository_url_is_refused(monkeypatch):
    monkeypatch.setenv("BOOK_REPOSITORY_URL", "github.com/someone")
    with pytest.raises(ValueError, match="BOOK_REPOSITORY_URL"):
        book_html.repository_buttons(None, _Config({}))


def test_the_built_book_has_no_placeholder_links():
    """The real book's pages (``make html``): no placeholder or example host, no launch button without a repository."""
    site = ROOT / "_build" / "html"
    if not (site / "index.html").is_file():
        pytest.skip("run `make html` first")
    bad = ("PLACEHOLDER", "example.org", "executablebooks/jupyter-book", "mybinder.org", "colab.research.google.com")
    found = {}
    for page in site.rglob("*.html"):
        text = page.read_text(encoding="utf-8", errors="replace")
        hits = [b for b in bad if b in text]
        if hits:
            found[str(page.relative_to(site))] = hits
    if os.environ.get("BOOK_REPOSITORY_URL"):
        pytest.skip("built with a repository: launch links are expected")
    assert not found, found
