"""The shape of lib's API: ``__all__`` everywhere, numpy-style docstrings, a layered import graph,
no module over 500 lines.

Each test collects every offence first and fails once with the full list, so a run names all the
modules and functions to fix.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import pkgutil
import re
import textwrap
from pathlib import Path

import pytest

import lib

LIB = Path(lib.__file__).resolve().parent
MAX_LINES = 500
#: Core modules import no other lib module except core ones.
CORE = {"checks", "cache", "linalg", "search", "stats", "settings"}


def _modules() -> list[str]:
    """Dotted names of every module of lib (packages included), without importing them."""
    names = ["lib"]
    for info in pkgutil.walk_packages([str(LIB)], prefix="lib."):
        names.append(info.name)
    return sorted(names)


def _path(name: str) -> Path:
    parts = name.split(".")[1:]
    base = LIB.joinpath(*parts)
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


MODULES = _modules()
#: lib itself (its __init__ documents the package and holds no API) and private modules (``_common``)
#: are exempt from __all__.
API_MODULES = [m for m in MODULES if m != "lib" and not m.rsplit(".", 1)[-1].startswith("_")]


def _report(problems: list[str], what: str) -> None:
    if problems:
        pytest.fail(f"{len(problems)} {what}:\n  " + "\n  ".join(problems), pytrace=False)


# --------------------------------------------------------------------------- (a) __all__
def test_every_module_has_an_all_whose_names_exist():
    problems = []
    for name in API_MODULES:
        mod = importlib.import_module(name)
        names = getattr(mod, "__all__", None)
        if names is None:
            problems.append(f"{name}: no __all__")
            continue
        if len(set(names)) != len(names):
            problems.append(f"{name}: __all__ lists a name twice")
        problems += [f"{name}.__all__ lists {n!r}, which does not exist" for n in names if not hasattr(mod, n)]
    _report(problems, "modules without a sound __all__")


# --------------------------------------------------------------------------- (b) docstrings
_SECTION = re.compile(r"^\s*(Parameters|Returns|Yields|Attributes)\s*\n\s*-{3,}\s*$", re.M)


def _sections(doc: str) -> set[str]:
    return set(_SECTION.findall(doc or ""))


def _parameters(obj) -> list[str]:
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return []
    return [p for p in sig.parameters if p not in ("self", "cls")]


def _returns_something(func) -> bool:
    """Whether the function's own source has a ``return <value>`` or ``yield`` (not counting nested defs)."""
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(func)))
    except (OSError, TypeError, SyntaxError):
        return True
    fn = next(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))
    if fn.returns is not None and not (isinstance(fn.returns, ast.Constant) and fn.returns.value is None):
        return True

    def walk(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
                continue
            if isinstance(child, (ast.Yield, ast.YieldFrom)) or (isinstance(child, ast.Return)
                                                                 and child.value is not None):
                return True
            if walk(child):
                return True
        return False

    return walk(fn)


def _doc_problems(qualname: str, obj) -> list[str]:
    doc = inspect.getdoc(obj) or ""
    if not doc.strip():
        return [f"{qualname}: no docstring"]
    found = _sections(doc)
    out = []
    if inspect.isclass(obj):
        own_init = "__init__" in vars(obj) or "__dataclass_fields__" in vars(obj)
        if own_init and _parameters(obj) and not found & {"Parameters", "Attributes"}:
            out.append(f"{qualname}: takes {', '.join(_parameters(obj))} but has no Parameters (or Attributes) section")
        return out
    if _parameters(obj) and "Parameters" not in found:
        out.append(f"{qualname}: takes {', '.join(_parameters(obj))} but has no Parameters section")
    if _returns_something(obj) and not found & {"Returns", "Yields"}:
        out.append(f"{qualname}: returns a value but has no Returns section")
    return out


def _public_api():
    for name in API_MODULES:
        mod = importlib.import_module(name)
        for attr in getattr(mod, "__all__", []):
            obj = getattr(mod, attr, None)
            if not (inspect.isfunction(obj) or inspect.isclass(obj)):
                continue                                       # constants
            if getattr(obj, "__module__", name) != name:
                continue                                       # a re-export: checked where it is defined
            yield f"{name}.{attr}", obj


def test_public_names_have_numpy_docstrings():
    problems = []
    for qualname, obj in _public_api():
        problems += _doc_problems(qualname, obj)
    _report(problems, "public names without numpy-style Parameters / Returns")


def test_the_docstring_checker_itself():
    def documented(x):
        """Twice x.

        Parameters
        ----------
        x : float

        Returns
        -------
        float
        """
        return 2 * x

    def bare(x):
        """Twice x."""
        return 2 * x

    def no_return(x):
        """Print x.

        Parameters
        ----------
        x : object
        """
        print(x)

    assert _doc_problems("documented", documented) == []
    assert _doc_problems("no_return", no_return) == []
    assert _doc_problems("bare", bare) == ["bare: takes x but has no Parameters section",
                                           "bare: returns a value but has no Returns section"]


# --------------------------------------------------------------------------- (c) the import graph
def _lib_imports(name: str):
    """(imported lib module, line, inside a function?) for each import of a lib module in ``name``."""
    path = _path(name)
    tree = ast.parse(path.read_text(), str(path))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    out = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            local = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            if isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[:len(base) - child.level + 1]
                    target = ".".join(base + ([child.module] if child.module else []))
                else:
                    target = child.module or ""
                if target == "lib" or target.startswith("lib."):
                    for alias in child.names:
                        sub = f"{target}.{alias.name}"
                        out.append((sub if sub in MODULES else target, child.lineno, in_function))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    if alias.name == "lib" or alias.name.startswith("lib."):
                        out.append((alias.name, child.lineno, in_function))
            visit(child, local)

    visit(tree, False)
    return out


def _top(module: str) -> str:
    """``lib.static.counting`` -> ``static``: the unit the layering is about."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "lib"


def test_core_modules_import_only_core_modules():
    problems = []
    for name in MODULES:
        if _top(name) not in CORE:
            continue
        for target, line, _ in _lib_imports(name):
            if _top(target) not in CORE and target != "lib":
                problems.append(f"{_path(name).relative_to(LIB.parent)}:{line}: core module {name} imports {target}")
    _report(problems, "imports from core modules into part modules")


def test_no_function_local_imports_of_lib_modules():
    problems = []
    for name in MODULES:
        for target, line, local in _lib_imports(name):
            if local:
                problems.append(f"{_path(name).relative_to(LIB.parent)}:{line}: {name} imports {target} inside a function")
    _report(problems, "function-local imports of lib modules (import them at the top of the module)")


def test_the_import_graph_has_no_cycles():
    graph: dict[str, set[str]] = {}
    for name in MODULES:
        graph.setdefault(name, set())
        for target, _, local in _lib_imports(name):
            if target != name and target in MODULES and target != "lib" and not _is_parent(target, name):
                graph[name].add(target)
    cycles, state = [], {}

    def dfs(node, stack):
        state[node] = "open"
        stack.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                cycles.append(" -> ".join(stack[stack.index(nxt):] + [nxt]))
            elif nxt not in state:
                dfs(nxt, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(graph):
        if node not in state:
            dfs(node, [])
    _report(cycles, "import cycles")


def _is_parent(package: str, module: str) -> bool:
    """A package's own ``__init__`` importing its submodules (or a submodule importing a sibling through
    the package) is not a layering edge."""
    return module.startswith(package + ".")


# --------------------------------------------------------------------------- (d) size
def test_no_module_over_500_lines():
    problems = []
    for name in MODULES:
        n = len(_path(name).read_text().splitlines())
        if n > MAX_LINES:
            problems.append(f"{_path(name).relative_to(LIB.parent)}: {n} lines")
    _report(problems, f"modules over {MAX_LINES} lines")
