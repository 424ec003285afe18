"""Shared fixtures: the real models are loaded once per test session.

The session runs in the book's offline environment (``tools/env.py``; ``tools`` is on the
test path through ``pythonpath`` in pyproject.toml), without overriding what the caller set.
"""
import pytest

import env

env.apply()


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
