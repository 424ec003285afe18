"""Wrap the code cells' long lines to the book's line length, without changing what the code does.

    python tools/wrap_code.py [NOTEBOOK ...]          # default: every chapter

A line longer than ``MAX_LINE`` characters is rewritten in one of three ways: a trailing comment moves
to a line of its own above it; the line is broken after a comma inside brackets, the rest aligned
under the bracket's first character (PEP 8's visual indent); or a long string inside brackets is
split at a space into two adjacent strings (Python joins them back). A cell is rewritten only if Python's
parse of it is unchanged (``ast.dump`` equal), so only layout can change; outputs stay valid. Lines
that cannot be wrapped this way are listed for a hand edit. ``tests/test_stored_outputs.py`` holds
the chapters to ``MAX_LINE``.
"""
from __future__ import annotations

import ast
import io
import sys
import tokenize
from pathlib import Path

import nbformat

MAX_LINE = 120
ROOT = Path(__file__).resolve().parents[1]


def _comment_start(line: str) -> int | None:
    """Column of a trailing ``#`` comment on a code line, or None."""
    try:
        toks = list(tokenize.generate_tokens(io.StringIO(line + "\n").readline))
    except (tokenize.TokenError, IndentationError, SyntaxError):
        return None
    for t in toks:
        if t.type == tokenize.COMMENT:
            return t.start[1] if line[:t.start[1]].strip() else None
    return None


def _break_points(line: str):
    """Columns just after a comma at bracket depth >= 1 (outside strings), with the bracket's column."""
    depth, stack, quote, i, out = 0, [], None, 0, []
    while i < len(line):
        ch = line[i]
        if quote:
            if ch == "\\":
                i += 2
                continue
            if line.startswith(quote, i):
                i += len(quote)
                quote = None
                continue
        elif ch in "\"'":
            quote = line[i:i + 3] if line[i:i + 3] in ('"""', "'''") else ch
            i += len(quote)
            continue
        elif ch == "#":
            break
        elif ch in "([{":
            stack.append(i)
        elif ch in ")]}":
            if stack:
                stack.pop()
        elif ch == "," and stack and line[i + 1:i + 2] == " ":
            out.append((i + 1, stack[-1]))
        i += 1
    return out


def _strings(line: str):
    """(start, prefix, quote, end, bracket depth at start) of each one-line string literal on a line."""
    depth, i, out = 0, 0, []
    while i < len(line):
        ch = line[i]
        if ch in "\"'":
            if line[i:i + 3] in ('"""', "\'\'\'"):
                return out
            j = i
            while j > 0 and line[j - 1] in "fFrRbBuU":
                j -= 1
            k = i + 1
            while k < len(line) and line[k] != ch:
                k += 2 if line[k] == "\\" else 1
            out.append((j, line[j:i], ch, k, depth))
            i = k + 1
            continue
        if ch == "#":
            break
        depth += (ch in "([{") - (ch in ")]}")
        i += 1
    return out


def _split_string(line: str):
    """Split the string literal that crosses MAX_LINE (inside brackets) at its last space that fits."""
    for start, prefix, quote, end, depth in _strings(line):
        body = start + len(prefix) + 1
        if not (start < MAX_LINE <= end and depth > 0):
            continue
        braces, cut = 0, None
        for i in range(body, min(end, MAX_LINE - 1)):
            if "f" in prefix.lower():
                braces += (line[i] == "{") - (line[i] == "}")
            if line[i] == " " and braces == 0 and i + 1 > body:
                cut = i + 1
        if cut is not None:
            return line[:cut] + quote, " " * start + prefix + quote + line[cut:]
    return None


def wrap_line(line: str) -> list[str]:
    """One long line as one or more lines, each within MAX_LINE where this can be done."""
    if len(line) <= MAX_LINE:
        return [line]
    indent = line[:len(line) - len(line.lstrip())]
    c = _comment_start(line)
    if c is not None:
        code, comment = line[:c].rstrip(), line[c:].strip()
        if len(indent + comment) <= MAX_LINE:
            return [indent + comment] + wrap_line(code)
    points = [(col, br) for col, br in _break_points(line) if col <= MAX_LINE]
    for col, br in reversed(points):
        rest = line[col:].lstrip()
        cont = " " * (br + 1) if br + 1 + len(rest) <= MAX_LINE or br + 1 < 60 else indent + " " * 8
        head = line[:col].rstrip()
        if len(head) <= MAX_LINE and len(cont) < col:
            return [head] + wrap_line(cont + rest)
    split = _split_string(line)
    if split and len(split[1]) < len(line):
        return [split[0]] + wrap_line(split[1])
    return [line]


def wrap_source(src: str) -> str:
    lines = src.split("\n")
    out = []
    for line in lines:
        out.extend(wrap_line(line))
    return "\n".join(out)


def main(paths) -> int:
    left = []
    for p in paths:
        nb = nbformat.read(p, as_version=4)
        changed = False
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code" or all(len(l) <= MAX_LINE for l in cell.source.split("\n")):
                continue
            new = wrap_source(cell.source)
            try:
                same = ast.dump(ast.parse(new)) == ast.dump(ast.parse(cell.source))
            except SyntaxError:
                same = False
            if same and new != cell.source:
                cell.source, changed = new, True
            for line in (cell.source if not same else new).split("\n"):
                if len(line) > MAX_LINE:
                    left.append(f"{p} cell {i}: {line[:80]}...")
        if changed:
            nbformat.write(nb, p)
    print("\n".join(left) or "every code line fits")
    return 0


if __name__ == "__main__":
    args = sys.argv[1:] or sorted(str(p) for p in (ROOT / "chapters").rglob("*.ipynb"))
    sys.exit(main(args))
