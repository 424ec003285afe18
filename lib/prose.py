"""Numbers in the prose: tie them to the cell that computes them, and check that every one is tied.

A number that a chapter's prose states comes from one of four places, and nowhere else:

1. **glued** — a cell computes it and stores it with :func:`glue`; the markdown shows it with
   myst-nb's role ``{glue:text}`key:.3f``` (so it follows the output when the notebook is
   re-executed). :func:`glue` also prints the value, so that a reader in JupyterLab, where
   the role does not render, sees it in the output above the text.
2. **published** — a figure from a paper, taken from the ledger ``data/published.yaml``
   with the role ``{pub}`key``` (see :mod:`lib.published`).
3. **echoed from code** — a parameter that a code cell of the same chapter sets
   (``window=10``, ``k = 5``): the literal appears in a code cell, outside comments and
   ``assert`` lines.
4. **listed constant** — a fact of a model or data set (GloVe has 400,000 words), listed with
   its reason: for the whole book in ``data/prose_constants.yaml``, for one chapter in the
   notebook's metadata ``{"book": {"prose_constants": {"46": "LIMIT-small's documents"}}}``.

Anything else is *untied*: :func:`check_notebook` reports it, and ``tests/test_prose.py``
fails on it. Not counted as numbers: math (``$...$``) except decimals in it, inline code,
roles and their targets, labels, URLs, list markers, the digits inside names (GPT-2,
word2vec, L6, 6B, recall@10), years of citations (Mikolov et al. 2013, (2019)), references
into a source (Table 2, Figure 1, §4.4) and the integers 0 to 3 written alone.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["ROOT", "CONSTANTS_PATH", "glue", "Number", "Report", "normalise", "prose_of", "code_literals",
           "load_constants", "check_cells", "check_notebook"]

ROOT = Path(__file__).resolve().parent.parent
CONSTANTS_PATH = ROOT / "data" / "prose_constants.yaml"


def glue(name: str, value, fmt: str | None = None, show: bool = True):
    """Store ``value`` under ``name`` for the prose, print it, and return it.

    Parameters
    ----------
    name : str
        Key for the markdown role ``{glue:text}`name:fmt```. Letters, digits and ``_`` only.
    value : int, float, str or numpy scalar
        The number (numpy scalars are converted to Python numbers, whose ``repr`` the role
        can format).
    fmt : str, optional
        Format used for the printed line (default ``.4g`` for floats).
    show : bool
        Print ``name = value`` (default True), so the number is visible in JupyterLab.

    Returns
    -------
    The value, as a Python number or string.
    """
    if not isinstance(name, str) or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"glue name must be an identifier (letters, digits, _), got {name!r}")
    if hasattr(value, "item") and getattr(value, "ndim", 0) == 0:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise TypeError(f"glue {name!r}: expected a number or a string, got {type(value).__name__}")
    if isinstance(value, float) and value != value:
        raise ValueError(f"glue {name!r}: the value is NaN; the prose cannot state it")
    from myst_nb import glue as _myst_glue

    _myst_glue(name, value, display=False)
    if show:
        shown = format(value, fmt) if fmt else (f"{value:.4g}" if isinstance(value, float) else str(value))
        print(f"{name} = {shown}")
    return value


# ---------------------------------------------------------------- the checker

NUMBER = re.compile(r"(?<![\w.@/#^_\\])[-−]?\d[\d,]*(?:\.\d+)?%?(?![\w])")
_ROLE = re.compile(r"\{[\w:.-]+\}`[^`]*`")
_MATH_BLOCK = re.compile(r"\$\$.*?\$\$(?:\s*\([\w-]+\))?", re.S)
_MATH_INLINE = re.compile(r"(?<!\\)\$[^$\n]+?\$")
_CODE = re.compile(r"`[^`\n]*`")
_LABEL = re.compile(r"^\([\w:.-]+\)=\s*$", re.M)
_URL = re.compile(r"\]\([^)]*\)|https?://\S+|<[^>]+>")
_OPTION = re.compile(r"^:[\w-]+:.*$", re.M)
_LIST_MARKER = re.compile(r"^(\s*)\d+[.)]\s", re.M)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_YEAR_CONTEXT = re.compile(
    r"(?:[A-Z][\w'’-]+(?: et al\.?| and [A-Z][\w'’-]+| & [A-Z][\w'’-]+)?,?\s\(?|\(|; |, )$")
_SOURCE_REF = re.compile(
    r"(?:Table|Tables|Figure|Figures|Fig\.|Section|Sections|§|Eq\.|eq\.|Appendix|arXiv:?|v|No\.)\s?$")


@dataclass
class Number:
    """One number found in a markdown cell.

    Attributes
    ----------
    text : str
        The number as written (``"10,000"``, ``"0.5%"``).
    cell : int
        Index of the markdown cell.
    context : str
        The words around it, for the report.
    kind : {"untied", "echoed", "constant"}
        How it is tied (glued and published numbers are counted, not listed).
    """

    text: str
    cell: int
    context: str
    kind: str = "untied"  # glued / published / echoed / constant / untied

    def __str__(self) -> str:
        return f"cell {self.cell}: {self.text!r} in ...{self.context}..."


@dataclass
class Report:
    """What :func:`check_notebook` found in one notebook.

    Attributes
    ----------
    path : str
    numbers : list of Number
        Every plain number of the prose, with its kind.
    glued, published : int
        How many ``{glue:text}`` and ``{pub}`` roles the prose holds.
    """

    path: str
    numbers: list[Number] = field(default_factory=list)
    glued: int = 0
    published: int = 0

    @property
    def untied(self) -> list[Number]:
        return [n for n in self.numbers if n.kind == "untied"]

    def counts(self) -> dict[str, int]:
        out = {"glued": self.glued, "published": self.published, "echoed": 0, "constant": 0, "untied": 0}
        for n in self.numbers:
            out[n.kind] += 1
        out["total"] = sum(out.values())
        out["tied"] = out["total"] - out["untied"]
        return out


def normalise(token: str) -> str:
    """``'10,000'``, ``'10_000'`` and ``'10000'`` are one number; ``'−1'`` is ``'-1'``.

    Parameters
    ----------
    token : str

    Returns
    -------
    str

    Examples
    --------
    >>> normalise("10,000"), normalise("−1"), normalise("95%")
    ('10000', '-1', '95')
    """
    return token.replace(",", "").replace("_", "").replace("−", "-").rstrip("%")


def _constant_key(token: str) -> str:
    """Like :func:`normalise`, but a percentage stays one: the constant ``95%`` is not ``95``."""
    return token.replace(",", "").replace("_", "").replace("−", "-")


def _blank(match: re.Match) -> str:
    return " " * (match.end() - match.start())


def prose_of(markdown: str) -> tuple[str, int, int]:
    """The markdown with everything that is not prose blanked out (same length, same lines).

    Parameters
    ----------
    markdown : str
        A markdown cell's source.

    Returns
    -------
    text : str
        The same length as ``markdown``, with math, code, roles and comments blanked.
    n_glued, n_published : int
        How many glue and published roles it held.
    """
    text = _COMMENT.sub(_blank, markdown)
    glued = len(re.findall(r"\{glue(?::\w+)?\}`", text))
    published = len(re.findall(r"\{pub\}`", text))
    # fenced blocks: code fences are blanked; directive fences ({exercise}, {figure}) keep their body
    in_code, directives = None, []  # the open code fence; the stack of open directive fences
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = re.match(r"^\s*(`{3,}|~{3,})(.*)$", line)
        if in_code is not None:
            if m and m.group(1) == in_code and not m.group(2).strip():
                in_code = None
            lines[i] = " " * len(line)
            continue
        if m:
            fence, rest = m.group(1), m.group(2).strip()
            if rest.startswith("{"):
                directives.append(fence)
            elif not rest and directives and directives[-1] == fence:
                directives.pop()  # the end of a directive, not the start of a code block
            else:
                in_code = fence
            lines[i] = " " * len(line)  # the fence line itself (directive name and argument)
    text = "\n".join(lines)
    for pattern in (_MATH_BLOCK, _ROLE, _CODE, _LABEL, _URL, _OPTION):
        if pattern is _MATH_BLOCK:
            text = pattern.sub(lambda m: _decimals_only(m.group()), text)
        else:
            text = pattern.sub(_blank, text)
    text = _MATH_INLINE.sub(lambda m: _decimals_only(m.group()), text)
    text = _LIST_MARKER.sub(lambda m: m.group(1) + " " * (m.end() - m.start() - len(m.group(1))), text)
    return text, glued, published


def _decimals_only(math: str) -> str:
    """Inside math only decimals count as stated numbers (formulas hold integers)."""
    keep = re.finditer(r"(?<![\w.])\d+\.\d+", math)
    out = [" "] * len(math)
    for m in keep:
        out[m.start():m.end()] = m.group()
    return "".join(out)


def _exempt(text: str, start: int, token: str) -> bool:
    before = text[max(0, start - 40):start]
    plain = normalise(token)
    if re.fullmatch(r"(19|20)\d\d", plain) and _YEAR_CONTEXT.search(before):
        return True
    if _SOURCE_REF.search(before):
        return True
    if re.fullmatch(r"[0-3]", plain) and not token.endswith("%"):
        return True
    return False


_SETTING = re.compile(r"(?<![=!<>])=(?!=)|^\s*for\b.*\bin\b")
_NOT_A_SETTING = re.compile(r"\bprint\(|\bplt\.|\bax\w*\.|\baxes\b|f\"|f'|\bglue\(")


def code_literals(cells: list[dict]) -> set[str]:
    """Numeric literals that code cells *set*: in an assignment, a keyword argument or a ``for``.

    Comments, ``assert`` lines, printing and plotting lines do not count (a number there is a
    result or a drawing, not a parameter).

    Parameters
    ----------
    cells : list of dict
        Notebook cells (``cell_type``, ``source``).

    Returns
    -------
    set of str
        The literals, normalised with :func:`normalise`.

    Examples
    --------
    >>> sorted(code_literals([{"cell_type": "code", "source": "k = 5"},
    ...                       {"cell_type": "code", "source": "print(0.25)"}]))
    ['5']
    """
    found: set[str] = set()
    for cell in cells:
        if cell.get("cell_type") != "code":
            continue
        for line in "".join(cell.get("source", "")).splitlines():
            stripped = line.strip()
            if stripped.startswith(("assert", "#")) or _NOT_A_SETTING.search(line):
                continue
            line = re.sub(r"#.*$", "", line)
            if not _SETTING.search(line):
                continue
            for m in re.finditer(r"(?<![\w.])\d[\d_]*(?:\.\d+)?(?:e-?\d+)?", line):
                found.add(normalise(m.group()))
    return found


def load_constants(path: Path = CONSTANTS_PATH) -> dict:
    """The listed constants of ``data/prose_constants.yaml``.

    Parameters
    ----------
    path : Path

    Returns
    -------
    dict
        ``{"global": {token: reason}, "chapters": {path: {token: reason}}}`` (empty if no file).
    """
    import yaml

    if not path.exists():
        return {"global": {}, "chapters": {}}
    data = yaml.safe_load(path.read_text()) or {}
    return {"global": {str(k): v for k, v in (data.get("global") or {}).items()},
            "chapters": {c: {str(k): v for k, v in (d or {}).items()}
                         for c, d in (data.get("chapters") or {}).items()}}


def check_cells(cells: list[dict], constants: dict[str, str] | None = None, path: str = "") -> Report:
    """Classify every number in the markdown cells of ``cells`` (notebook cells as dicts).

    Parameters
    ----------
    cells : list of dict
    constants : dict of str -> str, optional
        Allowed constants and their reasons.
    path : str
        Shown in the report.

    Returns
    -------
    Report
    """
    constants = {_constant_key(k): v for k, v in (constants or {}).items()}
    literals = code_literals(cells)
    report = Report(path)
    for i, cell in enumerate(cells):
        if cell.get("cell_type") != "markdown":
            continue
        source = "".join(cell.get("source", ""))
        text, glued, published = prose_of(source)
        report.glued += glued
        report.published += published
        for m in NUMBER.finditer(text):
            token = m.group()
            if re.search(r"[A-Za-z]-$", text[max(0, m.start() - 2):m.start()]):
                continue  # a name: WordSim-353, GPT-2
            if _exempt(text, m.start(), token):
                continue
            plain = normalise(token)
            context = " ".join(source[max(0, m.start() - 35):m.end() + 25].split())
            number = Number(token, i, context)
            if _constant_key(token) in constants:
                number.kind = "constant"
            elif plain.lstrip("-") in literals and not token.endswith("%"):
                number.kind = "echoed"
            report.numbers.append(number)
    return report


def check_notebook(path, constants: dict | None = None) -> Report:
    """Check one chapter notebook against the listed constants (global and its own).

    Parameters
    ----------
    path : str or Path
        An ``.ipynb`` file.
    constants : dict, optional
        As :func:`load_constants` returns; default read from ``data/prose_constants.yaml``.

    Returns
    -------
    Report
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"no notebook at {path}")
    constants = constants if constants is not None else load_constants()
    try:
        rel = path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        rel = path.as_posix()
    allowed = dict(constants.get("global", {}))
    allowed.update(constants.get("chapters", {}).get(rel, {}))
    nb = json.loads(path.read_text())
    own = nb.get("metadata", {}).get("book", {}).get("prose_constants", {}) or {}
    for token, reason in own.items():
        if not isinstance(reason, str) or not reason.strip():
            raise ValueError(f"{rel}: prose constant {token!r} needs a reason (a non-empty string)")
    allowed.update({str(k): v for k, v in own.items()})
    return check_cells(nb["cells"], allowed, rel)
