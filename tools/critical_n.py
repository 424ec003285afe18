"""Critical n of the free-embedding experiment for one dimension (Part V, chapter 2).

Usage: python tools/critical_n.py D OUT.json [--paper] [--n-start N] [--seeds 0 1 ...]
                                             [--patience P] [--max-steps S]

Runs :func:`lib.limit.critical_n` for dimension ``D`` and writes
``{"d": D, "n_crit": ..., "n_search": ..., "settings": {...}, "fits": [[n, accuracy, steps, stop], ...]}``
to ``OUT.json``: a way to recompute a stored sweep one dimension at a time on a faster machine.
``--paper`` uses the paper's procedure (:data:`lib.limit.PAPER_PROCEDURE`: galloping, bisection
and a sweep around the boundary; early stopping on the loss, patience 1,000, at most 100,000
steps), as ``data/part5_free_embedding_paper_sweep.json`` was computed; without it, the book's
first rule (quarter steps, stop on the accuracy), with ``--patience 300 --max-steps 3000`` for
``data/part5_free_embedding_sweep.json``.
"""
import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib import limit  # noqa: E402


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description="critical n of the free-embedding experiment for one dimension")
    ap.add_argument("d", type=int)
    ap.add_argument("out")
    ap.add_argument("--paper", action="store_true", help="the paper's procedure (lib.limit.PAPER_PROCEDURE)")
    ap.add_argument("--n-start", type=int, default=None)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0])
    ap.add_argument("--patience", type=int, default=None)
    ap.add_argument("--max-steps", type=int, default=None)
    a = ap.parse_args(argv)
    settings = dict(limit.PAPER_PROCEDURE) if a.paper else {}
    if a.patience is not None:
        settings["patience"] = a.patience
    if a.max_steps is not None:
        settings["max_steps"] = a.max_steps
    res = limit.critical_n(a.d, n_start=a.n_start, seeds=a.seeds, show_progress=True, **settings)
    result = {"d": a.d, "n_crit": res.n_crit, "n_search": res.n_search, "settings": {"seeds": a.seeds, **settings},
              "fits": [[f.n, f.accuracy, f.steps, f.stop] for f in res.fits]}
    Path(a.out).write_text(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
