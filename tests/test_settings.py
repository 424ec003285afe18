"""BOOK_ENCODER is read in one place, and pinned values bind only the default model."""
import pytest

from lib import settings


def test_book_encoder_defaults_to_minilm(monkeypatch):
    monkeypatch.delenv("BOOK_ENCODER", raising=False)
    assert settings.book_encoder() == "all-MiniLM-L6-v2"
    monkeypatch.setenv("BOOK_ENCODER", "  ")
    assert settings.book_encoder() == "all-MiniLM-L6-v2"


def test_book_encoder_reads_the_environment(monkeypatch):
    monkeypatch.setenv("BOOK_ENCODER", "mpnet")
    assert settings.book_encoder() == "mpnet"
    assert not settings.is_default(settings.book_encoder())
    assert settings.encoder_label(settings.book_encoder()) == "mpnet"


@pytest.mark.parametrize("name", ["all-MiniLM-L6-v2", "minilm", "sentence-transformers/all-MiniLM-L6-v2"])
def test_aliases_of_the_default(name):
    assert settings.is_default(name) and settings.encoder_label(name) == "MiniLM"


def test_a_folder_is_not_the_default_and_is_labelled_by_its_name(tmp_path):
    folder = tmp_path / "minilm-3-layers"
    assert not settings.is_default(str(folder))
    assert settings.encoder_label(str(folder) + "/") == "minilm-3-layers"


def test_encodings_default_to_the_models_own_length():
    """No book-wide truncation: an encoder's default length is its configuration's (issue 17)."""
    from lib import encodings
    assert not hasattr(encodings, "BOOK_MAX_LENGTH")
    enc = encodings.get_encoder()
    assert enc.max_length == 256                      # all-MiniLM-L6-v2's sentence_bert_config.json
    assert encodings.get_encoder("all-MiniLM-L6-v2", None) is enc   # one shared instance, however it is asked for


def test_execute_with_another_encoder_skips_other_parts_and_never_writes_in_place(tmp_path, monkeypatch):
    """``BOOK_ENCODER=mpnet make execute`` runs only Parts III, V and VI, into runs/<label>/ (here --out)."""
    import importlib.util
    import json
    from pathlib import Path
    root = Path(__file__).resolve().parent.parent
    spec = importlib.util.spec_from_file_location("execute_tool", root / "tools" / "execute.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    ran = []
    monkeypatch.setattr(tool, "execute", lambda path, out=None, timeout=900: ran.append((path, out)) or 1.0)
    monkeypatch.setenv("BOOK_ENCODER", "mpnet")
    nbs = ["chapters/part2_static/01_counting.ipynb", "chapters/part5_retrieval/01_dense_retrieval.ipynb"]
    assert tool.main(["--jobs", "1", "--out", str(tmp_path)] + nbs) == 0
    assert [str(p) for p, _ in ran] == [nbs[1]]                       # Part II does not show the encoder
    assert ran[0][1] == tmp_path / nbs[1]                              # a copy, never the committed notebook
    assert json.loads((tmp_path / "times.json").read_text())["model"] == "mpnet"
    monkeypatch.delenv("BOOK_ENCODER")
    ran.clear()
    tool.main(["--jobs", "1"] + nbs[:1])
    assert ran == [(Path(nbs[0]), None)]                               # the default model: in place, every part
