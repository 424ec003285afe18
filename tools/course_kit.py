"""Write the instructor's kit (``chapters/course/instructors_kit.md``) from the chapter notebooks.

Usage
-----
    python tools/course_kit.py                        # rewrite the page
    python tools/course_kit.py --check                # exit 1 if the page is stale or a chapter's
                                                      # course metadata is missing or broken
    python tools/course_kit.py --merge-metadata FILE [NOTEBOOK ...]
                                                      # write course metadata into notebooks first

Everything on the page is read or computed here, so it cannot drift from the chapters:

* each chapter's **course metadata**, in the notebook's top-level metadata
  ``nb["metadata"]["book"]["course"]`` (never in a cell)::

      {"objectives": ["compute ...", ...],                  # 3-5, each completes "After this chapter you can"
       "prerequisites": {"book": ["II.1", ...],             # chapter ids (Part.chapter, as numbered below)
                         "outside": ["k-means", ...]},      # what the chapter assumes from outside the book
       "rubrics": {"ex-...": {"points": 3,                  # one for every prose exercise
                              "criteria": [{"points": 1, "criterion": "..."}, ...],   # 2-4, summing to points
                              "full_marks": "what a full-marks answer contains"}}}

* the **exercises and points**, parsed by ``tools/course.py`` (the parser of ``make assignments`` and
  ``make grade``): a *prose exercise* has a worked ``{solution}`` but neither a ``# CHECK`` cell nor
  code for the learner to write;
* the **machine times**, the newest cold and warm runs of ``benchmarks/chapter_times.json`` (read by
  ``tools/cost_page.py``'s reader), and the **cache dependencies** of ``benchmarks/cache_deps.json``
  when that file exists;
* the **grading times**, ``make grade``'s seconds per submission measured by ``tools/grading_times.py``
  (``benchmarks/grading_times.json``), when that file exists;
* the **student time**, an estimate computed from the notebook (see :func:`student_minutes`);
* two **sample syllabi** (:data:`SYLLABI`): their chapters in an order that respects every
  prerequisite, split into weeks of balanced student time (:func:`plan`).

``--merge-metadata FILE`` takes a JSON object ``{"chapters/...ipynb": {course metadata}}`` and writes
each entry into its notebook's ``metadata.book.course`` (only those NOTEBOOKs if given), keeping the
notebook's JSON layout, so that only the metadata lines change.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import math
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import cost_page  # noqa: E402
import course  # noqa: E402
from toc import notebooks  # noqa: E402

PAGE = ROOT / "chapters" / "course" / "instructors_kit.md"
FIGURE = PAGE.with_name("instructors_kit_map.png")    # the dependency map, drawn by draw_map
MAP_VERSION = 4                                       # bump when draw_map draws differently
CACHE_DEPS = ROOT / "benchmarks" / "cache_deps.json"
GRADING = ROOT / "benchmarks" / "grading_times.json"   # written by tools/grading_times.py
CLASS_SIZE = 60                                       # students, for the grading-time column
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X")

# How the student time is estimated (stated on the page with these values).
WORDS_PER_MINUTE = 150          # technical reading of the prose, exercise texts included, worked solutions not
CODE_LINES_PER_MINUTE = 10      # reading the chapter's code cells and their output (exercise cells excluded)
MINUTES_PER_EXERCISE = 5        # working an exercise: a fixed part (reading it, setting up) ...
MINUTES_PER_POINT = 5           # ... and a part per point of its checks, or of its rubric
ROUND_TO = 5                    # minutes; the estimate is rounded up to this

#: The sample syllabi: (title, weeks, chapter ids or "all"). :func:`plan` orders and splits them.
SYLLABI = (
    ("A 6-week module: from word vectors to retrieval", 6,
     ["I.1", "II.1", "II.2", "II.4", "III.1", "III.3", "V.1", "V.4", "VI.1"]),
    ("A 12-week course: the whole book", 12, "all"),
)


class KitError(ValueError):
    """A chapter's course metadata is missing or broken, or a syllabus breaks a prerequisite."""


@dataclass
class Chapter:
    path: str                       # relative to the book's root
    id: str                         # "II.1"
    title: str
    markup: course.Markup
    meta: dict
    words: int                      # prose words a student reads
    code_lines: int                 # non-blank lines of the chapter's own code cells
    prose: list = field(default_factory=list)   # labels of the prose exercises

    @property
    def doc(self) -> str:
        return "/" + self.path[:-len(".ipynb")]

    @property
    def auto_points(self) -> int:
        return self.markup.total_points

    @property
    def rubric_points(self) -> int:
        return sum(int(r["points"]) for r in self.meta.get("rubrics", {}).values())


def chapter_ids(paths) -> dict:
    """``{path: "II.1"}``: Part (from the ``partN_`` folder) and the chapter's place in it, in book order."""
    ids, seen = {}, {}
    for p in paths:
        m = re.match(r"part(\d+)_", Path(p).parent.name)
        if not m:
            raise KitError(f"{p}: not in a chapters/partN_<topic>/ folder")
        part = int(m.group(1))
        seen[part] = seen.get(part, 0) + 1
        ids[str(p)] = f"{ROMAN[part - 1]}.{seen[part]}"
    return ids


def _is_prose(ex: course.Exercise) -> bool:
    return not ex.check_cells and not ex.solution_cells and ex.has_worked_solution


def _reading(nb, markup) -> tuple[int, int]:
    """(prose words without the worked solutions, non-blank code lines of the chapter's own cells)."""
    words = lines = 0
    for cell, role in zip(nb.cells, markup.roles):
        src = cell.source
        if cell.cell_type == "markdown" and role != "gated-solution":
            src = re.sub(r"(`{3,}|:{3,})\s*\{solution(?:-start)?\}.*?\n\1", "", src, flags=re.S)
            src = re.sub(r"```[^\n]*\n.*?\n```", lambda m: m.group(0) if "{" in m.group(0)[:5] else "", src,
                         flags=re.S)
            words += len(src.split())
        elif cell.cell_type == "code" and role is None:
            lines += sum(1 for line in src.splitlines() if line.strip())
    return words, lines


def load_chapter(path: Path, chapter_id: str) -> Chapter:
    """Read one chapter notebook: its exercise markup (``course.parse``), course metadata and size."""
    rel = str(Path(path).resolve().relative_to(ROOT)) if Path(path).resolve().is_relative_to(ROOT) else str(path)
    nb = nbformat.read(path, as_version=4)
    markup = course.parse(nb)
    first = next((c.source for c in nb.cells if c.cell_type == "markdown"), "")
    title = next((line[2:].strip() for line in first.splitlines() if line.startswith("# ")), rel)
    words, lines = _reading(nb, markup)
    meta = nb.metadata.get("book", {}).get("course", {})
    return Chapter(rel, chapter_id, title, markup, meta, words, lines,
                   [e.label for e in markup.exercises.values() if _is_prose(e)])


def validate(ch: Chapter, ids: set) -> list[str]:
    """Every problem of ``ch``'s course metadata, as messages naming the chapter (empty if none)."""
    where, meta, out = f"{ch.id} ({ch.path})", ch.meta, []
    if not meta:
        return [f"{where}: no course metadata (metadata.book.course); see tools/course_kit.py"]
    obj = meta.get("objectives")
    if not isinstance(obj, list) or not 3 <= len(obj) <= 5 or not all(isinstance(o, str) and o.strip() for o in obj):
        out.append(f"{where}: objectives must be a list of 3 to 5 non-empty strings")
    pre = meta.get("prerequisites")
    if not isinstance(pre, dict) or not isinstance(pre.get("book"), list) or not isinstance(pre.get("outside"), list):
        out.append(f"{where}: prerequisites must be {{'book': [chapter ids], 'outside': [topics]}}")
    else:
        bad = [b for b in pre["book"] if b not in ids or b == ch.id]
        if bad:
            out.append(f"{where}: prerequisites name unknown chapters (or itself): {bad}")
        if not pre["book"] and not pre["outside"]:
            out.append(f"{where}: prerequisites are empty; say what the chapter assumes")
    rubrics = meta.get("rubrics", {})
    if not isinstance(rubrics, dict):
        return out + [f"{where}: rubrics must be a mapping from exercise label to rubric"]
    for label in ch.prose:
        if label not in rubrics:
            out.append(f"{where}: the prose exercise {label} has no rubric")
    for label, rub in rubrics.items():
        if label not in ch.prose:
            out.append(f"{where}: a rubric for {label}, which is not a prose exercise of the chapter")
            continue
        crit = rub.get("criteria") if isinstance(rub, dict) else None
        if not isinstance(crit, list) or not 2 <= len(crit) <= 4:
            out.append(f"{where}: the rubric of {label} needs 2 to 4 criteria")
            continue
        pts = [c.get("points") for c in crit]
        if not all(isinstance(p, int) and p > 0 for p in pts) or not all(str(c.get("criterion", "")).strip()
                                                                         for c in crit):
            out.append(f"{where}: every criterion of {label} needs positive integer points and a text")
        elif sum(pts) != rub.get("points"):
            out.append(f"{where}: the criteria of {label} add up to {sum(pts)} points, "
                       f"the rubric says {rub.get('points')}")
        if not str(rub.get("full_marks", "")).strip():
            out.append(f"{where}: the rubric of {label} does not say what a full-marks answer contains")
    return out


def student_minutes(ch: Chapter, cold_seconds: float | None) -> dict:
    """The estimated student time of a chapter, in minutes, by part and in all (rounded up).

    reading = prose words / WORDS_PER_MINUTE; code = code lines / CODE_LINES_PER_MINUTE;
    exercises = MINUTES_PER_EXERCISE per exercise + MINUTES_PER_POINT per point (checks' points, and
    the rubrics' points for prose exercises);
    running = the chapter's measured cold run time once. ``total`` is rounded up to ROUND_TO.
    """
    parts = {"reading": ch.words / WORDS_PER_MINUTE, "code": ch.code_lines / CODE_LINES_PER_MINUTE,
             "exercises": MINUTES_PER_EXERCISE * len(ch.markup.exercises)
             + MINUTES_PER_POINT * (ch.auto_points + ch.rubric_points),
             "running": (cold_seconds or 0.0) / 60}
    parts["total"] = ROUND_TO * math.ceil(sum(parts.values()) / ROUND_TO)
    return parts


def order(selected: list[str], prereqs: dict, book_order: list[str]) -> list[str]:
    """``selected`` in an order where every chapter comes after the chapters it needs (book order on ties).

    Raises :class:`KitError` when a selected chapter needs one that is not selected, or on a cycle.
    """
    missing = {c: [p for p in prereqs[c] if p not in selected] for c in selected}
    missing = {c: m for c, m in missing.items() if m}
    if missing:
        raise KitError("the syllabus leaves out chapters its chapters need: "
                       + "; ".join(f"{c} needs {', '.join(m)}" for c, m in missing.items()))
    done, out = set(), []
    todo = sorted(selected, key=book_order.index)
    while todo:
        ready = next((c for c in todo if all(p in done for p in prereqs[c])), None)
        if ready is None:
            raise KitError(f"the prerequisites of {todo} form a cycle")
        out.append(ready)
        done.add(ready)
        todo.remove(ready)
    return out


def check_order(sequence: list[str], prereqs: dict) -> None:
    """Raise :class:`KitError` if a chapter of ``sequence`` comes before one it needs."""
    seen = set()
    for c in sequence:
        late = [p for p in prereqs[c] if p not in seen]
        if late:
            raise KitError(f"{c} comes before {', '.join(late)}, which it needs")
        seen.add(c)


def split_weeks(sequence: list[str], minutes: dict, weeks: int) -> list[list[str]]:
    """Cut ``sequence`` into ``weeks`` consecutive groups, each non-empty, minimising the longest week."""
    n = len(sequence)
    if not 1 <= weeks <= n:
        raise KitError(f"cannot spread {n} chapters over {weeks} weeks")
    cost = [0.0]
    for c in sequence:
        cost.append(cost[-1] + minutes[c])
    best = {(0, 0): (0.0, None)}
    for w in range(1, weeks + 1):
        for i in range(w, n - (weeks - w) + 1):
            best[(w, i)] = min((max(best[(w - 1, j)][0], cost[i] - cost[j]), j)
                               for j in range(w - 1, i) if (w - 1, j) in best)
    cuts, i = [], n
    for w in range(weeks, 0, -1):
        j = best[(w, i)][1]
        cuts.append(sequence[j:i])
        i = j
    return cuts[::-1]


def plan(chapters: dict, selection, weeks: int) -> list[list[str]]:
    """The weeks of a syllabus: the selected chapter ids, ordered by :func:`order`, split by time."""
    book = list(chapters)
    prereqs = {c: chapters[c].meta["prerequisites"]["book"] for c in book}
    chosen = book if selection == "all" else list(selection)
    seq = order(chosen, prereqs, book)
    check_order(seq, prereqs)
    minutes = {c: chapters[c].meta["_minutes"]["total"] for c in seq}
    return split_weeks(seq, minutes, weeks)


def _newest_runs() -> dict:
    runs = cost_page.load_runs()
    return {kind: next((r for r in reversed(runs) if r["kind"] == kind), None) for kind in ("cold", "warm")}


def _secs(run, path):
    return run["seconds"].get(path) if run else None


def _fmt_s(s) -> str:
    return "—" if s is None else f"{s:,.0f} s"


def load_grading(path: Path = GRADING) -> dict | None:
    """The grading-time record (tools/grading_times.py), or None when it has not been measured."""
    return json.loads(path.read_text()) if path.exists() else None


def _grading_section(chapters: dict, grading: dict | None) -> list[str]:
    """The kit's table of grading time per submission, from the measured record."""
    L = ["(kit-grading)=", "## Grading time", ""]
    if not grading:
        return L + ["Not measured yet: run `python tools/grading_times.py`.", ""]
    L += ["What `make grade` takes per submission, measured by `tools/grading_times.py` "
          f"({grading['source']}): the instructor's solution handed in as a submission, and the untouched "
          "student release. Each time runs from the grader's start to the grade: the sandbox, the kernel, the "
          "book's libraries and the cells the exercises need. The points show that the solution earns every "
          "autograded point and the stubs none.", "",
          f"| chapter | solution: s (points) | untouched: s (points) | {CLASS_SIZE} solutions, one core (min) |",
          "|---|---|---|---|"]
    total = 0.0
    for c, ch in chapters.items():
        g = grading["chapters"].get(ch.path)
        if not g:
            L.append(f"| {_link(ch)} | — | — | — |")
            continue
        sol, stub = g["solved"], g["untouched"]
        total += sol["seconds"]
        L.append(f"| {_link(ch)} | {sol['seconds']:.0f} ({sol['points']}/{sol['max']}) | "
                 f"{stub['seconds']:.0f} ({stub['points']}/{stub['max']}) | {CLASS_SIZE * sol['seconds'] / 60:.0f} |")
    L += ["", f"One solved submission of every chapter takes {total / 60:.1f} minutes in all. A class of "
          f"{CLASS_SIZE} takes the last column's minutes per chapter on one core; `make grade` runs two "
          "submissions at a time (`--jobs 2`), so on a machine with two cores or more that halves. Warm the cache first "
          "(`make warm`): the sandbox reads it and cannot write it, so a cold cache is recomputed for every "
          "submission.", ""]
    return L


def _link(ch: Chapter) -> str:
    return f"{{doc}}`{ch.id} {ch.title} <{ch.doc}>`"


def load(paths=None) -> tuple[dict, dict, list]:
    """({id: Chapter}, newest runs, problems) for the chapters of the table of contents."""
    paths = [Path(p) for p in (paths or notebooks(root=ROOT))]
    ids = chapter_ids(paths)
    chapters = {ids[str(p)]: load_chapter(p, ids[str(p)]) for p in paths}
    runs = _newest_runs()
    problems = [m for ch in chapters.values() for m in validate(ch, set(chapters))]
    for ch in chapters.values():
        ch.meta["_minutes"] = student_minutes(ch, _secs(runs["cold"], ch.path))
    return chapters, runs, problems


def _cache_section(chapters: dict) -> list[str]:
    if not CACHE_DEPS.exists():
        return ["The cache dependencies between chapters (which cached encodings and models a chapter reads",
                "from an earlier one) are not yet measured: `benchmarks/cache_deps.json` does not exist. Until it",
                "does, run the chapters in book order, or `make warm` once, before opening a chapter alone.", ""]
    deps = json.loads(CACHE_DEPS.read_text())
    by_path = {ch.path: ch for ch in chapters.values()}
    lines = [f"Measured: {deps.get('source', 'source not recorded')}.", "",
             "| chapter | caches it creates (s to compute) | caches it reads from earlier chapters (s) |",
             "|---|---|---|"]
    for ch in chapters.values():
        entry = deps.get("chapters", {}).get(ch.path, {})
        made = ", ".join(f"`{ns}` ({s:,.0f})" for ns, s in sorted(entry.get("creates", {}).items())) or "—"
        reads = ", ".join(f"`{ns}` from {by_path[r['from']].id if r['from'] in by_path else r['from']} "
                          f"({r['seconds']:,.0f})"
                          for ns, r in sorted(entry.get("reads_from_earlier", {}).items())) or "—"
        lines.append(f"| {_link(ch)} | {made} | {reads} |")
    return lines + [""]


def map_digest(chapters: dict) -> str:
    """A digest of what the map shows (its version, ids and arrows), kept in the PNG to tell whether it is stale."""
    shown = [MAP_VERSION, list(chapters), reduced_edges(chapters)]
    return hashlib.sha256(json.dumps(shown, ensure_ascii=False).encode()).hexdigest()[:16]


def figure_is_current(chapters: dict, path: Path = FIGURE) -> bool:
    """Whether the PNG at ``path`` was drawn from the chapters' present prerequisites."""
    if not path.exists():
        return False
    from PIL import Image
    with Image.open(path) as im:
        return im.text.get("Description") == f"course_kit map {map_digest(chapters)}"


def reduced_edges(chapters: dict) -> list[tuple[str, str]]:
    """(chapter, prerequisite) pairs, leaving out those implied by a longer chain of prerequisites."""
    pre = {c: set(ch.meta["prerequisites"]["book"]) for c, ch in chapters.items()}

    def reach(c, seen=None):
        seen = set() if seen is None else seen
        for p in pre[c]:
            if p not in seen:
                seen.add(p)
                reach(p, seen)
        return seen
    return [(c, p) for c in chapters for p in sorted(pre[c], key=list(chapters).index)
            if not any(p in reach(q) for q in pre[c] - {p})]


def draw_map(chapters: dict, path: Path = FIGURE) -> None:
    """Draw the prerequisite graph: one column per Part, an arrow from each chapter to those needing it."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    parts = sorted({c.split(".")[0] for c in chapters}, key=ROMAN.index)
    # odd Parts half a row lower, so that long arrows pass between the boxes of the Parts they cross
    pos = {c: (parts.index(c.split(".")[0]), -int(c.split(".")[1]) - 0.5 * (parts.index(c.split(".")[0]) % 2))
           for c in chapters}
    fig, ax = plt.subplots(figsize=(11, 4.8))
    for c, p in reduced_edges(chapters):
        (x0, y0), (x1, y1) = pos[p], pos[c]
        ax.annotate("", xy=(x1, y1), xytext=(x0, y0),
                    arrowprops=dict(arrowstyle="-|>", color=plt.cm.tab10(int(x0)), lw=1.1, shrinkA=14, shrinkB=14,
                                    connectionstyle=f"arc3,rad={0.35 if x0 == x1 else 0.1 * (x1 - x0 - 1)}",
                                    zorder=1))
    for c, (x, y) in pos.items():
        ax.text(x, y, c, ha="center", va="center", fontsize=10,
                bbox=dict(boxstyle="round,pad=0.35", fc="white", ec=plt.cm.tab10(int(x)), lw=1.5), zorder=3)
    ax.set_xticks(range(len(parts)), [f"Part {p}" for p in parts])
    ax.set_yticks([])
    ax.set_xlim(-0.6, len(parts) - 0.4)
    ax.set_ylim(min(y for _, y in pos.values()) - 0.5, -0.5)
    ax.set_xlabel("Part of the book (chapters top to bottom); an arrow, in the colour of its Part, points from a "
                  "chapter to one that needs it")
    ax.set_title("Which chapters build on which (prerequisites from the book)")
    for side in ("top", "right", "left"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None, "Description": f"course_kit map {map_digest(chapters)}"})
    plt.close(fig)


def render(chapters: dict, runs: dict, grading: dict | None = None) -> str:
    """The Markdown of the kit page (``grading``: the record of :func:`load_grading`)."""
    cold, warm = runs["cold"], runs["warm"]
    needed_by = {c: [d for d in chapters if c in chapters[d].meta["prerequisites"]["book"]] for c in chapters}
    total_auto = sum(ch.auto_points for ch in chapters.values())
    total_rubric = sum(ch.rubric_points for ch in chapters.values())
    n_prose = sum(len(ch.prose) for ch in chapters.values())
    L = ["(instructors-kit)=", "# The instructor's kit", "",
         "This page is written by `tools/course_kit.py` from the chapter notebooks (their exercise cells and",
         "their course metadata), from the measured run times and from the cache records; do not edit it by",
         "hand. `python tools/course_kit.py --check` (run by `tests/test_course_kit.py`) fails when it is stale.",
         "How to generate student notebooks, distribute them and grade them is in {doc}`the instructor's guide",
         "</chapters/course/instructors_guide>`.", "",
         f"The book has {len(chapters)} chapters with {sum(len(ch.markup.exercises) for ch in chapters.values())} "
         f"exercises: {total_auto} points of autograded checks and {n_prose} prose exercises graded by hand "
         f"with the rubrics below ({total_rubric} points proposed).", "",
         "## How the numbers are made", "",
         "* **Points** are those of the exercises' `# CHECK ex-... points=N` cells, as `make assignments` and",
         "  `make grade` read them. Prose exercises carry no points in the notebooks; their rubrics propose some,",
         "  to add by hand to `grades.csv`.",
         f"* **Student time** is an estimate, not a measurement: the chapter's prose (worked solutions left out)"
         f" at {WORDS_PER_MINUTE} words a minute, its code cells at {CODE_LINES_PER_MINUTE} lines a minute,"
         f" {MINUTES_PER_EXERCISE} minutes per exercise plus {MINUTES_PER_POINT} per point (checks and rubrics),"
         f" and one cold run of the"
         f" chapter, rounded up to {ROUND_TO} minutes. Students new to the outside prerequisites will take longer.",
         "* **Machine time** is the wall time of the chapter in the book's test run (every cell executed, kernel",
         "  start included). Cold: " + (cost_page._describe(cold) if cold else "not measured yet."),
         "  Warm (everything cached): " + (cost_page._describe(warm) if warm else "not measured yet."),
         "  A cold run in book order pays for the caches a chapter creates; a chapter opened alone with an empty",
         "  cache also pays for what earlier chapters would have cached (see *Caches* below).", "",
         "## The chapters at a glance", "",
         "| chapter | exercises (autograded + prose) | points (checks + rubrics) | student time (est.) "
         "| cold run | warm run | needs |", "|---|---|---|---|---|---|---|"]
    for c, ch in chapters.items():
        n_auto = sum(1 for e in ch.markup.exercises.values() if e.autograded)
        needs = ", ".join(ch.meta["prerequisites"]["book"]) or "—"
        L.append(f"| {_link(ch)} | {n_auto} + {len(ch.prose)} | {ch.auto_points} + {ch.rubric_points} | "
                 f"{ch.meta['_minutes']['total']} min | {_fmt_s(_secs(cold, ch.path))} | "
                 f"{_fmt_s(_secs(warm, ch.path))} | {needs} |")
    L += [""] + _grading_section(chapters, grading)
    L += ["## Dependency map", "", "### Ideas", "",
          "What each chapter needs from earlier chapters (its prerequisites from the book), and which chapters",
          "need it in turn. A syllabus must keep every chapter after the chapters it needs; the two below do",
          "(the tool checks it).", "",
          f"```{{figure}} {FIGURE.name}", ":name: fig-kit-dependency-map", ":width: 100%", "",
          "The chapters' prerequisites from the book: an arrow from a chapter to each chapter that needs it,",
          "leaving out those implied by a longer chain (the table below lists them all).", "```", "",
          "| chapter | needs | needed by |", "|---|---|---|"]
    for c, ch in chapters.items():
        L.append(f"| {_link(ch)} | {', '.join(ch.meta['prerequisites']['book']) or '—'} | "
                 f"{', '.join(needed_by[c]) or '—'} |")
    L += ["", "### Caches", ""] + _cache_section(chapters)
    L += ["## Sample syllabi", "",
          "Each week lists its chapters, the assignment (the chapters' exercises: autograded points from their",
          "checks, prose points from the rubrics) and the estimated student hours. The chapters are put in an",
          "order that respects the prerequisites and cut into weeks of balanced time.", ""]
    for title, weeks, selection in SYLLABI:
        plan_weeks = plan(chapters, selection, weeks)
        hours = [sum(chapters[c].meta["_minutes"]["total"] for c in wk) / 60 for wk in plan_weeks]
        L += [f"### {title}", "",
              f"{sum(len(w) for w in plan_weeks)} chapters, {sum(hours):.1f} hours of estimated student time "
              f"({min(hours):.1f} to {max(hours):.1f} a week).", "",
              "| week | chapters | assignment | points (auto + prose) | hours |", "|---|---|---|---|---|"]
        for n, (wk, h) in enumerate(zip(plan_weeks, hours), 1):
            chs = "; ".join(_link(chapters[c]) for c in wk)
            ex = "; ".join(f"{c}: {len(chapters[c].markup.exercises)} exercises" for c in wk)
            auto = sum(chapters[c].auto_points for c in wk)
            prose = sum(chapters[c].rubric_points for c in wk)
            L.append(f"| {n} | {chs} | {ex} | {auto} + {prose} | {h:.1f} |")
        L.append("")
    L += ["## Chapter by chapter", ""]
    for c, ch in chapters.items():
        m, pre, mins = ch.meta, ch.meta["prerequisites"], ch.meta["_minutes"]
        L += [f"### {ch.id} {ch.title}", "", f"{_link(ch)}", "",
              "**Learning objectives.** After this chapter you can", ""]
        L += [f"* {o}" + ("" if o.endswith(".") else ";" if i < len(m["objectives"]) - 1 else ".")
              for i, o in enumerate(m["objectives"])]
        L += ["", "**Prerequisites.** From the book: "
              + (", ".join(_link(chapters[b]) for b in pre["book"]) or "none") + ". From outside: "
              + ("; ".join(pre["outside"]) or "nothing beyond Python and numpy") + ".", "",
              "**Exercises.**", "", "| exercise | graded by | points |", "|---|---|---|"]
        for e in ch.markup.exercises.values():
            how = "checks" if e.autograded else "rubric" if e.label in ch.prose else "no check"
            pts = e.points if e.autograded else m.get("rubrics", {}).get(e.label, {}).get("points", "—")
            L.append(f"| {e.title.replace('|', '&#124;')} (`{e.label}`) | {how} | {pts} |")
        L.append("")
        for label in ch.prose:
            rub = m["rubrics"][label]
            L += [f"*Rubric for \"{ch.markup.exercises[label].title}\" ({rub['points']} points).*", ""]
            L += [f"* {cr['points']} pt: {cr['criterion']}" for cr in rub["criteria"]]
            L += [f"* Full marks: {rub['full_marks']}", ""]
        about = {k: ROUND_TO * round(v / ROUND_TO) for k, v in mins.items()}
        L += [f"**Time.** Student (estimate): {mins['total']} minutes (to the nearest {ROUND_TO}: reading "
              f"{about['reading']}, code {about['code']}, exercises {about['exercises']}, plus one cold run). "
              f"Machine: {_fmt_s(_secs(cold, ch.path))} cold, {_fmt_s(_secs(warm, ch.path))} warm."
              + _grading_line((grading or {}).get("chapters", {}).get(ch.path)), ""]
    return "\n".join(L)


def _grading_line(g) -> str:
    if not g:
        return ""
    return (f" Grading ({{ref}}`measured <kit-grading>`): {g['solved']['seconds']:.0f} s per solved submission, "
            f"{g['untouched']['seconds']:.0f} s per untouched one.")


def merge_metadata(source: Path, only=None) -> list[str]:
    """Write each entry of the JSON file ``source`` into its notebook's ``metadata.book.course``."""
    entries = json.loads(Path(source).read_text())
    wanted = {str(Path(p).resolve()) for p in only} if only else None
    done = []
    for rel, meta in entries.items():
        path = ROOT / rel
        if wanted is not None and str(path.resolve()) not in wanted:
            continue
        text = path.read_text(encoding="utf-8")
        nb = json.loads(text)
        nb["metadata"].setdefault("book", {})["course"] = meta
        new = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        if new != text:
            path.write_text(new, encoding="utf-8")
            done.append(rel)
    return done


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="exit 1 if the page is stale or metadata is broken")
    ap.add_argument("--merge-metadata", type=Path, metavar="FILE", help="write course metadata into notebooks")
    ap.add_argument("notebooks", nargs="*", help="with --merge-metadata: only these notebooks")
    args = ap.parse_args(argv)
    if args.merge_metadata:
        for rel in merge_metadata(args.merge_metadata, args.notebooks or None):
            print(f"wrote the course metadata of {rel}")
    chapters, runs, problems = load()
    if problems:
        print("the chapters' course metadata is incomplete:\n  - " + "\n  - ".join(problems), file=sys.stderr)
        return 1
    text = render(chapters, runs, load_grading())
    if args.check:
        stale = [p.relative_to(ROOT) for p, ok in ((PAGE, PAGE.exists() and PAGE.read_text(encoding="utf-8") == text),
                                                   (FIGURE, figure_is_current(chapters))) if not ok]
        if stale:
            print(f"{', '.join(map(str, stale))} stale: run python tools/course_kit.py", file=sys.stderr)
            old = PAGE.read_text(encoding="utf-8").splitlines() if PAGE.exists() else []
            diff = next((f"  line {n}: {a!r}\n  now:     {b!r}" for n, (a, b) in
                         enumerate(zip(old + [""] * len(text), text.splitlines()), 1) if a != b), None)
            if diff:
                print("first difference:\n" + diff, file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(text, encoding="utf-8")
    if not figure_is_current(chapters):
        draw_map(chapters)
    print(f"wrote {PAGE.relative_to(ROOT)} and {FIGURE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
