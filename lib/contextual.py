"""Contextual embeddings: layers, senses, and static vectors read out of a transformer.

Everything here works with the packaged all-MiniLM-L6-v2 (offline) and with any Hugging
Face encoder name when a network is present. Corpus encodings go through
:class:`lib.encoder.ContextualEncoder` and :mod:`lib.cache`, so the book computes them once.

Contents
--------
* Corpus sample shared by the book: :func:`wikipedia_sentence_sample`,
  :func:`wikipedia_sentence_vectors` (cached pooled vectors of every layer),
  :func:`pooled_all` (mean, CLS and max pooling of every layer in one pass).
* Senses: :func:`load_senses`, :func:`sense_vectors`, :func:`sense_scores`.
* How contextual (Ethayarajh 2019): :func:`contextual_word_stats`, :func:`self_similarity`,
  :func:`intra_sentence_similarity`, :func:`anisotropy`, :func:`max_explainable_variance`,
  :func:`ethayarajh_measures`.
* Static vectors from a contextual model: :func:`decontextualized_vectors`,
  :func:`aggregated_vectors`, :func:`input_embedding_vectors`, :func:`model2vec_model`,
  :func:`model2vec_vectors`; many contexts per word: :func:`context_sentences`,
  :func:`aggregated_context_vectors`, :func:`context_table`.
* Sentence vectors: :func:`sif_weights`, :func:`sif_embeddings`, :func:`whiten`,
  :func:`all_but_the_top`, :func:`probe_with_ci`.
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from . import cache, checks
from .encodings import (DEFAULT_MODEL, get_encoder, pooled_all, wikipedia_sentence_sample,  # noqa: F401
                        wikipedia_sentence_vectors)

SENSES_DIR = Path(__file__).resolve().parent.parent / "data" / "senses"
_WORD = re.compile(r"^[a-z]+$")


def _all_layer_word_vectors(states, pooling: str = "mean", only: int | None = None) -> np.ndarray:
    """Every layer's sub-word-pooled word vectors of a :class:`~lib.encoder.TokenStates`.

    Same result as stacking ``states.word_vectors(layer, pooling)`` over layers, in one pass.
    Returns shape ``(n_layers + 1, n_words, d)`` (or ``(n_layers + 1, 1, d)`` for ``only``).
    """
    groups: dict[int, list[int]] = {}
    for t, wid in enumerate(states.word_ids):
        if wid is not None:
            groups.setdefault(wid, []).append(t)
    ids = range(len(states.words)) if only is None else [only]
    H = states.hidden
    out = np.full((H.shape[0], len(ids), H.shape[-1]), np.nan, dtype=np.float32)
    for k, w in enumerate(ids):
        g = groups.get(w)
        if not g:
            continue
        out[:, k] = H[:, g].mean(1) if pooling == "mean" else H[:, g[0] if pooling == "first" else g[-1]]
    return out


# --------------------------------------------------------------------------- senses
@dataclass
class SenseData:
    """Sentences in which an ambiguous word is used in a labelled sense.

    Attributes
    ----------
    words : list of str
        The target word of each sentence (lowercase, as it appears in the sentence).
    senses : list of str
        The sense label of each sentence (e.g. ``"bank/finance"``).
    sentences : list of str
    glosses : dict of str -> str
        A short definition of each sense label.
    """

    words: list[str]
    senses: list[str]
    sentences: list[str]
    glosses: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.sentences)

    @property
    def targets(self) -> list[str]:
        """The distinct target words, in file order."""
        return list(dict.fromkeys(self.words))

    def subset(self, word: str) -> "SenseData":
        if word not in self.words:
            raise KeyError(f"unknown target word {word!r}; known: {', '.join(self.targets[:10])} ...")
        idx = [i for i, w in enumerate(self.words) if w == word]
        return SenseData([self.words[i] for i in idx], [self.senses[i] for i in idx],
                         [self.sentences[i] for i in idx], self.glosses)

    def __repr__(self) -> str:
        return f"SenseData({len(self)} sentences, {len(self.targets)} words, {len(set(self.senses))} senses)"


def load_senses(path: str | os.PathLike | None = None) -> SenseData:
    """Read the book's sense-labelled sentences (``data/senses/senses.tsv``).

    The file is tab-separated with a header ``word, sense, sentence``; the glosses are in
    ``glosses.tsv`` (``sense, gloss``) next to it. Each sentence must contain its word.

    Raises
    ------
    FileNotFoundError, ValueError
        On a missing file, a malformed row, or a sentence that lacks its target word.
    """
    path = Path(path) if path is not None else SENSES_DIR / "senses.tsv"
    if not path.exists():
        raise FileNotFoundError(f"sense data not found: {path}")
    words, senses, sentences = [], [], []
    with open(path, encoding="utf8") as fh:
        rows = list(csv.reader(fh, delimiter="\t"))
    if not rows or [c.strip() for c in rows[0]] != ["word", "sense", "sentence"]:
        raise ValueError(f"{path}: the header must be 'word<TAB>sense<TAB>sentence'")
    for n, row in enumerate(rows[1:], start=2):
        if not row or not any(c.strip() for c in row):
            continue
        if len(row) != 3:
            raise ValueError(f"{path}, line {n}: expected 3 tab-separated fields, got {len(row)}")
        w, s, t = (c.strip() for c in row)
        if not s.startswith(w + "/"):
            raise ValueError(f"{path}, line {n}: sense {s!r} must be named '{w}/<label>'")
        if w not in [x.lower() for x in re.findall(r"[A-Za-z]+", t)]:
            raise ValueError(f"{path}, line {n}: the sentence does not contain the word {w!r}")
        words.append(w)
        senses.append(s)
        sentences.append(t)
    if not sentences:
        raise ValueError(f"{path} holds no sentences")
    glosses = {}
    gpath = path.parent / "glosses.tsv"
    if gpath.exists():
        with open(gpath, encoding="utf8") as fh:
            for row in list(csv.reader(fh, delimiter="\t"))[1:]:
                if len(row) == 2:
                    glosses[row[0].strip()] = row[1].strip()
    return SenseData(words, senses, sentences, glosses)


def target_word_vectors(sentences: Sequence[str], words: Sequence[str], model: str = DEFAULT_MODEL,
                        pooling: str = "mean") -> np.ndarray:
    """Every layer's vector of the first occurrence of ``words[i]`` in ``sentences[i]`` (cached).

    The word's sub-word pieces are pooled with ``pooling`` (``"mean"``, ``"first"`` or ``"last"``).

    Returns
    -------
    ndarray, shape (n_layers + 1, n_sentences, d)
    """
    sentences = checks.texts(sentences, "sentences")
    words = [str(w).lower() for w in words]
    if len(words) != len(sentences):
        raise ValueError(f"shape mismatch: {len(sentences)} sentences but {len(words)} target words")
    if pooling not in ("mean", "first", "last"):
        raise ValueError(f"unknown word pooling {pooling!r}; use 'mean', 'first' or 'last'")
    enc = get_encoder(model)

    def compute():
        states = enc.encode_tokens(sentences)
        out = np.zeros((enc.n_layers + 1, len(sentences), enc.dim), dtype=np.float32)
        for i, (s, w) in enumerate(zip(states, words)):
            low = [x.lower() for x in s.words]
            if w not in low:
                raise ValueError(f"sentence {i} has no word {w!r} after tokenization: {s.text!r}")
            out[:, i] = _all_layer_word_vectors(s, pooling, only=low.index(w))[:, 0]
        return out

    return cache.cached_array("target-word-vectors", {"model": enc.cache_id(), "sentences": sentences,
                                                      "words": words, "pooling": pooling}, compute)


def sense_vectors(data: SenseData | None = None, model: str = DEFAULT_MODEL, pooling: str = "mean") -> np.ndarray:
    """:func:`target_word_vectors` for the sense data set: shape ``(n_layers + 1, n, d)``."""
    data = data or load_senses()
    return target_word_vectors(data.sentences, data.words, model, pooling)


def sense_scores(X, words: Sequence[str], senses: Sequence[str], seed: int = 0) -> dict:
    """How well the contexts of each word separate by sense.

    For each target word separately (its sentences only):

    * ``silhouette`` — silhouette coefficient (cosine) of the gold sense labels;
    * ``purity`` — purity of k-means (k = number of senses, on unit vectors) against the senses;
    * ``accuracy`` — leave-one-out nearest-sense-centroid accuracy: each sentence is
      labelled with the sense whose centroid (computed without it) is most cosine-similar.

    Parameters
    ----------
    X : array_like, shape (n, d)
    words, senses : sequences of length n

    Returns
    -------
    dict
        ``"per_word"`` (dict word -> dict of the three scores), the macro averages
        ``"silhouette"``, ``"purity"``, ``"accuracy"``, and ``"correct"`` (bool per sentence).
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    X = checks.as_matrix(X, "X", dtype=np.float64)
    words, senses = list(words), list(senses)
    if not (len(words) == len(senses) == len(X)):
        raise ValueError(f"shape mismatch: X has {len(X)} rows, {len(words)} words, {len(senses)} senses")
    U = X / np.maximum(np.linalg.norm(X, axis=1, keepdims=True), 1e-12)
    per_word, correct = {}, np.zeros(len(X), dtype=bool)
    for w in dict.fromkeys(words):
        idx = np.array([i for i, x in enumerate(words) if x == w])
        labs = np.array([senses[i] for i in idx])
        names, y = np.unique(labs, return_inverse=True)
        if len(names) < 2:
            raise ValueError(f"word {w!r} has a single sense label; need at least two")
        if np.bincount(y).min() < 2:
            raise ValueError(f"word {w!r}: every sense needs at least 2 sentences")
        Uw = U[idx]
        sil = float(silhouette_score(Uw, y, metric="cosine"))
        with threadpool_limits(1):  # tiny problems: threads only add overhead (and oversubscribe)
            km = KMeans(len(names), n_init=10, random_state=seed).fit(Uw)
        purity = sum(np.bincount(y[km.labels_ == c]).max() for c in np.unique(km.labels_)) / len(y)
        sums = np.stack([Uw[y == k].sum(0) for k in range(len(names))])
        counts = np.bincount(y).astype(float)
        ok = []
        for r in range(len(idx)):
            cents = sums.copy()
            cnt = counts.copy()
            cents[y[r]] -= Uw[r]
            cnt[y[r]] -= 1
            cents = cents / cnt[:, None]
            cents /= np.maximum(np.linalg.norm(cents, axis=1, keepdims=True), 1e-12)
            ok.append(int(np.argmax(cents @ Uw[r])) == y[r])
        correct[idx] = ok
        per_word[w] = {"silhouette": sil, "purity": float(purity), "accuracy": float(np.mean(ok))}
    return {
        "per_word": per_word,
        "silhouette": float(np.mean([v["silhouette"] for v in per_word.values()])),
        "purity": float(np.mean([v["purity"] for v in per_word.values()])),
        "accuracy": float(np.mean([v["accuracy"] for v in per_word.values()])),
        "correct": correct,
    }


# --------------------------------------------------------------------------- word statistics over the sample
def contextual_word_stats(n_sentences: int = 600, seed: int = 0, model: str = DEFAULT_MODEL,
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
    """
    if pooling not in ("mean", "first", "last"):
        raise ValueError(f"unknown word pooling {pooling!r}; use 'mean', 'first' or 'last'")
    if max_occurrences < 2 or min_occurrences < 2:
        raise ValueError("max_occurrences and min_occurrences must be at least 2")
    texts = wikipedia_sentence_sample(n_sentences, seed)
    enc = get_encoder(model)
    vocab_list = None if vocab is None else sorted(set(str(w).lower() for w in vocab))

    def compute():
        states = enc.encode_tokens(texts)
        L = enc.n_layers + 1
        rng = np.random.default_rng(seed)
        # first pass: count word types to know which get occurrence vectors
        tokens = [[w.lower() for w in s.words] for s in states]
        from collections import Counter

        counts = Counter(w for t in tokens for w in t if _WORD.match(w))
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
            wv = _all_layer_word_vectors(s, pooling)  # (L, n_words, d)
            ok = [j for j, w in enumerate(toks) if _WORD.match(w) and np.isfinite(wv[0, j]).all()]
            if len(ok) >= 2:
                V = wv[:, ok]
                U = V / np.maximum(np.linalg.norm(V, axis=-1, keepdims=True), 1e-12)
                m = V.mean(1, keepdims=True)
                m = m / np.maximum(np.linalg.norm(m, axis=-1, keepdims=True), 1e-12)
                intra[:, si] = (U * m).sum(-1).mean(1)
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


def static_eval_vocab(n_frequent: int = 10000) -> list[str]:
    """The words the static-vector comparison needs, in GloVe frequency order.

    The ``n_frequent`` most frequent GloVe words (alphabetic only: the analogy candidates)
    followed by every other word of WordSim-353, SimLex-999 and the Google analogies.
    """
    from .data import google_analogies, simlex999, wordsim353
    from .models import load_glove

    if n_frequent < 1:
        raise ValueError(f"n_frequent must be at least 1; got {n_frequent}")

    def compute():
        kv = load_glove()
        top = [w for w in kv.index_to_key[: 3 * n_frequent] if _WORD.match(w)][:n_frequent]
        extra = set()
        for ds in (wordsim353(), simlex999()):
            for a, b in ds.pairs:
                extra.update((a.lower(), b.lower()))
        for q in google_analogies().questions:
            extra.update(q)
        seen = set(top)
        rest = sorted(extra - seen, key=lambda w: (kv.key_to_index.get(w, 10**9), w))
        return top + [w for w in rest if _WORD.match(w)]

    return cache.cached_object("static-eval-vocab", {"n": n_frequent, "v": 1}, compute)


# --------------------------------------------------------------------------- Ethayarajh's measures
def _unit(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-12)


def anisotropy(X, n_pairs: int = 5000, seed: int = 0, groups=None) -> float:
    """Mean cosine similarity between randomly paired rows of ``X`` (shape ``(n, d)``).

    This is Ethayarajh's baseline: for representations of random words in random contexts,
    the expected cosine of two of them. 0 for an isotropic space. Pairs of a row with
    itself, and (when ``groups`` is given) of two rows in the same group, are not drawn.
    """
    X = checks.as_matrix(X, "X", dtype=np.float64)
    if len(X) < 2:
        raise ValueError("anisotropy needs at least 2 vectors")
    rng = np.random.default_rng(seed)
    i = rng.integers(0, len(X), n_pairs)
    j = rng.integers(0, len(X), n_pairs)
    keep = i != j
    if groups is not None:
        g = np.asarray(groups)
        if g.shape != (len(X),):
            raise ValueError(f"shape mismatch: {len(X)} vectors but groups has shape {g.shape}")
        keep &= g[i] != g[j]
    if not keep.any():
        raise ValueError("no valid pair of distinct vectors to compare")
    U = _unit(X)
    return float((U[i[keep]] * U[j[keep]]).sum(1).mean())


def self_similarity(X, groups=None) -> float:
    """Mean cosine between the contextual vectors of one word in different contexts.

    Parameters
    ----------
    X : array_like, shape (n_occurrences, d)
        The word's vectors, one per occurrence (at least 2).
    groups : array_like of shape (n_occurrences,), optional
        The sentence of each occurrence; pairs in the same sentence are skipped.
    """
    X = checks.as_matrix(X, "X", dtype=np.float64)
    if len(X) < 2:
        raise ValueError(f"self-similarity needs at least 2 occurrences; got {len(X)}")
    U = _unit(X)
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
    """Mean cosine between each word vector of one sentence (``(n_words, d)``) and their mean."""
    X = checks.as_matrix(X, "X", dtype=np.float64)
    if len(X) < 2:
        raise ValueError(f"intra-sentence similarity needs at least 2 words; got {len(X)}")
    return float((_unit(X) @ _unit(X.mean(0))).mean())


def max_explainable_variance(X) -> float:
    """Share of the (uncentred) variance of ``X`` explained by its first singular direction.

    ``sigma_1^2 / sum_i sigma_i^2`` of the occurrence matrix: how much of a word's contextual
    vectors a single static vector could account for (Ethayarajh's MEV).
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
        ``anisotropy``, ``self_similarity``, ``self_similarity_adj``, ``intra``, ``intra_adj``,
        ``mev``, ``mev_adj``; and ``"per_word_self"``: dict word -> array over layers.
    """
    occ = np.asarray(stats["occ"], dtype=np.float64)
    words = np.asarray(stats["occ_words"])
    sent = np.asarray(stats["occ_sentence"])
    rand = np.asarray(stats["random"], dtype=np.float64)
    L = occ.shape[0]
    rng = np.random.default_rng(seed)
    types = [w for w in dict.fromkeys(words.tolist()) if w not in set(exclude)]
    if not types:
        raise ValueError("no word with enough occurrences left after exclusions")
    out = {k: np.zeros(L) for k in ("anisotropy", "self_similarity", "mev", "mev_random", "intra")}
    per_word = {w: np.zeros(L) for w in types}
    for l in range(L):
        out["anisotropy"][l] = anisotropy(rand[l], seed=seed)
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


# --------------------------------------------------------------------------- static vectors
def decontextualized_vectors(words: Sequence[str], model: str = DEFAULT_MODEL, pooling: str = "mean") -> np.ndarray:
    """Each word encoded alone (``[CLS] word [SEP]``), its pieces pooled, at every layer (cached).

    Returns
    -------
    ndarray, shape (n_layers + 1, n_words, d)
    """
    words = [str(w) for w in checks.non_empty(list(words), "words")]
    if any(not w.strip() or " " in w.strip() for w in words):
        raise ValueError("words must be single non-empty words without spaces")
    enc = get_encoder(model)

    def compute():
        states = enc.encode_tokens(words)
        return np.stack([_all_layer_word_vectors(s, pooling, only=0)[:, 0] for s in states], 1)

    return cache.cached_array("decontextualized", {"model": enc.cache_id(), "words": words, "pooling": pooling},
                              compute)


def aggregated_vectors(stats: dict, min_count: int = 1) -> tuple[list[str], np.ndarray]:
    """Mean contextual vector of each word over its occurrences in the sample, per layer.

    Parameters
    ----------
    stats : dict
        From :func:`contextual_word_stats`.
    min_count : int
        Keep words seen at least this often.

    Returns
    -------
    words : list of str
    vectors : ndarray, shape (n_layers + 1, n_words, d)
    """
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1; got {min_count}")
    counts = np.asarray(stats["counts"])
    keep = np.flatnonzero(counts >= min_count)
    if not len(keep):
        raise ValueError(f"no word occurs at least {min_count} times in the sample")
    vecs = stats["sums"][:, keep] / counts[keep][None, :, None]
    return [stats["words"][i] for i in keep], vecs.astype(np.float32)


def input_embedding_vectors(words: Sequence[str], model: str = DEFAULT_MODEL) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the model's input (word-piece) embedding table, averaged over each word's pieces.

    No position or type embedding and no layer norm: the raw lookup table.

    Returns
    -------
    vectors : ndarray, shape (n_words, d)
    n_pieces : ndarray of int, shape (n_words,)
        How many word pieces each word was split into (1 = a whole-word row exists).
    """
    words = [str(w) for w in checks.non_empty(list(words), "words")]
    enc = get_encoder(model)
    table = enc.model.get_input_embeddings().weight.detach().cpu().numpy()
    out = np.zeros((len(words), table.shape[1]), dtype=np.float32)
    n = np.zeros(len(words), dtype=int)
    for i, w in enumerate(words):
        ids = enc.tokenizer(w, add_special_tokens=False)["input_ids"]
        if not ids:
            raise ValueError(f"word {w!r} produces no tokens")
        out[i] = table[ids].mean(0)
        n[i] = len(ids)
    return out, n


def model2vec_model(model: str = DEFAULT_MODEL, pca_dims: int | None = 256):
    """A model2vec static model distilled from ``model`` with model2vec's default settings.

    Delegates to :func:`lib.distill.static_model` (the book's one cached distillation,
    equal to ``model2vec.distill.distill(model, pca_dims=pca_dims)``; about 30 s the first
    time for the whole book, then instant).
    """
    from . import distill

    return distill.static_model(model, pca_dims=pca_dims, sif_coefficient=1e-4)


def model2vec_vectors(words: Sequence[str], static_model) -> np.ndarray:
    """Word vectors from a model2vec model: the mean of each word's token rows, shape ``(n, d)``."""
    words = [str(w) for w in checks.non_empty(list(words), "words")]
    return np.asarray(static_model.encode(words, show_progress_bar=False), dtype=np.float32)


def word2vec_wikipedia(vector_size: int = 100, window: int = 5, min_count: int = 5, epochs: int = 5,
                       seed: int = 0):
    """Skip-gram word2vec trained on the Wikipedia sample (cached): a stand-in Part II model.

    Returns gensim ``KeyedVectors``.
    """
    from .data import wikipedia

    def compute():
        from gensim.models import Word2Vec

        sents = wikipedia().tokenized_sentences(min_words=3)
        m = Word2Vec(sents, vector_size=vector_size, window=window, min_count=min_count, sg=1,
                     epochs=epochs, seed=seed, workers=1)
        return m.wv

    return cache.cached_object("w2v-wikipedia", {"size": vector_size, "window": window, "min_count": min_count,
                                                 "epochs": epochs, "seed": seed}, compute)


# --------------------------------------------------------------------------- many contexts per word
def context_sentences(words: Sequence[str], max_contexts: int = 16, seed: int = 0, min_words: int = 8,
                      max_words: int = 40) -> tuple[list[str], dict]:
    """Sentences of the Wikipedia sample chosen so that each word gets up to ``max_contexts`` contexts.

    Eligible sentences are those of :func:`wikipedia_sentence_sample` (``min_words``..``max_words``
    tokens). For each word (lowercased, in sorted order) the sentences that contain it are
    found; when there are more than ``max_contexts``, a seeded random subset is kept. The
    chosen sentences of a word are listed in a seeded random order, so the first ``m`` of them
    are a random sample of ``m`` contexts (used for the contexts-per-word curve).

    Returns
    -------
    sentences : list of str
        The union of the chosen sentences, in corpus order.
    chosen : dict of str -> list of int
        For each word that occurs at least once, the positions (into ``sentences``) of its
        contexts, in the random order described above; length ``min(max_contexts, n)``.
    """
    from .data import tokenize, wikipedia

    words = checks.non_empty([str(w).lower() for w in words], "words")
    if not isinstance(max_contexts, (int, np.integer)) or isinstance(max_contexts, bool) or max_contexts < 1:
        raise ValueError(f"max_contexts must be a positive integer; got {max_contexts!r}")
    if not 1 <= min_words <= max_words:
        raise ValueError(f"need 1 <= min_words <= max_words; got {min_words}, {max_words}")
    targets = sorted(set(words))
    sents = [s for _, s in wikipedia().sentences(min_words=min_words) if len(tokenize(s)) <= max_words]
    wanted = set(targets)
    occ: dict[str, list[int]] = {}
    for i, s in enumerate(sents):
        for w in set(tokenize(s)) & wanted:
            occ.setdefault(w, []).append(i)
    if not occ:
        raise ValueError("none of the words occurs in the Wikipedia sample")
    rng = np.random.default_rng(seed)
    picked = {}
    for w in targets:
        if w in occ:
            o = np.asarray(occ[w])
            sel = rng.choice(o, max_contexts, replace=False) if len(o) > max_contexts else rng.permutation(o)
            picked[w] = [int(i) for i in sel]
    keep = sorted(set(i for v in picked.values() for i in v))
    pos = {i: k for k, i in enumerate(keep)}
    return [sents[i] for i in keep], {w: [pos[i] for i in v] for w, v in picked.items()}


def aggregated_context_vectors(words: Sequence[str], targets: Sequence[str] | None = None, max_contexts: int = 16,
                               checkpoints: Sequence[int] = (1, 2, 4, 8), seed: int = 0, min_words: int = 8,
                               max_words: int = 40, model: str = DEFAULT_MODEL, chunk: int = 256) -> dict:
    """Static vectors averaged over up to ``max_contexts`` Wikipedia contexts per word, every layer (cached).

    The sentences are :func:`context_sentences` of ``targets`` (default: ``words``; sentences
    of ``min_words``..``max_words`` tokens): each
    target word gets up to ``max_contexts`` contexts chosen for it. The sentences are encoded
    once (in chunks, with a progress bar) and every word of ``words`` found in them is averaged
    over up to ``max_contexts`` occurrences; a target word is averaged over exactly its chosen
    contexts (its first occurrence in each).

    Returns
    -------
    dict
        * ``"words"``, ``"counts"``: the words of ``words`` seen at least once (input order) and
          how many contexts each vector averages;
        * ``"mean"``: ``(L + 1, V, d)`` float16, sub-word pieces mean-pooled;
        * ``"targets"``, ``"target_counts"``: the target words seen at least once;
        * ``"first"``, ``"last"``: ``(L + 1, T, d)`` float16, the targets' vectors with the
          first / last sub-word piece instead of the mean;
        * ``"curve"``: dict ``m -> (L + 1, T, d)`` float16, the targets averaged over their
          first ``min(m, count)`` contexts (mean pooling), for each ``m`` in ``checkpoints``;
        * ``"n_sentences"``, ``"max_contexts"``.
    """
    from tqdm.auto import tqdm

    words = [str(w).lower() for w in checks.non_empty(list(words), "words")]
    targets = words if targets is None else [str(t).lower() for t in checks.non_empty(list(targets), "targets")]
    checkpoints = tuple(int(m) for m in checkpoints)
    if any(not 1 <= m < max_contexts for m in checkpoints) or list(checkpoints) != sorted(set(checkpoints)):
        raise ValueError(f"checkpoints must be increasing and between 1 and max_contexts - 1 = {max_contexts - 1};"
                         f" got {checkpoints}")
    if not isinstance(chunk, (int, np.integer)) or chunk < 1:
        raise ValueError(f"chunk must be a positive integer; got {chunk!r}")
    sentences, chosen = context_sentences(targets, max_contexts, seed, min_words, max_words)
    enc = get_encoder(model)
    word_list = list(dict.fromkeys(words))
    target_list = [t for t in dict.fromkeys(targets) if t in chosen]

    def compute():
        L, d = enc.n_layers + 1, enc.dim
        widx = {w: i for i, w in enumerate(word_list)}
        tidx = {w: i for i, w in enumerate(target_list)}
        # rank of each chosen context: (sentence, word) -> position in the word's random order
        rank = {(s, w): r for w, v in chosen.items() if w in tidx for r, s in enumerate(v)}
        sums = np.zeros((L, len(word_list), d), dtype=np.float32)
        counts = np.zeros(len(word_list), dtype=int)
        tsum = {p: np.zeros((L, len(target_list), d), dtype=np.float32) for p in ("mean", "first", "last")}
        csum = {m: np.zeros((L, len(target_list), d), dtype=np.float32) for m in checkpoints}
        tcount = np.zeros(len(target_list), dtype=int)
        for start in tqdm(range(0, len(sentences), chunk), desc="encoding contexts", unit="chunk"):
            states = enc.encode_tokens(sentences[start:start + chunk], show_progress=False)
            for k, s in enumerate(states):
                si = start + k
                low = [x.lower() for x in s.words]
                wv = None
                done = set()
                for j, w in enumerate(low):
                    if w in done or (w not in widx and w not in tidx) or not _WORD.match(w):
                        continue
                    done.add(w)
                    if wv is None:
                        wv = _all_layer_word_vectors(s, "mean")
                    v = wv[:, j]
                    if not np.isfinite(v).all():
                        continue
                    r = rank.get((si, w))
                    if w in tidx:
                        if r is None:
                            continue          # a target uses its chosen contexts only
                        t = tidx[w]
                        tcount[t] += 1
                        tsum["mean"][:, t] += v
                        for p in ("first", "last"):
                            tsum[p][:, t] += _all_layer_word_vectors(s, p, only=j)[:, 0]
                        for m in checkpoints:
                            if r < m:
                                csum[m][:, t] += v
                    if w in widx and counts[widx[w]] < max_contexts:
                        counts[widx[w]] += 1
                        sums[:, widx[w]] += v
        seen = np.flatnonzero(counts > 0)
        tseen = np.flatnonzero(tcount > 0)
        tc = tcount[tseen]

        def mean_of(a, n):
            return (a / np.maximum(n, 1)[None, :, None]).astype(np.float16)

        return {
            "words": [word_list[i] for i in seen], "counts": counts[seen],
            "mean": mean_of(sums[:, seen], counts[seen]),
            "targets": [target_list[i] for i in tseen], "target_counts": tc,
            "first": mean_of(tsum["first"][:, tseen], tc), "last": mean_of(tsum["last"][:, tseen], tc),
            "curve": {m: mean_of(csum[m][:, tseen], np.minimum(tc, m)) for m in checkpoints},
            "n_sentences": len(sentences), "max_contexts": int(max_contexts),
        }

    params = {"model": enc.cache_id(), "words": word_list, "targets": target_list, "max": int(max_contexts),
              "checkpoints": checkpoints, "seed": seed, "min_words": min_words, "max_words": max_words, "v": 1}
    return cache.cached_object("aggregated-contexts", params, compute)


def context_table(agg: dict, layer: int, pooling: str = "mean", contexts: int | None = None):
    """A word-vector table (``KeyedVectors``) from :func:`aggregated_context_vectors`.

    ``pooling`` (``"mean"``, ``"first"``, ``"last"``) chooses how a target word's sub-word
    pieces are pooled; ``contexts=m`` (one of the checkpoints) gives the targets averaged over
    their first ``m`` contexts only (then the table holds the targets only). Vectors are
    returned as float32.
    """
    from .models import keyed_vectors

    L = agg["mean"].shape[0]
    if not isinstance(layer, (int, np.integer)) or not -L <= layer < L:
        raise ValueError(f"layer must be an integer in [{-L}, {L - 1}]; got {layer!r}")
    if pooling not in ("mean", "first", "last"):
        raise ValueError(f"unknown word pooling {pooling!r}; use 'mean', 'first' or 'last'")
    if contexts is not None:
        if contexts not in agg["curve"]:
            raise ValueError(f"contexts={contexts!r} is not a checkpoint; available: {sorted(agg['curve'])}"
                             f" (or None for up to {agg['max_contexts']})")
        if pooling != "mean":
            raise ValueError("the contexts-per-word curve is stored for mean pooling only")
        return keyed_vectors(agg["targets"], agg["curve"][contexts][layer].astype(np.float32))
    M = agg["mean"][layer].astype(np.float32)
    if pooling != "mean":
        idx = {w: i for i, w in enumerate(agg["words"])}
        for t, w in enumerate(agg["targets"]):
            if w in idx:
                M[idx[w]] = agg[pooling][layer, t]
    return keyed_vectors(agg["words"], M)


def shared_pairs(dataset, tables) -> "SimilarityDataset":
    """The pairs of a similarity data set whose two words are in **every** table.

    Tables with different vocabularies score different pairs; restricting all of them to
    the pairs they share makes their correlations comparable.

    Parameters
    ----------
    dataset : lib.data.SimilarityDataset
    tables : sequence of KeyedVectors-like (anything with ``key_to_index``)

    Returns
    -------
    lib.data.SimilarityDataset
        Same name with `` (shared pairs)`` appended, the kept pairs in their original order.
    """
    from .data import SimilarityDataset

    tables = list(tables)
    if not tables:
        raise ValueError("tables is empty: give at least one word-vector table")
    for t in tables:
        if not hasattr(t, "key_to_index"):
            raise TypeError(f"each table needs a key_to_index mapping (gensim KeyedVectors); got {type(t).__name__}")
    keep = [i for i, (a, b) in enumerate(dataset.pairs)
            if all(a in t.key_to_index and b in t.key_to_index for t in tables)]
    if not keep:
        raise ValueError(f"no pair of {dataset.name} is covered by every table")
    return SimilarityDataset(f"{dataset.name} (shared pairs)", [dataset.pairs[i] for i in keep],
                             np.asarray(dataset.scores)[keep])


# --------------------------------------------------------------------------- sentence vectors
def wikipedia_word_counts() -> dict:
    """Token counts of the Wikipedia sample (lowercased), for SIF weights."""
    from collections import Counter

    from .data import wikipedia

    return cache.cached_object("wikipedia-counts", {"v": 1},
                               lambda: dict(Counter(w for d in wikipedia().tokens() for w in d)))


def sif_weights(words: Sequence[str], counts: dict, a: float = 1e-3) -> np.ndarray:
    """SIF weights ``a / (a + p(w))`` with ``p(w)`` the word's relative frequency in ``counts``.

    Unseen words get ``p = 0`` and weight 1.
    """
    if a <= 0:
        raise ValueError(f"a must be positive; got {a}")
    total = float(sum(counts.values()))
    if total <= 0:
        raise ValueError("counts is empty")
    return np.array([a / (a + counts.get(w, 0) / total) for w in words])


def sif_embeddings(emb, texts: Sequence[str], counts: dict, a: float = 1e-3, remove_pc: int = 1,
                   fit=None) -> np.ndarray:
    """Arora et al.'s SIF sentence vectors: frequency-weighted averages minus the common component.

    Parameters
    ----------
    emb : KeyedVectors-like
    texts : list of str
    counts : dict word -> count
    remove_pc : int
        Number of top principal directions (of the uncentred matrix) to remove.
    fit : ndarray, optional
        Weighted averages to compute the directions on (default: these texts).

    Returns
    -------
    ndarray, shape (n_texts, d)
    """
    from .data import tokenize

    texts = checks.texts(texts)
    vocab, vecs = emb.key_to_index, np.asarray(emb.vectors)
    X = np.zeros((len(texts), vecs.shape[1]))
    for i, t in enumerate(texts):
        toks = [w for w in tokenize(t) if w in vocab]
        if toks:
            wts = sif_weights(toks, counts, a)
            X[i] = wts @ vecs[[vocab[w] for w in toks]] / len(toks)
    if remove_pc:
        base = X if fit is None else checks.as_matrix(fit, "fit", dtype=np.float64)
        _, _, vt = np.linalg.svd(base, full_matrices=False)
        u = vt[:remove_pc]
        X = X - X @ u.T @ u
    return X.astype(np.float32)


def fit_whitening(X, k: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Whitening of WhiteningBERT: ``mu`` and ``W`` such that ``(X - mu) @ W`` has identity covariance.

    ``k`` keeps only the top ``k`` directions (dimension reduction). Needs more rows than kept
    dimensions for a full-rank covariance.
    """
    X = checks.as_matrix(X, "X", dtype=np.float64)
    if len(X) < 2:
        raise ValueError("whitening needs at least 2 vectors")
    d = X.shape[1]
    k = d if k is None else int(k)
    if not 1 <= k <= d:
        raise ValueError(f"k={k} must be between 1 and the dimension {d}")
    mu = X.mean(0)
    cov = np.cov(X - mu, rowvar=False)
    u, s, _ = np.linalg.svd(cov)
    W = u[:, :k] / np.sqrt(s[:k] + 1e-8)
    return mu, W


def whiten(X, fit=None, k: int | None = None) -> np.ndarray:
    """Whiten ``X`` with the mean and covariance of ``fit`` (default ``X``); shape ``(n, k)``."""
    X = checks.as_matrix(X, "X", dtype=np.float64)
    mu, W = fit_whitening(X if fit is None else fit, k)
    if X.shape[1] != W.shape[0]:
        raise ValueError(f"dimension mismatch: X has d={X.shape[1]} but fit has d={W.shape[0]}")
    return ((X - mu) @ W).astype(np.float32)


def all_but_the_top(X, D: int = 1, fit=None) -> np.ndarray:
    """Mu & Viswanath's post-processing: subtract the mean and the top ``D`` principal components.

    The mean and the directions come from ``fit`` (default ``X``).
    """
    X = checks.as_matrix(X, "X", dtype=np.float64)
    F = X if fit is None else checks.as_matrix(fit, "fit", dtype=np.float64)
    if F.shape[1] != X.shape[1]:
        raise ValueError(f"dimension mismatch: X has d={X.shape[1]} but fit has d={F.shape[1]}")
    if not 0 <= D < min(F.shape):
        raise ValueError(f"D={D} must be between 0 and {min(F.shape) - 1}")
    mu = F.mean(0)
    _, _, vt = np.linalg.svd(F - mu, full_matrices=False)
    u = vt[:D]
    Y = X - mu
    return (Y - Y @ u.T @ u).astype(np.float32)


def probe_with_ci(X, y, cv: int = 5, seed: int = 0, n_boot: int = 1000, C: float = 1.0):
    """Cross-validated logistic-regression accuracy with a bootstrap interval over the items.

    Each item is predicted by the fold model that did not see it; the interval resamples
    items. Returns ``(Estimate, correct)`` with ``correct`` a boolean array per item.
    """
    from .evaluate import probe

    result = probe(X, y, cv=cv, C=C, seed=seed, n_boot=n_boot)
    return result.ci, result.correct


# --------------------------------------------------------------------------- head-to-head evaluation
def analogy_subsample(dataset, n: int = 2000, seed: int = 0):
    """A seeded random subset of ``n`` analogy questions, keeping each section's share.

    Returns a :class:`lib.data.AnalogyDataset`.
    """
    from .data import AnalogyDataset

    total = len(dataset)
    if not 1 <= n <= total:
        raise ValueError(f"n={n} must be between 1 and the {total} questions")
    rng = np.random.default_rng(seed)
    sections = {}
    for sec, qs in dataset.sections.items():
        k = max(1, int(round(n * len(qs) / total)))
        pick = np.sort(rng.choice(len(qs), min(k, len(qs)), replace=False))
        sections[sec] = [qs[i] for i in pick]
    return AnalogyDataset(sections, {**dataset.info, "size": f"{sum(map(len, sections.values()))} sampled questions"})


def static_scores(kv, similarity_sets: Sequence, analogies, polarity=None, restrict_vocab: int | None = 10000,
                  n_boot: int = 500, seed: int = 0) -> dict:
    """Score one word-vector table on similarity sets, analogies and (optionally) the polarity probe.

    Returns a flat dict: for each similarity set ``<name>`` and ``<name> ci`` / ``<name> cov``;
    ``analogy acc``, ``analogy acc ci``, ``analogy mrr``, ``analogy cov``; ``polarity``,
    ``polarity ci``, ``polarity cov`` (mean share of a sentence's tokens in the vocabulary).
    """
    from .evaluate import analogy, average_word_vectors, word_similarity

    out = {}
    for ds in similarity_sets:
        r = word_similarity(kv, ds, n_boot=n_boot, seed=seed)
        out[ds.name], out[f"{ds.name} ci"], out[f"{ds.name} cov"] = r.spearman, r.ci, r.coverage
    a = analogy(kv, analogies, restrict_vocab=restrict_vocab, n_boot=n_boot, seed=seed)
    out["analogy acc"], out["analogy acc ci"], out["analogy mrr"], out["analogy cov"] = a.accuracy, a.ci, a.mrr, a.coverage
    if polarity is not None:
        X, cov = average_word_vectors(kv, polarity.texts)
        est, _ = probe_with_ci(X, polarity.labels, n_boot=n_boot, seed=seed)
        out["polarity"], out["polarity ci"], out["polarity cov"] = est.value, est, float(cov.mean())
    return out
