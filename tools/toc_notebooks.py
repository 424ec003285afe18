"""Print the notebooks listed in _toc.yml, in book order (used by the Makefile).

Only the standard library is used, so this runs before the virtual environment exists.
"""
import pathlib
import re

root = pathlib.Path(__file__).resolve().parent.parent
files = re.findall(r"^\s*-?\s*(?:file|root):\s*(\S+)", (root / "_toc.yml").read_text(), re.M)
print(" ".join(f + ".ipynb" for f in files if (root / (f + ".ipynb")).exists()))
