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
  :func:`model2vec_vectors`.
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

DEFAULT_MODEL = "all-MiniLM-L6-v2"
SENSES_DIR = Path(__file__).resolve().parent.parent / "data" / "senses"
_WORD = re.compile(r"^[a-z]+$")


# --------------------------------------------------------------------------- encoder
@lru_cache(maxsize=4)
def get_encoder(model: str = DEFAULT_MODEL):
    """A shared :class:`~lib.encoder.ContextualEncoder` for ``model`` (loaded once per process)."""
    from .encoder import ContextualEncoder

    return ContextualEncoder(model)


# --------------------------------------------------------------------------- corpus sample
def wikipedia_sentence_sample(n: int = 1000, seed: int = 0, min_words: int = 8,
                              max_words: int = 40) -> list[str]:
    """A reproducible random sample of ``n`` sentences from the Wikipedia sample corpus.

    Sentences with ``min_words``..``max_words`` tokens are eligible (short fragments and
    run-on lists are dropped); the same ``(n, seed, min_words, max_words)`` always gives
    the same sentences in the same order, and a smaller ``n`` gives a prefix of a larger one.

    Returns
    -------
    list of str, length n
    """
    from .data import tokenize, wikipedia

    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a positive integer; got {n!r}")
    if not 1 <= min_words <= max_words:
        raise ValueError(f"need 1 <= min_words <= max_words; got {min_words}, {max_words}")
    sents = [s for _, s in wikipedia().sentences(min_words=min_words) if len(tokenize(s)) <= max_words]
    if n > len(sents):
        raise ValueError(f"n={n} is larger than the {len(sents)} eligible sentences")
    order = np.random.default_rng(seed).permutation(len(sents))
    return [sents[i] for i in order[:n]]


def wikipedia_sentence_vectors(n: int = 1000, seed: int = 0, pooling: str = "mean",
                               layers=None, normalize: bool = False, model: str = DEFAULT_MODEL) -> np.ndarray:
    """Pooled vectors of :func:`wikipedia_sentence_sample` for every layer (cached on disk).

    Returns
    -------
    ndarray
        ``(n_layers + 1, n, d)`` for ``layers=None``, ``(n, d)`` for an int layer.
    """
    texts = wikipedia_sentence_sample(n, seed)
    return get_encoder(model).pool(texts, pooling=pooling, layers=layers, normalize=normalize,
                                   use_cache=True)


def pooled_all(texts: Sequence[str], model: str = DEFAULT_MODEL, show_progress: bool | None = None) -> dict:
    """Mean, CLS and max pooling of every layer from a single forward pass (cached).

    Mean pooling includes the special tokens, as sentence-transformers and
    :meth:`ContextualEncoder.pool` do; the results equal ``encoder.pool(texts, p)``.

    Returns
    -------
    dict of str -> ndarray, shape (n_layers + 1, n_texts, d)
        Keys ``"mean"``, ``"cls"``, ``"max"``.
    """
    texts = checks.texts(texts)
    enc = get_encoder(model)

    def compute():
        states = enc.encode_tokens(texts, show_progress=show_progress)
        L = enc.n_layers + 1
        out = np.zeros((3, L, len(texts), enc.dim), dtype=np.float32)
        for i, s in enumerate(states):
            out[0, :, i] = s.hidden.mean(1)
            out[1, :, i] = s.hidden[:, 0]
            out[2, :, i] = s.hidden.max(1)
        return out

    arr = cache.cached_array("pooled-all", {"model": enc.cache_id(), "texts": texts}, compute)
    return {"mean": arr[0], "cls": arr[1], "max": arr[2]}


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
            j = low.index(w)
            for layer in range(enc.n_layers + 1):
                out[layer, i] = s.word_vectors(layer, pooling)[j]
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
def contextual_word_stats(n_sentences: int = 1000, seed: int = 0, model: str = DEFAULT_MODEL,
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
            wv = np.stack([s.word_vectors(l, pooling) for l in range(L)])  # (L, n_words, d)
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
