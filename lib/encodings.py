"""Every cached encoding of a text collection the book reuses, from one place.

A chapter that needs MiniLM vectors of some texts asks here, so each collection is encoded once
(one forward pass gives every layer) and read back from :mod:`lib.cache` by every later chapter.
The model itself is :class:`lib.encoder.ContextualEncoder`; the static distillation is
:mod:`lib.distill`.

Functions
---------
get_encoder                   a shared ContextualEncoder per model name (loaded once per process)
wikipedia_sentence_sample     the book's reproducible sample of Wikipedia sentences
wikipedia_sentence_vectors    their pooled vectors of every layer
pooled_all                    mean, CLS and max pooling of every layer from one pass
minilm_layers, minilm_embed   mean-pooled states of every layer; the sentence-transformers embedding
minilm_token_vectors          last-layer token vectors (late interaction), as :class:`TokenVectors`
task_layers, task_embeddings  the same for a retrieval task's queries and passages
static_minilm_embed           the book's model2vec distillation of MiniLM applied to texts
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Sequence

import numpy as np

from . import cache, checks, distill, linalg
from .data import tokenize, wikipedia
from .encoder import ContextualEncoder

DEFAULT_MODEL = "all-MiniLM-L6-v2"

__all__ = ["DEFAULT_MODEL", "get_encoder", "wikipedia_sentence_sample", "wikipedia_sentence_vectors",
           "pooled_all", "TokenVectors", "minilm_token_vectors", "minilm_layers", "minilm_embed",
           "task_layers", "task_embeddings", "static_minilm_embed"]


@lru_cache(maxsize=4)
def get_encoder(model: str = DEFAULT_MODEL):
    """A shared :class:`~lib.encoder.ContextualEncoder` for ``model`` (loaded once per process).

    Parameters
    ----------
    model : str
        ``"all-MiniLM-L6-v2"`` (packaged, offline), a model folder, or a Hugging Face name.

    Returns
    -------
    lib.encoder.ContextualEncoder
    """
    return ContextualEncoder(model)



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

    def compute():
        states = enc.encode_tokens(texts, show_progress=show_progress)
        L = enc.n_layers + 1
        out = np.zeros((3, L, len(texts), enc.dim), dtype=np.float32)
        for i, s in enumerate(states):
            out[0, :, i] = s.hidden.mean(1)
            out[1, :, i] = s.hidden[:, 0]
            out[2, :, i] = s.hidden.max(1)
        return out

    arr = cache.cached_array("pooled-all", {"model": enc.cache_id(), "texts": texts}, compute)
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


def minilm_token_vectors(texts: Sequence[str], max_length: int = 128, batch_size: int = 32,
                         show_progress: bool | None = None) -> TokenVectors:
    """Last-layer MiniLM token vectors of each text, cached on disk (keyed by the model).

    One forward pass gives both a single vector (:meth:`TokenVectors.pooled`, equal to
    ``SentenceTransformer.encode`` at the same truncation) and the token vectors that
    late interaction (:func:`lib.retrieval.maxsim_search`) needs.

    Parameters
    ----------
    texts : list of str
    max_length : int
        Truncation in tokens, at least 2.
    batch_size : int
        Texts per forward pass.
    show_progress : bool, optional

    Returns
    -------
    TokenVectors
        One ``(n_tokens_i, 384)`` float32 array per text, special tokens included.
    """
    texts = checks.texts(texts)
    checks.integer(max_length, "max_length", lo=2)

    enc = ContextualEncoder(max_length=max_length, batch_size=batch_size)

    def compute():
        return [v.astype(np.float16) for v in enc.token_vectors(texts, show_progress)]

    vecs = cache.cached_object("minilm-tokens", {"model": enc.cache_id(), "texts": texts}, compute)
    return TokenVectors([v.astype(np.float32) for v in vecs])


def minilm_layers(texts: Sequence[str], max_length: int = 128, show_progress: bool | None = None) -> np.ndarray:
    """Mean-pooled all-MiniLM-L6-v2 states of every layer (0 = input embeddings), cached.

    The one cached encoding of a text collection that :func:`minilm_embed` and
    :func:`task_layers` both read: one forward pass gives every layer.

    Parameters
    ----------
    texts : list of str
    max_length : int
        Truncation in tokens, at least 2.
    show_progress : bool, optional

    Returns
    -------
    ndarray of float32, shape (7, len(texts), 384)
        Not normalised.
    """
    texts = checks.texts(texts)
    checks.integer(max_length, "max_length", lo=2)
    return ContextualEncoder(max_length=max_length).pool(texts, "mean", layers=None,
                                                         show_progress=show_progress, use_cache=True)


def minilm_embed(texts: Sequence[str], max_length: int = 128) -> np.ndarray:
    """MiniLM sentence embeddings (mean pooling, unit norm) at ``max_length`` tokens, cached.

    The last layer of :func:`minilm_layers`, normalised: equal to
    ``SentenceTransformer.encode(texts, normalize_embeddings=True)`` at the same truncation.

    Parameters
    ----------
    texts : list of str
    max_length : int
        Truncation in tokens.

    Returns
    -------
    ndarray of float32, shape (len(texts), 384)
    """
    return linalg.unit(minilm_layers(texts, max_length)[-1])


def task_layers(task, max_length: int = 128, show_progress: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Mean-pooled all-MiniLM-L6-v2 states of every layer for a retrieval task (cached).

    :func:`minilm_layers` of the queries and of the passages, the cached
    encoding that :func:`minilm_embed` reads too, so the whole book shares one
    encoding of Part V's task (for its 4,046 texts, about two minutes on two CPU cores the
    first time).

    Parameters
    ----------
    task : lib.tasks.RetrievalTask

    Returns
    -------
    query_layers : ndarray, shape (n_layers + 1, n_queries, 384)
    passage_layers : ndarray, shape (n_layers + 1, n_passages, 384)
        Not normalised; layer 0 is the input embeddings, layer -1 normalised is the
        sentence-transformers embedding (:func:`minilm_embed`).
    """
    queries, passages = getattr(task, "queries", None), getattr(task, "passages", None)
    if queries is None or passages is None:
        raise ValueError(f"task must have queries and passages (a lib.tasks.RetrievalTask); got {type(task).__name__}")
    queries, passages = checks.texts(queries, "queries"), checks.texts(passages, "passages")
    return minilm_layers(queries, max_length, show_progress), minilm_layers(passages, max_length, show_progress)


def task_embeddings(task, layer: int = -1, max_length: int = 128) -> tuple[np.ndarray, np.ndarray]:
    """Unit-normalised query and passage vectors of one MiniLM layer (from :func:`task_layers`).

    Parameters
    ----------
    task : lib.tasks.RetrievalTask
    layer : int
        0 (input embeddings) .. 6, or negative from the end; -1 is the sentence-transformers embedding.
    max_length : int
        Truncation in tokens.

    Returns
    -------
    queries : ndarray of float32, shape (n_queries, 384)
    passages : ndarray of float32, shape (n_passages, 384)
    """
    ql, pl = task_layers(task, max_length)
    n = ql.shape[0]
    checks.integer(layer, "layer", -n, n - 1)
    return linalg.unit(ql[layer]), linalg.unit(pl[layer])


def static_minilm_embed(texts: Sequence[str], pca_dims: int | None = None,
                        sif_coefficient: float | None = 1e-4) -> np.ndarray:
    """model2vec static embeddings of texts, from the book's one distillation of MiniLM.

    A thin wrapper of :func:`lib.distill.static_model` (model2vec's ``distill`` of
    all-MiniLM-L6-v2: every token through MiniLM alone, cached once for the book) and
    :func:`lib.distill.encode`: the unit-normalised mean of the texts' token rows (zero for
    a text with no token).

    Parameters
    ----------
    texts : list of str
    pca_dims : int, optional
        ``None`` keeps MiniLM's 384 dimensions (Part V); 256 is model2vec's default model.
    sif_coefficient : float, optional
        model2vec's SIF weighting of token rows; ``None`` for plain means.

    Returns
    -------
    ndarray of float32, shape (len(texts), pca_dims or 384)
    """
    texts = checks.texts(texts)
    return distill.encode(distill.static_model(pca_dims=pca_dims, sif_coefficient=sif_coefficient), texts)
