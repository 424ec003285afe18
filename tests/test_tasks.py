"""Unit tests for lib.tasks: retrieval tasks (Part V)."""
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
def test_limit_dataset_dense_and_random():
    t = limit_data.limit_dataset(n_core=10, n_queries=45, seed=0)
    assert len(t.passages) == 10 and len(t.queries) == 45
    assert t.info["distinct_pairs"] == 45
    for q, rel in zip(t.queries, t.relevant):
        attr = q[len("Who likes "):-1]
        for p in rel:
            assert attr in t.passages[p]
        assert sum(attr + "," in d or attr + " and" in d or attr + "." in d for d in t.passages) >= 2
    r = limit_data.limit_dataset(n_core=10, n_queries=45, n_distractors=20, pattern="random", seed=0)
    assert len(r.passages) == 30
    big = limit_data.limit_dataset(n_core=10, n_queries=45, n_distractors=20, seed=0)
    assert all(max(rel) < 10 for rel in big.relevant)


def test_limit_errors():
    with pytest.raises(ValueError, match="larger than the C"):
        limit_data.limit_dataset(n_core=5, n_queries=11)
    with pytest.raises(ValueError, match="unknown pattern"):
        limit_data.limit_dataset(pattern="cycle")
    with pytest.raises(ValueError, match="n_core"):
        limit_data.limit_dataset(n_core=1)
    with pytest.raises(ValueError, match="n_distractors"):
        limit_data.limit_dataset(n_distractors=-1)
    with pytest.raises(ValueError, match="n_queries must be an integer"):
        limit_data.limit_dataset(n_queries=10.0)


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
