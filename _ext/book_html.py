"""Sphinx extension with the book's HTML fixes (loaded from ``_config.yml``, ``local_extensions``).

1. plotly.js served from the book's own ``_static`` folder (no CDN). At the end of a
   successful HTML build, the ``plotly.min.js`` that ships inside the installed ``plotly``
   Python package is copied to ``_build/html/_static/plotly.min.js``. Interactive figures
   made by :func:`lib.plots.interactive` load it from there on demand (only pages that hold
   a figure download it), so they work with no network, and the plotly.js version always
   matches the Python package that made the figure.
2. No duplicated inline scripts. With Sphinx 7.4, sphinx-thebe 0.3.1 registers its inline
   configuration script (``const THEBE_JS_URL = ...``) twice, so every page raised
   "SyntaxError: Identifier 'THEBE_JS_URL' has already been declared" in the browser. Exact
   duplicates of a script (same file, same body, same attributes) are dropped from each page.
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


def setup(app):
    plotly_js_path()  # fail early, with a clear message, if plotly is missing
    app.connect("build-finished", copy_plotly_js)
    app.connect("html-page-context", dedupe_scripts, priority=900)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
