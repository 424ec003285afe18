"""Execute notebooks so that their stored outputs are fresh.

Usage: python tools/execute.py [--jobs N] [--out DIR | --warm] NOTEBOOK [NOTEBOOK ...]

Each notebook runs in its own folder with the current Python environment's kernel, offline,
and is saved with its outputs; the wall time of each is printed.

With the book's default encoder the notebooks are saved in place. When ``BOOK_ENCODER`` names
another model (``BOOK_ENCODER=mpnet make execute``), only the chapters that show the contextual
encoder (Parts III, V and VI) are run, and the executed copies go to ``runs/<model label>/``
(git-ignored) with a ``times.json`` of wall times, so the committed outputs, which are about the
default model, stay as they are. ``--out DIR`` sends the copies to DIR in either case.

``--warm`` (``make warm``) runs the chapters in book order and saves nothing: it only fills the
cache (``.cache/``) with every result a chapter shares with later ones (encodings of Part V's
passages, trained tables, the contextual vectors of Part III), so that afterwards any chapter opened
alone in JupyterLab starts warm. A progress bar shows the chapters done and the time spent; a
chapter that fails is reported and the others still run.

``--jobs N`` runs up to N chapters at once (default: one per core, at most four), each kernel with
``cores // N`` threads. A chapter starts only after every earlier chapter whose cached results it
reads has finished (``benchmarks/cache_deps.json``, written from a cold run's cache log; a chapter
that record does not know waits for all earlier ones), so a cold run still computes each shared
result once, and a warm run, whose chapters are mostly single-threaded analysis and kernel start,
takes about half the time on two cores. A code cell tagged ``timed`` (it measures speed) runs
with no other cell running anywhere and with every core's threads (:class:`SharedClient`), so
the speeds a chapter prints are the machine's, not a shared core's. ``--jobs 1`` is the plain
loop in book order. Each run writes its wall time and the chapters' times to
``_build/execute_times.json``.
"""
import contextlib
import json
import multiprocessing
import os
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from pathlib import Path

import nbformat
from nbclient import NotebookClient
from nbclient.util import ensure_async

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lib import claims, settings  # noqa: E402

# stored outputs are the default run's: a stated number that no longer holds fails the run (lib.claims)
os.environ.setdefault(claims.STRICT_VAR, "1")

#: The parts whose chapters show the book's contextual encoder (BOOK_ENCODER chooses it).
ENCODER_PARTS = ("part3_", "part5_", "part6_")
#: Which chapter reads which earlier chapter's cached results (tools/cache_deps.py, from a cold run).
DEPS = ROOT / "benchmarks" / "cache_deps.json"
#: Where each run's times go (git-ignored).
TIMES = ROOT / "_build" / "execute_times.json"
#: A cached result cheaper than this to compute is not worth waiting for (prerequisites).
WAIT_SECONDS = 5.0
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _rel(path: Path) -> str:
    full = path.resolve()
    return str(full.relative_to(ROOT)) if full.is_relative_to(ROOT) else path.name


def default_jobs() -> int:
    """One chapter per core, at most four at once (each kernel holds a model or two in memory)."""
    return max(1, min(4, os.cpu_count() or 1))


def prerequisites(paths: list[Path], deps_file: Path = DEPS) -> dict[Path, set[Path]]:
    """For each chapter of ``paths``, the earlier ones among ``paths`` that it must wait for.

    A chapter waits for the chapters whose cached results it read in the cold run that
    ``deps_file`` records, where computing them took at least :data:`WAIT_SECONDS` (recomputing
    a cheaper one costs less than waiting: the token counts of a text collection take a
    fraction of a second); a chapter the record does not list (a new one, or no record) waits for
    every chapter before it, as in the plain loop.

    Examples
    --------
    >>> import tempfile
    >>> f = Path(tempfile.mkdtemp()) / "deps.json"
    >>> _ = f.write_text('{"chapters": {"b.ipynb": {"reads_from_earlier": {"y": {"from": "a.ipynb", "seconds": 1}}}, '
    ...                  '"c.ipynb": {"reads_from_earlier": {"x": {"from": "a.ipynb", "seconds": 30}}}}}')
    >>> a, b, c, d = (Path(n) for n in ("a.ipynb", "b.ipynb", "c.ipynb", "d.ipynb"))
    >>> need = prerequisites([a, b, c, d], f)
    >>> need[a], need[b], need[c], sorted(map(str, need[d]))
    (set(), set(), {PosixPath('a.ipynb')}, ['a.ipynb', 'b.ipynb', 'c.ipynb'])
    """
    try:
        record = json.loads(Path(deps_file).read_text())["chapters"]
    except (OSError, ValueError, KeyError, TypeError):
        record = {}
    need = {}
    for i, path in enumerate(paths):
        earlier = {_rel(p): p for p in paths[:i]}
        entry = record.get(_rel(path))
        if entry is None:
            need[path] = set(paths[:i])
        else:
            sources = {v.get("from") for v in entry.get("reads_from_earlier", {}).values()
                       if v.get("seconds", WAIT_SECONDS) >= WAIT_SECONDS}
            need[path] = {earlier[s] for s in sources if s in earlier}
    return need


TIMED_TAG = "timed"
#: Run in a timed cell's kernel before and after it (lib.settings.use_threads): every core's threads, then back.
_THREADS_ON = "import lib.settings as _book_settings\n__book_restore_threads__ = _book_settings.use_threads({n})\n" \
              "del _book_settings"
_THREADS_OFF = "__book_restore_threads__()\ndel __book_restore_threads__"


class MachineLock:
    """Cells of chapters that run at once share the machine; a cell tagged ``timed`` has it to itself.

    A readers-writer lock over two files (``flock``): an ordinary cell holds the room shared,
    a timed cell exclusively. A timed cell first takes the turnstile, which new ordinary cells
    pass through on their way in, so it waits only for the cells already running, never for a
    stream of new ones.
    """

    def __init__(self, folder: Path):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self._turnstile = open(folder / "turnstile.lock", "a+")
        self._room = open(folder / "room.lock", "a+")

    @contextlib.contextmanager
    def cell(self, timed: bool):
        import fcntl

        if timed:
            fcntl.flock(self._turnstile, fcntl.LOCK_EX)
            fcntl.flock(self._room, fcntl.LOCK_EX)
        else:
            fcntl.flock(self._turnstile, fcntl.LOCK_SH)   # wait here while a timed cell wants the room
            fcntl.flock(self._turnstile, fcntl.LOCK_UN)
            fcntl.flock(self._room, fcntl.LOCK_SH)
        try:
            yield
        finally:
            fcntl.flock(self._room, fcntl.LOCK_UN)
            if timed:
                fcntl.flock(self._turnstile, fcntl.LOCK_UN)


class SharedClient(NotebookClient):
    """A ``NotebookClient`` for a chapter that runs beside others (``--jobs``).

    Every cell runs under the :class:`MachineLock`; a cell tagged ``timed`` (it measures speed)
    runs when no other cell runs anywhere, with every core's threads for torch and BLAS (the
    kernel otherwise has its share of the cores), so what it measures is the machine's speed.
    """

    def __init__(self, nb, lock: MachineLock, cores: int, **kwargs):
        super().__init__(nb, **kwargs)
        self._machine, self._cores = lock, cores

    async def _silent(self, code: str) -> None:
        msg_id = await ensure_async(self.kc.execute(code, silent=True, store_history=False))
        reply = await self.async_wait_for_reply(msg_id)
        if reply is None or reply["content"].get("status") != "ok":
            raise RuntimeError(f"the executor's thread setting failed in the kernel: {reply and reply['content']}")

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        timed = cell.cell_type == "code" and TIMED_TAG in cell.metadata.get("tags", [])
        with self._machine.cell(timed):
            if timed:
                await self._silent(_THREADS_ON.format(n=self._cores))
            try:
                return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
            finally:
                if timed:
                    await self._silent(_THREADS_OFF)


def _client(nb, path: Path, timeout: int, lock_dir: str | None):
    kwargs = dict(timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}})
    if lock_dir is None:
        return NotebookClient(nb, **kwargs)
    return SharedClient(nb, MachineLock(Path(lock_dir)), os.cpu_count() or 1, **kwargs)


def _worker(path: str, target: str | None, timeout: int, threads: int | None, save: bool,
            lock_dir: str | None = None) -> float:
    """Run one chapter in this process; returns seconds.

    ``threads``: the BLAS/torch threads of its kernel (None: as set); ``lock_dir``: share the
    machine with other workers through a :class:`MachineLock` there (None: a plain client).
    """
    if threads:
        for var in THREAD_VARS:
            os.environ[var] = str(threads)
    if save:
        return execute(Path(path), Path(target) if target else None, timeout, lock_dir)
    nb = nbformat.read(path, as_version=4)
    _name(Path(path))
    start = time.perf_counter()
    _client(nb, Path(path), timeout, lock_dir).execute()
    return time.perf_counter() - start


def run_scheduled(paths: list[Path], jobs: int, timeout: int, save: bool, targets: dict | None = None,
                  on_done=None, stop_on_error: bool = True,
                  deps_file: Path = DEPS) -> dict[Path, float | BaseException]:
    """Run ``paths`` up to ``jobs`` at a time, each after its :func:`prerequisites`, first ready first.

    Each kernel gets ``cores // jobs`` threads (more would oversubscribe the cores: two MiniLM
    encodings at once took 16 s with two threads each and 6 s with one); its cells share the
    machine through a :class:`MachineLock`, so a ``timed`` cell runs alone with every core.
    Returns each chapter's seconds, or the exception it raised. ``on_done(path, result)`` is
    called as each one ends. With ``stop_on_error`` a failure starts no further chapter (those
    already running finish); the ones never started are absent from the result.
    """
    need, targets = prerequisites(paths, deps_file), targets or {}
    threads = max(1, (os.cpu_count() or 1) // jobs)
    pending, running, results = list(paths), {}, {}
    with tempfile.TemporaryDirectory(prefix="book-lock-") as lock_dir, \
            ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context()) as pool:
        while pending or running:
            failed = any(isinstance(r, BaseException) for r in results.values())
            for path in [p for p in pending if need[p] <= results.keys()]:
                if len(running) >= jobs or (failed and stop_on_error):
                    break
                target = targets.get(path)
                running[pool.submit(_worker, str(path), str(target) if target else None, timeout, threads,
                                    save, lock_dir)] = path
                pending.remove(path)
            if not running:
                break
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                path = running.pop(future)
                try:
                    results[path] = future.result()
                except Exception as err:                      # the chapter's own error, reported by the caller
                    results[path] = err
                if on_done:
                    on_done(path, results[path])
    return results


def _write_times(kind: str, jobs: int, wall: float, times: dict, cache_files: int) -> None:
    from env import cpu_model

    TIMES.parent.mkdir(exist_ok=True)
    TIMES.write_text(json.dumps({
        "date": time.strftime("%Y-%m-%d"), "machine": f"{os.cpu_count()} cores, {cpu_model()}", "what": kind,
        "jobs": jobs, "cache_files_at_start": cache_files, "wall_seconds": round(wall, 1),
        "load_average": round(os.getloadavg()[0], 2),
        "seconds": {_rel(p): round(s, 1) for p, s in times.items() if not isinstance(s, BaseException)},
    }, indent=1) + "\n")


def _cache_files() -> int:
    from lib import cache

    return sum(1 for p in cache.cache_dir().rglob("*") if p.is_file())


def _name(path: Path) -> None:
    """Tell the kernel about to start which notebook it runs (lib.cache's log reads BOOK_NOTEBOOK)."""
    full = path.resolve()
    os.environ["BOOK_NOTEBOOK"] = str(full.relative_to(ROOT)) if full.is_relative_to(ROOT) else path.name


def execute(path: Path, out: Path | None = None, timeout: int = 900, lock_dir: str | None = None) -> float:
    """Run one notebook in its own folder; save it to ``out`` (default: in place). Returns seconds.

    ``lock_dir``: run its cells under the :class:`MachineLock` there (a run with ``--jobs``).
    """
    nb = nbformat.read(path, as_version=4)
    _name(path)
    start = time.perf_counter()
    _client(nb, path, timeout, lock_dir).execute()
    target = out or path
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return time.perf_counter() - start


def warm(paths: list[Path], timeout: int = 900, jobs: int = 1) -> int:
    """Run ``paths`` for their cache only (nothing saved), ``jobs`` at a time; returns the number that failed."""
    from tqdm.auto import tqdm

    from lib import cache

    before, start = _cache_files(), time.perf_counter()
    bar = tqdm(total=len(paths), unit="chapter", desc="warming the cache")
    failed = []

    def report(path, result):
        if isinstance(result, BaseException):                # keep warming the others; say which failed
            failed.append(path)
            tqdm.write(f"{path}: failed ({type(result).__name__}); its later cells' results are not cached")
        bar.set_postfix_str(path.stem)
        bar.update()

    if jobs == 1:
        times = {}
        for path in paths:
            try:
                times[path] = _worker(str(path), None, timeout, None, save=False)
            except Exception as err:
                times[path] = err
            report(path, times[path])
    else:
        times = run_scheduled(paths, jobs, timeout, save=False, on_done=report, stop_on_error=False)
    bar.close()
    after = _cache_files()
    wall = time.perf_counter() - start
    _write_times("warm", jobs, wall, times, before)
    print(f"cache {cache.cache_dir()}: {after - before} files added ({after} in all) in "
          f"{wall:.0f} s; {len(paths) - len(failed)} of {len(paths)} chapters ran", flush=True)
    return len(failed)


def main(argv: list[str]) -> int:
    out_dir, jobs = None, default_jobs()
    if argv[:1] == ["--jobs"]:
        if len(argv) < 2 or not argv[1].isdigit() or int(argv[1]) < 1:
            sys.exit(f"--jobs needs a whole number of chapters at once, at least 1\n\n{__doc__}")
        jobs, argv = int(argv[1]), argv[2:]
    if argv[:1] == ["--warm"]:
        if len(argv) < 2:
            sys.exit(__doc__)
        return 1 if warm([Path(a) for a in argv[1:]], jobs=jobs) else 0
    if argv[:1] == ["--out"]:
        if len(argv) < 2:
            sys.exit(__doc__)
        out_dir, argv = Path(argv[1]), argv[2:]
    if not argv:
        sys.exit(__doc__)
    model = settings.book_encoder()
    paths = [Path(a) for a in argv]
    if not settings.is_default(model):
        label = settings.encoder_label(model)
        out_dir = out_dir or ROOT / "runs" / label
        skipped = [p for p in paths if not any(part in str(p) for part in ENCODER_PARTS)]
        paths = [p for p in paths if p not in skipped]
        print(f"BOOK_ENCODER={model}: running the {len(paths)} chapters of Parts III, V and VI on {label} "
              f"(skipping {len(skipped)} that do not use it); executed copies go to {out_dir}", flush=True)
    # a cell may take far longer on a larger model (mpnet's Part III ch2 contexts: tens of minutes on 2 cores)
    timeout = 900 if settings.is_default(model) else 4 * 3600
    targets = {}
    if out_dir is not None:
        for path in paths:
            rel = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else Path(path.name)
            targets[path] = out_dir / rel
    times, cache_files, start = {}, _cache_files(), time.perf_counter()

    def report(path, result):
        if isinstance(result, BaseException):
            print(f"{path}: failed ({type(result).__name__})\n{result}", flush=True)
            return
        times[path] = result
        print(f"{path}: {result:.1f} s" + (f" -> {targets[path]}" if path in targets else ""), flush=True)
        if out_dir is not None:                # after each chapter, so a later failure keeps the times so far
            _record(out_dir, model, {str(p): round(t, 1) for p, t in times.items()})

    if jobs == 1:
        for path in paths:                     # the plain loop: the first failure stops the run
            report(path, execute(path, targets.get(path), timeout))
        results = times
    else:
        results = run_scheduled(paths, jobs, timeout, save=True, targets=targets, on_done=report)
    wall = time.perf_counter() - start
    _write_times("execute", jobs, wall, times, cache_files)
    failed = [p for p, r in results.items() if isinstance(r, BaseException)]
    print(f"{len(times)} of {len(paths)} chapters executed in {wall:.0f} s, {jobs} at a time"
          + (f"; failed: {', '.join(map(str, failed))}" if failed else ""), flush=True)
    return 1 if failed or len(times) < len(paths) else 0


def _record(out_dir: Path, model: str, times: dict) -> None:
    """Merge ``times`` into ``out_dir/times.json`` (earlier runs of the same model kept)."""
    record = out_dir / "times.json"
    old = json.loads(record.read_text()) if record.exists() else {}
    seconds = {**old.get("seconds", {}), **times} if old.get("model") == model else times
    record.write_text(json.dumps({"model": model, "seconds": seconds}, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
