"""Shared fixtures: the real models are loaded once per test session."""
import os

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="session")
def glove():
    from lib import models

    return models.load_glove()


@pytest.fixture(scope="session")
def encoder():
    from lib.encoder import ContextualEncoder

    return ContextualEncoder(batch_size=8)


@pytest.fixture()
def tmp_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"
