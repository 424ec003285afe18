"""Tests for lib.geometry.translation (vec2vec)."""
import pickle

import numpy as np
import pytest

from lib import geometry
from lib.checks import NotFittedError
from lib.geometry import Vec2Vec, translation_scores

SMALL = dict(latent_dim=8, hidden_dim=16, n_steps=30, batch_size=16)


@pytest.fixture(scope="module")
def spaces():
    """Two views of the same 3-d points: space 2 is a rotation of space 1, padded to 5 dimensions."""
    rng = np.random.default_rng(0)
    Z = rng.standard_normal((200, 3))
    Q, _ = np.linalg.qr(rng.standard_normal((5, 5)))
    return Z, np.pad(Z, ((0, 0), (0, 2))) @ Q


def test_shapes_unit_rows_and_history(spaces):
    X, Y = spaces
    v = Vec2Vec(**SMALL).fit(X, Y)
    F1, F2 = v.transform(X[:7]), v.inverse_transform(Y[:4])
    assert F1.shape == (7, 5) and F2.shape == (4, 3) and F1.dtype == np.float32
    assert np.allclose(np.linalg.norm(F1, axis=1), 1, atol=1e-5)
    assert set(v.history_) == {"adv", "latent", "disc", "rec", "cc", "vsp"}
    assert all(len(h) == SMALL["n_steps"] and np.isfinite(h).all() for h in v.history_.values())
    assert v.latent(X[:2], 1).shape == (2, 8) and v.latent(Y[:2], 2).shape == (2, 8)


def test_untrained_translator(spaces):
    X, Y = spaces
    v = Vec2Vec(**dict(SMALL, n_steps=0)).fit(X, Y)
    assert v.transform(X).shape == (200, 5) and all(len(h) == 0 for h in v.history_.values())


def test_seeded_and_picklable(spaces):
    X, Y = spaces
    a, b = Vec2Vec(**SMALL, seed=3).fit(X, Y), Vec2Vec(**SMALL, seed=3).fit(X, Y)
    assert np.allclose(a.transform(X), b.transform(X))
    c = pickle.loads(pickle.dumps(a))
    assert np.allclose(c.transform(X), a.transform(X))
    assert not np.allclose(Vec2Vec(**SMALL, seed=4).fit(X, Y).transform(X), a.transform(X))


def test_generator_losses_fall_without_adversary(spaces):
    X, Y = spaces
    v = Vec2Vec(**dict(SMALL, n_steps=200), weights={"adv": 0, "latent": 0}, lr=3e-3).fit(X, Y)
    for k in ("rec", "cc", "vsp"):
        assert v.history_[k][-20:].mean() < 0.5 * v.history_[k][:5].mean(), k


def test_anchor_pairs_teach_the_map(spaces):
    """With every pair known, the anchor loss alone learns a map far better than chance."""
    X, Y = spaces
    pairs = np.stack([np.arange(100), np.arange(100)], 1)
    w = {"adv": 0, "latent": 0, "rec": 0, "cc": 0, "vsp": 0, "anchor": 1}
    v = Vec2Vec(**dict(SMALL, n_steps=300), weights=w, lr=3e-3).fit(X, Y, pairs)
    s = translation_scores(v.transform(X[100:]), Y[100:])
    assert s["top-1"] > 0.3 and s["mean rank"] < 10
    assert "anchor" in v.history_


def test_translation_scores():
    I = np.eye(4)
    assert translation_scores(I, I) == {"mean cosine to target": 1.0, "top-1": 1.0, "mean rank": 1.0}
    s = translation_scores(I, I[[1, 0, 2, 3]])
    assert s["top-1"] == 0.5 and s["mean rank"] == 2.5     # rows 0, 1: one cosine above and two tied at 0: rank 4
    tied = translation_scores(np.ones((2, 2)), np.array([[1.0, 1.0], [2.0, 2.0]]))
    assert tied["top-1"] == 0.0 and tied["mean rank"] == 2.0       # a tie counts against the true target
    with pytest.raises(ValueError, match="shape mismatch"):
        translation_scores(I, I[:3])
    with pytest.raises(ValueError, match="NaN"):
        translation_scores(np.full((2, 2), np.nan), I[:2, :2])


def test_fit_cached(tmp_path, monkeypatch, spaces):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path))
    X, Y = spaces
    a = geometry.fit_cached(Vec2Vec(**SMALL), X, Y, models=["m1", "m2"])
    assert len(list(tmp_path.glob("vec2vec-*.pkl"))) == 1
    b = geometry.fit_cached(Vec2Vec(**SMALL), X, Y, models=["m1", "m2"])
    assert np.allclose(a.transform(X), b.transform(X))
    geometry.fit_cached(Vec2Vec(**SMALL, seed=1), X, Y, models=["m1", "m2"])
    geometry.fit_cached(Vec2Vec(**SMALL), X, Y, models=["m1", "other"])
    assert len(list(tmp_path.glob("vec2vec-*.pkl"))) == 3
    with pytest.raises(TypeError, match="model must be a Vec2Vec"):
        geometry.fit_cached("vec2vec", X, Y)


@pytest.mark.parametrize("kwargs, match", [
    ({"latent_dim": 1}, "latent_dim"), ({"hidden_dim": 0}, "hidden_dim"), ({"depth": 0}, "depth"),
    ({"n_steps": -1}, "n_steps"), ({"batch_size": 1}, "batch_size"), ({"lr": 0}, "lr"), ({"seed": -1}, "seed"),
    ({"n_steps": 2.5}, "n_steps"), ({"weights": {"gan": 1}}, "unknown losses"), ({"weights": {"cc": -1}}, "cc"),
])
def test_bad_parameters(spaces, kwargs, match):
    X, Y = spaces
    with pytest.raises(ValueError, match=match):
        Vec2Vec(**dict(SMALL, **kwargs)).fit(X, Y)


def test_bad_inputs(spaces):
    X, Y = spaces
    with pytest.raises(TypeError, match="weights"):
        Vec2Vec(**SMALL, weights=[1, 2]).fit(X, Y)
    with pytest.raises(ValueError, match="at least 2 rows"):
        Vec2Vec(**SMALL).fit(X[:1], Y)
    with pytest.raises(ValueError, match="NaN"):
        Vec2Vec(**SMALL).fit(np.full((4, 3), np.nan), Y)
    with pytest.raises(ValueError, match="pairs must be an integer array"):
        Vec2Vec(**SMALL).fit(X, Y, pairs=np.zeros((3, 3), int))
    with pytest.raises(ValueError, match="out of range"):
        Vec2Vec(**SMALL).fit(X, Y, pairs=[[0, 500]])
    with pytest.raises(ValueError, match="needs pairs"):
        Vec2Vec(**SMALL, weights={"anchor": 1}).fit(X, Y)
    with pytest.raises(NotFittedError):
        Vec2Vec(**SMALL).transform(X)
    v = Vec2Vec(**dict(SMALL, n_steps=2)).fit(X, Y)
    with pytest.raises(ValueError, match="shape mismatch"):
        v.transform(Y)
    with pytest.raises(ValueError, match="shape mismatch"):
        v.inverse_transform(X)
    with pytest.raises(ValueError, match="space"):
        v.latent(X, 3)
