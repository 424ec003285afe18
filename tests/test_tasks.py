"""Unit tests for lib.tasks: retrieval tasks (Part V)."""
import itertools
import json

import numpy as np
import pytest

from lib import limit_data, tasks
from lib.data import Corpus


def small_corpus():
    paras = []
    for i in range(12):
        paras.append(" ".join(f"Topic{i} sentence number {j} talks about item{i}x{j} and many other words here." for j in range(4)))
    return Corpus("toy", ["t"], ["\n\n".join(paras)])


def four_article_corpus():
    docs = []
    for a in range(4):
        paras = [" ".join(f"Art{a} para{i} sentence {j} mentions thing{a}x{i}x{j} among several other words."
                          for j in range(4)) for i in range(3)]
        docs.append("\n\n".join(paras))
    return Corpus("toy4", [f"t{a}" for a in range(4)], docs)


# --------------------------------------------------------------------------- inverse cloze
def test_inverse_cloze_task_structure():
    task = tasks.inverse_cloze_task(small_corpus(), n_queries=5, min_query_words=5, min_hard_words=1)
    assert len(task.queries) == 5 and len(task.passages) == 12
    for q, rel in zip(task.queries, task.relevant):
        (p,) = rel
        assert q not in task.passages[p]          # the held-out sentence was removed
    hard = tasks.inverse_cloze_task(small_corpus(), n_queries=5, min_query_words=5, min_hard_words=1, hard=True)
    assert hard.relevant == task.relevant
    for q, rel in zip(hard.queries, hard.relevant):
        assert tasks.strip_overlap(q, hard.passages[next(iter(rel))]) == q


def test_inverse_cloze_errors():
    with pytest.raises(ValueError, match="larger than the number of eligible"):
        tasks.inverse_cloze_task(small_corpus(), n_queries=100, min_query_words=5, min_hard_words=1)
    with pytest.raises(ValueError, match="n_queries must be an integer >= 1"):
        tasks.inverse_cloze_task(small_corpus(), n_queries=0, min_query_words=5, min_hard_words=1)
    with pytest.raises(ValueError, match="n_queries must be an integer"):
        tasks.inverse_cloze_task(small_corpus(), n_queries=2.5)
    with pytest.raises(ValueError, match="max_passages"):
        tasks.inverse_cloze_task(small_corpus(), n_queries=1, max_passages=0)
    with pytest.raises(ValueError, match="max_sentences"):
        tasks.inverse_cloze_task(small_corpus(), n_queries=1, min_sentences=5, max_sentences=3)


def test_inverse_cloze_task_records_articles():
    task = tasks.inverse_cloze_task(four_article_corpus(), n_queries=6, min_query_words=5, min_hard_words=1)
    assert task.article.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    for q, rel in zip(task.queries, task.relevant):
        (p,) = rel
        assert q.startswith(f"Art{task.article[p]} ")          # the query comes from its passage's article
    assert tasks.query_articles(task).tolist() == [task.article[min(r)] for r in task.relevant]
    tq, tp = tasks.article_split(task)
    assert tq.tolist() == (tasks.query_articles(task) % 2 == 0).tolist()
    assert tp.tolist() == (task.article % 2 == 0).tolist()
    toy = tasks.inverse_cloze_task(small_corpus(), n_queries=5, min_query_words=5, min_hard_words=1)
    assert toy.article.tolist() == [0] * 12


def test_article_field_errors():
    with pytest.raises(ValueError, match="shape mismatch"):
        tasks.RetrievalTask("x", ["a"], ["b", "c"], [{0}], article=[0])
    no_articles = tasks.RetrievalTask("x", ["a"], ["b"], [{0}])
    assert no_articles.article is None
    with pytest.raises(ValueError, match="does not record"):
        tasks.article_split(no_articles)
    with pytest.raises(ValueError, match="integers"):
        tasks.article_split(tasks.RetrievalTask("x", ["a"], ["b"], [{0}], article=["wiki"]))
    with pytest.raises(TypeError, match="RetrievalTask"):
        tasks.query_articles(None)


def test_strip_overlap_needs_strings():
    assert tasks.strip_overlap("Cats purr loudly", "the cat purr") == "cats loudly"
    with pytest.raises(TypeError, match="query"):
        tasks.strip_overlap(None, "x")


# --------------------------------------------------------------------------- RetrievalTask
def test_task_validation():
    with pytest.raises(ValueError, match="shape mismatch"):
        tasks.RetrievalTask("x", ["a"], ["b"], [])
    with pytest.raises(ValueError, match="points to passage 3"):
        tasks.RetrievalTask("x", ["a"], ["b"], [{3}])
    with pytest.raises(ValueError, match="points to passage -1"):
        tasks.RetrievalTask("x", ["a"], ["b"], [{-1}])
    with pytest.raises(ValueError, match="no relevant"):
        tasks.RetrievalTask("x", ["a"], ["b"], [set()])
    with pytest.raises(ValueError, match="empty"):
        tasks.RetrievalTask("x", [], ["b"], [])


@pytest.mark.parametrize("relevant, err, msg", [
    ([1], TypeError, r"relevant\[0\] must be a set of passage ids"),   # an int, not a set
    ([0], TypeError, r"relevant\[0\] must be a set of passage ids"),   # 0 is falsy: not "no relevant passage"
    ([{"0"}], TypeError, "passage ids must be integers"),
    ([{0.5}], TypeError, "passage ids must be integers"),
    ([{True}], TypeError, "passage ids must be integers"),
    (["0"], TypeError, r"relevant\[0\] must be a set"),
    (None, TypeError, "relevant must be a list"),
    ({0}, TypeError, "relevant must be a list"),
])
def test_task_relevant_cases(relevant, err, msg):
    with pytest.raises(err, match=msg):
        tasks.RetrievalTask("x", ["a"], ["b", "c"], relevant)


@pytest.mark.parametrize("queries, err, msg", [
    ("qq", TypeError, "queries must be a list of strings"),           # not two one-letter queries
    ([None], ValueError, r"queries\[0\] is a NoneType"),
    ([1], ValueError, r"queries\[0\] is a int"),
    (None, ValueError, "queries must be a list of strings"),
])
def test_task_queries_cases(queries, err, msg):
    with pytest.raises(err, match=msg):
        tasks.RetrievalTask("x", queries, ["b"], [{0}])


def test_task_passages_must_be_strings():
    with pytest.raises(TypeError, match="passages must be a list"):
        tasks.RetrievalTask("x", ["a"], "one passage", [{0}])
    with pytest.raises(ValueError, match=r"passages\[1\]"):
        tasks.RetrievalTask("x", ["a"], ["b", None], [{0}])


def test_task_normalises_relevance():
    t = tasks.RetrievalTask("x", ("a", "b"), ["p", "q", "r"], [[0, 2], (np.int64(1),)])
    assert t.queries == ["a", "b"] and t.relevant == [{0, 2}, {1}]
    assert all(type(i) is int for r in t.relevant for i in r)


# --------------------------------------------------------------------------- LIMIT
def _attribute(query):
    return query[len("Who likes "):-1]


@pytest.mark.parametrize("pattern", limit_data.PATTERNS)
def test_every_query_has_exactly_two_relevant_people_who_like_its_attribute(pattern):
    t = limit_data.limit_dataset(n_docs=40, n_queries=20, pattern=pattern, attributes_per_person=25, seed=1)
    assert len(t.queries) == 20 and len(t.passages) == 40 and t.info["pattern"] == pattern
    assert [len(r) for r in t.relevant] == [2] * 20
    likes = t.info["likes"]
    for q, rel in zip(t.queries, t.relevant):
        attr = _attribute(q)
        holders = {p for p, l in enumerate(likes) if attr in l}
        assert holders == rel                                   # added to both relevant people, to nobody else
    for p, l in enumerate(likes):
        assert len(set(l)) == len(l)                            # distinct attributes per person
        assert t.passages[p].startswith(t.info["names"][p] + " likes ")
        assert all(a in t.passages[p] for a in l)


def test_dense_covers_the_first_pairs_of_the_smallest_core():
    pairs = limit_data.limit_qrels(46, 1000, "dense")
    assert len(pairs) == len(set(pairs)) == 1000
    assert {d for p in pairs for d in p} == set(range(46))     # 46 = smallest n with C(n, 2) >= 1000
    assert pairs == list(itertools.combinations(range(46), 2))[:1000]
    full = limit_data.limit_qrels(10, 45, "dense")             # C(10, 2) = 45: every pair of the core
    assert set(full) == set(itertools.combinations(range(10), 2))
    assert limit_data.limit_qrels(100, 45, "dense") == full     # extra documents are never relevant


def test_the_dense_pattern_has_the_release_shape():
    real = limit_data.limit_small()
    deg_real = sorted(np.bincount([d for r in real.relevant for d in r], minlength=46))
    deg_gen = sorted(np.bincount([d for p in limit_data.limit_qrels(46, 1000) for d in p], minlength=46))
    assert deg_real == deg_gen


def test_disjoint_cycle_and_random_patterns():
    disjoint = limit_data.limit_qrels(10, 5, "disjoint")
    assert disjoint == [(0, 1), (2, 3), (4, 5), (6, 7), (8, 9)]
    assert all(not set(a) & set(b) for a, b in itertools.combinations(disjoint, 2))   # no shared document
    cycle = limit_data.limit_qrels(5, 5, "cycle")
    assert cycle == [(0, 1), (1, 2), (2, 3), (3, 4), (0, 4)]                         # wraps around
    rand = limit_data.limit_qrels(30, 200, "random", seed=3)
    assert all(0 <= a < b < 30 for a, b in rand) and len(set(rand)) < 200            # pairs may repeat
    assert rand == limit_data.limit_qrels(30, 200, "random", seed=3)
    assert rand != limit_data.limit_qrels(30, 200, "random", seed=4)


def test_every_person_is_padded_to_the_same_number_of_attributes():
    t = limit_data.limit_dataset(n_docs=60, n_queries=100, attributes_per_person=12, seed=0)
    queried = set(t.info["query_attributes"])
    degree = np.bincount([d for p in t.info["pairs"] for d in p], minlength=60)
    for p, l in enumerate(t.info["likes"]):
        assert len(l) == max(12, degree[p])                    # padded to 12; a busier person keeps them all
        assert sum(a in queried for a in l) == degree[p]       # padding is never a query attribute
    assert degree.max() > 12 and 12 in {len(l) for l in t.info["likes"]}


def test_the_default_generator_matches_the_release():
    t = limit_data.limit_dataset(seed=0)
    assert (len(t.queries), len(t.passages), t.info["distinct_pairs"]) == (1000, 46, 1000)
    assert {len(l) for l in t.info["likes"]} == {45}
    queried, padding = limit_data.release_attributes()
    assert len(queried) == 1000 and len(padding) == 67 and not set(queried) & set(padding)
    assert set(t.info["query_attributes"]) <= set(queried) | set(padding)


def test_limit_dataset_is_deterministic():
    a = limit_data.limit_dataset(n_docs=30, n_queries=40, seed=5)
    b = limit_data.limit_dataset(n_docs=30, n_queries=40, seed=5)
    c = limit_data.limit_dataset(n_docs=30, n_queries=40, seed=6)
    assert a.passages == b.passages and a.queries == b.queries and a.relevant == b.relevant
    assert a.passages != c.passages


def test_vocabularies():
    book = limit_data.attribute_vocabulary("book")
    assert book[:len(limit_data.ATTRIBUTES)] == list(limit_data.ATTRIBUTES) and len(set(book)) == len(book)
    mine = limit_data.limit_dataset(n_docs=6, n_queries=4, attributes_per_person=3,
                                    vocabulary=[f"thing{i}" for i in range(10)], seed=0)
    assert all(_attribute(q).startswith("thing") for q in mine.queries)


def test_limit_errors():
    with pytest.raises(ValueError, match="needs 6 documents"):
        limit_data.limit_qrels(5, 11, "dense")                 # C(5, 2) = 10 < 11
    with pytest.raises(ValueError, match="needs 12 documents"):
        limit_data.limit_qrels(10, 6, "disjoint")
    with pytest.raises(ValueError, match="unknown pattern"):
        limit_data.limit_dataset(pattern="star")
    with pytest.raises(ValueError, match="n_docs"):
        limit_data.limit_dataset(n_docs=1)
    with pytest.raises(ValueError, match="n_queries must be an integer"):
        limit_data.limit_dataset(n_queries=10.0)
    with pytest.raises(ValueError, match="attributes_per_person"):
        limit_data.limit_dataset(attributes_per_person=0)
    with pytest.raises(ValueError, match="the vocabulary has 1067"):
        limit_data.limit_dataset(n_docs=200, n_queries=1050)
    with pytest.raises(ValueError, match="repeated"):
        limit_data.limit_dataset(n_docs=4, n_queries=2, attributes_per_person=1, vocabulary=["a", "a", "b", "c"])
    with pytest.raises(ValueError, match="distinct names"):
        limit_data.limit_dataset(n_docs=4000, n_queries=10)
    with pytest.raises(ValueError, match="unknown source"):
        limit_data.attribute_vocabulary("paper")
    with pytest.raises(ValueError, match="unknown vocabulary"):
        limit_data.limit_dataset(vocabulary="paper")


# --------------------------------------------------------------------------- BEIR
def write_beir(root, name="toy", header=True):
    folder = root / name
    (folder / "qrels").mkdir(parents=True)
    docs = [{"_id": "d1", "title": "Cats", "text": "Cats purr."}, {"_id": "d2", "title": "", "text": "Dogs bark."},
            {"_id": "d3", "title": "Fish", "text": "Fish swim."}]
    (folder / "corpus.jsonl").write_text("\n".join(json.dumps(d) for d in docs) + "\n")
    queries = [{"_id": "q1", "text": "what purrs"}, {"_id": "q2", "text": "dogs that bark"}, {"_id": "q3", "text": "no answer"}]
    (folder / "queries.jsonl").write_text("\n".join(json.dumps(q) for q in queries))
    rows = ["q1\td1\t1", "q2\td2\t2", "q2\td3\t1", "q3\td3\t0", "q1\tmissing\t1"]
    (folder / "qrels" / "test.tsv").write_text(("query-id\tcorpus-id\tscore\n" if header else "") + "\n".join(rows) + "\n")
    return folder


@pytest.mark.parametrize("header", [True, False])
def test_load_beir_reads_the_beir_layout(tmp_path, header):
    write_beir(tmp_path, header=header)
    task = tasks.load_beir("toy", root=tmp_path)
    assert task.queries == ["what purrs", "dogs that bark"]          # q3 has no positive judgement
    assert task.passages == ["Cats Cats purr.", "Dogs bark.", "Fish Fish swim."]
    assert task.relevant == [{0}, {1, 2}]                         # unknown corpus ids are dropped
    assert task.info["query_ids"] == ["q1", "q2"] and task.info["doc_ids"] == ["d1", "d2", "d3"]
    assert tasks.beir_dir("toy", tmp_path) == tmp_path / "toy"


def test_load_beir_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="download=False"):
        tasks.load_beir("absent", root=tmp_path, download=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="offline"):
        tasks.load_beir("absent", root=tmp_path)                      # no network call is attempted
    with pytest.raises(ValueError, match="BEIR data set name"):
        tasks.load_beir("../etc", root=tmp_path)
    folder = write_beir(tmp_path, "broken")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\n")
    with pytest.raises(ValueError, match="3 tab-separated"):
        tasks.load_beir("broken", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="qrels/dev.tsv"):
        tasks.load_beir("broken", split="dev", root=tmp_path)
    (folder / "qrels" / "test.tsv").write_text("q3\td3\t0\n")
    with pytest.raises(ValueError, match="no query"):
        tasks.load_beir("broken", root=tmp_path)


def test_the_shipped_limit_small_is_the_release():
    """LIMIT-small as released (Weller et al. 2025): 46 documents, 1,000 queries, 2,000 judgements, two per query."""
    task = limit_data.limit_small()
    assert (len(task.queries), len(task.passages)) == (1000, 46)
    assert sum(len(r) for r in task.relevant) == 2000 and {len(r) for r in task.relevant} == {2}
    assert task.queries[0] == "Who likes Joshua Trees?"
    assert task.passages[task.info["doc_ids"].index("Geneva Durben")].startswith("Geneva Durben likes Quokkas")
    assert (limit_data.LIMIT_SMALL_DIR / "README.md").read_text().count("CC BY 4.0") >= 1


def test_bm25_finds_almost_every_pair_on_limit_small():
    """The lexical baseline of LIMIT-small: BM25 recall@2 about 0.99 (0.991 in an independent run; the
    words of the query are in both relevant documents)."""
    from lib import evaluate, retrieval

    task = limit_data.limit_small()
    idx, _ = retrieval.bm25_search(task.queries, task.passages, k=10)
    recall = evaluate.retrieval_scores(idx, task.relevant, ks=(2, 10))
    assert abs(recall["recall@2"].mean() - 0.991) < 0.01
    assert recall["recall@10"].mean() > 0.99


def test_qrels_jsonl_is_read_like_the_tsv(tmp_path):
    folder = tmp_path / "mini"
    folder.mkdir()
    (folder / "corpus.jsonl").write_text('{"_id": "d1", "title": "", "text": "red apples"}\n'
                                         '{"_id": "d2", "title": "T", "text": "green pears"}\n')
    (folder / "queries.jsonl").write_text('{"_id": "q1", "text": "apples"}\n{"_id": "q2", "text": "pears"}\n')
    (folder / "qrels.jsonl").write_text('{"query-id": "q1", "corpus-id": "d1", "score": 1}\n'
                                        '{"query-id": "q2", "corpus-id": "d2", "score": 0}\n')
    task = tasks.load_beir("mini", root=tmp_path, download=False)
    assert task.queries == ["apples"] and task.relevant == [{0}] and task.passages[1] == "T green pears"
    (folder / "qrels.jsonl").write_text('{"query-id": "q1", "score": 1}\n')
    with pytest.raises(ValueError, match="line 1: expected query-id, corpus-id"):
        tasks.load_beir("mini", root=tmp_path, download=False)
