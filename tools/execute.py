"""Execute notebooks so that their stored outputs are fresh.

Usage: python tools/execute.py [--out DIR | --warm] NOTEBOOK [NOTEBOOK ...]

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
"""
import json
import os
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from lib import claims, settings  # noqa: E402

# stored outputs are the default run's: a stated number that no longer holds fails the run (lib.claims)
os.environ.setdefault(claims.STRICT_VAR, "1")

#: The parts whose chapters show the book's contextual encoder (BOOK_ENCODER chooses it).
ENCODER_PARTS = ("part3_", "part5_", "part6_")


def _name(path: Path) -> None:
    """Tell the kernel about to start which notebook it runs (lib.cache's log reads BOOK_NOTEBOOK)."""
    full = path.resolve()
    os.environ["BOOK_NOTEBOOK"] = str(full.relative_to(ROOT)) if full.is_relative_to(ROOT) else path.name


def execute(path: Path, out: Path | None = None, timeout: int = 900) -> float:
    """Run one notebook in its own folder; save it to ``out`` (default: in place). Returns seconds."""
    nb = nbformat.read(path, as_version=4)
    _name(path)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    target = out or path
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return time.perf_counter() - start


def warm(paths: list[Path], timeout: int = 900) -> int:
    """Run ``paths`` in order for their cache only (nothing saved); returns the number that failed."""
    from tqdm.auto import tqdm

    from lib import cache

    before = sum(1 for _ in cache.cache_dir().rglob("*") if _.is_file())
    failed, start = [], time.perf_counter()
    bar = tqdm(paths, unit="chapter", desc="warming the cache")
    for path in bar:
        bar.set_postfix_str(path.stem)
        nb = nbformat.read(path, as_version=4)
        _name(path)
        try:
            NotebookClient(nb, timeout=timeout, kernel_name="python3",
                           resources={"metadata": {"path": str(path.parent)}}).execute()
        except Exception as err:                     # keep warming the others; say which failed
            failed.append(path)
            tqdm.write(f"{path}: failed ({type(err).__name__}); its later cells' results are not cached")
    after = sum(1 for _ in cache.cache_dir().rglob("*") if _.is_file())
    print(f"cache {cache.cache_dir()}: {after - before} files added ({after} in all) in "
          f"{time.perf_counter() - start:.0f} s; {len(paths) - len(failed)} of {len(paths)} chapters ran", flush=True)
    return len(failed)


def main(argv: list[str]) -> int:
    out_dir = None
    if argv[:1] == ["--warm"]:
        if len(argv) < 2:
            sys.exit(__doc__)
        return 1 if warm([Path(a) for a in argv[1:]]) else 0
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
    times = {}
    for path in paths:
        target = None
        if out_dir is not None:
            rel = path.resolve().relative_to(ROOT) if path.resolve().is_relative_to(ROOT) else Path(path.name)
            target = out_dir / rel
        seconds = execute(path, target, timeout)
        times[str(path)] = round(seconds, 1)
        print(f"{path}: {seconds:.1f} s" + (f" -> {target}" if target else ""), flush=True)
        if out_dir is not None:                # after each chapter, so a later failure keeps the times so far
            _record(out_dir, model, times)
    return 0


def _record(out_dir: Path, model: str, times: dict) -> None:
    """Merge ``times`` into ``out_dir/times.json`` (earlier runs of the same model kept)."""
    record = out_dir / "times.json"
    old = json.loads(record.read_text()) if record.exists() else {}
    seconds = {**old.get("seconds", {}), **times} if old.get("model") == model else times
    record.write_text(json.dumps({"model": model, "seconds": seconds}, indent=1) + "\n")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
