import time

import numpy as np
import pytest

from lib import models


def test_glove_loads_fast_as_keyed_vectors():
    start = time.perf_counter()
    kv = models.load_glove()
    elapsed = time.perf_counter() - start
    assert kv.vectors.shape == (400_000, 50) and kv.vectors.dtype == np.float32
    assert kv.index_to_key[:3] == ["the", ",", "."]
    assert elapsed < 3.0, f"GloVe took {elapsed:.2f} s to load"
    assert kv.most_similar("king", topn=1)[0][0] == "prince"


def test_glove_subset_and_bad_size():
    assert len(models.load_glove(1000).index_to_key) == 1000
    with pytest.raises(ValueError, match="n_words"):
        models.load_glove(0)


def test_minilm_sha256_is_verified():
    path = models.minilm_path()
    assert models.sha256_of(path / "model.safetensors") == models.MINILM_SHA256
    assert models.resolve_model("all-MiniLM-L6-v2") == str(path)
    assert models.resolve_model("sentence-transformers/all-MiniLM-L6-v2") == str(path)


def test_bad_model_paths(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="no config.json"):
        models.resolve_model(str(tmp_path))
    with pytest.raises(FileNotFoundError, match="not a folder"):
        models.resolve_model(str(tmp_path / "missing"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="not in the local Hugging Face cache"):
        models.resolve_model("some-org/model-that-is-not-cached-here")


def test_keyed_vectors_wrapper():
    kv = models.keyed_vectors(["a", "b"], np.eye(2))
    assert kv.key_to_index == {"a": 0, "b": 1}
    with pytest.raises(ValueError, match="shape mismatch"):
        models.keyed_vectors(["a"], np.eye(2))
    with pytest.raises(ValueError, match="duplicates"):
        models.keyed_vectors(["a", "a"], np.eye(2))
