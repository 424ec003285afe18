"""The learner's workbook (tools/workbook.py, `make workbook`): no answers in view, and the book's
answers pasted back give the chapter's code and pass the checks."""
from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402
import toc  # noqa: E402
import workbook  # noqa: E402

CHAPTERS = toc.notebooks()
FIXTURE = ROOT / "tests" / "fixtures" / "course_fixture.ipynb"


def _solution_lines(nb):
    out = set()
    for cell in nb.cells:
        if cell.cell_type == "code" and course.BEGIN_SOLUTION in cell.source:
            for region in workbook._solution_regions(cell.source):
                out |= {l.strip() for l in region if len(l.strip()) > 20 and not l.strip().startswith("#")}
    return out


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: Path(p).stem)
def test_workbook_copy_shows_no_answers_and_pastes_back_to_the_chapter(path):
    nb = nbformat.read(path, as_version=4)
    book = workbook.workbook_notebook(nb, str(Path(path).relative_to(ROOT)))
    code = "\n".join(c.source for c in book.cells if c.cell_type == "code")
    # lines that occur only in solutions (not elsewhere in the chapter's code, e.g. in a later cell)
    elsewhere = "\n".join(course.strip_solutions(c.source) for c in nb.cells if c.cell_type == "code")
    leaked = [l for l in _solution_lines(nb) if l in code and l not in elsewhere]
    assert not leaked, f"solution code in the workbook copy: {leaked[:3]}"
    text = "\n".join(c.source for c in book.cells if c.cell_type == "markdown")
    assert "{solution}" not in text and "BEGIN HIDDEN TESTS" not in code
    assert not any(c.get("outputs") for c in book.cells if c.cell_type == "code"), "outputs kept"
    assert "Workbook copy" in book.cells[0].source
    # the book's answers pasted back give the chapter's code, less its hidden tests
    pasted = workbook.paste_back(book, nb)
    want = [course.strip_hidden_tests(c.source) if "### BEGIN HIDDEN TESTS" in c.source else c.source
            for c in nb.cells if c.cell_type == "code"]
    got = [c.source for c in pasted.cells if c.cell_type == "code"]
    assert got == want


def test_workbook_checks_fail_unanswered_and_pass_with_the_answers(tmp_path):
    nb = nbformat.read(FIXTURE, as_version=4)
    book = workbook.workbook_notebook(nb, "tests/fixtures/course_fixture.ipynb")

    def run(notebook):
        notebook = nbformat.from_dict(notebook)
        NotebookClient(notebook, timeout=120, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(ROOT)}}).execute()
        checks = [c for c in notebook.cells if c.cell_type == "code" and c.source.startswith("# CHECK")]
        return ["".join(o.get("text", "") for o in c.outputs if o.output_type == "stream") for c in checks], \
               [any(o.output_type == "error" for o in c.outputs) for c in checks]

    printed, errors = run(book)
    assert all(errors) and not any("PASSED" in p for p in printed), (printed, errors)
    printed, errors = run(workbook.paste_back(book, nb))
    assert not any(errors) and all(re.search(r"PASSED ex-fix-", p) for p in printed), (printed, errors)


def test_make_workbook_keeps_a_learners_edits(tmp_path):
    chapter = ROOT / "chapters" / "part1_foundations" / "01_what_is_an_embedding.ipynb"
    (target,) = workbook.write([chapter], tmp_path, quiet=True)
    assert target.exists() and (tmp_path / "README.md").exists()
    assert workbook.write([chapter], tmp_path, quiet=True) == [target]      # untouched: rewritten in place
    nb = nbformat.read(target, as_version=4)
    nb.cells[1].source += "\n# my note"
    nbformat.write(nb, target)
    (new,) = workbook.write([chapter], tmp_path, quiet=True)
    assert new.name.endswith(".new.ipynb") and "# my note" in nbformat.read(target, as_version=4).cells[1].source
