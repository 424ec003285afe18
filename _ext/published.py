"""Sphinx role ``{pub}`key``` for the ledger of published figures (``data/published.yaml``).

The role renders the figure's value as the ledger gives it (``71.7%``), linked to the
back-matter page "Published figures beside ours" (``chapters/published_figures.md``), where
its source, location and setup are listed. An unknown key is a build error, so a figure
cannot be quoted without an entry in the ledger.
"""
from __future__ import annotations

import sys
from pathlib import Path

from docutils import nodes
from sphinx import addnodes
from sphinx.util.docutils import SphinxRole

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


class PublishedRole(SphinxRole):
    def run(self):
        from lib import published

        key = self.text.strip()
        try:
            shown = published.text(key)
        except (KeyError, FileNotFoundError, ValueError) as exc:
            msg = self.inliner.reporter.error(f"{{pub}}: {exc}", line=self.lineno)
            return [self.inliner.problematic(self.rawtext, self.rawtext, msg)], [msg]
        ref = addnodes.pending_xref("", refdomain="std", reftype="ref", reftarget=f"pub-{key.replace('_', '-')}",
                                    refexplicit=True, refwarn=True)
        ref += nodes.inline(shown, shown, classes=["published-figure"])
        return [ref], []


def setup(app):
    app.add_role("pub", PublishedRole())
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
