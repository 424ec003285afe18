"""The data of the inversion attack: sentences from disjoint articles, and their word sets.

* :func:`disjoint_article_sample` draws training and test sentences from two disjoint halves of a
  corpus' articles (a :class:`LeakageSplit`), so no test sentence shares an article with a
  training sentence;
* :func:`word_sets`, :func:`build_vocabulary`, :func:`multi_hot` - each sentence as the set of its
  lowercase words and as a 0/1 target row over a vocabulary;
* :func:`dictionary_words` - the attacker's dictionary, from a frequency-ordered vocabulary.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from .. import checks
from ..data import tokenize

__all__ = ["STOPWORDS", "LeakageSplit", "disjoint_article_sample", "word_sets", "build_vocabulary", "multi_hot",
           "dictionary_words"]

#: scikit-learn's English stop-word list (318 words), used to define "content words".
try:  # pragma: no cover - sklearn is a dependency of the book
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS as _SW
    STOPWORDS: frozenset = frozenset(_SW)
except ImportError:  # pragma: no cover
    STOPWORDS = frozenset()


@dataclass
class LeakageSplit:
    """Sentences of two disjoint halves of a corpus' articles (:func:`disjoint_article_sample`).

    Attributes
    ----------
    train_texts, test_texts : list of str
    train_docs, test_docs : ndarray of int64, shapes (n_train,) and (n_test,)
        The article index of each sentence.
    train_articles, test_articles : list of int
        The articles of each half (disjoint).
    """

    train_texts: list
    test_texts: list
    train_docs: np.ndarray
    test_docs: np.ndarray
    train_articles: list = field(default_factory=list)
    test_articles: list = field(default_factory=list)

    def __repr__(self) -> str:
        return (f"LeakageSplit({len(self.train_texts)} train sentences from {len(self.train_articles)} articles, "
                f"{len(self.test_texts)} test sentences from {len(self.test_articles)} articles)")


def disjoint_article_sample(corpus, n_train: int, n_test: int, min_words: int = 8, max_words: int = 30,
                            seed: int = 0) -> LeakageSplit:
    """Draw ``n_train`` and ``n_test`` sentences from two disjoint halves of the articles.

    The articles are shuffled (``seed``) and dealt one by one to the half that has fewer
    eligible sentences so far, so both halves hold about as many sentences. Sentences with
    ``min_words``..``max_words`` tokens (:func:`lib.data.tokenize`) are eligible; from each
    half the requested number is drawn without replacement and kept in corpus order.

    Parameters
    ----------
    corpus : lib.data.Corpus
    n_train, n_test : int
        Sentences to draw from the training and the test half, each >= 1.
    min_words, max_words : int
        Length limits in tokens.
    seed : int

    Returns
    -------
    LeakageSplit

    Raises
    ------
    ValueError
        If a count is not a positive integer, the limits are inconsistent, or a half has too few sentences.
    """
    n_train = checks.integer(n_train, "n_train", lo=1)
    n_test = checks.integer(n_test, "n_test", lo=1)
    min_words = checks.integer(min_words, "min_words", lo=1)
    max_words = checks.integer(max_words, "max_words")
    if max_words < min_words:
        raise ValueError(f"max_words={max_words} is smaller than min_words={min_words}")
    sents = [(d, s) for d, s in corpus.sentences(min_words=min_words) if len(tokenize(s)) <= max_words]
    by_doc: dict[int, list[str]] = {}
    for d, s in sents:
        by_doc.setdefault(d, []).append(s)
    if len(by_doc) < 2:
        raise ValueError(f"need sentences from at least 2 articles to split; got {len(by_doc)}")
    rng = np.random.default_rng(seed)
    docs = sorted(by_doc)
    halves: tuple[list[int], list[int]] = ([], [])
    sizes = [0, 0]
    for d in rng.permutation(docs):
        h = int(sizes[1] < sizes[0])
        halves[h].append(int(d))
        sizes[h] += len(by_doc[int(d)])
    out = []
    for half, n, name in ((halves[0], n_train, "training"), (halves[1], n_test, "test")):
        pool = [(d, s) for d in sorted(half) for s in by_doc[d]]
        if n > len(pool):
            raise ValueError(f"n={n} sentences asked from the {name} half, which has only {len(pool)} "
                             f"with {min_words}..{max_words} words")
        pick = np.sort(rng.choice(len(pool), n, replace=False))
        out.append(([pool[i][1] for i in pick], np.array([pool[i][0] for i in pick], dtype=np.int64), sorted(half)))
    return LeakageSplit(out[0][0], out[1][0], out[0][1], out[1][1], out[0][2], out[1][2])


def word_sets(texts: Sequence[str]) -> list[set]:
    """Each text as the set of its lowercase word tokens (:func:`lib.data.tokenize`).

    Parameters
    ----------
    texts : list of str

    Returns
    -------
    list of set of str, one per text

    Examples
    --------
    >>> [sorted(s) for s in word_sets(["The cat saw the cat.", "Dogs"])]
    [['cat', 'saw', 'the'], ['dogs']]
    """
    texts = checks.texts(texts)
    return [set(tokenize(t)) for t in texts]


def check_sets(sets, name: str) -> list[set]:
    """``sets`` as a non-empty list of sets of words; a string or a lone set is an error.

    Parameters
    ----------
    sets : list of set, list or tuple of str
    name : str
        The argument's name in error messages.

    Returns
    -------
    list of set
    """
    if sets is None or isinstance(sets, (str, set, frozenset)):
        raise ValueError(f"{name} must be a list of word sets; got {type(sets).__name__}")
    sets = list(sets)
    if not sets:
        raise ValueError(f"{name} is empty")
    for i, s in enumerate(sets):
        if isinstance(s, str) or not isinstance(s, (set, frozenset, list, tuple)):
            raise ValueError(f"{name}[{i}] must be a set of words; got {type(s).__name__}")
    return [set(s) for s in sets]


def build_vocabulary(sets: Sequence[Iterable[str]], size: int, min_count: int = 1) -> list[str]:
    """The ``size`` words that occur in most sentences (document frequency), most frequent first.

    Ties are broken alphabetically; words in fewer than ``min_count`` sentences are left out,
    so the result can be shorter than ``size``.

    Parameters
    ----------
    sets : list of set of str
    size : int
    min_count : int

    Returns
    -------
    list of str

    Raises
    ------
    ValueError
        If ``sets`` is empty, ``size`` < 1, or no word reaches ``min_count``.

    Examples
    --------
    >>> build_vocabulary([{"a", "b"}, {"b", "c"}, {"b", "a"}], 2)
    ['b', 'a']
    """
    sets = check_sets(sets, "sets")
    size = checks.integer(size, "size", lo=1)
    min_count = checks.integer(min_count, "min_count", lo=1)
    df = Counter(w for s in sets for w in s)
    vocab = [w for w, c in sorted(df.items(), key=lambda t: (-t[1], t[0])) if c >= min_count][:size]
    if not vocab:
        raise ValueError(f"no word occurs in at least min_count={min_count} sentences")
    return vocab


def multi_hot(sets: Sequence[Iterable[str]], vocab: Sequence[str]) -> np.ndarray:
    """0/1 targets: ``Y[i, j] = 1`` when word ``vocab[j]`` is in sentence ``i``.

    Parameters
    ----------
    sets : list of set of str, length n_sentences
    vocab : list of str, no repeats

    Returns
    -------
    ndarray of float32, shape (n_sentences, len(vocab))
        Words outside ``vocab`` are dropped.

    Examples
    --------
    >>> multi_hot([{"a", "z"}, {"b"}], ["a", "b"]).tolist()
    [[1.0, 0.0], [0.0, 1.0]]
    """
    sets = check_sets(sets, "sets")
    vocab = list(checks.non_empty(vocab, "vocab"))
    index = {w: j for j, w in enumerate(vocab)}
    if len(index) != len(vocab):
        raise ValueError("vocab contains duplicate words")
    Y = np.zeros((len(sets), len(vocab)), dtype=np.float32)
    for i, s in enumerate(sets):
        cols = [index[w] for w in s if w in index]
        Y[i, cols] = 1.0
    return Y


def dictionary_words(kv, size: int) -> list[str]:
    """The attacker's dictionary: the first ``size`` whole-token words of a frequency-ordered vocabulary.

    Parameters
    ----------
    kv : KeyedVectors-like or list of str
        E.g. GloVe's ``kv.index_to_key``; words that are not a whole token of
        :func:`lib.data.tokenize` (punctuation, odd symbols) are skipped.
    size : int

    Returns
    -------
    list of str, length ``size``

    Examples
    --------
    >>> dictionary_words(["the", ",", "cat", "e.g.", "sat"], 3)
    ['the', 'cat', 'sat']
    """
    size = checks.integer(size, "size", lo=1)
    words = getattr(kv, "index_to_key", kv)
    out = []
    for w in words:
        if tokenize(w) == [w]:
            out.append(w)
            if len(out) == size:
                return out
    raise ValueError(f"the vocabulary holds only {len(out)} usable words; asked for {size}")
