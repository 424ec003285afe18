"""Unit tests for lib.compression.matryoshka: the 2D Matryoshka and Starbucks losses and the cached fine-tune.

The 2D Matryoshka loss is checked against sentence-transformers' own ``Matryoshka2dLoss`` on MiniLM
(a batch of four pairs, dropout off); the in-batch loss against ``MultipleNegativesRankingLoss``.
"""
import json

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lib import compression as C
from lib.compression import matryoshka as M


def _layers(seed=0, L=4, b=5, d=12):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(L, b, d, generator=g), torch.randn(L, b, d, generator=g)


def test_exported_from_the_package():
    assert M.__all__ and all(getattr(C, n) is getattr(M, n) for n in M.__all__)


def test_starbucks_pairs_scale_the_bert_list():
    assert C.starbucks_pairs(12, 768) == C.STARBUCKS_PAIRS
    assert C.starbucks_pairs(6, 384) == ((1, 16), (2, 32), (3, 64), (4, 128), (5, 256), (6, 384))
    assert C.starbucks_pairs(3, 96)[-1] == (3, 96)
    with pytest.raises(ValueError, match="n_layers"):
        C.starbucks_pairs(0, 384)
    with pytest.raises(ValueError, match="dim"):
        C.starbucks_pairs(6, 0)
    with pytest.raises(ValueError, match="pairs"):
        C.starbucks_pairs(6, 384, pairs=())


def test_in_batch_loss_is_multiple_negatives_ranking_loss():
    from sentence_transformers.sentence_transformer.losses import MultipleNegativesRankingLoss

    q, p = _layers()[0][0], _layers(1)[0][0]
    ours = C.in_batch_loss(q, p)
    theirs = MultipleNegativesRankingLoss(model=None).compute_loss_from_embeddings([q, p], None)
    assert torch.allclose(ours, theirs, atol=1e-6)
    # a perfect match with far-apart rows has a loss near 0; shuffled positives a large one
    eye = torch.eye(5) * 10
    assert float(C.in_batch_loss(eye, eye)) < 1e-6
    assert float(C.in_batch_loss(eye, eye[[1, 2, 3, 4, 0]])) > 10
    with pytest.raises(ValueError, match="one shape"):
        C.in_batch_loss(q, p[:3])
    with pytest.raises(ValueError, match="temperature"):
        C.in_batch_loss(q, p, temperature=0)


def test_two_d_matryoshka_loss_by_hand():
    ql, pl = _layers()
    dims, layers = (12, 4), [1]
    got = C.two_d_matryoshka_loss(ql, pl, dims, layers=layers)
    nested = lambda i: sum(C.in_batch_loss(ql[i, :, :d], pl[i, :, :d]) for d in dims)  # noqa: E731
    e = lambda i: F.normalize(torch.cat([ql[i], pl[i]]), dim=-1)  # noqa: E731
    kl = F.kl_div(F.log_softmax(e(1) / 0.3, -1), F.softmax(e(3) / 0.3, -1), reduction="batchmean")
    assert torch.allclose(got, nested(3) + nested(1) + 0.3 * kl, atol=1e-6)
    # no KL when kl_temperature is 0; two layers are averaged
    no_kl = C.two_d_matryoshka_loss(ql, pl, dims, layers=[0, 2], kl_temperature=0)
    assert torch.allclose(no_kl, nested(3) + (nested(0) + nested(2)) / 2, atol=1e-6)


def test_two_d_matryoshka_loss_bad_input():
    ql, pl = _layers()
    with pytest.raises(ValueError, match="layers"):
        C.two_d_matryoshka_loss(ql, pl, (4,), layers=[3])         # the last layer is not an earlier one
    with pytest.raises(ValueError, match="dims"):
        C.two_d_matryoshka_loss(ql, pl, (), layers=[0])
    with pytest.raises(ValueError, match="dims"):
        C.two_d_matryoshka_loss(ql, pl, (13,), layers=[0])
    with pytest.raises(ValueError, match="dims"):
        C.two_d_matryoshka_loss(ql, pl, 4, layers=[0])
    with pytest.raises(ValueError, match="one shape"):
        C.two_d_matryoshka_loss(ql, pl[:, :3], (4,), layers=[0])
    with pytest.raises(ValueError, match="one shape"):
        C.two_d_matryoshka_loss(ql[:1], pl[:1], (4,), layers=[0])
    with pytest.raises(ValueError, match="kl_weight"):
        C.two_d_matryoshka_loss(ql, pl, (4,), layers=[0], kl_weight=-1)


def test_two_d_matryoshka_loss_equals_sentence_transformers():
    from sentence_transformers.sentence_transformer.losses import Matryoshka2dLoss, MultipleNegativesRankingLoss

    from lib import models

    st = models.load_sentence_transformer("all-MiniLM-L6-v2", device="cpu")
    st.eval()
    qs = ["a cat sat on the mat", "stocks fell sharply", "the river floods in spring", "he won the race"]
    ps = ["cats like mats", "markets dropped today", "spring rain swells rivers", "the runner came first"]
    dims = (384, 64, 16)
    st_loss = Matryoshka2dLoss(st, MultipleNegativesRankingLoss(st), list(dims), n_layers_per_step=-1,
                               n_dims_per_step=-1)
    fq, fp = st.tokenize(qs), st.tokenize(ps)
    with torch.no_grad():
        theirs = st_loss([dict(fq), dict(fp)], None)
        net = st[0].auto_model
        ql, pl = C.pooled_layers(net, fq), C.pooled_layers(net, fp)
        ours = C.two_d_matryoshka_loss(ql, pl, dims, layers=range(ql.shape[0] - 1))
    assert abs(float(ours) - float(theirs)) < 1e-4 * max(1.0, abs(float(theirs)))


def test_starbucks_loss_by_hand():
    ql, pl = _layers(L=4, d=12)
    pairs = ((1, 4), (2, 8), (3, 12))
    got = C.starbucks_loss(ql, pl, pairs)
    final = F.normalize(torch.cat([ql[3], pl[3]]), dim=-1)
    want = C.in_batch_loss(ql[3], pl[3])
    for n, d in pairs[:2]:
        e = F.normalize(torch.cat([ql[n], pl[n]]), dim=-1)
        want = want + C.in_batch_loss(ql[n, :, :d], pl[n, :, :d]) + 0.3 * F.kl_div(
            F.log_softmax(e[:, :d], -1), F.softmax(final[:, :d], -1), reduction="batchmean")
    assert torch.allclose(got, want, atol=1e-6)
    only_last = C.starbucks_loss(ql, pl, ((3, 12),))
    assert torch.allclose(only_last, C.in_batch_loss(ql[3], pl[3]))
    with pytest.raises(ValueError, match="pairs layer"):
        C.starbucks_loss(ql, pl, ((0, 4),))
    with pytest.raises(ValueError, match="pairs width"):
        C.starbucks_loss(ql, pl, ((1, 13),))
    with pytest.raises(ValueError, match="pairs"):
        C.starbucks_loss(ql, pl, ())
    with pytest.raises(ValueError, match="kl_scale"):
        C.starbucks_loss(ql, pl, pairs, kl_scale=-0.1)


def test_finetune_2d_bad_input():
    q, p = ["a b c", "d e f", "g h i"], ["x y", "z w", "u v"]
    with pytest.raises(ValueError, match="method"):
        C.finetune_2d(q, p, "lora")
    with pytest.raises(ValueError, match="pairs must align"):
        C.finetune_2d(q, p[:2], "plain")
    with pytest.raises(ValueError, match="batch_size"):
        C.finetune_2d(q, p, "plain", batch_size=4)
    with pytest.raises(ValueError, match="steps"):
        C.finetune_2d(q, p, "plain", steps=0)
    with pytest.raises(ValueError, match="max_length"):
        C.finetune_2d(q, p, "plain", batch_size=2, max_length=64)
    with pytest.raises(ValueError, match="lr"):
        C.finetune_2d(q, p, "plain", batch_size=2, lr=0)


def test_finetune_2d_writes_a_cached_model_folder(tmp_path, monkeypatch):
    from lib.encoder import ContextualEncoder

    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path))
    q, p = ["the cat sat", "stocks fell today"], ["a cat on a mat", "markets dropped"]
    folder = C.finetune_2d(q, p, "2dmse", steps=2, batch_size=2, max_length=(8, 8), show_progress=False)
    info = json.loads((folder / "finetune.json").read_text())
    assert info["method"] == "2dmse" and len(info["losses"]) == 2 and np.isfinite(info["losses"]).all()
    stamp = (folder / "finetune.json").stat().st_mtime_ns
    assert C.finetune_2d(q, p, "2dmse", steps=2, batch_size=2, max_length=(8, 8)) == folder    # cached
    assert (folder / "finetune.json").stat().st_mtime_ns == stamp
    assert C.finetune_2d(q, p, "2dmse", steps=2, batch_size=2, max_length=(8, 8), seed=1) != folder
    enc = ContextualEncoder(str(folder), device="cpu")
    base = ContextualEncoder("all-MiniLM-L6-v2", device="cpu")
    assert enc.cache_id() != base.cache_id() and enc.pooling == "mean"
    moved = enc.sentence_embeddings(q) - base.sentence_embeddings(q)
    assert 0 < np.abs(moved).max() < 0.5                  # trained, but only a little
