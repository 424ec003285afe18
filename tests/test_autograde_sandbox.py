"""Hostile submissions against the grading sandbox (tools/sandbox.py, tools/autograde.py).

One grading run over tiny submissions made from tests/fixtures/course_fixture.ipynb. Each
hostile one attacks from its ``cosine`` answer (2 points) and would define a working
``cosine`` only if its attack got through; so "contained" reads as 0 points on that exercise,
and the test also checks that nothing outside the sandbox changed. The attacks: read another
student's submission, read the instructor's notebook (the chapters, ``.git``, the hidden tests), write
outside its folder (the book, lib's checkers, $HOME, the submissions and output folders),
open a socket (to a server this test runs on the host's loopback, bypassing the kernel's
socket patch), fork without end, fill the disk, fill the memory, forge PASSED lines (printed,
written to every descriptor it can open, and by rewriting the checker on disk). A benign
submission still scores full marks, and one that shadows the checker in the kernel (which
the sandbox cannot prevent) is flagged for review.

The hostile tests skip, saying why, only where bubblewrap cannot run; with
``BOOK_REQUIRE_SANDBOX=1`` (set by .ci/run) they fail instead.
"""
from __future__ import annotations

import copy
import hashlib
import importlib.util
import os
import socket
import threading
import time
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "course_fixture.ipynb"


def _tool(name):
    spec = importlib.util.spec_from_file_location(f"tool_{name}", ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


autograde = _tool("autograde")
sandbox = autograde.sandbox
assignments = _tool("assignments")

PROBE = sandbox.available
OK, WHY = PROBE()
if not OK and os.environ.get("BOOK_REQUIRE_SANDBOX") == "1":
    raise RuntimeError(f"BOOK_REQUIRE_SANDBOX=1 but the grading sandbox does not run here: {WHY}")
needs_sandbox = pytest.mark.skipif(not OK, reason=f"the grading sandbox does not run here: {WHY}")

LIMITS = sandbox.Limits(memory_mb=1536, cpu_s=60, procs=96, file_mb=16, disk_mb=32)
# every attack ends with this: a working cosine only if the attack succeeded
REWARD = """
def cosine(u, v):
    if not got_through:
        raise NotImplementedError()
    return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))
print('got through' if got_through else 'contained')
"""


def _attacks(paths):
    p = {k: str(v) for k, v in paths.items()}
    return {
        "reads_other": f"""
import glob
got_through = False
for pattern in [{p['subs']!r} + '/benign/*.ipynb', '/tmp/autograde-*/*.ipynb', {p['out']!r} + '/executed/*/*.ipynb']:
    for path in glob.glob(pattern):
        try:
            text = open(path).read()
            got_through = got_through or 'def cosine' in text
        except OSError:
            pass
""",
        "reads_solutions": f"""
import glob, os
got_through = False
for path in [{p['fixture']!r}, *glob.glob({p['root']!r} + '/chapters/*/*.ipynb')]:
    try:
        got_through = got_through or 'BEGIN SOLUTION' in open(path).read()
    except OSError:
        pass
got_through = got_through or os.path.exists({p['root']!r} + '/.git') or os.path.exists({p['home']!r})
for path in glob.glob('/grading/**', recursive=True) + glob.glob('/tmp/**', recursive=True):
    try:                              # the merged notebook holds the hidden tests: never in a file
        got_through = got_through or ('top_k must return ' + 'all k') in open(path, errors='replace').read()
    except OSError:
        pass
""",
        "writes_outside": f"""
import os
got_through = False
targets = [{p['root']!r} + '/lib/exercises/pwned_by_student.py', {p['root']!r} + '/pwned_by_student.txt',
           {p['home']!r} + '/pwned_by_student.txt', {p['subs']!r} + '/benign/pwned_by_student.txt',
           {p['out']!r} + '/pwned_by_student.txt', '/grading/in/pwned_by_student.txt']
for path in targets:
    try:
        with open(path, 'w') as fh:
            fh.write('pwned')
        got_through = True
    except OSError:
        pass
for path in [{p['checker']!r}, {p['home_file']!r}]:   # opened for writing (nothing written)
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
        got_through = True
    except OSError:
        pass
""",
        "network": f"""
import _socket, socket
got_through = False
for family, address in [(_socket.AF_INET, ('127.0.0.1', {paths['port']})), (_socket.AF_INET, ('192.0.2.1', 80))]:
    s = _socket.socket(family, _socket.SOCK_STREAM)     # _socket: around the kernel's socket patch
    s.settimeout(3)
    try:
        s.connect(address)
        s.send(b'hello from a submission')
        got_through = True
    except OSError as err:
        print('blocked:', err)
    finally:
        s.close()
""",
        "fork_bomb": """
import os, time
got_through = False
while True:
    try:
        os.fork()
    except OSError:
        time.sleep(0.05)
""",
        "fills_disk": f"""
import os
got_through = False
written = 0
for folder in ['.', '/tmp', '/dev/shm']:
    for i in range(10_000):
        try:
            with open(os.path.join(folder, f'fill{{i}}'), 'wb') as fh:
                for _ in range(8):
                    fh.write(b'x' * (1 << 20))
                    written += 1 << 20
        except OSError:
            break
print('wrote', written >> 20, 'MiB')
got_through = written > {3 * LIMITS.disk_mb + 1} << 20
""",
        "fills_memory": f"""
got_through = False
hog = []
try:
    while True:
        hog.append(bytearray(64 << 20))
except MemoryError:
    pass
got_through = len(hog) * 64 > {LIMITS.memory_mb}
print('held', len(hog) * 64, 'MiB')
del hog
""",
        "forges": f"""
import os, glob, json, stat
got_through = False
print('PASSED ex-fix-cosine (2 points)')
line = json.dumps({{'cell': 4, 'status': 'ok', 'ename': '', 'evalue': '', 'stdout': 'PASSED ex-fix-cosine'}}) + '\\n'
os.write(1, line.encode())
ancestors, pid = [], os.getppid()           # the worker (its report pipe) and the processes above it
while pid > 1 and len(ancestors) < 20:
    ancestors.append(pid)
    try:
        pid = int(open(f'/proc/{{pid}}/stat').read().rsplit(')', 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        break
for pid in ancestors:
    for path in glob.glob(f'/proc/{{pid}}/fd/*'):
        try:
            if not stat.S_ISFIFO(os.stat(path).st_mode):   # pipes only: never a file of the host
                continue
            fd = os.open(path, os.O_WRONLY | os.O_NONBLOCK)
            os.write(fd, line.encode())
            os.close(fd)
            print('wrote to', path)
        except OSError:
            pass
try:                                        # rewriting the checker needs it open for writing
    os.close(os.open({p['checker']!r}, os.O_WRONLY | os.O_APPEND))
    got_through = True
except OSError:
    pass
""",
    }


def _digest(paths):
    """path -> sha256 of every file under ``paths`` (compiled bytecode left out)."""
    out = {}
    for path in map(Path, paths):
        for f in sorted(path.rglob("*")) if path.is_dir() else [path]:
            if f.is_file() and "__pycache__" not in f.parts:
                out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    if not OK:
        pytest.skip(f"the grading sandbox does not run here: {WHY}")
    base = tmp_path_factory.mktemp("hostile")
    assignments.generate([FIXTURE], base / "assignments", quiet=True)
    release = nbformat.read(base / "assignments" / "release" / "course_fixture" / "course_fixture.ipynb",
                            as_version=4)
    subs, out, home = base / "submitted", base / "graded", base / "home"
    home.mkdir()
    (home / "secret.txt").write_text("the instructor's")
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    accepted = []

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                accepted.append(conn.recv(100))
                conn.close()
            except OSError:
                pass
    stop = threading.Event()
    threading.Thread(target=serve, daemon=True).start()
    checker = ROOT / "lib" / "exercises" / "__init__.py"
    paths = {"subs": subs, "out": out, "root": ROOT, "fixture": FIXTURE, "home": home, "port": server.getsockname()[1],
             "checker": checker, "home_file": home / "secret.txt"}
    solved = nbformat.read(FIXTURE, as_version=4)
    write = lambda nb, student: (subs / student).mkdir(parents=True) or nbformat.write(
        nb, subs / student / "course_fixture.ipynb")
    write(solved, "benign")
    for name, attack in _attacks(paths).items():
        nb = copy.deepcopy(release)
        next(c for c in nb.cells if c.source.startswith("def cosine")).source = attack + REWARD
        write(nb, name)
    shadow = copy.deepcopy(release)
    next(c for c in shadow.cells if c.source.startswith("def cosine")).source = (
        "def check_function(*args, **kwargs):\n    print('PASSED (forged)')\n")
    write(shadow, "shadows")
    # what the attacks aim at (the rest of lib/ and tools/ is edited by other work meanwhile)
    watched = [ROOT / "lib" / "exercises", ROOT / "tools" / "course.py", ROOT / "tools" / "autograde.py",
               ROOT / "tools" / "sandbox.py", FIXTURE, home, subs]
    before = _digest(watched)
    old_home = os.environ.get("HOME")
    os.environ["HOME"] = str(home)
    start = time.perf_counter()
    try:
        rows = autograde.grade(subs, autograde.load_sources([FIXTURE]), out, timeout=25, cell_timeout=8,
                               jobs=2, quiet=True, limits=LIMITS)
    finally:
        seconds = time.perf_counter() - start
        if old_home is None:
            os.environ.pop("HOME")
        else:
            os.environ["HOME"] = old_home
        stop.set()
    time.sleep(0.5)
    server.close()
    return {"rows": {r["student"]: r for r in rows}, "out": out, "seconds": seconds, "accepted": accepted,
            "changed": sorted(set(_digest(watched).items()) ^ set(before.items())), "paths": paths}


def _executed_cosine(out, student):
    nb = nbformat.read(out / "executed" / student / "course_fixture.ipynb", as_version=4)
    cell = next(c for c in nb.cells if "got_through" in c.source)
    return "".join(o.get("text", "") for o in cell.get("outputs", []))


@needs_sandbox
def test_benign_submission_scores_full_marks(hostile):
    row = hostile["rows"]["benign"]
    assert (row["total"], row["max"], row["status"], row["review"]) == (6, 6, "ok", "")


@needs_sandbox
@pytest.mark.parametrize("student", ["reads_other", "reads_solutions", "writes_outside", "network", "fork_bomb",
                                     "fills_disk", "fills_memory", "forges"])
def test_hostile_submission_is_contained(hostile, student):
    row = hostile["rows"][student]
    assert row["ex-fix-cosine"] == 0, (student, row)
    assert row["total"] == 0, row                      # the other answers are the release's stubs
    if student != "fork_bomb":                         # the bomb never finishes its cell
        assert "contained" in _executed_cosine(hostile["out"], student)


@needs_sandbox
def test_nothing_outside_the_sandboxes_changed(hostile):
    assert hostile["changed"] == [], "files of the book, the home folder or the submissions changed"
    assert hostile["accepted"] == [], "a submission reached a server on the host's loopback"
    assert not (ROOT / "lib" / "exercises" / "pwned_by_student.py").exists()
    assert not list(hostile["out"].rglob("pwned_by_student.txt"))
    assert not list(Path("/tmp").glob("fill*"))


@needs_sandbox
def test_grading_is_bounded_in_time_and_resources(hostile):
    # two at a time, each stopped after its 25 s notebook timeout at the latest (the fork bomb is)
    rounds = -(-len(hostile["rows"]) // 2)
    assert hostile["seconds"] < rounds * 25 + 30, hostile["seconds"]
    assert hostile["rows"]["fork_bomb"]["status"] in ("timeout", "crashed", "ok")
    assert "blocked" in _executed_cosine(hostile["out"], "network")
    text = _executed_cosine(hostile["out"], "fills_disk")
    assert int(text.split("wrote ")[1].split()[0]) <= 3 * LIMITS.disk_mb + 1
    text = _executed_cosine(hostile["out"], "fills_memory")
    assert int(text.split("held ")[1].split()[0]) < LIMITS.memory_mb
    print({s: (r["status"], r["total"]) for s, r in hostile["rows"].items()}, f"{hostile['seconds']:.1f} s",
          _executed_cosine(hostile["out"], "fills_disk").strip(), _executed_cosine(hostile["out"], "fills_memory").strip())


@needs_sandbox
def test_shadowed_checker_is_flagged_for_review(hostile):
    row = hostile["rows"]["shadows"]
    assert "redefines check_function" in row["review"]
    assert "review by hand" in (hostile["out"] / "feedback" / "shadows.md").read_text()


def test_refuses_without_the_sandbox(tmp_path, monkeypatch):
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(nbformat.read(FIXTURE, as_version=4), subs / "a.ipynb")
    monkeypatch.setattr(sandbox, "available", lambda bwrap=None: (False, "bwrap not found (test)"))
    with pytest.raises(SystemExit, match="(?s)sandbox is not available: bwrap not found.*--unsandboxed"):
        autograde.grade(subs, autograde.load_sources([FIXTURE]), tmp_path / "out", quiet=True)
    assert not (tmp_path / "out").exists()
    missing = PROBE.__wrapped__("/nonexistent/bwrap")
    assert missing[0] is False and "not found" in missing[1]


def test_unsandboxed_flag_runs_and_warns(tmp_path, monkeypatch, capsys):
    subs = tmp_path / "subs"
    subs.mkdir()
    nbformat.write(nbformat.read(FIXTURE, as_version=4), subs / "a.ipynb")
    monkeypatch.setattr(sandbox, "available", lambda bwrap=None: (False, "bwrap not found (test)"))
    rows = autograde.grade(subs, autograde.load_sources([FIXTURE]), tmp_path / "out", quiet=True,
                           unsandboxed=True, timeout=60, cell_timeout=30)
    assert rows[0]["total"] == 6
    assert "WITHOUT the sandbox" in capsys.readouterr().err


def test_sandbox_command_shape(tmp_path):
    cmd = sandbox.command(["python", "-c", "0"], staging=tmp_path, read_only=[ROOT / "lib", tmp_path / "missing"],
                          limits=LIMITS, uid=2_000_000_999)
    assert cmd[0] == "prlimit" and f"--as={LIMITS.memory_mb << 20}" in cmd and "--core=0" in cmd
    assert "--die-with-parent" in cmd and "--unshare-net" in cmd or "--unshare-all" in cmd
    assert str(ROOT / "lib") in cmd and str(tmp_path / "missing") not in cmd
    shown = [cmd[i + 1] for i, a in enumerate(cmd) if a in ("--ro-bind", "--bind")]
    for hidden in (ROOT, ROOT / "chapters", ROOT / ".git", ROOT / "tests", Path.home(), Path("/")):
        assert str(hidden) not in shown
    assert "--bind" not in cmd                          # nothing of the host is writable
    assert cmd[-3:] == ["python", "-c", "0"]
    if os.geteuid() == 0:
        assert "--reuid=2000000999" in cmd
        with pytest.raises(ValueError, match="uid"):
            sandbox.command(["true"], staging=tmp_path)


def test_tamper_flags():
    course = autograde.course
    source = nbformat.read(FIXTURE, as_version=4)
    reference = course.student_notebook(source, "fixture", keep_hidden=True)
    sub = course.student_notebook(source, "fixture")
    next(c for c in sub.cells if c.source.startswith("def cosine")).source = (
        "def check_function(*a, **k):\n    print('PASSED')\nnp.allclose = lambda *a: True\nrng = 3\n"
        "get_ipython().input_transformers_cleanup.append(lambda lines: [])\nmodel.eval()\nre.compile('x')")
    merged, _ = course.merge_submission(reference, sub)
    assert autograde.tamper_flags(merged, reference) == [
        "assigns np.allclose", "input_transformers", "redefines check_function"]   # rng: no check reads it


@pytest.mark.parametrize("chapter", assignments.toc_notebooks(), ids=lambda p: p.stem)
def test_solved_chapter_raises_no_review_flag(chapter):
    """The instructor's own solutions, graded as a submission, are not flagged."""
    course = autograde.course
    source = nbformat.read(chapter, as_version=4)
    reference = course.student_notebook(source, chapter.stem, keep_hidden=True)
    merged, _ = course.merge_submission(reference, source)
    assert autograde.tamper_flags(merged, reference) == []


def test_the_grader_opens_an_owner_only_cache_to_the_sandbox(tmp_path, capsys):
    """Cache files written owner-only would be recomputed by every sandboxed submission: the grader opens them."""
    import stat

    folder = tmp_path / "cache"
    (folder / "sub").mkdir(parents=True)
    files = [folder / "a.npy", folder / "sub" / "b.pkl"]
    for f in files:
        f.write_bytes(b"x")
        f.chmod(0o600)
    (folder / "sub").chmod(0o700)
    assert autograde.open_cache_to_sandbox(folder) == 3
    assert all(stat.S_IMODE(f.stat().st_mode) & 0o044 == 0o044 for f in files)
    assert stat.S_IMODE((folder / "sub").stat().st_mode) & 0o055 == 0o055
    assert "readable by the grading sandbox" in capsys.readouterr().err
    assert autograde.open_cache_to_sandbox(folder) == 0            # nothing left to open
