"""Grade a folder of submitted notebooks: points per exercise and feedback per student.

Usage
-----
    python tools/autograde.py [SUBMISSIONS] [--source NOTEBOOK ...] [--out DIR]
                              [--timeout 600] [--cell-timeout 300] [--jobs 1]
                              [--memory-mb 8192] [--max-procs 256] [--disk-mb 512] [--unsandboxed]
                              [--whole-chapter]

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
``tools/course.py``'s ``merge_submission``), hands it (on a pipe, never as a file, since it
holds the hidden tests) to a separate process that runs it in a fresh folder (nbclient,
kernel ``python3``, ``HF_HUB_OFFLINE=1``) inside a bubblewrap sandbox (``tools/sandbox.py``: no network, a read-only view of the environment
and of ``lib/``, ``tools/``, ``data/`` and the result cache only, a private writable folder
and ``/tmp`` of limited size, limits on memory, CPU time, processes and file size; the
instructor's home, the chapters, ``.git``, the other submissions and the output folder are
not in it), cell by cell, with errors allowed: a cell that runs longer than
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

Without bubblewrap (or where it cannot run, e.g. with user namespaces switched off) the
grader says why and refuses; ``--unsandboxed`` runs the notebooks without the sandbox (each
still in its own process and folder, with a socket patch it can undo): only for code you
trust.

Only the cells the exercises need run (``course.needed_cells``: the exercises' own cells, every
cell the student added or changed, and the chapter cells they depend on by name, imports
included); the chapter's figures and tables are skipped. ``--whole-chapter`` runs every cell.
An exercise whose code names a lib function its checker forbids (``@exercise(..., forbids=...)``
in ``lib/exercises``) scores 0, with the reason in the feedback (``course.delegations``); the
checkers also refuse such calls at run time.

What the grade itself can be trusted for: a check counts only when the instructor's check
cell (restored by the grader, hidden tests included) ran without an error; ``PASSED`` lines
printed by other cells count for nothing; results come back on a pipe, each line prefixed
by a random nonce the kernel never sees. The student's code and the checks share one Python
kernel, so code that rewrites the interpreter (input transformers, patched checkers) can make
a check seem to pass: such constructs are flagged in the ``review`` column and the feedback
for the instructor to read (a heuristic, not a proof). The sandbox's job is that no
submission can harm the machine, see another's work or the solutions, or change anything
outside its own folder.
"""
from __future__ import annotations

import argparse
import ast
import concurrent.futures as cf
import csv
import json
import os
import queue
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
import sandbox
from env import OFFLINE_ENV

ROOT = Path(__file__).resolve().parent.parent
FORBIDS = course.checker_forbids()  # label -> lib functions a solution must not call (lib/exercises)
UID_BASE = 2_000_000_100          # as root: sandbox k runs as user UID_BASE + k
MAX_REPORT = 64 * 1024 * 1024     # the executed notebook comes back in one line, at most this long

# Constructs in a student's cells that can tamper with the kernel's grading (flagged for review)
TAMPER = re.compile(r"input_transformers|\.run_cell\b|events\.register|register_magic|"
                    r"\bsys\.modules\b|\bbuiltins\b|__code__|\bctypes\b|gc\.get_referr|"
                    r"\blib\.exercises\b|from\s+lib\s+import\s+exercises|\bimportlib\b|__import__|"
                    r"(?<![\w.])(?:exec|eval|compile|setattr)\s*\(|\bos\._exit\b|sys\.std(?:out|err)\s*=|"
                    r"\bIn\s*\[|\b_ih\b|\b_i\d*\b|history_manager|_getframe|currentframe|\binspect\b|"
                    r"\bf_back\b|\bf_globals\b|\btraceback\b")

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
def worker(data: Path, cell_timeout: float, nonce: str, text: str) -> None:
    """Execute the notebook ``text`` cell by cell in the current folder, reporting on stdout.

    The notebook and ``nonce`` come on our stdin, which the kernel cannot read, so no file
    holds the check cells' hidden tests. Each report line starts with ``nonce`` followed by
    JSON. The report pipe is moved to a descriptor the kernel
    does not inherit (its stdout and stderr go to /dev/null) and this process is made
    non-dumpable, so the kernel cannot write to the pipe nor read the nonce from our memory.
    The files of the folder ``data`` (the chapter's data) are copied into the current folder
    first; the executed notebook comes back in the last report.
    """
    from nbclient import NotebookClient
    from nbclient.exceptions import DeadKernelError

    out = os.fdopen(os.dup(sys.stdout.fileno()), "w")          # not inherited by the kernel
    null = os.open(os.devnull, os.O_WRONLY)
    os.dup2(null, 1)
    os.dup2(null, 2)
    try:                                                        # PR_SET_DUMPABLE = 4
        import ctypes
        ctypes.CDLL(None).prctl(4, 0, 0, 0, 0)
    except Exception:
        pass
    data = Path(data)
    if data.resolve() != Path.cwd().resolve():
        for item in data.iterdir():
            if item.is_file():
                shutil.copy(item, Path.cwd() / item.name)

    def report(**kw):
        out.write(nonce + json.dumps(kw) + "\n")
        out.flush()

    nb = nbformat.reads(text, as_version=4)
    del text
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
                if cell.cell_type != "code" or cell.metadata.get(course.META, {}).get("skip"):
                    continue              # skipped: a chapter cell no exercise needs (course.needed_cells)
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
            text = nbformat.writes(nb)
            if len(text) < MAX_REPORT:
                report(executed=text)
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


def sandbox_paths() -> list[Path]:
    """Host paths the sandbox sees (read-only): the environment, the book's code and data."""
    cache = os.environ.get("EMBEDDINGS_BOOK_CACHE", str(ROOT / ".cache"))
    paths = [Path(sys.prefix), ROOT / "lib", ROOT / "tools", ROOT / "data", ROOT / "pyproject.toml", Path(cache)]
    for var in ("HF_HOME", "SENTENCE_TRANSFORMERS_HOME", "TRANSFORMERS_CACHE", "NLTK_DATA"):
        if os.environ.get(var):
            paths.append(Path(os.environ[var]))
    paths.append(Path.home() / ".cache" / "huggingface")
    return [p for p in paths if p.exists()]


def open_cache_to_sandbox(cache: Path | None = None, quiet: bool = False) -> int:
    """Make the result cache readable by the sandbox's user; returns how many entries were changed.

    The sandbox runs each submission as a user of its own, which can read only what others may
    read. Cache files written owner-only (``mkstemp``'s mode, which the book's cache used before it
    set :data:`lib.cache.FILE_MODE`) would be recomputed for every submission, so the grader opens
    them (``chmod a+r``, folders ``a+rx``) and says so. The cache holds computed results of public
    data, nothing secret.
    """
    cache = Path(cache or os.environ.get("EMBEDDINGS_BOOK_CACHE", str(ROOT / ".cache")))
    if not cache.is_dir():
        return 0
    changed = 0
    for path in [cache, *cache.rglob("*")]:
        try:
            mode = path.stat().st_mode
            want = mode | (0o055 if path.is_dir() else 0o044)
            if want != mode:
                path.chmod(want)
                changed += 1
        except OSError:
            continue
    if changed and not quiet:
        print(f"made {changed} entries of the cache {cache} readable by the grading sandbox's user "
              f"(they were owner-only, so every submission would have recomputed them)", file=sys.stderr)
    return changed


def sandbox_env() -> dict:
    """The sandbox's whole environment: the book's variables, nothing else of the caller's."""
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/local/bin:/usr/bin:/bin", "HOME": "/tmp",
           "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8", **OFFLINE_ENV}
    for key, value in os.environ.items():
        if key.startswith(("BOOK_", "EMBEDDINGS_BOOK_")) or key in (
                "HF_HOME", "SENTENCE_TRANSFORMERS_HOME", "TRANSFORMERS_CACHE", "NLTK_DATA", "OMP_NUM_THREADS"):
            env[key] = value
    return env


def run_notebook(nb, aux: Path | None, *, timeout: float, cell_timeout: float,
                 limits: sandbox.Limits | None = None, uid: int | None = None):
    """Execute merged notebook ``nb`` in a fresh folder and separate process.

    With ``limits`` (the default in :func:`grade`) it runs in the sandbox
    (``tools/sandbox.py``) under those limits, as user ``uid`` when the grader is root;
    with ``limits=None`` unsandboxed.

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
        nonce = secrets.token_hex(16)
        argv = [sys.executable, str(Path(__file__).resolve()), "--worker", str(workdir),
                "--cell-timeout", str(cell_timeout)]
        if limits is not None:
            os.chmod(workdir, 0o755)              # readable by the sandbox's user, shown read-only
            for item in workdir.iterdir():
                os.chmod(item, 0o644)
            argv[3] = sandbox.IN
            argv = sandbox.command(argv, staging=workdir, read_only=sandbox_paths(), limits=limits, uid=uid)
            env = sandbox_env()
        else:
            env = {**os.environ, **OFFLINE_ENV}
            env.pop("JPY_PARENT_PID", None)
        proc = subprocess.Popen(
            argv, cwd=workdir, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL, start_new_session=True, text=True)
        try:                                      # the notebook travels on stdin, never in a file
            proc.stdin.write(nonce + "\n" + nbformat.writes(nb))
            proc.stdin.close()
        except OSError:                           # the worker died at once: reported below
            pass
        reports, kernel = [], {}

        def read():
            for line in proc.stdout:
                if line.startswith(nonce):
                    try:
                        msg = json.loads(line[len(nonce):])
                    except ValueError:
                        continue
                    if "kernel_pid" in msg and limits is None:   # in the sandbox: its own pid namespace
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
        results, notes, executed = {}, [], None
        for msg in reports:
            if "executed" in msg:
                try:
                    executed = nbformat.reads(msg["executed"], as_version=4)
                except Exception:
                    pass
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


def _bound_names(tree) -> set:
    """Names a module binds at its top level (assignments, definitions, imports, loop targets)."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
    return names


def _parse(source):
    try:
        return ast.parse(source)
    except (SyntaxError, ValueError):
        return None


def tamper_flags(merged, reference) -> list[str]:
    """Constructs in the student's own code cells that can tamper with grading in the kernel.

    Flags the patterns of ``TAMPER``, a name that the instructor's set-up cells bind and the
    check cells read (the checkers, ``np``, the data) bound again by the student, and an
    assignment to an attribute of an imported module (``np.allclose = ...``).
    """
    trusted = {c.source for c in reference.cells}
    setup, modules, used = set(), set(), set()
    for cell in reference.cells:
        role = cell.get("metadata", {}).get(course.META, {}).get("role")
        tree = _parse(cell.source) if cell.cell_type == "code" and role != "answer" else None
        if tree is not None and role == "check":     # the names the checks read
            used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} \
                - _bound_names(tree)
        elif tree is not None:
            setup |= _bound_names(tree)
            modules |= {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                        if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
    found = []
    for cell in merged.cells:
        if cell.cell_type != "code" or cell.source in trusted or \
                cell.get("metadata", {}).get(course.META, {}).get("role") == "check":
            continue
        found += [m.group(0).strip() for m in TAMPER.finditer(cell.source)]
        tree = _parse(cell.source)
        if tree is None:
            continue
        found += [f"redefines {name}" for name in sorted(_bound_names(tree) & setup & used)]
        imported = modules | {(a.asname or a.name).split(".")[0] for n in ast.walk(tree)
                              if isinstance(n, (ast.Import, ast.ImportFrom)) for a in n.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, (ast.Store, ast.Del)):
                base = node.value
                while isinstance(base, ast.Attribute):
                    base = base.value
                if isinstance(base, ast.Name) and base.id in imported:
                    found.append(f"assigns {ast.unparse(node)}")
    return sorted(set(found))


def grade(submissions: Path, sources: dict, out: Path, *, timeout: float = 600,
          cell_timeout: float = 300, jobs: int = 1, quiet: bool = False,
          limits: sandbox.Limits | None = sandbox.Limits(), unsandboxed: bool = False,
          whole_chapter: bool = False):
    """Grade every notebook under ``submissions``; returns the rows written to grades.csv.

    Only the cells the exercises need run (:func:`course.needed_cells`: the exercises' cells, the
    learner's own cells, and the chapter cells they depend on by name); ``whole_chapter`` runs all.

    Each notebook runs in the sandbox under ``limits``; where the sandbox cannot run this
    raises ``SystemExit`` saying why, unless ``unsandboxed`` (then notebooks run without it).
    """
    submissions, out = Path(submissions), Path(out)
    if not submissions.is_dir():
        raise SystemExit(f"no submissions folder: {submissions}")
    if timeout <= 0 or cell_timeout <= 0 or jobs < 1:
        raise SystemExit("--timeout and --cell-timeout must be positive and --jobs at least 1")
    if unsandboxed:
        limits = None
        print("warning: grading WITHOUT the sandbox (--unsandboxed): the notebooks' code runs with your "
              "permissions and can read, change or send your files", file=sys.stderr)
    else:
        ok, why = sandbox.available()
        if not ok:
            raise SystemExit(f"the grading sandbox is not available: {why}.\nInstall bubblewrap "
                             f"(apt-get install bubblewrap) or, only for code you trust, pass --unsandboxed "
                             f"(make grade UNSANDBOXED=1).")
        limits = limits or sandbox.Limits()
        open_cache_to_sandbox(quiet=quiet)
    uids = queue.SimpleQueue()
    for k in range(jobs):
        uids.put(UID_BASE + k)
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
        row = {"student": student, "notebook": str(rel), "assignment": "", "status": "", "total": 0, "max": 0,
               "review": ""}
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
            if not whole_chapter:      # run only the exercises' cells and what they need
                keep = course.needed_cells(merged, references[name])
                for index, cell in enumerate(merged.cells):
                    if cell.cell_type == "code" and index not in keep:
                        cell.metadata[course.META] = {"skip": True}
            flags = tamper_flags(merged, references[name])
            if flags:
                row["review"] = " ".join(flags)
                notes = notes + [f"review by hand: your code uses {', '.join(flags)}, which can change "
                                 f"how the checks run"]
            uid = uids.get()
            try:
                results, status, run_notes, executed = run_notebook(
                    merged, sources[name][1], timeout=timeout, cell_timeout=cell_timeout, limits=limits, uid=uid)
            finally:
                uids.put(uid)
            report = course.score(merged, results, cell_timeout,
                                  delegated=course.delegations(merged, FORBIDS, references[name]))
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
        writer = csv.DictWriter(fh, ["student", "assignment", "notebook", *labels, "total", "max", "status", "review"],
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
    default = sandbox.Limits()
    parser.add_argument("--memory-mb", type=int, default=default.memory_mb,
                        help=f"address space per process in the sandbox, MiB (default {default.memory_mb})")
    parser.add_argument("--max-procs", type=int, default=default.procs,
                        help=f"processes and threads per sandbox (default {default.procs})")
    parser.add_argument("--disk-mb", type=int, default=default.disk_mb,
                        help=f"size of the sandbox's writable folder and of its /tmp, MiB (default {default.disk_mb})")
    parser.add_argument("--whole-chapter", action="store_true",
                        help="run every cell of the chapter, not only those the exercises need")
    parser.add_argument("--unsandboxed", action="store_true",
                        help="run the notebooks without the sandbox (only for code you trust)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        nonce = sys.stdin.readline().strip()
        worker(Path(args.worker), args.cell_timeout, nonce, sys.stdin.read())
        return 0
    sources = args.source
    if not sources:
        manifest = ROOT / "assignments" / "manifest.json"
        if not manifest.exists():
            raise SystemExit("no --source given and no assignments/manifest.json: run tools/assignments.py first")
        sources = [ROOT / entry["source"] for entry in json.loads(manifest.read_text())["assignments"]]
    limits = sandbox.Limits(memory_mb=args.memory_mb, cpu_s=int(max(args.timeout, args.cell_timeout)) + 60,
                            procs=args.max_procs, file_mb=min(default.file_mb, args.disk_mb), disk_mb=args.disk_mb)
    rows = grade(Path(args.submissions), load_sources(sources), Path(args.out), timeout=args.timeout,
                 cell_timeout=args.cell_timeout, jobs=args.jobs, limits=limits, unsandboxed=args.unsandboxed,
                 whole_chapter=args.whole_chapter)
    print(f"graded {len(rows)} notebooks -> {Path(args.out) / 'grades.csv'}, feedback in {Path(args.out) / 'feedback'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
