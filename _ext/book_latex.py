"""The PDF's parts and front matter, from ``_toc.yml``.

Sphinx's LaTeX builder drops the toctree captions that the HTML shows as parts (the first caption
even becomes the title of the table of contents), and it numbers the preface's sections as
chapters. This extension puts each part's caption before its first chapter as an unnumbered
``\\part*`` with its line in the table of contents, and switches chapter numbering on for the
numbered parts and off for the others (the preamble in ``_config.yml`` switches it off for the
preface). The HTML ignores these LaTeX-only nodes.
"""
from __future__ import annotations

from pathlib import Path

import yaml
from docutils import nodes

ROOT = Path(__file__).resolve().parent.parent


def _escape(text: str) -> str:
    for a, b in (("\\", r"\textbackslash{}"), ("&", r"\&"), ("%", r"\%"), ("$", r"\$"), ("#", r"\#"),
                 ("_", r"\_"), ("{", r"\{"), ("}", r"\}")):
        text = text.replace(a, b)
    return text


def part_openings(toc_path=ROOT / "_toc.yml") -> dict[str, str]:
    """The LaTeX to put before each part's first chapter, keyed by that chapter's docname."""
    toc = yaml.safe_load(Path(toc_path).read_text())
    numbered_default = toc.get("defaults", {}).get("numbered", False)
    out = {}
    for part in toc.get("parts", []):
        chapters = part.get("chapters", [])
        if not chapters:
            continue
        depth = r"\booksecnumdepth" if part.get("numbered", numbered_default) else "-1"
        caption = _escape(part["caption"])
        out[chapters[0]["file"]] = (f"\\setcounter{{secnumdepth}}{{{depth}}}\n"
                                    f"\\part*{{{caption}}}\\addcontentsline{{toc}}{{part}}{{{caption}}}\n")
    return out


def add_part_openings(app, doctree):
    latex = part_openings().get(app.env.docname)
    if latex:
        doctree.insert(0, nodes.raw("", latex, format="latex"))


def setup(app):
    app.connect("doctree-read", add_part_openings)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
