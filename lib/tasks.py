"""Retrieval tasks: queries, a passage collection, and the relevant passages of each query (Part V).

* :class:`RetrievalTask` holds a task; every retriever of :mod:`lib.retrieval` runs on one and
  :func:`lib.retrieval.evaluate_run` scores a run against it.
* :func:`inverse_cloze_task` builds a query/passage task from the Wikipedia sample
  (Chang et al. 2020); it records each passage's article, :func:`query_articles` gives the
  article of each query and :func:`article_split` splits the task into fitting and test
  halves by article (Part VI).
* :func:`load_beir` reads a BEIR data set (SciFact...) from :func:`beir_dir` when it is on disk
  or a network is present.
* LIMIT's tasks ("Who likes X?", Weller et al. 2025) are in :mod:`lib.limit_data`: the released
  LIMIT-small (:func:`lib.limit_data.limit_small`) and the generator (:func:`lib.limit_data.limit_dataset`).
"""
from __future__ import annotations

import io
import json
import numbers
import os
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from . import cache, checks
from .data import split_sentences, tokenize

__all__ = ["RetrievalTask", "strip_overlap", "inverse_cloze_task", "query_articles", "article_split",
           "BEIR_URL", "beir_dir", "load_beir", ]


def _text_list(value, name: str) -> list[str]:
    """A non-empty list of strings; unlike :func:`lib.checks.texts`, a lone string is an error here."""
    if isinstance(value, str):
        raise TypeError(f"{name} must be a list of strings; got a single str {value[:40]!r}")
    return checks.texts(value, name)


def _relevance_sets(relevant, n_passages: int) -> list[set]:
    """Each query's relevant passage ids as a non-empty set of ints in ``0..n_passages-1``."""
    if relevant is None or isinstance(relevant, (str, bytes, dict, set, frozenset)) or not hasattr(relevant, "__iter__"):
        raise TypeError(f"relevant must be a list with one set of passage ids per query; got {type(relevant).__name__}")
    out = []
    for i, r in enumerate(relevant):
        if isinstance(r, (str, bytes, dict)) or not isinstance(r, (set, frozenset, list, tuple, np.ndarray)):
            raise TypeError(f"relevant[{i}] must be a set of passage ids (e.g. {{3}}); got {type(r).__name__} {r!r}")
        ids = list(r.tolist() if isinstance(r, np.ndarray) else r)
        bad = [v for v in ids if isinstance(v, bool) or not isinstance(v, (numbers.Integral, np.integer))]
        if bad:
            raise TypeError(f"relevant[{i}] holds {bad[0]!r}; passage ids must be integers")
        if not ids:
            raise ValueError(f"query {i} has no relevant passage (relevant[{i}] is empty)")
        ids = {int(v) for v in ids}
        if min(ids) < 0 or max(ids) >= n_passages:
            worst = min(ids) if min(ids) < 0 else max(ids)
            raise ValueError(f"query {i} points to passage {worst} but there are {n_passages} passages "
                             f"(ids 0..{n_passages - 1})")
        out.append(ids)
    return out


@dataclass
class RetrievalTask:
    """Queries, a passage collection, and the relevant passages of each query.

    Parameters
    ----------
    name : str
    queries : list of str
        One string per query (a lone string is rejected: it is not a list of queries).
    passages : list of str
    relevant : list of set of int
        For each query, the ids (indices into ``passages``) of its relevant passages; at least one.
        Lists and tuples are accepted and stored as sets.
    info : dict
        How the task was built (source, sizes, options).
    article : array_like, shape (n_passages,), optional
        The document (e.g. Wikipedia article) each passage comes from, where the task knows
        it (:func:`inverse_cloze_task` fills it): split queries by article, not at random,
        so that no article is on both sides of a train/test split.

    Raises
    ------
    TypeError
        ``queries`` or ``passages`` not a list of strings, ``relevant`` not a list of sets of ints.
    ValueError
        Empty lists, a query without a relevant passage, an id outside ``0..n_passages-1``, or
        lengths that do not match.

    Examples
    --------
    >>> task = RetrievalTask("toy", ["cats?", "dogs?"], ["a cat", "a dog", "a cow"], [{0}, [1, 2]])
    >>> task, task.relevant
    (RetrievalTask('toy', 2 queries, 3 passages), [{0}, {1, 2}])
    >>> RetrievalTask("toy", ["cats?"], ["a cat"], [0])
    Traceback (most recent call last):
    ...
    TypeError: relevant[0] must be a set of passage ids (e.g. {3}); got int 0
    """

    name: str
    queries: list[str]
    passages: list[str]
    relevant: list[set]
    info: dict = field(default_factory=dict)
    article: np.ndarray | None = field(default=None, repr=False)

    def __post_init__(self):
        self.queries = _text_list(self.queries, "queries")
        self.passages = _text_list(self.passages, "passages")
        self.relevant = _relevance_sets(self.relevant, len(self.passages))
        if len(self.relevant) != len(self.queries):
            raise ValueError(f"shape mismatch: {len(self.queries)} queries but {len(self.relevant)} relevance sets")
        if self.article is not None:
            self.article = np.asarray(self.article)
            if self.article.shape != (len(self.passages),):
                raise ValueError(f"shape mismatch: {len(self.passages)} passages but article has shape {self.article.shape}")

    def __repr__(self) -> str:
        return f"RetrievalTask({self.name!r}, {len(self.queries)} queries, {len(self.passages)} passages)"


def strip_overlap(query: str, passage: str) -> str:
    """``query`` without the words (lowercased tokens) that also occur in ``passage``.

    Parameters
    ----------
    query, passage : str

    Returns
    -------
    str
        The remaining query tokens (:func:`lib.data.tokenize`), joined by spaces.

    Examples
    --------
    >>> strip_overlap("Where do cats sleep?", "Cats sleep on mats.")
    'where do'
    """
    for name, v in (("query", query), ("passage", passage)):
        if not isinstance(v, str):
            raise TypeError(f"{name} must be a str; got {type(v).__name__}")
    seen = set(tokenize(passage))
    return " ".join(w for w in tokenize(query) if w not in seen)


def inverse_cloze_task(corpus, n_queries: int = 1000, seed: int = 0, min_sentences: int = 3,
                       max_sentences: int = 8, min_query_words: int = 8, min_hard_words: int = 3,
                       max_passages: int | None = None, hard: bool = False) -> RetrievalTask:
    """The inverse cloze task of Chang et al. (2020) on a :class:`lib.data.Corpus`.

    Every paragraph with ``min_sentences``..``max_sentences`` sentences is a passage. For
    ``n_queries`` of them (drawn with ``seed``), one sentence (not the first) is held out: it
    becomes the query and is removed from its passage, which is the one relevant passage.
    Only sentences of at least ``min_query_words`` words that keep at least
    ``min_hard_words`` words in the hard variant are eligible, so both variants share the
    same queries.

    Parameters
    ----------
    corpus : lib.data.Corpus
        Paragraphs of at least 10 words are candidate passages.
    n_queries : int
        Queries (and passages that lose a sentence), at least 1.
    seed : int
    min_sentences, max_sentences : int
        Sentence counts of an eligible paragraph.
    min_query_words : int
        Shortest held-out sentence, in tokens.
    min_hard_words : int
        Tokens a held-out sentence must keep in the hard variant.
    max_passages : int, optional
        Keep only the first ``max_passages`` passages (the query passages are drawn among them).
    hard : bool
        The harder variant: every query word that still occurs in its passage is removed
        (:func:`strip_overlap`), so lexical overlap no longer gives the answer away.

    Returns
    -------
    RetrievalTask
        One relevant passage per query; ``article`` holds each passage's article id.
    """
    n_queries = checks.integer(n_queries, "n_queries", lo=1)
    min_sentences = checks.integer(min_sentences, "min_sentences", lo=2)
    max_sentences = checks.integer(max_sentences, "max_sentences", lo=min_sentences)
    min_query_words = checks.integer(min_query_words, "min_query_words", lo=1)
    min_hard_words = checks.integer(min_hard_words, "min_hard_words", lo=0)
    paras = list(corpus.paragraphs(min_words=10))
    cands = [(a, split_sentences(p)) for a, p in paras]
    cands = [(a, s) for a, s in cands if min_sentences <= len(s) <= max_sentences]
    if max_passages is not None:
        max_passages = checks.integer(max_passages, "max_passages", lo=1)
        cands = cands[:max_passages]
    articles = np.asarray([a for a, _ in cands])
    cands = [s for _, s in cands]
    rng = np.random.default_rng(seed)
    eligible = []
    for i, sents in enumerate(cands):
        opts = []
        for j in range(1, len(sents)):
            rest = " ".join(sents[:j] + sents[j + 1:])
            if len(tokenize(sents[j])) >= min_query_words and len(tokenize(strip_overlap(sents[j], rest))) >= min_hard_words:
                opts.append(j)
        if opts:
            eligible.append((i, opts))
    if n_queries > len(eligible):
        raise ValueError(f"n_queries={n_queries} is larger than the number of eligible passages ({len(eligible)})")
    chosen = rng.choice(len(eligible), n_queries, replace=False)
    passages = [" ".join(s) for s in cands]
    queries, relevant = [], []
    for c in sorted(chosen):
        i, opts = eligible[c]
        j = int(opts[rng.integers(len(opts))])
        sents = cands[i]
        rest = " ".join(sents[:j] + sents[j + 1:])
        passages[i] = rest
        queries.append(strip_overlap(sents[j], rest) if hard else sents[j])
        relevant.append({i})
    name = "inverse cloze (hard)" if hard else "inverse cloze"
    return RetrievalTask(name, queries, passages, relevant, {
        "source": getattr(corpus, "name", "corpus"), "n_queries": n_queries, "n_passages": len(passages),
        "seed": seed, "hard": hard, "min_sentences": min_sentences, "max_sentences": max_sentences,
    }, article=articles)


def query_articles(task: RetrievalTask) -> np.ndarray:
    """The article of each query (that of its first relevant passage).

    Parameters
    ----------
    task : RetrievalTask
        A task that records ``article`` (:func:`inverse_cloze_task`).

    Returns
    -------
    ndarray, shape (n_queries,)
        The dtype of ``task.article``.
    """
    if not isinstance(task, RetrievalTask):
        raise TypeError(f"task must be a RetrievalTask; got {type(task).__name__}")
    if task.article is None:
        raise ValueError(f"{task!r} does not record the article of its passages")
    return np.asarray([task.article[min(r)] for r in task.relevant])


def article_split(task: RetrievalTask) -> tuple[np.ndarray, np.ndarray]:
    """Train/test masks by article parity: ``(train_queries, train_passages)``.

    Queries and passages of even-numbered articles are for fitting (PCA, a head, int8
    ranges); the queries of odd-numbered articles are the test queries (``~train_queries``),
    so no test query's article is seen in fitting. Searches still run over all passages.

    Parameters
    ----------
    task : RetrievalTask
        A task with integer ``article`` ids (:func:`inverse_cloze_task`).

    Returns
    -------
    train_queries : ndarray of bool, shape (n_queries,)
    train_passages : ndarray of bool, shape (n_passages,)

    Examples
    --------
    >>> task = RetrievalTask("t", ["q0", "q1"], ["p0", "p1", "p2"], [{0}, {2}], article=[4, 4, 7])
    >>> [m.tolist() for m in article_split(task)]
    [[True, False], [True, True, False]]
    """
    qa = query_articles(task)
    if not np.issubdtype(task.article.dtype, np.integer):
        raise ValueError(f"article ids must be integers to split by parity; got dtype {task.article.dtype}")
    return qa % 2 == 0, task.article % 2 == 0


# --------------------------------------------------------------------------- BEIR
BEIR_URL = "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/{name}.zip"


def _read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def beir_dir(name: str, root: str | Path | None = None) -> Path:
    """Where :func:`load_beir` looks for (and downloads) the BEIR data set ``name``.

    ``root`` defaults to ``<cache>/beir`` (:func:`lib.cache.cache_dir`); the data set is the
    folder ``root/name`` with BEIR's own layout: ``corpus.jsonl``, ``queries.jsonl`` and
    ``qrels/<split>.tsv``.

    Parameters
    ----------
    name : str
        A BEIR data set name such as ``"scifact"``.
    root : str or Path, optional

    Returns
    -------
    pathlib.Path
    """
    if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
        raise ValueError(f"name must be a BEIR data set name such as 'scifact'; got {name!r}")
    return Path(root if root is not None else cache.cache_dir() / "beir") / name


def _download_beir(name: str, target: Path, timeout: float) -> None:
    if os.environ.get("HF_HUB_OFFLINE") == "1" or os.environ.get("HF_DATASETS_OFFLINE") == "1":
        raise FileNotFoundError(
            f"BEIR data set {name!r} is not at {target} and this session is offline "
            "(HF_HUB_OFFLINE=1 / HF_DATASETS_OFFLINE=1): unset them on a machine with a network, "
            f"or unzip {BEIR_URL.format(name=name)} into {target.parent}")
    url = BEIR_URL.format(name=name)
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            blob = response.read()
    except (urllib.error.URLError, OSError) as err:
        raise FileNotFoundError(f"BEIR data set {name!r} is not at {target} and {url} could not be "
                                f"downloaded ({err}); unzip it into {target.parent} by hand") from err
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        z.extractall(target.parent)          # the zip holds the folder <name>/


def _read_qrels_tsv(path: Path):
    """``(query-id, corpus-id, score)`` rows of BEIR's ``qrels/<split>.tsv`` (a header row is skipped)."""
    with open(path, encoding="utf-8") as f:
        for line_no, line in enumerate(f):
            cols = line.rstrip("\n").split("\t")
            if line_no == 0 and not cols[-1].lstrip("-").isdigit():
                continue                                     # header row
            if len(cols) != 3:
                raise ValueError(f"{path} line {line_no + 1}: expected 3 tab-separated columns "
                                 f"(query-id, corpus-id, score); got {len(cols)}")
            yield cols[0], cols[1], int(cols[2])


def _read_qrels_jsonl(path: Path):
    """The same rows from MTEB's JSON-lines layout (``query-id``, ``corpus-id``, ``score`` per line)."""
    for i, row in enumerate(_read_jsonl(path)):
        try:
            yield str(row["query-id"]), str(row["corpus-id"]), int(row["score"])
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"{path} line {i + 1}: expected query-id, corpus-id and an integer score; got {row}") from exc


def load_beir(name: str = "scifact", split: str = "test", root: str | Path | None = None,
              download: bool = True, timeout: float = 60.0) -> RetrievalTask:
    """A BEIR data set (Thakur et al. 2021) as a :class:`RetrievalTask`.

    Reads BEIR's layout under :func:`beir_dir`: each corpus entry's ``title`` and ``text``
    joined are a passage, each query with at least one positive judgement in
    ``qrels/<split>.tsv`` (score > 0) is a query. When the folder is missing and ``download``
    is true the zip is fetched from BEIR's public mirror; offline (``HF_HUB_OFFLINE=1``,
    as in this book's tests) a missing data set raises :class:`FileNotFoundError` saying
    what to do, rather than hanging.

    Parameters
    ----------
    name : str
        The data set (:func:`beir_dir`).
    split : str
        Which ``qrels/<split>.tsv`` to read (``"test"``, ``"dev"``, ``"train"``).
    root : str or Path, optional
        Folder holding the data sets; default ``<cache>/beir``.
    download : bool
        Fetch a missing data set (never offline).
    timeout : float
        Seconds to wait for the download.

    Returns
    -------
    RetrievalTask
        ``info`` holds the BEIR ``query_ids`` and ``doc_ids`` in task order.

    Examples
    --------
    >>> task = load_beir("scifact")    # doctest: +SKIP
    >>> task                           # doctest: +SKIP
    RetrievalTask('BEIR scifact (test)', 300 queries, 5183 passages)
    """
    folder = beir_dir(name, root)
    if not (folder / "corpus.jsonl").exists():
        if not download:
            raise FileNotFoundError(f"BEIR data set {name!r} not found at {folder} (download=False)")
        _download_beir(name, folder, timeout)
    tsv, jsonl = folder / "qrels" / f"{split}.tsv", folder / "qrels.jsonl"
    for part in ("corpus.jsonl", "queries.jsonl"):
        if not (folder / part).exists():
            raise FileNotFoundError(f"BEIR data set {name!r} at {folder} has no {part}")
    if not tsv.exists() and not jsonl.exists():
        raise FileNotFoundError(f"BEIR data set {name!r} at {folder} has no qrels/{split}.tsv (nor MTEB's qrels.jsonl)")
    corpus = _read_jsonl(folder / "corpus.jsonl")
    doc_index = {str(d["_id"]): i for i, d in enumerate(corpus)}
    passages = [" ".join(t for t in (d.get("title", ""), d.get("text", "")) if t) for d in corpus]
    query_text = {str(q["_id"]): q["text"] for q in _read_jsonl(folder / "queries.jsonl")}
    rel: dict[str, set] = {}
    for qid, did, score in (_read_qrels_tsv(tsv) if tsv.exists() else _read_qrels_jsonl(jsonl)):
        if score > 0 and did in doc_index and qid in query_text:
            rel.setdefault(qid, set()).add(doc_index[did])
    if not rel:
        raise ValueError(f"BEIR data set {name!r}: no query of split {split!r} has a relevant passage in the corpus")
    qids = sorted(rel)
    return RetrievalTask(f"BEIR {name} ({split})", [query_text[q] for q in qids], passages,
                         [rel[q] for q in qids], {"source": f"BEIR {name}", "split": split, "path": str(folder),
                                                   "query_ids": qids, "doc_ids": [str(d["_id"]) for d in corpus]})
