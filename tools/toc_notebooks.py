"""Print the notebooks listed in _toc.yml, in book order (used by the Makefile).

Only the standard library is used, so this runs before the virtual environment exists. The
reading itself is :func:`toc.notebooks` (``tools/toc.py``, the book's one ``_toc.yml`` reader).
"""
from toc import ROOT, notebooks

if __name__ == "__main__":
    print(" ".join(str(p.relative_to(ROOT)) for p in notebooks()))
