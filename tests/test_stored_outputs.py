"""The chapters' stored outputs are portable: no machine's paths, no stray warnings about the environment."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = sorted(ROOT.glob("chapters/*/*.ipynb"))
# an absolute path of the build machine (home, the checkout, a virtual environment or site-packages)
MACHINE_PATH = re.compile(r"(/home/|/root/|/Users/|/tmp/|[A-Za-z]:\\(?:Users|Windows)|site-packages|dist-packages|" + re.escape(str(ROOT)) + ")")


def _output_texts(nb):
    for i, cell in enumerate(nb.cells):
        for out in cell.get("outputs", []):
            text = out.get("text", "") + "".join(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
            if out.get("output_type") == "error":
                text += "\n".join(out.get("traceback", []))
            yield i, text


def test_chapters_found():
    assert len(CHAPTERS) >= 22


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_machine_paths_in_stored_outputs(path):
    nb = nbformat.read(path, as_version=4)
    bad = [(i, MACHINE_PATH.search(t).group(0)) for i, t in _output_texts(nb) if MACHINE_PATH.search(t)]
    assert not bad, f"{path.name}: cell outputs hold a path of the machine that ran them: {bad[:3]}"


# warnings about the environment that ran the notebook, not about the book's computations
ENVIRONMENT_NOISE = re.compile(r"TqdmWarning|IProgress not found|TqdmExperimentalWarning|ipywidgets")


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_no_environment_warnings_in_stored_outputs(path):
    nb = nbformat.read(path, as_version=4)
    bad = [(i, ENVIRONMENT_NOISE.search(t).group(0)) for i, t in _output_texts(nb) if ENVIRONMENT_NOISE.search(t)]
    assert not bad, (f"{path.name}: cell outputs hold a warning about the environment (progress bars fall back to "
                     f"text without ipywidgets; lib/__init__.py silences tqdm's notice): {bad[:3]}")


def _max_line():
    import importlib.util
    spec = importlib.util.spec_from_file_location("wrap_code", ROOT / "tools" / "wrap_code.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.MAX_LINE


@pytest.mark.parametrize("path", CHAPTERS, ids=lambda p: p.stem)
def test_code_lines_keep_the_book_line_length(path):
    # the rendered code cell wraps what is longer (_ext/static/book.css); JupyterLab and the PDF do not
    limit = _max_line()
    nb = nbformat.read(path, as_version=4)
    long = [(i, len(line)) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"
            for line in cell.source.split("\n") if len(line) > limit]
    assert not long, (f"{path.name}: {len(long)} code lines over {limit} characters (cell, length): {long[:5]}; "
                      f"run python tools/wrap_code.py {path.relative_to(ROOT)}")
