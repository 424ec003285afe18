"""Checks for the exercises of Part III (contextual embeddings).

Each ``check_*`` function takes the learner's function, runs it on fixed inputs (other ones in the
grader's hidden tests, ``hidden=True``), compares it with the library version (:mod:`lib.contextual`,
:mod:`lib.senses`, :func:`lib.evaluate.shared_pairs`, :mod:`lib.linalg`), and raises
:class:`~lib.exercises.ExerciseError` saying what differs, or prints and returns the line
``"PASSED <label> (<points> points)"``.

Every check also takes ``label`` (str, the exercise id printed in that line; the default is
the book's id for that exercise) and ``points`` (int, shown after it), so one function can
serve a variant of its exercise. Arrays below are ndarrays of floats; ``n`` is the number of vectors, ``d``
their dimension.
"""
from __future__ import annotations

import numpy as np

from .. import linalg
from ..contextual import decontextualized_vectors, max_explainable_variance, self_similarity
from ..data import SimilarityDataset
from ..evaluate import shared_pairs
from ..models import keyed_vectors
from ..senses import sense_scores
from . import ExerciseError, close, exercise, expect, hidden, implemented, passed, rng as _rng, seed as _seed

__all__ = ["check_self_similarity", "check_mev", "check_centroid_accuracy", "check_decontextualized",
           "check_aggregate", "check_shared_pairs", "check_mean_pooling", "check_abtt", "check_whiten"]


def _rng_matrix(n: int, d: int, seed: int, shift: float = 0.0) -> np.ndarray:
    return _rng(seed).normal(size=(n, d)) + shift


def _call(fn, *args, what: str):
    try:
        return fn(*args)
    except ExerciseError:
        raise
    except Exception as exc:  # report the learner's error in words
        raise ExerciseError(f"{what} raised {type(exc).__name__}: {exc}") from exc


# ----------------------------------------------------------------------------- chapter 1
@exercise("ex-p3-c1-selfsim", forbids=('lib.contextual.self_similarity',))
def check_self_similarity(fn, label: str = "ex-p3-c1-selfsim", points: int = 2) -> str:
    """``fn(X, groups)`` -> mean cosine over pairs of rows from different groups.

    Parameters
    ----------
    fn : callable, (X (n, d), groups (n,)) -> float
        Pairs whose ``groups`` entries are equal (same sentence) are skipped.
    label, points : str, int, as in the module docstring

    Returns
    -------
    str
        ``"PASSED ex-p3-c1-selfsim (2 points)"`` by default; comparing occurrences of the same sentence raises.
    """
    cases = [(_rng_matrix(n, 8, seed, shift=0.5), np.arange(n) // 2)   # pairs of occurrences share a sentence
             for seed, n in ((0, 6), (1, 12))]
    if hidden():                # other sizes; sentences of unequal sizes, their occurrences not next to each other
        rng = _rng(5)
        cases = []
        for n, d in ((9, 5), (16, 3)):
            groups = rng.integers(0, 4, n)
            groups[:2] = 0, 1
            cases.append((rng.normal(size=(n, d)) + 0.5, rng.permutation(groups)))
    for X, groups in cases:
        got = _call(fn, X, groups, what="your self_similarity")
        implemented(got, "self_similarity")
        expect(np.ndim(got) == 0, f"self_similarity should return one number; got shape {np.shape(got)}")
        plain = self_similarity(X)
        want = self_similarity(X, groups)
        if abs(float(got) - plain) < 1e-6 and abs(plain - want) > 1e-6:
            raise ExerciseError("you compared occurrences from the same sentence too: skip pairs whose groups are equal")
        close(got, want, 1e-6, "self-similarity")
    X = _rng_matrix(5, 4, 3)
    scale = _rng(4).uniform(0.2, 5.0, (5, 1)) if hidden() else 7.0      # hidden: each row its own length
    close(_call(fn, X * scale, np.arange(5), what="your self_similarity"), self_similarity(X), 1e-6,
          "self-similarity of rescaled vectors (cosine ignores length)")
    return passed(label, points)


@exercise("ex-p3-c1-mev", forbids=('lib.contextual.max_explainable_variance',))
def check_mev(fn, label: str = "ex-p3-c1-mev", points: int = 2) -> str:
    """``fn(X)`` -> sigma_1^2 / sum sigma_i^2 of the uncentred matrix.

    Parameters
    ----------
    fn : callable, X (n, d) -> float
        Compared with :func:`lib.contextual.max_explainable_variance`.
    label, points : str, int, as in the module docstring

    Returns
    -------
    str
        ``"PASSED ex-p3-c1-mev (2 points)"`` by default; centring the vectors first raises.
    """
    shapes = ((7, 9, 2), (25, 3, 3)) if hidden() else ((10, 6, 0), (10, 6, 1))    # hidden: a wide and a tall X
    for n, d, seed in shapes:
        X = _rng_matrix(n, d, seed, shift=1.0)
        got = _call(fn, X, what="your explained_variance")
        implemented(got, "explained_variance")
        want = max_explainable_variance(X)
        Xc = X - X.mean(0)
        s = np.linalg.svd(Xc, compute_uv=False)
        if abs(float(got) - s[0] ** 2 / (s ** 2).sum()) < 1e-6:
            raise ExerciseError("you centred the vectors: keep the mean in (a static vector is the mean direction)")
        close(got, want, 1e-6, "explained variance")
    if hidden():                # rows along one direction, of other lengths and signs
        X = np.outer(_rng(6).uniform(-3, 3, 6), _rng(7).normal(size=5))
        close(_call(fn, X, what="your explained_variance"), max_explainable_variance(X), 1e-6,
              "explained variance of rows along one direction")
        return passed(label, points)
    X = np.outer(np.ones(5), np.arange(1, 5))
    close(_call(fn, X, what="your explained_variance"), 1.0, 1e-6, "explained variance of identical rows")
    return passed(label, points)


@exercise("ex-p3-c1-centroid", forbids=('lib.senses.sense_scores',))
def check_centroid_accuracy(fn, label: str = "ex-p3-c1-centroid", points: int = 2) -> str:
    """``fn(X, y)`` -> leave-one-out nearest-centroid accuracy (cosine).

    Parameters
    ----------
    fn : callable, (X (n, d), labels y (n,)) -> float in [0, 1]
        Each item is held out of its own centroid before it is classified.
    label, points : str, int, as in the module docstring

    Returns
    -------
    str
        ``"PASSED ex-p3-c1-centroid (2 points)"`` by default; letting an item vote for its own centroid raises.
    """
    rng = _rng(0)
    X = np.vstack([rng.normal(size=(6, 5)) + [2, 0, 0, 0, 0], rng.normal(size=(6, 5)) + [0, 2, 0, 0, 0]])
    y = np.array(["a"] * 6 + ["b"] * 6)
    want = sense_scores(X, ["w"] * 12, list(y))["accuracy"]
    got = _call(fn, X, y, what="your centroid_accuracy")
    implemented(got, "centroid_accuracy")
    close(got, want, 1e-9, "leave-one-out nearest-centroid accuracy")
    # a point equal to its own centroid must not be allowed to vote for itself
    X2 = np.array([[1.0, 0], [0.9, 0.1], [0.0, 1], [0.1, 0.9], [0.6, 0.4]])
    y2 = np.array([0, 0, 1, 1, 1])
    want2 = sense_scores(X2, ["w"] * 5, list(y2))["accuracy"]
    close(_call(fn, X2, y2, what="your centroid_accuracy"), want2, 1e-9,
          "accuracy when the held-out item is removed from its centroid")
    return passed(label, points)


# ----------------------------------------------------------------------------- chapter 2
@exercise("ex-p3-c2-decontext", forbids=('lib.contextual.decontextualized_vectors',))
def check_decontextualized(fn, encoder, label: str = "ex-p3-c2-decontext", points: int = 2) -> str:
    """``fn(encoder, word, layer)`` -> the word encoded alone, pieces mean-pooled, shape (d,).

    Parameters
    ----------
    fn : callable, (encoder, str, int) -> ndarray (d,)
        Compared with :func:`lib.contextual.decontextualized_vectors` at that layer.
    encoder : lib.encoder.ContextualEncoder
        The chapter's BERT encoder, passed on to ``fn``.
    label, points : str, int, as in the module docstring

    Returns
    -------
    str
        ``"PASSED ex-p3-c2-decontext (2 points)"`` by default; pooling [CLS] and [SEP] too raises.
    """
    last = encoder.n_layers
    cases = (("embeddings", last), ("cat", min(3, last)), ("unbelievable", 1))
    if hidden():                # other words (one piece, several) and layers, the input embeddings (layer 0) too
        cases = (("tokenization", 0), ("the", last), ("hyperparameters", min(2, last)))
    for word, layer in cases:
        got = _call(fn, encoder, word, layer, what="your decontextualized")
        implemented(got, "decontextualized")
        got = np.asarray(got, dtype=float)
        want = decontextualized_vectors([word], model=encoder.name)[layer, 0]   # the chapter's own model
        expect(got.shape == want.shape, f"expected a vector of shape {want.shape}; got {got.shape}")
        states = encoder.encode_tokens([word], show_progress=False)[0]
        with_specials = states.hidden[layer].mean(0)
        if np.allclose(got, with_specials, atol=1e-4) and not np.allclose(with_specials, want, atol=1e-4):
            raise ExerciseError(f"for {word!r} you averaged [CLS] and [SEP] too: pool only the word's own pieces")
        close(got, want, 1e-4, f"vector of {word!r} at layer {layer}")
    return passed(label, points)


@exercise("ex-p3-c2-aggregate", forbids=())
def check_aggregate(fn, label: str = "ex-p3-c2-aggregate", points: int = 2) -> str:
    """``fn(vectors, words)`` -> (sorted unique words, mean vector of each).

    Parameters
    ----------
    fn : callable, (vectors (n, d), list of n str) -> (list of str, ndarray (n_unique, d))
    label, points : str, int, as in the module docstring

    Returns
    -------
    str
        ``"PASSED ex-p3-c2-aggregate (2 points)"`` by default; unsorted or repeated words raise.
    """
    rng = _rng(0)
    words = ["b", "a", "b", "c", "a", "b"]
    V = rng.normal(size=(6, 4))
    got = _call(fn, V, words, what="your aggregate")
    implemented(got, "aggregate")
    expect(isinstance(got, tuple) and len(got) == 2, "return a tuple (words, matrix)")
    gw, gm = got
    expect(list(gw) == ["a", "b", "c"], f"the words should be sorted and unique: ['a', 'b', 'c']; got {list(gw)}")
    want = np.stack([V[[1, 4]].mean(0), V[[0, 2, 5]].mean(0), V[[3]].mean(0)])
    close(gm, want, 1e-9, "mean vectors")
    return passed(label, points)


@exercise("ex-p3-c2-shared", forbids=('lib.evaluate.shared_pairs',))
def check_shared_pairs(fn, label: str = "ex-p3-c2-shared", points: int = 2) -> str:
    """``fn(dataset, tables)`` -> the pairs covered by every table (a SimilarityDataset).

    Parameters
    ----------
    fn : callable, (SimilarityDataset, sequence of KeyedVectors) -> SimilarityDataset
        Pairs kept in the data set's order, with their scores; compared with
        :func:`lib.evaluate.shared_pairs`.
    label, points : str, int, as in the module docstring

    Returns
    -------
    str
        ``"PASSED ex-p3-c2-shared (2 points)"`` by default; keeping pairs that only some table covers raises.
    """
    rng = _rng(0)
    ds = SimilarityDataset("toy", [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d"), ("e", "a"), ("b", "c")],
                           np.array([1.0, 2, 3, 4, 5, 6]))
    t1 = keyed_vectors(["a", "b", "c", "d"], rng.normal(size=(4, 3)))
    t2 = keyed_vectors(["a", "b", "c", "e"], rng.normal(size=(4, 3)))
    for tables in ((t1,), (t1, t2), (t2, t1)):
        got = _call(fn, ds, tables, what="your shared_pairs")
        implemented(got, "shared_pairs")
        expect(hasattr(got, "pairs") and hasattr(got, "scores"),
               f"return a SimilarityDataset (with .pairs and .scores); got {type(got).__name__}")
        want = shared_pairs(ds, tables)
        union = [p for p in ds.pairs if any(p[0] in t.key_to_index and p[1] in t.key_to_index for t in tables)]
        gp = [tuple(p) for p in got.pairs]
        if len(tables) > 1 and gp == union and union != want.pairs:
            raise ExerciseError("you kept pairs covered by ANY table: keep only those that EVERY table covers")
        if sorted(gp) == sorted(want.pairs) and gp != want.pairs:
            raise ExerciseError("keep the pairs in the data set's order (the scores must stay aligned)")
        expect(gp == want.pairs, f"with {len(tables)} table(s) the shared pairs are {want.pairs}; got {gp}")
        close(np.asarray(got.scores, dtype=float), want.scores, 1e-12, "scores of the kept pairs")
    return passed(label, points)


# ----------------------------------------------------------------------------- chapter 3
@exercise("ex-p3-c3-meanpool", forbids=())
def check_mean_pooling(fn, label: str = "ex-p3-c3-meanpool", points: int = 2) -> str:
    """``fn(hidden, mask)`` -> masked mean over tokens, shape (batch, d).

    Parameters
    ----------
    fn : callable, (hidden (batch, tokens, d), mask (batch, tokens) of 0/1) -> ndarray (batch, d)
    label, points : str, int, as in the module docstring

    Returns
    -------
    str
        ``"PASSED ex-p3-c3-meanpool (2 points)"`` by default; averaging over the padding too raises.
    """
    rng = _rng(0)
    H = rng.normal(size=(3, 5, 4))
    mask = np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 1, 0, 0, 0]])
    got = _call(fn, H, mask, what="your mean_pool")
    implemented(got, "mean_pool")
    got = np.asarray(got, dtype=float)
    want = np.stack([H[i, mask[i] == 1].mean(0) for i in range(3)])
    if got.shape == want.shape and np.allclose(got, H.mean(1)):
        raise ExerciseError("you averaged the padding positions too: weight each token by the mask")
    close(got, want, 1e-9, "mean-pooled vectors")
    return passed(label, points)


@exercise("ex-p3-c3-abtt", forbids=('lib.linalg.AllButTheTop',))
def check_abtt(fn, label: str = "ex-p3-c3-abtt", points: int = 2) -> str:
    """``fn(X, D)`` -> X minus its mean and its top-D principal components (:class:`lib.linalg.AllButTheTop`).

    Parameters
    ----------
    fn : callable, (X (n, d), int D) -> ndarray (n, d)
    label, points : str, int, as in the module docstring

    Returns
    -------
    str
        ``"PASSED ex-p3-c3-abtt (2 points)"`` by default; forgetting to subtract the mean raises.
    """
    cases = [(_rng_matrix(30, 6, 0, shift=2.0) * np.array([5, 3, 1, 1, 1, 1]), D) for D in (1, 2)]
    if hidden():                # other shapes, D = 0 (only the mean goes) and D = d - 1
        cases = [(_rng_matrix(45, 8, 2, shift=-1.0) * np.geomspace(6, 1, 8), D) for D in (0, 3)]
        cases.append((_rng_matrix(12, 4, 3, shift=3.0) * np.array([4, 2, 1, 0.5]), 3))
    for X, D in cases:
        got = _call(fn, X, D, what="your all_but_the_top")
        implemented(got, "all_but_the_top")
        got = np.asarray(got, dtype=float)
        want = linalg.AllButTheTop(D).fit_transform(X)
        expect(got.shape == want.shape, f"expected shape {want.shape}; got {got.shape}")
        expect(abs(got.mean(0)).max() < 1e-6, "the result should have zero mean: subtract the mean first")
        close(got, want, 1e-5, f"post-processed vectors (D={D})")
    return passed(label, points)


@exercise("ex-p3-c3-whiten", forbids=('lib.linalg.Whitening',))
def check_whiten(fn, label: str = "ex-p3-c3-whiten", points: int = 2) -> str:
    """``fn(X)`` -> whitened X (zero mean, identity covariance; :class:`lib.linalg.Whitening`).

    Parameters
    ----------
    fn : callable, X (n, d) -> ndarray (n, d)
        Any rotation of the library's answer passes.
    label, points : str, int, as in the module docstring

    Returns
    -------
    str
        ``"PASSED ex-p3-c3-whiten (2 points)"`` by default.
    """
    X = _rng_matrix(200, 5, 0, shift=1.0) @ _rng(1).normal(size=(5, 5))
    got = _call(fn, X, what="your whiten")
    implemented(got, "whiten")
    got = np.asarray(got, dtype=float)
    expect(got.shape == X.shape, f"expected shape {X.shape}; got {got.shape}")
    close(got.mean(0), np.zeros(5), 1e-6, "mean of the whitened vectors")
    close(np.cov(got, rowvar=False), np.eye(5), 1e-3, "covariance of the whitened vectors")
    want = linalg.Whitening().fit_transform(X)
    # whitening is unique up to a rotation: compare the Gram matrices
    close(got @ got.T, want @ want.T, 1e-2, "inner products after whitening (equal to the library's up to rotation)")
    return passed(label, points)
