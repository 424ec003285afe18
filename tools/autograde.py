"""Grade a folder of submitted notebooks: points per exercise and feedback per student.

Usage
-----
    python tools/autograde.py [SUBMISSIONS] [--source NOTEBOOK ...] [--out DIR]
                              [--timeout 600] [--cell-timeout 300] [--jobs 1]

SUBMISSIONS (default ``assignments/submitted``) holds one notebook per student and
assignment, in any of these layouts:

    SUBMISSIONS/alice.ipynb                      (one assignment: the student is the file name)
    SUBMISSIONS/alice/01_what_is_an_embedding.ipynb
    SUBMISSIONS/alice/01_what_is_an_embedding/01_what_is_an_embedding.ipynb   (nbgrader's layout)

Each submission is matched to its instructor's notebook (the chapter, with solutions and
hidden tests) by the assignment name that ``tools/assignments.py`` stored in the
notebook's metadata, else by file name, else (with a single source) to that source. The
sources are the ``--source`` notebooks, or those listed in ``assignments/manifest.json``.

For every submission the grader rebuilds the notebook to run (the student's answers, the
instructor's check cells with their hidden tests restored, see
``tools/course.py``'s ``merge_submission``), copies it into a fresh temporary folder and
executes it there in a separate process (nbclient, kernel ``python3``, network disabled,
``HF_HUB_OFFLINE=1``), cell by cell, with errors allowed: a cell that runs longer than
``--cell-timeout`` seconds is interrupted and the next one runs; a notebook that runs
longer than ``--timeout`` seconds is killed (its kernel too) and the checks it has not
reached score zero. Every submission is read into memory before any runs, and results
travel back over a pipe, so a submission that loops, raises, kills its kernel or deletes
files cannot stop the grading of the others.

Written to OUT (default ``assignments/autograded``):

    grades.csv                   one row per student and assignment: points per exercise,
                                 total, maximum, status
    feedback/<student>.md        per exercise: points, and the checks' own messages
    executed/<student>/<nb>      the executed notebooks, outputs included

This isolates submissions from each other; it is not a security sandbox. Run untrusted
code inside a container or a throwaway account (see the instructor's guide).
"""
from __future__ import annotations

import argparse
import concurrent.futures as cf
import csv
import json
import os
import re
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import nbformat

import course
from env import OFFLINE_ENV

ROOT = Path(__file__).resolve().parent.parent

# Run in the kernel before the notebook: no connection leaves the machine.
PRELUDE = '''
import socket as _s
def _autograde_offline(connect):
    def guarded(self, address, *args):
        host = address[0] if isinstance(address, tuple) else None
        if host is not None and host not in ("127.0.0.1", "localhost", "::1"):
            raise OSError(f"network access is disabled while grading (tried {host})")
        return connect(self, address, *args)
    return guarded
_s.socket.connect = _autograde_offline(_s.socket.connect)
_s.socket.connect_ex = _autograde_offline(_s.socket.connect_ex)
del _s, _autograde_offline
'''


# --------------------------------------------------------------------------- worker
def worker(notebook: Path, cell_timeout: float, nonce: str) -> None:
    """Execute ``notebook`` cell by cell in the current folder, reporting on stdout.

    Each report line starts with ``nonce`` (read by the parent from our stdin, which the
    kernel cannot read) followed by JSON, so output a notebook writes to the inherited
    file descriptors cannot forge a result.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    out = sys.stdout

    def report(**kw):
        out.write(nonce + json.dumps(kw) + "\n")
        out.flush()

    nb = nbformat.read(notebook, as_version=4)
    prelude = nbformat.v4.new_code_cell(PRELUDE)
    nb.cells.insert(0, prelude)
    client = NotebookClient(
        nb, timeout=int(cell_timeout), kernel_name="python3", allow_errors=True,
        interrupt_on_timeout=True, record_timing=False,
        error_on_timeout={"ename": "CellTimeoutError",
                          "evalue": f"the cell did not finish within {cell_timeout:g} s and was interrupted",
                          "traceback": []},
        resources={"metadata": {"path": str(Path.cwd())}})
    replies = {}

    def on_executed(cell, cell_index, execute_reply):
        replies[cell_index] = (execute_reply or {}).get("content", {})

    client.on_cell_executed = on_executed
    try:
        with client.setup_kernel():
            pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
            if pid is None:
                proc = getattr(getattr(client.km, "provisioner", None), "process", None)
                pid = getattr(proc, "pid", None)
            report(kernel_pid=pid)
            for index, cell in enumerate(nb.cells):
                if cell.cell_type != "code":
                    continue
                start = time.perf_counter()
                client.execute_cell(cell, index)
                seconds = time.perf_counter() - start
                error = next((o for o in cell.outputs if o.get("output_type") == "error"), None)
                reply = replies.pop(index, None)
                if error is None and (reply is None or reply.get("status") != "ok"):
                    # a timed-out cell may leave no error output: the reply (or its absence) tells
                    error = {"ename": (reply or {}).get("ename") or "CellTimeoutError",
                             "evalue": (reply or {}).get("evalue") or "no reply from the kernel"}
                stdout = "".join(o.get("text", "") for o in cell.outputs
                                 if o.get("output_type") == "stream" and o.get("name") == "stdout")
                if index == 0:
                    if error:
                        report(fatal=f"the grading prelude failed: {error.get('ename')}: {error.get('evalue')}")
                        return
                    continue
                status = "ok"
                if error is not None:
                    status = "timeout" if error.get("ename") == "CellTimeoutError" else "error"
                report(cell=index - 1, status=status, seconds=round(seconds, 2),
                       ename=error.get("ename", "") if error else "",
                       evalue=str(error.get("evalue", ""))[:2000] if error else "",
                       stdout=stdout[-2000:])
    except DeadKernelError:
        report(fatal="the kernel died (the notebook crashed it or exited)")
    except Exception as err:  # report, never hang the parent
        report(fatal=f"{type(err).__name__}: {err}")
    finally:
        nb.cells.pop(0)
        try:
            nbformat.write(nb, notebook.with_name("executed.ipynb"))
        except Exception:
            pass
    report(done=True)


# --------------------------------------------------------------------------- parent
def _kill_group(pid) -> None:
    if not pid:
        return
    try:
        os.killpg(os.getpgid(pid), signal.SIGKILL)
    except (ProcessLookupError, PermissionError, OSError):
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError, OSError):
            pass


def run_notebook(nb, aux: Path | None, *, timeout: float, cell_timeout: float):
    """Execute merged notebook ``nb`` in a fresh folder and separate process.

    Returns ``(results, status, notes, executed)``: cell index -> CellResult, one of
    ``ok`` / ``timeout`` / ``crashed``, notes for the feedback, the executed notebook (or
    None when it could not be read back).
    """
    workdir = Path(tempfile.mkdtemp(prefix="autograde-"))
    try:
        if aux is not None:            # the chapter's folder: data files next to it
            for item in aux.iterdir():
                if item.suffix != ".ipynb" and not item.name.startswith(".") and item.is_file() \
                        and item.stat().st_size < 20_000_000:
                    shutil.copy2(item, workdir / item.name)
        path = workdir / "submission.ipynb"
        nbformat.write(nb, path)
        nonce = secrets.token_hex(16)
        env = {**os.environ, **OFFLINE_ENV}
        env.pop("JPY_PARENT_PID", None)
        proc = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--worker", str(path),
             "--cell-timeout", str(cell_timeout)],
            cwd=workdir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True, text=True)
        proc.stdin.write(nonce + "\n")
        proc.stdin.close()
        reports, kernel = [], {}

        def read():
            for line in proc.stdout:
                if line.startswith(nonce):
                    try:
                        msg = json.loads(line[len(nonce):])
                    except ValueError:
                        continue
                    if "kernel_pid" in msg:
                        kernel["pid"] = msg["kernel_pid"]
                    reports.append(msg)

        reader = threading.Thread(target=read, daemon=True)
        reader.start()
        status = "ok"
        try:
            proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            status = "timeout"
        _kill_group(kernel.get("pid"))
        _kill_group(proc.pid)
        proc.wait()
        reader.join(timeout=5)
        results, notes = {}, []
        for msg in reports:
            if "cell" in msg:
                results[msg["cell"]] = course.CellResult(msg["status"], msg.get("ename", ""),
                                                         msg.get("evalue", ""), msg.get("stdout", ""))
            if "fatal" in msg:
                status = "crashed"
                notes.append(msg["fatal"])
        if status == "ok" and not any("done" in m for m in reports):
            status = "crashed"
            notes.append("the grading process stopped early (the notebook killed it?)")
        if status == "timeout":
            notes.append(f"the notebook did not finish within {timeout:g} s and was stopped; "
                         f"checks not reached score zero")
        executed = None
        try:
            executed = nbformat.read(workdir / "executed.ipynb", as_version=4)
        except Exception:
            pass
        return results, status, notes, executed
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def load_sources(paths):
    """assignment name -> (instructor's notebook, its folder)."""
    sources = {}
    for p in paths:
        p = Path(p)
        if not p.is_file():
            raise SystemExit(f"source notebook not found: {p}")
        nb = nbformat.read(p, as_version=4)
        name = nb.metadata.get(course.META, {}).get("assignment") or p.stem
        if name in sources:
            raise SystemExit(f"two source notebooks are both assignment {name!r}: {sources[name][1]} and {p}")
        course.parse(nb)                          # fails early, naming the broken cells
        sources[name] = (nb, p.parent)
    if not sources:
        raise SystemExit("no source notebooks: pass --source NOTEBOOK or run tools/assignments.py first")
    return sources


def find_submissions(folder: Path):
    """(student, path) for every notebook under ``folder``."""
    found = []
    for path in sorted(folder.rglob("*.ipynb")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts):
            continue
        student = rel.parts[0] if len(rel.parts) > 1 else path.stem
        student = re.sub(r"[^\w.@+-]", "_", student).lstrip(".") or "student"   # a safe file name
        found.append((student, path))
    return found


def grade(submissions: Path, sources: dict, out: Path, *, timeout: float = 600,
          cell_timeout: float = 300, jobs: int = 1, quiet: bool = False):
    """Grade every notebook under ``submissions``; returns the rows written to grades.csv."""
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise SystemExit(f"no submissions folder: {submissions}")
    if timeout <= 0 or cell_timeout <= 0 or jobs < 1:
        raise SystemExit("--timeout and --cell-timeout must be positive and --jobs at least 1")
    references = {name: course.student_notebook(nb, name, keep_hidden=True) for name, (nb, _) in sources.items()}
    labels = [lab for ref in references.values() for lab in ref.metadata[course.META]["exercises"]]
    # read everything first: a submission that deletes files cannot take the others with it
    todo = []
    for student, path in find_submissions(submissions):
        try:
            raw = path.read_bytes()
        except OSError as err:
            raw = err
        todo.append((student, path.relative_to(submissions), raw))
    if not todo:
        raise SystemExit(f"no .ipynb files under {submissions}")

    def one(item):
        student, rel, raw = item
        row = {"student": student, "notebook": str(rel), "assignment": "", "status": "", "total": 0, "max": 0}
        feedback, executed = [], None
        try:
            if isinstance(raw, Exception):
                raise ValueError(f"could not read the file: {raw}")
            try:
                nb = nbformat.reads(raw.decode("utf-8"), as_version=4)
            except Exception as err:
                raise ValueError(f"the file is not a readable notebook ({type(err).__name__})") from None
            name = nb.get("metadata", {}).get(course.META, {}).get("assignment")
            if name not in sources:
                name = Path(rel).stem if Path(rel).stem in sources else (
                    next(iter(sources)) if len(sources) == 1 else None)
            if name is None:
                raise ValueError(f"no source notebook matches it (known: {', '.join(sources)})")
            row["assignment"] = name
            merged, notes = course.merge_submission(references[name], nb)
            results, status, run_notes, executed = run_notebook(
                merged, sources[name][1], timeout=timeout, cell_timeout=cell_timeout)
            report = course.score(merged, results, cell_timeout)
            row["status"] = status
            for label, r in report.items():
                row[label] = r["points"] if r["max_points"] else ""     # "": graded by hand
                row["total"] += r["points"]
                row["max"] += r["max_points"]
            feedback.append(f"## {name} ({rel}): {row['total']} / {row['max']} points\n")
            for note in notes + run_notes:
                feedback.append(f"- note: {note}")
            if notes or run_notes:
                feedback.append("")
            for label, r in report.items():
                head = f"### {label}: {r['points']} / {r['max_points']}" if r["max_points"] else \
                    f"### {label}: not autograded"
                feedback.append(head)
                feedback.extend(f"- {m}" for m in r["messages"] or ["(nothing to report)"])
                feedback.append("")
        except ValueError as err:
            row["status"] = "unreadable"
            feedback.append(f"## {rel}: not graded\n\n- {err}\n")
        if not quiet:
            print(f"{student:>16}  {row['assignment'] or '?':<32} {row['total']:>4} / {row['max']:<4} {row['status']}",
                  flush=True)
        return row, feedback, executed

    with cf.ThreadPoolExecutor(max_workers=jobs) as pool:
        results = list(pool.map(one, todo))

    out.mkdir(parents=True, exist_ok=True)       # (re)created: a submission may have deleted it
    rows = [r for r, _, _ in results]
    with open(out / "grades.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, ["student", "assignment", "notebook", *labels, "total", "max", "status"],
                                restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(sorted(rows, key=lambda r: (r["student"], r["assignment"])))
    (out / "feedback").mkdir(exist_ok=True)
    by_student: dict = {}
    for (row, fb, executed), (student, rel, _) in zip(results, todo):
        by_student.setdefault(student, []).extend(fb)
        if executed is not None:
            target = out / "executed" / student / Path(rel).name
            target.parent.mkdir(parents=True, exist_ok=True)
            nbformat.write(executed, target)
    for student, lines in by_student.items():
        total = sum(r["total"] for r in rows if r["student"] == student)
        most = sum(r["max"] for r in rows if r["student"] == student)
        text = [f"# Feedback for {student}: {total} / {most} points", ""] + lines
        (out / "feedback" / f"{student}.md").write_text("\n".join(text).rstrip() + "\n")
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", nargs="?", default=str(ROOT / "assignments" / "submitted"))
    parser.add_argument("--source", nargs="+", help="instructor's notebooks (default: assignments/manifest.json)")
    parser.add_argument("--out", default=str(ROOT / "assignments" / "autograded"))
    parser.add_argument("--timeout", type=float, default=600, help="seconds per notebook (default 600)")
    parser.add_argument("--cell-timeout", type=float, default=300, help="seconds per cell (default 300)")
    parser.add_argument("--jobs", type=int, default=1, help="notebooks graded at once (default 1)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        nonce = sys.stdin.readline().strip()
        worker(Path(args.worker), args.cell_timeout, nonce)
        return 0
    sources = args.source
    if not sources:
        manifest = ROOT / "assignments" / "manifest.json"
        if not manifest.exists():
            raise SystemExit("no --source given and no assignments/manifest.json: run tools/assignments.py first")
        sources = [ROOT / entry["source"] for entry in json.loads(manifest.read_text())["assignments"]]
    rows = grade(Path(args.submissions), load_sources(sources), Path(args.out), timeout=args.timeout,
                 cell_timeout=args.cell_timeout, jobs=args.jobs)
    print(f"graded {len(rows)} notebooks -> {Path(args.out) / 'grades.csv'}, feedback in {Path(args.out) / 'feedback'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
