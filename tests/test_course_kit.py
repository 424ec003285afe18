"""tools/course_kit.py: the instructor's kit is written from the chapters and is current.

The page must be current (``--check``), every chapter must have objectives and prerequisites, every
prose exercise a rubric whose criteria add up; the syllabi must respect the prerequisites; the
student time is computed from the notebook; the cache table appears only when it is measured.
"""
import json
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import course  # noqa: E402
import course_kit  # noqa: E402
from toc import notebooks  # noqa: E402


@pytest.fixture(scope="module")
def book():
    chapters, runs, problems = course_kit.load()
    return chapters, runs, problems


def test_page_is_current():
    res = subprocess.run([sys.executable, str(ROOT / "tools" / "course_kit.py"), "--check"],
                         capture_output=True, text=True)
    assert res.returncode == 0, res.stderr


def test_every_chapter_has_objectives_prerequisites_and_rubrics(book):
    chapters, _, problems = book
    assert len(chapters) == len(notebooks(root=ROOT))
    assert not problems, "\n".join(problems)
    for ch in chapters.values():
        assert 3 <= len(ch.meta["objectives"]) <= 5
        assert ch.meta["prerequisites"]["book"] or ch.meta["prerequisites"]["outside"]
        for label in ch.prose:
            rub = ch.meta["rubrics"][label]
            assert sum(c["points"] for c in rub["criteria"]) == rub["points"] > 0


def test_the_outside_prerequisites_the_review_names_are_admitted(book):
    outside = " ".join(o.lower() for ch in book[0].values() for o in ch.meta["prerequisites"]["outside"])
    for topic in ("bootstrap", "logistic regression", "infonce", "pytorch", "k-means", "hyperbolic", "svd"):
        assert topic in outside, f"no chapter admits to assuming {topic}"


def test_points_and_prose_exercises_come_from_the_course_parser(book):
    chapters = book[0]
    for ch in chapters.values():
        markup = course.parse(nbformat.read(ROOT / ch.path, as_version=4))
        assert ch.auto_points == markup.total_points
        prose = [e.label for e in markup.exercises.values() if not e.check_cells and not e.solution_cells]
        assert ch.prose == prose
    page = course_kit.PAGE.read_text()
    total = sum(ch.auto_points for ch in chapters.values())
    assert f"{total} points of autograded checks" in page
    for ch in chapters.values():
        for label in ch.prose:
            assert f'Rubric for "{ch.markup.exercises[label].title}"' in page


def test_chapter_ids_follow_parts_and_order():
    paths = [Path("chapters/part1_a/01_x.ipynb"), Path("chapters/part2_b/01_y.ipynb"),
             Path("chapters/part2_b/02_z.ipynb"), Path("chapters/part4_c/01_w.ipynb")]
    assert list(course_kit.chapter_ids(paths).values()) == ["I.1", "II.1", "II.2", "IV.1"]
    with pytest.raises(course_kit.KitError, match="partN"):
        course_kit.chapter_ids([Path("chapters/misc/01_x.ipynb")])


def _chapter(meta, prose=("ex-a",), words=300, code_lines=20, points=4):
    ex = {"ex-a": course.Exercise("ex-a", "A", 0, has_worked_solution=True),
          "ex-b": course.Exercise("ex-b", "B", 1, check_cells=[(2, points)], has_worked_solution=True)}
    markup = course.Markup(ex, [], [], [])
    return course_kit.Chapter("chapters/part1_a/01_x.ipynb", "I.1", "X", markup, meta, words, code_lines,
                              list(prose))


GOOD = {"objectives": ["compute a", "explain b", "compare c"],
        "prerequisites": {"book": [], "outside": ["k-means"]},
        "rubrics": {"ex-a": {"points": 3, "full_marks": "all of it",
                             "criteria": [{"points": 1, "criterion": "x"}, {"points": 2, "criterion": "y"}]}}}


def test_validate_accepts_good_metadata_and_names_each_problem():
    assert course_kit.validate(_chapter(GOOD), {"I.1"}) == []
    assert "no course metadata" in course_kit.validate(_chapter({}), {"I.1"})[0]
    cases = [
        ({"objectives": ["one", "two"]}, "objectives must be a list of 3 to 5"),
        ({"prerequisites": {"book": ["IX.9"], "outside": []}}, "unknown chapters"),
        ({"prerequisites": {"book": ["I.1"], "outside": []}}, "unknown chapters (or itself)"),
        ({"prerequisites": {"book": [], "outside": []}}, "prerequisites are empty"),
        ({"prerequisites": ["I.1"]}, "prerequisites must be"),
        ({"rubrics": {}}, "ex-a has no rubric"),
        ({"rubrics": dict(GOOD["rubrics"], **{"ex-b": GOOD["rubrics"]["ex-a"]})}, "ex-b, which is not a prose"),
        ({"rubrics": {"ex-a": dict(GOOD["rubrics"]["ex-a"], points=4)}}, "add up to 3 points, the rubric says 4"),
        ({"rubrics": {"ex-a": dict(GOOD["rubrics"]["ex-a"], criteria=[{"points": 3, "criterion": "x"}])}},
         "2 to 4 criteria"),
        ({"rubrics": {"ex-a": dict(GOOD["rubrics"]["ex-a"], full_marks="")}}, "full-marks answer"),
        ({"rubrics": {"ex-a": dict(GOOD["rubrics"]["ex-a"], criteria=[{"points": 0, "criterion": "x"},
                                                                      {"points": 3, "criterion": "y"}])}},
         "positive integer points"),
    ]
    for change, message in cases:
        problems = course_kit.validate(_chapter(dict(GOOD, **change)), {"I.1"})
        assert any(message in p for p in problems), (change, problems)


def test_student_minutes_are_computed_from_the_notebook():
    ch = _chapter(GOOD, words=course_kit.WORDS_PER_MINUTE * 6, code_lines=course_kit.CODE_LINES_PER_MINUTE * 3,
                  points=4)
    m = course_kit.student_minutes(ch, cold_seconds=120)
    assert (m["reading"], m["code"], m["running"]) == (6, 3, 2)
    assert m["exercises"] == 2 * course_kit.MINUTES_PER_EXERCISE + (4 + 3) * course_kit.MINUTES_PER_POINT
    assert m["total"] % course_kit.ROUND_TO == 0 and 0 <= m["total"] - sum(v for k, v in m.items()
                                                                           if k != "total") < course_kit.ROUND_TO


def test_order_respects_prerequisites_and_refuses_gaps_and_cycles():
    pre = {"a": [], "b": ["c"], "c": ["a"], "d": ["a"]}
    seq = course_kit.order(["a", "b", "c", "d"], pre, ["a", "b", "c", "d"])
    assert seq == ["a", "c", "b", "d"]
    course_kit.check_order(seq, pre)
    with pytest.raises(course_kit.KitError, match="b comes before c"):
        course_kit.check_order(["a", "b", "c", "d"], pre)
    with pytest.raises(course_kit.KitError, match="b needs c"):
        course_kit.order(["a", "b"], pre, ["a", "b", "c", "d"])
    with pytest.raises(course_kit.KitError, match="cycle"):
        course_kit.order(["x", "y"], {"x": ["y"], "y": ["x"]}, ["x", "y"])


def test_split_weeks_balances_and_keeps_the_order():
    seq, minutes = list("abcde"), {"a": 60, "b": 60, "c": 120, "d": 30, "e": 30}
    weeks = course_kit.split_weeks(seq, minutes, 3)
    assert [c for w in weeks for c in w] == seq and all(weeks)
    assert max(sum(minutes[c] for c in w) for w in weeks) == 120
    with pytest.raises(course_kit.KitError, match="cannot spread"):
        course_kit.split_weeks(seq, minutes, 6)


def test_the_sample_syllabi_respect_every_prerequisite(book):
    chapters = book[0]
    prereqs = {c: ch.meta["prerequisites"]["book"] for c, ch in chapters.items()}
    titles = [t for t, _, _ in course_kit.SYLLABI]
    assert any("6-week" in t for t in titles) and any("12-week" in t for t in titles)
    for title, weeks, selection in course_kit.SYLLABI:
        plan = course_kit.plan(chapters, selection, weeks)
        assert len(plan) == weeks and all(plan)
        course_kit.check_order([c for w in plan for c in w], prereqs)
    full = course_kit.plan(chapters, "all", 12)
    assert sorted(c for w in full for c in w) == sorted(chapters)


def test_cache_section_says_unmeasured_or_renders_the_record(book, tmp_path, monkeypatch):
    chapters = book[0]
    monkeypatch.setattr(course_kit, "CACHE_DEPS", tmp_path / "none.json")
    assert "not yet measured" in "\n".join(course_kit._cache_section(chapters))
    first, second = [ch.path for ch in list(chapters.values())[:2]]
    rec = {"source": "a test record", "chapters": {
        second: {"creates": {"ns_made": 12.0}, "reads_from_earlier": {"ns_read": {"from": first, "seconds": 34.0}}}}}
    deps = tmp_path / "deps.json"
    deps.write_text(json.dumps(rec))
    monkeypatch.setattr(course_kit, "CACHE_DEPS", deps)
    text = "\n".join(course_kit._cache_section(chapters))
    assert "a test record" in text and "`ns_made` (12)" in text and "`ns_read` from I.1 (34)" in text


def test_merge_metadata_changes_only_the_course_entry(tmp_path, monkeypatch):
    src = ROOT / "chapters" / "part1_foundations" / "01_what_is_an_embedding.ipynb"
    book_dir = tmp_path / "chapters" / "part1_foundations"
    book_dir.mkdir(parents=True)
    target = book_dir / src.name
    target.write_text(src.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(course_kit, "ROOT", tmp_path)
    rel = "chapters/part1_foundations/" + src.name
    (tmp_path / "m.json").write_text(json.dumps({rel: GOOD}))
    assert course_kit.merge_metadata(tmp_path / "m.json") == [rel]
    before, after = json.loads(src.read_text()), json.loads(target.read_text())
    assert after["metadata"]["book"]["course"] == GOOD
    after["metadata"]["book"]["course"] = before["metadata"]["book"].get("course")
    if before["metadata"]["book"].get("course") is None:
        del after["metadata"]["book"]["course"]
    assert after == before
    assert target.read_text().endswith("}\n") and '\n "cells": [' in target.read_text()
    assert course_kit.merge_metadata(tmp_path / "m.json") == []          # already there: nothing written


def test_the_map_leaves_out_implied_arrows_and_its_figure_records_what_it_shows(book, tmp_path):
    chapters = book[0]
    edges = course_kit.reduced_edges(chapters)
    full = {(c, p) for c, ch in chapters.items() for p in ch.meta["prerequisites"]["book"]}
    assert set(edges) <= full and edges
    # every left-out arrow is implied by a chain of the arrows kept
    kept = {}
    for c, p in edges:
        kept.setdefault(c, set()).add(p)

    def reach(c):
        out, todo = set(), list(kept.get(c, ()))
        while todo:
            p = todo.pop()
            if p not in out:
                out.add(p)
                todo += kept.get(p, ())
        return out
    assert all(p in reach(c) for c, p in full)
    assert course_kit.figure_is_current(chapters)
    assert not course_kit.figure_is_current(chapters, tmp_path / "missing.png")


def test_grading_times_are_measured_for_every_graded_chapter(book):
    """benchmarks/grading_times.json covers every chapter with autograded points, and its runs graded right."""
    chapters, _, _ = book
    grading = course_kit.load_grading()
    assert grading is not None, "no grading-time record: run python tools/grading_times.py"
    for ch in chapters.values():
        if not ch.auto_points:
            continue
        g = grading["chapters"].get(ch.path)
        assert g is not None, f"{ch.path}: grading time not measured (python tools/grading_times.py {ch.path})"
        assert g["solved"]["max"] == ch.auto_points, f"{ch.path}: points changed since the grading was timed"
        assert g["solved"]["points"] == g["solved"]["max"] and g["solved"]["status"] == "ok", (ch.path, g)
        assert g["untouched"]["points"] == 0, (ch.path, g)
        assert 0 < g["untouched"]["seconds"] and 0 < g["solved"]["seconds"] < 600, (ch.path, g)


def test_grading_section_renders_the_record(book):
    chapters, runs, _ = book
    some = next(ch for ch in chapters.values() if ch.auto_points)
    record = {"source": "a test", "chapters": {some.path: {"solved": {"seconds": 42.0, "points": 3, "max": 3,
                                                                       "status": "ok"},
                                                            "untouched": {"seconds": 7.0, "points": 0, "max": 3,
                                                                          "status": "ok"}}}}
    text = course_kit.render(chapters, runs, record)
    assert "| 42 (3/3) | 7 (0/3) | 42 |" in text
    assert "42 s per solved submission, 7 s per untouched one" in text
    assert "Not measured yet" in course_kit.render(chapters, runs, None)
