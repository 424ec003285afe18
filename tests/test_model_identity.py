"""Models are known by what they compute: content identity, the packaged mpnet, bad model folders."""
from __future__ import annotations

import shutil

import numpy as np
import pytest

from lib import models
from lib.encoder import ContextualEncoder


@pytest.fixture(scope="module")
def cut_minilm(tmp_path_factory):
    """MiniLM cut to its first 3 layers and saved under a folder also called ``model``
    (the packaged MiniLM's folder name), made offline from the packaged weights."""
    from transformers import AutoModel, AutoTokenizer

    src = models.minilm_path()
    net = AutoModel.from_pretrained(src)
    net.encoder.layer = net.encoder.layer[:3]
    net.config.num_hidden_layers = 3
    out = tmp_path_factory.mktemp("cut") / "model"
    net.save_pretrained(out)
    AutoTokenizer.from_pretrained(src).save_pretrained(out)
    return out


def test_identity_follows_content_not_name(cut_minilm, tmp_path):
    packaged = models.minilm_path()
    assert packaged.name == cut_minilm.name == "model"
    assert models.model_identity(packaged) != models.model_identity(cut_minilm)
    copy = tmp_path / "elsewhere"
    shutil.copytree(cut_minilm, copy)
    assert models.model_identity(copy) == models.model_identity(cut_minilm)


def test_two_models_with_one_name_never_share_cached_encodings(cut_minilm):
    full, cut = ContextualEncoder(), ContextualEncoder(str(cut_minilm))
    assert cut.n_layers == 3 and full.n_layers == 6
    assert full.cache_id() != cut.cache_id()
    texts = ["a cat on a mat", "vectors for words"]
    a = full.pool(texts, "mean", layers=-1, use_cache=True)
    b = cut.pool(texts, "mean", layers=-1, use_cache=True)
    assert not np.allclose(a, b)


def test_identity_changes_when_the_config_changes(cut_minilm, tmp_path):
    other = tmp_path / "model"
    shutil.copytree(cut_minilm, other)
    cfg = other / "config.json"
    cfg.write_text(cfg.read_text().replace('"hidden_act": "gelu"', '"hidden_act": "relu"'))
    assert models.model_identity(other) != models.model_identity(cut_minilm)


def test_packaged_mpnet_is_verified_and_matches_sentence_transformers():
    from sentence_transformers import SentenceTransformer

    path = models.mpnet_path()
    assert models.sha256_of(path / "model.safetensors") == models.MPNET_SHA256
    assert models.resolve_model("all-mpnet-base-v2") == models.resolve_model("mpnet") == str(path)
    enc = ContextualEncoder("mpnet")
    assert (enc.n_layers, enc.dim, enc.max_length) == (12, 768, 384)   # max length from its own configuration
    texts = ["The cat sat on the mat.", "Embeddings map text to vectors."]
    ours = enc.sentence_embeddings(texts)
    theirs = SentenceTransformer(str(path), device="cpu").encode(texts, normalize_embeddings=True)
    assert np.abs(ours - theirs).max() < 1e-5


def test_a_folder_that_is_not_a_model_is_a_clear_error(tmp_path):
    (tmp_path / "notes.txt").write_text("not a model")
    with pytest.raises(FileNotFoundError, match="no config.json"):
        ContextualEncoder(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="no weights"):
        (tmp_path / "config.json").write_text("{}")
        models.model_identity(tmp_path)
    with pytest.raises(FileNotFoundError, match="not a folder"):
        models.model_identity(tmp_path / "notes.txt")


def test_a_model_without_a_tokenizer_is_a_clear_error(cut_minilm, tmp_path):
    bare = tmp_path / "bare"
    bare.mkdir()
    for name in ("config.json", "model.safetensors"):
        shutil.copy(cut_minilm / name, bare / name)
    with pytest.raises((OSError, ValueError), match="(?i)tokenizer|vocab"):
        ContextualEncoder(str(bare))


def test_an_empty_text_list_is_a_clear_error():
    with pytest.raises(ValueError, match="texts is empty"):
        ContextualEncoder().sentence_embeddings([])


def test_book_encodings_take_any_model(cut_minilm, tmp_cache):
    from lib import encodings

    texts = ["a cat on a mat", "vectors for words", "a third sentence"]
    full, cut = encodings.layer_means(texts), encodings.layer_means(texts, model=str(cut_minilm))
    assert full.shape == (7, 3, 384) and cut.shape == (4, 3, 384)
    np.testing.assert_allclose(full[:4], cut, atol=1e-4)     # the cut model is MiniLM's first 3 layers
    assert not np.allclose(full[-1], cut[-1])
    tv = encodings.token_vectors(texts, model=str(cut_minilm))
    np.testing.assert_allclose(tv.pooled(), encodings.sentence_vectors(texts, model=str(cut_minilm)), atol=1e-3)


@pytest.mark.parametrize("spec", ["glove", "static", "all-MiniLM-L6-v2", "cut"])
def test_one_call_encodes_with_any_kind_of_encoder(spec, cut_minilm):
    from lib import encodings, retrieval

    enc = encodings.load_encoder(str(cut_minilm) if spec == "cut" else spec)
    texts = ["a cat sat on the mat", "the stock market fell", "cats like mats"]
    X = enc.sentence_embeddings(texts)
    assert X.shape == (3, enc.dim) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1, atol=1e-5)
    idx, _ = retrieval.dense_search(X[:1], X, k=3)
    assert idx[0, 0] == 0
    assert enc.n_layers == (0 if spec in ("glove", "static") else 3 if spec == "cut" else 6)
    if spec == "glove":
        np.testing.assert_allclose(X, encodings.linalg.unit(retrieval.glove_embed(texts)), atol=1e-6)


def test_load_encoder_rejects_what_is_not_a_model(tmp_path):
    from lib import encodings

    with pytest.raises(TypeError, match="spec must be"):
        encodings.load_encoder(None)
    with pytest.raises(ValueError, match="unknown kind"):
        encodings.StaticEncoder("word2vec")
    with pytest.raises(FileNotFoundError, match="no config.json"):
        encodings.load_encoder(str(tmp_path))


def test_cut_texts_are_announced():
    from lib.encoder import TruncationWarning

    enc = ContextualEncoder(max_length=16)
    long_text = "word " * 40
    assert enc.token_counts(["a cat", long_text]).tolist()[1] > 16
    with pytest.warns(TruncationWarning, match=r"1 of 2 texts are longer than max_length=16 tokens .* allows 256"):
        enc.pool(["a cat", long_text], "mean", layers=-1)
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("error", TruncationWarning)
        ContextualEncoder().pool(["a cat", "a dog"], "mean", layers=-1)      # short texts: silent


def test_cut_texts_are_announced_from_a_warm_cache_too(tmp_cache):
    from lib import encodings
    from lib.encoder import TruncationWarning

    texts = ["a cat", "word " * 300]          # 302 tokens: over 16 and over MiniLM's own 256
    for _ in range(2):                        # the second call reads the cache
        with pytest.warns(TruncationWarning, match="1 of 2 texts"):
            encodings.token_vectors(texts, max_length=16)
        with pytest.warns(TruncationWarning, match="1 of 2 texts .* max_length=256"):
            encodings.pooled_all(texts)


def test_truncation_report_counts_what_the_cut_drops():
    """The field a chapter prints: how many texts are cut, and how many tokens the cut drops (issue 17)."""
    enc = ContextualEncoder()                                   # MiniLM's configured 256 tokens
    texts = ["a cat", "word " * 300, "word " * 100]
    n = enc.token_counts(texts)
    r = enc.truncation(texts)
    assert (r.n_texts, r.n_cut, r.max_length, r.longest) == (3, 1, 256, int(n.max()))
    assert r.tokens == int(n.sum()) and r.tokens_cut == int(n.max()) - 256 > 0
    assert 0 < r.share_tokens_cut < 1 and r.share_cut == 1 / 3
    assert str(r).startswith("1 of 3 texts are longer than max_length=256 tokens")
    assert ContextualEncoder(max_length=512).truncation(texts).n_cut == 0
