"""Course use of the chapters: read the exercise markup, make student notebooks, grade.

The exercise convention (AUTHORING.md) is:

* a markdown cell holding a sphinx-exercise ``{exercise}`` (or ``{exercise-start}``)
  directive with ``:label: ex-...``;
* code cells the learner edits, with the solution between ``### BEGIN SOLUTION`` and
  ``### END SOLUTION`` (nbgrader markup);
* check cells whose first line is ``# CHECK ex-<label> points=<n>``; hidden tests, kept
  from students, sit between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``;
* the worked solution for the reader in a ``{solution}`` directive (or a gated
  ``{solution-start}`` ... ``{solution-end}`` block).

:func:`parse` reads that markup (raising :class:`MarkupError` naming every problem),
:func:`student_notebook` turns an instructor's notebook into the notebook a student gets
(solutions replaced by stubs as nbgrader does, hidden tests and solutions removed,
outputs cleared, nbgrader cell metadata added), :func:`nbgrader_source` adds the same
metadata but keeps the solutions (what ``nbgrader generate_assignment`` imports),
:func:`merge_submission` rebuilds the notebook to grade from a submission (the
instructor's check cells, hidden tests included, replace whatever the student's copy
holds) and :func:`score` turns the executed cells into points and feedback.

For honest grading, :func:`with_hidden_tests` adds to every check cell of the grader's and
nbgrader's copies a hidden test generated from its visible check call (``check_x(fn,
hidden=True)``: other inputs, expected values not shown), :func:`delegations` finds (with
``ast``) learner code that names a lib function the exercise's checker forbids
(:func:`checker_forbids`), and :func:`needed_cells` picks the cells a graded run must execute.

Executing the notebooks is the job of ``tools/autograde.py``; everything here is pure
(notebook in, notebook or numbers out) so that it can be unit-tested quickly.
"""
from __future__ import annotations

import ast
import copy
import re
import textwrap
from dataclasses import dataclass, field

import nbformat

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"
BEGIN_HIDDEN = "### BEGIN HIDDEN TESTS"
END_HIDDEN = "### END HIDDEN TESTS"
STUB_COMMENT = "# YOUR CODE HERE"
ANSWER_TEXT = "YOUR ANSWER HERE"
META = "embeddings_book"          # our own cell / notebook metadata key

_CHECK_RE = re.compile(r"^#\s*CHECK\s+(ex-[\w.:-]+)\s+points\s*=\s*(\d+)\s*$")
_CHECK_LOOSE = re.compile(r"^#\s*CHECK\b")
_LABEL_RE = re.compile(r"^\s*:label:\s*(\S+)\s*$", re.M)
_FENCE_RE = re.compile(r"^(\s*)(`{3,}|:{3,})\s*\{([\w-]+)\}\s*(.*?)\s*$")


class MarkupError(ValueError):
    """The exercise markup of a notebook breaks the convention of AUTHORING.md."""


@dataclass
class Exercise:
    """One exercise of a notebook: its label, title and the cells that belong to it."""
    label: str
    title: str
    cell: int                                   # index of the {exercise} markdown cell
    solution_cells: list = field(default_factory=list)
    check_cells: list = field(default_factory=list)   # (cell index, points)
    has_worked_solution: bool = False

    @property
    def points(self) -> int:
        return sum(p for _, p in self.check_cells)

    @property
    def autograded(self) -> bool:
        return bool(self.check_cells)


@dataclass
class Markup:
    """What :func:`parse` finds: exercises in order and the role of every cell."""
    exercises: dict                              # label -> Exercise, in notebook order
    roles: list                                  # per cell: see ROLES
    labels: list                                 # per cell: the exercise label or None
    warnings: list

    @property
    def total_points(self) -> int:
        return sum(e.points for e in self.exercises.values())


ROLES = ("exercise", "answer", "check", "solution-text", "gated-solution", None)


def _source(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else src


def _directive_blocks(text: str):
    """Yield (name, argument, first line, last line, body) of each fenced MyST directive."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        m = _FENCE_RE.match(lines[i])
        if not m:
            i += 1
            continue
        fence, name, arg = m.group(2), m.group(3), m.group(4)
        close = None
        for j in range(i + 1, len(lines)):
            s = lines[j].strip()
            if s and set(s) == {fence[0]} and len(s) >= len(fence):
                close = j
                break
        if close is None:
            yield name, arg, i, None, "\n".join(lines[i + 1:])
            return
        yield name, arg, i, close, "\n".join(lines[i + 1:close])
        i = close + 1


def _regions(lines, begin, end, where):
    """Pairs (start, stop) of line indices of begin/end markers; raises on bad nesting."""
    out, start = [], None
    for n, line in enumerate(lines):
        s = line.strip()
        if s == begin:
            if start is not None:
                raise MarkupError(f"{where}: '{begin}' on line {n + 1} opens a region inside another one "
                                  f"(opened on line {start + 1}); close it with '{end}' first")
            start = n
        elif s == end:
            if start is None:
                raise MarkupError(f"{where}: '{end}' on line {n + 1} has no '{begin}' before it")
            out.append((start, n))
            start = None
    if start is not None:
        raise MarkupError(f"{where}: '{begin}' on line {start + 1} is never closed with '{end}'")
    return out


def _check_header(cell):
    """(label, points) if the cell is a check cell, else None; raises on a malformed header."""
    if cell.get("cell_type") != "code":
        return None
    first = _source(cell).split("\n", 1)[0].strip()
    if not _CHECK_LOOSE.match(first):
        return None
    m = _CHECK_RE.match(first)
    if not m:
        raise MarkupError(f"malformed check header {first!r}: write '# CHECK ex-<label> points=<n>'")
    points = int(m.group(2))
    if points < 1:
        raise MarkupError(f"check cell {first!r}: points must be a positive integer")
    return m.group(1), points


def parse(nb) -> Markup:
    """Read the exercise markup of notebook ``nb`` (an nbformat notebook).

    Raises
    ------
    MarkupError
        Listing every cell that breaks the convention: unbalanced or nested solution /
        hidden-test markers, hidden tests outside a check cell, a malformed check header,
        a check or solution referring to an unknown exercise, a duplicate label, a
        solution cell before any exercise, learner code inside a gated solution.
    """
    if not hasattr(nb, "get") or "cells" not in nb:
        raise MarkupError(f"expected an nbformat notebook, got {type(nb).__name__}")
    problems, warnings = [], []
    exercises: dict = {}
    roles, labels = [], []
    current = None
    in_gated = None
    for index, cell in enumerate(nb["cells"]):
        where = f"cell {index}"
        role, label = None, None
        src = _source(cell)
        lines = src.split("\n")
        try:
            if cell.get("cell_type") == "markdown":
                for name, arg, start, stop, body in _directive_blocks(src):
                    if stop is None:
                        raise MarkupError(f"{where}: the {{{name}}} directive opened on line {start + 1} is never closed")
                    if name in ("exercise", "exercise-start"):
                        found = _LABEL_RE.search(body)
                        if not found or not found.group(1).startswith("ex-"):
                            raise MarkupError(f"{where}: the {{{name}}} directive needs a ':label: ex-...' option")
                        lab = found.group(1)
                        if lab in exercises:
                            raise MarkupError(f"{where}: exercise label {lab!r} is used twice "
                                              f"(first in cell {exercises[lab].cell})")
                        exercises[lab] = Exercise(lab, arg, index)
                        current = lab
                        role, label = "exercise", lab
                    elif name in ("solution", "solution-start"):
                        target = arg.split()[0] if arg else ""
                        if target not in exercises:
                            raise MarkupError(f"{where}: {{{name}}} refers to {target!r}, which is not the label "
                                              f"of an exercise above it")
                        exercises[target].has_worked_solution = True
                        label = target
                        if name == "solution-start":
                            in_gated = target
                            role = "gated-solution"
                        elif role is None:
                            role = "solution-text"
                    elif name == "solution-end":
                        if in_gated is None:
                            raise MarkupError(f"{where}: {{solution-end}} without a {{solution-start}} before it")
                        role, label, in_gated = "gated-solution", in_gated, None
                if role is None and in_gated is not None:
                    role, label = "gated-solution", in_gated
                if BEGIN_SOLUTION in src or BEGIN_HIDDEN in src:
                    raise MarkupError(f"{where}: solution / hidden-test markers belong in code cells; "
                                      f"prose exercises put their answer in a {{solution}} directive")
            elif cell.get("cell_type") == "code":
                header = _check_header(cell)
                sol = _regions(lines, BEGIN_SOLUTION, END_SOLUTION, where)
                hidden = _regions(lines, BEGIN_HIDDEN, END_HIDDEN, where)
                if in_gated is not None and (header or sol):
                    raise MarkupError(f"{where}: learner code or a check sits inside the gated solution of "
                                      f"{in_gated!r}; put it before the {{solution-start}}")
                if hidden and not header:
                    raise MarkupError(f"{where}: hidden tests are only allowed in a check cell "
                                      f"(first line '# CHECK ex-<label> points=<n>')")
                if header:
                    lab, points = header
                    if lab not in exercises:
                        raise MarkupError(f"{where}: check for {lab!r}, but no exercise with that label comes before it")
                    if sol:
                        raise MarkupError(f"{where}: a check cell must not hold a solution region; "
                                          f"put the learner's code in its own cell above")
                    exercises[lab].check_cells.append((index, points))
                    role, label = "check", lab
                elif sol:
                    if current is None:
                        raise MarkupError(f"{where}: a solution region comes before any {{exercise}} cell")
                    exercises[current].solution_cells.append(index)
                    tags = set(cell.get("metadata", {}).get("tags", []))
                    if not tags & {"hide-input", "hide-cell", "remove-input", "remove-cell"}:
                        warnings.append(f"{current}: {where} shows its solution code in the rendered book; "
                                        f"give it the cell tag 'hide-input' so readers reveal it on demand")
                    role, label = "answer", current
                elif in_gated is not None:
                    role, label = "gated-solution", in_gated
        except MarkupError as err:
            problems.append(str(err))
        roles.append(role)
        labels.append(label)
    if in_gated is not None:
        problems.append(f"the {{solution-start}} of {in_gated!r} is never closed with {{solution-end}}")
    for ex in exercises.values():
        if not ex.has_worked_solution:
            warnings.append(f"{ex.label}: no {{solution}} for the reader")
        if ex.solution_cells and not ex.check_cells:
            warnings.append(f"{ex.label}: asks for code but has no '# CHECK {ex.label} points=<n>' cell")
    kernel = nb.get("metadata", {}).get("kernelspec", {}).get("name")
    if kernel not in (None, "python3"):
        warnings.append(f"kernelspec name is {kernel!r}; the book uses 'python3'")
    if problems:
        raise MarkupError("the exercise markup is broken:\n  - " + "\n  - ".join(problems))
    return Markup(exercises, roles, labels, warnings)


def _assigned_names(tree) -> tuple:
    """(names bound by top-level assignments in order, whether every statement is such one)."""
    names, simple = [], True
    for s in tree.body:
        if isinstance(s, ast.Assign):
            targets = s.targets
        elif isinstance(s, (ast.AnnAssign, ast.AugAssign)):
            targets = [s.target]
        else:
            simple = False
            continue
        for t in targets:
            parts = t.elts if isinstance(t, (ast.Tuple, ast.List)) else [t]
            for part in parts:
                if isinstance(part, ast.Name):
                    if part.id not in names:
                        names.append(part.id)
                else:
                    simple = False
    return names, simple


def stub(region: list, indent: str, later: str = "") -> list:
    """The stub that replaces a solution region (a list of its lines, markers excluded).

    At the top level of a cell, a region that binds names becomes ``name = ...`` for each
    name the notebook reads afterwards (``later``: the rest of the cell and the cells
    below; every name when the region holds only assignments), so that a check can say
    "not implemented yet". Anything else becomes ``# YOUR CODE HERE`` /
    ``raise NotImplementedError()``, as nbgrader writes it, at the indentation of the
    ``### BEGIN SOLUTION`` line.
    """
    if indent == "":
        try:
            tree = ast.parse(textwrap.dedent("\n".join(region)))
        except SyntaxError:
            tree = None
        if tree is not None and tree.body:
            names, simple = _assigned_names(tree)
            if not simple:
                names = [n for n in names if re.search(rf"(?<![\w.]){re.escape(n)}\b", later)]
            if names:
                return [f"{n} = ...  {STUB_COMMENT}" for n in names]
    return [f"{indent}{STUB_COMMENT}", f"{indent}raise NotImplementedError()"]


def strip_solutions(source: str, later: str = "") -> str:
    """Replace every ``### BEGIN SOLUTION`` ... ``### END SOLUTION`` region by its stub.

    ``later`` is the text of the cells below (see :func:`stub`).
    """
    lines = source.split("\n")
    out, last = [], 0
    for start, stop in _regions(lines, BEGIN_SOLUTION, END_SOLUTION, "cell"):
        out.extend(lines[last:start])
        indent = re.match(r"\s*", lines[start]).group(0)
        rest = "\n".join(lines[stop + 1:]) + "\n" + later
        out.extend(stub(lines[start + 1:stop], indent, rest))
        last = stop + 1
    out.extend(lines[last:])
    return "\n".join(out)


def strip_hidden_tests(source: str) -> str:
    """Remove every ``### BEGIN HIDDEN TESTS`` ... ``### END HIDDEN TESTS`` region."""
    lines = source.split("\n")
    keep = [True] * len(lines)
    for start, stop in _regions(lines, BEGIN_HIDDEN, END_HIDDEN, "cell"):
        for n in range(start, stop + 1):
            keep[n] = False
    return "\n".join(l for l, k in zip(lines, keep) if k).rstrip("\n")


def strip_solution_directives(source: str) -> str:
    """Remove ``{solution}`` directive blocks from a markdown cell's text."""
    lines = source.split("\n")
    drop = [False] * len(lines)
    for name, _, start, stop, _ in _directive_blocks(source):
        if name == "solution" and stop is not None:
            for n in range(start, stop + 1):
                drop[n] = True
    return "\n".join(l for l, d in zip(lines, drop) if not d).strip("\n")


def _nbgrader(grade_id: str, *, solution=False, grade=False, locked=False, points=None) -> dict:
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
            "solution": solution, "task": False}
    if grade:
        meta["points"] = points
    return meta


def _gid(label: str, kind: str, n: int = 1) -> str:
    """nbgrader grade_id for the n-th cell of ``kind`` of exercise ``label`` (nbgrader allows [A-Za-z0-9_-])."""
    base = re.sub(r"[^A-Za-z0-9_-]", "_", f"{label}-{kind}")
    return base if n == 1 else f"{base}-{n}"


def _grade_ids(markup: Markup) -> list:
    """A stable nbgrader ``grade_id`` for each cell that has a role."""
    ids, seen = [], {}
    suffix = {"exercise": "text", "answer": "answer", "check": "check"}
    for role, label in zip(markup.roles, markup.labels):
        if role in suffix:
            key = (label, suffix[role])
            seen[key] = seen.get(key, 0) + 1
            ids.append(_gid(label, suffix[role], seen[key]))
        else:
            ids.append(None)
    return ids


def _annotated(nb, markup: Markup, *, keep_solutions: bool, keep_hidden: bool, assignment: str | None):
    out = copy.deepcopy(nb)
    ids = _grade_ids(markup)
    cells = []
    for index, (cell, role, label, gid) in enumerate(zip(out.cells, markup.roles, markup.labels, ids)):
        cell.metadata.pop("nbgrader", None)
        cell.metadata.pop(META, None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        if role == "gated-solution" and not keep_solutions:
            continue
        if cell.cell_type == "markdown" and not keep_solutions and "{solution" in _source(cell):
            # a {solution} may share a cell with other text or with the next {exercise}
            cell.source = strip_solution_directives(_source(cell))
            if not cell.source.strip():
                continue
        if role == "exercise":
            cell.metadata["nbgrader"] = _nbgrader(gid, locked=True)
        elif role == "answer":
            if not keep_solutions:
                later = "\n".join(_source(c) for c in nb.cells[index + 1:] if c.get("cell_type") == "code")
                cell.source = strip_solutions(_source(cell), later)
            cell.metadata["nbgrader"] = _nbgrader(gid, solution=True)
        elif role == "check":
            if not keep_hidden:
                cell.source = strip_hidden_tests(_source(cell))
            else:                   # the grader's and nbgrader's copies: hidden tests for every check
                cell.source = with_hidden_tests(_source(cell))
            points = dict(markup.exercises[label].check_cells)[index]
            cell.metadata["nbgrader"] = _nbgrader(gid, grade=True, locked=True, points=points)
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
        if role in ("exercise", "answer", "check"):
            cell.metadata[META] = {"role": role, "label": label}
        cells.append(cell)
        ex = markup.exercises.get(label) if role == "exercise" else None
        if ex is not None and not ex.solution_cells and not ex.check_cells and not keep_solutions:
            answer = nbformat.v4.new_markdown_cell(ANSWER_TEXT)
            # nbgrader: a manually graded answer (markdown solution cells must be graded)
            answer.metadata["nbgrader"] = _nbgrader(_gid(label, "prose"), solution=True, grade=True, points=0)
            answer.metadata[META] = {"role": "prose-answer", "label": label}
            cells.append(answer)
    out.cells = cells
    out.metadata.setdefault("kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"})
    out.metadata[META] = {"assignment": assignment,
                          "exercises": {e.label: e.points for e in markup.exercises.values()}}
    for cell in out.cells:          # new cells need ids; copies keep theirs
        if "id" not in cell:
            cell["id"] = nbformat.v4.new_code_cell().id
    return out


def student_notebook(nb, assignment: str | None = None, *, keep_hidden: bool = False):
    """The notebook a student gets from instructor's notebook ``nb``.

    Solution regions become stubs (:func:`stub`), hidden tests, ``{solution}`` blocks and
    gated solutions are removed, outputs cleared; exercise, answer and check cells get
    nbgrader metadata (``solution``/``grade``/``grade_id``/``points``/``locked``), and a
    prose-only exercise gets a markdown answer cell. With ``keep_hidden=True`` the hidden
    tests stay: that is the reference the autograder restores check cells from.
    """
    markup = parse(nb)
    return _annotated(nb, markup, keep_solutions=False, keep_hidden=keep_hidden, assignment=assignment)


def nbgrader_source(nb, assignment: str | None = None):
    """Instructor's notebook with nbgrader metadata and solutions kept (nbgrader's ``source/``)."""
    markup = parse(nb)
    return _annotated(nb, markup, keep_solutions=True, keep_hidden=True, assignment=assignment)


def _submission_keys(cells, reference_ids: dict) -> list:
    """The reference ``grade_id`` each submitted cell stands for (None: added by the student).

    nbgrader metadata decides; where an editor dropped it, a check cell is known by its
    ``# CHECK`` header, an exercise cell by its ``:label:``, and the code cells right after
    an exercise's text (up to as many as the reference has) are its answer cells.
    """
    keys, counts, current = [], {}, None
    for cell in cells:
        meta = cell.get("metadata", {})
        nbg = meta.get("nbgrader") if isinstance(meta.get("nbgrader"), dict) else {}
        gid = nbg.get("grade_id")
        key, label, kind = None, None, None
        if gid in reference_ids:
            key = gid
            label, kind = reference_ids[gid]
        elif cell.get("cell_type") == "markdown" and "{exercise" in _source(cell):
            found = _LABEL_RE.search(_source(cell))
            if found:
                label, kind = found.group(1), "text"
        elif cell.get("cell_type") == "code":
            try:
                header = _check_header(cell)
            except MarkupError:
                header = None
            if header:
                label, kind = header[0], "check"
            elif current is not None and not gid:
                label, kind = current, "answer"
        if key is None and label is not None:
            key = _gid(label, kind, counts.get((label, kind), 0) + 1)
        if key not in reference_ids:
            key = None
        if key is not None and label is not None and kind is not None:
            counts[(label, kind)] = counts.get((label, kind), 0) + 1
            if kind == "text":
                current = label
        keys.append(key)
    return keys


def merge_submission(reference, submission):
    """The notebook to grade: the student's cells with the instructor's locked cells restored.

    ``reference`` is ``student_notebook(source, keep_hidden=True)``. Every locked cell of
    the reference (exercise text, check cells with their hidden tests) replaces the
    submission's copy, matched by nbgrader ``grade_id`` (or by the ``# CHECK`` header
    when the metadata was lost); a locked or answer cell the student deleted is put back
    (an answer as its stub) in reference order; a duplicated check cell is dropped;
    cells the student added are kept where they are.

    Returns ``(notebook, notes)`` where ``notes`` lists what was restored.
    """
    if "cells" not in submission:
        raise MarkupError(f"the submission is not a notebook (no cells); got {type(submission).__name__}")
    ref_cells = {}
    order = []
    for cell in reference.cells:
        gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")
        if gid:
            ref_cells[gid] = cell
            order.append(gid)
    position = {gid: i for i, gid in enumerate(order)}
    notes, out, used = [], [], set()
    emitted = set()

    def emit_missing(upto: int):
        for gid in order[:upto]:
            if gid in emitted:
                continue
            emitted.add(gid)
            cell = copy.deepcopy(ref_cells[gid])
            kind = cell.metadata.get(META, {}).get("role", "cell")
            if not cell.metadata["nbgrader"].get("locked"):
                # never put a stub back: it would overwrite the student's code elsewhere
                notes.append(f"{gid}: this {kind} cell is missing from the submission")
                continue
            out.append(cell)
            notes.append(f"{gid}: the {kind} cell was missing from the submission and was put back")

    kinds = {"exercise": "text", "answer": "answer", "check": "check", "prose-answer": "prose"}
    info = {gid: (c.metadata.get(META, {}).get("label"), kinds.get(c.metadata.get(META, {}).get("role")))
            for gid, c in ref_cells.items()}
    keys = _submission_keys(submission.cells, info)
    present = {k for k in keys if k is not None}
    emitted.update(gid for gid in order if gid in present)   # placed where the student has them
    for cell, key in zip(submission.cells, keys):
        if key is None:
            cell = copy.deepcopy(cell)
            cell.metadata.pop("nbgrader", None)     # only the reference decides what is graded
            cell.metadata.pop(META, None)
            if cell.get("cell_type") == "code":
                cell["outputs"], cell["execution_count"] = [], None
            out.append(cell)
            continue
        if key in used:
            notes.append(f"{key}: a second copy of this cell was ignored")
            continue
        used.add(key)
        emit_missing(position[key])
        ref = ref_cells[key]
        if ref.metadata["nbgrader"].get("locked"):
            restored = copy.deepcopy(ref)
            if ref.metadata["nbgrader"].get("grade") and \
                    strip_hidden_tests(_source(ref)).strip() != strip_hidden_tests(_source(cell)).strip():
                notes.append(f"{key}: the check cell had been edited; the instructor's version was used")
            out.append(restored)
        else:
            mine = copy.deepcopy(cell)
            mine.metadata = copy.deepcopy(ref.metadata)
            if mine.get("cell_type") == "code":
                mine["outputs"], mine["execution_count"] = [], None
            out.append(mine)
    emit_missing(len(order))
    seen_ids = set()
    for cell in out:                 # restored cells may repeat the student's cell ids
        if cell.get("id") in seen_ids or "id" not in cell:
            cell["id"] = nbformat.v4.new_code_cell().id
        seen_ids.add(cell["id"])
    merged = copy.deepcopy(reference)
    merged.cells = out
    return merged, notes


@dataclass
class CellResult:
    """What executing one cell gave: ``status`` is ok, error, timeout or not-run."""
    status: str
    ename: str = ""
    evalue: str = ""
    stdout: str = ""


def explain(result: CellResult, cell_timeout: float | None = None) -> str:
    """One line for a learner saying what a failed cell reported."""
    if result.status == "not-run":
        return "not run: grading of this notebook stopped before this cell (time limit or crash)"
    if result.status == "timeout" or result.ename in ("CellTimeoutError", "KeyboardInterrupt"):
        limit = f" within {cell_timeout:g} s" if cell_timeout else ""
        return f"did not finish{limit} (an infinite loop, or far too slow) and was interrupted"
    if result.ename == "ExerciseError":
        return result.evalue
    if result.ename == "NotImplementedError":
        return "not implemented yet: the stub still raises NotImplementedError"
    return f"{result.ename}: {result.evalue}".strip(": ")


def score(graded, results: dict, cell_timeout: float | None = None, delegated: dict | None = None) -> dict:
    """Points and feedback per exercise of an executed, merged notebook.

    Parameters
    ----------
    graded : notebook
        The merged notebook (:func:`merge_submission`) that was executed.
    results : dict
        Cell index -> :class:`CellResult`; a code cell missing from it counts as not run.

    delegated : dict, optional
        label -> reasons (:func:`delegations`): those exercises score 0 whatever their checks
        say, with the reasons in the feedback.

    Returns
    -------
    dict
        label -> {"points", "max_points", "messages"}; a check cell earns its points when
        it ran without an error (its hidden tests included).
    """
    report: dict = {}
    exercises = graded.metadata.get(META, {}).get("exercises")
    if exercises is None:
        raise MarkupError("the notebook has no exercise list in its metadata; grade a notebook made by merge_submission")
    for label, points in exercises.items():
        report[label] = {"points": 0, "max_points": points, "messages": []}
    for index, cell in enumerate(graded.cells):
        meta = cell.get("metadata", {}).get(META, {})
        label, role = meta.get("label"), meta.get("role")
        if label not in report:
            continue
        if role == "prose-answer":
            text = _source(cell).strip()
            report[label]["messages"].append(
                "written answer (graded by hand): " + ("(left blank)" if text in ("", ANSWER_TEXT) else
                                                       textwrap.shorten(text, 300)))
        if cell.cell_type != "code" or role not in ("answer", "check"):
            continue
        res = results.get(index, CellResult("not-run"))
        if role == "answer" and res.status not in ("ok", "not-run"):
            report[label]["messages"].append("your code cell: " + explain(res, cell_timeout))
        if role == "check":
            points = cell.metadata["nbgrader"]["points"]
            if res.status == "ok":
                report[label]["points"] += points
                line = next((l for l in res.stdout.splitlines() if l.startswith("PASSED")), "PASSED")
                report[label]["messages"].append(line)
            else:
                report[label]["messages"].append("check: " + explain(res, cell_timeout))
    for label, reasons in (delegated or {}).items():
        if label in report:
            report[label]["points"] = 0
            report[label]["messages"].extend(
                f"scored 0: {why}; the exercise asks you to write it yourself" for why in reasons)
    return report


# ----------------------------------------------------------------------------- honest grading
EXERCISES_DIR = __import__("pathlib").Path(__file__).resolve().parent.parent / "lib" / "exercises"
GENERATED_HIDDEN = "# generated by tools/course.py: the same check on other inputs, expected values not shown"


def checker_forbids(folder=EXERCISES_DIR) -> dict:
    """label -> the dotted lib names its checker forbids, read (with ``ast``) from ``@exercise(...)``.

    Reading the source keeps this module free of the book's imports: the grader does not need to
    import ``lib`` to know what a solution must not call.
    """
    out = {}
    for path in sorted(__import__("pathlib").Path(folder).glob("part*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, ast.FunctionDef):
                continue
            for dec in node.decorator_list:
                if isinstance(dec, ast.Call) and getattr(dec.func, "id", None) == "exercise" and dec.args:
                    label = ast.literal_eval(dec.args[0])
                    kw = {k.arg: k.value for k in dec.keywords}
                    forbids = ast.literal_eval(kw["forbids"]) if "forbids" in kw else ()
                    out[label] = tuple(forbids)
    return out


def hidden_test_calls(source: str) -> list:
    """The hidden-test lines for a check cell: each top-level ``check_*(...)`` call again with ``hidden=True``.

    The calls are the ones the visible check makes (found with ``ast``), so the hidden tests follow
    the chapter when it changes; a call that already passes ``hidden=`` is left alone.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    calls = []
    for stmt in tree.body:
        call = stmt.value if isinstance(stmt, ast.Expr) else None
        if not isinstance(call, ast.Call):
            continue
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        if name.startswith("check_") and name != "check_function" and \
                not any(k.arg == "hidden" for k in call.keywords):
            new = copy.deepcopy(call)
            new.keywords.append(ast.keyword(arg="hidden", value=ast.Constant(True)))
            calls.append(ast.unparse(new) + ";")
    return calls


def with_hidden_tests(source: str) -> str:
    """A check cell's source with a generated ``### BEGIN HIDDEN TESTS`` block after its visible check.

    A cell that already holds hidden tests, or calls no ``check_*`` function, is returned as it is.
    The block goes right after the last statement that calls a checker, before the cell's other code.
    """
    if BEGIN_HIDDEN in source:
        return source
    calls = hidden_test_calls(source)
    if not calls:
        return source
    tree = ast.parse(source)
    last = max(s.end_lineno for s in tree.body if isinstance(s, ast.Expr) and isinstance(s.value, ast.Call)
               and (getattr(s.value.func, "attr", None) or getattr(s.value.func, "id", "")).startswith("check_")
               and (getattr(s.value.func, "attr", None) or getattr(s.value.func, "id", "")) != "check_function")
    lines = source.split("\n")
    block = [BEGIN_HIDDEN, GENERATED_HIDDEN, *calls, END_HIDDEN]
    return "\n".join(lines[:last] + block + lines[last:])


def _aliases(trees) -> dict:
    """name -> dotted name it stands for, from imports and ``x = module.attr`` assignments."""
    alias = {}

    def dotted(node):
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if isinstance(node, ast.Name) and node.id in alias:
            return ".".join([alias[node.id], *reversed(parts)])
        return None

    for _ in range(3):                        # assignments of aliases to aliases settle in a few passes
        for tree in trees:
            for node in ast.walk(tree):
                if isinstance(node, ast.Import):
                    for a in node.names:
                        if a.asname:
                            alias[a.asname] = a.name
                        else:
                            alias[a.name.split(".")[0]] = a.name.split(".")[0]
                elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                    for a in node.names:
                        alias[a.asname or a.name] = f"{node.module}.{a.name}"
                elif isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                        isinstance(node.targets[0], ast.Name):
                    target = dotted(node.value) if isinstance(node.value, (ast.Name, ast.Attribute)) else None
                    if target and target.startswith("lib"):
                        alias[node.targets[0].id] = target
    return alias, dotted


def _forbidden_match(name: str, forbids) -> str | None:
    """The forbidden dotted name that ``name`` refers to (the same object re-exported counts)."""
    for f in forbids:
        if name == f or (name.startswith("lib.") and name.rsplit(".", 1)[-1] == f.rsplit(".", 1)[-1]):
            return f
    return None


def _parse_cell(source: str):
    text = "\n".join("" if l.lstrip().startswith(("%", "!")) else l for l in source.split("\n"))
    try:
        return ast.parse(text)
    except SyntaxError:
        return None


def delegations(merged, forbids: dict, reference=None) -> dict:
    """label -> reasons why the learner's code for that exercise names a lib function it must write.

    The learner's code is each exercise's answer cells plus, followed by name (``ast``), what they
    use that the learner defined elsewhere (a helper function in a cell they added or changed). A
    forbidden function counts however it is reached: ``static.ppmi``, ``lib.static.ppmi``,
    ``from lib.static import ppmi as p``, ``f = static.ppmi``, ``getattr(static, "ppmi")``.

    Parameters
    ----------
    merged : notebook
        The notebook to grade (:func:`merge_submission`).
    forbids : dict
        label -> dotted names (:func:`checker_forbids`).
    reference : notebook, optional
        The instructor's reference; cells whose source it holds are the chapter's, not the learner's.
    """
    trusted = {_source(c) for c in (reference.cells if reference is not None else [])
               if c.get("metadata", {}).get(META, {}).get("role") != "answer"}
    trees, learner, answers = [], [], {}
    for cell in merged.cells:
        if cell.get("cell_type") != "code":
            continue
        tree = _parse_cell(_source(cell))
        if tree is None:
            continue
        trees.append(tree)
        meta = cell.get("metadata", {}).get(META, {})
        if meta.get("role") == "check":
            continue
        if meta.get("role") == "answer":
            answers.setdefault(meta.get("label"), []).append(tree)
        if meta.get("role") == "answer" or _source(cell) not in trusted:
            learner.append(tree)
    alias, dotted = _aliases(trees)
    defs = {}
    for tree in learner:
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defs.setdefault(node.name, []).append(node)
            elif isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        defs.setdefault(t.id, []).append(node)
    out = {}
    for label, roots in answers.items():
        banned = forbids.get(label) or ()
        if not banned:
            continue
        reasons, todo, seen = [], list(roots), set()
        while todo:
            node = todo.pop()
            for sub in ast.walk(node):
                names = []
                if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Load):
                    # a name the learner defines is theirs, even where the chapter imported a lib one
                    names.append((sub.id, None if sub.id in defs else alias.get(sub.id)))
                    if sub.id in defs and sub.id not in seen:
                        seen.add(sub.id)
                        todo.extend(defs[sub.id])
                elif isinstance(sub, ast.Attribute):
                    names.append((ast.unparse(sub), dotted(sub)))
                elif isinstance(sub, (ast.Import, ast.ImportFrom)):
                    base = f"{sub.module}." if isinstance(sub, ast.ImportFrom) and sub.module else ""
                    names += [(f"import of {a.name}", base + a.name) for a in sub.names]
                elif isinstance(sub, ast.Call) and getattr(sub.func, "id", None) == "getattr" and \
                        len(sub.args) >= 2 and isinstance(sub.args[1], ast.Constant):
                    owner = dotted(sub.args[0]) if isinstance(sub.args[0], (ast.Name, ast.Attribute)) else None
                    if owner:
                        names.append((ast.unparse(sub), f"{owner}.{sub.args[1].value}"))
                for shown, full in names:
                    hit = _forbidden_match(full, banned) if full else None
                    if hit:
                        why = f"your code uses {hit} ({shown}, line {getattr(sub, 'lineno', '?')})"
                        if why not in reasons:
                            reasons.append(why)
        if reasons:
            out[label] = reasons
    return out


# ----------------------------------------------------------------------------- what a graded run needs
_BUILTINS = set(dir(__import__("builtins")))


_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _definition_reads(node) -> set:
    """Names a ``def``, ``lambda`` or ``class`` reads when it runs: decorators, default values, bases."""
    exprs = list(getattr(node, "decorator_list", [])) + list(getattr(node, "bases", []))
    if not isinstance(node, ast.ClassDef):
        exprs += list(node.args.defaults) + [d for d in node.args.kw_defaults if d is not None]
    return {n.id for e in exprs for n in ast.walk(e) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}


def _free_names(node) -> set:
    """Names the body of a function (or class) reads from outside it: what it needs when it is called.

    A function's parameters and the names it assigns are its own (unless declared ``global`` or
    ``nonlocal``); a nested function's free names count unless they are the outer function's own.
    """
    loads, own, declared = set(), set(), set()
    if not isinstance(node, ast.ClassDef):
        a = node.args
        own = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs + [a.vararg, a.kwarg] if x}

    def walk(n):
        for child in ast.iter_child_nodes(n):
            if isinstance(child, _SCOPES):
                if not isinstance(child, ast.Lambda):
                    own.add(child.name)
                loads.update(_definition_reads(child) | _free_names(child))
            elif isinstance(child, (ast.Global, ast.Nonlocal)):
                declared.update(child.names)
            elif isinstance(child, ast.Name):
                (loads if isinstance(child.ctx, ast.Load) else own).add(child.id)
            else:
                walk(child)

    walk(node)                       # its body (and, harmlessly, its defaults and decorators again)
    if isinstance(node, ast.ClassDef):
        own = set()                  # a class body's names are attributes, not seen by its methods
    return loads - (own - declared)


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)


def _cell_names(tree) -> tuple:
    """What a cell does with names, at its top level: (binds, reads, its functions read, calls on, imports).

    *binds*: names it assigns, or changes by item or attribute assignment (``W[:, k] = 0``);
    *reads*: names it reads before binding them itself, in statement order (``for name in d: print(name)``
    reads ``d``, not ``name``; a name bound only inside a branch or a loop body does not count as bound
    after it); *its functions read*: what the functions and lambdas it defines read when called;
    *calls on*: names a statement calls a method of (``model.fit(X)`` may change ``model``);
    *imports*: names its imports bind. A comprehension's own variables are neither bound nor read.
    """
    bound, loaded, late, called, imported = set(), set(), set(), set(), set()

    def visit(node, reads, binds):
        if isinstance(node, _SCOPES):
            if not isinstance(node, ast.Lambda):
                binds.add(node.name)
            reads.update(_definition_reads(node))
            late.update(_free_names(node))
            return                        # what a function reads, it reads when called
        if isinstance(node, _COMPREHENSIONS):
            inner = set()
            for child in ast.iter_child_nodes(node):
                visit(child, inner, set())
            targets = {n.id for g in node.generators for n in ast.walk(g.target) if isinstance(n, ast.Name)}
            reads.update(inner - targets)
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = {(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"}
            binds.update(names)
            imported.update(names)
        elif isinstance(node, ast.Name):
            (reads if isinstance(node.ctx, ast.Load) else binds).add(node.id)
        elif isinstance(node, ast.AugAssign) and isinstance(node.target, ast.Name):
            reads.add(node.target.id)     # x += 1 reads x first
        elif isinstance(node, (ast.Attribute, ast.Subscript)) and isinstance(node.ctx, (ast.Store, ast.Del)):
            base = node.value
            while isinstance(base, (ast.Attribute, ast.Subscript)):
                base = base.value
            if isinstance(base, ast.Name):
                binds.add(base.id)        # W[:, k] = 0 changes W
        elif isinstance(node, ast.Expr) and isinstance(node.value, ast.Call) and \
                isinstance(node.value.func, ast.Attribute) and isinstance(node.value.func.value, ast.Name):
            called.add(node.value.func.value.id)   # model.fit(X) as a statement may change model
        for child in ast.iter_child_nodes(node):
            visit(child, reads, binds)

    def expr(node, sure):
        """Read the names of ``node`` (an expression or a simple statement); returns what it binds."""
        reads, binds = set(), set()
        visit(node, reads, binds)
        loaded.update(reads - sure)
        bound.update(binds)
        return binds

    def block(stmts, sure):
        """Run through statements in order; ``sure`` grows with what each surely binds."""
        for stmt in stmts:
            if isinstance(stmt, (ast.For, ast.AsyncFor)):
                expr(stmt.iter, sure)
                block(stmt.body, sure | expr(stmt.target, sure))
                block(stmt.orelse, set(sure))
            elif isinstance(stmt, (ast.If, ast.While)):
                expr(stmt.test, sure)
                block(stmt.body, set(sure))
                block(stmt.orelse, set(sure))
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    expr(item.context_expr, sure)
                    if item.optional_vars is not None:
                        sure |= expr(item.optional_vars, sure)
                block(stmt.body, sure)
            elif isinstance(stmt, (ast.Try, getattr(ast, "TryStar", ast.Try))):
                for part in (stmt.body, stmt.orelse, stmt.finalbody, *(h.body for h in stmt.handlers)):
                    block(part, set(sure))
            else:
                sure |= expr(stmt, sure)

    block(tree.body, set())
    return bound, loaded - _BUILTINS, late - _BUILTINS, called, imported


def needed_cells(nb, reference=None) -> set:
    """Indices of the code cells a graded run must execute: the exercises' cells and what they need.

    The exercises' own cells (answers, checks) and every cell the learner added or changed are
    needed; going backwards through the notebook, a chapter cell is needed when it holds only
    imports, or binds or changes (``W[:, k] = 0``, ``model.fit(X)``, unless ``model`` is an imported
    module) a name that a needed cell below it reads before binding it (found with ``ast``, see
    :func:`_cell_names`; a cell that does not parse is kept). A function reads the
    names of its body that are not its own (parameters and locals) when it is called, and its
    default values and decorators when it is defined. The figures, tables and prose numbers of the
    chapter body are skipped.
    """
    trusted = {_source(c) for c in (reference.cells if reference is not None else [])
               if c.get("metadata", {}).get(META, {}).get("role") not in ("answer",)}
    cells = []
    for index, cell in enumerate(nb.cells):
        if cell.get("cell_type") != "code":
            continue
        role = cell.get("metadata", {}).get(META, {}).get("role")
        tree = _parse_cell(_source(cell))
        mine = role in ("answer", "check") or (reference is not None and _source(cell) not in trusted)
        if tree is None:
            cells.append((index, True, set(), set(), set(), set(), set()))
            continue
        # a cell of imports only is kept (an import can configure as it loads); in a cell that also
        # computes, the imports are names like any other, so a figure cell's import does not keep it
        imports = bool(tree.body) and all(isinstance(n, (ast.Import, ast.ImportFrom)) for n in tree.body)
        cells.append((index, mine or imports, *_cell_names(tree)))
    # a method called on an imported module (claims.holds(...), plt.show()) does not change what it names
    modules = set().union(*(c[6] for c in cells)) - set().union(*(c[2] - c[6] for c in cells))
    # importing again what an earlier cell imported changes nothing: it does not keep the cell
    earlier, kept_cells = set(), []
    for index, always, bound, loaded, inner, called, imported in cells:
        again = imported & earlier
        kept_cells.append((index, always, (bound - again) | (called - modules), loaded, inner))
        earlier |= imported
    cells = kept_cells
    late, keep = set(), None
    while True:          # a function reads names when it is called: those are wanted everywhere
        want, kept, new_late = set(late), set(), set(late)
        for index, always, bound, loaded, inner in reversed(cells):
            if always or bound & want:
                kept.add(index)
                want |= loaded | inner
                new_late |= inner
        if kept == keep and new_late == late:
            return kept
        keep, late = kept, new_late
