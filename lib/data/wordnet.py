"""WordNet 3.0, read from its own database files (Debian's package ``wordnet-base``).

The files are WordNet's "database" format, documented in ``wndb(5WN)``: one ``data.POS`` file of
synsets and one ``index.POS`` file of lemmas per part of speech. Debian installs them under
``/usr/share/wordnet`` (``apt-get install wordnet-base``; ``.ci/run`` does this); set
``WORDNET_DIR`` to read another copy. The reader is short because the format is: NLTK's reader
needs a ``lexnames`` file that Debian does not ship, so the book reads the files itself and checks
its counts against WordNet's published ones (``tests/test_wordnet.py``).

Names follow NLTK's convention, ``lemma.pos.NN`` (``dog.n.01`` is the first noun sense of *dog*),
so figures can be compared with papers that used NLTK (Nickel & Kiela's mammal closure).

Examples
--------
>>> wn = load_wordnet()                      # doctest: +SKIP
>>> wn.synset('mammal.n.01').lexname         # doctest: +SKIP
'noun.animal'
"""
from __future__ import annotations

import functools
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ['LEXNAMES', 'Synset', 'WordNet', 'wordnet_dir', 'load_wordnet', 'closure_edges', 'MAMMAL_EXCLUDED']

#: WordNet's 45 lexicographer files, by number, as listed in ``lexnames(5WN)``: 26 noun
#: supersenses (3-28, with noun.Tops), 15 verb ones, 3 adjective ones and 1 for adverbs.
LEXNAMES = (
    'adj.all', 'adj.pert', 'adv.all', 'noun.Tops', 'noun.act', 'noun.animal', 'noun.artifact',
    'noun.attribute', 'noun.body', 'noun.cognition', 'noun.communication', 'noun.event',
    'noun.feeling', 'noun.food', 'noun.group', 'noun.location', 'noun.motive', 'noun.object',
    'noun.person', 'noun.phenomenon', 'noun.plant', 'noun.possession', 'noun.process',
    'noun.quantity', 'noun.relation', 'noun.shape', 'noun.state', 'noun.substance', 'noun.time',
    'verb.body', 'verb.change', 'verb.cognition', 'verb.communication', 'verb.competition',
    'verb.consumption', 'verb.contact', 'verb.creation', 'verb.emotion', 'verb.motion',
    'verb.perception', 'verb.possession', 'verb.social', 'verb.stative', 'verb.weather',
    'adj.ppl',
)

_FILES = {'n': 'noun', 'v': 'verb', 'a': 'adj', 'r': 'adv'}
_MARKER = re.compile(r'\((a|p|ip)\)$')   # adjective position markers, e.g. "galore(ip)"


@dataclass(eq=False)
class Synset:
    """One synset: a set of synonymous lemmas with its relations.

    Attributes
    ----------
    key : str
        ``"<pos>:<offset>"``, unique and stable within WordNet 3.0.
    name : str
        NLTK-style ``lemma.pos.NN`` (set once the index is read).
    pos : str
        ``'n'``, ``'v'``, ``'a'``, ``'s'`` (adjective satellite) or ``'r'``.
    lexname : str
        The lexicographer file (for nouns and verbs, the supersense), from :data:`LEXNAMES`.
    lemmas : list of str
        Lower-cased, with ``_`` for spaces as in WordNet (``'sea_lion'``).
    gloss : str
    pointers : dict of str to list of str
        Pointer symbol (``'@'`` hypernym, ``'@i'`` instance hypernym, ``'~'`` hyponym, ...) to
        the keys of the synsets it points to.
    """

    key: str
    pos: str
    lexname: str
    lemmas: list
    gloss: str
    pointers: dict = field(default_factory=dict)
    name: str = ''

    def __repr__(self):
        return f"Synset({self.name or self.key!r})"


class WordNet:
    """All of WordNet 3.0 in memory (about 117,000 synsets; a few seconds to read).

    Parameters
    ----------
    directory : str or Path, optional
        Folder of the database files; default :func:`wordnet_dir`.
    """

    def __init__(self, directory=None):
        self.directory = Path(directory) if directory is not None else wordnet_dir()
        self._synsets: dict[str, Synset] = {}
        self._index: dict[tuple[str, str], list[str]] = {}
        for pos, stem in _FILES.items():
            self._read_data(self.directory / f'data.{stem}')
        for pos, stem in _FILES.items():
            self._read_index(self.directory / f'index.{stem}', pos)
        self._by_name = {s.name: s for s in self._synsets.values()}

    # -- reading ---------------------------------------------------------------------------
    def _read_data(self, path):
        with open(path, encoding='utf-8') as f:
            for line in f:
                if line.startswith('  '):          # the licence header
                    continue
                body, _, gloss = line.partition(' | ')
                parts = body.split()
                offset, lexnum, pos = parts[0], int(parts[1]), parts[2]
                n_words = int(parts[3], 16)
                lemmas = [_MARKER.sub('', w).lower() for w in parts[4:4 + 2 * n_words:2]]
                i = 4 + 2 * n_words
                n_pointers = int(parts[i])
                pointers: dict[str, list[str]] = {}
                for j in range(n_pointers):
                    symbol, target, target_pos = parts[i + 1 + 4 * j: i + 4 + 4 * j]
                    target_pos = 'a' if target_pos == 's' else target_pos
                    pointers.setdefault(symbol, []).append(f'{target_pos}:{target}')
                key = f"{'a' if pos == 's' else pos}:{offset}"
                self._synsets[key] = Synset(key, pos, LEXNAMES[lexnum], lemmas, gloss.strip(), pointers)

    def _read_index(self, path, pos):
        with open(path, encoding='utf-8') as f:
            for line in f:
                if line.startswith('  '):
                    continue
                parts = line.split()
                lemma, n_synsets, n_pointers = parts[0], int(parts[2]), int(parts[3])
                offsets = parts[4 + n_pointers + 2:]
                if len(offsets) != n_synsets:
                    raise ValueError(f"{path}: malformed index line for {lemma!r}")
                keys = [f'{pos}:{o}' for o in offsets]
                self._index[(lemma, pos)] = keys
                for rank, key in enumerate(keys, start=1):
                    synset = self._synsets[key]
                    # a synset is named after its first lemma, numbered by that lemma's sense order
                    if synset.lemmas[0] == lemma:
                        synset.name = f"{lemma}.{synset.pos}.{rank:02d}"

    # -- queries ---------------------------------------------------------------------------
    def __len__(self):
        return len(self._synsets)

    def all_synsets(self, pos=None):
        """Every synset, in file order; ``pos`` one of ``'n'``, ``'v'``, ``'a'``, ``'r'``."""
        for synset in self._synsets.values():
            if pos is None or synset.key[0] == pos:
                yield synset

    def synset(self, name):
        """The synset called ``name`` (``'dog.n.01'``)."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no synset named {name!r} in WordNet (names look like 'dog.n.01')") from None

    def synsets(self, lemma, pos=None):
        """The synsets of a word, most frequent sense first (WordNet's index order).

        ``lemma`` is lower-cased and spaces become ``_``; ``pos`` restricts the part of speech.
        """
        lemma = lemma.lower().replace(' ', '_')
        out = []
        for p in ([pos] if pos else _FILES):
            out += [self._synsets[k] for k in self._index.get((lemma, p), [])]
        return out

    def lemmas(self, pos=None):
        """Every lemma with at least one synset of part of speech ``pos`` (all if None)."""
        return sorted({lemma for (lemma, p) in self._index if pos is None or p == pos})

    def related(self, synset, symbol):
        """The synsets that ``synset`` points to with pointer ``symbol`` (``'@'``, ``'~'``, ...)."""
        return [self._synsets[k] for k in synset.pointers.get(symbol, [])]

    def hypernyms(self, synset):
        return self.related(synset, '@')

    def instance_hypernyms(self, synset):
        return self.related(synset, '@i')

    def hyponyms(self, synset):
        return self.related(synset, '~')

    def instance_hyponyms(self, synset):
        return self.related(synset, '~i')

    def ancestors(self, synset, instances=True):
        """Every synset above ``synset`` by hypernym links (and instance-hypernym links)."""
        seen: dict[str, Synset] = {}
        stack = self.hypernyms(synset) + (self.instance_hypernyms(synset) if instances else [])
        while stack:
            s = stack.pop()
            if s.key not in seen:
                seen[s.key] = s
                stack += self.hypernyms(s) + self.instance_hypernyms(s)
        return list(seen.values())

    def descendants(self, synset, instances=True):
        """Every synset below ``synset`` by hyponym links (and instance-hyponym links)."""
        seen: dict[str, Synset] = {}
        stack = self.hyponyms(synset) + (self.instance_hyponyms(synset) if instances else [])
        while stack:
            s = stack.pop()
            if s.key not in seen:
                seen[s.key] = s
                stack += self.hyponyms(s) + (self.instance_hyponyms(s) if instances else [])
        return list(seen.values())


def wordnet_dir():
    """The folder of WordNet's database files: ``$WORDNET_DIR`` or ``/usr/share/wordnet``.

    Returns
    -------
    Path
        A folder holding ``data.noun`` and the other database files.

    Raises
    ------
    FileNotFoundError
        Naming the package to install when the files are not there.
    """
    path = Path(os.environ.get('WORDNET_DIR', '/usr/share/wordnet'))
    if not (path / 'data.noun').is_file():
        raise FileNotFoundError(
            f"WordNet 3.0 is not installed at {path} (no data.noun there). Install Debian's "
            f"package: `apt-get install wordnet-base`, or set WORDNET_DIR to a folder with "
            f"WordNet's data.* and index.* files.")
    return path


@functools.lru_cache(maxsize=2)
def load_wordnet(directory=None):
    """WordNet 3.0, read once per process (see :class:`WordNet`)."""
    return WordNet(directory)


#: The two synsets that Nickel & Kiela's script drops from the mammal closure. Their
#: ``wordnet/transitive_closure.py`` removes the rows matching ``wordnet/mammals_filter.txt``
#: with pandas' ``str.match``, which anchors each pattern at the start of ``"child ancestor"``:
#: of the file's 24 patterns only ``^tusker.n.01`` and ``^female_mammal.n.01`` can match there
#: (the others begin with ``\s``), so exactly these two synsets, both leaves, leave the closure.
MAMMAL_EXCLUDED = ('female_mammal.n.01', 'tusker.n.01')


def closure_edges(wordnet, root='mammal.n.01', instances=True, exclude=None):
    """The transitive closure of the hypernym relation below ``root``, as Nickel & Kiela build it.

    Every pair ``(child, ancestor)`` of synset names such that ``ancestor`` is reached from
    ``child`` by one or more hypernym (and, with ``instances``, instance-hypernym) links and both
    lie in ``root``'s subtree (``root`` included). Their script (facebookresearch/poincare-embeddings,
    ``wordnet/transitive_closure.py``) follows hypernyms from every noun synset and, for each
    instance, its instance hypernyms and their hypernyms; this gives the same pairs. For the mammal
    closure it then drops the pairs whose child is one of :data:`MAMMAL_EXCLUDED`, which gives
    1,180 synsets and 6,540 pairs (1,182 and 6,542 without the filter; 1,168 and 6,446 without
    the 12 instances).

    Parameters
    ----------
    wordnet : WordNet
    root : str
        NLTK-style name of the top synset.
    instances : bool
        Follow instance-hypernym links too (the authors do).
    exclude : iterable of str, optional
        Synsets whose pairs as a child are dropped. Default: :data:`MAMMAL_EXCLUDED` when ``root``
        is ``'mammal.n.01'`` (the authors' filter), none otherwise; pass ``()`` to keep every pair.

    Returns
    -------
    list of (str, str)
        Sorted pairs of NLTK-style names.

    Raises
    ------
    KeyError
        If ``root`` or a name in ``exclude`` is not a synset.
    """
    top = wordnet.synset(root)
    if exclude is None:
        exclude = MAMMAL_EXCLUDED if root == 'mammal.n.01' else ()
    if isinstance(exclude, str):
        raise TypeError("exclude must be an iterable of synset names, not one string")
    dropped = {wordnet.synset(name).key for name in exclude}
    members = {s.key for s in wordnet.descendants(top, instances)} | {top.key}
    edges = set()
    for key in members - dropped:
        s = wordnet._synsets[key]
        for a in wordnet.ancestors(s, instances):
            if a.key in members:
                edges.add((s.name, a.name))
    return sorted(edges)
