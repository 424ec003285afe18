"""How much of a sentence an attack recovered: token precision, recall and F1.

* :func:`set_prf` - one predicted word set against the true one;
* :func:`token_prf`, :func:`token_prf_ci` - micro-averaged over all words of all sentences, and per
  sentence, with bootstrap intervals over sentences;
* :func:`recall_by_rank` - which words leak, by their frequency rank.
"""
from __future__ import annotations

from typing import Iterable, Sequence

import numpy as np

from ..stats import bootstrap, mean_ci
from .data import check_sets

__all__ = ["set_prf", "token_prf", "token_prf_ci", "recall_by_rank"]


def set_prf(pred: Iterable[str], true: Iterable[str]) -> tuple[float, float, float]:
    """Precision, recall and F1 of one predicted word set against the true one.

    Conventions: an empty prediction has precision 0, an empty truth recall 0; F1 is 0
    when precision + recall is 0.

    Parameters
    ----------
    pred, true : collections of str (repeats count once)

    Returns
    -------
    precision, recall, f1 : float

    Examples
    --------
    >>> set_prf({"the", "cat"}, {"the", "cat", "sat", "down"})
    (1.0, 0.5, 0.6666666666666666)
    """
    if isinstance(pred, str) or isinstance(true, str):
        raise ValueError("pred and true must be collections of words, not a single string")
    p_set, t_set = set(pred), set(true)
    tp = len(p_set & t_set)
    p = tp / len(p_set) if p_set else 0.0
    r = tp / len(t_set) if t_set else 0.0
    return p, r, (2 * p * r / (p + r) if p + r else 0.0)


def _counts(pred_sets, true_sets, exclude) -> np.ndarray:
    """Per sentence ``(true positives, predicted words, true words)``, shape (n, 3), ``exclude`` left out."""
    pred_sets = check_sets(pred_sets, "pred_sets")
    true_sets = check_sets(true_sets, "true_sets")
    if len(pred_sets) != len(true_sets):
        raise ValueError(f"length mismatch: {len(pred_sets)} predicted sets but {len(true_sets)} true sets")
    ex = set(exclude)
    out = np.zeros((len(true_sets), 3), dtype=np.int64)  # tp, n_pred, n_true
    for i, (p, t) in enumerate(zip(pred_sets, true_sets)):
        p, t = p - ex, t - ex
        out[i] = (len(p & t), len(p), len(t))
    return out


def _micro(c: np.ndarray) -> tuple[float, float, float]:
    tp, npred, ntrue = c.sum(0)
    p = tp / npred if npred else 0.0
    r = tp / ntrue if ntrue else 0.0
    return float(p), float(r), float(2 * p * r / (p + r) if p + r else 0.0)


def token_prf(pred_sets, true_sets, exclude: Iterable[str] = ()) -> dict:
    """Token precision, recall and F1 of predicted word sets.

    *Micro* scores pool every sentence's true positives, predictions and true words;
    ``sentence_f1`` holds each sentence's own F1 (:func:`set_prf`; NaN where the true set is
    empty after ``exclude``). Words in ``exclude`` are removed from both sides first.

    Parameters
    ----------
    pred_sets, true_sets : list of set of str, the same length
    exclude : iterable of str
        E.g. :data:`lib.leakage.STOPWORDS` for content-word scores.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``f1`` (micro, floats), ``sentence_f1`` (ndarray, shape (n,)),
        ``mean_sentence_f1`` (mean over sentences with a non-empty true set).

    Examples
    --------
    >>> r = token_prf([{"a", "b"}, {"c"}], [{"a"}, {"c", "d"}])
    >>> round(r["precision"], 3), round(r["recall"], 3), r["sentence_f1"].round(3).tolist()
    (0.667, 0.667, [0.667, 0.667])
    """
    c = _counts(pred_sets, true_sets, exclude)
    p, r, f = _micro(c)
    tp, npred, ntrue = c[:, 0].astype(float), c[:, 1].astype(float), c[:, 2].astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        sp = np.where(npred > 0, tp / np.maximum(npred, 1), 0.0)
        sr = tp / ntrue
        sf = np.where(sp + sr > 0, 2 * sp * sr / (sp + sr), 0.0)
    sf = np.where(ntrue > 0, sf, np.nan)
    return {"precision": p, "recall": r, "f1": f, "sentence_f1": sf,
            "mean_sentence_f1": float(np.nanmean(sf)) if np.isfinite(sf).any() else float("nan")}


def token_prf_ci(pred_sets, true_sets, exclude: Iterable[str] = (), n_boot: int = 1000, seed: int = 0) -> dict:
    """:func:`token_prf` with 95% bootstrap intervals over sentences.

    Parameters
    ----------
    pred_sets, true_sets : list of set of str, the same length (at least 2)
    exclude : iterable of str
    n_boot : int
        Bootstrap resamples (:func:`lib.stats.bootstrap`).
    seed : int

    Returns
    -------
    dict of str -> lib.stats.Estimate
        ``precision``, ``recall``, ``f1`` (micro) and ``mean_sentence_f1``.
    """
    c = _counts(pred_sets, true_sets, exclude)
    res = token_prf(pred_sets, true_sets, exclude)
    out = {name: bootstrap(lambda idx, j=j: _micro(c[idx])[j], len(c), n_boot, seed=seed)
           for j, name in enumerate(("precision", "recall", "f1"))}
    sf = res["sentence_f1"]
    out["mean_sentence_f1"] = mean_ci(sf[np.isfinite(sf)], n_boot, seed=seed)
    return out


def recall_by_rank(pred_sets, true_sets, rank: dict, edges: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Recall of the true words grouped by their frequency rank.

    Parameters
    ----------
    pred_sets, true_sets : list of set of str, the same length
    rank : dict
        Word -> rank (0 = most frequent), e.g. ``{w: i for i, w in enumerate(vocab)}``.
        Words missing from it go to a last group ("unranked").
    edges : increasing ints
        Group ``g`` holds ranks in ``[edges[g], edges[g + 1])``.

    Returns
    -------
    recall : ndarray, shape (len(edges),)
        One value for each of the ``len(edges) - 1`` rank ranges, then one for the unranked words;
        NaN for an empty group.
    count : ndarray of int, shape (len(edges),)
        Number of true word occurrences in each group.

    Examples
    --------
    >>> rec, cnt = recall_by_rank([{"a"}], [{"a", "b", "zzz"}], {"a": 0, "b": 5}, [0, 2, 10])
    >>> rec.tolist(), cnt.tolist()
    ([1.0, 0.0, 0.0], [1, 1, 1])
    """
    pred_sets = check_sets(pred_sets, "pred_sets")
    true_sets = check_sets(true_sets, "true_sets")
    if len(pred_sets) != len(true_sets):
        raise ValueError(f"length mismatch: {len(pred_sets)} predicted sets but {len(true_sets)} true sets")
    if not isinstance(rank, dict):
        raise TypeError(f"rank must be a dict word -> rank; got {type(rank).__name__}")
    edges = np.asarray(edges)
    if edges.ndim != 1 or edges.size < 2 or edges.dtype.kind not in "iu" or not (np.diff(edges) > 0).all():
        raise ValueError(f"edges must be at least two increasing integers; got {edges.tolist()}")
    G = len(edges)
    hit, cnt = np.zeros(G), np.zeros(G, dtype=np.int64)
    for p, t in zip(pred_sets, true_sets):
        for w in t:
            r = rank.get(w)
            if r is None or r >= edges[-1] or r < edges[0]:
                g = G - 1
            else:
                g = int(np.searchsorted(edges, r, side="right")) - 1
            cnt[g] += 1
            hit[g] += w in p
    with np.errstate(invalid="ignore"):
        return np.where(cnt > 0, hit / np.maximum(cnt, 1), np.nan), cnt
