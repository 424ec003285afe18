"""The embedding report card of a model, from the book's own offline tasks: ``make report MODEL=...``.

Usage: python tools/report.py MODEL [--size standard|full|tiny] [--references MiniLM,mpnet,static MiniLM,GloVe]
                                    [--out reports] [--no-progress]

MODEL is a model folder (a sentence-transformers or Hugging Face model saved with its tokenizer), a name the
book resolves offline ("all-MiniLM-L6-v2", "mpnet"), a Hugging Face name already in the local cache, or
"glove" / "static" for a static encoder. The card goes to ``<out>/<label>/`` (index.html, report.json and the
retrieval results in MTEB's layout under mteb/); every section is cached under .cache (or
$EMBEDDINGS_BOOK_CACHE) by the model's content, so the reference rows are computed once. A bad MODEL is
reported in one line with exit status 2.
"""
import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
import env  # noqa: E402

env.apply()
from lib import report  # noqa: E402


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("model", help="model folder or name (e.g. mpnet, all-MiniLM-L6-v2, /path/to/model)")
    p.add_argument("--size", default="standard", choices=sorted(report.SIZES),
                   help="how much of each data set (default: standard; full = Part V's whole task)")
    p.add_argument("--references", default=",".join(report.REFERENCES),
                   help="comma-separated reference rows (default: all of %(default)s); '' for none")
    p.add_argument("--out", default=str(ROOT / "reports"), help="folder of the cards (default: reports/)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    t = time.perf_counter()
    try:
        card = report.build_report(args.model, size=args.size, references=args.references,
                                   progress=not args.no_progress)
    except (FileNotFoundError, ValueError, TypeError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    page = report.write_report(card, args.out)
    print(f"wrote {page} and {page.with_name('report.json')} in {time.perf_counter() - t:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
