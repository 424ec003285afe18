"""Write the back-matter page "Published figures beside ours" from the ledger and the chapters.

Usage: python tools/published_page.py [--check]

Reads ``data/published.yaml`` (lib.published) and, for every entry with a ``compare`` block,
the value the chapter glued (from its stored outputs). Writes ``chapters/published_figures.md``;
with --check, only compares and exits 1 if the page is stale (tests/test_published.py runs it).
"""
import sys
from pathlib import Path

from lib import published

ROOT = Path(__file__).resolve().parent.parent

PAGE = ROOT / "chapters" / "published_figures.md"


def _fmt(x, like):
    """Format ours with as many decimals as the published figure shows."""
    s = repr(like) if isinstance(like, float) else str(like)
    digits = len(s.split(".")[1]) if "." in s else 0
    return f"{x:,.{digits}f}"


def _title(chapter, cache={}):
    import json
    if chapter not in cache:
        nb = json.loads((ROOT / chapter).read_text())
        first = next(("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown"), "")
        head = next((l for l in first.splitlines() if l.startswith("# ")), "# " + chapter)
        cache[chapter] = head[2:].strip()
    return cache[chapter]


def comparison(key, e, glued_cache):
    """(ours as text, same setup?, verdict) for an entry with a compare block, else None."""
    c = e.get("compare")
    if not c:
        return None
    nb = ROOT / c["chapter"]
    if c["chapter"] not in glued_cache:
        glued_cache[c["chapter"]] = published.glued_values(nb)
    g = glued_cache[c["chapter"]]
    for field in ("ours", "lo", "hi"):
        if field in c and c[field] not in g:
            raise KeyError(f"ledger entry {key!r}: {c['chapter']} glues no value {c[field]!r} "
                           f"(glued: {', '.join(sorted(g)) or 'none'})")
    scale = c.get("scale", 1)
    ours = g[c["ours"]] * scale
    pub = e["value"]
    unit = e.get("unit") or ""
    suffix = {"%": "%", "×": "×", "x": "×"}.get(unit, f" {unit}" if unit else "")
    ours_text = _fmt(ours, pub) + suffix
    within = None
    if "lo" in c and "hi" in c:
        lo, hi = g[c["lo"]] * scale, g[c["hi"]] * scale
        ours_text += f" [{_fmt(lo, pub)}, {_fmt(hi, pub)}]" if suffix.startswith(" ") else \
            f" [{_fmt(lo, pub)}{suffix}, {_fmt(hi, pub)}{suffix}]"
        within = lo <= pub <= hi
        how = "inside our 95% interval" if within else "outside our 95% interval"
    elif "tol" in c:
        within = abs(ours - pub) <= c["tol"]
        how = f"within {c['tol']} of ours" if within else f"more than {c['tol']} from ours"
    else:
        how = None
    same = bool(c.get("same_setup", False))
    if within is None and not same:
        verdict = "setup differs" + (f": {c['differs']}" if c.get("differs") else "")
    elif within is None:
        verdict = "same setup, no interval to test against" + (f": {c['differs']}" if c.get("differs") else "")
    elif within and same:
        verdict = f"reproduced ({how})"
    elif within:
        verdict = f"agrees ({how}), though the setup differs: {c.get('differs', 'see the chapter')}"
    else:
        verdict = f"differs ({how})" + (f": {c['differs']}" if c.get("differs") else "")
    return ours_text, same, verdict


def render():
    data = published.ledger()
    glued = {}
    by_chapter = {}
    for key, e in data.items():
        chapter = (e.get("compare") or {}).get("chapter") or e.get("chapter", "")
        by_chapter.setdefault(chapter, []).append(key)
    import subprocess
    order = subprocess.run([sys.executable, str(ROOT / "tools" / "toc_notebooks.py")],
                           capture_output=True, text=True, check=True).stdout.split()
    chapters = [c for c in order if c in by_chapter] + sorted(c for c in by_chapter if c not in order)
    lines = [
        "(published-figures)=",
        "# Published figures beside ours",
        "",
        "Every figure this book quotes from a paper, a model card or a results file, with where it",
        "stands in its source and the setup it was measured in. Where a chapter measures the same",
        "quantity, our number stands beside it (read from the chapter's stored outputs), with whether",
        "the setup matches and a verdict. The page is written by `tools/published_page.py` from the",
        "ledger `data/published.yaml`; a test fails if it is out of date. In the chapters, each quoted",
        "figure links here.",
        "",
    ]
    n_cmp = sum(1 for e in data.values() if e.get("compare"))
    lines += [f"The ledger holds {len(data)} figure{'s' if len(data) != 1 else ''}; {n_cmp} "
              f"{'are' if n_cmp != 1 else 'is'} set beside a number of ours.", ""]
    lines += ["| figure | published | ours | same setup | verdict |", "|---|---|---|---|---|"]
    rows_after = []
    for chapter in chapters:
        title = _title(chapter) if chapter else "Quoted in the front and back matter"
        rows_after += [f"## {title}", ""]
        if chapter:
            docname = "/" + chapter.rsplit(".", 1)[0]
            rows_after += [f"Chapter: {{doc}}`{docname}`", ""]
        for key in by_chapter[chapter]:
            e = data[key]
            cmp = comparison(key, e, glued)
            setup = "; ".join(f"{k}: {v}" for k, v in e["setup"].items())
            label = "pub-" + key.replace("_", "-")
            rows_after += [f"({label})=", f"**{published.text(key)}** — {e.get('what', key)}", "",
                           f"- Source: {{cite:t}}`{e['bib']}`, {str(e['where']).rstrip('.')}.", f"- Setup: {setup}."]
            if cmp:
                ours, same, verdict = cmp
                rows_after += [f"- Ours: {ours} ({'same setup' if same else 'setup differs'}). Verdict: {verdict}."]
                lines.append(f"| {{ref}}`{e.get('what', key)} <{label}>` | {published.text(key)} | {ours} | "
                             f"{'yes' if same else 'no'} | {verdict.split(':')[0].split(' (')[0]} |")
            rows_after.append("")
    if n_cmp == 0:
        lines.append("| (none yet) | | | | |")
    return "\n".join(lines + [""] + rows_after).rstrip() + "\n"


if __name__ == "__main__":
    text = render()
    if "--check" in sys.argv:
        if not PAGE.exists() or PAGE.read_text() != text:
            sys.exit(f"{PAGE.relative_to(ROOT)} is out of date: run python tools/published_page.py")
        print("published_figures.md is up to date")
    else:
        PAGE.write_text(text)
        print(f"wrote {PAGE.relative_to(ROOT)}")
