"""Run every chapter with its seeds changed, as a learner might, and record whether it runs to the end.

Usage: python tools/changed_seed.py [NOTEBOOK ...] [--out benchmarks/changed_seed.json]

The preface invites a learner to change a seed and run the chapter again. This tool does that
to every chapter (default: all of ``_toc.yml``'s chapter notebooks, book order): every literal
seed in a code cell is raised by one (``seed=0`` -> ``seed=1``, ``default_rng(0)`` ->
``default_rng(1)``, ``random_state=0`` -> ``random_state=1``, ``manual_seed(0)`` -> ``manual_seed(1)``,
``SEED = 0`` -> ``SEED = 1``), and the notebook runs the way a learner's kernel runs it, with
``BOOK_STRICT`` unset, so a stated number that moved prints a note instead of raising. Errors are
allowed, so a chapter that crashes is recorded with the cell and the error rather than stopping
the run.

What it records for each chapter (``--out``, a JSON file; the Markdown table beside it is
written from it): how many seeds were changed, whether every cell ran without an error (the
first error's cell and type otherwise), the notes the claims printed (what moved), and the wall
time. The run shares the result cache with the book's runs; results under the changed seeds are
cached under their own keys, so the book's own results are untouched.
"""
from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import json
import os
import re
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tools"))
import env  # noqa: E402
import toc  # noqa: E402
from lib import claims  # noqa: E402

#: literal seeds a learner would change, and how the tool changes them (the number goes up by one)
PATTERNS = (
    re.compile(r"(\bseed\s*=\s*)(\d+)"),
    re.compile(r"(\bdefault_rng\(\s*)(\d+)"),
    re.compile(r"(\brandom_state\s*=\s*)(\d+)"),
    re.compile(r"(\bmanual_seed\(\s*)(\d+)"),
    re.compile(r"(\b[A-Z_]*SEED\s*=\s*)(\d+)"),
)
NOTE = "Note: "          # how lib.claims starts the line of a claim that moved (lenient runs)


def change_seeds(source: str) -> tuple[str, int]:
    """``source`` with every literal seed raised by one, and how many were changed.

    >>> change_seeds("rng = np.random.default_rng(0); f(seed=2, random_state=0)")
    ('rng = np.random.default_rng(1); f(seed=3, random_state=1)', 3)
    >>> change_seeds("OUR_SEED = 0  # seeds=(OUR_SEED,)")
    ('OUR_SEED = 1  # seeds=(OUR_SEED,)', 1)
    """
    total = 0
    for pattern in PATTERNS:
        source, n = pattern.subn(lambda m: f"{m.group(1)}{int(m.group(2)) + 1}", source)
        total += n
    return source, total


def code_digest(nb) -> str:
    """A digest of the notebook's code cells, to tell a record from a chapter that has changed since."""
    text = "\n\0".join(c.source for c in nb.cells if c.cell_type == "code")
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run(path: Path, timeout: int = 1800) -> dict:
    """Execute ``path`` with changed seeds in a learner's (lenient) kernel; the record of what happened."""
    nb = nbformat.read(path, as_version=4)
    digest = code_digest(nb)
    changed = 0
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source, n = change_seeds(cell.source)
            changed += n
    env_before = dict(os.environ)
    os.environ.pop(claims.STRICT_VAR, None)
    os.environ.update(HF_HUB_OFFLINE="1", PYTHONHASHSEED="0", TOKENIZERS_PARALLELISM="false",
                      BOOK_NOTEBOOK=str(path.resolve().relative_to(ROOT)))
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(path.parent)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    seconds = time.perf_counter() - start
    errors, notes = [], []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        for out in cell.get("outputs", []):
            if out.get("output_type") == "error":
                errors.append({"cell": index, "error": f"{out.get('ename')}: {str(out.get('evalue'))[:300]}"})
            text = out.get("text", "") if out.get("output_type") == "stream" else ""
            notes.extend(line[len(NOTE):].split(": " + claims._ADVICE)[0].strip()
                         for line in text.splitlines() if line.startswith(NOTE))
    return {"notebook": str(path.resolve().relative_to(ROOT)), "code_digest": digest, "seeds_changed": changed,
            "ran_to_end": not errors, "errors": errors, "notes": notes, "seconds": round(seconds, 1),
            "executed": nb}


def render(record: dict) -> str:
    """The Markdown table of a record (benchmarks/changed_seed.md)."""
    lines = ["# Every chapter with its seeds changed", "",
             f"Written by `tools/changed_seed.py` from `changed_seed.json`: {record['source']}.", "",
             "Every literal seed in a chapter's code cells was raised by one (`seed=0` -> `seed=1`, "
             "`default_rng(0)` -> `default_rng(1)`, ...) and the chapter ran as in a learner's kernel "
             "(`BOOK_STRICT` unset), errors allowed. *Moved* counts the stated numbers the claims reported "
             "as moved (a printed note, not an `AssertionError`).", "",
             "| chapter | seeds changed | ran to the end | claims that moved | s |", "|---|---:|---|---:|---:|"]
    for ch in record["chapters"]:
        ok = "yes" if ch["ran_to_end"] else f"no: cell {ch['errors'][0]['cell']}, {ch['errors'][0]['error']}"
        lines.append(f"| `{ch['notebook']}` | {ch['seeds_changed']} | {ok} | {len(ch['notes'])} | {ch['seconds']:.0f} |")
    lines += ["", "What moved, chapter by chapter (the claims' own words):", ""]
    for ch in record["chapters"]:
        if ch["notes"]:
            lines.append(f"- `{Path(ch['notebook']).stem}`:")
            lines.extend(f"  - {n}" for n in ch["notes"])
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*")
    parser.add_argument("--out", default=str(ROOT / "benchmarks" / "changed_seed.json"))
    parser.add_argument("--executed", default=str(ROOT / "_build" / "changed_seed"),
                        help="folder for the executed copies (default _build/changed_seed)")
    args = parser.parse_args(argv)
    paths = [Path(p) for p in args.notebooks] or toc.notebooks()
    paths = [p for p in paths if "/part" in str(p.resolve())]
    commit = env.commit_label(ROOT)
    out = Path(args.out)
    record = json.loads(out.read_text()) if out.exists() else {"chapters": []}
    by_name = {ch["notebook"]: ch for ch in record["chapters"]}
    for path in paths:
        result = run(path)
        executed = result.pop("executed")
        target = Path(args.executed) / result["notebook"]
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(executed, target)
        by_name[result["notebook"]] = result
        status = "ran to the end" if result["ran_to_end"] else f"FAILED: {result['errors'][0]}"
        print(f"{result['notebook']}: {result['seeds_changed']} seeds changed, {status}, "
              f"{len(result['notes'])} claims moved, {result['seconds']:.0f} s", flush=True)
        order = [str(p.resolve().relative_to(ROOT)) for p in toc.notebooks()]
        record = {"source": f"commit {commit}, {dt.date.today().isoformat()}, "
                            f"{os.cpu_count()} cores, {env.cpu_model()}",
                  "chapters": sorted(by_name.values(), key=lambda c: order.index(c["notebook"])
                                     if c["notebook"] in order else len(order))}
        out.write_text(json.dumps(record, indent=1) + "\n")
        out.with_suffix(".md").write_text(render(record))
    return 0 if all(ch["ran_to_end"] for ch in record["chapters"]) else 1


if __name__ == "__main__":
    sys.exit(main())
