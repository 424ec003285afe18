"""Build the data of the offline embedding explorer (``chapters/explorer.md``).

Usage: python tools/build_explorer.py [--spaces glove,static,minilm,mpnet]   (or ``make explorer``)

Writes one JavaScript file per space under ``_ext/static/explorer/`` (``data_<space>.js``, which sets
``window.EXPLORER_DATA[<space>]``; the passages' texts once, in ``passages.js``), loaded by ``<script>`` tags so that the page works from
``file://`` with no server and no ``fetch``; and ``quantization.json``, what the int8 storage costs.

The spaces:

* ``glove``: GloVe 6B 50d (:func:`lib.models.load_glove`), the ``N_WORDS`` most frequent
  alphabetic words (:data:`lib.contextual.WORD_RE`), in GloVe's frequency order;
* ``static``: the same words in Part III's static MiniLM, the model2vec distillation of
  all-MiniLM-L6-v2 with 256 PCA dimensions (:func:`lib.contextual.model2vec_model`,
  :func:`lib.contextual.model2vec_vectors`);
* ``minilm`` and ``mpnet``: the sentence vectors (:func:`lib.encodings.sentence_vectors`) of the
  3,046 passages of Part V's inverse cloze task (:func:`lib.tasks.inverse_cloze_task`), from
  all-MiniLM-L6-v2 and all-mpnet-base-v2. mpnet over the passages took 17 minutes on two (shared) CPU
  cores the first time (then :mod:`lib.cache` has it; each space's maps then take under two minutes).

Each vector is made unit length, then stored as int8 with one float32 scale per vector
(``v ~ scale * q``, ``scale = max|v| / 127``). The page ranks by the cosine of the dequantized
vectors, which the scale does not change, in float64 over every row. The cost of the int8
storage is measured here: for ``N_SAMPLE`` rows drawn at random (seed 0), the share of the ten
float32 neighbours (:func:`lib.search.neighbour_lists`) that the int8 neighbours keep
(:func:`lib.search.list_overlap`). The 2-D maps are PCA (:class:`lib.linalg.PCA`) and t-SNE
(scikit-learn, on the first 50 principal components, seed 0) of the ``N_MAP`` most frequent
words, or of all passages.
"""
from __future__ import annotations

import argparse
import base64
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib import contextual, data, encodings, linalg, models, search, tasks  # noqa: E402

OUT = ROOT / "_ext" / "static" / "explorer"
N_WORDS = 20000       # words per word space
N_MAP = 5000          # words drawn on the 2-D maps (the most frequent)
N_SAMPLE = 500        # rows whose neighbours measure the cost of int8
K = 10                # neighbours shown
MAP_GRID = 10000      # map coordinates are stored as integers 0..MAP_GRID
SPACES = ("glove", "static", "minilm", "mpnet")
ENCODERS = {"minilm": "all-MiniLM-L6-v2", "mpnet": "all-mpnet-base-v2"}

DESCRIPTIONS = {   # title, kind, what it is; the page adds the rows and dimensions from the data
    "glove": ("GloVe 6B 50d", "words",
              "GloVe trained on Wikipedia and Gigaword, 6B tokens (Part II); the most frequent alphabetic "
              "words of its vocabulary."),
    "static": ("static MiniLM (model2vec)", "words",
               "The same words in the model2vec distillation of all-MiniLM-L6-v2 (Part III): every token "
               "passed through the model alone, PCA, SIF weights; a word is the mean of its tokens' rows."),
    "minilm": ("MiniLM passages", "passages",
               "all-MiniLM-L6-v2 sentence vectors (mean pooling) of the Wikipedia passages of Part V's "
               "inverse cloze task."),
    "mpnet": ("mpnet passages", "passages",
              "all-mpnet-base-v2 sentence vectors (mean pooling) of the same passages."),
}


def quantize(X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Unit rows to int8 codes with one float32 scale per row (``row ~ scale * codes``)."""
    U = linalg.unit(np.asarray(X, dtype=np.float64))
    amax = np.abs(U).max(1)
    scale = np.where(amax > 0, amax / 127.0, 1.0)
    q = np.clip(np.rint(U / scale[:, None]), -127, 127).astype(np.int8)
    return q, scale.astype(np.float32)


def int8_neighbours(q: np.ndarray, queries, k: int = K) -> tuple[np.ndarray, np.ndarray]:
    """The page's ranking: cosine of the int8 codes in float64, the row itself excluded, ties by row.

    The dot products of int8 codes are exact integers; the cosine is ``dot / (|a| |b|)`` with
    the norms in float64, as ``explorer.js`` computes it, so the two give the same lists.
    """
    Q = q.astype(np.int64)
    norms = np.sqrt((Q * Q).sum(1).astype(np.float64))
    out_i, out_s = [], []
    for i in np.atleast_1d(queries):
        dots = (Q @ Q[i]).astype(np.float64)
        cos = dots / (norms * norms[i])
        cos[i] = -np.inf
        order = np.lexsort((np.arange(len(cos)), -cos))[:k]
        out_i.append(order)
        out_s.append(cos[order])
    return np.array(out_i), np.array(out_s)


def b64(a: np.ndarray) -> str:
    return base64.b64encode(np.ascontiguousarray(a).tobytes()).decode("ascii")


def map_coords(X: np.ndarray) -> dict:
    """PCA and t-SNE of the rows, each scaled to integers 0..MAP_GRID."""
    from sklearn.manifold import TSNE

    U = linalg.unit(np.asarray(X, dtype=np.float64))
    pca = linalg.PCA(50 if U.shape[1] > 50 else None).fit(U)
    P50 = pca.transform(U, min(50, U.shape[1]))
    out = {"pca": P50[:, :2]}
    out["tsne"] = TSNE(2, init="pca", random_state=0, perplexity=30, max_iter=750).fit_transform(P50)
    grid = {}
    for name, Y in out.items():
        lo, hi = Y.min(0), Y.max(0)
        grid[name] = np.rint((Y - lo) / np.where(hi > lo, hi - lo, 1) * MAP_GRID).astype(int).ravel().tolist()
    grid["pca_variance"] = [float(v) for v in pca.explained_variance_ratio_[:2]]
    return grid


def vocabulary(kv, n: int = N_WORDS) -> list[str]:
    """The ``n`` most frequent alphabetic words of GloVe, in its frequency order."""
    words = [w for w in kv.index_to_key if contextual.WORD_RE.match(w)]
    return words[:n]


def passages_task():
    return tasks.inverse_cloze_task(data.wikipedia(), n_queries=1000, seed=0)


def space_vectors(space: str, words: list[str], kv=None, task=None) -> np.ndarray:
    """The float32 vectors of a space: one row per word (word spaces) or per passage."""
    if space == "glove":
        return np.stack([kv[w] for w in words]).astype(np.float32)
    if space == "static":
        return contextual.model2vec_vectors(words, contextual.model2vec_model("all-MiniLM-L6-v2", pca_dims=256))
    return encodings.sentence_vectors(task.passages, ENCODERS[space])


def quantization_cost(X: np.ndarray, q: np.ndarray, seed: int = 0) -> dict:
    rng = np.random.default_rng(seed)
    sample = np.sort(rng.choice(len(X), size=min(N_SAMPLE, len(X)), replace=False))
    exact = search.neighbour_lists(X, K, sample)
    found, _ = int8_neighbours(q, sample)
    per_row = np.array([len(set(a) & set(b)) / K for a, b in zip(found.tolist(), exact.tolist())])
    return {"k": K, "n_queries": int(len(sample)), "seed": seed,
            "overlap": float(search.list_overlap(found, exact)),
            "min_row_overlap": float(per_row.min()), "share_identical": float(np.mean(per_row == 1.0)),
            "bytes_int8": int(q.nbytes + 4 * len(q)), "bytes_float32": int(4 * X.size)}


def build(space: str, words, kv, task) -> dict:
    t0 = time.time()
    title, kind, about = DESCRIPTIONS[space]
    X = space_vectors(space, words, kv, task)
    q, scale = quantize(X)
    cost = quantization_cost(X, q)
    n_map = N_MAP if kind == "words" else len(X)
    maps = map_coords(X[:n_map])
    obj = {"id": space, "title": title, "kind": kind, "about": about, "n": int(len(X)), "dim": int(X.shape[1]),
           "codes": b64(q), "scales": b64(scale), "n_map": int(n_map), "maps": maps, "quantization": cost,
           "k": K}
    if kind == "words":
        obj["labels"] = list(words)
    else:
        titles = data.wikipedia().titles
        obj["labels"] = [f"{i}: {titles[a]}" for i, a in enumerate(task.article.tolist())]
        obj["texts_file"] = "passages.js"      # the texts, once for every passage space
    OUT.mkdir(parents=True, exist_ok=True)
    if kind == "passages":
        (OUT / "passages.js").write_text("window.EXPLORER_PASSAGES = " + json.dumps(
            {"labels": obj["labels"], "texts": list(task.passages)}, ensure_ascii=False, separators=(",", ":")) + ";\n",
            encoding="utf-8")
    js = ("window.EXPLORER_DATA = window.EXPLORER_DATA || {};\n"
          f"window.EXPLORER_DATA[{json.dumps(space)}] = " + json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + ";\n")
    (OUT / f"data_{space}.js").write_text(js, encoding="utf-8")
    print(f"{space}: {len(X)} x {X.shape[1]}, int8 top-{K} overlap {cost['overlap']:.3f}, "
          f"{(OUT / f'data_{space}.js').stat().st_size / 1e6:.2f} MB, {time.time() - t0:.0f} s", flush=True)
    return cost


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spaces", default=",".join(SPACES), help="comma-separated, from " + ", ".join(SPACES))
    args = ap.parse_args(argv)
    spaces = [s for s in args.spaces.split(",") if s]
    bad = sorted(set(spaces) - set(SPACES))
    if bad:
        ap.error(f"unknown spaces {bad}; use {SPACES}")
    kv = models.load_glove()
    words = vocabulary(kv)
    task = passages_task() if {"minilm", "mpnet"} & set(spaces) else None
    path = OUT / "quantization.json"
    summary = json.loads(path.read_text()) if path.exists() else {}
    for space in spaces:
        summary[space] = build(space, words, kv, task)
    summary = {s: summary[s] for s in SPACES if s in summary}
    path.write_text(json.dumps(summary, indent=1) + "\n")
    present = [s for s in SPACES if (OUT / f"data_{s}.js").exists()]
    summary = {s: summary[s] for s in present}
    (OUT / "spaces.js").write_text("window.EXPLORER_SPACES = " + json.dumps(present) + ";\n"
                                   "window.EXPLORER_QUANT = " + json.dumps({s: summary[s] for s in present}) + ";\n")
    total = sum(f.stat().st_size for f in OUT.iterdir() if f.is_file())
    print(f"{OUT.relative_to(ROOT)}: {total / 1e6:.2f} MB in all")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
