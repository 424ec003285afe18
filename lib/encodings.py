"""Every cached encoding of a text collection the book reuses, from one place, for any encoder.

A chapter that needs vectors of some texts asks here, so each collection is encoded once per model
(one forward pass gives every layer) and read back from :mod:`lib.cache` by every later chapter.
Every function takes ``model``: the book's default all-MiniLM-L6-v2, the packaged
all-mpnet-base-v2 (``"mpnet"``), a model folder, or a Hugging Face name. Cached results are keyed
by the model's content (:func:`lib.models.model_identity`), never its name. The model itself is
:class:`lib.encoder.ContextualEncoder`; the static distillation is :mod:`lib.distill`.

Functions
---------
get_encoder                   a shared ContextualEncoder per model and truncation (loaded once per process)
wikipedia_sentence_sample     the book's reproducible sample of Wikipedia sentences
wikipedia_sentence_vectors    their pooled vectors of every layer
pooled_all                    mean, CLS and max pooling of every layer from one pass
layer_means, sentence_vectors mean-pooled states of every layer; the sentence-transformers embedding
token_vectors                 last-layer token vectors (late interaction), as :class:`TokenVectors`
task_layers, task_embeddings  the same for a retrieval task's queries and passages
static_vectors                a model2vec distillation of the model applied to texts
StaticEncoder, load_encoder   static encoders (averaged GloVe, model2vec) behind the contextual encoder's calls

Parameters shared by the functions
----------------------------------
model : str
    Any encoder :func:`get_encoder` loads; default the book's MiniLM (:data:`DEFAULT_MODEL`).
max_length : int
    Truncation in tokens, at least 2; default ``None``, the model's own configured length (its
    sentence-transformers ``max_seq_length``: 256 for MiniLM, 384 for mpnet). Longer texts are cut,
    with a :class:`lib.encoder.TruncationWarning` that says how many and how long.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from . import cache, checks, distill, linalg
from .evaluate import average_word_vectors
from .models import load_glove
from .data import tokenize, wikipedia
from .encoder import ContextualEncoder

DEFAULT_MODEL = "all-MiniLM-L6-v2"

__all__ = ["DEFAULT_MODEL", "StaticEncoder", "load_encoder", "get_encoder", "wikipedia_sentence_sample",
           "wikipedia_sentence_vectors", "pooled_all", "TokenVectors", "token_vectors", "layer_means",
           "sentence_vectors", "task_layers", "task_embeddings", "static_vectors"]


def _length(max_length):
    return None if max_length is None else checks.integer(max_length, "max_length", lo=2)


def get_encoder(model: str = DEFAULT_MODEL, max_length: int | None = None):
    """A shared :class:`~lib.encoder.ContextualEncoder` for ``model`` (loaded once per process).

    Parameters
    ----------
    model : str
        ``"all-MiniLM-L6-v2"`` or ``"all-mpnet-base-v2"`` (packaged, offline), a model folder, or a
        Hugging Face name.
    max_length : int, optional
        Truncation in tokens; default the model's own configuration.

    Returns
    -------
    lib.encoder.ContextualEncoder
    """
    return _shared_encoder(str(model), _length(max_length))


@lru_cache(maxsize=8)
def _shared_encoder(model: str, max_length: int | None) -> ContextualEncoder:
    return ContextualEncoder(model, max_length=max_length)


def wikipedia_sentence_sample(n: int = 1000, seed: int = 0, min_words: int = 8,
                              max_words: int = 40) -> list[str]:
    """A reproducible random sample of ``n`` sentences from the Wikipedia sample corpus.

    Sentences with ``min_words``..``max_words`` tokens are eligible (short fragments and
    run-on lists are dropped); the same ``(n, seed, min_words, max_words)`` always gives
    the same sentences in the same order, and a smaller ``n`` gives a prefix of a larger one.

    Parameters
    ----------
    n : int
        Sentences to draw, at most the number eligible.
    seed : int
    min_words, max_words : int
        Eligible lengths in :func:`lib.data.tokenize` tokens, ``1 <= min_words <= max_words``.

    Returns
    -------
    list of str, length n
    """
    checks.integer(n, "n", lo=1)
    if not 1 <= min_words <= max_words:
        raise ValueError(f"need 1 <= min_words <= max_words; got {min_words}, {max_words}")
    sents = [s for _, s in wikipedia().sentences(min_words=min_words) if len(tokenize(s)) <= max_words]
    if n > len(sents):
        raise ValueError(f"n={n} is larger than the {len(sents)} eligible sentences")
    order = np.random.default_rng(seed).permutation(len(sents))
    return [sents[i] for i in order[:n]]


def wikipedia_sentence_vectors(n: int = 1000, seed: int = 0, pooling: str = "mean",
                               layers=None, normalize: bool = False, model: str = DEFAULT_MODEL) -> np.ndarray:
    """Pooled vectors of :func:`wikipedia_sentence_sample` for every layer (cached on disk).

    Parameters
    ----------
    n, seed : int
        Which sample (see :func:`wikipedia_sentence_sample`).
    pooling : {"mean", "cls", "max"}
    layers : int, list of int, or None
        ``None`` for every layer (0 = input embeddings).
    normalize : bool
        Unit-normalise each vector.
    model : str
        The encoder (see :func:`get_encoder`).

    Returns
    -------
    ndarray of float32
        ``(n_layers + 1, n, d)`` for ``layers=None``, ``(n, d)`` for an int layer.
    """
    texts = wikipedia_sentence_sample(n, seed)
    return get_encoder(model).pool(texts, pooling=pooling, layers=layers, normalize=normalize,
                                   use_cache=True)


def pooled_all(texts: Sequence[str], model: str = DEFAULT_MODEL, show_progress: bool | None = None) -> dict:
    """Mean, CLS and max pooling of every layer from a single forward pass (cached).

    Mean pooling includes the special tokens, as sentence-transformers and
    :meth:`ContextualEncoder.pool` do; the results equal ``encoder.pool(texts, p)``.

    Parameters
    ----------
    texts : list of str
    model : str
        The encoder (see :func:`get_encoder`).
    show_progress : bool, optional
        A progress bar; default on for long inputs.

    Returns
    -------
    dict of str -> ndarray of float32, shape (n_layers + 1, n_texts, d)
        Keys ``"mean"``, ``"cls"``, ``"max"``.
    """
    texts = checks.texts(texts)
    enc = get_encoder(model)

    enc.check_length(texts)   # before the cache, so a warm run says it too

    def compute():
        pooled = enc.pool_all(texts, show_progress=show_progress, warn_cut=False)
        return np.stack([pooled["mean"], pooled["cls"], pooled["max"]])

    arr = cache.cached_array("pooled-all", {"model": enc.cache_id(), "texts": texts, "v": 2}, compute)
    return {"mean": arr[0], "cls": arr[1], "max": arr[2]}


@dataclass
class TokenVectors:
    """Last-layer MiniLM vectors of every token of each text (padding removed).

    Attributes
    ----------
    vectors : list of ndarray, each of shape (n_tokens_i, d)
        Special tokens ``[CLS]`` and ``[SEP]`` included.
    """

    vectors: list

    def pooled(self, normalize: bool = True) -> np.ndarray:
        """Mean over each text's tokens: the sentence-transformers embedding, shape ``(n, d)``."""
        X = np.stack([v.mean(0) for v in self.vectors]).astype(np.float32)
        return linalg.unit(X) if normalize else X

    def __len__(self) -> int:
        return len(self.vectors)


def token_vectors(texts: Sequence[str], model: str = DEFAULT_MODEL, max_length: int | None = None,
                  show_progress: bool | None = None) -> TokenVectors:
    """Last-layer token vectors of each text, cached on disk (keyed by the model's identity).

    One forward pass gives both a single vector (:meth:`TokenVectors.pooled`, equal to
    ``SentenceTransformer.encode`` at the same truncation for a mean-pooling model) and the
    token vectors that late interaction (:func:`lib.retrieval.maxsim_search`) needs.

    Parameters
    ----------
    texts : list of str
    model, max_length
        As in the module docstring.
    show_progress : bool, optional

    Returns
    -------
    TokenVectors
        One ``(n_tokens_i, d)`` float32 array per text, special tokens included.
    """
    texts = checks.texts(texts)
    enc = get_encoder(model, _length(max_length))
    return TokenVectors(enc.token_vectors(texts, show_progress, use_cache=True))


def layer_means(texts: Sequence[str], model: str = DEFAULT_MODEL, max_length: int | None = None,
                show_progress: bool | None = None) -> np.ndarray:
    """Mean-pooled states of every layer of ``model`` (0 = input embeddings), cached.

    The one cached encoding of a text collection that :func:`sentence_vectors` and
    :func:`task_layers` both read: one forward pass gives every layer.

    Parameters
    ----------
    texts : list of str
    model, max_length
        As in the module docstring.
    show_progress : bool, optional

    Returns
    -------
    ndarray of float32, shape (n_layers + 1, len(texts), d)
        Not normalised; (7, n, 384) for MiniLM, (13, n, 768) for mpnet.
    """
    texts = checks.texts(texts)
    enc = get_encoder(model, _length(max_length))
    return enc.pool(texts, "mean", layers=None, show_progress=show_progress, use_cache=True)


def sentence_vectors(texts: Sequence[str], model: str = DEFAULT_MODEL, max_length: int | None = None) -> np.ndarray:
    """Sentence embeddings (mean pooling of the last layer, unit norm), cached.

    The last layer of :func:`layer_means`, normalised: equal to
    ``SentenceTransformer.encode(texts, normalize_embeddings=True)`` at the same truncation for the
    book's mean-pooling sentence-transformers (MiniLM, mpnet).

    Parameters
    ----------
    texts : list of str
    model, max_length
        As in the module docstring.

    Returns
    -------
    ndarray of float32, shape (len(texts), d)
    """
    return linalg.unit(layer_means(texts, model, max_length)[-1])


def _task_texts(task) -> tuple[list[str], list[str]]:
    queries, passages = getattr(task, "queries", None), getattr(task, "passages", None)
    if queries is None or passages is None:
        raise ValueError(f"task must have queries and passages (a lib.tasks.RetrievalTask); got {type(task).__name__}")
    return checks.texts(queries, "queries"), checks.texts(passages, "passages")


def task_layers(task, model: str = DEFAULT_MODEL, max_length: int | None = None,
                show_progress: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean-pooled states of every layer for a retrieval task's queries and passages (cached).

    :func:`layer_means` of the queries and of the passages, the cached encoding that
    :func:`sentence_vectors` reads too, so the whole book shares one encoding of Part V's task
    (for its 4,046 texts and MiniLM, about a minute on two CPU cores the first time).

    Parameters
    ----------
    task : lib.tasks.RetrievalTask
    model, max_length
        As in the module docstring.
    show_progress : bool, optional

    Returns
    -------
    query_layers : ndarray, shape (n_layers + 1, n_queries, d)
    passage_layers : ndarray, shape (n_layers + 1, n_passages, d)
        Not normalised; layer 0 is the input embeddings, layer -1 normalised is the
        sentence-transformers embedding (:func:`sentence_vectors`).
    """
    queries, passages = _task_texts(task)
    return (layer_means(queries, model, max_length, show_progress),
            layer_means(passages, model, max_length, show_progress))


def task_embeddings(task, layer: int = -1, model: str = DEFAULT_MODEL,
                    max_length: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Unit-normalised query and passage vectors of one layer (from :func:`task_layers`).

    Parameters
    ----------
    task : lib.tasks.RetrievalTask
    layer : int
        0 (input embeddings) .. n_layers, or negative from the end; -1 is the sentence embedding.
    model, max_length
        As in the module docstring.

    Returns
    -------
    queries : ndarray of float32, shape (n_queries, d)
    passages : ndarray of float32, shape (n_passages, d)
    """
    ql, pl = task_layers(task, model, max_length)
    n = ql.shape[0]
    checks.integer(layer, "layer", -n, n - 1)
    return linalg.unit(ql[layer]), linalg.unit(pl[layer])


def static_vectors(texts: Sequence[str], model: str = DEFAULT_MODEL, pca_dims: int | None = None,
                   sif_coefficient: float | None = 1e-4) -> np.ndarray:
    """model2vec static embeddings of texts, from the book's distillation of ``model``.

    A thin wrapper of :func:`lib.distill.static_model` (model2vec's ``distill``: every token through
    the model alone, cached once) and :func:`lib.distill.encode`: the unit-normalised mean of the
    texts' token rows (zero for a text with no token). Part V uses MiniLM's without PCA
    (``pca_dims=None``) and with model2vec's default SIF weighting; ``pca_dims=256`` gives
    model2vec's default model.

    Parameters
    ----------
    texts : list of str
    model : str
        The encoder to distil; default the book's MiniLM.
    pca_dims : int, optional
        ``None`` keeps the model's own width.
    sif_coefficient : float, optional
        model2vec's SIF weighting of token rows; ``None`` for plain means.

    Returns
    -------
    ndarray of float32, shape (len(texts), pca_dims or d)
    """
    texts = checks.texts(texts)
    return distill.encode(_shared_static(str(model), pca_dims, sif_coefficient), texts)


@lru_cache(maxsize=8)
def _shared_static(model: str, pca_dims: int | None, sif_coefficient: float | None):
    """The distilled table of ``model`` with these settings, built once per process (as :func:`get_encoder`)."""
    return distill.static_model(model, pca_dims=pca_dims, sif_coefficient=sif_coefficient)


_STATIC_KINDS = ("glove", "model2vec")


class StaticEncoder:
    """A static sentence encoder with the calls of :class:`~lib.encoder.ContextualEncoder` that need no layers.

    Static vectors have one "layer": a table row per word or token, averaged over the text. Putting them
    behind ``sentence_embeddings(texts)`` lets an analysis (a retrieval run, a report) take GloVe, a
    model2vec table or a transformer alike.

    Parameters
    ----------
    kind : {"glove", "model2vec"}
        ``"glove"``: the mean of GloVe 6B 50d vectors of the text's words (:func:`lib.evaluate.average_word_vectors`);
        ``"model2vec"``: :func:`static_vectors`, the model2vec distillation of ``model``.
    model : str
        The encoder distilled for ``"model2vec"`` (ignored for ``"glove"``).
    pca_dims : int, optional
        model2vec's PCA width; ``None`` keeps the model's.
    sif_coefficient : float, optional
        model2vec's SIF weighting; ``None`` for plain means.

    Examples
    --------
    >>> enc = StaticEncoder("glove")
    >>> enc.sentence_embeddings(["a cat", "a dog"]).shape, enc.n_layers
    ((2, 50), 0)
    """

    n_layers = 0
    pooling = "mean"

    def __init__(self, kind: str = "model2vec", model: str = DEFAULT_MODEL, pca_dims: int | None = None,
                 sif_coefficient: float | None = 1e-4):
        self.kind = checks.choice(kind, "kind", _STATIC_KINDS)
        self.model, self.pca_dims, self.sif_coefficient = model, pca_dims, sif_coefficient
        self.name = "GloVe 6B 50d (average)" if kind == "glove" else f"model2vec of {model}"

    @property
    def dim(self) -> int:
        """Width of the sentence vectors."""
        if self.kind == "glove":
            return _glove().vector_size
        return int(distill.static_model(self.model, pca_dims=self.pca_dims, sif_coefficient=self.sif_coefficient).dim)

    def cache_id(self) -> str:
        """A name for cache keys: the kind and its settings (the distilled model by its identity)."""
        if self.kind == "glove":
            return "glove-6b-50d|average"
        return f"model2vec|{get_encoder(self.model).cache_id()}|{self.pca_dims}|{self.sif_coefficient}"

    def sentence_embeddings(self, texts: Sequence[str], normalize: bool = True, show_progress: bool | None = None,
                            use_cache: bool = False) -> np.ndarray:
        """Unit-length (with ``normalize``) sentence vectors; a text with no known word gives zeros.

        Parameters
        ----------
        texts : list of str
        normalize : bool
        show_progress, use_cache
            Accepted for the contextual encoder's signature; static vectors are computed at once.

        Returns
        -------
        ndarray of float32, shape (n_texts, dim)
        """
        texts = checks.texts(texts)
        if self.kind == "glove":
            X, _ = average_word_vectors(_glove(), texts)
            return linalg.unit(X) if normalize else X
        X = static_vectors(texts, self.model, self.pca_dims, self.sif_coefficient)   # model2vec normalises in float16
        return linalg.unit(X) if normalize else X

    def __repr__(self) -> str:
        return f"StaticEncoder({self.kind!r}, model={self.model!r})" if self.kind == "model2vec" else "StaticEncoder('glove')"


@lru_cache(maxsize=1)
def _glove():
    return load_glove()


def load_encoder(spec: str = DEFAULT_MODEL):
    """Any of the book's encoders from one name: a transformer, averaged GloVe, or a model2vec table.

    Parameters
    ----------
    spec : str
        ``"glove"`` (averaged GloVe 6B 50d), ``"static"`` (model2vec of the book's MiniLM) or
        ``"static:<model>"`` (model2vec of another encoder), else a model name or folder for
        :func:`get_encoder` (``"all-MiniLM-L6-v2"``, ``"mpnet"``, a path, a Hugging Face name).

    Returns
    -------
    lib.encoder.ContextualEncoder or StaticEncoder
        Both have ``name``, ``dim``, ``n_layers``, ``pooling``, ``cache_id()`` and ``sentence_embeddings(texts)``.
    """
    if not isinstance(spec, str) or not spec:
        raise TypeError(f"spec must be a model name or path (str); got {spec!r}")
    if spec == "glove":
        return StaticEncoder("glove")
    if spec == "static" or spec.startswith("static:"):
        return StaticEncoder("model2vec", spec.partition(":")[2] or DEFAULT_MODEL)
    return get_encoder(spec)
