"""Tests for lib.contextual, lib.senses, lib.sentence, the encodings Part III reads, and the Part III checkers."""
from collections import Counter

import numpy as np
import pytest

from lib import contextual as C
from lib import encodings, geometry, linalg, senses, sentence
from lib.data import tokenize
from lib.models import keyed_vectors


# ----------------------------------------------------------------------------- corpus sample
def test_sample_is_reproducible_and_prefix():
    a = encodings.wikipedia_sentence_sample(20, seed=0)
    assert a == encodings.wikipedia_sentence_sample(20, seed=0)
    assert encodings.wikipedia_sentence_sample(5, seed=0) == a[:5]
    assert encodings.wikipedia_sentence_sample(20, seed=1) != a


@pytest.mark.parametrize("n", [0, -1, 10**7, 2.5])
def test_sample_bad_n(n):
    with pytest.raises(ValueError, match="n"):
        encodings.wikipedia_sentence_sample(n)


def test_sample_bad_lengths():
    with pytest.raises(ValueError, match="min_words"):
        encodings.wikipedia_sentence_sample(5, min_words=10, max_words=5)


# ----------------------------------------------------------------------------- senses
def test_senses_file_is_valid():
    d = senses.load_senses()
    assert len(d.targets) >= 20
    per_sense = Counter(d.senses)
    assert min(per_sense.values()) >= 5
    for w in d.targets:
        assert len({s for s, x in zip(d.senses, d.words) if x == w}) >= 2
    assert set(d.senses) == set(d.glosses)
    assert len(d.subset("bank")) == 10
    with pytest.raises(KeyError, match="unknown target"):
        d.subset("zebra")


def _write(tmp_path, text):
    p = tmp_path / "senses.tsv"
    p.write_text(text, encoding="utf8")
    return p


def test_senses_errors(tmp_path):
    with pytest.raises(FileNotFoundError):
        senses.load_senses(tmp_path / "missing.tsv")
    with pytest.raises(ValueError, match="header"):
        senses.load_senses(_write(tmp_path, "a\tb\tc\n"))
    with pytest.raises(ValueError, match="3 tab-separated"):
        senses.load_senses(_write(tmp_path, "word\tsense\tsentence\nbank\tbank/river\n"))
    with pytest.raises(ValueError, match="does not contain"):
        senses.load_senses(_write(tmp_path, "word\tsense\tsentence\nbank\tbank/river\tThe river is wide.\n"))
    with pytest.raises(ValueError, match="must be named"):
        senses.load_senses(_write(tmp_path, "word\tsense\tsentence\nbank\triver\tThe bank is wide.\n"))
    with pytest.raises(ValueError, match="no sentences"):
        senses.load_senses(_write(tmp_path, "word\tsense\tsentence\n"))


def test_sense_scores_separated_and_errors():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(size=(5, 8)) * 0.1 + np.eye(8)[0], rng.normal(size=(5, 8)) * 0.1 + np.eye(8)[1]])
    r = senses.sense_scores(X, ["w"] * 10, ["w/a"] * 5 + ["w/b"] * 5)
    assert r["accuracy"] == 1.0 and r["purity"] == 1.0 and r["silhouette"] > 0.5
    with pytest.raises(ValueError, match="shape mismatch"):
        senses.sense_scores(X, ["w"] * 9, ["w/a"] * 10)
    with pytest.raises(ValueError, match="single sense"):
        senses.sense_scores(X, ["w"] * 10, ["w/a"] * 10)
    with pytest.raises(ValueError, match="at least 2 sentences"):
        senses.sense_scores(X, ["w"] * 10, ["w/a"] * 9 + ["w/b"])
    with pytest.raises(ValueError, match="NaN"):
        senses.sense_scores(np.full((10, 8), np.nan), ["w"] * 10, ["w/a"] * 5 + ["w/b"] * 5)


def test_target_word_vectors_errors():
    with pytest.raises(ValueError, match="shape mismatch"):
        senses.target_word_vectors(["a bank"], ["bank", "river"])
    with pytest.raises(ValueError, match="unknown pooling"):
        senses.target_word_vectors(["a bank"], ["bank"], pooling="max")
    with pytest.raises(ValueError, match="empty"):
        senses.target_word_vectors([], [])


# ----------------------------------------------------------------------------- encoder-backed
@pytest.fixture(scope="module")
def enc():
    return encodings.get_encoder()


def test_all_layer_word_vectors_match_encoder(enc):
    s = enc.encode_tokens(["Unbelievably, the crane operator sat quietly."])[0]
    for pooling in ("mean", "first", "last"):
        A = C.layer_word_vectors(s, pooling)
        B = np.stack([s.word_vectors(layer, pooling) for layer in range(enc.n_layers + 1)])
        np.testing.assert_allclose(A, B, atol=1e-6)


def test_pooled_all_matches_encoder_pool(enc, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path))
    texts = ["A short one.", "A somewhat longer sentence about river banks and money."]
    P = encodings.pooled_all(texts)
    for pooling in ("mean", "cls", "max"):
        np.testing.assert_allclose(P[pooling], enc.pool(texts, pooling), atol=1e-4)


def test_decontextualized_matches_manual(enc, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path))
    D = C.decontextualized_vectors(["embeddings", "cat"])
    s = enc.encode_tokens(["embeddings"])[0]
    idx = [i for i, w in enumerate(s.word_ids) if w == 0]
    np.testing.assert_allclose(D[3, 0], s.hidden[3][idx].mean(0), atol=1e-5)
    with pytest.raises(ValueError, match="single non-empty"):
        C.decontextualized_vectors(["two words"])
    with pytest.raises(ValueError, match="empty"):
        C.decontextualized_vectors([])


def test_input_embedding_vectors(enc):
    V, n = C.input_embedding_vectors(["cat", "embeddings"])
    table = enc.model.get_input_embeddings().weight.detach().numpy()
    cat_id = enc.tokenizer("cat", add_special_tokens=False)["input_ids"]
    assert n[0] == 1 and n[1] > 1
    np.testing.assert_allclose(V[0], table[cat_id[0]], atol=1e-6)
    with pytest.raises(ValueError, match="empty"):
        C.input_embedding_vectors([])


# ----------------------------------------------------------------------------- Ethayarajh
def test_self_similarity_values_and_errors():
    X = np.array([[1.0, 0], [1, 0], [0, 1]])
    assert C.self_similarity(X) == pytest.approx((1 + 0 + 0) * 2 / 6)
    assert C.self_similarity(X, groups=[0, 0, 1]) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="at least 2"):
        C.self_similarity(X[:1])
    with pytest.raises(ValueError, match="same sentence"):
        C.self_similarity(X, groups=[0, 0, 0])
    with pytest.raises(ValueError, match="shape mismatch"):
        C.self_similarity(X, groups=[0, 1])
    with pytest.raises(ValueError, match="NaN"):
        C.self_similarity(np.array([[np.nan, 1], [1, 1]]))


def test_intra_sentence_and_mev():
    X = np.array([[1.0, 0], [0, 1]])
    assert C.intra_sentence_similarity(X) == pytest.approx(np.sqrt(0.5))
    assert C.max_explainable_variance(np.array([[1.0, 2], [2, 4], [3, 6]])) == pytest.approx(1.0)
    assert C.max_explainable_variance(np.eye(4)) == pytest.approx(0.25)
    with pytest.raises(ValueError, match="at least 2"):
        C.intra_sentence_similarity(X[:1])
    with pytest.raises(ValueError, match="at least 2"):
        C.max_explainable_variance(X[:1])


def test_ethayarajh_measures_on_synthetic_stats():
    rng = np.random.default_rng(0)
    L, d = 2, 6
    base = rng.normal(size=(3, d))
    occ_words = [w for w in "abc" for _ in range(4)]
    occ = np.stack([np.stack([base["abc".index(w)] + s * rng.normal(size=d) for w in occ_words]) for s in (0.01, 2.0)])
    stats = {"occ": occ, "occ_words": occ_words, "occ_sentence": np.arange(12), "random": rng.normal(size=(L, 50, d)),
             "intra": rng.random((L, 5))}
    m = C.ethayarajh_measures(stats)
    assert m["self_similarity"][0] > 0.99 > m["self_similarity"][1]
    for layer in range(L):                    # the anisotropy baseline is the one mean cosine of the book
        assert m["anisotropy"][layer] == geometry.mean_cosine(stats["random"][layer], n_pairs=5000, seed=0)
    np.testing.assert_allclose(m["self_similarity_adj"], m["self_similarity"] - m["anisotropy"])
    with pytest.raises(ValueError, match="no word"):
        C.ethayarajh_measures(stats, exclude=["a", "b", "c"])


def test_aggregated_vectors():
    stats = {"words": ["a", "b"], "counts": np.array([2, 1]), "sums": np.ones((3, 2, 4)) * np.array([[2], [3]])}
    words, V = C.aggregated_vectors(stats)
    assert words == ["a", "b"] and V.shape == (3, 2, 4)
    np.testing.assert_allclose(V[0, 0], 1.0)
    np.testing.assert_allclose(V[0, 1], 3.0)
    assert C.aggregated_vectors(stats, min_count=2)[0] == ["a"]
    with pytest.raises(ValueError, match="min_count"):
        C.aggregated_vectors(stats, min_count=0)
    with pytest.raises(ValueError, match="no word"):
        C.aggregated_vectors(stats, min_count=5)


def test_contextual_word_stats_errors():
    with pytest.raises(ValueError, match="unknown pooling"):
        C.contextual_word_stats(10, pooling="max")
    with pytest.raises(ValueError, match="max_occurrences must be an integer >= 2"):
        C.contextual_word_stats(10, max_occurrences=1)


# ----------------------------------------------------------------------------- many contexts per word
def test_context_sentences_choose_up_to_m_contexts():

    sents, chosen = C.context_sentences(["Bank", "river", "zzqqxx"], max_contexts=4, seed=0)
    assert set(chosen) == {"bank", "river"} and "zzqqxx" not in chosen
    for w, idx in chosen.items():
        assert 1 <= len(idx) <= 4 and len(set(idx)) == len(idx)
        assert all(w in tokenize(sents[i]) for i in idx)
    assert sorted({i for v in chosen.values() for i in v}) == list(range(len(sents)))
    again = C.context_sentences(["river", "bank"], max_contexts=4, seed=0)
    assert again == (sents, chosen)                    # order of the input does not matter
    for bad in (0, -1, 2.5, True):
        with pytest.raises(ValueError, match="max_contexts"):
            C.context_sentences(["bank"], max_contexts=bad)
    with pytest.raises(ValueError, match="empty"):
        C.context_sentences([])
    with pytest.raises(ValueError, match="none of the words"):
        C.context_sentences(["zzqqxx"])
    with pytest.raises(ValueError, match="min_words"):
        C.context_sentences(["bank"], min_words=10, max_words=5)


def test_aggregated_context_vectors_match_manual(enc, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path))
    agg = C.aggregated_context_vectors(["bank", "river", "the"], targets=["bank", "river"], max_contexts=3,
                                       checkpoints=(1,), chunk=2)
    sents, chosen = C.context_sentences(["bank", "river"], max_contexts=3)
    assert agg["targets"] == ["bank", "river"] and agg["n_sentences"] == len(sents)
    assert agg["mean"].shape == (enc.n_layers + 1, 3, enc.dim) and agg["curve"][1].shape[1] == 2
    assert list(agg["counts"]) == [3, 3, 3]
    states = enc.encode_tokens([sents[i] for i in chosen["bank"]])
    occ = [s.words.index(next(w for w in s.words if w.lower() == "bank")) for s in states]
    for layer in (0, 4):
        for pooling in ("mean", "first"):
            vecs = [s.word_vectors(layer, pooling)[j] for s, j in zip(states, occ)]
            kv = C.context_table(agg, layer, pooling)
            np.testing.assert_allclose(kv["bank"], np.mean(vecs, 0), atol=2e-3)
        np.testing.assert_allclose(C.context_table(agg, layer, contexts=1)["bank"],
                                   states[0].word_vectors(layer)[occ[0]], atol=2e-3)
    assert C.context_table(agg, 2, contexts=1).index_to_key == ["bank", "river"]
    with pytest.raises(ValueError, match="checkpoint"):
        C.context_table(agg, 2, contexts=2)
    with pytest.raises(ValueError, match="layer"):
        C.context_table(agg, 7)
    with pytest.raises(ValueError, match="unknown pooling"):
        C.context_table(agg, 1, pooling="max")
    with pytest.raises(ValueError, match="mean pooling only"):
        C.context_table(agg, 1, pooling="first", contexts=1)
    with pytest.raises(ValueError, match="checkpoints"):
        C.aggregated_context_vectors(["bank"], max_contexts=3, checkpoints=(3,))
    with pytest.raises(ValueError, match="checkpoints"):
        C.aggregated_context_vectors(["bank"], max_contexts=5, checkpoints=(2, 1))
    with pytest.raises(ValueError, match="chunk"):
        C.aggregated_context_vectors(["bank"], max_contexts=3, checkpoints=(1,), chunk=0)
    with pytest.raises(ValueError, match="empty"):
        C.aggregated_context_vectors([])


# ----------------------------------------------------------------------------- sentence vectors
def test_sif_weights_and_errors():
    w = sentence.sif_weights(["the", "zebra", "unseen"], {"the": 90, "zebra": 10}, a=0.1)
    np.testing.assert_allclose(w, [0.1 / 1.0, 0.1 / 0.2, 1.0])
    for bad in (0, -1, float("nan"), "x"):
        with pytest.raises(ValueError, match="a must be"):
            sentence.sif_weights(["a"], {"a": 1}, a=bad)
    with pytest.raises(ValueError, match="empty"):
        sentence.sif_weights(["a"], {})
    with pytest.raises(TypeError, match="counts must be a dict"):
        sentence.sif_weights(["a"], [("a", 1)])


def _sif_table():
    kv = keyed_vectors(["a", "b", "c", "d"], np.random.default_rng(0).normal(size=(4, 5)) + 3)
    return kv, ["a b", "c d", "a d", "b c"], {"a": 1, "b": 1, "c": 1, "d": 1}


def test_sif_removes_the_common_direction_fitted_on_other_texts():
    kv, texts, counts = _sif_table()
    avg = sentence.sif_average(kv, texts, counts)
    pca = linalg.PCA(1, center=False).fit(avg)
    X = sentence.SIF(kv, counts).fit_transform(texts)
    assert X.dtype == np.float32 and np.abs(X @ pca.components_[0]).max() < 1e-4
    np.testing.assert_allclose(sentence.SIF(kv, counts, n_components=0).fit_transform(texts), avg, atol=1e-6)
    sif = sentence.SIF(kv, counts).fit(texts[:3])           # fit on some texts, apply to others
    U = linalg.PCA(1, center=False).fit(avg[:3]).components_
    np.testing.assert_allclose(sif.transform(texts[3:]), avg[3:] - avg[3:] @ U.T @ U, atol=1e-5)
    assert not sentence.sif_average(kv, ["zzz"], counts).any()   # no known word: a zero vector


def test_sif_errors():
    kv, texts, counts = _sif_table()
    with pytest.raises(ValueError, match="empty"):
        sentence.SIF(kv, counts).fit([])
    with pytest.raises(ValueError, match="n_components"):
        sentence.SIF(kv, counts, n_components=1.5).fit(texts)
    with pytest.raises(ValueError, match="n_components"):
        sentence.SIF(kv, counts, n_components=-1).fit(texts)
    with pytest.raises(TypeError, match="KeyedVectors-like"):
        sentence.SIF(np.eye(3), counts).fit(texts)
    from lib.checks import NotFittedError
    with pytest.raises(NotFittedError, match="not fitted"):
        sentence.SIF(kv, counts).transform(texts)


def test_old_duplicates_are_gone():
    for name in ("whiten", "fit_whitening", "all_but_the_top", "anisotropy", "probe_with_ci", "shared_pairs",
                 "analogy_subsample", "static_scores", "sif_embeddings", "load_senses", "pooled_all",
                 "get_encoder", "wikipedia_sentence_vectors", "word2vec_wikipedia"):
        assert not hasattr(C, name), name


def test_option_checks():
    with pytest.raises(ValueError, match="unknown pooling"):
        C.decontextualized_vectors(["cat"], pooling="max")        # was accepted and read as "last"
    with pytest.raises(ValueError, match="seed"):
        senses.sense_scores(np.eye(4), ["w"] * 4, ["w/a", "w/a", "w/b", "w/b"], seed=0.5)
    with pytest.raises(ValueError, match="n_random"):
        C.contextual_word_stats(10, n_random=0)
    with pytest.raises(ValueError, match="min_count"):
        C.aggregated_vectors({"words": ["a"], "counts": np.array([1]), "sums": np.ones((1, 1, 2))}, min_count=1.5)
    with pytest.raises(ValueError, match="min_words"):
        C.context_sentences(["bank"], min_words=2.5)
    with pytest.raises(ValueError, match="n_frequent"):
        C.static_eval_vocab(0)
    with pytest.raises(ValueError, match="words"):
        senses.target_word_vectors(["a bank"], [3])


# The Part III exercise checkers are tested in tests/test_exercises_part3.py.
