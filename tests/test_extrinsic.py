"""WordNet word tasks and the extrinsic evaluation: shapes, lexical folds, intervals, controls, bad input."""
from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import f1_score

from lib import data, evaluate, models
from lib.data import WordTask, lexical_folds

# a vocabulary of common words, enough for every task to have a few hundred items
VOCAB = sorted(set("""
dog cat horse cow sheep pig bird fish animal mammal carnivore canine feline bovine creature beast
lion tiger wolf fox bear deer mouse rat rabbit eagle hawk owl duck goose chicken hen salmon trout
shark whale dolphin insect bee ant fly spider snake lizard frog turtle crab oyster
car truck bus train bicycle vehicle boat ship airplane aircraft craft wheel engine machine device
hammer knife sword gun weapon tool instrument table chair bed furniture desk sofa lamp house
building church school hospital hotel tower bridge road street city town village country nation
state river lake sea ocean mountain hill island valley forest desert field garden park
apple banana orange fruit bread cheese meat beef pork food meal dinner breakfast soup wine beer
drink water milk coffee tea sugar salt rice
man woman child boy girl person king queen doctor teacher soldier farmer lawyer student worker
artist writer singer priest judge leader mother father sister brother friend enemy
red blue green yellow colour color happy sad angry quick slow big small large tiny good bad
beautiful ugly old young new ancient modern hot cold warm cool dark bright heavy light
quickly slowly happily sadly badly well often never always soon
run walk eat drink sleep think know believe see hear speak write read sing dance fight build
love hate fear joy anger sadness happiness emotion feeling idea thought belief knowledge
science art music poetry history language word sentence book letter story news
day night week month year hour minute time morning evening summer winter spring autumn
iron gold silver copper metal stone rock wood glass paper plastic substance material
""".split()))


@pytest.fixture(scope="module")
def tasks():
    return data.wordnet_word_tasks(VOCAB, min_class_size=4)


@pytest.fixture(scope="module")
def random_kv():
    rng = np.random.default_rng(0)
    return models.keyed_vectors(VOCAB, rng.standard_normal((len(VOCAB), 20)))


def test_tasks_have_gold_labels_from_wordnet(tasks):
    ss, pos, hyp = tasks["supersense"], tasks["pos"], tasks["hypernym"]
    label = {w: ss.classes[k] for w, k in zip(ss.items, ss.labels)}
    assert label["dog"] == "noun.animal" and label["hammer"] == "noun.artifact"
    assert ss.info["agreement"].shape == (len(ss),) and (ss.info["agreement"] > 0).all()
    assert set(pos.classes) <= {"noun", "verb", "adjective", "adverb"}
    assert pos.labels.shape == (len(pos),) and len(pos.classes) >= 3
    pairs = dict.fromkeys(hyp.items)
    assert ("dog", "canine") in pairs
    assert hyp.labels.sum() == hyp.info["n_positive"] and hyp.info["n_negative"] >= 0.9 * hyp.info["n_positive"]
    negatives = {p for p, k in zip(hyp.items, hyp.labels) if k == 0}
    assert not negatives & {p for p, k in zip(hyp.items, hyp.labels) if k == 1}
    assert ("dog", "animal") not in negatives


def test_restrict_keeps_only_known_words(tasks):
    small = tasks["hypernym"].restrict(set(VOCAB[::2]))
    assert set(small.words()) <= set(VOCAB[::2]) and len(small) < len(tasks["hypernym"])
    ss = tasks["supersense"].restrict({"dog", "cat", "hammer"})
    assert set(ss.items) == {"dog", "cat", "hammer"} and ss.info["agreement"].shape == (3,)


@pytest.mark.parametrize("name", ["supersense", "pos", "hypernym"])
def test_lexical_folds_are_really_disjoint(tasks, name):
    task = tasks[name]
    test_fold, train = lexical_folds(task, 5, seed=0)
    assert test_fold.shape == (len(task),) and len(train) == 5
    for k in range(5):
        test_words = {w for it, f in zip(task.items, test_fold) if f == k
                      for w in (it if isinstance(it, tuple) else (it,))}
        train_words = {w for it, t in zip(task.items, train[k]) if t
                       for w in (it if isinstance(it, tuple) else (it,))}
        assert test_words and not test_words & train_words
    if not task.is_pairs:
        assert (test_fold >= 0).all()


def test_macro_f1_matches_sklearn():
    rng = np.random.default_rng(1)
    g, p = rng.integers(0, 5, 300), rng.integers(0, 6, 300)
    assert abs(evaluate.macro_f1(g, p) - f1_score(g, p, average="macro")) < 1e-12


def test_vectorised_macro_f1_interval_is_the_library_bootstrap():
    from lib import stats
    from lib.evaluate.extrinsic import _macro_f1_interval
    rng = np.random.default_rng(3)
    g, p = rng.integers(0, 4, 120), rng.integers(0, 4, 120)
    g2 = rng.integers(0, 4, 120)
    ref = stats.bootstrap(lambda i: evaluate.macro_f1(g[i], p[i], 4) - evaluate.macro_f1(g2[i], p[i], 4), 120, 300,
                          0.9, seed=5)
    ours = _macro_f1_interval([(g, p, 4, 1), (g2, p, 4, -1)], 300, 0.9, 5, chunk=70)
    assert max(abs(ref.value - ours.value), abs(ref.low - ours.low), abs(ref.high - ours.high)) < 1e-12


def test_intervals_contain_the_estimate_and_shapes(tasks, random_kv):
    r = evaluate.extrinsic(random_kv, tasks["supersense"], n_boot=200, use_cache=False)
    assert r.gold.shape == r.predicted.shape == r.tested.shape == (len(tasks["supersense"]),)
    for e in (r.accuracy, r.macro_f1):
        assert e.low <= e.value <= e.high
    assert r.accuracy.value == pytest.approx(r.correct.mean())


def test_random_vectors_score_at_chance_and_real_structure_does_not(tasks, random_kv):
    hyp = tasks["hypernym"]
    r = evaluate.extrinsic(random_kv, hyp, n_boot=200, use_cache=False)
    chance = max(np.mean(r.gold), 1 - np.mean(r.gold))
    assert r.accuracy.low < chance + 0.02 and r.accuracy.value < chance + 0.08
    # the control can fail: vectors that encode each word's class score far above chance
    rng = np.random.default_rng(0)
    ss = tasks["supersense"]
    cheat = models.keyed_vectors(list(ss.items), np.eye(len(ss.classes))[ss.labels] * 5
                                 + 0.01 * rng.standard_normal((len(ss), len(ss.classes))))
    good = evaluate.extrinsic(cheat, ss, n_boot=200, use_cache=False)
    assert good.accuracy.value > 0.95 and good.macro_f1.low > 0.9
    bad = evaluate.extrinsic(random_kv, ss, n_boot=200, use_cache=False)
    assert bad.macro_f1.high < 0.25


def test_paired_comparison_and_cache(tasks, random_kv, tmp_path, monkeypatch):
    monkeypatch.setenv("EMBEDDINGS_BOOK_CACHE", str(tmp_path))
    ss = tasks["supersense"]
    rng = np.random.default_rng(2)
    cheat = models.keyed_vectors(list(ss.items), np.eye(len(ss.classes))[ss.labels]
                                 + 0.01 * rng.standard_normal((len(ss), len(ss.classes))))
    a = evaluate.extrinsic(cheat, ss, n_boot=200)
    again = evaluate.extrinsic(cheat, ss, n_boot=200)
    assert np.array_equal(a.predicted, again.predicted) and any(tmp_path.iterdir())
    b = evaluate.extrinsic(random_kv, ss, n_boot=200)
    d = evaluate.paired_extrinsic(a, b, n_boot=200)
    assert d["accuracy"].low > 0.3 and d["macro_f1"].low > 0.3
    assert d["accuracy"].value == pytest.approx(a.accuracy.value - b.accuracy.value)
    other = evaluate.extrinsic(random_kv, ss, n_boot=200, seed=1)
    with pytest.raises(ValueError, match="same items"):
        evaluate.paired_extrinsic(a, other)


def test_pair_features_concat_cannot_see_the_relation():
    x, y = np.eye(3)[[0, 1]], np.eye(3)[[1, 1]]
    f = evaluate.pair_features(x, y, "concat")
    assert f.shape == (2, 6)
    assert evaluate.pair_features(x, y).shape == (2, 9)


def test_bad_input(tasks, random_kv):
    with pytest.raises(TypeError, match="collection of words"):
        data.supersense_task("dog")
    with pytest.raises(ValueError, match="empty"):
        data.pos_task([])
    with pytest.raises(ValueError, match="max_hops"):
        data.hypernym_task(VOCAB, max_hops=0)
    with pytest.raises(ValueError, match="min_class_size"):
        data.supersense_task(VOCAB, min_class_size=0)
    with pytest.raises(ValueError, match="labels"):
        WordTask("t", ("a", "b"), [0, 2], ("x", "y"))
    with pytest.raises(ValueError, match="one per item"):
        WordTask("t", ("a", "b"), [0], ("x", "y"))
    with pytest.raises(TypeError, match="WordTask"):
        lexical_folds(["a"], 2)
    with pytest.raises(ValueError, match="n_folds"):
        lexical_folds(tasks["pos"], 1)
    with pytest.raises(TypeError, match="WordTask"):
        evaluate.extrinsic(random_kv, [("dog", "animal")])
    with pytest.raises(ValueError, match="lacks"):
        evaluate.extrinsic(models.keyed_vectors(["dog", "cat"], np.eye(2)), tasks["pos"])
    with pytest.raises(ValueError, match="features"):
        evaluate.extrinsic(random_kv, tasks["hypernym"], features="sum")
    with pytest.raises(ValueError, match="C"):
        evaluate.extrinsic(random_kv, tasks["pos"], C=0)
    with pytest.raises(ValueError, match="n_boot"):
        evaluate.extrinsic(random_kv, tasks["pos"], n_boot=5, use_cache=False)
    with pytest.raises(ValueError, match="one shape"):
        evaluate.macro_f1([0, 1], [0])
    with pytest.raises(ValueError, match="integer"):
        evaluate.macro_f1([0.5, 1.0], [0, 1])
    with pytest.raises(ValueError, match="rows"):
        evaluate.pair_features(np.ones((2, 3)), np.ones((3, 3)))
    with pytest.raises(TypeError, match="ExtrinsicResult"):
        evaluate.paired_extrinsic(1, 2)
