"""Sphinx extension with the book's HTML fixes (loaded from ``_config.yml``, ``local_extensions``).

1. plotly.js served from the book's own ``_static`` folder (no CDN). At the end of a
   successful HTML build, the ``plotly.min.js`` that ships inside the installed ``plotly``
   Python package is copied to ``_build/html/_static/plotly.min.js``. Interactive figures
   made by :func:`lib.plots.interactive` load it from there on demand (only pages that hold
   a figure download it), so they work with no network, and the plotly.js version always
   matches the Python package that made the figure.
3. "Cited in" back-links. sphinxcontrib-bibtex lists each paper on the bibliography page but
   does not say where it is cited; each entry gets a line "Cited in: <chapter>, <chapter>"
   linking to the pages that cite it (in table-of-contents order).
2. No duplicated inline scripts. With Sphinx 7.4, sphinx-thebe 0.3.1 registers its inline
   configuration script (``const THEBE_JS_URL = ...``) twice, so every page raised
   "SyntaxError: Identifier 'THEBE_JS_URL' has already been declared" in the browser. Exact
   duplicates of a script (same file, same body, same attributes) are dropped from each page.
4. Buttons that work or are absent. The repository, issue and edit buttons and the launch buttons
   (Binder, Colab, a course JupyterHub) all build links from the book's public repository, which is
   one setting, ``BOOK_REPOSITORY_URL`` (:func:`lib.settings.repository`). Unset, every such button
   and Jupyter Book's default repository URL (its own) are removed, so no link goes nowhere; set,
   they are switched on and point at that repository's ``.ipynb`` files.
5. The book's stylesheet, ``_ext/static/book.css``: code cells wrap long lines at the cell's width.
"""
from __future__ import annotations

import shutil
from pathlib import Path

PLOTLY_TARGET = "plotly.min.js"


def plotly_js_path() -> Path:
    """Path of the ``plotly.min.js`` bundled with the installed plotly package."""
    import plotly

    path = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    if not path.is_file():
        raise FileNotFoundError(f"plotly.min.js not found in the plotly package at {path}")
    return path


def copy_plotly_js(app, exc) -> None:
    if exc is not None or app.builder.format != "html":
        return
    static = Path(app.outdir) / "_static"
    static.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(plotly_js_path(), static / PLOTLY_TARGET)


def _script_key(script) -> tuple:
    filename = getattr(script, "filename", script) or ""  # None and "" both mean an inline script
    attributes = getattr(script, "attributes", {}) or {}
    return (str(filename), tuple(sorted((k, str(v)) for k, v in attributes.items())))


def dedupe_scripts(app, pagename, templatename, context, doctree) -> None:
    scripts = context.get("script_files")
    if not scripts:
        return
    seen, kept = set(), []
    for script in scripts:
        key = _script_key(script)
        if key in seen:
            continue
        seen.add(key)
        kept.append(script)
    if len(kept) != len(scripts):
        scripts[:] = kept


def _toc_order(app) -> list[str]:
    """Docnames in reading order (root first, then the table of contents depth-first)."""
    includes = app.env.toctree_includes
    order, stack, seen = [], [app.config.root_doc], set()
    while stack:
        doc = stack.pop()
        if doc in seen:
            continue
        seen.add(doc)
        order.append(doc)
        stack.extend(reversed(includes.get(doc, [])))
    return order


def add_cited_in(app, doctree, docname) -> None:
    if app.builder.format != "html" or "cite" not in app.env.domains:
        return
    from docutils import nodes

    domain = app.env.get_domain("cite")
    key_of = {c.citation_id: c.key for c in domain.citations if c.bibliography_key.docname == docname}
    if not key_of:
        return
    order = {d: i for i, d in enumerate(_toc_order(app))}
    cited_in: dict[str, list[str]] = {}
    for ref in domain.citation_refs:
        for target in ref.targets:
            docs = cited_in.setdefault(target.key, [])
            if ref.docname not in docs:
                docs.append(ref.docname)
    for node in list(doctree.findall(nodes.citation)):
        key = next((key_of[i] for i in node["ids"] if i in key_of), None)
        docs = sorted(cited_in.get(key, []), key=lambda d: (order.get(d, len(order)), d))
        if not docs:
            continue
        para = nodes.paragraph(classes=["cited-in"])
        para += nodes.emphasis(text="Cited in: ")
        for k, doc in enumerate(docs):
            if k:
                para += nodes.Text(", ")
            title = app.env.titles[doc].astext() if doc in app.env.titles else doc
            para += nodes.reference("", title, internal=True,
                                    refuri=app.builder.get_relative_uri(docname, doc))
        node += para


def repository_buttons(app, config) -> None:
    """Switch the repository and launch buttons on for ``BOOK_REPOSITORY_URL``, or remove them."""
    from lib import settings

    repo = settings.repository()          # read (and validated) whatever the theme
    if getattr(config, "html_theme", None) != "sphinx_book_theme":
        return                            # the buttons are sphinx-book-theme's options
    options = dict(config.html_theme_options or {})
    buttons = ("use_repository_button", "use_issues_button", "use_edit_page_button")
    if repo is None:
        for key in ("repository_url", "repository_branch", "launch_buttons"):
            options.pop(key, None)
        options.update({key: False for key in buttons})
    else:
        options.update({key: True for key in buttons})
        options.update(repository_url=repo["url"], repository_branch=repo["branch"], path_to_docs="",
                       launch_buttons={"notebook_interface": "jupyterlab", "binderhub_url": "https://mybinder.org",
                                       "colab_url": "https://colab.research.google.com",
                                       "jupyterhub_url": repo["jupyterhub_url"], "thebe": False})
    config.html_theme_options = options


STATIC = Path(__file__).resolve().parent / "static"


def add_static_path(app, config) -> None:
    paths = list(config.html_static_path or [])
    if str(STATIC) not in paths:
        config.html_static_path = paths + [str(STATIC)]


def setup(app):
    app.connect("config-inited", repository_buttons)
    app.connect("config-inited", add_static_path)
    app.add_css_file("book.css")
    plotly_js_path()  # fail early, with a clear message, if plotly is missing
    app.connect("build-finished", copy_plotly_js)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    app.connect("doctree-resolved", add_cited_in)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
