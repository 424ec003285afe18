"""The one reader of the book's ``_toc.yml`` (standard library only).

Jupyter Book's table of contents is YAML, but the book's tools must read it before the virtual
environment (and PyYAML) exists: the Makefile lists the notebooks with it. Every entry is a
``root:`` or ``file:`` line (``- file: chapters/part1/01_x``), in book order, at any depth of
``parts`` / ``chapters`` / ``sections``; that is all this reads.

Usage
-----
    python tools/toc.py            # the notebooks, space-separated (what the Makefile needs)
    python tools/toc.py --files    # every entry, one a line (markdown pages included)
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

__all__ = ["ROOT", "TOC", "toc_files", "notebooks"]

ROOT = Path(__file__).resolve().parent.parent
TOC = ROOT / "_toc.yml"
_ENTRY = re.compile(r"""^[ \t]*(?:-[ \t]*)?(?:file|root):[ \t]*["']?([^\s"'#]+)["']?""", re.M)


def toc_files(toc: str | Path = TOC) -> list[str]:
    """Every ``root`` / ``file`` entry of a Jupyter Book ``_toc.yml``, in order, without suffix.

    Parameters
    ----------
    toc : str or Path
        Default the book's ``_toc.yml``.

    Returns
    -------
    list of str
        Paths relative to the book's root, as written (``chapters/part1/01_x``).
    """
    text = Path(toc).read_text(encoding="utf-8")
    text = re.sub(r"(?m)^[ \t]*#.*$", "", text)                 # comment lines
    return _ENTRY.findall(text)


def notebooks(toc: str | Path = TOC, root: str | Path | None = None) -> list[Path]:
    """The entries of ``toc`` that are notebooks (``<entry>.ipynb`` exists), in book order.

    Parameters
    ----------
    toc : str or Path
    root : str or Path, optional
        Folder the entries are relative to; default the folder holding ``toc``.

    Returns
    -------
    list of Path
    """
    root = Path(root) if root is not None else Path(toc).resolve().parent
    return [root / f"{f}.ipynb" for f in toc_files(toc) if (root / f"{f}.ipynb").exists()]


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv == ["--files"]:
        print("\n".join(toc_files()))
    elif not argv:
        print(" ".join(str(p.relative_to(ROOT)) for p in notebooks()))
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
