"""The embedding report card: every section for the model and the reference rows, written as JSON and HTML.

:func:`build_report` measures (through :mod:`lib.report.measures`, each section cached by the encoder's
identity, so the reference rows of one report are reused by the next); :func:`write_report` writes
``<out>/<label>/report.json``, ``index.html`` and the retrieval results in MTEB's result layout
(``mteb/<model>/<revision>/<task>.json``, the layout of the embeddings-benchmark/results repository).
"""
from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

from tqdm.auto import tqdm

from .. import checks, encodings, settings
from ..cache import REPO_ROOT
from ..encoder import ContextualEncoder
from ..limit_data import LIMIT_SMALL_DIR
from ..models import model_identity
from . import measures, speed
from .page import render

__all__ = ["REFERENCES", "SECTIONS", "build_report", "write_report", "mteb_results", "report_label"]

#: The reference rows beside the model: label -> what :func:`lib.encodings.load_encoder` takes.
REFERENCES = {"MiniLM": "all-MiniLM-L6-v2", "mpnet": "mpnet", "static MiniLM": "static", "GloVe": "glove"}

#: The measured sections, in the card's order: name -> measure.
SECTIONS = {
    "word_vectors": measures.word_vectors,
    "senses": measures.sense_separation,
    "retrieval": measures.retrieval,
    "geometry": measures.geometry_by_layer,
    "compression": measures.compression_kept,
}

_HF_NAMES = {"MiniLM": "sentence-transformers/all-MiniLM-L6-v2", "mpnet": "sentence-transformers/all-mpnet-base-v2"}


def report_label(model: str) -> str:
    """The folder name of a model's card: :func:`lib.settings.encoder_label`, made safe for a path.

    Parameters
    ----------
    model : str

    Returns
    -------
    str

    Examples
    --------
    >>> report_label("all-MiniLM-L6-v2"), report_label("/tmp/my model/")
    ('MiniLM', 'my_model')
    """
    return re.sub(r"[^A-Za-z0-9._-]+", "_", settings.encoder_label(model)).strip("_") or "model"


def _describe(enc) -> dict:
    info = {"name": enc.name, "kind": "contextual" if isinstance(enc, ContextualEncoder) else "static",
            "layers": int(enc.n_layers), "dim": int(enc.dim), "pooling": enc.pooling, "key": measures.row_key(enc)}
    info["revision"] = "no_revision_available"
    if isinstance(enc, ContextualEncoder):
        info.update(max_length=int(enc.max_length), device=enc.device)
        if Path(enc.path).is_dir():
            info["revision"] = model_identity(enc.path)[:40]     # content, not name: MTEB's revision folder
    return info


def build_report(model: str, size="standard", references: Sequence[str] = tuple(REFERENCES),
                 speed_texts: Sequence[str] | None = None, batch_size: int = 32, progress: bool = True) -> dict:
    """Measure every section of the card for ``model`` and the reference rows.

    Parameters
    ----------
    model : str
        A model name or folder (:func:`lib.models.resolve_model`: ``"all-MiniLM-L6-v2"``, ``"mpnet"``, a path,
        a Hugging Face name in the local cache), or ``"glove"`` / ``"static"`` for a static encoder.
    size : str or lib.report.measures.Size
        ``"standard"`` (default: a fixed 800-passage subset of the inverse cloze task), ``"full"`` (Part V's
        whole task) or ``"tiny"`` (tests).
    references : sequence of str, or str
        Reference rows, keys of :data:`REFERENCES` in any case (a string: comma-separated); a reference that is the model itself is not repeated.
    speed_texts : list of str, optional
        Sentences to time; default ``size.speed_texts`` Wikipedia sentences (seed 1).
    batch_size : int
        Texts per call when timing.
    progress : bool
        A progress bar over rows and sections.

    Returns
    -------
    dict
        ``"model"`` (label), ``"size"``, ``"rows"`` (label -> ``"info"`` and one entry per section of
        :data:`SECTIONS` plus ``"speed"``), ``"tasks"``, ``"seconds"``, ``"notes"``.

    Raises
    ------
    TypeError
        ``model`` not a non-empty string.
    FileNotFoundError
        A path that is not a model folder, or a model folder without tokenizer files.
    ValueError
        An unknown size or reference; an empty ``speed_texts``.
    """
    if not isinstance(model, str) or not model.strip():
        raise TypeError(f"model must be a model name or folder (a non-empty str); got {model!r}")
    size = measures.check_size(size)
    if isinstance(references, str):
        references = [r for r in references.split(",") if r.strip()]
    names = {k.lower(): k for k in REFERENCES}
    refs = [names[checks.choice(str(r).strip().lower(), "references", tuple(names))] for r in references]
    if speed_texts is None:
        speed_texts = encodings.wikipedia_sentence_sample(max(size.speed_texts, 2 * batch_size), seed=1)
    speed_texts = checks.texts(speed_texts, "speed_texts")
    t0 = time.perf_counter()
    label = report_label(model)
    specs = {label: model.strip()}
    encoders = {label: encodings.load_encoder(specs[label])}          # a bad model fails here, before any work
    for ref in refs:
        enc = encodings.load_encoder(REFERENCES[ref])
        if measures.row_key(enc) != measures.row_key(encoders[label]):
            specs[ref], encoders[ref] = REFERENCES[ref], enc
    rows, seconds = {}, {}
    bar = tqdm(total=len(encoders) * (len(SECTIONS) + 1), desc="report", unit="section", disable=not progress)
    for row, enc in encoders.items():
        rows[row] = {"info": _describe(enc), "reference": row != label}
        for section, measure in SECTIONS.items():
            bar.set_description(f"{row}: {section}")
            t = time.perf_counter()
            rows[row][section] = measure(enc, size)
            seconds[f"{row}/{section}"] = time.perf_counter() - t
            bar.update()
        bar.set_description(f"{row}: speed")
        t = time.perf_counter()
        rows[row]["speed"] = speed.encoding_speed(specs[row], measures.row_key(enc), speed_texts, batch_size,
                                                  size.n_boot)
        seconds[f"{row}/speed"] = time.perf_counter() - t
        bar.update()
    bar.close()
    ict = measures.ict_task(size.ict_queries, size.ict_passages)
    notes = []
    if size.ict_passages is not None:
        notes.append(f"The inverse cloze task is a fixed subset of Part V's: the first {len(ict.passages):,} passages "
                     f"of the Wikipedia sample and {len(ict.queries):,} queries (Part V: 3,046 and 1,000), so that "
                     "a first report of a 12-layer model takes tens of minutes on two CPU cores rather than about an "
                     "hour; use size 'full' for all.")
    return {"model": label, "spec": specs[label], "size": asdict(size), "rows": rows,
            "tasks": {"inverse cloze": {"queries": len(ict.queries), "passages": len(ict.passages)}},
            "seconds": {"total": time.perf_counter() - t0, **seconds}, "notes": notes,
            "version": measures.VERSION}


def _local_revision(folder: Path) -> str:
    h = hashlib.sha256()
    for f in sorted(folder.glob("*.jsonl")):
        h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()[:40]


_MTEB_TASKS = {"LIMIT-small": ("LIMITSmallRetrieval", "recall_at_2"),
               "inverse cloze": ("BookInverseClozeRetrieval", "ndcg_at_10")}


def mteb_results(report: dict, row: str) -> dict:
    """A row's retrieval results in MTEB's result layout (one dict per task file).

    The layout of ``results/<org>__<model>/<revision>/<task>.json`` in the embeddings-benchmark/results
    repository: ``dataset_revision``, ``evaluation_time``, ``kg_co2_emissions``, ``mteb_version``, ``scores``
    (``{"test": [{"hf_subset": "default", "languages": ["eng-Latn"], "main_score": ..., "ndcg_at_10": ...,
    "recall_at_2": ...}]}``) and ``task_name``. LIMIT-small is MTEB's ``LIMITSmallRetrieval`` (main score
    recall@2); the book's inverse cloze task has no MTEB counterpart and is named
    ``BookInverseClozeRetrieval``. The scores are the book's (:func:`lib.retrieval.evaluate_run`), not
    computed by the mteb package (not installed), so ``mteb_version`` is ``None``; ``dataset_revision`` is a
    hash of the local files for LIMIT-small.

    Parameters
    ----------
    report : dict
        From :func:`build_report`.
    row : str
        A row label of the report.

    Returns
    -------
    dict of str -> dict
        Task name -> the JSON object of its file.
    """
    checks.choice(row, "row", tuple(report["rows"]))
    out = {}
    for task, res in report["rows"][row]["retrieval"].items():
        name, main = _MTEB_TASKS[task]
        scores = {re.sub(r"@", "_at_", m): round(e["value"], 5) for m, e in res["scores"].items()}
        scores["mrr_at_10"] = scores.pop("mrr")
        rev = (_local_revision(LIMIT_SMALL_DIR) if task == "LIMIT-small"
               else hashlib.sha256(json.dumps(report["tasks"]["inverse cloze"], sort_keys=True).encode()).hexdigest()[:40])
        out[name] = {"dataset_revision": rev, "evaluation_time": round(report["seconds"].get(f"{row}/retrieval", 0.0), 3),
                     "kg_co2_emissions": None, "mteb_version": None,
                     "scores": {"test": [{"hf_subset": "default", "languages": ["eng-Latn"],
                                          "main_score": scores[main], **dict(sorted(scores.items()))}]},
                     "task_name": name}
    return out


def write_report(report: dict, out_dir: str | Path | None = None) -> Path:
    """Write ``report.json``, ``index.html`` and the MTEB-layout files of a report.

    Parameters
    ----------
    report : dict
        From :func:`build_report`.
    out_dir : str or Path, optional
        The folder of all cards; default ``<repo>/reports``. The card goes to ``<out_dir>/<label>/``.

    Returns
    -------
    pathlib.Path
        The card's ``index.html``.
    """
    if not isinstance(report, dict) or "rows" not in report:
        raise TypeError("report must be the dict that build_report returns")
    folder = Path(out_dir if out_dir is not None else REPO_ROOT / "reports") / report["model"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "report.json").write_text(json.dumps(report, indent=1, sort_keys=False) + "\n")
    for row, r in report["rows"].items():
        name = _HF_NAMES.get(row, report_label(r["info"]["name"]) if not r["reference"] else row).replace("/", "__")
        rev = r["info"]["revision"]
        sub = folder / "mteb" / re.sub(r"[^A-Za-z0-9._-]+", "_", name) / rev
        sub.mkdir(parents=True, exist_ok=True)
        for task, obj in mteb_results(report, row).items():
            (sub / f"{task}.json").write_text(json.dumps(obj, indent=2) + "\n")
    page = folder / "index.html"
    page.write_text(render(report))
    return page
