"""The chapters' cache dependencies, read off a cold run's cache log.

    EMBEDDINGS_BOOK_CACHE_LOG=_build/cache_log.jsonl make warm        # or the CI's nbval run
    python tools/cache_deps.py _build/cache_log.jsonl [--out benchmarks/cache_deps.json] [--source TEXT]

``lib.cache`` appends one line per lookup to the log (hit or miss, namespace, file, the seconds a
miss spent computing, and the notebook that ran it). A chapter **creates** what it missed; it
**reads from an earlier chapter** what it hit in a file that an earlier chapter created. The second
is what a learner pays for when opening that chapter alone from an empty cache: the script adds it
up per chapter (the seconds the earlier chapter spent computing those entries). Lookups made
outside a notebook (unit tests) are left out. A summary table is printed; ``--out`` writes JSON::

    {"source": str, "chapters": {"chapters/...ipynb": {
        "creates": {namespace: seconds},
        "reads_from_earlier": {namespace: {"from": "chapters/...ipynb", "seconds": s}},
        "extra_cold_seconds": s}}}
"""
from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from toc import ROOT, notebooks  # noqa: E402


def dependencies(lines, order=None) -> dict:
    """Per notebook, what it created and what it read from earlier notebooks.

    Parameters
    ----------
    lines : iterable of dict
        The log's records, in the order they were written.
    order : list of str, optional
        The chapters in book order; the lookups of other notebooks (the test suite's) are left out,
        and an entry one of them made first counts as made by the first chapter that touches it,
        as it would be in a run of the chapters alone. Default: every notebook, in log order.

    Returns
    -------
    dict
        ``{notebook: {"creates": ..., "reads_from_earlier": ..., "extra_cold_seconds": ...}}``.
    """
    creator, made_in = {}, defaultdict(float)        # file -> notebook, seconds
    outside = {}                                      # files a non-chapter made first: file -> (namespace, seconds)
    out = {}
    for rec in lines:
        nb = rec.get("notebook") or ""
        ident = (rec.get("dir", ""), rec["file"])     # the same key in two cache folders is two entries
        if not nb:
            continue
        if order is not None and nb not in order:     # a test's notebook: what it makes first, the first
            if rec["event"] == "miss" and ident not in creator:     # chapter to touch it would have made
                outside.setdefault(ident, (rec["namespace"], float(rec["seconds"])))
            continue
        entry = out.setdefault(nb, {"creates": defaultdict(float), "reads_from_earlier": {}})
        if ident in outside and ident not in creator:
            ns, secs = outside.pop(ident)
            creator[ident], made_in[ident] = nb, secs
            entry["creates"][ns] += secs
            if rec["event"] == "hit":
                continue
        if rec["event"] == "miss":
            creator.setdefault(ident, nb)
            made_in[ident] += float(rec["seconds"])
            entry["creates"][rec["namespace"]] += float(rec["seconds"])
        elif rec["event"] == "hit":
            src = creator.get(ident)
            if src is None or src == nb:
                continue                              # made by this chapter, or before the log began
            reads = entry["reads_from_earlier"].setdefault(rec["namespace"], {"from": src, "seconds": 0.0,
                                                                              "_files": set()})
            if ident not in reads["_files"]:
                reads["_files"].add(ident)
                reads["seconds"] += made_in[ident]
    rank = {nb: i for i, nb in enumerate(order if order is not None else list(out))}
    result = {}
    for nb in sorted(out, key=lambda n: rank.get(n, len(rank))):
        e = out[nb]
        reads = {ns: {"from": r["from"], "seconds": round(r["seconds"], 1)} for ns, r in
                 sorted(e["reads_from_earlier"].items())}
        result[nb] = {"creates": {ns: round(s, 1) for ns, s in sorted(e["creates"].items())},
                      "reads_from_earlier": reads,
                      "extra_cold_seconds": round(sum(r["seconds"] for r in reads.values()), 1)}
    return result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("log", type=Path)
    ap.add_argument("--out", type=Path)
    ap.add_argument("--source", default="", help="what run the log is of (date, commit, machine)")
    args = ap.parse_args(argv)
    if not args.log.is_file():
        print(f"no cache log at {args.log}", file=sys.stderr)
        return 1
    recs = [json.loads(line) for line in args.log.read_text().splitlines() if line.strip()]
    order = [str(p.relative_to(ROOT)) for p in notebooks()]
    deps = dependencies(recs, order)
    print(f"{'creates (s)':>11} {'needs from earlier (s)':>22}  chapter: earlier chapters it needs")
    for nb, d in deps.items():
        earlier = sorted({Path(r["from"]).stem for r in d["reads_from_earlier"].values()})
        print(f"{sum(d['creates'].values()):11.0f} {d['extra_cold_seconds']:22.0f}  {nb}: {', '.join(earlier) or '-'}")
    if args.out:
        args.out.write_text(json.dumps({"source": args.source, "chapters": deps}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
