"""Checks for the exercises of Part V (retrieval and its limits)."""
from __future__ import annotations

import itertools

import numpy as np

from .. import data, evaluate, leakage, limit, limit_data, retrieval, search
from . import ExerciseError, close, exercise, expect, hidden, implemented, passed, rng as _rng, seed as _seed

__all__ = ["check_recall_at_k", "check_rrf", "check_overlap", "check_circle_pairs", "check_qrels",
           "check_extrapolation", "check_maxsim", "check_pair_recall", "check_doc_count", "check_ann_recall",
           "check_bytes", "check_token_prf", "check_frequent_words", "check_copy_nearest"]


def _call(fn, *args, what: str):
    implemented(fn, what)
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except Exception as exc:  # the learner's code raised: say where
        raise ExerciseError(f"{what} raised {type(exc).__name__}: {exc}") from exc


# --------------------------------------------------------------------------- chapter 1
@exercise("ex-p5-c1-recall", forbids=('lib.evaluate.retrieval_scores',))
def check_recall_at_k(fn, points: int = 2) -> str:
    """Exercise ex-p5-c1-recall: ``fn(ranked, relevant, k)`` -> mean recall@k, against
    :func:`lib.evaluate.retrieval_scores`.

    Parameters
    ----------
    fn : callable, (ranked ids (n, depth), list of sets of relevant ids, k) -> float
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c1-recall (2 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(5)
    ranked = np.array([rng.permutation(20)[:10] for _ in range(30)])
    relevant = [set(rng.choice(20, rng.integers(1, 4), replace=False).tolist()) for _ in range(30)]
    for k in (1, 5, 10):
        want = evaluate.retrieval_scores(ranked, relevant, ks=(k,))[f"recall@{k}"].mean()
        got = _call(fn, ranked, relevant, k, what="recall_at_k")
        close(got, want, 1e-9, f"recall@{k}")
    return passed("ex-p5-c1-recall", points)


@exercise("ex-p5-c1-rrf", forbids=('lib.retrieval.reciprocal_rank_fusion',))
def check_rrf(fn, points: int = 2) -> str:
    """Exercise ex-p5-c1-rrf: ``fn(rankings, k, c)`` -> fused top-k ids, against
    :func:`lib.retrieval.reciprocal_rank_fusion`.

    Parameters
    ----------
    fn : callable, (list of ranked-id arrays (n, depth), k, c) -> ids (n, k)
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c1-rrf (2 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(1)
    a = np.array([rng.permutation(30)[:15] for _ in range(8)])
    b = np.array([rng.permutation(30)[:15] for _ in range(8)])
    want, _ = retrieval.reciprocal_rank_fusion([a, b], k=5, c=60)
    got = np.asarray(_call(fn, [a, b], 5, 60.0, what="rrf"))
    expect(got.shape == want.shape, f"rrf should return shape {want.shape}; got {got.shape}")
    expect(bool((got == want).all()), f"fused lists differ from reciprocal rank fusion, e.g. query 0: "
           f"expected {want[0].tolist()}, got {got[0].tolist()} (score 1/(c + rank), rank from 1)")
    return passed("ex-p5-c1-rrf", points)


@exercise("ex-p5-c1-overlap", forbids=())
def check_overlap(fn, points: int = 1) -> str:
    """Exercise ex-p5-c1-overlap: ``fn(query, passage)`` -> the fraction of query tokens that occur in the passage.

    Parameters
    ----------
    fn : callable, (str, str) -> float in [0, 1]
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c1-overlap (1 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    cases = [("The cat sat on the mat", "A cat and a dog", 1 / 6), ("Paris is big", "paris is big", 1.0),
             ("red blue", "green", 0.0)]
    if hidden():                # other sentences: repeated words, capitals, punctuation; checked with data.tokenize
        rng = _rng(29)
        pool = ["the", "The", "cat", "sat", "on", "a", "mat", "it's", "big", "RED", "red,", "Paris", "2"]

        def sentence():
            return " ".join(rng.choice(pool, rng.integers(1, 9))) + str(rng.choice([".", "!", "?", ""]))

        pairs = [(sentence(), sentence()) for _ in range(5)] + [("Red, red RED!", "a red mat"), ("On it.", "no")]
        cases = []
        for q, p in pairs:
            words = set(data.tokenize(p))
            cases.append((q, p, float(np.mean([t in words for t in data.tokenize(q)]))))
    for q, p, want in cases:
        got = _call(fn, q, p, what="overlap")
        close(got, want, 1e-9, f"overlap({q!r}, {p!r})")
    expect(len(data.tokenize("The cat sat on the mat")) == 6, "tokenizer changed")
    return passed("ex-p5-c1-overlap", points)


# --------------------------------------------------------------------------- chapter 2
@exercise("ex-p5-c2-circle", forbids=('lib.limit.top2_subsets_reachable',))
def check_circle_pairs(fn, points: int = 2) -> str:
    """Exercise ex-p5-c2-circle: ``fn(n)`` -> how many top-2 sets ``n`` evenly spaced unit vectors on a circle
    can return.

    Parameters
    ----------
    fn : callable, int -> int (compared with :func:`lib.limit.top2_subsets_reachable`)
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c2-circle (2 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    ns = (4, 5, 7)
    if hidden():                # other sizes, counted again by sampling
        ns = sorted(int(n) for n in _rng(31).choice(np.r_[6, 8:16], 3, replace=False))
    for n in ns:
        ang = 2 * np.pi * np.arange(n) / n
        want = len(limit.top2_subsets_reachable(np.c_[np.cos(ang), np.sin(ang)], 20000, seed=0))
        got = _call(fn, n, what="circle_pairs")
        number = "are not" if hidden() else f"number {want}"
        expect(int(got) == want, f"for n={n} points the reachable top-2 sets {number}; got {got}")
    return passed("ex-p5-c2-circle", points)


@exercise("ex-p5-c2-qrels", forbids=('lib.limit.all_pairs_qrels',))
def check_qrels(fn, points: int = 1) -> str:
    """Exercise ex-p5-c2-qrels: ``fn(n)`` -> the boolean relevance matrix of all pairs, as
    :func:`lib.limit.all_pairs_qrels`.

    Parameters
    ----------
    fn : callable, int n -> bool array (C(n, 2), n), rows in ``itertools.combinations`` order
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c2-qrels (1 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    ns = sorted(int(n) for n in _rng(35).choice(np.r_[4, 7:12], 3, replace=False)) if hidden() else (3, 5, 6)
    for n in ns:
        got = np.asarray(_call(fn, n, what="all_pairs"))
        pairs = list(itertools.combinations(range(n), 2))
        expect(got.shape == (len(pairs), n), f"n={n}: expected shape {(len(pairs), n)}; got {got.shape}")
        want = np.zeros((len(pairs), n), bool)
        for i, (a, b) in enumerate(pairs):
            want[i, [a, b]] = True
        expect(bool((got.astype(bool) == want).all()), f"n={n}: row i must mark the i-th pair of itertools.combinations")
    return passed("ex-p5-c2-qrels", points)


@exercise("ex-p5-c2-extrapolate", forbids=('lib.limit.paper_critical_n',))
def check_extrapolation(fn, points: int = 1) -> str:
    """Exercise ex-p5-c2-extrapolate: ``fn(d)`` -> the paper's fitted critical n, as
    :func:`lib.limit.paper_critical_n`.

    Parameters
    ----------
    fn : callable, dimension d -> float
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c2-extrapolate (1 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    ds = (4, 16, 512, 768, 1024)
    if hidden():                # other dimensions, a non-integer one too
        rng = _rng(37)
        ds = (*rng.integers(1, 4097, 4).tolist(), float(rng.uniform(1, 2000)))
    for d in ds:
        want = limit.paper_critical_n(d)
        close(_call(fn, d, what="critical_n_fit"), want, 1e-6 * max(1.0, float(want)),
              f"fitted n at d={d}")
    return passed("ex-p5-c2-extrapolate", points)


# --------------------------------------------------------------------------- chapter 3
@exercise("ex-p5-c3-maxsim", forbids=('lib.retrieval.maxsim_scores',))
def check_maxsim(fn, points: int = 2) -> str:
    """Exercise ex-p5-c3-maxsim: ``fn(query_tokens, doc_tokens)`` -> the MaxSim score of
    :func:`lib.retrieval.maxsim_scores`.

    Parameters
    ----------
    fn : callable, (array (n_q, d), array (n_d, d)) -> float
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c3-maxsim (2 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(3)
    for nq, nd in ((3, 5), (1, 1), (6, 2)):
        q, d = rng.standard_normal((nq, 8)), rng.standard_normal((nd, 8))
        close(_call(fn, q, d, what="maxsim"), retrieval.maxsim_scores(q, d), 1e-5,
              f"MaxSim of {nq} query tokens and {nd} document tokens (cosine, best per query token, summed)")
    return passed("ex-p5-c3-maxsim", points)


@exercise("ex-p5-c3-both", forbids=())
def check_pair_recall(fn, points: int = 1) -> str:
    """Exercise ex-p5-c3-both: ``fn(ranked, pairs, k)`` -> the share of queries with BOTH relevant documents in
    the top k.

    Parameters
    ----------
    fn : callable, (ranked ids (n, depth), list of pairs, k) -> float
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c3-both (1 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    ranked = np.array([[0, 1, 2, 3], [3, 2, 1, 0], [1, 3, 0, 2]])
    pairs = [(0, 1), (0, 3), (1, 2)]
    cases = ((2, 1 / 3), (3, 1 / 3), (4, 1.0))
    if hidden():                # random rankings of 15 documents, pairs in either order, k = 1 to the full depth
        rng = _rng(39)
        ranked = np.array([rng.permutation(15)[:8] for _ in range(12)])
        pairs = [tuple(rng.choice(15, 2, replace=False).tolist()) for _ in range(12)]
        cases = [(k, float(np.mean([set(p) <= set(r[:k].tolist()) for r, p in zip(ranked, pairs)])))
                 for k in (1, 3, 5, 8)]
    for k, want in cases:
        close(_call(fn, ranked, pairs, k, what="both_found"), want, 1e-9, f"both-found rate at k={k}")
    return passed("ex-p5-c3-both", points)


@exercise("ex-p5-c3-count", forbids=())
def check_doc_count(fn, points: int = 1) -> str:
    """Exercise ex-p5-c3-count: ``fn(task)`` -> how many attributes each person's document lists.

    Parameters
    ----------
    fn : callable, a :func:`lib.limit_data.limit_dataset` task -> int array (n_people,)
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c3-count (1 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    tasks = [dict(n_docs=10, n_queries=20, seed=2)]
    if hidden():                # other sizes: people no query asks about (dense), pairs drawn at random
        tasks = [dict(n_docs=12, n_queries=10, seed=_seed(2)), dict(n_docs=9, n_queries=25, pattern="random",
                                                                    seed=_seed(3))]
    for kwargs in tasks:
        task = limit_data.limit_dataset(**kwargs)
        want = np.zeros(kwargs["n_docs"], int)
        for a, b in task.info["pairs"]:
            want[a] += 1
            want[b] += 1
        got = np.asarray(_call(fn, task, what="likes_per_person"))
        expect(got.shape == want.shape, f"expected one count per person, shape {want.shape}; got {got.shape}")
        shown = "some counts are wrong (count each query for both of its people)" if hidden() else \
            f"expected counts {want.tolist()}"
        expect(bool((got == want).all()), f"{shown}; got {got.tolist()}")
    return passed("ex-p5-c3-count", points)


# --------------------------------------------------------------------------- chapter 4
@exercise("ex-p5-c4-recall", forbids=('lib.search.list_overlap',))
def check_ann_recall(fn, points: int = 2) -> str:
    """Exercise ex-p5-c4-recall: ``fn(found, exact)`` -> mean fraction of exact neighbours found, against
    :func:`lib.search.list_overlap`.

    Parameters
    ----------
    fn : callable, (approximate ids (n, k), exact ids (n, k)) -> float
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c4-recall (2 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(4)
    exact = np.array([rng.permutation(50)[:10] for _ in range(20)])
    found = np.array([np.r_[e[:rng.integers(0, 11)], rng.permutation(np.arange(50, 60))][:10] for e in exact])
    found = np.array([rng.permutation(f) for f in found])
    close(_call(fn, found, exact, what="recall"), search.list_overlap(found, exact), 1e-9,
          "recall of the approximate lists")
    return passed("ex-p5-c4-recall", points)


@exercise("ex-p5-c4-bytes", forbids=())
def check_bytes(pq_fn, flat_fn, points: int = 1) -> str:
    """Exercise ex-p5-c4-bytes: ``pq_fn(d, m, bits)`` and ``flat_fn(d)`` -> bytes per vector.

    Parameters
    ----------
    pq_fn : callable, (d, m, bits) -> bytes of one PQ code
    flat_fn : callable, d -> bytes of one float32 vector
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c4-bytes (1 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    cases = ((50, 10, 8), (384, 48, 8), (64, 16, 4))
    if hidden():                # other sizes and bit widths (whole bytes per code)
        rng = _rng(41)
        m = 4 * rng.integers(1, 25, 3)
        cases = list(zip((m * rng.integers(1, 9, 3)).tolist(), m.tolist(), rng.choice([2, 4, 8], 3).tolist()))
    for d, m, bits in cases:
        close(_call(pq_fn, d, m, bits, what="pq_bytes"), m * bits / 8, 1e-9, f"PQ bytes for d={d}, m={m}, {bits} bits")
        close(_call(flat_fn, d, what="flat_bytes"), 4 * d, 1e-9, f"float32 bytes for d={d}")
    return passed("ex-p5-c4-bytes", points)


# --------------------------------------------------------------------------- chapter 5
@exercise("ex-p5-c5-prf", forbids=('lib.leakage.set_prf', 'lib.leakage.token_prf'))
def check_token_prf(fn, points: int = 1) -> str:
    """Exercise ex-p5-c5-prf: ``fn(pred, true)`` -> (precision, recall, f1) of two word collections, as
    :func:`lib.leakage.set_prf`.

    Parameters
    ----------
    fn : callable, (collection of str, collection of str) -> (float, float, float)
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c5-prf (1 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    cases = [({"the", "cat", "sat"}, {"the", "cat", "on", "mat"}), (["a", "a", "b"], ["b", "c"]),
             (set(), {"x"}), ({"x"}, set()), ({"x", "y"}, {"z"}), ({"same"}, {"same"})]
    if hidden():                # other collections (lists with repeats, tuples, sets), both empty
        rng = _rng(43)
        pool = ["a", "b", "c", "d", "e", "f", "g"]
        draw = [list(rng.choice(pool, rng.integers(1, 7)).tolist()) for _ in range(10)]
        cases = [(draw[i], set(draw[i + 1])) for i in range(0, 6, 2)] + [(tuple(draw[6]), draw[7] * 2),
                                                                         (set(draw[8]), set(draw[8])), ([], [])]
    for pred, true in cases:
        got = _call(fn, pred, true, what="token_prf")
        expect(isinstance(got, (tuple, list)) and len(got) == 3,
               f"token_prf({pred!r}, {true!r}) should return (precision, recall, f1); got {got!r}")
        close(got, leakage.set_prf(pred, true), 1e-9, f"token_prf({pred!r}, {true!r})")
    return passed("ex-p5-c5-prf", points)


@exercise("ex-p5-c5-freq", forbids=('lib.leakage.build_vocabulary',))
def check_frequent_words(fn, points: int = 2) -> str:
    """Exercise ex-p5-c5-freq: ``fn(sets, m)`` -> the m words in most sentences, ties alphabetical, as
    :func:`lib.leakage.build_vocabulary`.

    Parameters
    ----------
    fn : callable, (list of word sets, m) -> list of m str
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c5-freq (2 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    sets = [{"the", "cat", "sat"}, {"the", "dog"}, {"a", "dog", "the"}, {"cat", "a"}, {"zebra"}]
    ms = (1, 2, 3, 5)
    if hidden():                # other sentences, many ties, m up to every word
        rng = _rng(45)
        pool = ["ant", "bee", "cow", "dog", "eel", "fox", "gnu", "hen", "owl", "yak"]
        sets = [set(rng.choice(pool, rng.integers(1, 6)).tolist()) for _ in range(9)]
        ms = (1, 3, 4, len(set().union(*sets)))
    for m in ms:
        want = leakage.build_vocabulary(sets, m)
        got = _call(fn, sets, m, what="frequent_words")
        expect(isinstance(got, (list, tuple)), f"frequent_words should return a list; got {type(got).__name__}")
        should = "is wrong" if hidden() else f"should be {want}"
        expect(list(got) == want, f"frequent_words(sets, {m}) {should} (count each word once per "
               f"sentence, then sort by count and alphabetically); got {list(got)}")
    return passed("ex-p5-c5-freq", points)


@exercise("ex-p5-c5-nn", forbids=('lib.leakage.nearest_neighbour_sets',))
def check_copy_nearest(fn, points: int = 2) -> str:
    """Exercise ex-p5-c5-nn: ``fn(X_query, X_known, known_sets)`` -> the word set of each query's cosine-nearest
    known row.

    Parameters
    ----------
    fn : callable, (array (m, d), array (n, d), list of n word sets) -> list of m word sets
    points : int
        Shown in the success line.

    Returns
    -------
    str
        ``"PASSED ex-p5-c5-nn (2 points)"``, also printed; a wrong answer raises
        :class:`~lib.exercises.ExerciseError`.
    """
    rng = _rng(7)
    known = rng.standard_normal((12, 6)) * rng.uniform(0.5, 3.0, (12, 1))   # lengths differ: cosine, not dot
    sets = [{f"w{i}", f"v{i % 3}"} for i in range(12)]
    query = rng.standard_normal((9, 6))
    want = leakage.nearest_neighbour_sets(query, known, sets)
    got = _call(fn, query, known, sets, what="copy_nearest")
    expect(isinstance(got, (list, tuple)) and len(got) == len(want),
           f"copy_nearest should return a list of {len(want)} word sets; got {type(got).__name__}")
    bad = [i for i, (g, w) in enumerate(zip(got, want)) if set(g) != w]
    expect(not bad, f"query {bad[0] if bad else 0}: expected {sorted(want[bad[0]]) if bad else ''}, got "
           f"{sorted(got[bad[0]]) if bad else ''} (compare by cosine similarity, not dot product)")
    return passed("ex-p5-c5-nn", points)
