"""The Part V checkers pass solutions written from scratch and explain wrong ones.

(Moved here from tests/test_leakage.py and tests/test_retrieval.py: their reference solutions were
the lib functions the exercises re-implement, which the checkers now refuse.)
"""
import itertools
from collections import Counter

import numpy as np
import pytest

from lib import data, leakage, limit, retrieval
from lib.exercises import ExerciseError, part5


def set_prf(pred, true):
    p_set, t_set = set(pred), set(true)
    tp = len(p_set & t_set)
    p = tp / len(p_set) if p_set else 0.0
    r = tp / len(t_set) if t_set else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def frequent_words(sets, m):
    df = Counter(w for s in sets for w in set(s))
    return [w for w, _ in sorted(df.items(), key=lambda t: (-t[1], t[0]))][:m]


def copy_nearest(Q, K, S):
    Q, K = np.asarray(Q, float), np.asarray(K, float)
    Q, K = Q / np.linalg.norm(Q, axis=1, keepdims=True), K / np.linalg.norm(K, axis=1, keepdims=True)
    return [set(S[j]) for j in (Q @ K.T).argmax(1)]


def all_pairs(n):
    pairs = list(itertools.combinations(range(n), 2))
    R = np.zeros((len(pairs), n), dtype=bool)
    for i, (a, b) in enumerate(pairs):
        R[i, [a, b]] = True
    return R


def maxsim(q, d):
    q = q / np.linalg.norm(q, axis=1, keepdims=True)
    d = d / np.linalg.norm(d, axis=1, keepdims=True)
    return float((q @ d.T).max(1).sum())


def rrf(rankings, k, c):
    out = []
    for q in range(len(rankings[0])):
        score = Counter()
        for r in rankings:
            for rank, doc in enumerate(r[q], start=1):
                if doc >= 0:
                    score[int(doc)] += 1 / (c + rank)
        out.append([d for d, _ in sorted(score.items(), key=lambda t: (-t[1], t[0]))[:k]])
    return np.array(out)


def recall_at_k(ranked, relevant, k):
    return float(np.mean([len(set(r[:k].tolist()) & rel) / len(rel) for r, rel in zip(np.asarray(ranked), relevant)]))


def overlap(query, passage):
    q, p = data.tokenize(query), set(data.tokenize(passage))
    return sum(w in p for w in q) / len(q) if q else 0.0


def critical_n_fit(d):
    c0, c1, c2, c3 = limit.PAPER_FIT                 # the paper's coefficients, given in the chapter
    return c0 + c1 * d + c2 * d ** 2 + c3 * d ** 3


def both_found(ranked, pairs, k):
    return float(np.mean([set(p) <= set(r[:k].tolist()) for r, p in zip(np.asarray(ranked), pairs)]))


def likes_per_person(task):
    counts = np.zeros(len(task.passages), dtype=int)
    for a, b in task.info["pairs"]:
        counts[a] += 1
        counts[b] += 1
    return counts


def ann_recall(found, exact):
    return float(np.mean([len(set(f) & set(e)) / len(e) for f, e in zip(np.asarray(found).tolist(),
                                                                        np.asarray(exact).tolist())]))


def pq_bytes(d, m, bits):
    return m * bits / 8


def flat_bytes(d):
    return 4 * d


#: a correct solution of each checker (its learner arguments), for tests/test_exercises_delegation.py
SOLUTIONS = {"check_recall_at_k": (recall_at_k,), "check_rrf": (rrf,), "check_overlap": (overlap,),
             "check_circle_pairs": (lambda n: n,), "check_qrels": (all_pairs,), "check_extrapolation": (critical_n_fit,),
             "check_maxsim": (maxsim,), "check_pair_recall": (both_found,), "check_doc_count": (likes_per_person,),
             "check_ann_recall": (ann_recall,), "check_bytes": (pq_bytes, flat_bytes), "check_token_prf": (set_prf,),
             "check_frequent_words": (frequent_words,), "check_copy_nearest": (copy_nearest,)}


def test_leakage_checkers():
    assert part5.check_token_prf(set_prf).startswith("PASSED")
    with pytest.raises(ExerciseError):
        part5.check_token_prf(lambda p, t: (1.0, 1.0, 1.0))
    with pytest.raises(ExerciseError, match="not implemented"):
        part5.check_token_prf(None)
    with pytest.raises(ExerciseError, match="itself"):
        part5.check_token_prf(leakage.set_prf)
    assert part5.check_frequent_words(frequent_words).startswith("PASSED")
    wrong = lambda s, m: [w for w, _ in Counter(w for x in s for w in x).most_common(m)]  # noqa: E731
    with pytest.raises(ExerciseError):
        part5.check_frequent_words(lambda s, m: sorted(wrong(s, m)))
    with pytest.raises(ExerciseError, match="yourself"):
        part5.check_frequent_words(lambda s, m: leakage.build_vocabulary(s, m))
    assert part5.check_copy_nearest(copy_nearest).startswith("PASSED")
    by_dot = lambda Q, K, S: [set(S[j]) for j in (np.asarray(Q) @ np.asarray(K).T).argmax(1)]  # noqa: E731
    with pytest.raises(ExerciseError, match="cosine"):
        part5.check_copy_nearest(by_dot)


def test_retrieval_and_limit_checkers():
    part5.check_circle_pairs(lambda n: n)
    with pytest.raises(ExerciseError, match="reachable"):
        part5.check_circle_pairs(lambda n: n * (n - 1) // 2)
    part5.check_qrels(all_pairs)
    part5.check_qrels(all_pairs, hidden=True)
    part5.check_extrapolation(critical_n_fit)
    with pytest.raises(ExerciseError, match="not implemented"):
        part5.check_extrapolation(None)
    with pytest.raises(ExerciseError, match="itself"):
        part5.check_extrapolation(limit.paper_critical_n)
    part5.check_maxsim(maxsim)
    part5.check_maxsim(maxsim, hidden=True)
    with pytest.raises(ExerciseError):
        part5.check_maxsim(lambda q, d: float((q @ d.T).max()))
    part5.check_rrf(rrf)
    part5.check_rrf(rrf, hidden=True)
    with pytest.raises(ExerciseError, match="yourself"):
        part5.check_rrf(lambda rs, k, c: retrieval.reciprocal_rank_fusion(rs, k, c)[0])
    with pytest.raises(ExerciseError, match="raised"):
        part5.check_pair_recall(lambda r, p, k: 1 / 0)


def test_hidden_tests_of_the_small_checkers():
    """Each passes hidden, and its hidden messages do not give the expected value."""
    for check, fns in [(part5.check_overlap, (overlap,)), (part5.check_circle_pairs, (lambda n: n,)),
                       (part5.check_extrapolation, (critical_n_fit,)), (part5.check_pair_recall, (both_found,)),
                       (part5.check_doc_count, (likes_per_person,)), (part5.check_bytes, (pq_bytes, flat_bytes)),
                       (part5.check_token_prf, (set_prf,)), (part5.check_frequent_words, (frequent_words,))]:
        assert check(*fns, hidden=True).endswith("(hidden tests)")
    with pytest.raises(ExerciseError, match="hidden test") as err:
        part5.check_circle_pairs(lambda n: n * (n - 1) // 2, hidden=True)
    assert "number" not in str(err.value)
    with pytest.raises(ExerciseError, match="some counts are wrong"):
        part5.check_doc_count(lambda task: likes_per_person(task) + 1, hidden=True)
    with pytest.raises(ExerciseError, match=r"frequent_words\(sets, \d+\) is wrong"):
        part5.check_frequent_words(lambda s, m: sorted(frequent_words(s, m)), hidden=True)
