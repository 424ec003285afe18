"""Execute notebooks in place so that their stored outputs are fresh.

Usage: python tools/execute.py NOTEBOOK [NOTEBOOK ...]

Each notebook runs in its own folder with the current Python environment's kernel,
offline, and is saved with its outputs; the wall time of each is printed.
"""
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient


def execute(path: Path, timeout: int = 900) -> float:
    nb = nbformat.read(path, as_version=4)
    start = time.perf_counter()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(nb, path)
    return time.perf_counter() - start


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    for name in sys.argv[1:]:
        seconds = execute(Path(name))
        print(f"{name}: {seconds:.1f} s", flush=True)
