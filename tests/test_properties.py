"""Property-based tests (hypothesis) over lib's public functions.

Each example feeds random shapes, dtypes, NaN/inf, zero rows, duplicates, padding ids and bad
``k``; the call must either raise a clear ``ValueError`` / ``TypeError`` whose message names the
argument (or the problem), or return a result that holds the function's invariants: ids valid and
unique per row, scores finite and descending, recall and the like in [0, 1], unit rows of norm 1
or 0. The profile is derandomized (the same examples on every run), so CI is deterministic.
"""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from lib import checks, evaluate, linalg, search, stats
from lib.models import keyed_vectors

PROFILE = settings(derandomize=True, deadline=None, database=None, max_examples=60, print_blob=True,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                          HealthCheck.function_scoped_fixture])
FEW = settings(PROFILE, max_examples=25)

# --------------------------------------------------------------------------- strategies
SPECIAL = [0.0, -0.0, 1.0, -1.0, 1e20, -1e20, 1e-25, 1e-40, np.nan, np.inf, -np.inf]
DTYPES = st.sampled_from([np.float32, np.float64, np.float16, np.int64, np.int8, np.bool_])


@st.composite
def matrices(draw, rows=(0, 7), cols=(0, 5), finite=False, dtypes=DTYPES, d=None, top=np.inf):
    """2-D arrays of any small shape and dtype, with special values, zero rows and repeated rows."""
    dtype = draw(dtypes)
    n = draw(st.integers(*rows))
    m = d if d is not None else draw(st.integers(*cols))
    if np.dtype(dtype).kind == "f":
        top = min(top, float(np.finfo(dtype).max))
        special = [v for v in SPECIAL if (np.isfinite(v) or not finite) and abs(v) <= top]
        elements = st.one_of(st.floats(-3, 3), st.sampled_from(special))
    elif dtype is np.bool_:
        elements = st.booleans()
    else:
        elements = st.integers(-3, 3)
    with np.errstate(over="ignore", under="ignore"):
        X = np.array(draw(st.lists(st.lists(elements, min_size=m, max_size=m), min_size=n, max_size=n)),
                     dtype=np.float64).reshape(n, m).astype(dtype)
    if n >= 2 and draw(st.booleans()):
        X[draw(st.integers(0, n - 1))] = 0                      # a zero row
    if n >= 2 and draw(st.booleans()):
        X[-1] = X[0]                                            # a duplicated row
    return X


def mostly(valid, invalid):
    """Valid input three times in four, so that both the errors and the invariants get examples."""
    return st.sampled_from([0, 0, 0, 1]).flatmap(lambda i: (valid, invalid)[i])


BAD_K = st.one_of(st.integers(-2, 9), st.sampled_from([2.5, "3", None, True, 2.0]))
K = mostly(st.integers(1, 3), BAD_K)
FINITE = st.floats(-5, 5, allow_nan=False, width=32)


@st.composite
def ranked_lists(draw, n_queries=(1, 3), depth=(1, 4), n_docs=6, pad=False):
    """Ranked id lists (distinct ids per row, optionally with -1 padding), sometimes spoiled."""
    nq, dp = draw(st.integers(*n_queries)), draw(st.integers(*depth))
    rows = [draw(st.permutations(range(n_docs)))[:dp] for _ in range(nq)]
    out = np.array(rows, dtype=np.int64).reshape(nq, dp)
    if pad and dp and draw(st.booleans()):
        out[:, -1] = -1
    spoil = draw(st.sampled_from(["none"] * 6 + ["repeat", "float", "range", "neg"]))
    if spoil == "repeat" and dp >= 2:
        out[0, 1] = out[0, 0]
    elif spoil == "float":
        out = out + 0.5
    elif spoil == "range":
        out[0, 0] = n_docs + 3
    elif spoil == "neg":
        out[0, 0] = -2
    return out


def clear_or(fn, *args, names=(), **kwargs):
    """``fn(*args, **kwargs)``, or ``None`` when it raised a ValueError/TypeError naming one of ``names``."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)    # e.g. ann's "fewer than k results"
            return fn(*args, **kwargs)
    except (ValueError, TypeError, KeyError) as exc:
        msg = str(exc)
        assert any(n in msg for n in names), f"{type(exc).__name__} names none of {names}: {msg!r}"
        assert "Traceback" not in msg
        return None


def assert_ranked(idx, scores, n_docs, k, allow_pad=False):
    """Ids in range, unique per row; scores finite (except padding) and descending."""
    assert idx.shape == scores.shape and idx.shape[1] == k and idx.dtype.kind == "i"
    low = -1 if allow_pad else 0
    assert ((idx >= low) & (idx < n_docs)).all()
    for row, sc in zip(idx, scores):
        real = row[row >= 0]
        assert len(set(real.tolist())) == len(real)
        s = sc[row >= 0].astype(np.float64)
        assert np.isfinite(s).all()
        assert (np.diff(s) <= 1e-5 * (1 + np.abs(s[:-1]))).all()


# --------------------------------------------------------------------------- checks
@PROFILE
@given(matrices(), st.booleans())
def test_as_matrix(X, allow_empty):
    out = clear_or(checks.as_matrix, X, "X", allow_empty=allow_empty, names=("X ",))
    if out is not None:
        assert out.ndim == 2 and out.dtype == np.float32 and np.isfinite(out).all()
        assert out.size or allow_empty


@PROFILE
@given(st.one_of(st.integers(-5, 5), st.floats(allow_nan=True), st.text(max_size=2), st.none(), st.booleans()),
       st.integers(-2, 2), st.integers(2, 5))
def test_integer_and_number(value, lo, hi):
    out = clear_or(checks.integer, value, "block", lo, hi, names=("block",))
    if out is not None:
        assert isinstance(out, int) and lo <= out <= hi and not isinstance(value, (bool, float, str))
    out = clear_or(checks.number, value, "c", lo, hi, names=("c ",))
    if out is not None:
        assert isinstance(out, float) and np.isfinite(out) and lo <= out <= hi


@PROFILE
@given(hnp.arrays(np.int64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4), elements=st.integers(-2, 5)),
       st.sampled_from([np.int64, np.int32, np.float64, np.bool_]), st.integers(1, 5), st.booleans(), st.booleans())
def test_ids(arr, dtype, n, allow_pad, unique):
    arr = arr.astype(dtype)
    out = clear_or(checks.ids, arr, n, "ranked", allow_pad=allow_pad, unique=unique, names=("ranked",))
    if out is not None:
        assert out.ndim == 2 and out.dtype == np.int64
        assert ((out >= (-1 if allow_pad else 0)) & (out < n)).all()
        if unique:
            for row in out:
                real = row[row >= 0]
                assert len(set(real.tolist())) == len(real)


@PROFILE
@given(K, st.integers(0, 6))
def test_check_k(k, n):
    out = clear_or(checks.check_k, k, n, names=("k ", "k=", "k must"))
    if out is not None:
        assert 1 <= out <= n and isinstance(out, int)


# --------------------------------------------------------------------------- linalg
@PROFILE
@given(matrices(), st.sampled_from(["keep", "raise"]))
def test_unit_rows_have_norm_one_or_zero(X, zero):
    out = clear_or(linalg.unit, X, zero=zero, names=("X ",))
    if out is not None:
        norms = np.linalg.norm(out.astype(np.float64), axis=1)
        tol = 1e-2 if out.dtype == np.float16 else 1e-5
        assert ((np.abs(norms - 1) < tol) | (norms == 0)).all(), norms
        if zero == "raise":
            assert (norms > 0).all()


@PROFILE
@given(mostly(st.integers(2, 6), st.sampled_from([-1, 0, 1, 2.5])), mostly(st.integers(1, 50), st.sampled_from([0, "3"])),
       st.integers(0, 3))
def test_random_pairs(n, n_pairs, seed):
    out = clear_or(linalg.random_pairs, n, n_pairs, seed, names=("n ", "n_pairs"))
    if out is not None:
        i, j = out
        assert len(i) == len(j) == n_pairs and (i != j).all() and (i >= 0).all() and (j < n).all()


@FEW
@given(matrices(rows=(0, 8), cols=(0, 4), finite=True), st.one_of(st.none(), st.integers(-1, 5), st.just(1.5)))
def test_pca(X, n_components):
    pca = clear_or(lambda: linalg.PCA(n_components).fit(X), names=("X", "n_components", "variance"))
    if pca is not None:
        ratio = pca.explained_variance_ratio_
        assert np.isfinite(ratio).all() and (ratio >= -1e-9).all() and ratio.sum() <= 1 + 1e-6
        Z = pca.transform(X)
        assert Z.shape[0] == len(X) and np.isfinite(Z).all()


# --------------------------------------------------------------------------- search
@st.composite
def query_doc_pairs(draw, rows=(0, 6)):
    """(queries, docs) that mostly share their width, sometimes not."""
    d = draw(mostly(st.integers(1, 4), st.just(0)))
    Q = draw(mostly(matrices(rows=(1, rows[1]), d=d), matrices(rows=rows, d=d)))
    D = draw(mostly(matrices(rows=(1, 6), d=d), matrices(rows=rows)))
    return Q, D


@PROFILE
@given(st.booleans(), st.data())
def test_top_k(valid, data):
    if valid:   # every argument valid (the invariants get examples), else any of them may be bad
        d = data.draw(st.integers(1, 4))
        D = data.draw(matrices(rows=(1, 6), d=d))
        Q = data.draw(matrices(rows=(1, 6), d=d))
        exclude_self = data.draw(st.booleans())
        if exclude_self:
            Q = D[:data.draw(st.integers(1, len(D)))]
        k = data.draw(st.integers(1, max(1, len(D) - exclude_self)))
        metric = data.draw(st.sampled_from(search.METRICS))
        block = data.draw(st.integers(1, 3))
    else:
        Q, D = data.draw(query_doc_pairs())
        k, exclude_self = data.draw(K), data.draw(st.booleans())
        metric = data.draw(mostly(st.sampled_from(search.METRICS), st.just("manhattan")))
        block = data.draw(mostly(st.integers(1, 3), st.sampled_from([-1, 0, 2.5])))
    out = clear_or(search.top_k, Q, D, k=k, metric=metric, block=block, exclude_self=exclude_self,
                   names=("queries", "docs", "k", "metric", "block", "exclude_self", "overflow"))
    if out is not None:
        idx, scores = out
        assert_ranked(idx, scores, len(D), k)
        if exclude_self:
            assert not (idx == np.arange(len(Q))[:, None]).any()
        if metric == "cosine":
            assert (np.abs(scores) <= 1 + 1e-5).all()


@PROFILE
@given(matrices(rows=(1, 6), cols=(1, 4)))
def test_normalize(X):
    out = clear_or(search.normalize, X, names=("x ",))
    if out is not None:
        norms = np.linalg.norm(out.astype(np.float64), axis=1)
        tol = 1e-2 if out.dtype == np.float16 else 1e-5
        assert ((np.abs(norms - 1) < tol) | (norms == 0)).all()


@PROFILE
@given(ranked_lists(n_queries=(2, 2), pad=True), ranked_lists(n_queries=(2, 2)),
       mostly(st.sampled_from(["recall", "jaccard"]), st.just("f1")))
def test_list_overlap(found, exact, kind):
    out = clear_or(search.list_overlap, found, exact, kind, names=("found", "exact", "kind"))
    if out is not None:
        assert 0 <= out <= 1


@FEW
@given(matrices(rows=(0, 8), cols=(1, 4), finite=True), K, st.sampled_from(["recall", "jaccard"]))
def test_neighbour_overlap(A, k, kind):
    B = A[:, ::-1] * 2 if A.size else A
    out = clear_or(search.neighbour_overlap, A, B, k=k, kind=kind, names=("A ", "B ", "k", "candidates", "rows"))
    if out is not None:
        assert 0 <= out <= 1


# --------------------------------------------------------------------------- stats
@FEW
@given(mostly(hnp.arrays(np.float64, st.integers(2, 12), elements=FINITE),
              hnp.arrays(np.float64, st.integers(0, 12), elements=st.one_of(FINITE, st.sampled_from([np.nan, np.inf])))),
       mostly(st.integers(100, 200), st.sampled_from([-1, 0, 1, 99, 2.5])), mostly(st.just(0.95), st.sampled_from([0.5, 0, 1.2])))
def test_mean_ci(values, n_boot, level):
    est = clear_or(stats.mean_ci, values, n_boot=n_boot, level=level, names=("values", "n_boot", "n_items", "level"))
    if est is not None:
        assert np.isfinite([est.value, est.low, est.high]).all()
        assert values.min() - 1e-9 <= est.low <= est.high <= values.max() + 1e-9
        assert abs(est.value - values.mean()) < 1e-9


@FEW
@given(mostly(st.sampled_from([0.5, np.float32(0.25), np.array(0.5)]), st.sampled_from([np.nan, np.inf, "x", None, np.ones(2)])),
       mostly(st.integers(2, 4), st.integers(-1, 1)))
def test_bootstrap_statistic(returned, n_items):
    est = clear_or(stats.bootstrap, lambda idx: returned, n_items, n_boot=100,
                   names=("n_items", "statistic", "replicates", "full data"))
    if est is not None:
        assert est.low == est.value == est.high == float(returned)


# --------------------------------------------------------------------------- evaluate
@PROFILE
@given(ranked_lists(pad=True), st.data(),
       mostly(st.one_of(st.integers(1, 2), st.lists(st.integers(1, 2), max_size=2).map(tuple)),
              st.sampled_from([0, 7, None, "1"])))
def test_retrieval_scores(ranked, data, ks):
    valid = st.lists(st.one_of(st.integers(0, 5), st.sets(st.integers(0, 5), min_size=1, max_size=3)),
                     min_size=len(ranked), max_size=len(ranked))
    relevant = data.draw(mostly(valid, st.lists(st.one_of(st.integers(-1, 5), st.sets(st.integers(0, 5), max_size=2),
                                                          st.just("a"), st.none()), max_size=3)))
    out = clear_or(evaluate.retrieval_scores, ranked, relevant, ks=ks,
                   names=("ranked", "relevant", "k", "query", "relevance sets"))
    if out is not None:
        for name, v in out.items():
            assert v.shape == (len(ranked),) and np.isfinite(v).all() and (v >= 0).all() and (v <= 1 + 1e-12).all(), name


class _Analogies:
    def __init__(self, questions):
        self.sections = {"capital-common-countries": questions[: len(questions) // 2],
                         "gram1-adjective-to-adverb": questions[len(questions) // 2:]}

    @staticmethod
    def is_syntactic(section):
        return section.startswith("gram")


WORDS = list("abcdefg")


@FEW
@given(matrices(rows=(7, 7), cols=(1, 4), finite=True, dtypes=st.sampled_from([np.float32, np.int8])),
       st.lists(st.tuples(*[st.sampled_from(WORDS + ["zz"])] * 4), min_size=1, max_size=6),
       st.sampled_from(["3cosadd", "3cosmul"]), st.one_of(st.none(), st.integers(3, 8)))
def test_analogy_on_tiny_tables(V, questions, method, restrict):
    kv = keyed_vectors(WORDS, V)
    res = clear_or(evaluate.analogy, kv, _Analogies(questions), method=method, restrict_vocab=restrict, batch=2,
                   names=("analogy question", "restrict_vocab"))
    if res is not None:
        assert 0 <= res.accuracy <= res.mrr <= 1
        assert ((res.reciprocal_rank > 0) & (res.reciprocal_rank <= 1)).all()
        assert res.correct.tolist() == (res.reciprocal_rank == 1).tolist()
        if not np.abs(V).sum():
            assert res.accuracy == 0                                  # ties are lost by the gold answer


@FEW
@given(matrices(rows=(7, 7), cols=(1, 4), finite=True),
       mostly(st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(WORDS)), min_size=4, max_size=12),
              st.lists(st.tuples(st.sampled_from(WORDS + ["zz"]), st.sampled_from(WORDS)), max_size=4)),
       st.data())
def test_word_similarity(V, pairs, data):
    valid = data.draw(st.booleans())
    n = len(pairs) + (0 if valid else data.draw(st.integers(-1, 1)))
    finite = st.lists(FINITE, min_size=max(n, 0), max_size=max(n, 0))
    scores = np.array(data.draw(finite if valid else finite.map(lambda v: v[:-1] + [np.nan] if v else v)))
    if valid:
        V = V + np.random.default_rng(len(pairs)).normal(size=V.shape)     # not all constant

    class Pairs:
        name = "toy"

    ds = Pairs()
    ds.pairs, ds.scores = pairs, scores
    res = clear_or(evaluate.word_similarity, keyed_vectors(WORDS, V), ds,
                   names=("pairs", "scores", "constant", "vocabulary"))
    if res is not None:
        assert -1 - 1e-9 <= res.spearman <= 1 + 1e-9 and 0 < res.coverage <= 1


# --------------------------------------------------------------------------- retrieval
@PROFILE
@given(mostly(st.lists(ranked_lists(n_queries=(2, 2), pad=True), min_size=1, max_size=3), st.sampled_from([[], None, "ab"])),
       K, mostly(st.sampled_from([60.0, 0.0]), st.sampled_from([-1.0, np.nan, "60"])))
def test_reciprocal_rank_fusion(rankings, k, c):
    from lib.retrieval import reciprocal_rank_fusion

    out = clear_or(reciprocal_rank_fusion, rankings, k=k, c=c, names=("rankings", "k", "c "))
    if out is not None:
        idx, scores = out
        assert_ranked(idx, scores, max(int(np.max(r)) for r in rankings) + 1, k)   # ids are open-ended
        for q in range(idx.shape[0]):
            seen = set().union(*(set(r[q].tolist()) for r in rankings)) - {-1}
            assert set(idx[q].tolist()) <= seen


TEXT = st.text(alphabet=st.sampled_from(list("ab cd\x00é🙂\n")), max_size=12)


@FEW
@given(st.booleans(), st.data())
def test_bm25_search(valid, data):
    from lib.retrieval import bm25_search

    if valid:
        queries, passages = data.draw(st.lists(TEXT, min_size=1, max_size=3)), data.draw(st.lists(TEXT, min_size=3,
                                                                                                 max_size=5))
        k, k1, b = data.draw(st.integers(1, 3)), data.draw(st.sampled_from([1.5, 0.0])), data.draw(
            st.sampled_from([0.75, 0.0, 1.0]))
    else:
        queries = data.draw(mostly(st.lists(TEXT, min_size=1, max_size=3), st.sampled_from([[], None, [1, "a"]])))
        passages = data.draw(mostly(st.lists(TEXT, min_size=3, max_size=5), st.lists(TEXT, max_size=2)))
        k = data.draw(K)
        k1 = data.draw(mostly(st.sampled_from([1.5, 0.0]), st.sampled_from([-1.0, np.nan])))
        b = data.draw(mostly(st.sampled_from([0.75, 0.0, 1.0]), st.just(5.0)))

    out = clear_or(bm25_search, queries, passages, k=k, k1=k1, b=b, names=("queries", "passages", "k", "k1", "b "))
    if out is not None:
        assert_ranked(*out, len(passages), k)


@PROFILE
@given(query_doc_pairs(rows=(0, 5)), K)
def test_dense_search(QP, k):
    Q, P = QP
    from lib.retrieval import dense_search

    out = clear_or(dense_search, Q, P, k=k, names=("query_vectors", "passage_vectors", "queries", "k"))
    if out is not None:
        assert_ranked(*out, len(P), k)
        assert (np.abs(out[1]) <= 1 + 1e-5).all()


# --------------------------------------------------------------------------- ann (faiss)
@pytest.fixture(scope="module")
def faiss_one_thread():
    ann = pytest.importorskip("lib.ann")
    ann.set_threads(1)
    return ann


@FEW
@given(matrices(rows=(0, 24), cols=(8, 8), finite=True, dtypes=st.just(np.float32), top=1e3),  # huge rows: test below
       st.sampled_from(["flat", "hnsw", "ivf", "float16", "binary", "cube"]), K,
       st.one_of(st.none(), st.integers(-1, 4)), st.integers(1, 3))
def test_ann_small_indexes(faiss_one_thread, X, kind, k, knob, nlist):
    ann = faiss_one_thread
    index = clear_or(ann.build_index, kind, X, M=4, nlist=nlist, train_size=39 * nlist,
                     names=("kind", "docs", "nlist", "train", "M "))
    if index is None:
        return
    if kind not in ann.KNOBS:
        knob = None
    out = clear_or(ann.search, index, X[:3], k=k, knob=knob, incomplete="allow", names=("queries", "k", "knob"))
    if out is not None:
        idx, scores = out
        assert_ranked(idx, np.where(idx >= 0, scores, 0), len(X), k, allow_pad=True)
        if kind == "flat":
            ref, _ = search.top_k(X[:3], X, k=k, metric="dot")
            exact = (X[:3] @ X.T).astype(np.float64)
            assert np.allclose(np.take_along_axis(exact, idx, 1), np.take_along_axis(exact, ref, 1), atol=1e-4)


# --------------------------------------------------------------------------- compression (quantizers)
@FEW
@given(st.data(), mostly(st.sampled_from([100.0, 99.0]), st.sampled_from([0.0, 150.0, np.nan, "99"])))
def test_int8_quantizer(data, percentile):
    d = data.draw(st.integers(0, 4))
    train = data.draw(mostly(matrices(rows=(2, 6), d=d, finite=True), matrices(rows=(0, 6), cols=(0, 4))))
    X = data.draw(mostly(matrices(rows=(1, 4), d=d, finite=True), matrices(rows=(0, 4), cols=(0, 4))))
    from lib.compression import Int8Quantizer

    q = clear_or(lambda: Int8Quantizer(percentile).fit(train), names=("percentile", "X", "calibration", "train"))
    if q is None:
        return
    codes = clear_or(q.encode, X, names=("X", "dimension", "d="))
    if codes is not None:
        assert codes.dtype == np.int8 and codes.shape == np.shape(X)
        back = q.decode(codes)
        assert back.shape == codes.shape and np.isfinite(back).all()


@FEW
@given(mostly(matrices(rows=(1, 6), cols=(1, 4), finite=True), matrices(rows=(0, 6), cols=(0, 4))),
       mostly(st.integers(1, 8), st.sampled_from([-1, 0, 9, 2.5])))
def test_quantize_rows_round_trip(E, bits):
    from lib.compression import dequantize_rows, quantize_rows

    out = clear_or(quantize_rows, E, bits, names=("table", "E ", "bits"))
    if out is not None:
        codes, lo, hi = out
        assert codes.dtype == np.uint8 and codes.shape == E.shape and int(codes.max(initial=0)) <= 2 ** bits - 1
        back = dequantize_rows(codes, lo, hi, bits)
        assert np.isfinite(back).all()
        assert (back >= lo - 1e-5 * (1 + np.abs(lo))).all() and (back <= hi + 1e-3 * (1 + np.abs(hi))).all()


def test_ann_scores_of_huge_rows_are_finite_or_an_error(faiss_one_thread):
    X = np.zeros((4, 8), dtype=np.float32)
    X[:, 0] = [1e20, 2e20, 3e20, 4e20]
    out = clear_or(faiss_one_thread.search, faiss_one_thread.build_index("flat", X), X[:1], k=2,
                   names=("overflow", "docs", "queries"))
    assert out is None or np.isfinite(out[1]).all()
