"""The learner's workbook: every chapter with its exercises open and their answers out of view.

Usage
-----
    python tools/workbook.py [NOTEBOOK ...] [--out workbook]      # what `make workbook` runs

For each chapter of ``_toc.yml`` this writes ``workbook/<part>/<name>.ipynb``: the chapter with its
solution regions' code replaced by stubs (``# YOUR CODE HERE`` / ``raise NotImplementedError()``, or
``x = ...``) between the solution markers, which stay to show where an answer goes, its ``{solution}`` blocks and hidden tests removed and its outputs cleared, as the
students' release of ``make assignments`` does it (``course.student_notebook``), but keeping the
chapter's folder so that the notebooks run where they are and with no nbgrader step. The check
cells stay: run one and it says ``PASSED`` or what is wrong. A first cell says where the worked
solutions are (the book's HTML, behind a click, and the chapter itself). ``workbook/`` is
git-ignored: your answers stay yours, and ``make workbook`` never overwrites a notebook you have
edited (it writes ``<name>.new.ipynb`` beside it instead).

:func:`paste_back` puts a chapter's solutions into its workbook copy; ``tests/test_workbook.py`` checks
that this gives back the chapter's code exactly and that the checks then pass.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import nbformat

import course
import toc

ROOT = Path(__file__).resolve().parent.parent
BANNER = """**Workbook copy.** This is the chapter `{chapter}` with its exercises open: the solution code
between `### BEGIN SOLUTION` and `### END SOLUTION` is replaced by `# YOUR CODE HERE` (or `x = ...`); write
your answer there. The rest of the chapter is as in the book; the worked solutions and hidden tests are left out, and
no outputs are stored. Run the cells from the top; a check cell prints `PASSED` or says what is wrong.
The worked solutions are in the rendered book (click "Show code" / the solution box) and in the
chapter notebook itself. Regenerate this copy with `make workbook` (your edited copy is kept)."""
STAMP = "embeddings_book_workbook"


def workbook_notebook(nb, chapter: str):
    """The workbook copy of chapter notebook ``nb`` (``chapter``: its path, for the banner).

    Parameters
    ----------
    nb : NotebookNode
    chapter : str

    Returns
    -------
    NotebookNode
        Solutions stubbed, ``{solution}`` blocks, hidden tests and outputs removed, a banner first.
    """
    markup = course.parse(nb)
    out = course.student_notebook(nb, None) if markup.exercises else _cleared(nb)
    original = {c.get("id"): (i, c) for i, c in enumerate(nb.cells)}
    for cell in out.cells:
        if cell.metadata.get(course.META, {}).get("role") == "answer":
            if cell.get("id") not in original:
                raise ValueError(f"{chapter}: an answer cell has no cell id to match it with the chapter's")
            i, source_cell = original[cell["id"]]
            later = "\n".join(c.source for c in nb.cells[i + 1:] if c.cell_type == "code")
            cell.source = _stub_between_markers(source_cell.source, later)
    banner = nbformat.v4.new_markdown_cell(BANNER.format(chapter=chapter))
    out.cells.insert(0, banner)
    out.metadata[STAMP] = {"chapter": chapter, "source_sha256": _sha(nb)}
    return out


def _stub_between_markers(source: str, later: str) -> str:
    """Each solution region's code replaced by its stub (:func:`course.stub`), the markers kept, so
    that a learner sees where the answer goes and :func:`paste_back` can put one there."""
    lines = source.split("\n")
    out, last = [], 0
    for start, stop in course._regions(lines, course.BEGIN_SOLUTION, course.END_SOLUTION, "cell"):
        indent = lines[start][:len(lines[start]) - len(lines[start].lstrip())]
        rest = "\n".join(lines[stop + 1:]) + "\n" + later
        out.extend(lines[last:start + 1])
        out.extend(course.stub(lines[start + 1:stop], indent, rest))
        last = stop
    out.extend(lines[last:])
    return "\n".join(out)


def _cleared(nb):
    out = nbformat.from_dict(json.loads(json.dumps(nb)))
    for cell in out.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    return out


def _sha(nb) -> str:
    return hashlib.sha256("\n".join(c.source for c in nb.cells).encode()).hexdigest()


def _solution_regions(source: str) -> list:
    lines = source.split("\n")
    return [lines[a + 1:b] for a, b in course._regions(lines, course.BEGIN_SOLUTION, course.END_SOLUTION, "cell")]


def paste_back(workbook_nb, chapter_nb):
    """Put the chapter's solution regions back in place of the workbook's stubs, in order.

    Returns a copy of ``workbook_nb`` whose answer cells hold the chapter's solution code (markers
    kept), as a learner who typed the book's answers would have it.
    """
    out = nbformat.from_dict(json.loads(json.dumps(workbook_nb)))
    solutions = [(c.source, _solution_regions(c.source)) for c in chapter_nb.cells
                 if c.cell_type == "code" and course.BEGIN_SOLUTION in c.source]
    answers = [c for c in out.cells if c.cell_type == "code" and course.BEGIN_SOLUTION in c.source]
    if len(answers) != len(solutions):
        raise ValueError(f"{len(answers)} answer cells in the workbook, {len(solutions)} in the chapter")
    for cell, (_, regions) in zip(answers, solutions):
        lines = cell.source.split("\n")
        spans = course._regions(lines, course.BEGIN_SOLUTION, course.END_SOLUTION, "cell")
        if len(spans) != len(regions):
            raise ValueError("a workbook answer cell has a different number of solution regions")
        for (a, b), region in reversed(list(zip(spans, regions))):
            lines[a + 1:b] = region
        cell.source = "\n".join(lines)
    return out


def write(notebooks, out: Path, quiet: bool = False) -> list:
    """Write the workbook copies under ``out``; returns the paths written."""
    out = Path(out)
    written = []
    for path in notebooks:
        path = Path(path).resolve()
        rel = path.relative_to(ROOT / "chapters")
        nb = nbformat.read(path, as_version=4)
        book = workbook_notebook(nb, str(path.relative_to(ROOT)))
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if target.exists() and _edited(target):
            target = target.with_suffix(".new.ipynb")
            if not quiet:
                print(f"{target.with_suffix('').with_suffix('.ipynb')} has your edits: kept; the new copy is {target.name}")
        nbformat.write(book, target)
        written.append(target)
        if not quiet:
            n = sum(1 for c in book.cells if c.cell_type == "code" and course.STUB_COMMENT in c.source)
            print(f"{path.relative_to(ROOT)} -> {target.relative_to(out.parent) if out.is_absolute() else target}"
                  f" ({n} answer cells to fill)")
    readme = out / "README.md"
    readme.write_text("# The learner's workbook\n\nWritten by `make workbook` from the chapters (see "
                      "tools/workbook.py). Work here; the chapters under `chapters/` keep the solutions. Open "
                      "it with `make lab`.\n")
    return written


def _edited(path: Path) -> bool:
    """Whether a workbook copy differs from what `make workbook` would have written (a learner's edits)."""
    try:
        nb = nbformat.read(path, as_version=4)
    except Exception:
        return True
    stamp = nb.metadata.get(STAMP)
    if not stamp:
        return True
    chapter = ROOT / stamp["chapter"]
    if not chapter.exists():
        return True
    fresh = workbook_notebook(nbformat.read(chapter, as_version=4), stamp["chapter"])
    # anything but the copy `make workbook` writes now counts as the learner's: a copy of an older
    # chapter too (it may hold answers), so it is kept and the new one written beside it
    return [(c.cell_type, c.source) for c in nb.cells] != [(c.cell_type, c.source) for c in fresh.cells]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="chapter notebooks (default: all of _toc.yml)")
    parser.add_argument("--out", default=str(ROOT / "workbook"))
    args = parser.parse_args(argv)
    notebooks = [Path(n) for n in args.notebooks] or toc.notebooks()
    written = write(notebooks, Path(args.out))
    print(f"{len(written)} workbook notebooks in {args.out}; open them with `make lab`")
    return 0


if __name__ == "__main__":
    sys.exit(main())
