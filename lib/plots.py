"""Interactive figures that still work in the static, offline HTML book.

* :func:`word_map_coordinates` projects word vectors to 2-D (PCA, or t-SNE with a seed).
* :func:`word_map_figure` returns a plotly figure of those words: hover shows each word's
  frequency rank and its nearest neighbours in the *full* embedding space (so the reader can
  see what the 2-D projection distorts).
* :func:`static_png` draws a plotly scatter figure with matplotlib (no kaleido, no browser),
  the fallback image of the static page and of PDF/LaTeX builds.
* :func:`interactive` wraps a figure for display in a notebook cell: the HTML book gets a
  plotly figure whose ``plotly.js`` is loaded from the book's own ``_static`` folder (copied
  there by ``_ext/plotly_offline.py``; no CDN), with the static PNG shown until the figure
  has drawn (and kept if JavaScript or plotly.js is unavailable); Jupyter gets plotly's own
  mimetype; other builders get the PNG.

Typical cell::

    from lib import models, plots
    kv = models.load_glove()
    fig = plots.word_map_figure(kv, words, groups=groups)
    plots.interactive(fig)          # last expression of the cell
"""
from __future__ import annotations

import base64
import hashlib
import html
import io
import json
from typing import Sequence

import numpy as np

from . import checks, linalg, search

__all__ = ["METHODS", "PALETTE", "word_map_coordinates", "word_map_figure", "static_png", "interactive_html",
           "Interactive", "interactive"]

METHODS = ("pca", "tsne")
# matplotlib's "tab10": the interactive figure and its static fallback use the same colours
PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
           "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")


def _words_matrix(kv, words) -> tuple[list[str], np.ndarray]:
    if isinstance(words, str):
        raise ValueError("words must be a list of words, not a single string")
    words = [str(w) for w in checks.non_empty(list(words), "words")]
    if len(set(words)) != len(words):
        dup = sorted({w for w in words if words.count(w) > 1})
        raise ValueError(f"words contains duplicates: {dup[:5]}")
    checks.known_words(words, kv.key_to_index, "the embedding's vocabulary")
    X = checks.as_matrix(np.stack([kv[w] for w in words]), "word vectors")
    return words, X


def word_map_coordinates(kv, words: Sequence[str], method: str = "pca", seed: int = 0,
                         perplexity: float | None = None) -> np.ndarray:
    """2-D coordinates of ``words`` (rows of a gensim ``KeyedVectors``).

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
    words : sequence of str, length n >= 3, no duplicates, all in ``kv``
    method : {"pca", "tsne"}
        ``"pca"``: projection on the first two principal components of the centred vectors
        (:class:`lib.linalg.PCA`: deterministic, the sign of each axis fixed so that its
        largest loading is positive). ``"tsne"``: scikit-learn t-SNE on cosine distances with ``seed``.
    seed : int
        For t-SNE.
    perplexity : float, optional
        For t-SNE, in (0, n); default ``min(30, (n - 1) / 3)``.

    Returns
    -------
    ndarray, shape (n, 2), float64

    Examples
    --------
    >>> from lib import models
    >>> kv = models.keyed_vectors(["a", "b", "c"], [[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    >>> word_map_coordinates(kv, ["a", "b", "c"]).shape
    (3, 2)
    """
    checks.choice(method, "method", METHODS)
    seed = checks.integer(seed, "seed", lo=0)
    words, X = _words_matrix(kv, words)
    n = len(words)
    if n < 3:
        raise ValueError(f"a word map needs at least 3 words; got {n}")
    X = X.astype(np.float64)
    if method == "pca":
        return linalg.PCA(2).fit(X).transform(X).astype(np.float64)
    from sklearn.manifold import TSNE

    perp = min(30.0, (n - 1) / 3) if perplexity is None else checks.number(perplexity, "perplexity")
    if not 0 < perp < n:
        raise ValueError(f"perplexity must be between 0 and n={n}; got {perp}")
    return TSNE(n_components=2, perplexity=perp, metric="cosine", init="pca",
                random_state=seed).fit_transform(X)


def word_map_figure(kv, words: Sequence[str], groups: Sequence[str] | None = None,
                    method: str = "pca", n_neighbours: int = 5, restrict: int | None = 50000,
                    seed: int = 0, title: str | None = None, height: int = 560):
    """An interactive 2-D map of words: a plotly figure, one trace per group.

    Parameters
    ----------
    kv : gensim.models.KeyedVectors
        Rows in frequency order (as :func:`lib.models.load_glove` returns them), so that a
        row index is a frequency rank.
    words : sequence of str
        The words to place (at least 3, no duplicates, all in ``kv``).
    groups : sequence of str, optional
        A label per word (same length as ``words``); each group gets its own colour and
        legend entry, which the reader can click to hide or show.
    method : {"pca", "tsne"}
        See :func:`word_map_coordinates`.
    n_neighbours : int
        Nearest neighbours (cosine, in the full space) listed in each word's hover box;
        0 for none.
    restrict : int, optional
        Search neighbours among the ``restrict`` most frequent words only (default 50,000).
    seed : int
        For t-SNE.
    title : str, optional
        Default: the number of words and the method.
    height : int
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        Scatter traces with ``mode="markers+text"``; ``customdata`` holds the hover lines.
    """
    import plotly.graph_objects as go

    words, _ = _words_matrix(kv, words)
    if groups is None:
        groups = ["words"] * len(words)
    if isinstance(groups, str):
        raise ValueError("groups must be one label per word, not a single string")
    groups = [str(g) for g in groups]
    if len(groups) != len(words):
        raise ValueError(f"shape mismatch: {len(words)} words but {len(groups)} groups")
    if isinstance(n_neighbours, bool) or not isinstance(n_neighbours, (int, np.integer)) or n_neighbours < 0:
        raise ValueError(f"n_neighbours must be a non-negative integer; got {n_neighbours!r}")
    if restrict is not None:
        restrict = checks.integer(restrict, "restrict", lo=1)
    height = checks.integer(height, "height", lo=1)
    n_vocab = len(kv.index_to_key) if restrict is None else min(restrict, len(kv.index_to_key))
    if n_neighbours:
        checks.check_k(int(n_neighbours), n_vocab - 1, "words to search")
    xy = word_map_coordinates(kv, words, method=method, seed=seed)

    hover = []
    if n_neighbours:
        vecs = kv.vectors[:n_vocab]
        idx, sc = search.top_k(np.stack([kv[w] for w in words]), vecs, int(n_neighbours) + 1)
    for i, w in enumerate(words):
        lines = [f"<b>{html.escape(w)}</b> ({html.escape(groups[i])})",
                 f"frequency rank {kv.key_to_index[w] + 1:,}"]
        if n_neighbours:
            nbrs = [(kv.index_to_key[j], s) for j, s in zip(idx[i], sc[i]) if kv.index_to_key[j] != w]
            lines.append("nearest in the full space:")
            lines += [f"  {html.escape(v)}  {s:.2f}" for v, s in nbrs[: int(n_neighbours)]]
        hover.append("<br>".join(lines))

    fig = go.Figure()
    order = list(dict.fromkeys(groups))
    for k, g in enumerate(order):
        rows = [i for i, gi in enumerate(groups) if gi == g]
        fig.add_trace(go.Scatter(
            x=xy[rows, 0].round(4).tolist(), y=xy[rows, 1].round(4).tolist(),
            mode="markers+text", name=g, text=[words[i] for i in rows],
            textposition="top center", customdata=[hover[i] for i in rows],
            hovertemplate="%{customdata}<extra></extra>",
            marker=dict(size=9, color=PALETTE[k % len(PALETTE)])))
    axis = "PC" if method == "pca" else "t-SNE "
    fig.update_layout(
        title=title or f"{len(words)} words, projected to 2-D ({method.upper()}); hover for neighbours",
        xaxis_title=f"{axis}1", yaxis_title=f"{axis}2", template="plotly_white",
        height=int(height), legend_title_text="group", hoverlabel=dict(align="left"),
        margin=dict(l=60, r=20, t=60, b=50))
    return fig


def static_png(fig, dpi: int = 100) -> bytes:
    """Render a plotly figure of scatter traces as a PNG with matplotlib.

    Markers, their text labels, trace names (legend), axis titles and the title are drawn;
    other trace types raise ``ValueError``. Used as the static fallback of :func:`interactive`.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
        Scatter traces only.
    dpi : int >= 1

    Returns
    -------
    bytes
        A PNG image.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    dpi = checks.integer(dpi, "dpi", lo=1)
    traces = list(getattr(fig, "data", []))
    if not traces:
        raise ValueError("the figure has no traces to draw")
    bad = [t.type for t in traces if t.type != "scatter"]
    if bad:
        raise ValueError(f"static_png draws scatter traces only; got {bad[0]!r}")
    height = fig.layout.height or 500
    mfig = Figure(figsize=(9, height / 80), dpi=dpi)
    FigureCanvasAgg(mfig)
    ax = mfig.add_subplot()
    for k, t in enumerate(traces):
        x, y = np.asarray(t.x, dtype=float), np.asarray(t.y, dtype=float)
        colour = t.marker.color if isinstance(t.marker.color, str) else PALETTE[k % len(PALETTE)]
        ax.scatter(x, y, s=25, color=colour, label=t.name)
        for xi, yi, label in zip(x, y, t.text or []):
            ax.annotate(str(label), (xi, yi), textcoords="offset points", xytext=(0, 4),
                        ha="center", fontsize=8)
    title = fig.layout.title.text or ""
    ax.set_title(title.replace("; hover for neighbours", ""))
    ax.set_xlabel(fig.layout.xaxis.title.text or "")
    ax.set_ylabel(fig.layout.yaxis.title.text or "")
    if len(traces) > 1:
        ax.legend(fontsize=8, loc="best")
    mfig.tight_layout()
    buf = io.BytesIO()
    mfig.savefig(buf, format="png", facecolor="white")
    return buf.getvalue()


_LOADER = """<script type="text/javascript">
(function () {
  var box = document.getElementById("%(id)s");
  if (!box) { return; }
  var plot = box.querySelector(".plotly-offline-plot");
  var fallback = box.querySelector(".plotly-offline-fallback");
  var spec = JSON.parse(box.querySelector("script.plotly-offline-spec").textContent);
  function draw() {
    plot.style.display = "block";
    window.Plotly.newPlot(plot, spec.data, spec.layout, {responsive: true, displaylogo: false})
      .then(function () { fallback.style.display = "none"; box.setAttribute("data-plotly-drawn", "1"); })
      .catch(function (e) { plot.style.display = "none"; box.setAttribute("data-plotly-failed", String(e)); });
  }
  if (window.Plotly) { draw(); return; }
  var root = document.documentElement.getAttribute("data-content_root");
  if (root === null) { box.setAttribute("data-plotly-failed", "no content root"); return; }  /* not in the book: keep the image */
  var src = root + "_static/plotly.min.js";
  var s = document.querySelector('script[data-plotly-offline]');
  if (!s) {
    s = document.createElement("script");
    s.src = src; s.setAttribute("data-plotly-offline", "1");
    document.head.appendChild(s);
  }
  s.addEventListener("load", draw);
  s.addEventListener("error", function () { box.setAttribute("data-plotly-failed", "plotly.js did not load"); });
})();
</script>"""


def interactive_html(fig, fallback_png: bytes | None = None) -> str:
    """HTML for the book: the static PNG, replaced by the live plotly figure once drawn.

    plotly.js is loaded from ``<content root>/_static/plotly.min.js`` (the page's
    ``data-content_root`` attribute, which Sphinx writes), never from a CDN. Without
    JavaScript, or outside the book, the PNG stays.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    fallback_png : bytes, optional
        The static image; default :func:`static_png` of ``fig``.

    Returns
    -------
    str
        A ``<div>`` holding the image, the figure's JSON and a loader ``<script>``.
    """
    png = static_png(fig) if fallback_png is None else fallback_png
    if not isinstance(png, (bytes, bytearray)) or not png.startswith(b"\x89PNG"):
        raise ValueError("fallback_png must be the bytes of a PNG image")
    spec = fig.to_plotly_json()
    spec_json = json.dumps({"data": spec["data"], "layout": spec["layout"]},
                           cls=_plotly_encoder(), sort_keys=True)
    spec_json = spec_json.replace("</", "<\\/")  # no "</script>" inside the script element
    div_id = "plotly-offline-" + hashlib.sha1(spec_json.encode()).hexdigest()[:12]
    title = html.escape(fig.layout.title.text or "interactive figure")
    height = int(fig.layout.height or 500)
    return (
        f'<div class="plotly-offline" id="{div_id}">'
        f'<img class="plotly-offline-fallback" alt="{title} (static image)" style="max-width:100%" '
        f'src="data:image/png;base64,{base64.b64encode(png).decode()}"/>'
        f'<div class="plotly-offline-plot" style="display:none;width:100%;height:{height}px"></div>'
        f'<script type="application/json" class="plotly-offline-spec">'
        f'{spec_json}</script></div>\n'
        + _LOADER % {"id": div_id}
    )


def _plotly_encoder():
    from plotly.utils import PlotlyJSONEncoder

    return PlotlyJSONEncoder


class Interactive:
    """A displayable plotly figure with a static fallback (see :func:`interactive`).

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    fallback_png : bytes, optional
        Default :func:`static_png` of ``fig``.
    """

    def __init__(self, fig, fallback_png: bytes | None = None):
        self.fig = fig
        self.png = static_png(fig) if fallback_png is None else fallback_png

    def _repr_mimebundle_(self, include=None, exclude=None):
        return {
            "text/html": interactive_html(self.fig, self.png),
            "image/png": base64.b64encode(self.png).decode(),
            "application/vnd.plotly.v1+json": json.loads(self.fig.to_json()),
            "text/plain": f"<interactive figure: {self.fig.layout.title.text or 'plotly'}>",
        }


def interactive(fig, fallback_png: bytes | None = None) -> Interactive:
    """Wrap a plotly figure for display as the last expression of a notebook cell.

    The output holds ``text/html`` (used by the HTML book: offline plotly with a PNG
    fallback), ``application/vnd.plotly.v1+json`` (used by JupyterLab), ``image/png``
    (used by PDF builds) and ``text/plain``.

    Parameters
    ----------
    fig : plotly.graph_objects.Figure
    fallback_png : bytes, optional
        Default :func:`static_png` of ``fig``.

    Returns
    -------
    Interactive
    """
    if not hasattr(fig, "to_plotly_json"):
        raise ValueError(f"interactive() needs a plotly figure; got {type(fig).__name__}")
    return Interactive(fig, fallback_png)
