"""The Part III checkers pass solutions written from scratch and explain wrong ones.

(Moved here from tests/test_contextual.py: the reference solutions used to call the lib functions
the exercises re-implement, which the checkers now refuse.)
"""
import numpy as np
import pytest

from lib import contextual as C
from lib import encodings, evaluate
from lib.data import SimilarityDataset
from lib.exercises import ExerciseError, part3


@pytest.fixture(scope="module")
def enc():
    return encodings.get_encoder()


def _unit(X):
    X = np.asarray(X, dtype=float)
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def self_similarity(X, groups):
    S = _unit(X) @ _unit(X).T
    g = np.asarray(groups)
    mask = ~np.eye(len(S), dtype=bool) & (g[:, None] != g[None, :])
    return float(S[mask].mean())


def explained_variance(X):
    s = np.linalg.svd(np.asarray(X, dtype=float), compute_uv=False)
    return float(s[0] ** 2 / (s ** 2).sum())


def abtt(X, D):
    Xc = np.asarray(X, dtype=float) - np.mean(X, axis=0)
    top = np.linalg.svd(Xc, full_matrices=False)[2][:D]
    return Xc - Xc @ top.T @ top


def whiten(X):
    Xc = np.asarray(X, dtype=float) - np.mean(X, axis=0)
    vals, vecs = np.linalg.eigh(np.cov(Xc, rowvar=False))
    return Xc @ vecs / np.sqrt(vals)


def centroid_accuracy(X, y):
    U, y = _unit(X), np.asarray(y)
    right = 0
    for i in range(len(U)):
        keep = np.arange(len(U)) != i
        labels = sorted(set(y[keep]))
        cents = _unit(np.stack([U[keep & (y == c)].mean(0) for c in labels]))
        right += labels[int(np.argmax(cents @ U[i]))] == y[i]
    return right / len(U)


def shared_pairs(ds, tables):
    keep = [i for i, (a, b) in enumerate(ds.pairs)
            if all(a in t.key_to_index and b in t.key_to_index for t in tables)]
    return SimilarityDataset(ds.name, [ds.pairs[i] for i in keep], ds.scores[keep])


def mean_pool(H, m):
    return (H * m[..., None]).sum(1) / m.sum(1, keepdims=True)


def aggregate(V, w):
    return sorted(set(w)), np.stack([np.asarray(V)[np.asarray(w) == u].mean(0) for u in sorted(set(w))])


def decontextualized(e, word, layer):               # the word alone, its own pieces only
    return e.encode_tokens([word], show_progress=False)[0].hidden[layer][1:-1].mean(0)


#: a correct solution of each checker (its learner arguments; the encoder comes from
#: tests/test_exercises_delegation.py's NEEDS)
SOLUTIONS = {"check_self_similarity": (self_similarity,), "check_mev": (explained_variance,),
             "check_centroid_accuracy": (centroid_accuracy,), "check_decontextualized": (decontextualized,),
             "check_aggregate": (aggregate,), "check_shared_pairs": (shared_pairs,), "check_mean_pooling": (mean_pool,),
             "check_abtt": (abtt,), "check_whiten": (whiten,)}


def test_checkers_pass_solutions_written_from_scratch():
    part3.check_self_similarity(self_similarity)
    part3.check_mev(explained_variance)
    part3.check_abtt(abtt)
    part3.check_whiten(whiten)
    part3.check_mean_pooling(mean_pool)
    part3.check_centroid_accuracy(centroid_accuracy)
    part3.check_aggregate(aggregate)
    part3.check_shared_pairs(shared_pairs)
    part3.check_self_similarity(self_similarity, hidden=True)
    part3.check_mev(explained_variance, hidden=True)
    part3.check_abtt(abtt, hidden=True)
    part3.check_centroid_accuracy(centroid_accuracy, hidden=True)


def test_decontextualized_checker(enc):
    part3.check_decontextualized(decontextualized, enc)
    part3.check_decontextualized(decontextualized, enc, hidden=True)
    with pytest.raises(ExerciseError, match="CLS"):
        part3.check_decontextualized(lambda e, w, l: e.encode_tokens([w])[0].hidden[l].mean(0), enc)
    with pytest.raises(ExerciseError, match="yourself"):
        part3.check_decontextualized(lambda e, w, l: C.decontextualized_vectors([w])[l, 0], enc)


def test_checkers_reject_wrong_answers():
    with pytest.raises(ExerciseError, match="same sentence"):
        part3.check_self_similarity(lambda X, g: self_similarity(X, np.arange(len(X))))
    with pytest.raises(ExerciseError, match="not implemented"):
        part3.check_mev(lambda X: None)
    with pytest.raises(ExerciseError, match="centred"):
        part3.check_mev(lambda X: explained_variance(np.asarray(X) - np.asarray(X).mean(0)))
    with pytest.raises(ExerciseError, match="zero mean"):
        part3.check_abtt(lambda X, D: np.asarray(X))
    with pytest.raises(ExerciseError, match="padding"):
        part3.check_mean_pooling(lambda H, m: np.asarray(H).mean(1))
    with pytest.raises(ExerciseError, match="raised ZeroDivisionError"):
        part3.check_whiten(lambda X: 1 / 0)
    with pytest.raises(ExerciseError, match="sorted"):
        part3.check_aggregate(lambda V, w: (list(w), np.asarray(V)))

    def union(ds, tables):
        keep = [i for i, (a, b) in enumerate(ds.pairs) if any(a in t.key_to_index and b in t.key_to_index
                                                              for t in tables)]
        return SimilarityDataset(ds.name, [ds.pairs[i] for i in keep], ds.scores[keep])

    with pytest.raises(ExerciseError, match="ANY table"):
        part3.check_shared_pairs(union)
    with pytest.raises(ExerciseError, match="order"):
        part3.check_shared_pairs(lambda ds, t: SimilarityDataset(ds.name, shared_pairs(ds, t).pairs[::-1],
                                                                 shared_pairs(ds, t).scores[::-1]))
    with pytest.raises(ExerciseError, match="yourself"):
        part3.check_shared_pairs(lambda ds, t: evaluate.shared_pairs(ds, t))
