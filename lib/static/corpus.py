"""Token corpora for the static trainers: the default sample, its fingerprint, vocabularies."""
from __future__ import annotations

import hashlib
from collections import Counter

import numpy as np

from .. import checks, data

__all__ = ["default_sentences", "check_sentences", "corpus_fingerprint", "subsample_corpus", "build_vocab",
           "encode"]

# the fingerprint joins tokens with _TOKEN_SEP and ends sentences with _SENTENCE_END
_TOKEN_SEP, _SENTENCE_END = "\x1f", "\x1e"


def default_sentences() -> list[list[str]]:
    """The Wikipedia sample shipped with gensim as tokenized sentences (about 416k tokens).

    Returns
    -------
    list of list of str
        Lowercase tokens of every sentence of five or more words (:func:`lib.data.wikipedia`).
    """
    return data.wikipedia().tokenized_sentences()


def check_sentences(sentences) -> list[list[str]]:
    """``sentences`` as a list of token lists; ``None`` gives :func:`default_sentences`.

    Parameters
    ----------
    sentences : list of list of str, or None

    Returns
    -------
    list of list of str

    Raises
    ------
    ValueError
        A string, a non-sequence, an empty corpus, a sentence that is not a list, or no tokens at all.

    Examples
    --------
    >>> check_sentences([["the", "cat"], ("sat",)])
    [['the', 'cat'], ('sat',)]
    >>> check_sentences("the cat")
    Traceback (most recent call last):
    ...
    ValueError: sentences must be a list of token lists, e.g. [['the', 'cat'], ...]
    """
    if sentences is None:
        return default_sentences()
    if isinstance(sentences, str) or not hasattr(sentences, "__len__"):
        raise ValueError("sentences must be a list of token lists, e.g. [['the', 'cat'], ...]")
    sentences = list(sentences)
    if not sentences:
        raise ValueError("sentences is empty")
    for i, s in enumerate(sentences):
        if isinstance(s, str) or not isinstance(s, (list, tuple)):
            raise ValueError(f"sentences[{i}] must be a list of tokens, got {type(s).__name__}")
    if sum(len(s) for s in sentences) == 0:
        raise ValueError("sentences contain no tokens")
    return sentences


def corpus_fingerprint(sentences) -> str:
    """A 16-hex-digit hash of a tokenized corpus (changes if any token changes); part of cache keys.

    Tokens are joined with the control character ``\\x1f`` and sentences ended with ``\\x1e``.
    A token holding one of those characters (or an empty token) could make two different
    corpora hash alike, so it is rejected; ordinary text never holds them.

    Parameters
    ----------
    sentences : list of list of str, or None

    Returns
    -------
    str
        16 lowercase hex digits.

    Raises
    ------
    ValueError
        A token that is not a string, is empty, holds ``\\x1f`` or ``\\x1e``, or is not valid Unicode.

    Examples
    --------
    >>> corpus_fingerprint([["a", "b"]]) == corpus_fingerprint([["a", "b"]]) != corpus_fingerprint([["ab"]])
    True
    >>> corpus_fingerprint([["a\\x1fb"]])
    Traceback (most recent call last):
    ...
    ValueError: sentences[0] holds a token with a control character \\x1f or \\x1e (or an empty token); they would make corpus fingerprints collide
    """
    sentences = check_sentences(sentences)
    h = hashlib.sha256()
    for i, s in enumerate(sentences):
        try:
            joined = _TOKEN_SEP.join(s)
            blob = (joined + _SENTENCE_END).encode("utf8")
        except TypeError:
            bad = next(t for t in s if not isinstance(t, str))
            raise ValueError(f"sentences[{i}] holds a {type(bad).__name__}, not a string token") from None
        except UnicodeEncodeError as exc:
            raise ValueError(f"sentences[{i}] holds a token that is not valid Unicode text: {exc}") from None
        if (joined.count(_TOKEN_SEP) != len(s) - 1 or _SENTENCE_END in joined
                or (s and (s[0] == "" or s[-1] == "" or _TOKEN_SEP * 2 in joined))):
            raise ValueError(f"sentences[{i}] holds a token with a control character \\x1f or \\x1e "
                             "(or an empty token); they would make corpus fingerprints collide")
        h.update(blob)
    return h.hexdigest()[:16]


def subsample_corpus(sentences, fraction: float, seed: int = 0) -> list[list[str]]:
    """A random ``fraction`` of the sentences (kept in order), for corpus-size experiments.

    Parameters
    ----------
    sentences : list of list of str, or None
    fraction : float in (0, 1]
    seed : int

    Returns
    -------
    list of list of str
        ``max(1, round(fraction * n))`` sentences, in corpus order.

    Examples
    --------
    >>> subsample_corpus([["a"], ["b"], ["c"], ["d"]], 0.5, seed=0)
    [['a'], ['c']]
    """
    sentences = check_sentences(sentences)
    fraction = checks.number(fraction, "fraction", lo=0, hi=1, lo_open=True)
    rng = np.random.default_rng(checks.integer(seed, "seed", lo=0))
    keep = np.sort(rng.permutation(len(sentences))[: max(1, int(round(fraction * len(sentences))))])
    return [sentences[i] for i in keep]


def build_vocab(sentences, min_count: int = 5, max_size: int | None = None) -> tuple[list[str], np.ndarray]:
    """Words seen at least ``min_count`` times, most frequent first (ties alphabetical).

    Parameters
    ----------
    sentences : list of list of str, or None
    min_count : int >= 1
    max_size : int >= 1, optional
        Keep only the ``max_size`` most frequent words.

    Returns
    -------
    words : list of str
    counts : ndarray of int64, shape (len(words),)

    Examples
    --------
    >>> words, counts = build_vocab([["b", "a", "b"], ["c", "a", "b"]], min_count=2)
    >>> words, counts.tolist()
    (['b', 'a'], [3, 2])
    """
    sentences = check_sentences(sentences)
    min_count = checks.integer(min_count, "min_count", lo=1)
    if max_size is not None:
        max_size = checks.integer(max_size, "max_size", lo=1)
    counts = Counter(w for s in sentences for w in s)
    items = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda x: (-x[1], x[0]))
    if max_size is not None:
        items = items[:max_size]
    if not items:
        raise ValueError(f"no word occurs at least min_count={min_count} times")
    return [w for w, _ in items], np.array([c for _, c in items], dtype=np.int64)


def encode(sentences, word_index: dict) -> list[np.ndarray]:
    """Each sentence as an array of word ids, out-of-vocabulary tokens dropped (as word2vec does).

    Parameters
    ----------
    sentences : list of list of str
    word_index : dict of str -> int

    Returns
    -------
    list of ndarray of int64, one per sentence (possibly empty)

    Examples
    --------
    >>> [s.tolist() for s in encode([["a", "x", "b"]], {"a": 0, "b": 1})]
    [[0, 1]]
    """
    return [np.array([word_index[w] for w in s if w in word_index], dtype=np.int64) for s in sentences]
