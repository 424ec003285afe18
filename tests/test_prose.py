"""Every number in the chapters' prose is tied: glued, from the ledger, echoed from code, or a listed constant.

Also: the checker itself (it must fail on a deliberately wrong number), the glue helper, and
the ledger of published figures (every entry complete, cited, used; the back-matter page
current; every compared value glued by its chapter).
"""
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from lib import published, prose

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = subprocess.run([sys.executable, str(ROOT / "tools" / "toc_notebooks.py")],
                          capture_output=True, text=True, check=True).stdout.split()
PROSE_COUNTS: dict[str, dict] = {}  # printed by conftest.py's terminal summary


def md(text):
    return {"cell_type": "markdown", "source": text}


def code(text):
    return {"cell_type": "code", "source": text, "outputs": []}


# ---------------------------------------------------------------- the checker on made-up cells

def test_untied_number_is_reported():
    report = prose.check_cells([code("x = cloud.mean()"), md("The shifted cloud has a mean cosine near 0.9.")])
    assert [n.text for n in report.untied] == ["0.9"]
    assert "mean cosine near 0.9" in str(report.untied[0])


def test_glued_published_echoed_and_constant_numbers_are_tied():
    cells = [code("window = 10\nfor k in (5, 20):\n    pass"),
             md("With window 10 and k = 5 or 20, the cosine is {glue:text}`cos:.3f` against "
                "{pub}`glove_analogy_6b300d` in the paper, over 353 pairs.")]
    report = prose.check_cells(cells, constants={"353": "WordSim-353's pairs"})
    counts = report.counts()
    assert counts["untied"] == 0, report.untied
    assert (counts["glued"], counts["published"], counts["echoed"], counts["constant"]) == (1, 1, 3, 1)


def test_numbers_in_asserts_prints_and_comments_are_not_echoes():
    cells = [code("assert abs(rho - 0.50) < 0.01\nprint(f'{0.26}')\nax.axhline(0.7)\n# window 12"),
             md("rho is 0.50, SimLex 0.26, BERT 0.7, window 12.")]
    assert [n.text for n in prose.check_cells(cells).untied] == ["0.50", "0.26", "0.7", "12"]


def test_names_years_references_and_small_integers_are_not_numbers():
    text = ("GPT-2 and word2vec on WordSim-353 (all-MiniLM-L6-v2, recall@10), {cite:t}`x` as Mikolov et al. 2013 "
            "and Levy & Goldberg (2014) show in Table 2 and §4.4; one of 3 layers.\n1. a list item")
    assert prose.check_cells([md(text)]).numbers == []


def test_math_counts_only_decimals_and_code_spans_do_not_count():
    report = prose.check_cells([md("$\\rho \\approx 0.50$ and $x^2 + 4x$ and `k = 17` and $$e = 2.718$$")])
    assert sorted(n.text for n in report.untied) == ["0.50", "2.718"]


def test_percent_is_not_echoed_by_a_bare_literal():
    report = prose.check_cells([code("share = 50"), md("about 50% of the words")])
    assert [n.text for n in report.untied] == ["50%"]


def test_code_fences_are_skipped_but_directive_bodies_are_prose():
    text = "```python\nx = 0.77\n```\n\n```{exercise} Title\n:label: ex-a\nShow that 0.77 holds.\n```"
    assert [n.text for n in prose.check_cells([md(text)]).untied] == ["0.77"]


def test_a_directive_after_a_directive_is_still_prose():
    text = ("```{exercise} One\n:label: ex-a\nFirst 0.11.\n```\n\n```{exercise} Two\n:label: ex-b\n"
            "Second 0.22.\n```\n\n```python\nx = 0.33\n```\nAfter 0.44.")
    assert [n.text for n in prose.check_cells([md(text)]).untied] == ["0.11", "0.22", "0.44"]


def test_a_deliberately_wrong_number_in_a_real_chapter_fails(tmp_path):
    path = ROOT / CHAPTERS[0]
    nb = json.loads(path.read_text())
    before = len(prose.check_notebook(path).untied)
    nb["cells"].append(md("The mean cosine of random GloVe words is 0.913, far from 0."))
    wrong = tmp_path / "wrong.ipynb"
    wrong.write_text(json.dumps(nb))
    untied = prose.check_notebook(wrong).untied
    assert len(untied) == before + 1 and untied[-1].text == "0.913"


def test_a_chapter_constant_needs_a_reason(tmp_path):
    nb = {"cells": [md("46 documents")], "metadata": {"book": {"prose_constants": {"46": ""}}}}
    path = tmp_path / "c.ipynb"
    path.write_text(json.dumps(nb))
    with pytest.raises(ValueError, match="needs a reason"):
        prose.check_notebook(path)


# ---------------------------------------------------------------- glue

def test_glue_rejects_nan_arrays_and_bad_names():
    import numpy as np

    with pytest.raises(ValueError, match="NaN"):
        prose.glue("x", float("nan"))
    with pytest.raises(TypeError, match="number or a string"):
        prose.glue("x", np.zeros(3))
    with pytest.raises(ValueError, match="identifier"):
        prose.glue("not a name", 1.0)


def test_glue_converts_numpy_scalars_and_prints(capsys):
    import numpy as np

    assert prose.glue("rho", np.float32(0.5)) == 0.5
    assert "rho = 0.5" in capsys.readouterr().out


# ---------------------------------------------------------------- the chapters

@pytest.mark.parametrize("chapter", CHAPTERS)
def test_every_prose_number_is_tied(chapter):
    report = prose.check_notebook(ROOT / chapter)
    PROSE_COUNTS[chapter] = report.counts()
    untied = "\n".join(f"  {n}" for n in report.untied)
    assert not report.untied, (f"{chapter}: {len(report.untied)} numbers in the prose are neither glued, "
                               f"nor from the ledger, nor set in code, nor listed constants:\n{untied}")


@pytest.mark.parametrize("chapter", CHAPTERS)
def test_glue_roles_name_values_the_chapter_glues(chapter):
    nb = json.loads((ROOT / chapter).read_text())
    text = "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
    used = {m.split(":")[0] for m in re.findall(r"\{glue(?::\w+)?\}`([^`]+)`", text) if "::" not in m}
    glued = published.glued_values(ROOT / chapter)
    missing = sorted(used - set(glued))
    assert not missing, f"{chapter}: the prose uses glue keys that no stored output holds: {missing}"


# ---------------------------------------------------------------- the ledger

def _bib_keys():
    return set(re.findall(r"^@\w+\{([^,]+),", (ROOT / "references.bib").read_text(), re.M))


def _chapter_texts():
    out = {}
    for ch in CHAPTERS:
        nb = json.loads((ROOT / ch).read_text())
        out[ch] = "\n".join("".join(c["source"]) for c in nb["cells"])
    for md_file in (ROOT / "chapters").rglob("*.md"):
        out[str(md_file.relative_to(ROOT))] = md_file.read_text()
    return out


def test_ledger_entries_are_complete_and_cited():
    data = published.ledger()
    assert data, "the ledger is empty"
    bib = _bib_keys()
    for key, e in data.items():
        assert e["bib"] in bib, f"ledger entry {key!r} cites {e['bib']!r}, which is not in references.bib"
        assert str(e["where"]).strip(), f"ledger entry {key!r} does not say where in the source it is"
        assert isinstance(e["setup"], dict) and e["setup"], f"ledger entry {key!r} has no setup"
        c = e.get("compare")
        if c:
            assert (ROOT / c["chapter"]).exists(), f"ledger entry {key!r}: no chapter {c['chapter']}"
            assert "same_setup" in c, f"ledger entry {key!r}: say whether the setup matches (same_setup)"
            if not c["same_setup"]:
                assert c.get("differs"), f"ledger entry {key!r}: the setup differs; say how (differs)"


def test_every_quoted_key_is_in_the_ledger_and_every_entry_is_quoted():
    data = published.ledger()
    texts = _chapter_texts()
    quoted = set()
    for where, text in texts.items():
        for key in re.findall(r"\{pub\}`([^`]+)`", text):
            assert key in data, f"{where} quotes {{pub}}`{key}`, which is not in data/published.yaml"
            quoted.add(key)
        quoted |= {k for k in re.findall(r"published\.(?:value|text|entry)\(\s*[\"'](\w+)[\"']", text)}
    unused = sorted(set(data) - quoted)
    assert not unused, f"ledger entries no chapter quotes (with {{pub}} or published.value): {unused}"


def test_published_figures_page_is_current():
    result = subprocess.run([sys.executable, str(ROOT / "tools" / "published_page.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr + result.stdout


def test_ledger_errors_name_the_problem(tmp_path):
    bad = tmp_path / "l.yaml"
    bad.write_text("x_fig:\n  value: 1.0\n  unit: '%'\n")
    with pytest.raises(ValueError, match="lacks bib, where, setup"):
        published.ledger(bad)
    with pytest.raises(KeyError, match="no published figure 'nope'"):
        published.entry("nope")
