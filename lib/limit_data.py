"""The LIMIT data (Weller et al. 2025): the released LIMIT-small, and a generator built as the paper builds it.

* :func:`limit_small` reads the official LIMIT-small shipped in ``data/limit-small/`` (46 documents
  "<Name> likes A, B, C, ...", 1,000 queries "Who likes X?", two relevant documents each; CC BY 4.0,
  Google LLC) through the book's BEIR reader, :func:`lib.tasks.load_beir`.
* :func:`limit_qrels` builds the relevant pair of each query for the four qrel patterns of the paper's
  ablation (dense, random, cycle, disjoint), as its generator does (``code/generate_limit_dataset.ipynb``
  of google-deepmind/limit).
* :func:`limit_dataset` turns a pattern into a task the way that generator does: one attribute per query,
  added to both relevant people, then every person padded with attributes no query asks about up to a
  fixed number of attributes per person (45 in the release), listed in random order.
* :func:`release_attributes` and :func:`attribute_vocabulary`: the attributes the generator draws from.
  By default they are the release's own (its 1,000 query attributes and 67 padding attributes, read from
  ``data/limit-small/``); ``"book"`` is the book's first vocabulary (387 words and "<colour> <word>"
  compounds), kept because it shows why words shared between attributes matter to BM25.
* :data:`FIRST_NAMES`, :data:`LAST_NAMES`, :data:`ATTRIBUTES`: plain data, as scikit-learn keeps its
  stop-word list: 60 first and 60 last names (3,600 distinct people) and 387 attributes.

The theory of the limit (reachable top-k sets, free embeddings, critical n) is :mod:`lib.limit`.
"""
from __future__ import annotations

import itertools
import json
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Sequence

import numpy as np

from . import checks
from .tasks import RetrievalTask, load_beir

__all__ = ["LIMIT_SMALL_DIR", "PATTERNS", "limit_small", "release_attributes", "attribute_vocabulary",
           "limit_qrels", "limit_dataset", "FIRST_NAMES", "LAST_NAMES", "ATTRIBUTES"]

#: The folder of the shipped LIMIT-small (corpus.jsonl, queries.jsonl, qrels.jsonl, README.md).
LIMIT_SMALL_DIR = Path(__file__).resolve().parent.parent / "data" / "limit-small"
#: The qrel patterns of the paper's ablation, the hardest (dense) first.
PATTERNS = ("dense", "random", "cycle", "disjoint")
_COLOURS = "red blue green yellow purple orange black white pink brown grey golden silver striped spotted".split()


def limit_small() -> RetrievalTask:
    """The official LIMIT-small as a :class:`~lib.tasks.RetrievalTask` (offline, from ``data/limit-small/``).

    Returns
    -------
    RetrievalTask
        1,000 queries, 46 passages (each person's document), two relevant passages per query;
        ``info`` holds the query and document ids of the release.

    Examples
    --------
    >>> task = limit_small()
    >>> len(task.queries), len(task.passages), {len(r) for r in task.relevant}
    (1000, 46, {2})
    """
    task = load_beir(LIMIT_SMALL_DIR.name, root=LIMIT_SMALL_DIR.parent, download=False)
    task.name = "LIMIT-small"
    task.info["source"] = "LIMIT-small (Weller et al. 2025, CC BY 4.0), data/limit-small/"
    return task


def _split_likes(text: str, name: str, known: set) -> list[str]:
    """The attributes of one release document "<name> likes A, B and C." (an attribute may hold " and ")."""
    body = text[len(name) + len(" likes "):].rstrip(".")
    *head, last = body.split(", ")
    parts = last.split(" and ")
    cut = next((k for k in range(1, len(parts)) if " and ".join(parts[:k]) in known
                or " and ".join(parts[k:]) in known), len(parts) - 1)
    return head + [" and ".join(parts[:cut]), " and ".join(parts[cut:])]


@lru_cache(maxsize=1)
def release_attributes() -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The attributes of the shipped LIMIT-small: those its queries ask about, and its padding.

    Returns
    -------
    queried : tuple of str
        The 1,000 query attributes, in the release's query order ("Joshua Trees", ...).
    padding : tuple of str
        The attributes that documents list but no query asks about (67), sorted.

    Examples
    --------
    >>> queried, padding = release_attributes()
    >>> len(queried), len(padding), queried[0]
    (1000, 67, 'Joshua Trees')
    """
    queries = [json.loads(line)["text"] for line in (LIMIT_SMALL_DIR / "queries.jsonl").open()]
    queried = tuple(re.fullmatch(r"Who likes (.+)\?", q).group(1) for q in queries)
    known = set(queried)
    listed = set()
    for line in (LIMIT_SMALL_DIR / "corpus.jsonl").open():
        doc = json.loads(line)
        listed.update(_split_likes(doc["text"], doc["_id"], known))
    return queried, tuple(sorted(listed - known))


def attribute_vocabulary(source: str = "limit") -> list[str]:
    """The attributes :func:`limit_dataset` draws from.

    Parameters
    ----------
    source : {"limit", "book"}
        ``"limit"``: the release's 1,067 attributes (:func:`release_attributes`), queried ones first.
        ``"book"``: the book's first vocabulary, :data:`ATTRIBUTES` followed by every
        "<colour> <attribute>" compound (they share words with each other, which BM25 cannot separate).

    Returns
    -------
    list of str
        Distinct attributes.

    Examples
    --------
    >>> len(attribute_vocabulary("book")), attribute_vocabulary("book")[387]
    (6192, 'red apples')
    """
    source = checks.choice(source, "source", ("limit", "book"))
    if source == "book":
        return list(ATTRIBUTES) + [f"{c} {a}" for c in _COLOURS for a in ATTRIBUTES]
    queried, padding = release_attributes()
    return list(queried) + list(padding)


def _dense_size(n_queries: int) -> int:
    """The smallest n with C(n, 2) >= n_queries (46 for 1,000 queries)."""
    n = 2
    while math.comb(n, 2) < n_queries:
        n += 1
    return n


def limit_qrels(n_docs: int, n_queries: int, pattern: str = "dense", seed: int = 0) -> list[tuple[int, int]]:
    """The two relevant documents of each query, for one of the paper's qrel patterns (k = 2).

    As in the paper's generator:

    * ``"dense"``: the smallest ``n`` with ``C(n, 2) >= n_queries`` (46 for 1,000 queries), and the first
      ``n_queries`` pairs of ``0..n-1`` in lexicographic order: nearly every pair of a few documents;
    * ``"random"``: two distinct documents drawn at random for each query (pairs may repeat);
    * ``"cycle"``: query ``i`` -> documents ``i`` and ``i + 1`` (modulo ``n_docs``);
    * ``"disjoint"``: query ``i`` -> documents ``2i`` and ``2i + 1`` (needs ``2 * n_queries`` documents).

    Parameters
    ----------
    n_docs : int
        Documents, at least 2.
    n_queries : int
        Queries, at least 1.
    pattern : {"dense", "random", "cycle", "disjoint"}
    seed : int
        For ``"random"``.

    Returns
    -------
    list of (int, int)
        One sorted pair of document ids per query.

    Raises
    ------
    ValueError
        When ``n_docs`` is too small for the pattern (dense: ``n``; disjoint: ``2 * n_queries``).

    Examples
    --------
    >>> limit_qrels(4, 6), limit_qrels(4, 3, "cycle"), limit_qrels(6, 3, "disjoint")
    ([(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)], [(0, 1), (1, 2), (2, 3)], [(0, 1), (2, 3), (4, 5)])
    """
    n_docs = checks.integer(n_docs, "n_docs", lo=2)
    n_queries = checks.integer(n_queries, "n_queries", lo=1)
    pattern = checks.choice(pattern, "pattern", PATTERNS)
    if pattern == "dense":
        n = _dense_size(n_queries)
        if n > n_docs:
            raise ValueError(f"the dense pattern of {n_queries} queries needs {n} documents "
                             f"(C({n},2) = {math.comb(n, 2)} pairs); n_docs={n_docs}")
        return list(itertools.islice(itertools.combinations(range(n), 2), n_queries))
    if pattern == "random":
        rng = np.random.default_rng(checks.integer(seed, "seed"))
        return [tuple(sorted(int(i) for i in rng.choice(n_docs, 2, replace=False))) for _ in range(n_queries)]
    if pattern == "cycle":
        return [tuple(sorted((i % n_docs, (i + 1) % n_docs))) for i in range(n_queries)]
    if 2 * n_queries > n_docs:
        raise ValueError(f"the disjoint pattern of {n_queries} queries needs {2 * n_queries} documents; n_docs={n_docs}")
    return [(2 * i, 2 * i + 1) for i in range(n_queries)]


def _listing(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def limit_dataset(n_docs: int = 46, n_queries: int = 1000, pattern: str = "dense",
                  attributes_per_person: int = 45, vocabulary: str | Sequence[str] = "limit",
                  seed: int = 0) -> RetrievalTask:
    """A LIMIT-style task built as the paper's generator builds it.

    1. The relevant pair of each query comes from :func:`limit_qrels` (``pattern``).
    2. The attributes are shuffled; the first ``n_queries`` become the queries ("Who likes X?"), one
       each, and each is added to the documents of both of its relevant people.
    3. Every person is then padded with distinct attributes that no query asks about, up to
       ``attributes_per_person`` in all (a person who already has more keeps them all).
    4. A document lists its person's attributes in random order: "<Name> likes A, B and C."

    Parameters
    ----------
    n_docs : int
        People (documents), at least 2 and at most 3,600 (the distinct names).
    n_queries : int
        Queries, at least 1 and at most the vocabulary's size less ``attributes_per_person``.
    pattern : {"dense", "random", "cycle", "disjoint"}
        The qrel pattern (:func:`limit_qrels`).
    attributes_per_person : int
        The length every document is padded to, at least 1 (45, as in the release).
    vocabulary : {"limit", "book"} or sequence of str
        The attributes (:func:`attribute_vocabulary`), or your own list of distinct strings.
    seed : int

    Returns
    -------
    RetrievalTask
        Passages are the people's documents, ``relevant`` each query's two people;
        ``info["pairs"]`` the pair of each query, ``info["likes"]`` each person's attributes.

    Raises
    ------
    ValueError
        For sizes the pattern or the vocabulary cannot supply.

    Examples
    --------
    >>> task = limit_dataset(n_docs=6, n_queries=6, attributes_per_person=5)
    >>> task, task.queries[0].startswith("Who likes"), {len(l) for l in task.info["likes"]}
    (RetrievalTask('LIMIT-style (dense, 6 docs)', 6 queries, 6 passages), True, {5})
    """
    pairs = limit_qrels(n_docs, n_queries, pattern, seed)
    n_docs, n_queries = int(n_docs), int(n_queries)
    per_person = checks.integer(attributes_per_person, "attributes_per_person", lo=1)
    if isinstance(vocabulary, str):
        vocab = attribute_vocabulary(checks.choice(vocabulary, "vocabulary", ("limit", "book")))
    else:
        vocab = checks.texts(vocabulary, "vocabulary")
    if len(set(vocab)) != len(vocab):
        raise ValueError("vocabulary holds repeated attributes; each attribute must be distinct")
    if n_queries + per_person > len(vocab):
        raise ValueError(f"{n_queries} query attributes and {per_person} padding attributes per person need "
                         f"{n_queries + per_person} attributes; the vocabulary has {len(vocab)}")
    names = [f"{a} {b}" for a, b in itertools.product(FIRST_NAMES, LAST_NAMES)]
    if n_docs > len(names):
        raise ValueError(f"{n_docs} people requested but only {len(names)} distinct names exist")
    rng = np.random.default_rng(checks.integer(seed, "seed"))
    order = rng.permutation(len(vocab))
    query_attrs = [vocab[i] for i in order[:n_queries]]
    spare = [vocab[i] for i in order[n_queries:]]
    likes: list[list[str]] = [[] for _ in range(n_docs)]
    for a, (i, j) in zip(query_attrs, pairs):
        likes[i].append(a)
        likes[j].append(a)
    for p in range(n_docs):
        need = per_person - len(likes[p])
        if need > 0:
            likes[p] += [spare[i] for i in rng.choice(len(spare), need, replace=False)]
        likes[p] = [likes[p][i] for i in rng.permutation(len(likes[p]))]
    names = [names[i] for i in rng.permutation(len(names))[:n_docs]]
    docs = [f"{names[p]} likes {_listing(likes[p])}." for p in range(n_docs)]
    return RetrievalTask(f"LIMIT-style ({pattern}, {n_docs} docs)", [f"Who likes {a}?" for a in query_attrs], docs,
                         [set(p) for p in pairs], {
        "pattern": pattern, "n_queries": n_queries, "pairs": pairs, "names": names, "likes": likes,
        "query_attributes": query_attrs, "attributes_per_person": per_person,
        "n_relevant_docs": len({d for p in pairs for d in p}), "distinct_pairs": len(set(pairs)), "seed": seed,
    })


FIRST_NAMES = (
    "Ada Alan Alice Amir Ana Anton Aria Ben Bruno Carla Chen Clara Dana David Diego Elena Emil Eva "
    "Felix Fiona Frank Grace Hana Hugo Ian Ines Ivan Jack Jana Jon Julia Karl Kate Leo Lena Liam "
    "Lucas Maria Mark Maya Mia Nadia Nina Noah Omar Oscar Paul Petra Quinn Rosa Ruth Sam Sara Tom "
    "Uma Vera Victor Wendy Yara Zoe"
).split()
LAST_NAMES = (
    "Abbott Baker Banks Barnes Bell Brooks Burke Carter Clark Cole Cruz Dalton Diaz Dixon Ellis "
    "Evans Fisher Ford Foster Garcia Gray Hale Hayes Hill Holt Hunt Jensen Keller Knight Lane Lopez "
    "Mason Meyer Miller Moore Nash Novak Owens Park Pearce Perry Price Quinn Reed Rivera Ross Santos "
    "Shaw Silva Stone Turner Vance Wagner Walsh Ward Weber Wells West Young Zimmer"
).split()

ATTRIBUTES = (
    "apples bananas cherries grapes lemons mangoes melons oranges peaches pears plums strawberries "
    "carrots onions potatoes tomatoes cucumbers peppers broccoli spinach mushrooms garlic rice pasta "
    "bread cheese butter honey chocolate candy cookies cake pie pizza soup salad sandwiches coffee tea "
    "juice milk wine beer water lemonade cats dogs horses rabbits hamsters parrots owls eagles ducks "
    "geese swans pigeons penguins dolphins whales sharks turtles frogs snakes lizards spiders bees "
    "ants butterflies beetles wolves foxes bears lions tigers leopards zebras giraffes elephants "
    "monkeys gorillas kangaroos koalas pandas camels llamas goats sheep cows pigs chickens donkeys "
    "deer moose otters beavers squirrels mice rats bats crabs lobsters oysters salmon trout tuna "
    "guitars pianos violins drums trumpets flutes harps cellos banjos accordions novels poems comics "
    "newspapers magazines maps puzzles chess cards dice kites balloons candles lamps clocks mirrors "
    "paintings sculptures photographs films cartoons operas ballet jazz blues reggae opera theatre "
    "museums libraries gardens parks beaches mountains rivers lakes forests deserts islands volcanoes "
    "glaciers waterfalls caves canyons meadows valleys oceans storms rainbows sunsets sunrises stars "
    "planets comets moons clouds snow rain thunder fog wind autumn winter spring summer bicycles cars "
    "trains buses boats ships planes helicopters rockets tractors trucks motorcycles scooters sailing "
    "rowing swimming running cycling hiking climbing skiing skating surfing diving fishing hunting "
    "camping dancing singing painting drawing knitting sewing cooking baking gardening reading writing "
    "football baseball basketball tennis golf hockey cricket rugby volleyball boxing wrestling fencing "
    "archery bowling billiards darts yoga karate judo marathons tulips roses daisies lilies orchids "
    "sunflowers cacti ferns mosses oaks pines maples palms bamboo hats scarves gloves boots sandals "
    "jackets sweaters umbrellas watches rings necklaces bracelets earrings perfume soap towels pillows "
    "blankets chairs tables sofas shelves carpets curtains windows doors bridges towers castles temples "
    "churches mosques palaces farms villages cities harbors airports stations markets bakeries cafes "
    "restaurants hotels hospitals schools universities laboratories factories mines quarries stadiums "
    "circuses zoos aquariums carnivals festivals parades fireworks concerts lectures debates elections "
    "history geography physics chemistry biology mathematics astronomy geology philosophy economics "
    "poetry architecture engineering medicine law music sculpture photography statistics algebra "
    "geometry calculus robots computers phones cameras radios televisions printers keyboards batteries "
    "magnets lasers telescopes microscopes compasses hammers saws drills ladders ropes tents lanterns "
    "diamonds emeralds rubies pearls gold silver copper iron marble granite crystals fossils shells "
    "feathers pebbles sand clay glass paper silk wool cotton leather velvet denim lace nylon rubber"
).split()
