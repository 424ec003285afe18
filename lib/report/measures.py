"""The measures of the report card, one function per section, each cached and keyed by the encoder's identity.

Every function takes an encoder from :func:`lib.encodings.load_encoder` (a transformer, averaged GloVe or a
model2vec table) and a :class:`Size`, and returns plain data (dicts, lists, floats) with every score as an
:func:`estimate` dictionary ``{"value", "low", "high", "level"}`` (a percentile bootstrap interval). Nothing
is measured here: the measures are the book's own (:mod:`lib.evaluate`, :mod:`lib.senses`,
:mod:`lib.geometry`, :mod:`lib.retrieval`, :mod:`lib.ann`, :mod:`lib.compression`); this module only
chooses the data, the layers and the intervals, and caches the result by :func:`row_key`.

Functions
---------
Size, SIZES            how much of each data set a report uses ("full", "standard", "tiny")
row_key                the cache identity of an encoder (content hash for a model folder)
word_vectors           WordSim-353, SimLex-999 and analogies with static vectors read from the model, by layer
sense_separation       nearest-sense-centroid accuracy, silhouette and purity by layer (Part III ch1's data)
geometry_by_layer      anisotropy (mean cosine of random pairs) and effective rank by layer
retrieval              the inverse cloze task and LIMIT-small: recall@1/2/10, nDCG@1/2/10, MRR@10
compression_kept       what int8, binary (with and without rescoring), PCA and truncation keep of nDCG@10
check_size             a Size from a preset name
ict_task               the inverse cloze task (or its fixed subset) a size uses
"""
from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import lru_cache

import numpy as np
from threadpoolctl import threadpool_limits

from .. import ann, cache, checks, compression, contextual, data, distill, evaluate, geometry, linalg, models, senses, stats
from .. import tasks as tasks_mod
from ..encoder import ContextualEncoder
from ..encodings import wikipedia_sentence_sample
from ..limit_data import limit_small
from ..retrieval import dense_search, evaluate_run

__all__ = ["Size", "SIZES", "estimate", "row_key", "ict_task", "word_vectors", "sense_separation",
           "geometry_by_layer", "retrieval", "compression_kept", "check_size", "KS", "VERSION"]

#: Bumped when a measure changes, so that cached sections are computed again.
VERSION = 2


@dataclass(frozen=True)
class Size:
    """How much of each data set a report uses.

    Attributes
    ----------
    name : str
    ict_queries : int
        Inverse-cloze queries (Part V's task has 1,000).
    ict_passages : int or None
        Keep the first ``ict_passages`` passages of the corpus (``None``: all 3,046, Part V's task).
    limit_queries : int or None
        LIMIT-small queries scored (``None``: all 1,000).
    n_frequent : int
        Frequent words in the static-vector vocabulary; analogies are answered among them.
    analogies : int
        Google analogy questions sampled (seed 0).
    wiki_sentences : int
        Wikipedia sentences for anisotropy and effective rank.
    sense_words : int or None
        Ambiguous words of the sense data whose sentences are used, in the data's order (``None``: all 24).
    speed_texts : int
        Sentences timed for the encoding speed.
    n_boot : int
        Bootstrap resamples of the score intervals (at least 100).
    n_boot_geometry : int
        Resamples for the anisotropy and effective-rank intervals (an SVD each).
    similarity_pairs : int or None
        Sample this many pairs of each similarity set and use only the sampled words as the vocabulary
        (analogies answered among them); ``None``: every pair, and the vocabulary of Part III ch2.
    """

    name: str
    ict_queries: int = 1000
    ict_passages: int | None = None
    limit_queries: int | None = None
    n_frequent: int = 10000
    analogies: int = 1000
    wiki_sentences: int = 500
    sense_words: int | None = None
    speed_texts: int = 512
    n_boot: int = 1000
    n_boot_geometry: int = 100
    similarity_pairs: int | None = None


#: The presets: ``full`` is the book's own sizes, ``standard`` (the default) a fixed subset of the inverse
#: cloze task that keeps mpnet's first report in the tens of minutes on two CPU cores, ``tiny`` for tests.
SIZES = {
    "full": Size("full"),
    "standard": Size("standard", ict_queries=300, ict_passages=800),
    "tiny": Size("tiny", ict_queries=24, ict_passages=60, limit_queries=60, n_frequent=300, analogies=60,
                 wiki_sentences=40, sense_words=6, speed_texts=32, n_boot=100, n_boot_geometry=100, similarity_pairs=40),
}


def estimate(e) -> dict:
    """A :class:`lib.stats.Estimate` as a plain dictionary (for JSON).

    Parameters
    ----------
    e : lib.stats.Estimate

    Returns
    -------
    dict
        ``{"value", "low", "high", "level"}``, floats.

    Examples
    --------
    >>> estimate(stats.Estimate(0.5, 0.4, 0.6))
    {'value': 0.5, 'low': 0.4, 'high': 0.6, 'level': 0.95}
    """
    return {"value": float(e.value), "low": float(e.low), "high": float(e.high), "level": float(e.level)}


def row_key(enc) -> str:
    """The cache identity of an encoder: :meth:`ContextualEncoder.cache_id` (a content hash of a model folder,
    never its name) or the static encoder's kind and settings.

    Parameters
    ----------
    enc : lib.encoder.ContextualEncoder or lib.encodings.StaticEncoder

    Returns
    -------
    str
    """
    if not hasattr(enc, "cache_id"):
        raise TypeError(f"enc must be an encoder from lib.encodings.load_encoder; got {type(enc).__name__}")
    return f"{type(enc).__name__}|{enc.cache_id()}"


def _cached(section: str, enc, size: Size, compute):
    params = {"row": row_key(enc), "size": asdict(size), "version": VERSION}
    return cache.cached_object(f"report-{section}", params, compute)


def _is_contextual(enc) -> bool:
    return isinstance(enc, ContextualEncoder)


# --------------------------------------------------------------------------- word vectors (Part III ch2)
@lru_cache(maxsize=4)
def _word_data(size: Size):
    """The vocabulary, similarity sets, analogy questions and analogy candidate limit of a size."""
    questions = data.google_analogies()
    analogies = questions.sample(min(size.analogies, len(questions.questions)), seed=0)
    sets = (data.wordsim353(), data.simlex999())
    if size.similarity_pairs is None:
        return contextual.static_eval_vocab(size.n_frequent), sets, analogies, size.n_frequent
    rng = np.random.default_rng(0)
    small = []
    for ds in sets:
        keep = sorted(rng.permutation(len(ds.pairs))[:size.similarity_pairs].tolist())
        small.append(data.SimilarityDataset(ds.name, [ds.pairs[i] for i in keep], np.asarray(ds.scores)[keep]))
    words = {w.lower() for ds in small for pair in ds.pairs for w in pair} | {w for q in analogies.questions for w in q}
    return sorted(words), tuple(small), analogies, None


def _score_table(kv, sets, analogies, restrict: int, n_boot: int) -> dict:
    s = evaluate.static_scores(kv, sets, analogies, restrict_vocab=restrict, n_boot=n_boot)
    out = {}
    for name, r in s.similarity.items():
        out[name] = {"spearman": float(r.spearman), "coverage": float(r.coverage),
                     **({"ci": estimate(r.ci)} if r.ci is not None else {})}
    a = s.analogy
    out["analogies"] = {"accuracy": float(a.accuracy), "mrr": float(a.mrr), "coverage": float(a.coverage),
                        **({"ci": estimate(a.ci)} if a.ci is not None else {})}
    return out


def _static_table(enc, vocab):
    if enc.kind == "glove":
        kv = models.load_glove()
        words = [w for w in vocab if w in kv.key_to_index]
        return models.keyed_vectors(words, kv[words])
    m2v = distill.static_model(enc.model, pca_dims=enc.pca_dims, sif_coefficient=enc.sif_coefficient)
    return models.keyed_vectors(vocab, contextual.model2vec_vectors(vocab, m2v))


def word_vectors(enc, size: Size) -> dict:
    """Word similarity and analogies with static vectors read from the model, as in Part III ch2.

    A transformer's words are encoded alone (:func:`lib.contextual.decontextualized_vectors`, sub-word
    pieces mean-pooled) at every layer; a static encoder's table is scored as it is. The vocabulary is
    :func:`lib.contextual.static_eval_vocab` (the ``n_frequent`` most frequent GloVe words and every
    evaluation word); analogies (3CosAdd) are answered among the frequent words.

    Parameters
    ----------
    enc : encoder from :func:`lib.encodings.load_encoder`
    size : Size

    Returns
    -------
    dict
        ``"by_layer"``: one entry per layer (0 = input embeddings) with ``"WordSim-353"``,
        ``"SimLex-999"`` (``spearman``, ``coverage``) and ``"analogies"`` (``accuracy``, ``mrr``,
        ``coverage``); ``"headline"``: the last layer with bootstrap intervals (``ci``);
        ``"headline_layer"``.
    """
    def compute():
        vocab, sets, analogies, restrict = _word_data(size)
        if _is_contextual(enc):
            dec = contextual.decontextualized_vectors(vocab, model=enc.name)
            tables = [models.keyed_vectors(vocab, dec[layer]) for layer in range(dec.shape[0])]
        else:
            tables = [_static_table(enc, vocab)]
        by_layer = [_score_table(kv, sets, analogies, restrict, 0) for kv in tables]
        head = _score_table(tables[-1], sets, analogies, restrict, size.n_boot)
        return {"by_layer": by_layer, "headline": head, "headline_layer": len(tables) - 1,
                "vocabulary": len(vocab), "analogy_questions": len(analogies.questions)}

    return _cached("word-vectors", enc, size, compute)


# --------------------------------------------------------------------------- senses (Part III ch1)
def _sense_data(n_words: int | None):
    d = senses.load_senses()
    words = list(dict.fromkeys(d.words))
    if n_words is None or n_words >= len(words):
        return d
    chosen = set(words[:n_words])
    keep = [i for i, w in enumerate(d.words) if w in chosen]
    return senses.SenseData([d.words[i] for i in keep], [d.senses[i] for i in keep],
                            [d.sentences[i] for i in keep], d.glosses)


def sense_separation(enc, size: Size) -> dict | None:
    """How well a word's contexts separate by sense, at every layer (Part III ch1's data and scores).

    Parameters
    ----------
    enc : encoder from :func:`lib.encodings.load_encoder`
    size : Size

    Returns
    -------
    dict or None
        ``None`` for a static encoder (one vector per word: no context to separate). Otherwise
        ``"by_layer"``: per layer ``"accuracy"`` (leave-one-out nearest-sense-centroid, an estimate
        over sentences), ``"silhouette"`` and ``"purity"`` (macro averages over words); ``"n_sentences"``.
    """
    if not _is_contextual(enc):
        return None

    def compute():
        d = _sense_data(size.sense_words)
        X = senses.sense_vectors(d, model=enc.name)
        rows = []
        for layer in range(X.shape[0]):
            r = senses.sense_scores(X[layer], d.words, d.senses)
            rows.append({"accuracy": estimate(stats.mean_ci(r["correct"].astype(float), size.n_boot)),
                         "silhouette": float(r["silhouette"]), "purity": float(r["purity"])})
        return {"by_layer": rows, "n_sentences": len(d.sentences), "n_words": len(set(d.words))}

    return _cached("senses", enc, size, compute)


# --------------------------------------------------------------------------- geometry (Part IV)
def _layer_vectors(enc, texts) -> np.ndarray:
    if _is_contextual(enc):
        return enc.pool(texts, "mean", layers=None, use_cache=True)
    return enc.sentence_embeddings(texts, normalize=False)[None]


def geometry_by_layer(enc, size: Size) -> dict:
    """Anisotropy and effective rank of mean-pooled sentence vectors at every layer.

    Anisotropy is :func:`lib.geometry.mean_cosine` (random pairs of distinct sentences; 0 for an
    isotropic cloud), effective rank :func:`lib.geometry.effective_rank` (of the uncentred vectors, as
    Part IV ch2), with intervals over the Wikipedia sentences (:func:`lib.encodings.wikipedia_sentence_sample`):
    a percentile bootstrap for the anisotropy, half-sampling (:func:`lib.stats.half_sample`) for the effective
    rank, which duplicated rows would lower.

    Parameters
    ----------
    enc : encoder from :func:`lib.encodings.load_encoder`
    size : Size

    Returns
    -------
    dict
        ``"by_layer"``: per layer ``"anisotropy"`` and ``"effective_rank"`` estimates; ``"dim"``;
        ``"n_sentences"``.
    """
    def compute():
        texts = wikipedia_sentence_sample(size.wiki_sentences)
        X = _layer_vectors(enc, texts).astype(np.float64)
        n, rows = len(texts), []
        with threadpool_limits(1):     # hundreds of small SVDs: threads only add waiting (40x slower on a busy machine)
            for layer in range(X.shape[0]):
                rows.append(_layer_geometry(X[layer], size))
        return {"by_layer": rows, "dim": int(X.shape[-1]), "n_sentences": n}

    return _cached("geometry", enc, size, compute)


def _layer_geometry(V: np.ndarray, size: Size) -> dict:
    """Anisotropy and effective rank of one layer's vectors, with their intervals."""
    # zero rows (a text with no known word, for GloVe) have no cosine
    V = V[np.linalg.norm(V, axis=1) > 0]
    m = len(V)
    return {
        "anisotropy": estimate(stats.bootstrap(lambda i: geometry.mean_cosine(V[i], n_pairs=5000),
                                               m, size.n_boot_geometry)),
        # duplicated rows lower a rank, so its interval comes from half-samples (stats.half_sample)
        "effective_rank": estimate(stats.half_sample(lambda i: geometry.effective_rank(V[i]), m,
                                                     size.n_boot_geometry)),
    }


# --------------------------------------------------------------------------- retrieval (Part V)
@lru_cache(maxsize=4)
def ict_task(n_queries: int = 1000, n_passages: int | None = None) -> tasks_mod.RetrievalTask:
    """Part V's inverse cloze task on the Wikipedia sample, or its fixed subset.

    Parameters
    ----------
    n_queries : int
    n_passages : int, optional
        Only the first ``n_passages`` passages (:func:`lib.tasks.inverse_cloze_task`'s ``max_passages``);
        ``None`` for all 3,046, Part V's task.

    Returns
    -------
    lib.tasks.RetrievalTask
    """
    return tasks_mod.inverse_cloze_task(data.wikipedia(), n_queries=n_queries, seed=0, max_passages=n_passages)


def _limit(n_queries: int | None) -> tasks_mod.RetrievalTask:
    task = limit_small()
    if n_queries is None or n_queries >= len(task.queries):
        return task
    keep = np.random.default_rng(0).permutation(len(task.queries))[:n_queries]
    keep.sort()
    return tasks_mod.RetrievalTask(f"{task.name} ({n_queries} queries)", [task.queries[i] for i in keep],
                                   task.passages, [task.relevant[i] for i in keep], dict(task.info))


def _tasks(size: Size) -> dict:
    return {"inverse cloze": ict_task(size.ict_queries, size.ict_passages), "LIMIT-small": _limit(size.limit_queries)}


def _embed(enc, texts) -> np.ndarray:
    return enc.sentence_embeddings(texts, normalize=True, use_cache=True).astype(np.float32)


#: The cut-offs of the retrieval scores (LIMIT's recall@2, the book's @10).
KS = (1, 2, 10)


def retrieval(enc, size: Size) -> dict:
    """Cosine retrieval with the model's sentence embeddings on the inverse cloze task and LIMIT-small.

    Scores are :func:`lib.retrieval.evaluate_run`'s (recall@k, nDCG@k for k in :data:`KS`, MRR within the
    top 10), each with a bootstrap interval over queries.

    Parameters
    ----------
    enc : encoder from :func:`lib.encodings.load_encoder`
    size : Size

    Returns
    -------
    dict
        Per task name: ``"scores"`` (metric -> estimate), ``"n_queries"``, ``"n_passages"``, ``"info"``.
    """
    def compute():
        out = {}
        for name, task in _tasks(size).items():
            Q, P = _embed(enc, task.queries), _embed(enc, task.passages)
            idx, _ = dense_search(Q, P, k=max(KS))
            scores = evaluate_run(idx, task, ks=KS, n_boot=size.n_boot)
            out[name] = {"scores": {m: estimate(e) for m, e in scores.items()}, "n_queries": len(task.queries),
                         "n_passages": len(task.passages)}
        return out

    return _cached("retrieval", enc, size, compute)


# --------------------------------------------------------------------------- compression (Part VI)
def _kept(per_query: np.ndarray, base: np.ndarray, n_boot: int) -> dict:
    """Share of the float32 nDCG@10 kept, paired over the same test queries."""
    if base.mean() == 0:
        return None
    return estimate(stats.bootstrap(lambda i: per_query[i].mean() / max(base[i].mean(), 1e-12), len(base), n_boot))


def compression_kept(enc, size: Size) -> dict:
    """What int8, binary codes (with and without rescoring) and PCA / truncation to 64 and 128 dimensions keep.

    On the inverse cloze task of :func:`retrieval`: int8 ranges and PCA are fitted on the passages and
    queries of even-numbered articles (:func:`lib.tasks.article_split`), and nDCG@10 is measured on the
    queries of odd-numbered articles against every passage, as in Part VI. Each method's score is the
    share of the float32 nDCG@10 it keeps (``1.0`` = all), with a paired bootstrap interval over the test
    queries. Binary rescoring takes a 40-document Hamming shortlist and re-ranks it by the float32 dot
    product (:func:`lib.ann.rescore`). Methods that do not apply (binary codes of a width not divisible by
    8, reductions to a width the model does not exceed) are ``None``.

    Parameters
    ----------
    enc : encoder from :func:`lib.encodings.load_encoder`
    size : Size

    Returns
    -------
    dict
        ``"float32_ndcg@10"`` (estimate), ``"kept"`` (method -> estimate or None), ``"bytes_per_vector"``
        (method -> int), ``"n_test_queries"``.
    """
    def compute():
        task = ict_task(size.ict_queries, size.ict_passages)
        Q, P = _embed(enc, task.queries), _embed(enc, task.passages)
        train_q, train_p = tasks_mod.article_split(task)
        test = ~train_q
        Qt, rel = Q[test], [task.relevant[i] for i in np.flatnonzero(test)]
        d = Q.shape[1]

        def ndcg(ranked):
            return evaluate.retrieval_scores(ranked, rel, ks=(10,))["ndcg@10"]

        flat = ann.build_index("flat", P)
        base = ndcg(flat.search(Qt, 10)[0])
        kept, nbytes = {}, {"float32": 4 * d}
        i8 = ann.build_index("int8", P, train=P[train_p])
        kept["int8"], nbytes["int8"] = _kept(ndcg(i8.search(Qt, 10)[0]), base, size.n_boot), d
        if d % 8 == 0:
            binary = ann.build_index("binary", P)
            kept["binary"] = _kept(ndcg(binary.search(Qt, 10)[0]), base, size.n_boot)
            shortlist, _ = binary.search(Qt, min(40, len(P)))
            kept["binary + rescore"] = _kept(ndcg(ann.rescore(Qt, shortlist, P, 10)[0]), base, size.n_boot)
            nbytes["binary"] = nbytes["binary + rescore"] = d // 8
        else:
            kept["binary"] = kept["binary + rescore"] = None
        pca = linalg.PCA().fit(np.vstack([Q[train_q], P[train_p]]))
        for k in (64, 128):
            if k < d and k <= len(pca.components_):       # (a tiny task has fewer fitting vectors than k)
                kept[f"PCA {k}"] = _kept(ndcg(dense_search(pca.transform(Qt, k, normalize=True),
                                                           pca.transform(P, k, normalize=True), 10)[0]),
                                         base, size.n_boot)
                kept[f"truncation {k}"] = _kept(ndcg(dense_search(compression.truncate(Qt, k),
                                                                  compression.truncate(P, k), 10)[0]),
                                                base, size.n_boot)
                nbytes[f"PCA {k}"] = nbytes[f"truncation {k}"] = 4 * k
            else:
                kept[f"PCA {k}"] = kept[f"truncation {k}"] = None
        return {"float32_ndcg@10": estimate(stats.mean_ci(base, size.n_boot)), "kept": kept,
                "bytes_per_vector": nbytes, "n_test_queries": int(test.sum()), "dim": int(d)}

    return _cached("compression", enc, size, compute)


def check_size(size) -> Size:
    """A :class:`Size` from a preset name or a Size.

    Parameters
    ----------
    size : str or Size

    Returns
    -------
    Size
    """
    if isinstance(size, Size):
        return size
    return SIZES[checks.choice(size, "size", tuple(SIZES))]
