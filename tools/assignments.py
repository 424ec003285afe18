"""Turn chapters into student notebooks (what `make assignments` runs).

Usage
-----
    python tools/assignments.py [NOTEBOOK ...] [--out assignments] [--lint | --hide-solutions]

With no NOTEBOOK, every chapter of ``_toc.yml`` that has exercises is used. For each
chapter ``chapters/<part>/<name>.ipynb`` this writes, in nbgrader's course layout:

    assignments/release/<name>/<name>.ipynb   the student notebook: solution regions
                                              replaced by stubs (``# YOUR CODE HERE`` /
                                              ``raise NotImplementedError()``, or
                                              ``x = ...`` for a value), hidden tests,
                                              ``{solution}`` blocks and outputs removed,
                                              nbgrader cell metadata added
    assignments/source/<name>/<name>.ipynb    the instructor's version with the same
                                              metadata and the solutions kept (what
                                              ``nbgrader generate_assignment`` reads)
    assignments/manifest.json                 assignment -> chapter, exercises, points
                                              (read by tools/autograde.py)

``--lint`` only checks the exercise markup of the notebooks and prints warnings
(exercises without a check or a worked solution, answer cells whose solution code the
rendered book shows); it exits 1 if the markup is broken. ``--hide-solutions NOTEBOOK``
tags the answer cells ``hide-input`` in place (outputs untouched), so that the book shows
their code only on demand.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat

import course
import toc

ROOT = Path(__file__).resolve().parent.parent


def toc_notebooks() -> list:
    """The chapter notebooks listed in _toc.yml, in book order (:func:`toc.notebooks`)."""
    return toc.notebooks()


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def generate(notebooks, out: Path, *, quiet: bool = False) -> list:
    """Write release/, source/ and manifest.json under ``out``; returns the manifest entries."""
    out = Path(out)
    entries, seen = [], {}
    for path in notebooks:
        path = Path(path)
        if not path.is_file():
            raise SystemExit(f"notebook not found: {path}")
        nb = nbformat.read(path, as_version=4)
        try:
            markup = course.parse(nb)
        except course.MarkupError as err:
            raise SystemExit(f"{_display(path)}: {err}")
        if not markup.exercises:
            if not quiet:
                print(f"{_display(path)}: no exercises, skipped")
            continue
        name = path.stem
        if name in seen:
            raise SystemExit(f"two chapters are both named {name!r} ({seen[name]} and {_display(path)}); "
                             f"generate them in separate runs with different --out folders")
        seen[name] = _display(path)
        for kind, make in (("release", course.student_notebook), ("source", course.nbgrader_source)):
            target = out / kind / name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(make(nb, name), target)
        entry = {"assignment": name, "source": _display(path),
                 "release": _display(out / "release" / name / path.name),
                 "exercises": {e.label: e.points for e in markup.exercises.values()},
                 "autograded_points": markup.total_points,
                 "warnings": markup.warnings}
        entries.append(entry)
        if not quiet:
            auto = sum(1 for e in markup.exercises.values() if e.autograded)
            print(f"{_display(path)} -> {entry['release']}: {len(markup.exercises)} exercises "
                  f"({auto} autograded, {markup.total_points} points)")
            for w in markup.warnings:
                print(f"    warning: {w}")
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text(json.dumps({"assignments": entries}, indent=1) + "\n")
    return entries


def lint(notebooks) -> int:
    """Print the markup problems and warnings of each notebook; 1 if any markup is broken."""
    broken = 0
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        try:
            markup = course.parse(nb)
        except course.MarkupError as err:
            print(f"{_display(Path(path))}: {err}")
            broken = 1
            continue
        print(f"{_display(Path(path))}: {len(markup.exercises)} exercises, {markup.total_points} points")
        for w in markup.warnings:
            print(f"    warning: {w}")
    return broken


def hide_solutions(notebooks) -> int:
    """Give every answer cell the tag ``hide-input`` in place (outputs untouched).

    In the rendered book such a cell shows a "show code" toggle instead of the solution
    code. Returns the number of cells changed.
    """
    changed = 0
    for path in notebooks:
        nb = nbformat.read(path, as_version=4)
        markup = course.parse(nb)
        n = 0
        for cell, role in zip(nb.cells, markup.roles):
            tags = cell.metadata.setdefault("tags", []) if role == "answer" else None
            if tags is not None and not set(tags) & {"hide-input", "hide-cell", "remove-input", "remove-cell"}:
                tags.append("hide-input")
                n += 1
        if n:
            nbformat.write(nb, path)
        print(f"{_display(Path(path))}: tagged {n} answer cells hide-input")
        changed += n
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("notebooks", nargs="*", help="chapter notebooks (default: all of _toc.yml)")
    parser.add_argument("--out", default=str(ROOT / "assignments"))
    parser.add_argument("--lint", action="store_true", help="only check the exercise markup")
    parser.add_argument("--hide-solutions", action="store_true",
                        help="tag the answer cells of NOTEBOOK hide-input, in place, and stop")
    args = parser.parse_args(argv)
    notebooks = [Path(n) for n in args.notebooks] or toc_notebooks()
    if args.lint:
        return lint(notebooks)
    if args.hide_solutions:
        if not args.notebooks:
            raise SystemExit("--hide-solutions edits notebooks in place: name them explicitly")
        hide_solutions(notebooks)
        return 0
    entries = generate(notebooks, Path(args.out))
    print(f"{len(entries)} assignments written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
