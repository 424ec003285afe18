"""Unit tests for lib.retrieval (Part V)."""
import numpy as np
import pytest

from lib import retrieval as R
from lib.data import Corpus


def small_corpus():
    paras = []
    for i in range(12):
        paras.append(" ".join(f"Topic{i} sentence number {j} talks about item{i}x{j} and many other words here." for j in range(4)))
    return Corpus("toy", ["t"], ["\n\n".join(paras)])


def test_inverse_cloze_task_structure():
    task = R.inverse_cloze_task(small_corpus(), n_queries=5, min_query_words=5, min_hard_words=1)
    assert len(task.queries) == 5 and len(task.passages) == 12
    for q, rel in zip(task.queries, task.relevant):
        (p,) = rel
        assert q not in task.passages[p]          # the held-out sentence was removed
    hard = R.inverse_cloze_task(small_corpus(), n_queries=5, min_query_words=5, min_hard_words=1, hard=True)
    assert hard.relevant == task.relevant
    for q, rel in zip(hard.queries, hard.relevant):
        assert R.strip_overlap(q, hard.passages[next(iter(rel))]) == q


def test_inverse_cloze_errors():
    with pytest.raises(ValueError, match="larger than the number of eligible"):
        R.inverse_cloze_task(small_corpus(), n_queries=100, min_query_words=5, min_hard_words=1)
    with pytest.raises(ValueError, match="at least 1"):
        R.inverse_cloze_task(small_corpus(), n_queries=0, min_query_words=5, min_hard_words=1)


def test_task_validation():
    with pytest.raises(ValueError, match="shape mismatch"):
        R.RetrievalTask("x", ["a"], ["b"], [])
    with pytest.raises(ValueError, match="points to passage"):
        R.RetrievalTask("x", ["a"], ["b"], [{3}])
    with pytest.raises(ValueError, match="no relevant"):
        R.RetrievalTask("x", ["a"], ["b"], [set()])
    with pytest.raises(ValueError, match="empty"):
        R.RetrievalTask("x", [], ["b"], [])


def test_limit_dataset_dense_and_random():
    t = R.limit_dataset(n_core=10, n_queries=45, seed=0)
    assert len(t.passages) == 10 and len(t.queries) == 45
    assert t.info["distinct_pairs"] == 45
    for q, rel in zip(t.queries, t.relevant):
        attr = q[len("Who likes "):-1]
        for p in rel:
            assert attr in t.passages[p]
        assert sum(attr + "," in d or attr + " and" in d or attr + "." in d for d in t.passages) >= 2
    r = R.limit_dataset(n_core=10, n_queries=45, n_distractors=20, pattern="random", seed=0)
    assert len(r.passages) == 30
    big = R.limit_dataset(n_core=10, n_queries=45, n_distractors=20, seed=0)
    assert all(max(rel) < 10 for rel in big.relevant)


def test_limit_errors():
    with pytest.raises(ValueError, match="larger than the C"):
        R.limit_dataset(n_core=5, n_queries=11)
    with pytest.raises(ValueError, match="unknown qrel pattern"):
        R.limit_dataset(pattern="cycle")
    with pytest.raises(ValueError, match="n_core"):
        R.limit_dataset(n_core=1)
    with pytest.raises(ValueError, match="n_distractors"):
        R.limit_dataset(n_distractors=-1)


def test_bm25_finds_exact_match_and_errors():
    passages = ["the cat sat on the mat", "dogs chase cars", "quantum physics of cats", "red apples"]
    idx, sc = R.bm25_search(["dogs cars", "apples", "zzz unknown"], passages, k=2)
    assert idx.shape == (3, 2) and idx[0, 0] == 1 and idx[1, 0] == 3
    assert np.all(sc[2] == 0)
    assert np.all(np.diff(sc, axis=1) <= 0)
    with pytest.raises(ValueError, match="larger than the number of documents"):
        R.bm25_search(["a"], passages, k=5)
    with pytest.raises(ValueError, match="empty"):
        R.bm25_search([], passages, k=1)


def test_dense_search_and_errors():
    rng = np.random.default_rng(0)
    P = rng.standard_normal((20, 4))
    idx, _ = R.dense_search(P[:3] * 2, P, k=1)
    assert idx[:, 0].tolist() == [0, 1, 2]
    with pytest.raises(ValueError, match="dimension mismatch"):
        R.dense_search(P[:, :3], P, k=1)
    with pytest.raises(ValueError, match="NaN"):
        R.dense_search(np.full((1, 4), np.nan), P, k=1)
    with pytest.raises(ValueError, match="larger than"):
        R.dense_search(P, P, k=21)


def test_rrf_matches_hand_computation():
    a = np.array([[0, 1, 2]])
    b = np.array([[2, 0, 3]])
    idx, sc = R.reciprocal_rank_fusion([a, b], k=4, c=0)
    # scores: 0: 1 + 1/2, 2: 1/3 + 1, 1: 1/2, 3: 1/3
    assert idx[0].tolist() == [0, 2, 1, 3]
    assert np.allclose(sc[0], [1.5, 4 / 3, 0.5, 1 / 3])
    with pytest.raises(ValueError, match="shape mismatch"):
        R.reciprocal_rank_fusion([a, np.zeros((2, 3), int)], k=1)
    with pytest.raises(ValueError, match="distinct documents"):
        R.reciprocal_rank_fusion([a], k=4)
    with pytest.raises(ValueError, match="empty"):
        R.reciprocal_rank_fusion([], k=1)
    with pytest.raises(ValueError, match="2-D"):
        R.reciprocal_rank_fusion([np.array([1, 2])], k=1)


def test_maxsim_search_matches_scores():
    rng = np.random.default_rng(1)
    Q = R.TokenVectors([rng.standard_normal((n, 6)) for n in (4, 5)])
    D = R.TokenVectors([rng.standard_normal((n, 6)) for n in (3, 7, 5, 4)])
    idx, sc = R.maxsim_search(Q, D, k=4)
    for i, q in enumerate(Q.vectors):
        want = [R.maxsim_scores(q[1:-1], d[1:-1]) for d in D.vectors]
        assert idx[i, 0] == int(np.argmax(want))
        assert np.allclose(np.sort(want)[::-1], sc[i], atol=1e-5)
    with pytest.raises(ValueError, match="larger than"):
        R.maxsim_search(Q, D, k=5)
    with pytest.raises(ValueError, match="dimension mismatch"):
        R.maxsim_scores(np.ones((2, 3)), np.ones((2, 4)))


def test_pca_truncate():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((50, 8))
    Y = R.pca_truncate(X, 3)
    assert Y.shape == (50, 3) and np.allclose(np.linalg.norm(Y, axis=1), 1, atol=1e-5)
    with pytest.raises(ValueError, match="dims"):
        R.pca_truncate(X, 9)


def test_top2_subsets_on_circle_are_adjacent_pairs():
    ang = 2 * np.pi * np.arange(5) / 5
    got = R.top2_subsets_reachable(np.c_[np.cos(ang), np.sin(ang)], 5000)
    assert got == {(0, 1), (1, 2), (2, 3), (3, 4), (0, 4)}
    with pytest.raises(ValueError, match="at least 2"):
        R.top2_subsets_reachable(np.ones((1, 2)))


def test_all_pairs_qrels():
    Rm = R.all_pairs_qrels(4)
    assert Rm.shape == (6, 4) and (Rm.sum(1) == 2).all() and (Rm.sum(0) == 3).all()
    with pytest.raises(ValueError, match="at least 3"):
        R.all_pairs_qrels(2)


def test_free_embedding_fit_solves_easy_case():
    r = R.free_embedding_fit(4, 4, max_steps=3000, patience=500)
    assert r.solved and r.accuracy == 1.0
    with pytest.raises(ValueError, match="k=2"):
        R.free_embedding_fit(4, 4, k=3)
    with pytest.raises(ValueError, match="d must"):
        R.free_embedding_fit(4, 0)


def test_paper_fit_values():
    assert abs(R.paper_critical_n(512) - 5.0e5) / 5.0e5 < 0.05
    assert abs(R.paper_critical_n(1024) - 4.0e6) / 4.0e6 < 0.05


def test_sweep_reads_stored_file(tmp_path):
    import json
    f = tmp_path / "s.json"
    f.write_text(json.dumps({"settings": {"seeds": [0]}, "results": {"3": {"n_crit": 4, "fits": [[4, 1.0, 10]]}}}))
    out = R.free_embedding_sweep([3], path=f, show_progress=False)
    assert out["results"][3]["n_crit"] == 4
    with pytest.raises(ValueError, match="empty"):
        R.free_embedding_sweep([], path=f)


def test_minilm_tokens_pool_to_sentence_embedding():
    from lib.encoder import ContextualEncoder
    texts = ["Who likes apples?", "Ada Baker likes chess and owls."]
    tv = R.minilm_token_vectors(texts, max_length=128)
    ref = ContextualEncoder(max_length=128).sentence_embeddings(texts)
    assert np.allclose(tv.pooled(), ref, atol=2e-3)   # token vectors are stored as float16


def test_minilm_embed_is_the_sentence_transformer(tmp_cache):
    from lib.models import load_sentence_transformer
    texts = ["Who likes apples?", "Ada Baker likes chess and owls, and a much longer sentence follows here."]
    X = R.minilm_embed(texts)
    ref = load_sentence_transformer().encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    assert X.shape == (2, 384) and X.dtype == np.float32
    np.testing.assert_allclose(X, ref, atol=1e-5)
    layers = R.minilm_layers(texts)                                 # the cached array minilm_embed reads
    assert layers.shape == (7, 2, 384) and len(list(tmp_cache.glob("*.npy"))) == 1
    np.testing.assert_allclose(X * np.linalg.norm(layers[-1], axis=1, keepdims=True), layers[-1], rtol=1e-5, atol=1e-6)
    with pytest.raises(ValueError, match="max_length"):
        R.minilm_embed(texts, max_length=1)
    with pytest.raises(ValueError):
        R.minilm_embed([])


def test_static_minilm_embed_is_the_book_distillation():
    from lib import distill

    texts = ["apples and pears", "chess"]
    X = R.static_minilm_embed(texts)
    assert X.shape == (2, 384) and np.allclose(np.linalg.norm(X, axis=1), 1, atol=1e-4)
    np.testing.assert_array_equal(X, distill.encode(distill.static_model(pca_dims=None, sif_coefficient=1e-4), texts))
    assert R.static_minilm_embed(texts, pca_dims=256).shape == (2, 256)
    with pytest.raises(ValueError, match="empty"):
        R.static_minilm_embed([])
    with pytest.raises(ValueError, match="pca_dims"):
        R.static_minilm_embed(texts, pca_dims=0)


def two_article_corpus():
    docs = []
    for a in range(4):
        paras = [" ".join(f"Art{a} para{i} sentence {j} mentions thing{a}x{i}x{j} among several other words."
                          for j in range(4)) for i in range(3)]
        docs.append("\n\n".join(paras))
    return Corpus("toy4", [f"t{a}" for a in range(4)], docs)


def test_inverse_cloze_task_records_articles():
    task = R.inverse_cloze_task(two_article_corpus(), n_queries=6, min_query_words=5, min_hard_words=1)
    assert task.article.tolist() == [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3]
    for q, rel in zip(task.queries, task.relevant):
        (p,) = rel
        assert q.startswith(f"Art{task.article[p]} ")          # the query comes from its passage's article
    assert R.query_articles(task).tolist() == [task.article[min(r)] for r in task.relevant]
    tq, tp = R.split_by_article(task)
    assert tq.tolist() == (R.query_articles(task) % 2 == 0).tolist() and tp.tolist() == (task.article % 2 == 0).tolist()
    # the article field does not change the task itself
    toy = R.inverse_cloze_task(small_corpus(), n_queries=5, min_query_words=5, min_hard_words=1)
    assert toy.article.tolist() == [0] * 12


def test_article_field_errors():
    with pytest.raises(ValueError, match="shape mismatch"):
        R.RetrievalTask("x", ["a"], ["b", "c"], [{0}], article=[0])
    no_articles = R.RetrievalTask("x", ["a"], ["b"], [{0}])
    assert no_articles.article is None
    with pytest.raises(ValueError, match="does not record"):
        R.split_by_article(no_articles)
    with pytest.raises(ValueError, match="integers"):
        R.split_by_article(R.RetrievalTask("x", ["a"], ["b"], [{0}], article=["wiki"]))


def test_evaluate_run():
    task = R.RetrievalTask("t", ["a", "b"], ["x", "y", "z"], [{0}, {2}])
    res = R.evaluate_run(np.array([[0, 1, 2], [0, 1, 2]]), task, ks=(1, 3), n_boot=50)
    assert abs(res["recall@1"].value - 0.5) < 1e-9 and abs(res["mrr"].value - (1 + 1 / 3) / 2) < 1e-9


def test_part5_checkers_accept_right_and_reject_wrong():
    import itertools
    from lib.exercises import ExerciseError, part5 as ex
    ex.check_circle_pairs(lambda n: n)
    with pytest.raises(ExerciseError, match="reachable"):
        ex.check_circle_pairs(lambda n: n * (n - 1) // 2)
    ex.check_qrels(R.all_pairs_qrels)
    ex.check_extrapolation(R.paper_critical_n)
    with pytest.raises(ExerciseError, match="not implemented"):
        ex.check_extrapolation(None)
    ex.check_maxsim(R.maxsim_scores)
    with pytest.raises(ExerciseError):
        ex.check_maxsim(lambda q, d: float((q @ d.T).max()))
    ex.check_rrf(lambda rs, k, c: R.reciprocal_rank_fusion(rs, k, c)[0])
    ex.check_bytes(lambda d, m, b: m * b / 8, lambda d: 4 * d)
    with pytest.raises(ExerciseError):
        ex.check_bytes(lambda d, m, b: m * b, lambda d: 4 * d)
    from lib.ann import recall_at_k
    ex.check_ann_recall(recall_at_k)
    with pytest.raises(ExerciseError, match="raised"):
        ex.check_pair_recall(lambda r, p, k: 1 / 0)


# --------------------------------------------------------------------------- BEIR
def write_beir(root, name="toy", header=True):
    import json
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
    task = R.load_beir("toy", root=tmp_path)
    assert task.queries == ["what purrs", "dogs that bark"]          # q3 has no positive judgement
    assert task.passages == ["Cats Cats purr.", "Dogs bark.", "Fish Fish swim."]
    assert task.relevant == [{0}, {1, 2}]                         # unknown corpus ids are dropped
    assert task.info["query_ids"] == ["q1", "q2"] and task.info["doc_ids"] == ["d1", "d2", "d3"]
    idx, _ = R.bm25_search(task.queries, task.passages, k=1)
    assert idx[:, 0].tolist() == [0, 1]                           # the same retrievers run on it


def test_load_beir_errors(tmp_path, monkeypatch):
    with pytest.raises(FileNotFoundError, match="download=False"):
        R.load_beir("absent", root=tmp_path, download=False)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(FileNotFoundError, match="offline"):
        R.load_beir("absent", root=tmp_path)                      # no network call is attempted
    with pytest.raises(ValueError, match="BEIR data set name"):
        R.load_beir("../etc", root=tmp_path)
    folder = write_beir(tmp_path, "broken")
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\n")
    with pytest.raises(ValueError, match="3 tab-separated"):
        R.load_beir("broken", root=tmp_path)
    with pytest.raises(FileNotFoundError, match="qrels/dev.tsv"):
        R.load_beir("broken", split="dev", root=tmp_path)
    (folder / "qrels" / "test.tsv").write_text("q3\td3\t0\n")
    with pytest.raises(ValueError, match="no query"):
        R.load_beir("broken", root=tmp_path)
