"""Every chapter, with its seeds changed, runs to the end in a learner's kernel (issue 20).

``tools/changed_seed.py`` raises every literal seed of a chapter by one and runs it lenient
(``BOOK_STRICT`` unset); ``benchmarks/changed_seed.json`` is its record. Running all chapters
again takes about as long as a cold run, so the test reads the record and checks that it covers
the book, that every chapter had a seed to change and ran without an error. Part I is also run
live with a changed setting in ``tests/test_claims.py``.
"""
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))
import changed_seed  # noqa: E402
import toc  # noqa: E402

RECORD = ROOT / "benchmarks" / "changed_seed.json"


@pytest.fixture(scope="module")
def record():
    assert RECORD.exists(), "no record: run python tools/changed_seed.py"
    return json.loads(RECORD.read_text())


def test_every_chapter_ran_to_the_end_with_changed_seeds(record):
    by_name = {ch["notebook"]: ch for ch in record["chapters"]}
    for path in toc.notebooks():
        rel = str(path.relative_to(ROOT))
        if "/part" not in rel:
            continue
        assert rel in by_name, f"{rel}: not run with changed seeds (python tools/changed_seed.py {rel})"
        ch = by_name[rel]
        assert ch["seeds_changed"] >= 1, f"{rel}: no literal seed to change"
        assert ch["ran_to_end"] and not ch["errors"], f"{rel}: {ch['errors']}"


def test_the_record_counts_what_the_tool_changes_today(record):
    """A chapter whose seeds were added or removed since the run shows up here, to be run again."""
    import nbformat

    for ch in record["chapters"]:
        nb = nbformat.read(ROOT / ch["notebook"], as_version=4)
        now = sum(changed_seed.change_seeds(c.source)[1] for c in nb.cells if c.cell_type == "code")
        assert now == ch["seeds_changed"], f"{ch['notebook']}: {now} seeds now, {ch['seeds_changed']} when run"


def test_the_markdown_table_is_written_from_the_record(record):
    assert (ROOT / "benchmarks" / "changed_seed.md").read_text() == changed_seed.render(record)


@pytest.mark.parametrize("source, expected, n", [
    ("kv = train(seed=0)", "kv = train(seed=1)", 1),
    ("np.random.default_rng( 4 )", "np.random.default_rng( 5 )", 1),
    ("PCA(random_state=0); torch.manual_seed(7)", "PCA(random_state=1); torch.manual_seed(8)", 2),
    ("OUR_SEED = 0", "OUR_SEED = 1", 1),
    ("f(seed=seed); n_seeds = 3", "f(seed=seed); n_seeds = 3", 0),
])
def test_change_seeds(source, expected, n):
    assert changed_seed.change_seeds(source) == (expected, n)
