"""Corpora that ship with gensim's test data: the Wikipedia sample, the Lee corpus, polarity sentences, IMDB reviews."""
from __future__ import annotations

import bz2
import re
from dataclasses import dataclass, field

import numpy as np

from .. import cache, checks
from .text import datapath, tokenize, split_sentences

__all__ = ['Corpus', 'wikipedia', 'lee_corpus', 'LabelledTexts', 'polarity', 'imdb_sample', 'IMDB_INFO']


@dataclass
class Corpus:
    """A small text corpus with its documents split into paragraphs and sentences.

    Attributes
    ----------
    name : str
    titles : list of str
        One per document.
    documents : list of str
        Plain text of each document.
    info : dict
    """

    name: str
    titles: list[str]
    documents: list[str]
    info: dict = field(default_factory=dict)

    def paragraphs(self, min_words: int = 10) -> list[tuple[int, str]]:
        """``(document index, paragraph text)`` for paragraphs of at least ``min_words`` words.

        Parameters
        ----------
        min_words : int
            Paragraphs with fewer :func:`tokenize` tokens are dropped.

        Returns
        -------
        list of (int, str)
            Whitespace collapsed to single spaces.
        """
        min_words = checks.integer(min_words, "min_words", lo=0)
        out = []
        for i, doc in enumerate(self.documents):
            for para in re.split(r"\n\s*\n", doc):
                para = " ".join(para.split())
                if len(tokenize(para)) >= min_words:
                    out.append((i, para))
        return out

    def sentences(self, min_words: int = 5) -> list[tuple[int, str]]:
        """``(document index, sentence)`` pairs, split after ``.``, ``!`` or ``?`` before a capital.

        Parameters
        ----------
        min_words : int
            The shortest sentence kept, in :func:`tokenize` tokens.

        Returns
        -------
        list of (int, str)
            Sentences of every paragraph, in document order.
        """
        min_words = checks.integer(min_words, "min_words", lo=0)
        out = []
        for i, para in self.paragraphs(min_words=1):
            for sent in split_sentences(para):
                if len(tokenize(sent)) >= min_words:
                    out.append((i, sent))
        return out

    def tokens(self) -> list[list[str]]:
        """Each document as a list of lowercase tokens (the input word2vec expects).

        Returns
        -------
        list of list of str, one per document
        """
        return [tokenize(d) for d in self.documents]

    def tokenized_sentences(self, min_words: int = 5) -> list[list[str]]:
        """Each sentence (of at least ``min_words`` words) as a list of lowercase tokens.

        Returns
        -------
        list of list of str
            The corpus the Part II trainers use (:func:`lib.static.default_sentences`).
        """
        return [tokenize(s) for _, s in self.sentences(min_words)]

    def n_tokens(self) -> int:
        return sum(len(t) for t in self.tokens())

    def __len__(self) -> int:
        return len(self.documents)

    def __repr__(self) -> str:
        return f"Corpus({self.name!r}, {len(self)} documents)"


_WIKI_FILE = "enwiki-latest-pages-articles1.xml-p000000010p000030302-shortened.bz2"


def _clean_wiki(markup: str) -> str:
    from gensim.corpora.wikicorpus import filter_wiki

    text = filter_wiki(markup)
    keep = []
    for line in text.split("\n"):
        s = line.strip()
        if not s:
            keep.append("")
        elif s.startswith(("=", "*", "#", "|", "!", "{", ":", ";")) or s.lower().startswith(("thumb", "file:", "image:")):
            keep.append("")            # headings, lists, tables and image captions end a paragraph
        else:
            keep.append(s.replace("'''", "").replace("''", ""))
    return re.sub(r"\n{3,}", "\n\n", "\n".join(keep)).strip()


def _parse_wikipedia(min_chars: int) -> tuple[list[str], list[str]]:
    from gensim.corpora.wikicorpus import extract_pages

    titles, docs = [], []
    with bz2.BZ2File(datapath(_WIKI_FILE)) as fh:
        for title, markup, _pid in extract_pages(fh, filter_namespaces=("0",)):
            if markup.lstrip().lower().startswith("#redirect"):
                continue
            text = _clean_wiki(markup)
            if len(text) >= min_chars:
                titles.append(title)
                docs.append(text)
    return titles, docs


def wikipedia(min_chars: int = 500) -> Corpus:
    """The English Wikipedia sample in gensim's test data (first pages of a 2017 dump).

    Articles are cleaned of markup, redirects and stubs shorter than ``min_chars``
    characters are dropped. The parse (a few seconds) is cached.

    Parameters
    ----------
    min_chars : int
        Shortest article kept, in characters of cleaned text.

    Returns
    -------
    Corpus
        About 100 articles and 416k tokens, with ``info`` (source, licence, size).
    """
    checks.integer(min_chars, "min_chars", lo=0)
    titles, docs = cache.cached_object("wikipedia", {"file": _WIKI_FILE, "min_chars": min_chars, "v": 1},
                                       lambda: _parse_wikipedia(min_chars))
    corpus = Corpus("Wikipedia sample", titles, docs)
    n_tok = corpus.n_tokens()
    corpus.info = {
        "source": f"English Wikipedia dump (gensim test data: {_WIKI_FILE})",
        "licence": "CC BY-SA 3.0 (Wikipedia text)",
        "size": f"{len(docs)} articles, {n_tok:,} tokens",
    }
    return corpus


def _read_lines(fname: str) -> list[str]:
    with open(datapath(fname), encoding="utf8", errors="replace") as fh:
        return [line.strip() for line in fh if line.strip()]


def lee_corpus() -> dict[str, Corpus]:
    """The Lee news corpus: ``{"background": 300 documents, "test": 50 documents}``.

    Returns
    -------
    dict of str -> Corpus
    """
    out = {}
    for part, fname in (("background", "lee_background.cor"), ("test", "lee.cor")):
        docs = _read_lines(fname)
        out[part] = Corpus(f"Lee {part}", [f"{part}-{i}" for i in range(len(docs))], docs, {
            "source": "Lee, Pincombe & Welsh (2005), Australian Broadcasting Corporation news; gensim test data",
            "licence": "distributed for research with gensim (LGPL-2.1 package); news text (c) ABC",
            "size": f"{len(docs)} documents",
        })
    return out


@dataclass
class LabelledTexts:
    """Texts with integer labels.

    Attributes
    ----------
    texts : list of str
    labels : ndarray of int, shape (n,)
    label_names : list of str
    info : dict
    """

    texts: list[str]
    labels: np.ndarray
    label_names: list[str]
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.texts)

    def __repr__(self) -> str:
        counts = np.bincount(self.labels, minlength=len(self.label_names))
        return f"LabelledTexts({len(self)} texts, " + ", ".join(f"{n}={c}" for n, c in zip(self.label_names, counts)) + ")"


def polarity() -> LabelledTexts:
    """200 sentences from Pang & Lee's movie-review sentence-polarity data (100 neg, 100 pos).

    Returns
    -------
    LabelledTexts
        Labels 0 (negative) and 1 (positive).
    """
    texts, labels = [], []
    for line in _read_lines("pang_lee_polarity.cor"):
        tag, text = line.split(" ", 1)
        labels.append(1 if tag == "__label__pos" else 0)
        texts.append(text)
    return LabelledTexts(texts, np.asarray(labels), ["negative", "positive"], {
        "source": "Pang & Lee (2005), sentence polarity dataset v1.0 (sample in gensim test data)",
        "licence": "distributed by the authors for research use",
        "size": f"{len(texts)} sentences",
    })


def imdb_sample() -> list[str]:
    """10 IMDB movie reviews (Maas et al., 2011) from gensim's doc2vec test data.

    Returns
    -------
    list of str
        Their source and licence are in :data:`IMDB_INFO`.
    """
    return [line.split(" ", 1)[1].strip() for line in _read_lines("alldata-id-10.txt")]


IMDB_INFO = {
    "source": "Maas et al. (2011), Large Movie Review Dataset (sample in gensim test data)",
    "licence": "distributed by the authors for research use",
    "size": "10 reviews",
}
