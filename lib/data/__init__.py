"""Loaders for the evaluation sets and corpora that ship with gensim's test data.

A package by kind of data: :mod:`lib.data.text` (paths, tokenizer, sentence splitter),
:mod:`lib.data.word_sets` (similarity and analogy sets), :mod:`lib.data.corpora` (text collections);
every name is available as ``lib.data.<name>``.

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
:func:`load_wordnet`   WordNet 3.0 (117,659 synsets), from Debian's ``wordnet-base``
:func:`wordnet_word_tasks`  noun supersense, part of speech and hypernym pairs labelled by WordNet
=====================  ===========================================================

WordNet is the exception to "ships with gensim": :mod:`lib.data.wordnet` reads the database files of
Debian's package ``wordnet-base`` (see its docstring).
"""
from .corpora import *  # noqa: F401,F403
from .corpora import __all__ as _corpora
from .text import *  # noqa: F401,F403
from .text import __all__ as _text
from .word_sets import *  # noqa: F401,F403
from .word_sets import __all__ as _word_sets
from .wordnet import *  # noqa: F401,F403
from .wordnet import __all__ as _wordnet
from .wordnet_tasks import *  # noqa: F401,F403
from .wordnet_tasks import __all__ as _wordnet_tasks

__all__ = _text + _word_sets + _corpora + _wordnet + _wordnet_tasks
