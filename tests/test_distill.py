"""lib.distill: the book's one model2vec distillation equals model2vec's own ``distill``."""
import os

import numpy as np
import pytest

from lib import distill


def test_vocabulary_is_model2vecs():
    vocab = distill.vocabulary()
    assert len(vocab) == len(set(vocab)) > 29000
    assert not any(t.startswith("[unused") for t in vocab)
    assert "the" in vocab and "##s" in vocab


def test_token_states_shape_and_cache():
    E = distill.token_states()
    assert E.shape == (len(distill.vocabulary()), 384) and E.dtype == np.float32
    assert np.isfinite(E).all()
    assert distill.token_states() is not E and np.array_equal(distill.token_states(), E)   # read back from the cache


def test_token_states_rows_equal_create_embeddings_on_a_subset():
    from model2vec.distill.inference import create_embeddings
    from skeletoken.external.transformers import reshape_embeddings
    from transformers import AutoModel

    path, original, _, _, ids = distill._vocabulary(distill.DEFAULT_MODEL)
    rows = np.random.default_rng(0).choice(len(ids), 300, replace=False)
    net = reshape_embeddings(AutoModel.from_pretrained(path), original)
    E = create_embeddings(model=net, tokenized=[ids[i] for i in rows], device="cpu",
                          pad_token_id=original.pad_token_id or 0)
    np.testing.assert_allclose(distill.token_states()[rows], E, atol=2e-5)


@pytest.mark.parametrize("pca_dims,sif", [(256, 1e-4), (None, None), (None, 1e-4), (64, 1e-3)])
def test_static_model_equals_model2vec_distill(monkeypatch, pca_dims, sif):
    """model2vec's own ``distill`` with its expensive step answered from our cache gives the same model."""
    import model2vec.distill.distillation as m2v

    from lib.models import resolve_model

    _, _, _, _, ids = distill._vocabulary(distill.DEFAULT_MODEL)
    calls = []

    def cached_create_embeddings(model, tokenized, device, pad_token_id, pooling="mean"):
        assert tokenized == ids and getattr(pooling, "value", pooling) == "mean"      # the very same forward passes
        calls.append(1)
        return distill.token_states()

    monkeypatch.setattr(m2v, "create_embeddings", cached_create_embeddings)
    ref = m2v.distill(model_name=resolve_model(), pca_dims=pca_dims, sif_coefficient=sif, device="cpu")
    ours = distill.static_model(pca_dims=pca_dims, sif_coefficient=sif)
    assert calls == [1]
    assert ours.embedding.dtype == ref.embedding.dtype == np.float16
    np.testing.assert_array_equal(ours.embedding, ref.embedding)
    assert ours.tokenizer.get_vocab() == ref.tokenizer.get_vocab()
    texts = ["The cat sat on the mat.", "Embeddings compress meaning into vectors!", "zzyzx"]
    np.testing.assert_array_equal(distill.encode(ours, texts),
                                  ref.encode(texts, max_length=None, use_multiprocessing=False))


@pytest.mark.skipif(not os.environ.get("EMBEDDINGS_BOOK_SLOW"), reason="full distillation (~30 s); set EMBEDDINGS_BOOK_SLOW=1")
def test_static_model_equals_full_distill():
    from model2vec.distill import distill as m2v_distill

    from lib.models import resolve_model

    ref = m2v_distill(model_name=resolve_model(), pca_dims=256, sif_coefficient=1e-4, device="cpu")
    ours = distill.static_model(pca_dims=256, sif_coefficient=1e-4)
    assert ours.embedding.shape == ref.embedding.shape
    np.testing.assert_allclose(ours.embedding.astype(np.float32), ref.embedding.astype(np.float32), atol=2e-3)


def test_encode_unit_rows():
    m = distill.static_model(pca_dims=None)
    X = distill.encode(m, ["a sentence about cats", "another about dogs"])
    assert X.shape == (2, 384) and X.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(X, axis=1), 1, atol=1e-4)
    assert distill.table_bytes(m) == m.embedding.size * 2


@pytest.mark.parametrize("kwargs,match", [
    ({"pca_dims": 0}, "pca_dims"), ({"pca_dims": 1000}, "pca_dims"), ({"pca_dims": 2.5}, "pca_dims"),
    ({"sif_coefficient": 2}, "sif_coefficient"), ({"sif_coefficient": 0}, "sif_coefficient"),
    ({"quantize_to": "int3"}, "quantize_to"),
])
def test_static_model_errors(kwargs, match):
    with pytest.raises(ValueError, match=match):
        distill.static_model(**kwargs)


def test_encode_errors():
    m = distill.static_model(pca_dims=None)
    with pytest.raises(ValueError):
        distill.encode(m, [])
    with pytest.raises(ValueError, match="StaticModel"):
        distill.encode(np.zeros((3, 3)), ["a"])
    with pytest.raises(ValueError, match="StaticModel"):
        distill.table_bytes("not a model")
