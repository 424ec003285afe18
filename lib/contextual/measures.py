"""How contextual a model's word vectors are: Ethayarajh's (2019) measures, layer by layer.

:func:`layer_word_vectors` reads every layer's word vectors (sub-word pieces pooled) out of one
text's token states; :func:`contextual_word_stats` makes one cached pass over the Wikipedia
sample; :func:`self_similarity`, :func:`intra_sentence_similarity` and
:func:`max_explainable_variance` are the three measures, and :func:`ethayarajh_measures` applies
them per layer, beside the anisotropy baseline :func:`lib.geometry.mean_cosine`.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Sequence

import numpy as np

from .. import cache, checks, encodings, geometry, linalg

__all__ = ["POOLINGS", "WORD_RE", "layer_word_vectors", "contextual_word_stats", "self_similarity",
           "intra_sentence_similarity", "max_explainable_variance", "ethayarajh_measures"]

POOLINGS = ("mean", "first", "last")
"""How a word's sub-word pieces are pooled into one vector."""

WORD_RE = re.compile(r"^[a-z]+$")
"""What counts as a word in the statistics: a run of lowercase letters."""


def layer_word_vectors(states, pooling: str = "mean", only: int | None = None) -> np.ndarray:
    """Every layer's sub-word-pooled word vectors of one text's :class:`~lib.encoder.TokenStates`.

    The same result as stacking ``states.word_vectors(layer, pooling)`` over layers, in one pass.

    Parameters
    ----------
    states : lib.encoder.TokenStates
    pooling : {"mean", "first", "last"}
    only : int, optional
        Index of one word (into ``states.words``) to pool instead of all of them.

    Returns
    -------
    ndarray of float32, shape (n_layers + 1, n_words, d), or (n_layers + 1, 1, d) for ``only``
        NaN for a word with no piece.
    """
    checks.choice(pooling, "pooling", POOLINGS)
    groups: dict[int, list[int]] = {}
    for t, wid in enumerate(states.word_ids):
        if wid is not None:
            groups.setdefault(wid, []).append(t)
    ids = range(len(states.words)) if only is None else [checks.integer(only, "only", 0, len(states.words) - 1)]
    H = states.hidden
    out = np.full((H.shape[0], len(ids), H.shape[-1]), np.nan, dtype=np.float32)
    for k, w in enumerate(ids):
        g = groups.get(w)
        if not g:
            continue
        out[:, k] = H[:, g].mean(1) if pooling == "mean" else H[:, g[0] if pooling == "first" else g[-1]]
    return out


def _unit_last(V: np.ndarray) -> np.ndarray:
    """:func:`lib.linalg.unit` along the last axis of an array of any rank."""
    return linalg.unit(V.reshape(-1, V.shape[-1])).reshape(V.shape)


# --------------------------------------------------------------------------- word statistics over the sample
def contextual_word_stats(n_sentences: int = 600, seed: int = 0, model: str = encodings.DEFAULT_MODEL,
                          vocab: Sequence[str] | None = None, max_occurrences: int = 20,
                          min_occurrences: int = 5, n_random: int = 2000, pooling: str = "mean") -> dict:
    """One pass over :func:`wikipedia_sentence_sample` collecting every word-level statistic.

    Every word (a run of letters, lowercased) of every sampled sentence gets its
    sub-word-pooled vector at each layer. The pass keeps

    * ``"words"``, ``"counts"``, ``"sums"`` (``(L + 1, V, d)``): per-layer sums of the
      vectors of every word type in ``vocab`` (all word types when ``vocab`` is None),
      from which :func:`aggregated_vectors` takes means;
    * ``"occ_words"``, ``"occ"`` (``(L + 1, m, d)``, float16), ``"occ_sentence"``: up to
      ``max_occurrences`` occurrence vectors of each word seen at least
      ``min_occurrences`` times, for self-similarity and explainable variance;
    * ``"random"`` (``(L + 1, n_random, d)``): vectors of randomly chosen occurrences
      (the anisotropy baseline);
    * ``"intra"`` (``(L + 1, n_sentences)``): each sentence's intra-sentence similarity.

    The result is cached on disk keyed by every argument.

    Parameters
    ----------
    n_sentences, seed : int
        Which sentences of :func:`lib.encodings.wikipedia_sentence_sample`.
    model : str
    vocab : sequence of str, optional
        Words whose per-layer sums are kept (default every word type).
    max_occurrences, min_occurrences : int, at least 2
    n_random : int, at least 1
    pooling : {"mean", "first", "last"}

    Returns
    -------
    dict
        The arrays above, plus ``"n_sentences"``.
    """
    checks.choice(pooling, "pooling", POOLINGS)
    max_occurrences = checks.integer(max_occurrences, "max_occurrences", lo=2)
    min_occurrences = checks.integer(min_occurrences, "min_occurrences", lo=2)
    n_random = checks.integer(n_random, "n_random", lo=1)
    texts = encodings.wikipedia_sentence_sample(n_sentences, seed)
    enc = encodings.get_encoder(model)
    vocab_list = None if vocab is None else sorted(set(str(w).lower() for w in vocab))

    def compute():
        states = enc.encode_tokens(texts)
        L = enc.n_layers + 1
        rng = np.random.default_rng(seed)
        # first pass: count word types to know which get occurrence vectors
        tokens = [[w.lower() for w in s.words] for s in states]
        counts = Counter(w for t in tokens for w in t if WORD_RE.match(w))
        keep = sorted(w for w, c in counts.items() if vocab_list is None or w in set(vocab_list))
        index = {w: i for i, w in enumerate(keep)}
        sums = np.zeros((L, len(keep), enc.dim), dtype=np.float64)
        occ_types = sorted(w for w, c in counts.items() if c >= min_occurrences)
        taken = {w: 0 for w in occ_types}
        occ, occ_words, occ_sent = [], [], []
        total = sum(counts.values())
        p_random = min(1.0, 1.5 * n_random / max(total, 1))
        rand = []
        intra = np.zeros((L, len(states)), dtype=np.float32)
        for si, (s, toks) in enumerate(zip(states, tokens)):
            wv = layer_word_vectors(s, pooling)  # (L, n_words, d)
            ok = [j for j, w in enumerate(toks) if WORD_RE.match(w) and np.isfinite(wv[0, j]).all()]
            if len(ok) >= 2:
                V = wv[:, ok]
                intra[:, si] = (_unit_last(V) * _unit_last(V.mean(1, keepdims=True))).sum(-1).mean(1)
            else:
                intra[:, si] = np.nan
            for j in ok:
                w = toks[j]
                if w in index:
                    sums[:, index[w]] += wv[:, j]
                if w in taken and taken[w] < max_occurrences:
                    taken[w] += 1
                    occ.append(wv[:, j].astype(np.float16))
                    occ_words.append(w)
                    occ_sent.append(si)
                if rng.random() < p_random:
                    rand.append(wv[:, j])
        rand = np.stack(rand, 1)[:, :n_random] if rand else np.zeros((L, 0, enc.dim))
        return {
            "words": keep, "counts": np.array([counts[w] for w in keep]),
            "sums": sums.astype(np.float32),
            "occ_words": occ_words, "occ": np.stack(occ, 1) if occ else np.zeros((L, 0, enc.dim), np.float16),
            "occ_sentence": np.array(occ_sent), "random": rand.astype(np.float32), "intra": intra,
            "n_sentences": len(texts),
        }

    params = {"model": enc.cache_id(), "n": n_sentences, "seed": seed, "vocab": vocab_list,
              "max_occ": max_occurrences, "min_occ": min_occurrences, "n_random": n_random,
              "pooling": pooling, "v": 1}
    return cache.cached_object("contextual-word-stats", params, compute)


# --------------------------------------------------------------------------- Ethayarajh's measures
def self_similarity(X, groups=None) -> float:
    """Mean cosine between the contextual vectors of one word in different contexts.

    Parameters
    ----------
    X : array_like, shape (n_occurrences, d)
        The word's vectors, one per occurrence (at least 2).
    groups : array_like of shape (n_occurrences,), optional
        The sentence of each occurrence; pairs in the same sentence are skipped.

    Returns
    -------
    float in [-1, 1]

    Examples
    --------
    >>> self_similarity([[1.0, 0], [1, 0], [0, 1]], groups=[0, 1, 1])
    0.5
    """
    X = checks.as_matrix(X, "X", dtype=np.float64)
    if len(X) < 2:
        raise ValueError(f"self-similarity needs at least 2 occurrences; got {len(X)}")
    U = linalg.unit(X)
    S = U @ U.T
    mask = ~np.eye(len(X), dtype=bool)
    if groups is not None:
        g = np.asarray(groups)
        if g.shape != (len(X),):
            raise ValueError(f"shape mismatch: {len(X)} occurrences but groups has shape {g.shape}")
        mask &= g[:, None] != g[None, :]
    if not mask.any():
        raise ValueError("all occurrences are in the same sentence: no pair to compare")
    return float(S[mask].mean())


def intra_sentence_similarity(X) -> float:
    """Mean cosine between each word vector of one sentence and their mean.

    Parameters
    ----------
    X : array_like, shape (n_words, d), n_words >= 2

    Returns
    -------
    float in [-1, 1]

    Examples
    --------
    >>> round(intra_sentence_similarity([[1.0, 0], [0, 1]]), 4)
    0.7071
    """
    X = checks.as_matrix(X, "X", dtype=np.float64)
    if len(X) < 2:
        raise ValueError(f"intra-sentence similarity needs at least 2 words; got {len(X)}")
    return float((linalg.unit(X) @ linalg.unit(X.mean(0))[0]).mean())


def max_explainable_variance(X) -> float:
    """Share of the (uncentred) variance of ``X`` explained by its first singular direction.

    ``sigma_1^2 / sum_i sigma_i^2`` of the occurrence matrix: how much of a word's contextual
    vectors a single static vector could account for (Ethayarajh's MEV).

    Parameters
    ----------
    X : array_like, shape (n_occurrences, d), n_occurrences >= 2

    Returns
    -------
    float in (0, 1]

    Examples
    --------
    >>> max_explainable_variance([[1.0, 2], [2, 4]])
    1.0
    """
    X = checks.as_matrix(X, "X", dtype=np.float64)
    if len(X) < 2:
        raise ValueError(f"explainable variance needs at least 2 occurrences; got {len(X)}")
    s = np.linalg.svd(X, compute_uv=False)
    return float(s[0] ** 2 / (s ** 2).sum())


def ethayarajh_measures(stats: dict, exclude: Sequence[str] = (), seed: int = 0) -> dict:
    """Per-layer self-similarity, intra-sentence similarity and MEV, raw and anisotropy-adjusted.

    Parameters
    ----------
    stats : dict
        The output of :func:`contextual_word_stats`.
    exclude : sequence of str
        Words left out of the per-word averages (e.g. stop words).

    Returns
    -------
    dict of str -> ndarray of shape (n_layers + 1,)
        ``anisotropy`` (:func:`lib.geometry.mean_cosine` of 5,000 random pairs of the random
        occurrences, pairs of one word in two contexts included), ``self_similarity``,
        ``self_similarity_adj``, ``intra``, ``intra_adj``, ``mev``, ``mev_adj``; and
        ``"per_word_self"``: dict word -> array over layers.
    """
    occ = np.asarray(stats["occ"], dtype=np.float64)
    words = np.asarray(stats["occ_words"])
    sent = np.asarray(stats["occ_sentence"])
    rand = np.asarray(stats["random"], dtype=np.float64)
    L = occ.shape[0]
    rng = np.random.default_rng(seed)
    excluded = set(exclude)
    types = [w for w in dict.fromkeys(words.tolist()) if w not in excluded]
    if not types:
        raise ValueError("no word with enough occurrences left after exclusions")
    out = {k: np.zeros(L) for k in ("anisotropy", "self_similarity", "mev", "mev_random", "intra")}
    per_word = {w: np.zeros(L) for w in types}
    for l in range(L):
        out["anisotropy"][l] = geometry.mean_cosine(rand[l], n_pairs=5000, seed=seed)
        ss, mev = [], []
        for w in types:
            m = words == w
            if len(np.unique(sent[m])) < 2:
                continue
            v = self_similarity(occ[l][m], sent[m])
            per_word[w][l] = v
            ss.append(v)
            mev.append(max_explainable_variance(occ[l][m]))
        out["self_similarity"][l] = np.mean(ss)
        out["mev"][l] = np.mean(mev)
        sizes = [int((words == w).sum()) for w in types]
        out["mev_random"][l] = np.mean([max_explainable_variance(rand[l][rng.choice(rand.shape[1], n, replace=False)])
                                        for n in sizes[:200]])
        out["intra"][l] = np.nanmean(stats["intra"][l])
    out["self_similarity_adj"] = out["self_similarity"] - out["anisotropy"]
    out["intra_adj"] = out["intra"] - out["anisotropy"]
    out["mev_adj"] = out["mev"] - out["mev_random"]
    out["per_word_self"] = per_word
    return out


