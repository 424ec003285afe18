"""Checks for the exercises of Part VI (compression)."""
from __future__ import annotations

import numpy as np

from .. import compression, linalg
from . import ExerciseError, close, exercise, expect, hidden, implemented, matches_digest, passed, rng as _rng, seed as _seed

__all__ = ["check_int8", "check_hamming", "check_pq_bytes", "check_pca_reduce", "check_nested_loss",
           "check_retention", "check_qr_rows", "check_bucket_means", "check_equal_memory", "check_neighbour_loss",
           "check_sif", "check_static_encode", "check_speedup"]


def _call(fn, what, *args):
    try:
        return fn(*args)
    except NotImplementedError:
        raise ExerciseError(f"{what} still raises NotImplementedError: write the function body")


# --------------------------------------------------------------------------- chapter 1
@exercise("ex-p6-c1-int8", forbids=('lib.compression.Int8Quantizer',))
def check_int8(quantize, dequantize) -> str:
    """ex-p6-c1-int8: ``quantize(X, lo, hi)`` -> int8 codes, ``dequantize(codes, lo, hi)`` -> floats.

    Parameters
    ----------
    quantize, dequantize : callable
        The learner's ``quantize(X, lo, hi)`` (float (n, d), per-dimension ranges (d,) -> int8 (n, d)) and
        ``dequantize(codes, lo, hi)`` (-> float32 (n, d)).

    Returns
    -------
    str
        ``"PASSED ex-p6-c1-int8"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(quantize, "quantize")
    implemented(dequantize, "dequantize")
    rng = _rng(6)
    X = rng.normal(size=(50, 12)).astype(np.float32)
    ref = compression.Int8Quantizer().fit(X)
    codes = _call(quantize, "quantize", X, ref.lo_, ref.hi_)
    codes = np.asarray(codes)
    expect(codes.dtype == np.int8, f"quantize should return dtype int8; got {codes.dtype}")
    expect(codes.shape == X.shape, f"quantize should keep the shape {X.shape}; got {codes.shape}")
    expect(codes.min() == -128 and codes.max() == 127,
           "the calibration minimum must map to -128 and the maximum to 127 (use all 256 levels)")
    diff = np.abs(codes.astype(int) - ref.encode(X).astype(int)).max()
    expect(diff <= 1, f"codes differ from the reference by up to {diff} levels: "
                      "code = round((x - lo) / ((hi - lo) / 255)) - 128")
    # out-of-range values are clipped
    wide = _call(quantize, "quantize", X * 3, ref.lo_, ref.hi_)
    expect(np.asarray(wide).min() >= -128 and np.asarray(wide).max() <= 127 and np.asarray(wide).dtype == np.int8,
           "values outside [lo, hi] must be clipped to -128..127 before casting to int8 (otherwise they wrap around)")
    back = np.asarray(_call(dequantize, "dequantize", ref.encode(X), ref.lo_, ref.hi_))
    close(back, ref.decode(ref.encode(X)), 1e-4, "dequantize(codes)")
    return passed("ex-p6-c1-int8")


@exercise("ex-p6-c1-hamming", forbids=('lib.compression.hamming_distances',))
def check_hamming(hamming) -> str:
    """ex-p6-c1-hamming: ``hamming(a, b)`` for two packed uint8 codes (1-D) -> int.

    Parameters
    ----------
    hamming : callable
        ``hamming(a, b)``: two 1-D uint8 codes from :func:`lib.compression.binarize` -> the number of differing bits.

    Returns
    -------
    str
        ``"PASSED ex-p6-c1-hamming"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(hamming, "hamming")
    rng = _rng(7)
    X = rng.normal(size=(20, 64))
    codes = compression.binarize(X)
    for i in range(0, 20, 2):
        got = _call(hamming, "hamming", codes[i], codes[i + 1])
        want = int(((X[i] > 0) != (X[i + 1] > 0)).sum())
        expect(np.ndim(got) == 0, f"hamming should return one number; got shape {np.shape(got)}")
        expect(int(got) == want, f"hamming of codes {i} and {i + 1} is {want} differing bits; got {got}. "
                                 "XOR the bytes and count the 1 bits (np.unpackbits or a popcount table)")
    expect(int(hamming(codes[0], codes[0])) == 0, "a code is at distance 0 from itself")
    return passed("ex-p6-c1-hamming")


@exercise("ex-p6-c1-pqbytes", forbids=())
def check_pq_bytes(pq_bytes) -> str:
    """ex-p6-c1-pqbytes: ``pq_bytes(n, d, m, nbits)`` -> total bytes of a PQ index (codes + codebooks).

    Parameters
    ----------
    pq_bytes : callable
        ``pq_bytes(n, d, m, nbits)`` -> bytes of n PQ codes plus the m codebooks.

    Returns
    -------
    str
        ``"PASSED ex-p6-c1-pqbytes"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(pq_bytes, "pq_bytes")
    # the expected sizes are stored as digests (lib.exercises.digest): the formula is the exercise
    cases = [((1000, 384, 48, 8), "c389358fe1aa030f0879ddf0adf1c9308b82188b817ae43f07d8049865347190"),
             ((10, 384, 96, 4), "16c9d7394f67dcd447db8b5453186790b2be54b73991d36c4a52af7aeb137a53"),
             ((1, 64, 8, 6), "31b11d75b4a9a6d590424f3421ca62cccd2f2cd81855c0851712ce03213627ac")]
    if hidden():                # other sizes: codes that end inside a byte, no vectors at all, 1-bit codes
        cases = [((7, 96, 12, 5), "8e2ceecbcb5c7a306792a3104b9b249f16e36d70da1ed02c7ba948690a0819b3"),
                 ((250, 128, 32, 3), "6129bdf179bacd2c2b006843113f7ae74881dd2e28d922c673bc4ae2c09bee6e"),
                 ((3, 30, 10, 7), "963c06702e74beb96ffba8a8ef2589d269cabaca917cbaf04029097544349b15"),
                 ((0, 16, 4, 2), "51e8ea280b44e16934d4d611901f3d3afc41789840acdff81942c2f65009cd52"),
                 ((5, 8, 8, 1), "c75cb66ae28d8ebc6eded002c28a8ba0d06d3a78c6b5cbf9b2ade051f0775ac4")]
    for args, want in cases:
        got = _call(pq_bytes, "pq_bytes", *args)
        expect(np.ndim(got) == 0, "pq_bytes should return one number")
        expect(matches_digest(int(round(float(got))), want),
               f"pq_bytes{args} is not {got}: count n codes of m sub-codes of nbits bits each, rounded up to "
               f"whole bytes per code, plus m codebooks of 2**nbits centroids of d/m float32 each")
    return passed("ex-p6-c1-pqbytes")


# --------------------------------------------------------------------------- chapter 2
@exercise("ex-p6-c2-pca", forbids=('lib.linalg.PCA',))
def check_pca_reduce(pca_reduce) -> str:
    """ex-p6-c2-pca: ``pca_reduce(X_fit, X, d)`` -> unit rows of the top-d PCA projection.

    Parameters
    ----------
    pca_reduce : callable
        ``pca_reduce(X_fit, X, d)``: fit on ``X_fit`` (n, d_in), project ``X`` (m, d_in) -> unit rows (m, d).

    Returns
    -------
    str
        ``"PASSED ex-p6-c2-pca"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(pca_reduce, "pca_reduce")
    rng = _rng(8)
    A = rng.normal(size=(200, 16)) * np.linspace(3, 0.2, 16) + 1.5
    B = rng.normal(size=(30, 16)) * np.linspace(3, 0.2, 16) + 1.5
    for d in (1, 4, 16):
        got = np.asarray(_call(pca_reduce, "pca_reduce", A, B, d), dtype=float)
        want = linalg.PCA().fit(A).transform(B, d, normalize=True)
        expect(got.shape == want.shape, f"pca_reduce(X_fit, X, {d}) should have shape {want.shape}; got {got.shape}")
        expect(np.allclose(np.linalg.norm(got, axis=1), 1, atol=1e-4), "rows should be re-normalised to unit length")
        # components are defined up to sign: compare Gram matrices
        close(got @ got.T, want @ want.T, 1e-3,
              f"cosines between reduced rows at d={d} (centre with the mean of X_fit, project on its top components)")
    return passed("ex-p6-c2-pca")


@exercise("ex-p6-c2-loss", forbids=('lib.compression.matryoshka_loss',))
def check_nested_loss(nested_loss) -> str:
    """ex-p6-c2-loss: ``nested_loss(q, p, dims, temperature)`` equals the library's Matryoshka loss.

    Parameters
    ----------
    nested_loss : callable
        ``nested_loss(q, p, dims, temperature)``: torch tensors (batch, d_out) -> a scalar tensor, compared with
        :func:`lib.compression.matryoshka_loss`.

    Returns
    -------
    str
        ``"PASSED ex-p6-c2-loss"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    import torch

    implemented(nested_loss, "nested_loss")
    torch.manual_seed(_seed(0))
    q, p = torch.randn(12, 16), torch.randn(12, 16)
    for dims in ((16,), (2, 8, 16)):
        got = _call(nested_loss, "nested_loss", q, p, dims, 0.1)
        expect(torch.is_tensor(got) and got.ndim == 0, "nested_loss should return a scalar torch tensor")
        want = compression.matryoshka_loss(q, p, dims, 0.1)
        close(float(got), float(want), 1e-4,
              f"loss at dims={dims} (mean over dims of the symmetric in-batch InfoNCE on normalised prefixes)")
    return passed("ex-p6-c2-loss")


@exercise("ex-p6-c2-retention", forbids=())
def check_retention(retention) -> str:
    """ex-p6-c2-retention: ``retention(scores, baseline)`` -> percent of the baseline, per entry.

    Parameters
    ----------
    retention : callable
        ``retention(scores, baseline)``: dict of scores and a float -> dict of percentages; ``ValueError`` for a zero baseline.

    Returns
    -------
    str
        ``"PASSED ex-p6-c2-retention"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(retention, "retention")
    cases, zero = [({"a": 0.5, "b": 0.8}, 0.8)], ({"a": 0.5}, 0.0)
    if hidden():                # other names, scores above and below the baseline, no scores; an int zero baseline
        rng = _rng(47)
        names = ["bm25", "d=64", "d=16", "int8", "binary"]
        cases = [(dict(zip(names, rng.uniform(0.1, 0.9, 5).tolist())), float(rng.uniform(0.3, 0.8))), ({}, 0.5)]
        zero = {"d=32": 0.4, "d=8": 0.1}, 0
    for scores, baseline in cases:
        got = _call(retention, "retention", dict(scores), baseline)
        expect(isinstance(got, dict), f"retention should return a dict; got {type(got).__name__}")
        expect(set(got) == set(scores), f"keys should be kept; got {sorted(got)}")
        close([got[k] for k in scores], [100 * v / baseline for v in scores.values()], 1e-6, "retention in percent")
    try:
        retention(*zero)
    except ValueError:
        pass
    else:
        raise ExerciseError("retention(scores, 0.0) should raise ValueError (a zero baseline has no ratio)")
    return passed("ex-p6-c2-retention")


# --------------------------------------------------------------------------- chapter 3
@exercise("ex-p6-c3-qr", forbids=())
def check_qr_rows(qr_rows) -> str:
    """ex-p6-c3-qr: ``qr_rows(i, m, n)`` -> (quotient row, remainder row) in a stacked table.

    Parameters
    ----------
    qr_rows : callable
        ``qr_rows(i, m, n)`` -> (quotient row, remainder row) of word ``i`` in the stacked table.

    Returns
    -------
    str
        ``"PASSED ex-p6-c3-qr"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(qr_rows, "qr_rows")
    tables = [(103, 10)]
    if hidden():                # other tables: n a multiple of m, m larger than n, m = 1, a random one
        rng = _rng(49)
        tables = [(48, 8), (7, 10), (30, 1), (int(rng.integers(50, 300)), int(rng.integers(2, 40)))]
    for n, m in tables:
        seen = set()
        for i in range(n):
            got = _call(qr_rows, "qr_rows", i, m, n)
            expect(len(got) == 2, "qr_rows should return two row indices")
            a, b = int(got[0]), int(got[1])
            nq = -(-n // m)
            word, q_is, r_is, rows = f"word {i}", f"i // m = {i // m}", f"ceil(n / m) + i % m = {nq + i % m}", nq
            if hidden():        # the message names the rule, not the row
                word, q_is, r_is, rows = f"word {i} of n={n}, m={m}", "i // m", "ceil(n / m) + i % m", "ceil(n / m)"
            expect(a == i // m, f"{word}: the quotient row is {q_is}; got {a}")
            expect(b == nq + i % m, f"{word}: the remainder row is {r_is} "
                                    f"(R is stacked below the {rows} quotient rows); got {b}")
            seen.add((a, b))
        expect(len(seen) == n, "every word must get a distinct pair of rows")
    return passed("ex-p6-c3-qr")


@exercise("ex-p6-c3-hash", forbids=())
def check_bucket_means(bucket_means) -> str:
    """ex-p6-c3-hash: ``bucket_means(E, ids, n_buckets)`` -> least-squares table of the hashing trick.

    Parameters
    ----------
    bucket_means : callable
        ``bucket_means(E, ids, n_buckets)``: table (n, d), bucket ids (n,) -> (n_buckets, d) bucket means.

    Returns
    -------
    str
        ``"PASSED ex-p6-c3-hash"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(bucket_means, "bucket_means")
    rng = _rng(9)
    E = rng.normal(size=(60, 5)).astype(np.float32)
    ids = rng.integers(0, 7, size=60)
    ids[ids == 3] = 4  # an empty bucket
    got = np.asarray(_call(bucket_means, "bucket_means", E, ids, 8), dtype=float)
    expect(got.shape == (8, 5), f"the table should have shape (8, 5); got {got.shape}")
    want = np.zeros((8, 5))
    for b in range(8):
        if (ids == b).any():
            want[b] = E[ids == b].mean(0)
    close(got, want, 1e-5, "bucket table (each row the mean of its words; an empty bucket stays 0)")
    return passed("ex-p6-c3-hash")


@exercise("ex-p6-c3-budget", forbids=())
def check_equal_memory(rows_for_budget) -> str:
    """ex-p6-c3-budget: ``rows_for_budget(budget_bytes, d, bytes_per_value)`` -> rows that fit.

    Parameters
    ----------
    rows_for_budget : callable
        ``rows_for_budget(budget_bytes, d, bytes_per_value)`` -> the whole number of rows that fit.

    Returns
    -------
    str
        ``"PASSED ex-p6-c3-budget"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(rows_for_budget, "rows_for_budget")
    cases = ((1000, 10, 4), (1_000_000, 50, 4), (999, 10, 4), (100, 50, 0.25))
    if hidden():                # other budgets and widths; less than one row; an exact multiple of a row
        rng = _rng(51)
        cases = [(int(b), int(d), float(v) if v < 1 else int(v)) for b, d, v in
                 zip(rng.integers(1, 10 ** 7, 3), rng.integers(1, 1025, 3), rng.choice([0.25, 0.5, 1, 2, 4], 3))]
        cases += [(99, 50, 2), (3 * 384 * 4, 384, 4)]
    for args in cases:
        want = int(args[0] // (args[1] * args[2]))
        got = _call(rows_for_budget, "rows_for_budget", *args)
        should = "is wrong" if hidden() else f"should be {want}"
        expect(int(got) == want, f"rows_for_budget{args} {should} (floor of budget / (d * bytes_per_value)); got {got}")
    return passed("ex-p6-c3-budget")


@exercise("ex-p6-c3-loss", forbids=('lib.compression.neighbour_loss',))
def check_neighbour_loss(neighbour_loss) -> str:
    """ex-p6-c3-loss: ``neighbour_loss(A, P, N, ignore, temperature)`` equals the library's.

    Parameters
    ----------
    neighbour_loss : callable
        ``neighbour_loss(A, P, N, ignore, temperature)`` -> a scalar tensor, compared with
        :func:`lib.compression.neighbour_loss`.

    Returns
    -------
    str
        ``"PASSED ex-p6-c3-loss"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    import torch

    implemented(neighbour_loss, "neighbour_loss")
    torch.manual_seed(_seed(0))
    A, P, N = torch.randn(6, 8), torch.randn(6, 3, 8), torch.randn(20, 8)
    none = torch.zeros(6, 20, dtype=torch.bool)
    some = torch.rand(6, 20) < 0.3
    for ignore, what in ((none, "no negative ignored"), (some, "some negatives ignored")):
        got = _call(neighbour_loss, "neighbour_loss", A, P, N, ignore, 0.1)
        expect(torch.is_tensor(got) and got.ndim == 0, "neighbour_loss should return a scalar torch tensor")
        close(float(got), float(compression.neighbour_loss(A, P, N, ignore, 0.1)), 1e-4,
              f"loss with {what} (mean over anchors and targets of softplus(logsumexp of the kept negatives' "
              f"scores - the target's score), cosine scores / temperature)")
    close(float(_call(neighbour_loss, "neighbour_loss", 3 * A, P, N, some, 0.1)),
          float(compression.neighbour_loss(A, P, N, some, 0.1)), 1e-4, "loss with the anchors scaled by 3 (scores are cosines)")
    return passed("ex-p6-c3-loss")


# --------------------------------------------------------------------------- chapter 4
@exercise("ex-p6-c4-sif", forbids=('model2vec.distill.inference.compute_weights',))
def check_sif(sif_weights) -> str:
    """ex-p6-c4-sif: ``sif_weights(n, a)`` equals model2vec's Zipf/SIF weights.

    Parameters
    ----------
    sif_weights : callable
        ``sif_weights(n, a)`` -> (n,) weights, compared with model2vec's.

    Returns
    -------
    str
        ``"PASSED ex-p6-c4-sif"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    from model2vec.distill.inference import compute_weights

    implemented(sif_weights, "sif_weights")
    cases = ((10, 1e-4), (3000, 1e-3))
    if hidden():                # one word, other sizes and values of a
        rng = _rng(53)
        cases = ((1, 1e-3), (int(rng.integers(20, 5000)), float(10 ** rng.uniform(-5, -2))), (257, 0.05))
    for n, a in cases:
        got = np.asarray(_call(sif_weights, "sif_weights", n, a), dtype=float)
        expect(got.shape == (n,), f"sif_weights({n}, {a}) should have shape ({n},); got {got.shape}")
        close(got, compute_weights(n, a), 1e-9, f"weights for n={n}, a={a} (p_r ∝ 1/(r+1) for ranks r = 1..n, weight a / (a + p_r))")
    return passed("ex-p6-c4-sif")


@exercise("ex-p6-c4-encode", forbids=())
def check_static_encode(static_encode) -> str:
    """ex-p6-c4-encode: ``static_encode(table, rows)`` -> unit mean of the rows of each text.

    Parameters
    ----------
    static_encode : callable
        ``static_encode(table, rows)``: table (V, d), one list of row ids per text -> unit rows (n_texts, d).

    Returns
    -------
    str
        ``"PASSED ex-p6-c4-encode"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(static_encode, "static_encode")
    rng = _rng(10)
    T = rng.normal(size=(20, 6)).astype(np.float32)
    rows = [[1, 2, 3], [4], [5, 5, 6]]
    got = np.asarray(_call(static_encode, "static_encode", T, rows), dtype=float)
    expect(got.shape == (3, 6), f"one vector per text of width 6 expected; got shape {got.shape}")
    want = np.stack([T[r].mean(0) for r in rows])
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    close(got, want, 1e-5, "encoded texts (mean of token rows, a repeated token counts twice, then L2-normalised)")
    return passed("ex-p6-c4-encode")


@exercise("ex-p6-c4-speed", forbids=())
def check_speedup(speedup) -> str:
    """ex-p6-c4-speed: ``speedup(n_texts, seconds_slow, seconds_fast)`` -> (rate_slow, rate_fast, ratio).

    Parameters
    ----------
    speedup : callable
        ``speedup(n_texts, seconds_slow, seconds_fast)`` -> (texts/s slow, texts/s fast, ratio).

    Returns
    -------
    str
        ``"PASSED ex-p6-c4-speed"``, also printed; a wrong answer raises :class:`~lib.exercises.ExerciseError`.
    """
    implemented(speedup, "speedup")
    cases, zero = [(1000, 2.0, 0.01)], (10, 0.0, 1.0)
    if hidden():                # other counts and times, a fast run slower than the slow one; a zero fast time
        rng = _rng(55)
        cases = [(int(rng.integers(1, 10 ** 6)), float(rng.uniform(0.5, 60)), float(rng.uniform(1e-3, 0.5))),
                 (int(rng.integers(1, 100)), 0.25, 0.75)]
        zero = 10, 1.0, 0.0
    for n, slow, fast in cases:
        got = _call(speedup, "speedup", n, slow, fast)
        expect(len(got) == 3, "speedup should return three numbers")
        close(list(got), [n / slow, n / fast, slow / fast], 1e-6, "(texts/s slow, texts/s fast, ratio)")
    try:
        speedup(*zero)
    except ValueError:
        pass
    else:
        raise ExerciseError("a time of 0 s should raise ValueError")
    return passed("ex-p6-c4-speed")
