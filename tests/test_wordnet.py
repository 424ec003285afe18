"""lib.data.wordnet: the reader of WordNet 3.0's database files, checked against WordNet's own counts."""
import gzip
import re
from pathlib import Path

import pytest

from lib.data import wordnet as W

try:
    W.wordnet_dir()
    _missing = False
except FileNotFoundError:
    _missing = True
pytestmark = pytest.mark.skipif(_missing, reason='WordNet 3.0 not installed (apt-get install wordnet-base)')


@pytest.fixture(scope='module')
def wn():
    return W.load_wordnet()


def test_counts_match_wordnet_3_0(wn):
    # WordNet 3.0's published statistics (wnstats(7WN)): 117,659 synsets, 82,115 of them nouns,
    # 13,767 verbs, 18,156 adjectives (with satellites), 3,621 adverbs; 117,798 noun lemmas.
    by_pos = {p: sum(1 for _ in wn.all_synsets(p)) for p in 'nvar'}
    assert len(wn) == 117_659
    assert by_pos == {'n': 82_115, 'v': 13_767, 'a': 18_156, 'r': 3_621}
    assert len(wn.lemmas('n')) == 117_798
    assert all(s.name for s in wn.all_synsets())          # every synset got an NLTK-style name


def test_names_lexnames_and_relations(wn):
    dog = wn.synsets('dog')[0]
    assert dog.name == 'dog.n.01' and dog.lexname == 'noun.animal'
    assert 'domestic_dog' in dog.lemmas
    assert {s.name for s in wn.hypernyms(dog)} == {'canine.n.02', 'domestic_animal.n.01'}
    assert wn.synset('mammal.n.01') in wn.ancestors(dog)
    assert wn.synset('entity.n.01') in wn.ancestors(dog)
    assert dog in wn.descendants(wn.synset('mammal.n.01'))
    assert wn.synsets('run', pos='v')[0].lexname.startswith('verb.')
    # an instance: Einstein is an instance of physicist, not a hyponym
    einstein = wn.synsets('einstein')[0]
    assert not wn.hypernyms(einstein) and wn.instance_hypernyms(einstein)


def test_lexnames_match_the_manual():
    page = Path('/usr/share/man/man5/lexnames.5WN.gz')
    if not page.is_file():
        pytest.skip('lexnames(5WN) not installed')
    text = gzip.open(page, 'rt', encoding='latin-1').read()
    listed = dict(re.findall(r'^(\d\d)\s+(\S+)', text, flags=re.M))
    assert [listed[f'{i:02d}'] for i in range(len(W.LEXNAMES))] == list(W.LEXNAMES)
    assert sum(n.startswith('noun.') for n in W.LEXNAMES) == 26


def test_mammal_closure(wn):
    edges = W.closure_edges(wn, 'mammal.n.01')
    nodes = {a for a, _ in edges} | {b for _, b in edges}
    assert 'mammal.n.01' in nodes and ('dog.n.01', 'mammal.n.01') in edges
    assert all(a != b for a, b in edges)
    # transitive: dog -> canine -> carnivore -> placental -> mammal all present
    assert {('dog.n.01', 'carnivore.n.01'), ('canine.n.02', 'mammal.n.01')} <= set(edges)
    # the authors' script (facebookresearch/poincare-embeddings, wordnet/transitive_closure.py) drops
    # tusker and female_mammal: 1,180 synsets, 6,540 pairs; without the filter 1,182 / 6,542
    assert (len(nodes), len(edges)) == (1_180, 6_540)
    assert not set(W.MAMMAL_EXCLUDED) & nodes
    full = W.closure_edges(wn, 'mammal.n.01', exclude=())
    assert len(full) == 6_542 and set(edges) < set(full)
    assert len(W.closure_edges(wn, 'mammal.n.01', instances=False, exclude=())) == 6_448
    # another root: no filter by default
    assert ('poodle.n.01', 'dog.n.01') in W.closure_edges(wn, 'dog.n.01')
    with pytest.raises(TypeError, match='exclude'):
        W.closure_edges(wn, 'mammal.n.01', exclude='tusker.n.01')
    with pytest.raises(KeyError, match='no_such'):
        W.closure_edges(wn, 'mammal.n.01', exclude=['no_such.n.01'])


def test_missing_wordnet_names_the_package(tmp_path, monkeypatch):
    monkeypatch.setenv('WORDNET_DIR', str(tmp_path))
    with pytest.raises(FileNotFoundError, match='wordnet-base'):
        W.wordnet_dir()
    monkeypatch.delenv('WORDNET_DIR')
    with pytest.raises(KeyError, match="dog.n.01"):
        W.load_wordnet().synset('no_such.n.01')
