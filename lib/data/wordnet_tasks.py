"""Word-level classification tasks whose gold labels come from WordNet 3.0.

Three tasks, each built for a given vocabulary (the words every compared model knows):

* :func:`supersense_task` — the noun supersense of a word: the lexicographer file (``noun.animal``,
  ``noun.artifact``, ...) of its **most frequent** noun sense. WordNet lists a lemma's senses by
  their frequency in its sense-tagged corpus, so the first sense is the most frequent; a static
  vector mixes all of a word's senses, so a polysemous word is labelled by its dominant one and
  ``info['agreement']`` keeps the share of its noun senses that carry that label.
* :func:`pos_task` — the part of speech of a word whose senses all share one (noun, verb,
  adjective with satellites, adverb); words with senses in two parts of speech are left out.
* :func:`hypernym_task` — is ``y`` a hypernym of ``x``? Positive pairs join a noun to the lemmas of
  the synsets one or two hypernym links above any of its senses; each negative keeps the same
  ``x`` and draws ``y`` from the positives' own hypernyms (so neither word alone tells the class),
  rejecting any word related to ``x`` by hypernymy at any distance.

:func:`lexical_folds` splits any of them so that no word is in both a training and a test set
(Levy et al. 2015: with a random split a classifier scores well by memorising prototypical
hypernyms). The evaluation is :func:`lib.evaluate.extrinsic`.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

import numpy as np

from .. import checks
from .wordnet import load_wordnet

__all__ = ['WordTask', 'supersense_task', 'pos_task', 'hypernym_task', 'wordnet_word_tasks',
           'lexical_folds']

_POS_NAMES = {'n': 'noun', 'v': 'verb', 'a': 'adjective', 'r': 'adverb'}


@dataclass(frozen=True, eq=False)
class WordTask:
    """A classification task over words or word pairs with gold labels.

    Attributes
    ----------
    name : str
    items : tuple of str, or tuple of (str, str)
        One word per item, or one ``(x, y)`` pair.
    labels : ndarray of int64, shape (n_items,)
        Index into ``classes``.
    classes : tuple of str
    info : dict
        Source, how the labels were chosen, and per-task extras (``agreement`` for supersenses).
    """

    name: str
    items: tuple
    labels: np.ndarray = field(repr=False)
    classes: tuple
    info: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        labels = np.asarray(self.labels, dtype=np.int64)
        if labels.shape != (len(self.items),):
            raise ValueError(f"labels has shape {labels.shape}; expected ({len(self.items)},), one per item")
        if len(labels) and (labels.min() < 0 or labels.max() >= len(self.classes)):
            raise ValueError(f"labels must index classes (0..{len(self.classes) - 1})")
        object.__setattr__(self, 'labels', labels)

    def __len__(self):
        return len(self.items)

    @property
    def is_pairs(self) -> bool:
        """Whether the items are ``(x, y)`` pairs."""
        return bool(self.items) and isinstance(self.items[0], tuple)

    def words(self) -> list:
        """Every distinct word the task uses, sorted.

        Returns
        -------
        list of str
        """
        if self.is_pairs:
            return sorted({w for pair in self.items for w in pair})
        return sorted(set(self.items))

    def restrict(self, vocab) -> 'WordTask':
        """The same task on the items whose words are all in ``vocab``.

        Parameters
        ----------
        vocab : container of str

        Returns
        -------
        WordTask
            Classes keep their indices, even if one loses all its items.
        """
        def known(item):
            return all(w in vocab for w in item) if isinstance(item, tuple) else item in vocab
        keep = np.array([known(it) for it in self.items], dtype=bool)
        info = {k: (np.asarray(v)[keep] if isinstance(v, np.ndarray) else v) for k, v in self.info.items()}
        return WordTask(self.name, tuple(it for it, k in zip(self.items, keep) if k), self.labels[keep],
                        self.classes, info)

    def fingerprint(self) -> str:
        """A hash of the items, labels and classes (a cache key).

        Returns
        -------
        str
            20 hex digits.
        """
        payload = json.dumps([self.name, list(self.items), self.labels.tolist(), list(self.classes)])
        return hashlib.sha1(payload.encode()).hexdigest()[:20]


def _vocab(vocab) -> set:
    if isinstance(vocab, str) or not hasattr(vocab, '__iter__'):
        raise TypeError(f"vocab must be a collection of words; got {type(vocab).__name__}")
    vocab = set(vocab)
    if not vocab:
        raise ValueError("vocab is empty; the tasks are built for the words the models know")
    return vocab


def _single_words(wordnet, vocab, pos):
    """The vocabulary words that are WordNet lemmas of ``pos`` (one token: no ``_``), sorted."""
    return sorted(w for w in vocab if isinstance(w, str) and '_' not in w and wordnet.synsets(w, pos))


def _drop_rare(items, names, min_class_size):
    counts = {c: names.count(c) for c in set(names)}
    keep = [i for i, c in enumerate(names) if counts[c] >= min_class_size]
    classes = tuple(sorted({names[i] for i in keep}))
    index = {c: k for k, c in enumerate(classes)}
    dropped = sorted(c for c, n in counts.items() if n < min_class_size)
    return keep, classes, np.array([index[names[i]] for i in keep], dtype=np.int64), dropped


def supersense_task(vocab, min_class_size: int = 20, wordnet=None) -> WordTask:
    """The noun supersense of each vocabulary word that has a noun sense in WordNet.

    Parameters
    ----------
    vocab : collection of str
        Candidate words (lower-case); only single-token WordNet nouns among them are kept.
    min_class_size : int
        Supersenses with fewer words are dropped (stratified folds need a few of each).
    wordnet : WordNet, optional
        Default :func:`lib.data.load_wordnet`.

    Returns
    -------
    WordTask
        ``items`` words; ``classes`` lexicographer names such as ``'noun.animal'``;
        ``info['agreement']`` (ndarray of float, shape (n_items,)) is the share of the word's noun
        senses in its labelled supersense; ``info['dropped']`` the supersenses too rare to keep.

    Examples
    --------
    >>> task = supersense_task(['dog', 'cat', 'run'], min_class_size=1)   # doctest: +SKIP
    >>> dict(zip(task.items, (task.classes[i] for i in task.labels)))     # doctest: +SKIP
    {'cat': 'noun.animal', 'dog': 'noun.animal', 'run': 'noun.act'}
    """
    vocab = _vocab(vocab)
    min_class_size = checks.integer(min_class_size, 'min_class_size', lo=1)
    wn = wordnet if wordnet is not None else load_wordnet()
    words = _single_words(wn, vocab, 'n')
    names, agreement = [], []
    for w in words:
        senses = wn.synsets(w, 'n')
        names.append(senses[0].lexname)
        agreement.append(np.mean([s.lexname == senses[0].lexname for s in senses]))
    keep, classes, labels, dropped = _drop_rare(words, names, min_class_size)
    info = {'source': 'WordNet 3.0 noun lexicographer files; label of the first (most frequent) noun sense',
            'agreement': np.asarray(agreement)[keep], 'dropped': dropped}
    return WordTask('noun supersense', tuple(words[i] for i in keep), labels, classes, info)


def pos_task(vocab, min_class_size: int = 20, wordnet=None) -> WordTask:
    """The part of speech of each vocabulary word whose WordNet senses all share one.

    Parameters
    ----------
    vocab : collection of str
    min_class_size : int
        Parts of speech with fewer words are dropped.
    wordnet : WordNet, optional

    Returns
    -------
    WordTask
        ``classes`` among ``'adjective'``, ``'adverb'``, ``'noun'``, ``'verb'`` (adjective
        satellites count as adjectives); ``info['ambiguous']`` the number of words left out because
        their senses span two or more parts of speech.
    """
    vocab = _vocab(vocab)
    min_class_size = checks.integer(min_class_size, 'min_class_size', lo=1)
    wn = wordnet if wordnet is not None else load_wordnet()
    words, names, ambiguous = [], [], 0
    for w in sorted(v for v in vocab if isinstance(v, str) and '_' not in v):
        parts = {s.key[0] for s in wn.synsets(w)}
        if len(parts) == 1:
            words.append(w)
            names.append(_POS_NAMES[parts.pop()])
        elif parts:
            ambiguous += 1
    keep, classes, labels, dropped = _drop_rare(words, names, min_class_size)
    info = {'source': 'WordNet 3.0 index files; words whose senses all share one part of speech',
            'ambiguous': ambiguous, 'dropped': dropped}
    return WordTask('part of speech', tuple(words[i] for i in keep), labels, classes, info)


def _lemma_set(synsets, vocab):
    return {lemma for s in synsets for lemma in s.lemmas if lemma in vocab}


def hypernym_task(vocab, max_hops: int = 2, seed: int = 0, wordnet=None) -> WordTask:
    """Pairs ``(x, y)`` labelled 1 when ``y`` is a hypernym of ``x``, balanced with negatives.

    Parameters
    ----------
    vocab : collection of str
    max_hops : int
        Positives are the lemmas of the synsets 1 to ``max_hops`` hypernym (or instance-hypernym)
        links above any noun sense of ``x``.
    seed : int
        Seed of the negatives' draw.
    wordnet : WordNet, optional

    Returns
    -------
    WordTask
        ``items`` pairs; ``classes`` ``('not hypernym', 'hypernym')``; one negative per positive,
        with the positive's ``x`` and a ``y`` drawn from the positives' hypernyms (frequency
        weighted), not related to ``x`` at any distance in either direction.
    """
    vocab = _vocab(vocab)
    max_hops = checks.integer(max_hops, 'max_hops', lo=1)
    seed = checks.integer(seed, 'seed', lo=0)
    wn = wordnet if wordnet is not None else load_wordnet()
    nouns = _single_words(wn, vocab, 'n')
    near, above = {}, {}
    for x in nouns:
        senses = wn.synsets(x, 'n')
        level, reach = list(senses), []
        for _ in range(max_hops):
            level = [h for s in level for h in wn.hypernyms(s) + wn.instance_hypernyms(s)]
            reach += level
        near[x] = sorted(_lemma_set(reach, vocab) - {x})
        above[x] = _lemma_set([a for s in senses for a in wn.ancestors(s)], vocab)
    positives = [(x, y) for x in nouns for y in near[x] if '_' not in y]
    pool = [y for _, y in positives]
    rng = np.random.default_rng(seed)
    taken = set(positives)
    negatives = []
    for x, _ in positives:
        for _attempt in range(50):
            z = pool[rng.integers(len(pool))]
            if z != x and z not in above[x] and x not in above.get(z, ()) and (x, z) not in taken:
                negatives.append((x, z))
                taken.add((x, z))
                break
    items = tuple(positives + negatives)
    labels = np.r_[np.ones(len(positives), np.int64), np.zeros(len(negatives), np.int64)]
    info = {'source': f'WordNet 3.0 hypernym links, 1 to {max_hops} above any noun sense of x',
            'n_positive': len(positives), 'n_negative': len(negatives), 'seed': seed}
    return WordTask('hypernym detection', items, labels, ('not hypernym', 'hypernym'), info)


def wordnet_word_tasks(vocab, seed: int = 0, min_class_size: int = 20, wordnet=None) -> dict:
    """The three tasks with their defaults, for one vocabulary.

    Parameters
    ----------
    vocab : collection of str
        The words every compared model knows (the "shared items" rule).
    seed : int
        Seed of the hypernym negatives.
    min_class_size : int
        Classes of the supersense and part-of-speech tasks with fewer words are dropped.
    wordnet : WordNet, optional

    Returns
    -------
    dict of str to WordTask
        Keys ``'supersense'``, ``'pos'``, ``'hypernym'``.
    """
    wn = wordnet if wordnet is not None else load_wordnet()
    return {'supersense': supersense_task(vocab, min_class_size, wordnet=wn),
            'pos': pos_task(vocab, min_class_size, wordnet=wn),
            'hypernym': hypernym_task(vocab, seed=seed, wordnet=wn)}


def lexical_folds(task: WordTask, n_folds: int = 5, seed: int = 0):
    """Folds in which no word is both in a training set and in the test set.

    Every word is given one of ``n_folds`` folds at random. A single-word item is tested in its
    word's fold. A pair is tested in fold ``k`` when both its words are in fold ``k`` (pairs whose
    words fall in two folds are never tested), and it trains fold ``k``'s classifier when
    neither of its words is in fold ``k``.

    Parameters
    ----------
    task : WordTask
    n_folds : int
        At least 2.
    seed : int

    Returns
    -------
    test_fold : ndarray of int64, shape (n_items,)
        The fold in which each item is tested, ``-1`` for never.
    train : list of ndarray of bool, each shape (n_items,)
        ``train[k]`` marks the items fold ``k``'s classifier may learn from.

    Examples
    --------
    >>> t = WordTask('toy', (('a', 'b'), ('b', 'c'), ('c', 'd')), [1, 0, 1], ('no', 'yes'))
    >>> test, train = lexical_folds(t, 2, seed=0)
    >>> all(not (train[k] & (test == k)).any() for k in range(2))
    True
    """
    if not isinstance(task, WordTask):
        raise TypeError(f"task must be a WordTask; got {type(task).__name__}")
    n_folds = checks.integer(n_folds, 'n_folds', lo=2)
    seed = checks.integer(seed, 'seed', lo=0)
    words = task.words()
    if len(words) < n_folds:
        raise ValueError(f"n_folds={n_folds} is more than the task's {len(words)} distinct words")
    order = np.random.default_rng(seed).permutation(len(words))
    fold_of = {words[i]: rank % n_folds for rank, i in enumerate(order)}
    if task.is_pairs:
        folds = np.array([[fold_of[x], fold_of[y]] for x, y in task.items], dtype=np.int64).reshape(-1, 2)
    else:
        folds = np.array([[fold_of[w]] * 2 for w in task.items], dtype=np.int64).reshape(-1, 2)
    test_fold = np.where(folds[:, 0] == folds[:, 1], folds[:, 0], -1)
    train = [(folds != k).all(axis=1) for k in range(n_folds)]
    return test_fold, train
