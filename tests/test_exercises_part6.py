"""The Part VI checkers pass solutions written from scratch, visible and hidden, and explain wrong ones.

(The checks of wrong answers that were already in tests/test_compression.py stay there.)
"""
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lib.exercises import ExerciseError, part6


def quantize(X, lo, hi):
    step = (hi - lo) / 255.0
    return np.clip(np.round((X - lo) / step) - 128, -128, 127).astype(np.int8)


def dequantize(codes, lo, hi):
    return ((codes.astype(np.float32) + 128) * (hi - lo) / 255.0 + lo).astype(np.float32)


def hamming(a, b):
    return int(np.unpackbits(np.bitwise_xor(a, b)).sum())


def pq_bytes(n, d, m, nbits):
    return n * -(-m * nbits // 8) + m * 2 ** nbits * (d // m) * 4


def pca_reduce(X_fit, X, d):
    mu = X_fit.mean(0)
    _, _, vt = np.linalg.svd(X_fit - mu, full_matrices=False)
    Z = (X - mu) @ vt[:d].T
    return Z / np.linalg.norm(Z, axis=1, keepdims=True)


def nested_loss(q, p, dims, temperature):
    target = torch.arange(len(q))
    out = []
    for d in dims:
        S = F.normalize(q[:, :d], dim=1) @ F.normalize(p[:, :d], dim=1).T / temperature
        out.append((F.cross_entropy(S, target) + F.cross_entropy(S.T, target)) / 2)
    return torch.stack(out).mean()


def retention(scores, baseline):
    if baseline == 0:
        raise ValueError("baseline is 0")
    return {k: 100.0 * v / baseline for k, v in scores.items()}


def qr_rows(i, m, n):
    return i // m, -(-n // m) + i % m


def bucket_means(E, ids, n_buckets):
    T = np.zeros((n_buckets, E.shape[1]))
    np.add.at(T, ids, E)
    return T / np.maximum(np.bincount(ids, minlength=n_buckets), 1)[:, None]


def rows_for_budget(budget_bytes, d, bytes_per_value):
    return int(budget_bytes // (d * bytes_per_value))


def neighbour_loss(A, P, N, ignore, temperature):
    a, p, n = F.normalize(A, dim=-1), F.normalize(P, dim=-1), F.normalize(N, dim=-1)
    target = torch.einsum("bd,bkd->bk", a, p) / temperature
    others = (a @ n.T / temperature).masked_fill(ignore, float("-inf"))
    return F.softplus(others.logsumexp(1, keepdim=True) - target).mean()


def sif_weights(n, a):
    inv = 1.0 / np.arange(2, n + 2)
    return a / (a + inv / inv.sum())


def static_encode(table, rows):
    X = np.stack([table[r].mean(0) for r in rows])
    return X / np.linalg.norm(X, axis=1, keepdims=True)


def speedup(n_texts, seconds_slow, seconds_fast):
    if seconds_slow <= 0 or seconds_fast <= 0:
        raise ValueError("times must be positive")
    return n_texts / seconds_slow, n_texts / seconds_fast, seconds_slow / seconds_fast


#: a correct solution of each checker (its learner arguments), for tests/test_exercises_delegation.py
SOLUTIONS = {"check_int8": (quantize, dequantize), "check_hamming": (hamming,), "check_pq_bytes": (pq_bytes,),
             "check_pca_reduce": (pca_reduce,), "check_nested_loss": (nested_loss,), "check_retention": (retention,),
             "check_qr_rows": (qr_rows,), "check_bucket_means": (bucket_means,),
             "check_equal_memory": (rows_for_budget,), "check_neighbour_loss": (neighbour_loss,),
             "check_sif": (sif_weights,), "check_static_encode": (static_encode,), "check_speedup": (speedup,)}


@pytest.mark.parametrize("name", sorted(SOLUTIONS))
@pytest.mark.parametrize("hidden", [False, True])
def test_checkers_pass_solutions_written_from_scratch(name, hidden):
    assert getattr(part6, name)(*SOLUTIONS[name], hidden=hidden).startswith("PASSED")


def test_hidden_messages_do_not_give_the_answer():
    with pytest.raises(ExerciseError, match="hidden test") as err:
        part6.check_pq_bytes(lambda n, d, m, nbits: n * m * nbits / 8 + 2 ** nbits * d * 4, hidden=True)
    assert "rounded up" in str(err.value)                      # codes that end inside a byte
    with pytest.raises(ExerciseError, match="hidden test") as err:
        part6.check_qr_rows(lambda i, m, n: (i // m, n // m + i % m), hidden=True)  # floor, not ceil
    assert "ceil(n / m) + i % m" in str(err.value) and "+ i % m =" not in str(err.value)   # the rule, not the row
    with pytest.raises(ExerciseError, match=r"hidden test.*is wrong"):
        part6.check_equal_memory(lambda b, d, v: round(b / (d * v)), hidden=True)
    with pytest.raises(ExerciseError, match="hidden test.*ValueError"):           # only the slow time checked
        part6.check_speedup(lambda n, s, f: speedup(n, s, f or 1.0), hidden=True)
    with pytest.raises(ExerciseError, match="hidden test.*keys"):
        part6.check_retention(lambda s, b: {"a": 1.0}, hidden=True)
