"""The book's one model2vec distillation of a sentence encoder (all-MiniLM-L6-v2 by default).

model2vec's :func:`model2vec.distill.distill` does two things:

1. the **expensive step**: every token of the tokenizer (the ``[unused*]`` ones removed) is
   passed through the transformer on its own (``[CLS] token [SEP]``) and its output
   mean-pooled, with model2vec's own ``create_embeddings`` (a minute or two on two CPU
   cores for MiniLM's ~29.5k tokens);
2. **cheap post-processing**: PCA to ``pca_dims`` (``apply_pca``), Zipf/SIF weighting of
   each row by its token's rank (``compute_weights``, ``sif_coefficient``), quantization of
   the table (``quantize_embeddings``), and a :class:`model2vec.StaticModel` around it.

:func:`token_states` runs step 1 once per model, through model2vec's own functions, and
caches it with :mod:`lib.cache`; :func:`static_model` then builds the ``StaticModel`` of any
``(pca_dims, sif_coefficient)`` in about a second, with model2vec's own post-processing.
The result equals ``distill(model, pca_dims=..., sif_coefficient=...)``
(``tests/test_distill.py`` checks it). Part III, Part V and Part VI all use this module.

Examples
--------
>>> from lib import distill
>>> m = distill.static_model(pca_dims=256, sif_coefficient=1e-4)    # doctest: +SKIP
>>> X = distill.encode(m, ["a sentence", "another one"])             # doctest: +SKIP
"""
from __future__ import annotations

import os
import re
from functools import lru_cache
from typing import Sequence

import numpy as np

from . import cache, checks
from .models import model_identity, quiet_loading, resolve_model

__all__ = ["DEFAULT_MODEL", "TOKEN_REMOVE_PATTERN", "vocabulary", "token_states", "static_model", "encode",
           "table_bytes"]

DEFAULT_MODEL = "all-MiniLM-L6-v2"
TOKEN_REMOVE_PATTERN = r"\[unused\d+\]"     # model2vec's default


@lru_cache(maxsize=4)
def _vocabulary(model: str):
    """model2vec's vocabulary step of ``distill_from_model`` with ``vocabulary=None``.

    Returns ``(path, original_tokenizer_model, tokenizer_model, tokens, token_ids)``.
    """
    from model2vec.tokenizer import clean_and_create_vocabulary, turn_tokens_into_ids
    from skeletoken import TokenizerModel
    from transformers import AutoTokenizer

    path = resolve_model(model)
    with quiet_loading():
        tokenizer = AutoTokenizer.from_pretrained(path, use_fast=True)
    original = TokenizerModel.from_transformers_tokenizer(tokenizer).prune_added_tokens()
    tm = original.deep_copy()
    if tm.adds_prefix_space is not None:
        tm.adds_prefix_space = True
    tm = clean_and_create_vocabulary(tm, [], token_remove_regex=re.compile(TOKEN_REMOVE_PATTERN))
    tokens = list(tm.sorted_vocabulary)
    ids = turn_tokens_into_ids(tokens, original)
    return path, original, tm, tokens, ids


def vocabulary(model: str = DEFAULT_MODEL) -> list[str]:
    """The tokens that get a row, in model2vec's order (their rank for the Zipf weights).

    Parameters
    ----------
    model : str
        A model name or folder (:func:`lib.models.resolve_model`).

    Returns
    -------
    list of str
    """
    return list(_vocabulary(str(model))[3])


def token_states(model: str = DEFAULT_MODEL) -> np.ndarray:
    """Every vocabulary token passed through ``model`` alone, mean-pooled (cached).

    Exactly model2vec's step: ``create_embeddings(model, [[CLS] id [SEP], ...], pooling="mean")``
    on the transformer reshaped to the pruned tokenizer. Shows model2vec's progress bar
    the first time (about 30k forward passes of 3 tokens).

    Parameters
    ----------
    model : str
        As in :func:`vocabulary`; the cache entry is keyed by it and by the token list.

    Returns
    -------
    ndarray of float32, shape (len(vocabulary(model)), hidden size)
    """
    path, original, _, tokens, ids = _vocabulary(str(model))

    def compute():
        import torch
        from model2vec.distill.inference import create_embeddings
        from skeletoken.external.transformers import reshape_embeddings
        from transformers import AutoModel

        with quiet_loading():
            net = AutoModel.from_pretrained(path)
        net = reshape_embeddings(net, original)
        with torch.inference_mode():
            E = create_embeddings(model=net, tokenized=ids, device="cpu",
                                  pad_token_id=original.pad_token_id or 0, pooling="mean")
        return E.astype(np.float32)

    # the model's content hash, not its folder name: another checkpoint saved as ".../model" gets its own entry
    model_id = (f"{os.path.basename(os.path.normpath(path))}|{model_identity(path)[:20]}"
                if os.path.isdir(path) else str(path))
    return cache.cached_array("m2v-token-states", {"model": model_id, "remove": TOKEN_REMOVE_PATTERN,
                                                   "pooling": "mean", "n_tokens": len(tokens),
                                                   "tokens": tokens}, compute)


def _check_settings(pca_dims, sif_coefficient, dim: int, quantize_to) -> None:
    if pca_dims is not None and (isinstance(pca_dims, bool) or not isinstance(pca_dims, (int, np.integer))
                                 or not 1 <= pca_dims <= dim):
        raise ValueError(f"pca_dims must be an int between 1 and {dim} (or None: no PCA); got {pca_dims!r}")
    if sif_coefficient is not None and not 0 < sif_coefficient < 1:
        raise ValueError(f"sif_coefficient must be in (0, 1) (or None: no weighting); got {sif_coefficient}")
    from model2vec.quantization import DType

    try:
        DType(quantize_to)
    except ValueError:
        raise ValueError(f"unknown quantize_to {quantize_to!r}; use one of {[d.value for d in DType]}") from None


def static_model(model: str = DEFAULT_MODEL, pca_dims: int | None = 256, sif_coefficient: float | None = 1e-4,
                 quantize_to: str = "float16"):
    """model2vec's distillation of ``model`` with these settings, from the cached token states.

    The post-processing of ``model2vec.distill.distill_from_model``, with its own functions:
    ``compute_weights`` (Zipf estimate from the rank, SIF weight; ``None``: all 1),
    ``apply_pca`` (``None``: no PCA), rows times weights, ``quantize_embeddings``.

    Parameters
    ----------
    model : str
        A model name or folder (:func:`lib.models.resolve_model`).
    pca_dims : int or None
        Number of principal components kept (model2vec's default 256); ``None`` skips PCA.
    sif_coefficient : float in (0, 1) or None
        model2vec's default 1e-4; ``None`` skips the weighting.
    quantize_to : {"float16", "float32", "float64", "int8"}
        Storage type of the table (model2vec's default float16).

    Returns
    -------
    model2vec.StaticModel
        Normalising, with the pruned tokenizer and no special tokens, as ``distill`` returns.
    """
    from model2vec import StaticModel
    from model2vec.distill.inference import apply_pca, compute_weights
    from model2vec.quantization import DType, quantize_embeddings

    E = token_states(model)
    _check_settings(pca_dims, sif_coefficient, E.shape[1], quantize_to)
    path, _, tm, _, _ = _vocabulary(str(model))
    weights = compute_weights(len(E), sif_coefficient=sif_coefficient)
    X = apply_pca(E, pca_dims)
    X = X * weights[:, None]
    X = quantize_embeddings(X, DType(quantize_to))
    config = {
        "model_type": "model2vec", "architectures": ["StaticModel"], "tokenizer_name": path,
        "apply_pca": pca_dims, "sif_coefficient": sif_coefficient, "hidden_dim": X.shape[1],
        "seq_length": 1000000, "normalize": True, "pooling": "mean",
    }
    name = os.path.basename(path) if os.path.exists(path) else path
    return StaticModel(vectors=X, weights=None, token_mapping=None, tokenizer=tm.to_tokenizer(), config=config,
                       base_model_name=name, language=None, normalize=True)


def encode(static, texts: Sequence[str]) -> np.ndarray:
    """Unit-length sentence vectors of ``texts`` from a ``StaticModel``, float32, no truncation.

    The normalised mean of the texts' token rows (a text with no known token gives zeros).

    Parameters
    ----------
    static : model2vec.StaticModel
        From :func:`static_model`.
    texts : str or list of str

    Returns
    -------
    ndarray of float32, shape (len(texts), dim)
    """
    texts = checks.texts(texts)
    if not hasattr(static, "encode") or not hasattr(static, "embedding"):
        raise ValueError(f"static must be a model2vec StaticModel; got {type(static).__name__}")
    X = static.encode(texts, show_progress_bar=False, max_length=None, use_multiprocessing=False)
    return np.asarray(X, dtype=np.float32)


def table_bytes(static) -> int:
    """Bytes of the model's table (all rows, in its stored dtype).

    Parameters
    ----------
    static : model2vec.StaticModel

    Returns
    -------
    int
    """
    if not hasattr(static, "embedding"):
        raise ValueError(f"static must be a model2vec StaticModel; got {type(static).__name__}")
    return int(np.asarray(static.embedding).nbytes)
