"""Run one command in a bubblewrap sandbox with resource limits (the autograder's jail).

``command(argv, ...)`` returns the command line that runs ``argv`` inside ``bwrap``
(Debian package ``bubblewrap``) under ``prlimit`` (util-linux):

- namespaces: its own network (loopback only: nothing leaves, nothing on the host's
  loopback is reachable), process ids (it sees only its own processes; when the sandbox's
  first process dies every process in it is killed), IPC and host name; ``--die-with-parent``
  and ``--new-session``;
- files: a fresh root holding only the system folders (``/usr``, ``/etc`` and the merged-usr
  links), the Python installation, and the paths in ``read_only`` (the virtual environment,
  ``lib/``, ``tools/``, ``data/``, the result cache), all read-only; an input folder
  (read-only, at ``/grading/in``); a private writable folder ``/grading/work`` and a private
  ``/tmp``, both in memory with a size limit. Nothing else of the host is there: not the
  instructor's home, not the chapters or ``.git`` (they hold the solutions), not the other
  submissions, not the grader's output folder;
- environment: only the variables given (the caller's own environment, which may hold
  tokens, is not passed on), ``HOME=/tmp``;
- limits (``Limits``): address space (memory) and CPU seconds per process, file size,
  number of processes of its user, no core files;
- user: as root, the sandbox drops to an unprivileged user id of its own (``uid``), with no
  capabilities and ``no_new_privs``, so that root's files keep their permissions and the
  process limit counts the sandbox's processes only. As an ordinary user, bwrap runs in an
  unprivileged user namespace and the process limit is the user's current count plus
  ``Limits.procs``.

``available()`` says whether this works here (and why not).
"""
from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Limits", "available", "command", "IN", "WORK"]

BWRAP = os.environ.get("AUTOGRADE_BWRAP", "bwrap")
IN, WORK = "/grading/in", "/grading/work"
MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandbox.

    Parameters
    ----------
    memory_mb : int
        Address space of each process (``RLIMIT_AS``), MiB.
    cpu_s : int
        CPU seconds of each process (``RLIMIT_CPU``).
    procs : int
        Processes and threads of the sandbox's user (``RLIMIT_NPROC``).
    file_mb : int
        Largest file a process may write (``RLIMIT_FSIZE``), MiB.
    disk_mb : int
        Size of each of the two writable in-memory folders (``/grading/work``, ``/tmp``), MiB.

    Returns
    -------
    Limits
    """
    memory_mb: int = 8192
    cpu_s: int = 1200
    procs: int = 256
    file_mb: int = 256
    disk_mb: int = 512


def _tasks_of(uid: int) -> int:
    """Processes and threads of ``uid`` now (what RLIMIT_NPROC counts)."""
    count = 0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            text = Path(entry.path, "status").read_text()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in text.splitlines() if ":" in line)
        if fields.get("Uid", "").split()[:1] == [str(uid)]:
            count += int(fields.get("Threads", "1").strip() or 1)
    return count


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for name in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        p = Path("/") / name
        if p.is_symlink():
            args += ["--symlink", os.readlink(p), str(p)]
        elif p.is_dir():
            args += ["--ro-bind", str(p), str(p)]
    return args + ["--ro-bind", "/etc", "/etc"]


def _python_paths() -> list[Path]:
    """The interpreter's installation, when it is not under /usr."""
    out = []
    for p in {Path(sys.base_prefix).resolve(), Path(os.path.realpath(sys.executable)).parent.parent}:
        if not str(p).startswith("/usr"):
            out.append(p)
    return out


def command(argv, *, staging: Path, read_only=(), limits: Limits = Limits(), uid: int | None = None,
            bwrap: str | None = None) -> list[str]:
    """The command line that runs ``argv`` in the sandbox, in ``/grading/work``.

    Parameters
    ----------
    argv : list of str
        The command, with paths as seen inside the sandbox.
    staging : Path
        Host folder shown read-only at ``/grading/in`` (the notebook and its data files).
    read_only : iterable of Path
        Host paths shown read-only at the same place (skipped when missing).
    limits : Limits
    uid : int, optional
        When running as root, the unprivileged user id the sandbox runs as (one per
        concurrent sandbox); ignored otherwise.
    bwrap : str, optional
        The bwrap executable (default ``$AUTOGRADE_BWRAP`` or ``bwrap``).

    Returns
    -------
    list of str
    """
    root = os.geteuid() == 0
    if root and uid is None:
        raise ValueError("uid: running as root, the sandbox needs an unprivileged user id")
    nproc = limits.procs if root else _tasks_of(os.getuid()) + limits.procs
    cmd = ["prlimit", f"--as={limits.memory_mb * MB}", f"--cpu={limits.cpu_s}", f"--nproc={nproc}",
           f"--fsize={limits.file_mb * MB}", "--core=0", "--", bwrap or BWRAP]
    if root:   # no user namespace: the sandbox drops to ``uid`` itself, below
        cmd += ["--unshare-net", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    else:
        cmd += ["--unshare-all"]
    cmd += ["--die-with-parent", "--new-session", "--hostname", "grader"]
    cmd += _system_binds()
    # the private /tmp first: the book itself may live under /tmp (a CI checkout), and its read-only
    # binds below must land inside the new /tmp, not be hidden by it
    size = str(limits.disk_mb * MB)
    cmd += ["--proc", "/proc", "--dev", "/dev",
            "--perms", "1777", "--size", size, "--tmpfs", "/tmp",
            "--perms", "1777", "--size", "1048576", "--tmpfs", "/dev/shm"]
    targets = sorted({Path(p).resolve() for p in [*_python_paths(), *read_only] if Path(p).exists()})
    made = {Path("/"), Path("/usr"), Path("/etc"), Path("/tmp"), Path("/grading")}
    for target in targets:        # the folders above each bind, searchable by the sandbox's user
        for parent in reversed(target.parents):
            if parent not in made:
                made.add(parent)
                cmd += ["--perms", "0755", "--dir", str(parent)]
        cmd += ["--ro-bind", str(target), str(target)]
    cmd += ["--perms", "0755", "--dir", "/grading",
            "--ro-bind", str(Path(staging).resolve()), IN,
            "--perms", "1777", "--size", size, "--tmpfs", WORK,
            "--chdir", WORK, "--"]
    if root:
        cmd += ["setpriv", f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--no-new-privs",
                "--inh-caps=-all", "--bounding-set=-all", "--"]
    return cmd + [str(a) for a in argv]


@functools.lru_cache(maxsize=None)
def available(bwrap: str | None = None) -> tuple[bool, str]:
    """Whether the sandbox runs here: ``(True, "")`` or ``(False, why not)``.

    Runs ``python -c 0`` in a sandbox (a few tenths of a second).

    Parameters
    ----------
    bwrap : str, optional
        The bwrap executable (default ``$AUTOGRADE_BWRAP`` or ``bwrap``).

    Returns
    -------
    tuple of (bool, str)
    """
    exe = bwrap or BWRAP
    missing = [name for name in (exe, "prlimit") + (("setpriv",) if os.geteuid() == 0 else ())
               if shutil.which(name) is None]
    if missing:
        return False, (f"{', '.join(missing)} not found (Debian: apt-get install bubblewrap util-linux)")
    try:
        with tempfile.TemporaryDirectory() as tmp:
            os.chmod(tmp, 0o755)
            cmd = command([os.path.realpath(sys.executable), "-c", "import socket, os; assert os.getcwd() == '/grading/work'"],
                          staging=Path(tmp), limits=Limits(memory_mb=2048, cpu_s=30, procs=64), uid=2_000_000_000,
                          bwrap=exe)
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60,
                                  env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": "/tmp"})
    except (OSError, subprocess.SubprocessError) as err:
        return False, f"{exe} could not start: {err}"
    if proc.returncode != 0:
        why = (proc.stderr.strip().splitlines() or [f"exit status {proc.returncode}"])[-1]
        return False, (f"{exe} does not run here ({why}); unprivileged user namespaces may be off "
                       f"(sysctl kernel.unprivileged_userns_clone=1, or run as root)")
    return True, ""
