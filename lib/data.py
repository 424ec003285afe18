"""Loaders for the evaluation sets and corpora that ship with gensim's test data.

Every loader works offline, returns plain Python / numpy structures, and carries an
``info`` dict with the data's source, licence and size. Files are found with
``gensim.test.utils.datapath``.

=====================  ===========================================================
loader                 what it returns
=====================  ===========================================================
:func:`wordsim353`     353 word pairs with human relatedness scores (0-10)
:func:`simlex999`      999 word pairs with human similarity scores (0-10)
:func:`google_analogies`  19,544 analogy questions in 14 sections
:func:`wikipedia`      ~100 English Wikipedia articles as documents, paragraphs, sentences
:func:`lee_corpus`     the Lee news corpus (300 background + 50 test documents)
:func:`polarity`       200 movie-review sentences labelled positive / negative
:func:`imdb_sample`    10 IMDB reviews
=====================  ===========================================================
"""
from __future__ import annotations

import bz2
import re
from dataclasses import dataclass, field

import numpy as np

from . import cache, checks

__all__ = ["datapath", "tokenize", "SimilarityDataset", "wordsim353", "simlex999", "AnalogyDataset",
           "google_analogies", "Corpus", "split_sentences", "wikipedia", "lee_corpus", "LabelledTexts", "polarity",
           "imdb_sample", "IMDB_INFO"]

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


# --------------------------------------------------------------------------- similarity
@dataclass
class SimilarityDataset:
    """Word pairs with human scores.

    Attributes
    ----------
    name : str
    pairs : list of (str, str)
    scores : ndarray, shape (n_pairs,)
    info : dict
        ``source``, ``licence``, ``size`` and what the scores measure.
    """

    name: str
    pairs: list[tuple[str, str]]
    scores: np.ndarray
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pairs)

    def __repr__(self) -> str:
        return f"SimilarityDataset({self.name!r}, {len(self)} pairs)"


def _read_pairs(fname: str) -> tuple[list[tuple[str, str]], np.ndarray]:
    pairs, scores = [], []
    with open(datapath(fname), encoding="utf8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            a, b, s = line.rstrip("\n").split("\t")[:3]
            pairs.append((a.lower(), b.lower()))
            scores.append(float(s))
    return pairs, np.asarray(scores, dtype=np.float64)


def _similarity_dataset(name: str, fname: str, source: str, size: str, measures: str) -> SimilarityDataset:
    """A :class:`SimilarityDataset` read from gensim's test data, with its ``info``."""
    pairs, scores = _read_pairs(fname)
    return SimilarityDataset(name, pairs, scores, {
        "source": source,
        "licence": "freely distributed by its authors for research use",
        "size": f"{len(pairs)} pairs, {size}",
        "measures": measures,
    })


def wordsim353() -> SimilarityDataset:
    """WordSim-353 (Finkelstein et al., 2002): relatedness of 353 English word pairs.

    Returns
    -------
    SimilarityDataset
        353 lowercased pairs, scores 0-10 (mean of 13-16 annotators).
    """
    return _similarity_dataset(
        "WordSim-353", "wordsim353.tsv",
        "Finkelstein et al. (2002), Placing search in context; copy in gensim test data",
        "scores 0-10 (mean of 13-16 annotators)", "relatedness (cup-coffee scores high)")


def simlex999() -> SimilarityDataset:
    """SimLex-999 (Hill et al., 2015): genuine similarity, not relatedness, of 999 pairs.

    Returns
    -------
    SimilarityDataset
        999 lowercased pairs, scores 0-10.
    """
    return _similarity_dataset(
        "SimLex-999", "simlex999.txt", "Hill, Reichart & Korhonen (2015), SimLex-999; copy in gensim test data",
        "scores 0-10", "similarity (cup-coffee scores low)")


# --------------------------------------------------------------------------- analogies
@dataclass
class AnalogyDataset:
    """Analogy questions ``a : b :: c : d`` grouped by section.

    Attributes
    ----------
    sections : dict of str -> list of (a, b, c, d)
        Lowercased questions per section, in file order.
    info : dict
    """

    sections: dict[str, list[tuple[str, str, str, str]]]
    info: dict = field(default_factory=dict)

    @staticmethod
    def is_syntactic(section: str) -> bool:
        """Sections named ``gram*`` test morphology/syntax; the rest test semantics.

        >>> AnalogyDataset.is_syntactic("gram3-comparative"), AnalogyDataset.is_syntactic("capital-world")
        (True, False)
        """
        return section.startswith("gram")

    @property
    def questions(self) -> list[tuple[str, str, str, str]]:
        return [q for qs in self.sections.values() for q in qs]

    def __len__(self) -> int:
        return sum(len(v) for v in self.sections.values())

    def __repr__(self) -> str:
        return f"AnalogyDataset({len(self)} questions, {len(self.sections)} sections)"

    def sample(self, n: int, seed: int = 0) -> "AnalogyDataset":
        """A seeded random subset of about ``n`` questions that keeps each section's share.

        Each section contributes ``max(1, round(n * its share))`` questions (all of them if it has
        fewer), drawn without replacement and kept in file order.

        Parameters
        ----------
        n : int
            Target number of questions, ``1 <= n <= len(self)``.
        seed : int

        Returns
        -------
        AnalogyDataset
            ``info["size"]`` says how many were sampled.

        Examples
        --------
        >>> ds = AnalogyDataset({"a": [("x", "y", "z", "w")] * 6, "gram1": [("p", "q", "r", "s")] * 4})
        >>> {sec: len(qs) for sec, qs in ds.sample(5).sections.items()}
        {'a': 3, 'gram1': 2}
        """
        total = len(self)
        n = checks.integer(n, "n", lo=1, hi=total)
        rng = np.random.default_rng(seed)
        sections = {}
        for sec, qs in self.sections.items():
            k = max(1, int(round(n * len(qs) / total)))
            pick = np.sort(rng.choice(len(qs), min(k, len(qs)), replace=False))
            sections[sec] = [qs[i] for i in pick]
        size = sum(map(len, sections.values()))
        return AnalogyDataset(sections, {**self.info, "size": f"{size} sampled questions"})


def google_analogies() -> AnalogyDataset:
    """The Google analogy set of Mikolov et al. (2013): 8,869 semantic + 10,675 syntactic questions.

    Returns
    -------
    AnalogyDataset
        14 sections in file order, questions lowercased.
    """
    sections: dict[str, list] = {}
    current = None
    with open(datapath("questions-words.txt"), encoding="utf8") as fh:
        for line in fh:
            if line.startswith(":"):
                current = line[1:].strip()
                sections[current] = []
            elif line.strip():
                sections[current].append(tuple(line.lower().split()))
    n = sum(len(v) for v in sections.values())
    return AnalogyDataset(sections, {
        "source": "Mikolov et al. (2013), Efficient estimation of word representations; questions-words.txt from word2vec",
        "licence": "Apache-2.0 (word2vec distribution)",
        "size": f"{n} questions in {len(sections)} sections",
    })


# --------------------------------------------------------------------------- corpora
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
