"""The embedding report card (lib.report, tools/report.py) on a model made here: MiniLM cut to 3 layers.

Everything runs offline at the "tiny" size, in a cache folder of its own, with GloVe as the only reference
row (the other references are the same code on other encoders).
"""
from __future__ import annotations

import importlib.util
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from lib import cache, encodings, models, report
from lib.report import measures

ROOT = Path(__file__).resolve().parent.parent


def _cut(n_layers: int, out: Path) -> Path:
    """MiniLM cut to its first ``n_layers`` layers, saved with its tokenizer and sentence-transformers config."""
    from transformers import AutoModel, AutoTokenizer

    src = models.minilm_path()
    net = AutoModel.from_pretrained(src)
    net.encoder.layer = net.encoder.layer[:n_layers]
    net.config.num_hidden_layers = n_layers
    net.save_pretrained(out)
    AutoTokenizer.from_pretrained(src).save_pretrained(out)
    for name in ("modules.json", "sentence_bert_config.json", "config_sentence_transformers.json"):
        if (src / name).exists():
            shutil.copy(src / name, out / name)
    shutil.copytree(src / "1_Pooling", out / "1_Pooling", dirs_exist_ok=True)
    return out


@pytest.fixture(scope="module")
def cut3(tmp_path_factory):
    return _cut(3, tmp_path_factory.mktemp("cut3") / "model")


@pytest.fixture(scope="module")
def card(cut3, tmp_path_factory):
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path_factory.mktemp("report-cache")))
        built = report.build_report(str(cut3), size="tiny", references=("GloVe",), progress=False)
        out = tmp_path_factory.mktemp("reports")
        page = report.write_report(built, out)
        yield built, page


def _estimates(obj):
    if isinstance(obj, dict):
        if set(obj) == {"value", "low", "high", "level"}:
            yield obj
        else:
            for v in obj.values():
                yield from _estimates(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _estimates(v)


def test_the_card_has_every_section_for_the_model_and_the_reference(card):
    built, _ = card
    assert built["model"] == "model" and list(built["rows"]) == ["model", "GloVe"]
    m, g = built["rows"]["model"], built["rows"]["GloVe"]
    assert not m["reference"] and g["reference"]
    assert m["info"]["layers"] == 3 and m["info"]["dim"] == 384 and m["info"]["pooling"] == "mean"
    for r in (m, g):
        assert set(report.SECTIONS) | {"info", "reference", "speed"} == set(r)
    # by layer: 0 (input embeddings) .. 3 for the cut model, one "layer" for a static table
    assert len(m["word_vectors"]["by_layer"]) == len(m["senses"]["by_layer"]) == len(m["geometry"]["by_layer"]) == 4
    assert len(g["word_vectors"]["by_layer"]) == len(g["geometry"]["by_layer"]) == 1 and g["senses"] is None
    assert set(m["retrieval"]) == {"inverse cloze", "LIMIT-small"}
    assert {"recall@2", "recall@10", "ndcg@10", "mrr"} <= set(m["retrieval"]["LIMIT-small"]["scores"])
    kept = m["compression"]["kept"]
    assert {"int8", "binary", "binary + rescore", "PCA 64", "truncation 64", "PCA 128", "truncation 128"} == set(kept)
    assert g["compression"]["kept"]["binary"] is None            # 50 dimensions: no whole bytes of sign bits
    assert m["speed"]["sentences_per_s"]["value"] > 0 and m["speed"]["peak_rss_mb"] > 50


def test_every_number_has_an_interval_around_it(card):
    built, _ = card
    found = list(_estimates(built["rows"]))
    assert len(found) > 50
    for e in found:
        assert e["low"] <= e["value"] + 1e-9 and e["value"] <= e["high"] + 1e-9 and e["level"] == 0.95


def test_the_card_is_written_as_json_html_and_mteb_results(card):
    built, page = card
    folder = page.parent
    assert folder.name == "model" and page.name == "index.html"
    assert json.loads((folder / "report.json").read_text())["rows"].keys() == built["rows"].keys()
    text = page.read_text()
    assert text.count("data:image/png;base64,") == 5 and "Figure 5." in text
    assert "http://" not in text and "https://" not in text                  # nothing to fetch when viewed
    rev = built["rows"]["model"]["info"]["revision"]
    limit = json.loads((folder / "mteb" / "model" / rev / "LIMITSmallRetrieval.json").read_text())
    assert set(limit) == {"dataset_revision", "evaluation_time", "kg_co2_emissions", "mteb_version", "scores",
                          "task_name"}
    scores = limit["scores"]["test"][0]
    assert limit["task_name"] == "LIMITSmallRetrieval" and scores["hf_subset"] == "default"
    assert scores["main_score"] == scores["recall_at_2"]
    assert scores["recall_at_2"] == pytest.approx(built["rows"]["model"]["retrieval"]["LIMIT-small"]["scores"]
                                                  ["recall@2"]["value"], abs=1e-5)
    assert (folder / "mteb" / "GloVe" / "no_revision_available" / "BookInverseClozeRetrieval.json").exists()


def test_a_second_report_reads_every_section_from_the_cache(card, cut3, tmp_path, monkeypatch):
    built, _ = card
    size = measures.check_size("tiny")
    enc = encodings.load_encoder(str(cut3))
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path / "empty"))   # an empty cache would recompute ...
    calls = []
    monkeypatch.setattr(cache, "cached_object", lambda ns, params, compute, **kw: calls.append(ns) or "cached")
    assert measures.retrieval(enc, size) == "cached" and calls == ["report-retrieval"]   # ... the cache is asked first


def test_two_models_saved_under_one_name_never_share_a_cache_entry(cut3, tmp_path, tmp_cache):
    cut2 = _cut(2, tmp_path / "other" / "model")
    assert cut2.name == cut3.name == "model"
    a, b = encodings.load_encoder(str(cut3)), encodings.load_encoder(str(cut2))
    assert measures.row_key(a) != measures.row_key(b)
    size = measures.check_size("tiny")
    ra, rb = measures.retrieval(a, size), measures.retrieval(b, size)
    assert len(list(tmp_cache.glob("report-retrieval-*"))) == 2
    assert ra != rb
    copy = tmp_path / "copy" / "model"
    shutil.copytree(cut3, copy)                                             # same content elsewhere: same entry
    assert measures.row_key(encodings.load_encoder(str(copy))) == measures.row_key(a)
    assert measures.retrieval(encodings.load_encoder(str(copy)), size) == ra
    assert len(list(tmp_cache.glob("report-retrieval-*"))) == 2


def test_bad_input_gets_a_clear_error(cut3, tmp_path):
    with pytest.raises(FileNotFoundError, match="not a folder"):
        report.build_report(str(tmp_path / "no-such-model"), size="tiny", references=())
    (tmp_path / "notes").mkdir()
    with pytest.raises(FileNotFoundError, match="no config.json"):
        report.build_report(str(tmp_path / "notes"), size="tiny", references=())
    bare = tmp_path / "bare"
    shutil.copytree(cut3, bare)
    for f in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        (bare / f).unlink(missing_ok=True)
    with pytest.raises(FileNotFoundError, match="no tokenizer files"):
        report.build_report(str(bare), size="tiny", references=())
    with pytest.raises(ValueError, match="speed_texts"):
        report.build_report(str(cut3), size="tiny", references=(), speed_texts=[])
    with pytest.raises(ValueError, match="texts"):
        report.encoding_speed("glove", "k", [])
    with pytest.raises(ValueError, match="two batches"):
        report.encoding_speed("glove", "k", ["one text"], batch_size=1)
    with pytest.raises(TypeError, match="model"):
        report.build_report(None)
    with pytest.raises(ValueError, match="size"):
        report.build_report(str(cut3), size="huge")
    with pytest.raises(ValueError, match="references"):
        report.build_report(str(cut3), size="tiny", references=("BERT",))


def test_the_command_line_reports_a_bad_model_in_one_line(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("report_cli", ROOT / "tools" / "report.py")
    cli = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(cli)
    assert cli.main([str(tmp_path / "missing"), "--size", "tiny", "--references", "", "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("report: ") and "not a folder" in err and "\n" not in err


def test_labels_and_sizes():
    assert report.report_label("mpnet") == "mpnet" and report.report_label("/x/my model/") == "my_model"
    assert report.check_size("standard").ict_passages == 800 and report.check_size("full").ict_passages is None
    assert np.isclose(measures.estimate(report.measures.stats.Estimate(0.5, 0.4, 0.6))["low"], 0.4)
