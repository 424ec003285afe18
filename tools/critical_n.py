"""Critical n of the free-embedding experiment for one dimension (Part V, chapter 2).

Usage: python tools/critical_n.py D OUT.json [--device cuda] [--n-start N] [--patience P] [--max-steps S]

Runs :func:`lib.limit.critical_n` for dimension ``D`` and writes
``{"d": D, "n_crit": ..., "fits": [[n, accuracy, steps], ...]}`` to ``OUT.json``: a way to recompute
the stored sweep (``data/part5_free_embedding_sweep.json``) one dimension at a time on a faster
machine. The defaults are :func:`lib.limit.free_embedding_fit`'s; the committed sweep used
``--patience 300 --max-steps 3000``.
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
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--n-start", type=int, default=None)
    ap.add_argument("--patience", type=int, default=1000)
    ap.add_argument("--max-steps", type=int, default=20000)
    a = ap.parse_args(argv)
    n_crit, fits = limit.critical_n(a.d, n_start=a.n_start, device=a.device, show_progress=True,
                                    patience=a.patience, max_steps=a.max_steps)
    result = {"d": a.d, "n_crit": n_crit, "fits": [[f.n, f.accuracy, f.steps] for f in fits]}
    Path(a.out).write_text(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
