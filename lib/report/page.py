"""The report card as one self-contained HTML page: tables of every number with its interval, and figures
drawn with matplotlib and embedded as PNG (``data:`` URIs), so the page needs no network and no other file.
"""
from __future__ import annotations

import base64
import html
import io

import numpy as np

from ..plots import PALETTE

__all__ = ["render", "figures"]

_CSS = """body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
table{border-collapse:collapse;margin:1em 0;font-size:0.9em}th,td{border:1px solid #ccc;padding:3px 7px;text-align:right}
th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}tr.model td{font-weight:bold;background:#fff8e1}
figure{margin:1.5em 0}figcaption{font-size:0.9em;color:#444}img{max-width:100%}.note{color:#555;font-size:0.9em}"""


def _fmt(e, pct: bool = False, digits: int = 3) -> str:
    if e is None:
        return "n/a"
    if isinstance(e, dict):
        k = 100 if pct else 1
        d = 1 if pct else digits
        return f"{k * e['value']:.{d}f} <small>[{k * e['low']:.{d}f}, {k * e['high']:.{d}f}]</small>"
    return f"{e:.{digits}f}"


def _table(report: dict, header: list[str], cells) -> str:
    out = ["<table><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in header) + "</tr>"]
    for row, r in report["rows"].items():
        cls = "" if r["reference"] else ' class="model"'
        out.append(f"<tr{cls}><td>{html.escape(row)}</td>" + "".join(f"<td>{c}</td>" for c in cells(r)) + "</tr>")
    return "\n".join(out) + "</table>"


def _png(fig) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _colour(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def _depth(n: int) -> np.ndarray:
    return np.arange(n) / max(n - 1, 1)


def _curves(ax, report, get, ylabel: str, title: str) -> None:
    """One line per contextual row over relative depth (with its interval), static rows as dashed levels."""
    for j, (row, r) in enumerate(report["rows"].items()):
        vals = get(r)
        if vals is None:
            continue
        v = np.array([x["value"] if isinstance(x, dict) else x for x in vals], dtype=float)
        style = dict(lw=2.5 if not r["reference"] else 1.3, color=_colour(j))
        if len(v) == 1:
            ax.axhline(v[0], ls="--", label=f"{row} (static)", **style)
            continue
        x = _depth(len(v))
        ax.plot(x, v, marker="o", ms=3, label=row, **style)
        if isinstance(vals[0], dict):
            ax.fill_between(x, [e["low"] for e in vals], [e["high"] for e in vals], color=_colour(j), alpha=0.15)
    ax.set_xlabel("relative depth (layer / layers; 0 = input embeddings)", fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)


def _bars(ax, report, metrics: list[tuple[str, object]], ylabel: str, title: str, scale: float = 1.0) -> None:
    rows = list(report["rows"])
    width = 0.8 / len(rows)
    for j, row in enumerate(rows):
        r = report["rows"][row]
        ests = [get(r) for _, get in metrics]
        x = np.arange(len(metrics)) + j * width
        v = np.array([np.nan if e is None else scale * e["value"] for e in ests])
        err = np.array([[0, 0] if e is None else [scale * (e["value"] - e["low"]), scale * (e["high"] - e["value"])]
                        for e in ests]).T
        ax.bar(x, v, width, yerr=err, capsize=2, label=row, color=_colour(j),
               edgecolor="black" if not r["reference"] else None)
    ax.set_xticks(np.arange(len(metrics)) + width * (len(rows) - 1) / 2, [m for m, _ in metrics], fontsize=8)
    ax.set_ylabel(ylabel)
    ax.set_title(title)


def figures(report: dict) -> list[tuple[str, str]]:
    """The card's figures as ``(base64 PNG, caption)`` pairs.

    Parameters
    ----------
    report : dict
        From :func:`lib.report.build_report`.

    Returns
    -------
    list of (str, str)
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    out = []
    fig, axes = plt.subplots(1, 3, figsize=(14, 3.8))
    for ax, (key, title) in zip(axes, (("WordSim-353", "WordSim-353"), ("SimLex-999", "SimLex-999"))):
        _curves(ax, report, lambda r, k=key: [l[k]["spearman"] for l in r["word_vectors"]["by_layer"]],
                "Spearman correlation", title)
    _curves(axes[2], report, lambda r: [l["analogies"]["accuracy"] for l in r["word_vectors"]["by_layer"]],
            "accuracy (share of questions)", "Google analogies (3CosAdd)")
    axes[0].legend(fontsize=7)
    out.append((_png(fig), "Word similarity and analogies with static vectors read from each layer (each word "
                "encoded alone, pieces averaged); static tables are dashed levels."))

    fig, ax = plt.subplots(figsize=(6.5, 3.8))
    _curves(ax, report, lambda r: None if r["senses"] is None else [l["accuracy"] for l in r["senses"]["by_layer"]],
            "nearest-sense-centroid accuracy (share)", "Sense separation by layer")
    ax.axhline(0.5, color="grey", ls=":", lw=1, label="chance (two senses)")
    ax.legend(fontsize=7)
    out.append((_png(fig), "Leave-one-out nearest-sense-centroid accuracy of the ambiguous words' vectors at each "
                "layer, with 95% bootstrap bands over sentences."))

    fig, axes = plt.subplots(1, 2, figsize=(12, 3.8))
    _curves(axes[0], report, lambda r: [l["anisotropy"] for l in r["geometry"]["by_layer"]],
            "mean cosine of random pairs", "Anisotropy by layer")
    _curves(axes[1], report, lambda r: [l["effective_rank"] for l in r["geometry"]["by_layer"]],
            "effective rank (dimensions)", "Effective rank by layer")
    axes[0].legend(fontsize=7)
    out.append((_png(fig), "Anisotropy (0 = isotropic) and effective rank of mean-pooled sentence vectors of "
                "Wikipedia sentences at each layer, with 95% bands (bootstrap; half-sampling for the effective rank, "
                "which duplicated rows would lower)."))

    fig, ax = plt.subplots(figsize=(10, 3.8))
    _bars(ax, report, [("ICT nDCG@10", lambda r: r["retrieval"]["inverse cloze"]["scores"]["ndcg@10"]),
                       ("ICT recall@10", lambda r: r["retrieval"]["inverse cloze"]["scores"]["recall@10"]),
                       ("LIMIT recall@2", lambda r: r["retrieval"]["LIMIT-small"]["scores"]["recall@2"]),
                       ("LIMIT recall@10", lambda r: r["retrieval"]["LIMIT-small"]["scores"]["recall@10"]),
                       ("LIMIT nDCG@10", lambda r: r["retrieval"]["LIMIT-small"]["scores"]["ndcg@10"])],
          "score (0 to 1)", "Retrieval")
    ax.legend(fontsize=7)
    out.append((_png(fig), "Cosine retrieval with the sentence embeddings on the inverse cloze task (ICT) and "
                "LIMIT-small, with 95% bootstrap intervals over queries."))

    methods = list(next(iter(report["rows"].values()))["compression"]["kept"])
    fig, ax = plt.subplots(figsize=(11, 3.8))
    _bars(ax, report, [(m, lambda r, m=m: r["compression"]["kept"].get(m)) for m in methods],
          "nDCG@10 kept (% of float32)", "What compression keeps", scale=100)
    ax.axhline(100, color="grey", ls=":", lw=1)
    ax.legend(fontsize=7)
    out.append((_png(fig), "Share of the float32 nDCG@10 on the inverse cloze test queries kept by each "
                "compression, with paired 95% bootstrap intervals; missing bars do not apply."))
    return out


def render(report: dict) -> str:
    """The card as one HTML page.

    Parameters
    ----------
    report : dict
        From :func:`lib.report.build_report`.

    Returns
    -------
    str
        A complete HTML document with its figures embedded.
    """
    rows = report["rows"]
    model = report["model"]
    m = rows[model]["info"]
    e = html.escape
    parts = [f"<!doctype html><html><head><meta charset='utf-8'><title>Embedding report card: {e(model)}</title>"
             f"<style>{_CSS}</style></head><body>",
             f"<h1>Embedding report card: {e(model)}</h1>",
             f"<p>Model <code>{e(report['spec'])}</code>: {m['kind']}, {m['layers']} layers, {m['dim']} dimensions, "
             f"{e(m['pooling'])} pooling" + (f", max length {m['max_length']} tokens, on {e(m['device'])}" if 'max_length' in m else "")
             + f". Identity <code>{e(m['key'])}</code>. Size preset <b>{e(report['size']['name'])}</b>; every number "
             "carries a 95% interval in brackets (percentile bootstrap over the test items; half-sampling for the "
             "effective rank; none for the peak memory, a single maximum). Built by <code>make report</code> from the "
             "book's own offline tasks (lib.report).</p>"]
    parts += [f"<p class='note'>{e(n)}</p>" for n in report["notes"]]
    figs = figures(report)
    n_fig = 0

    def figure(i):
        nonlocal n_fig
        n_fig += 1
        png, cap = figs[i]
        return (f"<figure><img alt='{e(cap)}' src='data:image/png;base64,{png}'/>"
                f"<figcaption>Figure {n_fig}. {e(cap)}</figcaption></figure>")

    wv = lambda r, k: r["word_vectors"]["headline"][k]
    parts.append("<h2>Word similarity and analogies</h2><p>Static vectors read from the model as in Part III ch2 "
                 "(each word encoded alone); headline at the last layer.</p>")
    parts.append(_table(report, ["encoder", "WordSim-353 (Spearman)", "SimLex-999 (Spearman)", "analogy accuracy",
                                 "analogy MRR"],
                        lambda r: [_fmt(wv(r, "WordSim-353").get("ci")), _fmt(wv(r, "SimLex-999").get("ci")),
                                   _fmt(wv(r, "analogies").get("ci")), _fmt(wv(r, "analogies")["mrr"])]))
    parts.append(figure(0))
    parts.append("<h2>Sense separation by layer</h2>")

    def sense_cells(r):
        s = r["senses"]
        if s is None:
            return ["n/a (static: one vector per word)"] * 2
        best = int(np.argmax([l["accuracy"]["value"] for l in s["by_layer"]]))
        return [_fmt(s["by_layer"][-1]["accuracy"]), f"{best}: " + _fmt(s["by_layer"][best]["accuracy"])]
    parts.append(_table(report, ["encoder", "accuracy, last layer", "best layer: accuracy"], sense_cells))
    parts.append(figure(1))

    parts.append("<h2>Retrieval</h2>")
    t = report["tasks"]["inverse cloze"]
    parts.append(f"<p>Inverse cloze task: {t['queries']:,} queries, {t['passages']:,} passages; LIMIT-small: 46 "
                 "documents. The same scores are written in MTEB's result layout under <code>mteb/</code>.</p>")
    ret = lambda r, task, k: r["retrieval"][task]["scores"][k]
    parts.append(_table(report, ["encoder", "ICT nDCG@10", "ICT recall@10", "ICT MRR@10", "LIMIT recall@2",
                                 "LIMIT recall@10", "LIMIT nDCG@10"],
                        lambda r: [_fmt(ret(r, "inverse cloze", "ndcg@10")), _fmt(ret(r, "inverse cloze", "recall@10")),
                                   _fmt(ret(r, "inverse cloze", "mrr")), _fmt(ret(r, "LIMIT-small", "recall@2")),
                                   _fmt(ret(r, "LIMIT-small", "recall@10")), _fmt(ret(r, "LIMIT-small", "ndcg@10"))]))
    parts.append(figure(3))

    parts.append("<h2>Anisotropy and effective rank</h2>")
    g = lambda r, k: r["geometry"]["by_layer"][-1][k]
    parts.append(_table(report, ["encoder", "dimensions", "anisotropy, last layer", "effective rank, last layer"],
                        lambda r: [str(r["geometry"]["dim"]), _fmt(g(r, "anisotropy")), _fmt(g(r, "effective_rank"), digits=1)]))
    parts.append(figure(2))

    parts.append("<h2>Compression</h2><p>Share of the float32 nDCG@10 kept (%), on the "
                 f"{rows[model]['compression']['n_test_queries']:,} inverse cloze test queries (odd-numbered articles) "
                 "against every passage; int8 ranges and PCA fitted on the even-numbered articles.</p>")
    methods = list(rows[model]["compression"]["kept"])
    parts.append(_table(report, ["encoder", "float32 nDCG@10"] + methods,
                        lambda r: [_fmt(r["compression"]["float32_ndcg@10"])]
                        + [_fmt(r["compression"]["kept"].get(k), pct=True) for k in methods]))
    parts.append(figure(4))

    parts.append("<h2>Encoding speed and memory</h2><p>Measured in a fresh process per encoder (after one warm-up "
                 "batch); the peak resident set size is one maximum, without an interval.</p>")
    parts.append(_table(report, ["encoder", "sentences/s", "peak RSS (MB)", "RSS after loading (MB)", "torch threads"],
                        lambda r: [_fmt(r["speed"]["sentences_per_s"], digits=1), f"{r['speed']['peak_rss_mb']:.0f}",
                                   f"{r['speed']['loaded_rss_mb']:.0f}", str(r["speed"]["torch_threads"])]))
    mach = rows[model]["speed"]["machine"]
    parts.append(f"<p class='note'>Machine: {e(str(mach['processor']))}, {mach['cpus']} CPUs, Python "
                 f"{e(mach['python'])}, device {e(mach['device'])}. Report built in {report['seconds']['total']:.0f} s "
                 "(cached sections are read back, not recomputed).</p></body></html>")
    return "\n".join(parts)
