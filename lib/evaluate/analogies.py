"""Word analogies: 3CosAdd / 3CosMul accuracy and mean reciprocal rank, semantic vs syntactic."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import checks
from ..stats import Estimate, bootstrap, mean_ci
from ._common import _table, _dataset, _unit

__all__ = ['AnalogyResult', 'analogy']


@dataclass
class AnalogyResult:
    """Outcome of :func:`analogy`.

    Attributes
    ----------
    method : str
    accuracy, mrr : float
        Over the covered questions.
    n_questions, n_covered : int
    semantic, syntactic : float
        Accuracy on the semantic and the syntactic (``gram*``) sections.
    per_section : dict of str -> (accuracy, mrr, n_covered)
    correct, reciprocal_rank : ndarray
        Per covered question; ``sections`` gives each one's section.
    ci : Estimate or None
        Bootstrap interval on the accuracy.
    """

    method: str
    accuracy: float
    mrr: float
    n_questions: int
    n_covered: int
    semantic: float
    syntactic: float
    per_section: dict
    correct: np.ndarray = field(repr=False)
    reciprocal_rank: np.ndarray = field(repr=False)
    sections: np.ndarray = field(repr=False)
    ci: Estimate | None = None

    @property
    def coverage(self) -> float:
        return self.n_covered / self.n_questions

    def __str__(self) -> str:
        return (f"{self.method}: accuracy {self.accuracy:.3f} (semantic {self.semantic:.3f}, "
                f"syntactic {self.syntactic:.3f}), MRR {self.mrr:.3f}, {self.n_covered}/{self.n_questions} questions")


def analogy(emb, dataset, method: str = "3cosadd", restrict_vocab: int | None = 30000,
            batch: int = 512, n_boot: int = 0, seed: int = 0) -> AnalogyResult:
    """Solve ``a : b :: c : ?`` for every question and score the answers.

    The protocol of gensim's ``evaluate_word_analogies``: only the first ``restrict_vocab``
    words (the most frequent, for frequency-sorted vocabularies) are used, both as allowed
    question words and as candidate answers; questions with a word outside them are
    skipped; ``a``, ``b`` and ``c`` are never accepted as answers. The default here is 30,000,
    the setting of the original word2vec ``compute-accuracy`` tool; gensim's own default is
    300,000. A candidate that ties with the gold answer outranks it.

    Parameters
    ----------
    emb : KeyedVectors-like
        ``key_to_index`` (word -> row) and ``vectors`` of shape ``(n_words, d)``.
    dataset : lib.data.AnalogyDataset
        ``sections`` (section name -> list of ``(a, b, c, d)`` word 4-tuples) and ``is_syntactic``.
    method : {"3cosadd", "3cosmul"}
        3CosAdd ranks ``cos(x, b) - cos(x, a) + cos(x, c)``; 3CosMul (Levy & Goldberg 2014)
        ranks ``s(x, b) s(x, c) / (s(x, a) + 1e-6)`` with ``s = (1 + cos) / 2``.
    restrict_vocab : int or None
        Size of the vocabulary used, at least 4 (``None``: all words).
    batch : int
        Questions per matrix product (memory only; the result does not depend on it).
    n_boot : int
        Bootstrap resamples for an interval on the accuracy (0: none).
    seed : int
        Seed of the bootstrap.

    Returns
    -------
    AnalogyResult
        Accuracy and MRR over the covered questions, per section, and per question
        (``correct``, ``reciprocal_rank`` of shape ``(n_covered,)``).
    """
    if not isinstance(method, str) or method.lower() not in ("3cosadd", "3cosmul"):
        raise ValueError(f"unknown analogy method {method!r}; use '3cosadd' or '3cosmul'")
    method = method.lower()
    if isinstance(batch, bool) or not isinstance(batch, (int, np.integer)) or batch < 1:
        raise ValueError(f"batch must be a positive integer; got {batch!r}")
    vocab, vecs = _table(emb)
    _dataset(dataset, ("sections", "is_syntactic"), "AnalogyDataset")
    if restrict_vocab is not None:
        checks.integer(restrict_vocab, "restrict_vocab", lo=1)
    n_vocab = len(vecs) if restrict_vocab is None else min(int(restrict_vocab), len(vecs))
    if n_vocab < 4:
        raise ValueError(f"restrict_vocab={restrict_vocab} leaves fewer than 4 words")
    W = _unit(vecs[:n_vocab])
    qs, secs = [], []
    for sec, questions in dataset.sections.items():
        for q in questions:
            if isinstance(q, str) or len(q) != 4 or not all(isinstance(w, str) for w in q):
                raise ValueError(f"each analogy question must be a 4-tuple of words (a, b, c, d); "
                                 f"section {sec!r} has {q!r}")
            qs.append(q)
            secs.append(sec)
    n_questions = len(qs)
    if n_questions == 0:
        raise ValueError("the analogy dataset has no questions")
    keep = [i for i, q in enumerate(qs) if all(w in vocab and vocab[w] < n_vocab for w in q)]
    if not keep:
        raise ValueError("no analogy question has all four words in the (restricted) vocabulary")
    ids = np.array([[vocab[w] for w in qs[i]] for i in keep])
    sections = np.array([secs[i] for i in keep])
    rr = np.empty(len(ids))
    for s in range(0, len(ids), batch):
        a, b, c, d = ids[s:s + batch].T
        if method == "3cosadd":
            scores = (W[b] - W[a] + W[c]) @ W.T
        else:
            sa, sb, sc = ((1 + W[x] @ W.T) / 2 for x in (a, b, c))
            scores = sb * sc / (sa + 1e-6)
        rows = np.arange(len(a))
        gold = scores[rows, d].copy()
        for x in (a, b, c):
            scores[rows, x] = -np.inf
        # a gold answer equal to a question word can never be returned: rank it last
        gold[(d == a) | (d == b) | (d == c)] = -np.inf
        # ties are lost by the gold answer: a candidate scoring exactly as high outranks it
        # (otherwise all-zero or duplicated vectors would score accuracy 1.0)
        ahead = scores >= gold[:, None]
        ahead[rows, d] = False
        rr[s:s + batch] = 1.0 / (1 + ahead.sum(1))
    correct = rr == 1.0
    syn = np.array([dataset.is_syntactic(x) for x in sections])
    per_section = {}
    for sec in dataset.sections:
        m = sections == sec
        if m.any():
            per_section[sec] = (float(correct[m].mean()), float(rr[m].mean()), int(m.sum()))
    ci = mean_ci(correct.astype(float), n_boot, seed=seed) if n_boot else None
    return AnalogyResult(
        method, float(correct.mean()), float(rr.mean()), n_questions, len(ids),
        float(correct[~syn].mean()) if (~syn).any() else float("nan"),
        float(correct[syn].mean()) if syn.any() else float("nan"),
        per_section, correct, rr, sections, ci,
    )
