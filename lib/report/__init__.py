"""The embedding report card: the book's offline tasks run on any encoder, beside MiniLM, mpnet, static MiniLM
and GloVe (``make report MODEL=...``).

Sections (:mod:`.measures`, each cached by the encoder's content identity): word similarity and analogies with
static vectors read from the model (Part III ch2), sense separation by layer (Part III ch1), retrieval on the
inverse cloze task and LIMIT-small (Part V), anisotropy and effective rank by layer (Part IV), what int8,
binary codes and fewer dimensions keep (Part VI); encoding speed and peak memory in a fresh process
(:mod:`.speed`). :mod:`.card` builds and writes the card (JSON, MTEB's result layout), :mod:`.page` draws the
HTML page. Every score carries a bootstrap interval.

Typical use::

    from lib import report
    card = report.build_report("/path/to/model")          # or "mpnet", "all-MiniLM-L6-v2"
    report.write_report(card)                               # reports/<label>/index.html, report.json, mteb/
"""
from __future__ import annotations

from . import card, measures, page, speed
from .card import REFERENCES, SECTIONS, build_report, mteb_results, report_label, write_report
from .measures import SIZES, Size, check_size, row_key
from .page import render
from .speed import encoding_speed

__all__ = ["REFERENCES", "SECTIONS", "SIZES", "Size", "build_report", "write_report", "mteb_results", "report_label",
           "check_size", "row_key", "render", "encoding_speed"]
