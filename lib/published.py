"""The ledger of published figures: every number the book quotes from a paper, with its source.

The ledger is ``data/published.yaml``. Each entry is keyed by a name and holds::

    glove_analogy_6b300d:
      value: 71.7                # the number as the source prints it
      unit: "%"                  # "%", "", "x", "points", "s", ...
      bib: pennington2014glove   # key in references.bib
      where: "Table 2, row 'GloVe 6B 300', column Tot."
      setup: {model: GloVe 6B 300d, data: Google analogies, metric: accuracy, size: 19,544 questions}
      compare:                   # optional: the book's own number set beside it
        chapter: chapters/part2_static/04_evaluating.ipynb
        ours: glove_analogy      # a glue key of that chapter (lib.prose.glue)
        scale: 100               # ours x scale is in the published unit (0.497 -> 49.7 %)
        lo: glove_analogy_lo     # optional glue keys of ours' 95% interval
        hi: glove_analogy_hi
        same_setup: false
        differs: "50 dimensions, not 300; questions limited to the 30,000 most frequent words"

Prose quotes an entry with the role ``{pub}`glove_analogy_6b300d``` (rendered by
``_ext/published.py`` as ``71.7%``, linked to the back-matter page "Published figures beside
ours"); code reads it with :func:`value`. ``tools/published_page.py`` writes that page from the
ledger and the chapters' glued outputs.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

__all__ = ["ROOT", "LEDGER", "REQUIRED", "ledger", "entry", "value", "text", "glued_values"]

ROOT = Path(__file__).resolve().parent.parent
LEDGER = ROOT / "data" / "published.yaml"
REQUIRED = ("value", "unit", "bib", "where", "setup")


@lru_cache(maxsize=4)
def _load(path: str, mtime: float) -> dict:
    import yaml

    data = yaml.safe_load(Path(path).read_text()) or {}
    if not isinstance(data, dict):
        raise ValueError(f"{path}: the ledger must be a mapping of keys to entries")
    for key, entry in data.items():
        if not re.fullmatch(r"[a-z0-9_]+", str(key)):
            raise ValueError(f"{path}: ledger key {key!r} must be lower-case letters, digits and _")
        missing = [f for f in REQUIRED if f not in (entry or {})]
        if missing:
            raise ValueError(f"{path}: entry {key!r} lacks {', '.join(missing)}")
        setup = entry["setup"]
        if not isinstance(setup, dict) or not setup or any(v is None for v in setup.values()):
            raise ValueError(f"{path}: entry {key!r} needs a setup mapping with a value for each field "
                             f"(quote values that hold a comma: size: \"19,544 questions\"), got {setup!r}")
        if not isinstance(entry["value"], (int, float)) or isinstance(entry["value"], bool):
            raise ValueError(f"{path}: entry {key!r} has a non-numeric value {entry['value']!r}")
    return data


def ledger(path: Path | str = LEDGER) -> dict:
    """All entries of the ledger, validated (each has value, unit, bib, where and setup).

    Parameters
    ----------
    path : Path or str
        Default ``data/published.yaml``.

    Returns
    -------
    dict of str -> dict
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no ledger of published figures at {path}")
    return _load(str(path), path.stat().st_mtime)


def entry(key: str, path: Path | str = LEDGER) -> dict:
    """One entry of the ledger; a clear error names the key if it is not there.

    Parameters
    ----------
    key : str
        A ledger key; a missing one raises ``KeyError`` listing similar keys.
    path : Path or str

    Returns
    -------
    dict
        ``value``, ``unit``, ``bib``, ``where``, ``setup`` and optional ``compare``.
    """
    data = ledger(path)
    if key not in data:
        close = [k for k in data if key.split("_")[0] in k][:5]
        raise KeyError(f"no published figure {key!r} in the ledger {Path(path).name}"
                       + (f"; similar keys: {', '.join(close)}" if close else ""))
    return data[key]


def value(key: str, path: Path | str = LEDGER) -> float:
    """The published value of ``key`` in its own unit (71.7 for 71.7%).

    Parameters
    ----------
    key, path
        As in :func:`entry`.

    Returns
    -------
    int or float
    """
    return entry(key, path)["value"]


def text(key: str, path: Path | str = LEDGER) -> str:
    """The value as the prose shows it: ``71.7%``, ``0.477``, ``24.8×``, ``4M``.

    Parameters
    ----------
    key, path
        As in :func:`entry`; an entry's ``text`` (or ``digits``) field overrides the default format.

    Returns
    -------
    str
    """
    e = entry(key, path)
    if "text" in e:
        return str(e["text"])
    v = e["value"]
    shown = f"{v:,}" if isinstance(v, int) else (f"{v:,.{e['digits']}f}" if "digits" in e else repr(v))
    unit = e["unit"] or ""
    if unit in ("%", "×", "x"):
        return shown + ("×" if unit in ("×", "x") else "%")
    return f"{shown} {unit}".strip()


def glued_values(notebook: Path | str) -> dict:
    """The values a notebook glued (``lib.prose.glue``), read from its stored outputs.

    Parameters
    ----------
    notebook : Path or str
        An executed ``.ipynb``.

    Returns
    -------
    dict of str -> value
        Numbers as numbers, anything else as its text.
    """
    from ast import literal_eval

    nb = json.loads(Path(notebook).read_text())
    found = {}
    for cell in nb["cells"]:
        for out in cell.get("outputs", []):
            meta = out.get("metadata", {}).get("scrapbook", {})
            name = meta.get("name")
            data = out.get("data", {})
            raw = data.get("application/papermill.record/text/plain")
            if name and raw is not None:
                try:
                    found[name] = literal_eval(raw)
                except (ValueError, SyntaxError):
                    found[name] = raw
    return found
