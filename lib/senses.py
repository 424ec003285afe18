"""Word senses: sentences in which an ambiguous word is used in a labelled sense, and how well
a contextual model's vectors of that word separate by sense (Part III, chapter 1).

:class:`SenseData` and :func:`load_senses` read the book's data set (``data/senses/``);
:func:`target_word_vectors` and :func:`sense_vectors` encode the target word of each sentence at
every layer (cached); :func:`sense_scores` measures the separation (silhouette, k-means purity,
leave-one-out nearest-centroid accuracy).
"""
from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

import numpy as np

from . import cache, checks, encodings, linalg
from .contextual import POOLINGS, layer_word_vectors

__all__ = ["SENSES_DIR", "SenseData", "load_senses", "target_word_vectors", "sense_vectors", "sense_scores"]

SENSES_DIR = Path(__file__).resolve().parent.parent / "data" / "senses"


@dataclass
class SenseData:
    """Sentences in which an ambiguous word is used in a labelled sense.

    Parameters
    ----------
    words, senses, sentences : list of str
        One entry per sentence.
    glosses : dict, optional

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
        """The sentences of one target word (``KeyError`` for an unknown word)."""
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

    Parameters
    ----------
    path : str or path-like, optional
        Default the book's file.

    Returns
    -------
    SenseData

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


def target_word_vectors(sentences: Sequence[str], words: Sequence[str], model: str = encodings.DEFAULT_MODEL,
                        pooling: str = "mean") -> np.ndarray:
    """Every layer's vector of the first occurrence of ``words[i]`` in ``sentences[i]`` (cached).

    Parameters
    ----------
    sentences : list of str
    words : list of str, one per sentence
    model : str
    pooling : {"mean", "first", "last"}
        How the word's sub-word pieces are pooled.

    Returns
    -------
    ndarray of float32, shape (n_layers + 1, n_sentences, d)
    """
    sentences = checks.texts(sentences, "sentences")
    words = [w.lower() for w in checks.texts(words, "words")]
    if len(words) != len(sentences):
        raise ValueError(f"shape mismatch: {len(sentences)} sentences but {len(words)} target words")
    checks.choice(pooling, "pooling", POOLINGS)
    enc = encodings.get_encoder(model)

    def compute():
        states = enc.encode_tokens(sentences)
        out = np.zeros((enc.n_layers + 1, len(sentences), enc.dim), dtype=np.float32)
        for i, (s, w) in enumerate(zip(states, words)):
            low = [x.lower() for x in s.words]
            if w not in low:
                raise ValueError(f"sentence {i} has no word {w!r} after tokenization: {s.text!r}")
            out[:, i] = layer_word_vectors(s, pooling, only=low.index(w))[:, 0]
        return out

    return cache.cached_array("target-word-vectors", {"model": enc.cache_id(), "sentences": sentences,
                                                      "words": words, "pooling": pooling}, compute)


def sense_vectors(data: SenseData | None = None, model: str = encodings.DEFAULT_MODEL,
                  pooling: str = "mean") -> np.ndarray:
    """:func:`target_word_vectors` of a sense data set (default :func:`load_senses`).

    Parameters
    ----------
    data : SenseData, optional
    model : str
    pooling : {"mean", "first", "last"}

    Returns
    -------
    ndarray of float32, shape (n_layers + 1, n_sentences, d)
    """
    data = data or load_senses()
    return target_word_vectors(data.sentences, data.words, model, pooling)


def _centroid_accuracy(Uw: np.ndarray, y: np.ndarray, n_senses: int) -> list[bool]:
    """Leave-one-out nearest-centroid (cosine) correctness of each unit row."""
    sums = np.stack([Uw[y == k].sum(0) for k in range(n_senses)])
    counts = np.bincount(y).astype(float)
    ok = []
    for r in range(len(Uw)):
        cents, cnt = sums.copy(), counts.copy()
        cents[y[r]] -= Uw[r]
        cnt[y[r]] -= 1
        cents = linalg.unit(cents / cnt[:, None])
        ok.append(int(np.argmax(cents @ Uw[r])) == y[r])
    return ok


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
    words, senses : sequences of str, length n
        Every word needs at least two senses with at least two sentences each.
    seed : int
        Seed of k-means.

    Returns
    -------
    dict
        ``"per_word"`` (dict word -> dict of the three scores), the macro averages
        ``"silhouette"``, ``"purity"``, ``"accuracy"`` (floats), and ``"correct"`` (ndarray of
        bool, shape (n,)).
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from threadpoolctl import threadpool_limits

    X = checks.as_matrix(X, "X", dtype=np.float64)
    words, senses = list(words), list(senses)
    if not (len(words) == len(senses) == len(X)):
        raise ValueError(f"shape mismatch: X has {len(X)} rows, {len(words)} words, {len(senses)} senses")
    seed = checks.integer(seed, "seed", lo=0)
    U = linalg.unit(X)
    per_word, correct = {}, np.zeros(len(X), dtype=bool)
    for w in dict.fromkeys(words):
        idx = np.array([i for i, x in enumerate(words) if x == w])
        names, y = np.unique(np.array([senses[i] for i in idx]), return_inverse=True)
        if len(names) < 2:
            raise ValueError(f"word {w!r} has a single sense label; need at least two")
        if np.bincount(y).min() < 2:
            raise ValueError(f"word {w!r}: every sense needs at least 2 sentences")
        Uw = U[idx]
        sil = float(silhouette_score(Uw, y, metric="cosine"))
        with threadpool_limits(1):  # tiny problems: threads only add overhead (and oversubscribe)
            km = KMeans(len(names), n_init=10, random_state=seed).fit(Uw)
        purity = sum(np.bincount(y[km.labels_ == c]).max() for c in np.unique(km.labels_)) / len(y)
        ok = _centroid_accuracy(Uw, y, len(names))
        correct[idx] = ok
        per_word[w] = {"silhouette": sil, "purity": float(purity), "accuracy": float(np.mean(ok))}
    macro = {m: float(np.mean([v[m] for v in per_word.values()])) for m in ("silhouette", "purity", "accuracy")}
    return {"per_word": per_word, **macro, "correct": correct}
