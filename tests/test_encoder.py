import numpy as np
import pytest

TEXTS = [
    "The bank raised its interest rates.",
    "She sat on the river bank, unbelievably tired.",
    "Embeddings map words to vectors.",
    "A very short one.",
    "tokenization splits rare words into pieces",
]


def test_matches_sentence_transformers(encoder):
    from lib.models import load_sentence_transformer

    ours = encoder.sentence_embeddings(TEXTS)
    theirs = load_sentence_transformer().encode(TEXTS)
    assert ours.shape == (5, 384)
    assert np.abs(ours - theirs).max() < 1e-5


def test_token_states_and_word_alignment(encoder):
    states = encoder.encode_tokens(TEXTS[:2])
    s = states[1]
    assert s.hidden.shape == (encoder.n_layers + 1, len(s.tokens), encoder.dim)
    assert s.tokens[0] == "[CLS]" and s.tokens[-1] == "[SEP]"
    assert s.word_ids[0] is None and s.word_ids[-1] is None
    w = s.words.index("unbelievably")
    assert "".join(p.replace("##", "") for p in s.pieces(w)) == "unbelievably"
    vecs = s.word_vectors(layer=3)
    assert vecs.shape == (len(s.words), encoder.dim)
    idx = [i for i, x in enumerate(s.word_ids) if x == w]
    assert np.allclose(vecs[w], s.hidden[3][idx].mean(0), atol=1e-6)
    with pytest.raises(ValueError, match="unknown word pooling"):
        s.word_vectors(pooling="median")


def test_pooling_variants_agree_with_token_states(encoder):
    states = encoder.encode_tokens(TEXTS)
    allmean = encoder.pool(TEXTS, "mean")
    assert allmean.shape == (encoder.n_layers + 1, len(TEXTS), encoder.dim)
    cls2 = encoder.pool(TEXTS, "cls", layers=2)
    mx = encoder.pool(TEXTS, "max", layers=-1)
    for i, s in enumerate(states):
        assert np.allclose(allmean[4, i], s.hidden[4].mean(0), atol=1e-5)
        assert np.allclose(cls2[i], s.hidden[2][0], atol=1e-5)
        assert np.allclose(mx[i], s.hidden[-1].max(0), atol=1e-5)


def test_pool_all_equals_pool_for_every_pooling(encoder):
    both = encoder.pool_all(TEXTS)
    for pooling in ("mean", "cls", "max"):
        assert both[pooling].shape == (encoder.n_layers + 1, len(TEXTS), encoder.dim)
        assert np.array_equal(both[pooling], encoder.pool(TEXTS, pooling))


def test_encoder_cache(encoder, tmp_cache):
    a = encoder.pool(TEXTS[:2], "mean", layers=[1, 6], use_cache=True)
    assert len(list(tmp_cache.glob("encoder-pool-*.npy"))) == 1
    b = encoder.pool(TEXTS[:2], "mean", layers=[1, 6], use_cache=True)
    assert np.array_equal(a, b)


def test_encoder_bad_input(encoder):
    with pytest.raises(ValueError, match="empty"):
        encoder.pool([])
    with pytest.raises(ValueError, match="not a string"):
        encoder.pool(["ok", None])
    with pytest.raises(ValueError, match="unknown pooling"):
        encoder.pool(["ok"], "median")
    with pytest.raises(ValueError, match="out of range"):
        encoder.pool(["ok"], layers=9)
