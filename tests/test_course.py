"""Course tooling: exercise markup, student notebooks, merging, scoring, autograding.

The end-to-end test grades a folder of submissions made from tests/fixtures/course_fixture.ipynb:
the generated student notebook (stubs: zero points), the instructor's notebook (full marks),
and bad submissions (an infinite loop, one that ignores interrupts and hits the notebook
time limit, one that raises, one that deletes files, one that edits its check cell, one
that is not a notebook) that must not stop the grading of the others.
"""
from __future__ import annotations

import copy
import csv
import importlib.util
import json
import re
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

import course
from lib.exercises import ExerciseError, call, check_function

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "course_fixture.ipynb"


def _tool(name):
    spec = importlib.util.spec_from_file_location(f"tool_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


autograde = _tool("autograde")
assignments = _tool("assignments")


@pytest.fixture
def source():
    return nbformat.read(FIXTURE, as_version=4)


def _nb(*cells):
    out = []
    for c in cells:
        out.append(new_markdown_cell(c[3:]) if c.startswith("md:") else new_code_cell(c))
    return new_notebook(cells=out, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})


EX = "md:```{exercise} T\n:label: ex-a\nDo it.\n```"


def _find(nb, text):
    return next(c for c in nb.cells if text in c.source)


# ----------------------------------------------------------------------------- parse
def test_parse_fixture(source):
    markup = course.parse(source)
    assert list(markup.exercises) == ["ex-fix-cosine", "ex-fix-topk", "ex-fix-centroid", "ex-fix-why"]
    assert [e.points for e in markup.exercises.values()] == [2, 3, 1, 0]
    assert markup.total_points == 6
    assert all(e.has_worked_solution for e in markup.exercises.values())
    assert not markup.exercises["ex-fix-why"].autograded
    assert markup.warnings == []
    assert markup.roles.count("check") == 3 and markup.roles.count("answer") == 3


@pytest.mark.parametrize("cells, message", [
    ([EX, "x = 1\n### BEGIN SOLUTION\nx = 2"], "never closed"),
    ([EX, "x = 1\n### END SOLUTION"], "has no '### BEGIN SOLUTION'"),
    ([EX, "### BEGIN SOLUTION\n### BEGIN SOLUTION\nx=1\n### END SOLUTION\n### END SOLUTION"], "inside another"),
    ([EX, "x = 1\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS"], "only allowed in a check cell"),
    ([EX, "# CHECK ex-a 2 points"], "malformed check header"),
    ([EX, "# CHECK ex-a points=0\nprint(1)"], "positive integer"),
    ([EX, "# CHECK ex-b points=1\nprint(1)"], "no exercise with that label"),
    (["# CHECK ex-a points=1\nprint(1)", EX], "no exercise with that label"),
    ([EX, EX], "used twice"),
    (["### BEGIN SOLUTION\nx = 1\n### END SOLUTION", EX], "before any {exercise}"),
    ([EX, "md:```{solution} ex-zzz\nx\n```"], "not the label of an exercise"),
    (["md:```{exercise} T\nno label here\n```"], "needs a ':label: ex-...'"),
    ([EX, "md:### BEGIN SOLUTION\nx\n### END SOLUTION"], "belong in code cells"),
    ([EX, "# CHECK ex-a points=1\n### BEGIN SOLUTION\nx = 1\n### END SOLUTION"], "must not hold a solution"),
    ([EX, "md:```{solution-start} ex-a\n```", "def f():\n    ### BEGIN SOLUTION\n    pass\n    ### END SOLUTION",
      "md:```{solution-end}\n```"], "inside the gated solution"),
    ([EX, "md:```{solution-start} ex-a\n```"], "never closed with {solution-end}"),
    ([EX, "md:```{solution-end}\n```"], "without a {solution-start}"),
    (["md:```{exercise} T\n:label: ex-a\nnever closed"], "never closed"),
])
def test_parse_errors(cells, message):
    with pytest.raises(course.MarkupError, match=re.escape(message)):
        course.parse(_nb(*cells))


def test_parse_lists_every_problem_and_rejects_non_notebooks():
    with pytest.raises(course.MarkupError) as err:
        course.parse(_nb(EX, "# CHECK ex-b points=1", "x\n### END SOLUTION"))
    assert "cell 1" in str(err.value) and "cell 2" in str(err.value)
    with pytest.raises(course.MarkupError, match="expected an nbformat notebook"):
        course.parse([1, 2])


def test_parse_warnings():
    markup = course.parse(_nb(EX, "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION"))
    assert any("no '# CHECK ex-a" in w for w in markup.warnings)
    assert any("no {solution}" in w for w in markup.warnings)


# ----------------------------------------------------------------------------- stubs
def test_stub_in_function_keeps_indentation():
    src = "def f(x):\n    ### BEGIN SOLUTION\n    y = x + 1\n    return y\n    ### END SOLUTION\n"
    assert course.strip_solutions(src) == "def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"


def test_stub_for_top_level_values_and_statements():
    src = "### BEGIN SOLUTION\na, b = 1, 2\nc: int = a + b\n### END SOLUTION\nprint(c)"
    assert course.strip_solutions(src) == ("a = ...  # YOUR CODE HERE\nb = ...  # YOUR CODE HERE\n"
                                           "c = ...  # YOUR CODE HERE\nprint(c)")
    src = "### BEGIN SOLUTION\nfor i in range(3):\n    print(i)\n### END SOLUTION"
    assert course.strip_solutions(src) == "# YOUR CODE HERE\nraise NotImplementedError()"
    src = ("### BEGIN SOLUTION\nk = 3\nW = X.copy()\nW[:, k] = 0\nscore = W.sum()\n### END SOLUTION\n"
           "print(score)")                 # mixed: stub the names read afterwards (here or below)
    assert course.strip_solutions(src, later="check(k, score)") == ("k = ...  # YOUR CODE HERE\n"
                                                                    "score = ...  # YOUR CODE HERE\nprint(score)")
    src = "### BEGIN SOLUTION\nx[0] = 1\n### END SOLUTION"          # not a plain name: nbgrader's stub
    assert "raise NotImplementedError()" in course.strip_solutions(src)


def test_strip_hidden_tests_and_solution_directives():
    src = "check()\n### BEGIN HIDDEN TESTS\nassert secret\n### END HIDDEN TESTS\n"
    assert course.strip_hidden_tests(src) == "check()"
    md = "```{solution} ex-a\n:class: dropdown\nthe answer\n```\n\n```{exercise} Next\n:label: ex-b\nq\n```"
    assert course.strip_solution_directives(md) == "```{exercise} Next\n:label: ex-b\nq\n```"
    md = "````{solution} ex-a\n```python\ncode\n```\n````"
    assert course.strip_solution_directives(md) == ""


# ------------------------------------------------------------------- student notebook
def test_student_notebook(source):
    student = course.student_notebook(source, "fixture")
    nbformat.validate(student)
    text = "\n".join(c.source for c in student.cells)
    for hidden in ("### BEGIN SOLUTION", "### BEGIN HIDDEN TESTS", "{solution}", "np.argsort", "X.mean(axis=0)\n"):
        assert hidden not in text, hidden
    assert "centroid = ...  # YOUR CODE HERE" in text
    assert all(c.get("outputs", []) == [] and c.get("execution_count") is None
               for c in student.cells if c.cell_type == "code")
    graded = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert sorted(c.metadata.nbgrader.points for c in graded) == [0, 1, 2, 3]   # 0: the prose answer
    ids = [c.metadata.nbgrader.grade_id for c in student.cells if "nbgrader" in c.metadata]
    assert len(ids) == len(set(ids)) == 11
    for c in student.cells:
        if "nbgrader" in c.metadata:
            m = c.metadata.nbgrader
            assert set(m) >= {"grade", "grade_id", "locked", "solution", "schema_version"}
            assert m["locked"] != m["solution"] or c.cell_type == "markdown"
    for c in student.cells:          # what nbgrader's CheckCellMetadata requires
        m = c.metadata.get("nbgrader")
        if m and (m["grade"] or m["solution"]):
            assert re.fullmatch(r"[a-zA-Z0-9_\-]+", m["grade_id"])
        if m and m["grade"]:
            float(m["points"])
        if m and c.cell_type == "markdown":
            assert m["grade"] == m["solution"]
    check = _find(student, "# CHECK ex-fix-topk")
    assert check.metadata.nbgrader.locked and check.metadata.editable is False
    assert student.metadata[course.META] == {"assignment": "fixture", "exercises": {
        "ex-fix-cosine": 2, "ex-fix-topk": 3, "ex-fix-centroid": 1, "ex-fix-why": 0}}
    assert _find(student, course.ANSWER_TEXT).metadata.nbgrader.solution
    assert student.metadata.kernelspec.name == "python3"
    reference = course.student_notebook(source, "fixture", keep_hidden=True)
    assert "### BEGIN HIDDEN TESTS" in _find(reference, "# CHECK ex-fix-topk").source
    assert "raise NotImplementedError()" in _find(reference, "def top_k").source


def test_nbgrader_source_keeps_solutions(source):
    src = course.nbgrader_source(source, "fixture")
    assert "### BEGIN SOLUTION" in _find(src, "def top_k").source
    assert _find(src, "def top_k").metadata.nbgrader.solution
    assert any("{solution}" in c.source for c in src.cells)


# ------------------------------------------------------------------------- merging
def test_merge_restores_check_cells_and_keeps_student_cells(source):
    reference = course.student_notebook(source, "fixture", keep_hidden=True)
    sub = course.student_notebook(source, "fixture")
    _find(sub, "# CHECK ex-fix-topk").source = 'print("PASSED ex-fix-topk")'     # tampered
    sub.cells.remove(_find(sub, "# CHECK ex-fix-cosine"))                         # deleted
    sub.cells.append(copy.deepcopy(_find(sub, "# CHECK ex-fix-centroid")))       # duplicated
    forged = new_code_cell("print('PASSED')")
    forged.metadata["nbgrader"] = {"grade": True, "points": 99, "grade_id": "mine", "locked": True}
    forged.metadata[course.META] = {"role": "check", "label": "ex-fix-cosine"}
    sub.cells.insert(2, forged)
    merged, notes = course.merge_submission(reference, sub)
    text = [c.source for c in merged.cells]
    assert sum(t.startswith("# CHECK ex-fix-cosine") for t in text) == 1
    assert sum(t.startswith("# CHECK ex-fix-centroid") for t in text) == 1
    topk = _find(merged, "ex-fix-topk points=3")
    assert "### BEGIN HIDDEN TESTS" in topk.source
    i_check = text.index(_find(merged, "# CHECK ex-fix-cosine").source)
    assert text[i_check - 1].startswith("def cosine")              # put back in its place
    assert "nbgrader" not in merged.cells[2].metadata and course.META not in merged.cells[2].metadata
    assert any("edited" in n for n in notes) and any("put back" in n for n in notes)
    assert any("second copy" in n for n in notes)
    ids = [c.id for c in merged.cells]
    assert len(ids) == len(set(ids))


def test_grade_ids_are_valid_for_labels_with_other_characters():
    nb = _nb("md:```{exercise} T\n:label: ex-a.b\nq\n```",
             "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION",
             "# CHECK ex-a.b points=1\nassert f() == 1")
    student = course.student_notebook(nb, "x")
    assert [c.metadata.nbgrader.grade_id for c in student.cells] == ["ex-a_b-text", "ex-a_b-answer", "ex-a_b-check"]
    reference = course.student_notebook(nb, "x", keep_hidden=True)
    bare = copy.deepcopy(student)
    for c in bare.cells:
        c.metadata = {}
    merged, notes = course.merge_submission(reference, bare)
    assert len(merged.cells) == 3 and notes == []
    assert merged.cells[2].metadata.nbgrader.points == 1


def test_merge_matches_cells_without_metadata(source):
    """An editor that drops cell metadata (or the instructor's own notebook) still grades."""
    reference = course.student_notebook(source, "fixture", keep_hidden=True)
    merged, _ = course.merge_submission(reference, copy.deepcopy(source))
    answer = _find(merged, "def top_k")
    assert "np.argsort" in answer.source and answer.metadata.nbgrader.grade_id == "ex-fix-topk-answer"
    assert sum(c.source.startswith("def top_k") for c in merged.cells) == 1   # no stub put back
    with pytest.raises(course.MarkupError, match="not a notebook"):
        course.merge_submission(reference, {"metadata": {}})


# -------------------------------------------------------------------------- scoring
def test_score_and_explain(source):
    reference = course.student_notebook(source, "fixture", keep_hidden=True)
    merged, _ = course.merge_submission(reference, course.student_notebook(source, "fixture"))
    index = {c.metadata.get(course.META, {}).get("label") + "/" + c.metadata[course.META]["role"]: i
             for i, c in enumerate(merged.cells) if course.META in c.metadata}
    results = {index["ex-fix-cosine/check"]: course.CellResult("ok", stdout="PASSED ex-fix-cosine (2 points)\n"),
               index["ex-fix-topk/answer"]: course.CellResult("error", "SyntaxError", "invalid syntax"),
               index["ex-fix-topk/check"]: course.CellResult("error", "ExerciseError", "top_k is off by 1")}
    report = course.score(merged, results, cell_timeout=5)
    assert report["ex-fix-cosine"] == {"points": 2, "max_points": 2, "messages": ["PASSED ex-fix-cosine (2 points)"]}
    assert report["ex-fix-topk"]["points"] == 0
    assert report["ex-fix-topk"]["messages"] == ["your code cell: SyntaxError: invalid syntax", "check: top_k is off by 1"]
    assert "not run" in report["ex-fix-centroid"]["messages"][0]
    assert "graded by hand" in report["ex-fix-why"]["messages"][0]
    assert "within 5 s" in course.explain(course.CellResult("timeout", "CellTimeoutError"), 5)
    assert "NotImplementedError" in course.explain(course.CellResult("error", "NotImplementedError"))
    with pytest.raises(course.MarkupError, match="no exercise list"):
        course.score(source, {})


# ------------------------------------------------------------------ checker helpers
def test_call_and_check_function():
    assert check_function(lambda x: 2 * x, [((1,), 2), ((np.ones(2),), np.full(2, 2.0))], "ex-a") == "PASSED ex-a"
    assert check_function(str.upper, [(("a",), "A")], "ex-a", points=1) == "PASSED ex-a (1 points)"

    def stub(x):
        raise NotImplementedError()
    with pytest.raises(ExerciseError, match="stub is not implemented yet"):
        check_function(stub, [((1,), 2)], "ex-a")
    with pytest.raises(ExerciseError, match=r"off by 1 .*expected 3\.0, got 2\.0"):
        check_function(lambda x: x + 1, [((1,), 3)], "ex-a", name="f")
    with pytest.raises(ExerciseError, match=r"f\(1\) raised ZeroDivisionError"):
        check_function(lambda x: x / 0, [((1,), 3)], "ex-a", name="f")
    with pytest.raises(ExerciseError, match=r"returned 'b'; expected 'a'"):
        check_function(lambda x: "b", [((1,), "a")], "ex-a", name="f")
    with pytest.raises(ExerciseError, match="not implemented yet"):
        check_function(lambda x: ..., [((1,), 3.0)], "ex-a", name="f")
    with pytest.raises(ExerciseError, match="should be a function"):
        call(3, what="f")
    with pytest.raises(ExerciseError, match="not implemented yet"):
        call(..., what="f")
    with pytest.raises(ValueError, match="at least one"):
        check_function(abs, [], "ex-a")
    with pytest.raises(ValueError, match="pair"):
        check_function(abs, [(1, 1)], "ex-a")
    with pytest.raises(ValueError, match="non-negative"):
        check_function(abs, [((1,), 1)], "ex-a", tol=-1)


# ---------------------------------------------------------------------------- tools
def test_assignments_generate(tmp_path):
    entries = assignments.generate([FIXTURE], tmp_path, quiet=True)
    assert entries[0]["assignment"] == "course_fixture" and entries[0]["autograded_points"] == 6
    release = nbformat.read(tmp_path / "release" / "course_fixture" / "course_fixture.ipynb", as_version=4)
    assert "raise NotImplementedError()" in _find(release, "def cosine").source
    src = nbformat.read(tmp_path / "source" / "course_fixture" / "course_fixture.ipynb", as_version=4)
    assert "### BEGIN SOLUTION" in _find(src, "def cosine").source
    manifest = json.loads((tmp_path / "manifest.json").read_text())
    assert manifest["assignments"][0]["exercises"]["ex-fix-topk"] == 3
    with pytest.raises(SystemExit, match="not found"):
        assignments.generate([tmp_path / "nope.ipynb"], tmp_path, quiet=True)
    with pytest.raises(SystemExit, match="both named"):
        assignments.generate([FIXTURE, FIXTURE], tmp_path, quiet=True)
    broken = tmp_path / "broken.ipynb"
    nbformat.write(_nb(EX, "x\n### END SOLUTION"), broken)
    with pytest.raises(SystemExit, match="cell 1"):
        assignments.generate([broken], tmp_path, quiet=True)
    assert assignments.lint([broken]) == 1 and assignments.lint([FIXTURE]) == 0


def test_hide_solutions_tags_answer_cells_in_place(tmp_path):
    nb = nbformat.read(FIXTURE, as_version=4)
    for cell in nb.cells:
        cell.metadata.pop("tags", None)
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="(5, 3)\n")]
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    assert any("hide-input" in w for w in course.parse(nb).warnings)
    assert assignments.hide_solutions([path]) == 3
    tagged = nbformat.read(path, as_version=4)
    assert not course.parse(tagged).warnings
    assert tagged.cells[1].outputs[0].text == "(5, 3)\n"
    assert assignments.hide_solutions([path]) == 0                 # idempotent
    with pytest.raises(SystemExit, match="name them explicitly"):
        assignments.main(["--hide-solutions"])


def test_autograde_bad_arguments(tmp_path):
    sources = autograde.load_sources([FIXTURE])
    with pytest.raises(SystemExit, match="no submissions folder"):
        autograde.grade(tmp_path / "missing", sources, tmp_path / "out")
    with pytest.raises(SystemExit, match="no .ipynb files"):
        autograde.grade(tmp_path, sources, tmp_path / "out")
    with pytest.raises(SystemExit, match="must be positive"):
        autograde.grade(tmp_path, sources, tmp_path / "out", timeout=0)
    with pytest.raises(SystemExit, match="not found"):
        autograde.load_sources([tmp_path / "nope.ipynb"])


# ----------------------------------------------------------------------- end to end
def _variant(nb, answer_start, new_source):
    nb = copy.deepcopy(nb)
    _find(nb, answer_start).source = new_source
    return nb


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    base = tmp_path_factory.mktemp("course")
    assignments.generate([FIXTURE], base / "assignments", quiet=True)
    release = nbformat.read(base / "assignments" / "release" / "course_fixture" / "course_fixture.ipynb",
                            as_version=4)
    solved = nbformat.read(FIXTURE, as_version=4)
    subs, out = base / "submitted", base / "graded"
    for student in ("stub", "solved", "loops", "stubborn", "raises", "deletes", "cheats"):
        (subs / student).mkdir(parents=True)
    write = lambda nb, student: nbformat.write(nb, subs / student / "course_fixture.ipynb")
    write(release, "stub")
    write(solved, "solved")
    write(_variant(solved, "def top_k", "def top_k(scores, k):\n    while True:\n        pass"), "loops")
    stubborn = _variant(solved, "### BEGIN SOLUTION\ncentroid",
                        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass")
    stubborn.cells.extend(new_code_cell(f"x = {i}") for i in range(4))
    write(stubborn, "stubborn")
    raises = _variant(solved, "def cosine", "def cosine(u, v):\n    raise ValueError('cosine is broken')")
    raises = _variant(raises, "### BEGIN SOLUTION\ncentroid",       # and tries the network
                      "import socket\ntry:\n    socket.create_connection(('192.0.2.1', 80), timeout=2)\n"
                      "    print('network open')\nexcept OSError as err:\n    print(err)\n"
                      "centroid = X.mean(axis=0)")
    write(raises, "raises")
    write(_variant(solved, "### BEGIN SOLUTION\ncentroid",
                   "import os, shutil\n"
                   "for name in os.listdir('.'):\n    os.remove(name) if os.path.isfile(name) else None\n"
                   f"shutil.rmtree({str(subs)!r}, ignore_errors=True)\n"
                   f"shutil.rmtree({str(out)!r}, ignore_errors=True)\n"
                   "centroid = X.mean(axis=0)"), "deletes")
    cheats = _variant(release, "def top_k", "def top_k(scores, k):\n    return np.argsort(-np.asarray(scores))[:k]")
    _find(cheats, "def cosine").source = solved.cells[3].source
    _find(cheats, "# CHECK ex-fix-topk").source = 'print("PASSED ex-fix-topk")'
    write(cheats, "cheats")
    (subs / "garbage.ipynb").write_text("this is not a notebook")
    rows = autograde.grade(subs, autograde.load_sources([FIXTURE]), out, timeout=30, cell_timeout=8, jobs=2,
                           quiet=True, unsandboxed=not autograde.sandbox.available()[0])   # sandboxed where it runs
    return {r["student"]: r for r in rows}, out


def _fb(out, student):
    return (out / "feedback" / f"{student}.md").read_text()


def test_end_to_end_stub_scores_zero_and_runs(graded):
    rows, out = graded
    assert rows["stub"]["total"] == 0 and rows["stub"]["max"] == 6 and rows["stub"]["status"] == "ok"
    fb = _fb(out, "stub")
    assert "cosine is not implemented yet" in fb and "centroid is not implemented yet" in fb
    executed = nbformat.read(out / "executed" / "stub" / "course_fixture.ipynb", as_version=4)
    for cell in executed.cells:      # the stubs fail only in exercise cells; the rest runs
        errors = [o for o in cell.get("outputs", []) if o.output_type == "error"]
        if errors:
            assert cell.metadata[course.META]["role"] in ("answer", "check"), cell.source
    assert executed.cells[1].outputs[0].text == "(5, 3)\n"


def test_end_to_end_solved_gets_full_marks(graded):
    rows, out = graded
    assert rows["solved"]["total"] == 6 and rows["solved"]["status"] == "ok"
    assert [rows["solved"][k] for k in ("ex-fix-cosine", "ex-fix-topk", "ex-fix-centroid")] == [2, 3, 1]
    assert "PASSED ex-fix-topk (3 points)" in _fb(out, "solved")


def test_end_to_end_bad_submissions_do_not_stop_others(graded):
    rows, out = graded
    assert set(rows) == {"stub", "solved", "loops", "stubborn", "raises", "deletes", "cheats", "garbage"}
    assert (rows["loops"]["total"], rows["loops"]["ex-fix-topk"], rows["loops"]["status"]) == (3, 0, "ok")
    assert "did not finish within 8 s" in _fb(out, "loops")
    s = rows["stubborn"]
    assert (s["status"], s["ex-fix-cosine"], s["ex-fix-topk"], s["ex-fix-centroid"]) == ("timeout", 2, 3, 0)
    assert "did not finish within 30 s" in _fb(out, "stubborn")
    assert rows["raises"]["total"] == 4
    assert "raised ValueError: cosine is broken" in _fb(out, "raises")
    executed = nbformat.read(out / "executed" / "raises" / "course_fixture.ipynb", as_version=4)
    assert "network access is disabled while grading" in _find(executed, "import socket").outputs[0].text
    assert rows["deletes"]["total"] == 6
    assert rows["cheats"]["ex-fix-topk"] == 0 and rows["cheats"]["total"] == 2   # cosine solved, centroid stub
    assert "should raise ValueError" in _fb(out, "cheats") and "edited" in _fb(out, "cheats")
    assert rows["garbage"]["status"] == "unreadable" and "not a readable notebook" in _fb(out, "garbage")
    with open(out / "grades.csv") as fh:
        table = list(csv.DictReader(fh))
    assert len(table) == 8
    assert {r["student"]: r["total"] for r in table}["solved"] == "6"
    assert table[0].keys() >= {"ex-fix-cosine", "ex-fix-topk", "ex-fix-centroid", "total", "max", "status"}


# ------------------------------------------------------------- the book's chapters
@pytest.mark.parametrize("chapter", assignments.toc_notebooks(), ids=lambda p: p.stem)
def test_toc_chapter_follows_the_exercise_convention(chapter):
    """Every chapter ends with >= 3 exercises, each with a worked solution, code ones checked."""
    nb = nbformat.read(chapter, as_version=4)
    markup = course.parse(nb)
    assert len(markup.exercises) >= 3, f"{chapter.name} has {len(markup.exercises)} exercises; AUTHORING asks for 3"
    problems = [w for w in markup.warnings if "hide-input" not in w]
    assert not problems, problems
    student = course.student_notebook(nb, chapter.stem)
    text = "\n".join(c.source for c in student.cells)
    assert "### BEGIN SOLUTION" not in text and "{solution" not in text and "HIDDEN TESTS" not in text


# ------------------------------------------------------------------- honest grading
FORBIDS = course.checker_forbids()
PPMI_SETUP = "import numpy as np\nfrom lib import static\nfrom lib.exercises import part2"
PPMI_EX = "md:```{exercise} PPMI\n:label: ex-p2-c1-ppmi\nWrite ppmi_dense(counts).\n```"
PPMI_ANSWER = ("def ppmi_dense(X):\n    ### BEGIN SOLUTION\n    with np.errstate(divide='ignore'):\n"
               "        P = np.log(X) + np.log(X.sum()) - np.log(X.sum(1, keepdims=True)) - np.log(X.sum(0, keepdims=True))\n"
               "    return np.where(np.isfinite(P), np.maximum(P, 0), 0)\n    ### END SOLUTION")
HONEST = PPMI_ANSWER.replace("    ### BEGIN SOLUTION\n", "").replace("\n    ### END SOLUTION", "")
PPMI_CHECK = "# CHECK ex-p2-c1-ppmi points=2\npart2.check_ppmi(ppmi_dense);"
PPMI_SOL = "md:```{solution} ex-p2-c1-ppmi\n:class: dropdown\nLog ratio of joint to product of marginals.\n```"


def _ppmi_nb():
    return _nb(PPMI_SETUP, PPMI_EX, PPMI_ANSWER, PPMI_CHECK, PPMI_SOL)


def _submission(answer_source, extra=()):
    nb = course.student_notebook(_ppmi_nb(), "ppmi")
    _find(nb, "def ppmi_dense").source = answer_source
    for i, src in enumerate(extra):
        nb.cells.insert(1 + i, new_code_cell(src))
    return nb


def _delegated(sub):
    reference = course.student_notebook(_ppmi_nb(), "ppmi", keep_hidden=True)
    merged, _ = course.merge_submission(reference, sub)
    return course.delegations(merged, FORBIDS, reference)


def test_checker_forbids_reads_the_decorators():
    assert FORBIDS["ex-p2-c1-ppmi"] == ("lib.static.ppmi",)
    assert FORBIDS["ex-p1-c1-cosine"] == ()
    for chapter in assignments.toc_notebooks():          # every graded exercise has a decorated checker
        for label, ex in course.parse(nbformat.read(chapter, as_version=4)).exercises.items():
            if ex.autograded:
                assert label in FORBIDS, f"{chapter.stem}: {label} has no @exercise checker"


@pytest.mark.parametrize("answer, extra", [
    ("def ppmi_dense(X):\n    return static.ppmi(X)", ()),
    ("def ppmi_dense(X):\n    import lib.static\n    return lib.static.ppmi(X)", ()),
    ("from lib.static import ppmi as p\ndef ppmi_dense(X):\n    return p(X)", ()),
    ("def ppmi_dense(X):\n    return helper(X)", ("from lib.static import ppmi as hidden_away\n"
                                                  "def helper(X):\n    return hidden_away(X)",)),
    ("f = static.ppmi\ndef ppmi_dense(X, g=f):\n    return g(X)", ()),
    ("def ppmi_dense(X):\n    return getattr(static, 'ppmi')(X)", ()),
    ("ppmi_dense = static.ppmi", ()),
])
def test_delegation_is_found_statically(answer, extra):
    found = _delegated(_submission(answer, extra))
    assert list(found) == ["ex-p2-c1-ppmi"] and "lib.static.ppmi" in found["ex-p2-c1-ppmi"][0]


def test_own_code_is_not_delegation():
    assert _delegated(_submission(HONEST)) == {}
    mine = "def ppmi(X):\n    return np.maximum(np.log(X), 0)\ndef ppmi_dense(X):\n    return ppmi(X)"
    assert _delegated(_submission(mine)) == {}                  # the learner's own function named ppmi
    assert _delegated(_submission("def ppmi_dense(X):\n    return static.char_ngrams(X)")) == {}
    merged, _ = course.merge_submission(course.student_notebook(_ppmi_nb(), "ppmi", keep_hidden=True),
                                        _submission("def ppmi_dense(X):\n    return static.ppmi(X)"))
    report = course.score(merged, {i: course.CellResult("ok", stdout="PASSED") for i in range(len(merged.cells))},
                          delegated=course.delegations(merged, FORBIDS))
    assert report["ex-p2-c1-ppmi"]["points"] == 0
    assert "scored 0: your code uses lib.static.ppmi" in report["ex-p2-c1-ppmi"]["messages"][-1]


def test_hidden_tests_are_generated_from_the_visible_check():
    src = "# CHECK ex-a points=1\npart2.check_ppmi(ppmi_dense);\nprint('more')"
    out = course.with_hidden_tests(src)
    assert out.split("\n")[2] == course.BEGIN_HIDDEN and "part2.check_ppmi(ppmi_dense, hidden=True);" in out
    assert out.endswith(course.END_HIDDEN + "\nprint('more')")
    assert course.with_hidden_tests(out) == out                                  # idempotent
    assert course.strip_hidden_tests(out) == src
    assert course.with_hidden_tests("# CHECK ex-a points=1\ncheck_function(f, [], 'ex-a')").count("HIDDEN") == 0


@pytest.mark.parametrize("chapter", assignments.toc_notebooks(), ids=lambda p: p.stem)
def test_every_graded_exercise_has_a_hidden_test(chapter):
    nb = nbformat.read(chapter, as_version=4)
    markup = course.parse(nb)
    for kind, made in (("grader", course.student_notebook(nb, chapter.stem, keep_hidden=True)),
                       ("source", course.nbgrader_source(nb, chapter.stem))):
        checks = {}
        for cell in made.cells:
            meta = cell.metadata.get(course.META, {})
            if meta.get("role") == "check":
                checks.setdefault(meta["label"], []).append(cell.source)
        for label, ex in markup.exercises.items():
            if ex.solution_cells:
                assert any(course.BEGIN_HIDDEN in s and "hidden=True" in s for s in checks.get(label, [])), \
                    f"{kind}: {label} has no hidden test"
    student = course.student_notebook(nb, chapter.stem)
    assert not any("hidden=True" in c.source or course.BEGIN_HIDDEN in c.source for c in student.cells)


def test_grading_scores_delegation_and_hard_coding_zero(tmp_path):
    """End to end: the honest solution gets 2 points; delegating (caught at run time, or only
    statically where a default argument hides the lib function from the tripwires) and hard-coding
    the visible case's output (passes the visible check, fails the hidden one) get 0."""
    from lib.exercises import part2 as p2, rng
    visible = []
    r = rng(7)
    for shape in [(4, 5), (9, 9)]:                       # the visible check's inputs, as check_ppmi draws them
        X = r.integers(0, 6, shape).astype(float)
        X[0, :] = np.maximum(X[0, :], 1)
        P = p2.static.ppmi(X)
        visible.append((X.tolist(), np.asarray(P.todense() if hasattr(P, "todense") else P).tolist()))
    hard = (f"CASES = {visible!r}\ndef ppmi_dense(X):\n    for x, p in CASES:\n"
            f"        if np.array_equal(X, np.array(x)):\n            return np.array(p)\n"
            f"    return np.zeros_like(X)")
    source = tmp_path / "ppmi.ipynb"
    nbformat.write(_ppmi_nb(), source)
    subs = tmp_path / "submitted"
    for student, answer in [("honest", HONEST), ("delegates", "def ppmi_dense(X):\n    return static.ppmi(X)"),
                            ("default_arg", "def ppmi_dense(X, f=static.ppmi):\n    return f(X)"),
                            ("hardcodes", hard)]:
        (subs / student).mkdir(parents=True)
        nbformat.write(_submission(answer), subs / student / "ppmi.ipynb")
    out = tmp_path / "graded"
    rows = autograde.grade(subs, autograde.load_sources([source]), out, timeout=120, cell_timeout=60, jobs=2,
                           quiet=True, unsandboxed=not autograde.sandbox.available()[0])
    got = {r["student"]: r["ex-p2-c1-ppmi"] for r in rows}
    assert got == {"honest": 2, "delegates": 0, "default_arg": 0, "hardcodes": 0}, got
    assert "write it yourself" in _fb(out, "delegates") and "scored 0" in _fb(out, "default_arg")
    assert "hidden test of ex-p2-c1-ppmi" in _fb(out, "hardcodes")
    executed = nbformat.read(out / "executed" / "hardcodes" / "ppmi.ipynb", as_version=4)
    check = _find(executed, "# CHECK ex-p2-c1-ppmi")
    assert "PASSED ex-p2-c1-ppmi" in "".join(o.get("text", "") for o in check.outputs)   # the visible check passed


# ------------------------------------------- no expected answer in what students get
def _instructor_function(chapter_stem, label):
    """The instructor's solution function of exercise ``label``, defined from the chapter's answer cell."""
    import ast as _ast
    from lib import search
    path = next(p for p in assignments.toc_notebooks() if p.stem == chapter_stem)
    nb = nbformat.read(path, as_version=4)
    markup = course.parse(nb)
    cell = next(c for c, r, lab in zip(nb.cells, markup.roles, markup.labels) if r == "answer" and lab == label)
    tree = _ast.parse(cell.source)
    tree.body = [n for n in tree.body if isinstance(n, _ast.FunctionDef)]
    namespace = {"np": np, "search": search}
    exec(compile(tree, path.name, "exec"), namespace)
    return namespace[tree.body[0].name]


def _expected_answers(glove):
    """(label, answer): what the instructor's solutions answer on the checks' own questions (visible and
    hidden) and what the answer cells print in the executed chapters. An answer that is one of the
    question's own words (the odd one out is one of the words asked about) is not counted."""
    from lib.exercises import part1, part6
    answers, asked = [], set()

    def spying(fn, label):
        def spy(*args):
            out = fn(*args)
            asked.update(w for a in args[1:] for w in (a if isinstance(a, list) else [a]) if isinstance(w, str))
            if not any(out == a or (isinstance(a, list) and out in a) for a in args[1:]):
                answers.append((label, out))
            return out
        return spy

    for check, chapter, label in ((part1.check_odd_one_out, "01_what_is_an_embedding", "ex-p1-c1-odd"),
                                  (part1.check_analogy, "01_what_is_an_embedding", "ex-p1-c1-analogy")):
        for hidden in (False, True):
            check(spying(_instructor_function(chapter, label), label), glove, hidden=hidden)
    pq = _instructor_function("01_quantization", "ex-p6-c1-pqbytes")
    part6.check_pq_bytes(spying(lambda *a: pq(*a), "ex-p6-c1-pqbytes"))
    for path in assignments.toc_notebooks():     # and what the answer cells print in the executed chapters
        nb = nbformat.read(path, as_version=4)
        markup = course.parse(nb)
        for cell, role, label in zip(nb.cells, markup.roles, markup.labels):
            if role == "answer":
                for o in cell.get("outputs", []):
                    text = o.get("text") or o.get("data", {}).get("text/plain", "")
                    answers += [(label, w) for w in [text.strip()] if re.fullmatch(r"[a-z]{3,}", w) and w not in asked]
                    answers += [(label, x) for x in re.findall(r"(?<![\w.])\d+\.\d{3,}", text)]   # 3+ decimals
    return answers


def test_student_release_holds_no_expected_answer(tmp_path, glove):
    """Each exercise's expected answers appear neither in its exercise material in the student release
    (text, stubs, check cells, outputs) nor in its checker's source, nor in lib/exercises/__init__.py."""
    import inspect
    from lib.exercises import part1, part2, part3, part4, part5, part6
    answers = _expected_answers(glove)
    assert {"queen", "tokyo", "faster", 441216} <= {a for _, a in answers}
    assignments.generate(assignments.toc_notebooks(), tmp_path, quiet=True)
    texts = {}
    common = (ROOT / "lib" / "exercises" / "__init__.py").read_text()
    for path in (tmp_path / "release").rglob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            label = cell.metadata.get(course.META, {}).get("label")
            texts.setdefault(label, []).append(cell.source + json.dumps(cell.get("outputs", [])))
    for module in (part1, part2, part3, part4, part5, part6):
        for name in module.__all__:
            label = getattr(getattr(module, name), "label", None)
            if label:
                texts.setdefault(label, []).append(inspect.getsource(getattr(module, name)))
    leaks = []
    for label, answer in set((lab, str(a)) for lab, a in answers):
        if answer.isdigit():
            pattern = rf"(?<![\w.])({int(answer):,}|{answer})(?![\w.])"
        elif re.fullmatch(r"[a-z]+", answer):
            pattern = rf"[\"']{answer}[\"']"                     # as a string literal
        else:
            pattern = rf"(?<![\w.]){re.escape(answer)}"
        for where, text in [(label, t) for t in texts.get(label, [])] + [("lib/exercises/__init__.py", common)]:
            if re.search(pattern, text, re.I):
                leaks.append(f"{answer!r} of {label} in {where}")
    assert not leaks, sorted(set(leaks))


# ------------------------------------------------ graded runs execute what the exercises need
def test_needed_cells_follow_names_backwards():
    nb = _nb("import numpy as np",                                   # 0 imports: kept
             "X = np.ones((3, 2))\nunused = 5",                      # 1 binds X, read by the answer: kept
             "import matplotlib\nfig = X.sum()",                     # 2 imports, but computes what nobody reads
             "import scipy",                                         # 3 imports only: kept
             "table = X * 2\nprint(table)",                          # 4 nobody reads table: skipped
             "X[0] = 7",                                             # 5 changes X: kept
             "SCALE = 2",                                            # 6 read when helper is defined: kept
             "def helper(v, scale=SCALE):\n    w = v * scale\n    return w + offset",   # 7 read by the answer: kept
             "offset = 1\nv = 3\nw = 4",                              # 8 offset read by helper when called: kept
             "v = 5\nw = 6",                                          # 9 helper's v and w, the answer's w: skipped
             "md:```{exercise} T\n:label: ex-a\nDo it.\n```",
             "### BEGIN SOLUTION\nanswer = helper(X).sum() + sum(w for w in [0])\n### END SOLUTION",   # 11 answer
             "# CHECK ex-a points=1\nassert answer > 0",             # 12 check
             "X = None\nplot = table")                               # 13 after the exercise: skipped
    reference = course.student_notebook(nb, "a", keep_hidden=True)
    keep = course.needed_cells(course.nbgrader_source(nb, "a"), reference)      # the instructor's solution
    assert keep == {0, 1, 3, 5, 6, 7, 8, 11, 12}, keep
    sub = course.student_notebook(nb, "a")
    sub.cells.insert(5, new_code_cell("mine = table"))               # the learner's own cell: kept
    merged, _ = course.merge_submission(reference, sub)
    keep = course.needed_cells(merged, reference)
    kept_sources = {merged.cells[i].source for i in keep}
    assert "mine = table" in kept_sources and "table = X * 2\nprint(table)" in kept_sources   # needed by mine
    assert "X = None\nplot = table" not in kept_sources
    assert course.needed_cells(_nb("%matplotlib inline\nimport numpy", "x = (")) == {0, 1}   # magics; unparsable


def test_needed_cells_read_names_in_statement_order():
    nb = _nb("import numpy as np\nfrom lib import claims",           # 0 imports only: kept
             "rows = {'a': 1}",                                      # 1 read by the loop below: kept
             "name = 'x'\nscore = 0.5",                              # 2 loop variable and an if-only name: kept for score
             "claims.holds(True, 'ok')\nfig = np.ones(2)",          # 3 a call on a module changes nothing: skipped
             "from lib import claims\nslow = np.ones(3)",           # 4 imports claims again, nobody reads slow: skipped
             "model = []\nmodel.append(1)",                          # 5 changed by a call, read below: kept
             "md:```{exercise} T\n:label: ex-a\nDo it.\n```",
             "### BEGIN SOLUTION\nfor name, v in rows.items():\n    answer = name\nif v:\n    score = 1\n"
             "answer = (answer, score, claims, len(model))\n### END SOLUTION",   # 7 answer
             "# CHECK ex-a points=1\nassert answer")                 # 8 check
    reference = course.student_notebook(nb, "a", keep_hidden=True)
    keep = course.needed_cells(course.nbgrader_source(nb, "a"), reference)
    assert keep == {0, 1, 2, 5, 7, 8}, keep


@pytest.mark.parametrize("chapter", assignments.toc_notebooks(), ids=lambda p: p.stem)
def test_instructor_solutions_do_not_delegate(chapter):
    """The worked solutions write what their checkers forbid calling, so they keep full marks."""
    nb = nbformat.read(chapter, as_version=4)
    reference = course.student_notebook(nb, chapter.stem, keep_hidden=True)
    assert course.delegations(course.nbgrader_source(nb, chapter.stem), FORBIDS, reference) == {}
