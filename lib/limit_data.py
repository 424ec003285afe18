"""The LIMIT data (Weller et al. 2025): the released LIMIT-small, and a generator of LIMIT-style tasks.

* :func:`limit_small` reads the official LIMIT-small shipped in ``data/limit-small/`` (46 documents
  "<Name> likes A, B, C, ...", 1,000 queries "Who likes X?", two relevant documents each; CC BY 4.0,
  Google LLC) through the book's BEIR reader, :func:`lib.tasks.load_beir`.
* :func:`limit_dataset` builds LIMIT-style tasks from the word lists below, for what the released data
  cannot show (other relevance patterns, more documents).
* :data:`FIRST_NAMES`, :data:`LAST_NAMES`, :data:`ATTRIBUTES`: plain data, as scikit-learn keeps its
  stop-word list: 60 first and 60 last names (3,600 distinct people) and 387 attributes (things and
  activities that read well in "Who likes X?"); :func:`limit_dataset` adds "<colour> <attribute>"
  compounds when it needs more.

The theory of the limit (reachable top-k sets, free embeddings, critical n) is :mod:`lib.limit`.
"""
from __future__ import annotations

import itertools
from pathlib import Path

import numpy as np

from . import checks
from .tasks import RetrievalTask, load_beir

__all__ = ["LIMIT_SMALL_DIR", "limit_small", "limit_dataset", "FIRST_NAMES", "LAST_NAMES", "ATTRIBUTES"]

#: The folder of the shipped LIMIT-small (corpus.jsonl, queries.jsonl, qrels.jsonl, README.md).
LIMIT_SMALL_DIR = Path(__file__).resolve().parent.parent / "data" / "limit-small"


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


def limit_dataset(n_core: int = 46, n_queries: int = 1000, n_distractors: int = 0, pattern: str = "dense",
                  attributes_per_distractor: int = 40, seed: int = 0) -> RetrievalTask:
    """A LIMIT-style task: people, the things they like, and queries "Who likes X?".

    Each query asks about one attribute and has exactly 2 relevant people. With
    ``pattern="dense"`` (as in the LIMIT paper) the relevant pairs are ``n_queries``
    distinct pairs of the ``n_core`` core people, so the queries cover as many of the
    ``C(n_core, 2)`` top-2 subsets as possible. With ``pattern="random"`` (a control) each
    query's two people are drawn at random from all the people, core and distractors.

    A person's document lists every attribute that makes them relevant, in random order.
    ``n_distractors`` further people like attributes that no query asks about.

    Parameters
    ----------
    n_core : int
        People who are relevant to some query, at least 2.
    n_queries : int
        Queries, at least 1 (at most ``C(n_core, 2)`` for ``"dense"``).
    n_distractors : int
        Further people that no query asks about.
    pattern : {"dense", "random"}
    attributes_per_distractor : int
        Attributes each distractor likes.
    seed : int

    Returns
    -------
    RetrievalTask
        Passages are the people's documents ("Ada Baker likes apples, chess and owls."),
        ``info["pairs"]`` the relevant pair of each query.

    Examples
    --------
    >>> task = limit_dataset(n_core=4, n_queries=6)
    >>> task, task.queries[0].startswith("Who likes"), sorted(map(len, task.relevant))[0]
    (RetrievalTask('LIMIT-style (dense, 4 docs)', 6 queries, 4 passages), True, 2)
    """
    pattern = checks.choice(pattern, "pattern", ("dense", "random"))
    n_core = checks.integer(n_core, "n_core", lo=2)
    n_distractors = checks.integer(n_distractors, "n_distractors", lo=0)
    attributes_per_distractor = checks.integer(attributes_per_distractor, "attributes_per_distractor", lo=1)
    n_pairs = n_core * (n_core - 1) // 2
    n_queries = checks.integer(n_queries, "n_queries", lo=1)
    if pattern == "dense" and n_queries > n_pairs:
        raise ValueError(f"n_queries={n_queries} is larger than the C({n_core},2)={n_pairs} pairs of core people")
    n_people = n_core + n_distractors
    names = [f"{a} {b}" for a, b in itertools.product(FIRST_NAMES, LAST_NAMES)]
    if n_people > len(names):
        raise ValueError(f"{n_people} people requested but only {len(names)} distinct names exist")
    rng = np.random.default_rng(seed)
    names = [names[i] for i in rng.permutation(len(names))[:n_people]]
    # attribute words: the base list, extended with "<colour> <base>" compounds when more are needed
    colours = "red blue green yellow purple orange black white pink brown grey golden silver striped spotted".split()
    vocab = list(ATTRIBUTES) + [f"{c} {a}" for c in colours for a in ATTRIBUTES]
    n_attr_needed = n_queries + (attributes_per_distractor * 4 if n_distractors else 0)
    if n_attr_needed > len(vocab):
        raise ValueError(f"{n_attr_needed} attributes needed but only {len(vocab)} exist")
    order = rng.permutation(len(ATTRIBUTES)).tolist() + (len(ATTRIBUTES) + rng.permutation(len(vocab) - len(ATTRIBUTES))).tolist()
    attrs = [vocab[i] for i in order[:n_attr_needed]]
    query_attrs, spare = attrs[:n_queries], attrs[n_queries:]
    if pattern == "dense":
        all_pairs = list(itertools.combinations(range(n_core), 2))
        pairs = [all_pairs[i] for i in sorted(rng.choice(n_pairs, n_queries, replace=False))]
    else:
        pairs = [tuple(sorted(rng.choice(n_people, 2, replace=False).tolist())) for _ in range(n_queries)]
    likes: list[list[str]] = [[] for _ in range(n_people)]
    for a, (i, j) in zip(query_attrs, pairs):
        likes[i].append(a)
        likes[j].append(a)
    for p in range(n_core, n_people):
        if pattern == "dense" or not likes[p]:
            likes[p].extend(rng.choice(spare, min(attributes_per_distractor, len(spare)), replace=False).tolist())
    docs = []
    for p in range(n_people):
        items = [likes[p][i] for i in rng.permutation(len(likes[p]))] or [rng.choice(spare)]
        body = items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]
        docs.append(f"{names[p]} likes {body}.")
    queries = [f"Who likes {a}?" for a in query_attrs]
    relevant = [{int(i), int(j)} for i, j in pairs]
    return RetrievalTask(f"LIMIT-style ({pattern}, {n_people} docs)", queries, docs, relevant, {
        "pattern": pattern, "n_core": n_core, "n_distractors": n_distractors, "n_queries": n_queries,
        "pairs": pairs, "names": names, "distinct_pairs": len(set(pairs)), "seed": seed,
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
