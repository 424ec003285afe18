"""Reading text: gensim's test-data paths, the book's tokenizer and sentence splitter."""
from __future__ import annotations

import re


__all__ = ['datapath', 'tokenize', 'split_sentences']


_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")



def datapath(name: str) -> str:
    """Absolute path of a file in gensim's test data.

    Parameters
    ----------
    name : str
        A file name such as ``"wordsim353.tsv"``.

    Returns
    -------
    str
    """
    from gensim.test.utils import datapath as _dp

    return _dp(name)


def tokenize(text: str) -> list[str]:
    """Lowercase word tokens (letters and digits, with an inner apostrophe kept).

    This matches the lowercased vocabulary of GloVe 6B, e.g.
    ``tokenize("Rock'n'roll isn't dead!") == ["rock'n", 'roll', "isn't", 'dead']``.

    Parameters
    ----------
    text : str
        Any case, any punctuation.

    Returns
    -------
    list of str

    Examples
    --------
    >>> tokenize("The cat's 2 hats!")
    ['the', "cat's", '2', 'hats']
    """
    return _TOKEN.findall(text.lower())




_SENT = re.compile(r"(?<=[.!?])\s+(?=[\"'(\[]?[A-Z0-9])")


def split_sentences(text: str) -> list[str]:
    """Split text into sentences with a simple rule (good enough for encyclopedic prose).

    Parameters
    ----------
    text : str

    Returns
    -------
    list of str
        Split after ``.``, ``!`` or ``?`` followed by a space and a capital or digit.

    Examples
    --------
    >>> split_sentences("One here. Two there! three?")
    ['One here.', 'Two there! three?']
    """
    return [s.strip() for s in _SENT.split(text) if s.strip()]
