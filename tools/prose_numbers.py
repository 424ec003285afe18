"""List the numbers in the chapters' prose and whether each is tied (glued, published, echoed, constant).

Usage: python tools/prose_numbers.py [NOTEBOOK ...] [--untied]

With no notebook, every chapter of the table of contents is checked. Prints one line per
chapter with its counts; with --untied, also every untied number with its context.
Exits 1 if any number is untied.
"""
import sys

import toc
from lib.prose import check_notebook, load_constants


def main(argv):
    show = "--untied" in argv
    paths = [a for a in argv if not a.startswith("--")]
    if not paths:
        paths = [str(p) for p in toc.notebooks()]
    constants = load_constants()
    total_untied = 0
    print(f"{'total':>6} {'tied':>5} {'glued':>6} {'pub':>4} {'echo':>5} {'const':>6} {'untied':>7}  chapter")
    for p in paths:
        r = check_notebook(p, constants)
        c = r.counts()
        total_untied += c["untied"]
        print(f"{c['total']:6d} {c['tied']:5d} {c['glued']:6d} {c['published']:4d} {c['echoed']:5d} "
              f"{c['constant']:6d} {c['untied']:7d}  {r.path}")
        if show:
            for n in r.untied:
                print("        ", n)
    return 1 if total_untied else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
