"""Tests for the table-comparison helpers of lib.evaluate (shared_pairs, static_scores) and
lib.data.AnalogyDataset.sample, which moved there from lib.contextual."""
import hashlib

import numpy as np
import pytest

from lib import data, evaluate
from lib.data import AnalogyDataset, SimilarityDataset
from lib.models import keyed_vectors


def test_shared_pairs():
    ds = SimilarityDataset("toy", [("a", "b"), ("a", "c"), ("b", "c")], np.array([1.0, 2.0, 3.0]))
    t1 = keyed_vectors(["a", "b", "c"], np.eye(3))
    t2 = keyed_vectors(["a", "c"], np.eye(3)[:2])
    out = evaluate.shared_pairs(ds, [t1, t2])
    assert out.pairs == [("a", "c")] and list(out.scores) == [2.0] and "shared" in out.name
    assert evaluate.shared_pairs(ds, [t1]).pairs == ds.pairs
    assert evaluate.shared_pairs(ds, (t for t in [t1, t2])).pairs == [("a", "c")]   # any iterable of tables
    with pytest.raises(ValueError, match="tables is empty"):
        evaluate.shared_pairs(ds, [])
    with pytest.raises(TypeError, match="key_to_index"):
        evaluate.shared_pairs(ds, [np.eye(3)])
    with pytest.raises(ValueError, match="no pair"):
        evaluate.shared_pairs(ds, [keyed_vectors(["z"], np.eye(1))])
    with pytest.raises(TypeError, match="SimilarityDataset"):
        evaluate.shared_pairs([("a", "b")], [t1])


def _toy():
    rng = np.random.default_rng(0)
    words = [f"w{i}" for i in range(40)]
    kv = keyed_vectors(words, rng.normal(size=(40, 6)))
    sim = SimilarityDataset("toy-sim", [(words[i], words[i + 1]) for i in range(30)], rng.random(30))
    sim2 = SimilarityDataset("toy-sim-2", [(words[i], words[i + 2]) for i in range(30)], rng.random(30))
    ana = AnalogyDataset({"sec": [tuple(words[i:i + 4]) for i in range(0, 36, 4)]})
    texts = [" ".join(words[i:i + 3]) for i in range(20)]
    return kv, (sim, sim2), ana, texts, np.array([0, 1] * 10)


def test_static_scores_is_a_dataclass_of_the_evaluate_results():
    kv, sims, ana, texts, labels = _toy()

    class Polarity:
        pass
    pol = Polarity()
    pol.texts, pol.labels = texts, labels
    s = evaluate.static_scores(kv, sims, ana, pol, restrict_vocab=None, n_boot=100)
    assert isinstance(s, evaluate.StaticScores) and list(s.similarity) == ["toy-sim", "toy-sim-2"]
    r = evaluate.word_similarity(kv, sims[0], n_boot=100)
    assert s.similarity["toy-sim"].spearman == r.spearman and s.similarity["toy-sim"].ci == r.ci
    a = evaluate.analogy(kv, ana, restrict_vocab=None, n_boot=100)
    assert (s.analogy.accuracy, s.analogy.mrr, s.analogy.coverage) == (a.accuracy, a.mrr, a.coverage)
    X, cov = evaluate.average_word_vectors(kv, texts)
    p = evaluate.probe(X, labels, n_boot=100)
    assert s.polarity.ci == p.ci and s.polarity_coverage == float(cov.mean()) == 1.0
    assert "toy-sim" in str(s) and "polarity" in str(s)
    bare = evaluate.static_scores(kv, sims, ana, restrict_vocab=None, n_boot=0)
    assert bare.polarity is None and bare.polarity_coverage is None and bare.similarity["toy-sim"].ci is None
    with pytest.raises(ValueError, match="two data sets named"):
        evaluate.static_scores(kv, (sims[0], sims[0]), ana, restrict_vocab=None, n_boot=0)


def test_analogy_sample_keeps_the_old_items_and_order():
    g = data.google_analogies()
    sub = g.sample(1000, seed=0)          # the draw contextual.analogy_subsample made (Part III ch2's numbers)
    digest = hashlib.md5(repr(sub.questions).encode()).hexdigest()
    assert digest == "c0404bc0708a0432a96308a748011b05" and len(sub) == 1000
    assert set(sub.sections) == set(g.sections) and sub.info["size"] == "1000 sampled questions"
    for sec, qs in sub.sections.items():            # file order within each section
        pos = [g.sections[sec].index(q) for q in qs]
        assert pos == sorted(pos)
    assert g.sample(1000, seed=0).sections == sub.sections and g.sample(1000, seed=1).sections != sub.sections
    for bad in (0, len(g) + 1, 2.5, True, "10"):
        with pytest.raises(ValueError, match="n must be"):
            g.sample(bad)
