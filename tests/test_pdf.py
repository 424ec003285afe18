"""The PDF of the whole book (``make pdf``): it opens, and every chapter of _toc.yml is in it.

Skipped when the PDF has not been built, unless ``BOOK_REQUIRE_PDF=1`` (as in ``.ci/run``,
which builds it first)."""
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PDF = ROOT / "_build" / "latex" / "embeddings-book.pdf"
sys.path.insert(0, str(ROOT / "tools"))
from toc import toc_files  # noqa: E402


def _require():
    missing = [] if PDF.is_file() else [f"{PDF.relative_to(ROOT)} (run `make pdf`)"]
    missing += [tool for tool in ("pdfinfo", "pdftotext", "pdfimages") if shutil.which(tool) is None]
    if missing:
        if os.environ.get("BOOK_REQUIRE_PDF") == "1":
            pytest.fail(f"BOOK_REQUIRE_PDF=1 but missing: {missing}")
        pytest.skip(f"missing: {missing}")


def _title(entry: str) -> str:
    path = ROOT / entry
    if path.with_suffix(".ipynb").exists():
        cells = json.loads(path.with_suffix(".ipynb").read_text())["cells"]
        text = "".join(next(c["source"] for c in cells if c["cell_type"] == "markdown"))
    else:
        text = path.with_suffix(".md").read_text()
    head = next(line for line in text.splitlines() if line.startswith("# "))
    return head[2:].strip()


def _normalise(text: str) -> str:
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return re.sub(r"\s+", " ", text)


def test_pdf_opens_and_has_every_chapter():
    _require()
    info = subprocess.run(["pdfinfo", str(PDF)], capture_output=True, text=True, check=True).stdout
    pages = int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    entries = toc_files(ROOT / "_toc.yml")
    assert pages > 10 * len(entries), f"only {pages} pages for {len(entries)} chapters"
    text = _normalise(subprocess.run(["pdftotext", str(PDF), "-"], capture_output=True, text=True, check=True).stdout)
    missing = [t for t in map(_title, entries[1:]) if _normalise(t) not in text]   # the root is the front matter
    assert not missing, f"chapters missing from the PDF: {missing}"
    # the equations were typeset, not left as TeX source
    assert "$$" not in text and "\\frac" not in text
    # the figures made it: the stored notebooks' PNG outputs are embedded as images
    listed = subprocess.run(["pdfimages", "-list", str(PDF)], capture_output=True, text=True, check=True).stdout
    n_images = max(len(listed.splitlines()) - 2, 0)
    assert n_images >= 2 * len([e for e in entries if (ROOT / e).with_suffix(".ipynb").exists()]), n_images


def test_pdf_parts_and_chapter_numbers_follow_the_toc():
    # the parts' captions head their chapters; the preface's sections are not numbered; numbered
    # chapters count from 1 at Part I, as in the HTML (_ext/book_latex.py)
    _require()
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    contents = _normalise(subprocess.run(["pdftotext", "-l", "12", str(PDF), "-"], capture_output=True,
                                         text=True, check=True).stdout)
    assert "CONTENTS" in contents.upper() and "PART I: FOUNDATIONS CONTENTS" not in contents.upper()
    captions = [_normalise(p["caption"]) for p in toc["parts"]]
    missing = [c for c in captions if c.upper() not in contents.upper()]
    assert not missing, f"part captions missing from the table of contents: {missing}"
    numbered = [c["file"] for p in toc["parts"] if p.get("numbered", True) for c in p["chapters"]]
    text = _normalise(subprocess.run(["pdftotext", str(PDF), "-"], capture_output=True, text=True, check=True).stdout)
    for k, entry in ((1, numbered[0]), (len(numbered), numbered[-1])):
        assert re.search(rf"Chapter {k}\.? {re.escape(_normalise(_title(entry)))}", text, re.I), (k, entry)
    preface_sections = [line[3:].strip() for line in (ROOT / "chapters/preface.md").read_text().splitlines()
                        if line.startswith("## ")]
    assert not re.search(rf"Chapter \d+\.? {re.escape(preface_sections[0])}", text), "the preface is numbered"
