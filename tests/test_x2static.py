"""lib.contextual.x2static: the X2Static objective and trainer."""
import numpy as np
import pytest
import torch

from lib.contextual import x2static
from lib.contextual.x2static import X2StaticModel, fit_x2static, train_x2static, x2static_loss


def _toy_corpus(n=200, d=8, seed=0):
    """Sentences of two topics: words a* occur only in topic-u sentences, b* only in topic-v ones;
    'the' occurs everywhere. The context of a sentence is its topic's direction plus noise."""
    rng = np.random.default_rng(seed)
    u, v = np.eye(d)[0] * 3, np.eye(d)[1] * 3
    tokens, ctx = [], []
    for i in range(n):
        topic = i % 2
        words = ["a1", "a2", "a3"] if topic == 0 else ["b1", "b2", "b3"]
        tokens.append(list(rng.choice(words, 3)) + ["the"])
        ctx.append((u if topic == 0 else v) + rng.normal(0, 0.3, d))
    return tokens, np.array(ctx, dtype=np.float32)


def _cos(kv, a, b):
    return float(kv.similarity(a, b))


# ----------------------------------------------------------------------------- the objective
def test_loss_matches_the_formula():
    g = torch.Generator().manual_seed(0)
    c, t, n = torch.randn(5, 4, generator=g), torch.randn(5, 4, generator=g), torch.randn(3, 5, 4, generator=g)
    sp = torch.nn.functional.softplus
    expected = sp(-(c * t).sum(1)).mean() + sum(sp((c * n[k]).sum(1)).mean() for k in range(3))
    assert torch.allclose(x2static_loss(c, t, n), expected)


def test_loss_clamps_scores():
    c = torch.tensor([[100.0]])
    # a huge positive score gives log(1 + e^-20), a huge negative one for the noise word the same
    loss = x2static_loss(c, torch.tensor([[1.0]]), torch.tensor([[[-1.0]]]))
    assert abs(float(loss) - 2 * np.log1p(np.exp(-20.0))) < 1e-9


def test_loss_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="shape mismatch"):
        x2static_loss(torch.zeros(2, 3), torch.zeros(2, 4), torch.zeros(1, 2, 3))
    with pytest.raises(ValueError, match="shape mismatch"):
        x2static_loss(torch.zeros(2, 3), torch.zeros(2, 3), torch.zeros(2, 3))


# ----------------------------------------------------------------------------- training
def test_fit_shapes_vocabulary_and_loss_curve():
    tokens, ctx = _toy_corpus()
    m = fit_x2static(tokens, ctx, epochs=3, sample=0, progress=False, log_every=5)
    assert isinstance(m, X2StaticModel)
    assert m.words[0] == "the" and set(m.words) == {"a1", "a2", "a3", "b1", "b2", "b3", "the"}
    assert m.vectors.shape == (7, 8) and m.vectors.dtype == np.float32
    assert m.wv.vectors.shape == (7, 8)
    assert len(m.epoch_losses) == 3 and np.isfinite(m.losses).all()
    assert m.n_targets == 3 * sum(len(t) for t in tokens)        # no sub-sampling: every token, every epoch
    assert m.params["epochs"] == 3 and "X2StaticModel(7 words x 8 dims" in repr(m)


def test_words_that_share_contexts_end_closer():
    tokens, ctx = _toy_corpus()
    m = fit_x2static(tokens, ctx, epochs=30, lr=0.01, sample=0, negative=2, progress=False)
    kv = m.wv
    within = np.mean([_cos(kv, "a1", "a2"), _cos(kv, "a2", "a3"), _cos(kv, "b1", "b2"), _cos(kv, "b2", "b3")])
    across = np.mean([_cos(kv, "a1", "b1"), _cos(kv, "a2", "b3"), _cos(kv, "a3", "b2")])
    assert within > across + 0.5 and across < 0.2
    assert m.epoch_losses[-1] < 0.9 * m.epoch_losses[0]          # the objective went down
    # a topic word scores higher against its own topic's context direction than against the other's
    assert all(kv[w][0] > kv[w][1] for w in ("a1", "a2", "a3")) and all(kv[w][1] > kv[w][0] for w in ("b1", "b2", "b3"))


def test_the_same_seed_gives_the_same_vectors():
    tokens, ctx = _toy_corpus()
    a = fit_x2static(tokens, ctx, epochs=2, progress=False, seed=3)
    b = fit_x2static(tokens, ctx, epochs=2, progress=False, seed=3)
    c = fit_x2static(tokens, ctx, epochs=2, progress=False, seed=4)
    assert np.array_equal(a.vectors, b.vectors)
    assert not np.allclose(a.vectors, c.vectors)


def test_subsampling_drops_frequent_occurrences():
    tokens, ctx = _toy_corpus()
    full = fit_x2static(tokens, ctx, epochs=1, sample=0, progress=False)
    sub = fit_x2static(tokens, ctx, epochs=1, sample=1e-3, progress=False)
    assert sub.n_targets < full.n_targets


def test_min_count_removes_rare_words():
    tokens, ctx = _toy_corpus()
    tokens[0] = tokens[0] + ["rare"]
    assert "rare" in fit_x2static(tokens, ctx, epochs=1, progress=False).words
    assert "rare" not in fit_x2static(tokens, ctx, epochs=1, min_count=2, progress=False).words


@pytest.mark.parametrize("kwargs, match", [
    (dict(negative=0), "negative"), (dict(lr=0), "lr"), (dict(sample=-1), "sample"), (dict(batch=0), "batch"),
    (dict(epochs=0), "epochs"), (dict(min_count=0), "min_count"), (dict(noise_power=-1), "noise_power"),
    (dict(clamp=0), "clamp"), (dict(seed=-1), "seed"), (dict(log_every=0), "log_every"),
    (dict(min_count=10**6), "min_count"),
])
def test_bad_parameters_raise(kwargs, match):
    tokens, ctx = _toy_corpus(20)
    with pytest.raises(ValueError, match=match):
        fit_x2static(tokens, ctx, progress=False, **kwargs)


def test_bad_inputs_raise():
    tokens, ctx = _toy_corpus(20)
    with pytest.raises(ValueError, match="19 rows"):
        fit_x2static(tokens, ctx[:19], progress=False)
    bad = ctx.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="contexts"):
        fit_x2static(tokens, bad, progress=False)
    with pytest.raises(ValueError, match="token_lists"):
        fit_x2static([], ctx[:0], progress=False)
    with pytest.raises(ValueError, match="contexts"):
        fit_x2static(tokens, ctx[:, 0], progress=False)


# ----------------------------------------------------------------------------- the cached trainer
class _FakeEncoder:
    """Stands in for a ContextualEncoder: a fixed vector per text, a settable identity."""

    def __init__(self, ident):
        self.ident, self.calls = ident, 0

    def cache_id(self):
        return self.ident

    def pool(self, texts, pooling, layers, show_progress=None, use_cache=False):
        assert pooling == "mean" and layers == -1
        self.calls += 1
        return np.array([[1.0, 0.0] if "cat" in t else [0.0, 1.0] for t in texts], dtype=np.float32)


def test_train_is_cached_and_keyed_by_the_model(tmp_cache, monkeypatch):
    encoders = {"m1": _FakeEncoder("m1|hash1"), "m2": _FakeEncoder("m2|hash2")}
    monkeypatch.setattr(x2static.encodings, "get_encoder", lambda model: encoders[model])
    texts = ["The cat sat.", "A cat ran.", "The dog sat.", "A dog ran."] * 5
    a = train_x2static(texts, model="m1", epochs=2, progress=False)
    again = train_x2static(texts, model="m1", epochs=2, progress=False)
    assert encoders["m1"].calls == 1 and np.array_equal(a.vectors, again.vectors)
    b = train_x2static(texts, model="m2", epochs=2, progress=False)
    assert encoders["m2"].calls == 1                    # another model's identity: computed, not read
    assert a.params["model"] == "m1|hash1" and b.params["model"] == "m2|hash2"
    assert a.vectors.shape == (len(a.words), 2) and "cat" in a.words and a.params["n_texts"] == 20
    train_x2static(texts, model="m1", epochs=3, progress=False)
    assert encoders["m1"].calls == 2                    # another parameter: computed again


def test_train_rejects_bad_input(tmp_cache, monkeypatch):
    monkeypatch.setattr(x2static.encodings, "get_encoder", lambda model: _FakeEncoder("m"))
    with pytest.raises(ValueError, match="texts"):
        train_x2static([], model="m")
    with pytest.raises(ValueError, match="epochs"):
        train_x2static(["a cat"], model="m", epochs=0)


def test_the_row_update_is_sparse_adams():
    g = torch.Generator().manual_seed(0)
    W0 = torch.randn(6, 3, generator=g)
    table = torch.nn.Embedding(6, 3, sparse=True)
    with torch.no_grad():
        table.weight.copy_(W0)
    opt = torch.optim.SparseAdam(table.parameters(), lr=0.01)
    W, adam = W0.clone(), x2static._RowAdam(6, 3, 0.01)
    for step in range(5):
        idx = torch.tensor([[0, 2, 2, 5], [1, 1, 3, 0]][step % 2])
        target = torch.randn(4, 3, generator=g)
        opt.zero_grad()
        ((table(idx) - target) ** 2).sum().backward()
        opt.step()
        uniq, inv = torch.unique(idx, return_inverse=True)
        rows = W[uniq].requires_grad_(True)
        ((rows[inv] - target) ** 2).sum().backward()
        adam.step(W, uniq, rows.grad)
    assert torch.allclose(W, table.weight.detach(), atol=1e-6)
