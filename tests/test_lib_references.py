"""Every `{func}`, `{class}`, `{meth}` and `{mod}` reference to lib in the chapters names something that exists.

Without an API page Sphinx shows these roles as code and never checks them, so a function moved or renamed
in lib would leave the prose pointing at nothing. This test resolves each one by import.
"""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
ROLE = re.compile(r"\{(func|class|meth|mod|attr|data)\}`~?(lib(?:\.\w+)+)`")


def _references():
    found = []
    for path in sorted(ROOT.glob("chapters/**/*.ipynb")) + sorted(ROOT.glob("chapters/**/*.md")):
        if path.suffix == ".ipynb":
            texts = [c.source for c in nbformat.read(path, as_version=4).cells if c.cell_type == "markdown"]
        else:
            texts = [path.read_text()]
        for text in texts:
            found += [(path.relative_to(ROOT).as_posix(), role, target) for role, target in ROLE.findall(text)]
    return found


def _resolve(target: str):
    parts = target.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except ModuleNotFoundError:
            continue
        for name in parts[cut:]:
            obj = getattr(obj, name)
        return obj
    raise ModuleNotFoundError(target)


def test_the_chapters_reference_lib():
    assert len(_references()) > 20, "the scan found almost no lib references: is the pattern still right?"


@pytest.mark.parametrize("where, role, target", _references(), ids=lambda v: v if isinstance(v, str) else None)
def test_reference_resolves(where, role, target):
    try:
        obj = _resolve(target)
    except (ModuleNotFoundError, AttributeError) as exc:
        pytest.fail(f"{where}: {{{role}}}`{target}` names nothing in lib ({exc})")
    if role == "mod":
        assert type(obj).__name__ == "module", f"{where}: {{mod}}`{target}` is not a module"
    if role in ("func", "meth"):
        assert callable(obj), f"{where}: {{{role}}}`{target}` is not callable"
    if role == "class":
        assert isinstance(obj, type), f"{where}: {{class}}`{target}` is not a class"
