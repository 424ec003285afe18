"""A contextual encoder that exposes what a transformer computes.

:class:`ContextualEncoder` wraps a Hugging Face encoder (all-MiniLM-L6-v2 by default,
offline) and returns, for a batch of texts,

* the hidden states of every layer for every token (layer 0 is the input embedding),
* the alignment of words to their sub-word tokens,
* pooled sentence vectors (mean, CLS or max) for any layer.

Its mean-pooled, L2-normalised last layer is what ``SentenceTransformer.encode`` returns
for the same model (the unit tests check this to 1e-5).
"""
from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np

from . import cache, checks, linalg
from .truncation import Truncation, TruncationWarning
from .models import default_device, model_identity, quiet_loading, resolve_model

__all__ = ["POOLINGS", "TruncationWarning", "Truncation", "TokenStates", "ContextualEncoder"]

POOLINGS = ("mean", "cls", "max")


@dataclass
class TokenStates:
    """Every layer's state for every token of one text.

    Attributes
    ----------
    text : str
        The input text.
    tokens : list of str
        The sub-word tokens, special tokens included (``[CLS] ... [SEP]``).
    word_ids : list of int or None
        For each token, the index of the word it belongs to (``None`` for specials).
    words : list of str
        The words, as the tokenizer's pre-tokenizer splits the text.
    hidden : ndarray, shape (n_layers + 1, n_tokens, d)
        Hidden states; ``hidden[0]`` is the embedding layer, ``hidden[-1]`` the last layer.
    """

    text: str
    tokens: list[str]
    word_ids: list
    words: list[str]
    hidden: np.ndarray = field(repr=False)

    def word_vectors(self, layer: int = -1, pooling: str = "mean") -> np.ndarray:
        """Pool each word's sub-word vectors at ``layer``: shape ``(n_words, d)``.

        ``pooling`` is ``"mean"``, ``"first"`` (the first piece) or ``"last"``.
        """
        if pooling not in ("mean", "first", "last"):
            raise ValueError(f"unknown word pooling {pooling!r}; use 'mean', 'first' or 'last'")
        states = self.hidden[layer]
        out = np.zeros((len(self.words), states.shape[-1]), dtype=np.float32)
        for w in range(len(self.words)):
            idx = [i for i, wid in enumerate(self.word_ids) if wid == w]
            if not idx:  # the word was cut off by truncation
                out[w] = np.nan
                continue
            piece = {"mean": states[idx].mean(0), "first": states[idx[0]], "last": states[idx[-1]]}[pooling]
            out[w] = piece
        return out

    def pieces(self, word_index: int) -> list[str]:
        """The sub-word tokens of word ``word_index``."""
        return [t for t, w in zip(self.tokens, self.word_ids) if w == word_index]


def _pooled(h, mask, pooling: str) -> np.ndarray:
    """One layer's states ``h`` (batch, tokens, d) pooled over the tokens that ``mask`` (batch, tokens, 1) keeps."""
    if pooling == "mean":
        v = (h * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
    elif pooling == "cls":
        v = h[:, 0]
    else:
        v = h.masked_fill(mask == 0, float("-inf")).max(1).values
    return v.float().cpu().numpy()


class ContextualEncoder:
    """Batched, gradient-free access to a transformer encoder's hidden states.

    Parameters
    ----------
    model : str
        ``"all-MiniLM-L6-v2"`` (packaged, offline), a model folder, or any Hugging Face name.
    device : str, optional
        ``"cuda"`` or ``"cpu"``; defaults to CUDA when present.
    max_length : int, optional
        Truncation length in tokens; defaults to the model's ``max_seq_length`` from its
        sentence-transformers config, else 512.
    batch_size : int
        Texts per forward pass. 16 by default: on two CPU cores smaller batches of length-sorted
        texts are faster than large ones (less padding, and the attention scores of a batch stay
        in cache): MiniLM encoded 384 Wikipedia passages at 256 tokens in 9.3 s with 64 and 6.7 s
        with 16, mpnet 96 passages in 34 s and 18 s (``benchmarks/encoder.md``).

    Examples
    --------
    >>> enc = ContextualEncoder()                                    # doctest: +SKIP
    >>> enc.sentence_embeddings(["a cat", "a dog"]).shape            # doctest: +SKIP
    (2, 384)
    """

    def __init__(self, model: str = "all-MiniLM-L6-v2", device: str | None = None,
                 max_length: int | None = None, batch_size: int = 16):
        self.name = str(model)
        self.path = resolve_model(model)
        self._device = device
        self.batch_size = int(batch_size)
        if self.batch_size < 1:
            raise ValueError(f"batch_size must be at least 1; got {batch_size}")
        self._tokenizer = self._model = self._config = None
        self.max_length = int(max_length or self._default_max_length())

    # ---------------------------------------------- loaded on first use: a chapter whose encodings are all
    # cached needs none of them (keys are the content hash, lengths are cached by token_counts, layers and
    # width are in config.json), and transformers, torch and the weights cost about 5 s of a warm start
    @property
    def tokenizer(self):
        """The model's fast tokenizer (``transformers.AutoTokenizer``), loaded on first use."""
        if self._tokenizer is None:
            from transformers import AutoTokenizer

            with quiet_loading():
                tok = AutoTokenizer.from_pretrained(self.path)
            if not tok.is_fast:
                raise ValueError(f"{self.name}: word alignment needs a fast tokenizer")
            self._tokenizer = tok
        return self._tokenizer

    @property
    def model(self):
        """The transformer (a torch module in eval mode on :attr:`device`), loaded on first use."""
        if self._model is None:
            from transformers import AutoModel

            with quiet_loading():
                self._model = AutoModel.from_pretrained(self.path).to(self.device).eval()
        return self._model

    @property
    def device(self) -> str:
        """Where the model runs: the ``device`` given, else :func:`lib.models.default_device`."""
        self._device = self._device or default_device()
        return self._device

    def _config_value(self, key: str) -> int:
        """An entry of the model's ``config.json``, else of ``transformers.AutoConfig``."""
        if self._config is None:
            import json

            cfg, self._config = os.path.join(self.path, "config.json"), {}
            if os.path.isfile(cfg):
                with open(cfg) as fh:
                    self._config = json.load(fh)
        if key not in self._config:
            from transformers import AutoConfig

            self._config = {**self._config, key: getattr(AutoConfig.from_pretrained(self.path), key)}
        return int(self._config[key])

    # ------------------------------------------------------------------ properties
    def _default_max_length(self) -> int:
        import json

        cfg = os.path.join(self.path, "sentence_bert_config.json")
        if os.path.exists(cfg):
            with open(cfg) as fh:
                return int(json.load(fh).get("max_seq_length", 512))
        return int(min(getattr(self.tokenizer, "model_max_length", 512), 512))

    @property
    def pooling(self) -> str:
        """The pooling the model was trained with: its sentence-transformers ``1_Pooling/config.json``
        (``"mean"``, ``"cls"`` or ``"max"``), else ``"mean"``."""
        import json

        cfg = os.path.join(self.path, "1_Pooling", "config.json")
        if os.path.isdir(self.path) and os.path.exists(cfg):
            with open(cfg) as fh:
                modes = json.load(fh)
            for mode in POOLINGS:
                if modes.get(f"pooling_mode_{mode}_token" if mode == "cls" else f"pooling_mode_{mode}_tokens"):
                    return mode
            raise ValueError(f"{self.name}: pooling {modes} is none of {POOLINGS}; pool explicitly with pool(texts, ...)")
        return "mean"

    @property
    def n_layers(self) -> int:
        """Number of transformer layers (hidden states have ``n_layers + 1`` entries)."""
        return self._config_value("num_hidden_layers")

    @property
    def dim(self) -> int:
        """Width of the hidden states."""
        return self._config_value("hidden_size")

    def cache_id(self) -> str:
        """A name for cache keys: the model's folder name, its content hash and the truncation length.

        The hash (:func:`lib.models.model_identity`) is of the weights, configuration and tokenizer,
        so two different models saved under the same folder name never share cached encodings.
        """
        if os.path.isdir(self.path):
            label = os.path.basename(self.path.rstrip("/"))
            return f"{label}|{model_identity(self.path)[:20]}|{self.max_length}"
        return f"{self.name}|{self.max_length}"   # pragma: no cover - a hub name that from_pretrained resolved itself

    # ------------------------------------------------------------------ batching
    def _batches(self, texts: list[str], show_progress: bool | None, desc: str):
        """Yield ``(indices, batch_encoding)`` in order of decreasing token count (less padding).

        Sorting by tokens (after the cut at ``max_length``) rather than by characters, as
        sentence-transformers does, puts texts of the same padded length together more often:
        one extra pass of the fast tokenizer, repaid by fewer padding positions in every batch.
        """
        from tqdm import tqdm

        lengths = np.minimum(self.token_counts(texts), self.max_length)
        order = np.argsort(-lengths, kind="stable")
        starts = range(0, len(texts), self.batch_size)
        if show_progress is None:
            show_progress = len(texts) > 4 * self.batch_size and os.environ.get("EMBEDDINGS_BOOK_PROGRESS", "1") != "0"
        for s in tqdm(starts, desc=desc, disable=not show_progress, unit="batch"):
            idx = order[s:s + self.batch_size]
            enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                 max_length=self.max_length, return_tensors="pt")
            yield idx, enc

    def token_counts(self, texts: Sequence[str]) -> np.ndarray:
        """Tokens of each text before truncation, special tokens included.

        Parameters
        ----------
        texts : list of str

        Returns
        -------
        ndarray of int64, shape (n_texts,)

        Notes
        -----
        Each distinct text is tokenized once per encoder: every encoding call checks its texts'
        lengths (:meth:`check_length`), cache hits included, and a chapter asks about the same
        collection many times (3,046 passages: about 0.4 s a time on two cores). Collections of 64
        texts or more are also cached on disk, keyed by the model's content hash.
        """
        texts = checks.texts(texts)
        known = self.__dict__.setdefault("_token_counts", {})
        new = [t for t in dict.fromkeys(texts) if t not in known]
        if new:
            def count():
                ids = self.tokenizer(new, add_special_tokens=True, truncation=False, verbose=False)["input_ids"]
                return np.array([len(i) for i in ids], dtype=np.int64)

            # on disk too, so that a warm chapter never loads the tokenizer (keyed by the model's content hash)
            counts = count() if len(new) < 64 else cache.cached_array(
                "token-counts", {"model": self.cache_id(), "texts": new}, count)
            known.update(zip(new, counts.tolist()))
        return np.fromiter((known[t] for t in texts), dtype=np.int64, count=len(texts))

    def truncation(self, texts: Sequence[str]) -> Truncation:
        """How many of ``texts`` the cut at ``max_length`` shortens, and by how many tokens.

        Parameters
        ----------
        texts : list of str

        Returns
        -------
        Truncation
            Counts a chapter can print (``str()`` gives one line).
        """
        n = self.token_counts(texts)
        return Truncation(n_texts=len(n), n_cut=int((n > self.max_length).sum()), max_length=self.max_length,
                          longest=int(n.max()) if len(n) else 0, tokens=int(n.sum()),
                          tokens_cut=int(np.maximum(n - self.max_length, 0).sum()))

    def check_length(self, texts: Sequence[str]) -> None:
        """Warn (:class:`TruncationWarning`) when texts are longer than ``max_length``: their ends are cut,
        and nothing else would tell. The encoding methods call it; callers that cache around
        :meth:`encode_tokens` call it before their cache and pass ``warn_cut=False``.

        Parameters
        ----------
        texts : list of str
        """
        report = self.truncation(texts)
        if report.n_cut:
            own = self._default_max_length()
            hint = f"; the model's own configuration allows {own}" if own > self.max_length else ""
            # reported as from "lib/encoder.py", not this machine's absolute path, so stored notebook outputs stay portable
            warnings.warn_explicit(f"{report}{hint}", TruncationWarning, "lib/encoder.py", 0, module="lib.encoder")

    def _forward(self, enc, all_layers: bool):
        inputs = {k: v.to(self.device) for k, v in enc.items()}
        import torch

        with torch.inference_mode():
            out = self.model(**inputs, output_hidden_states=all_layers)
        return out

    # ------------------------------------------------------------------ public API
    def encode_tokens(self, texts: Sequence[str], show_progress: bool | None = None,
                      warn_cut: bool = True) -> list[TokenStates]:
        """Hidden states of every layer for every token, with word alignment.

        Parameters
        ----------
        texts : list of str
        show_progress : bool, optional
        warn_cut : bool
            Call :meth:`check_length` first (off for callers that called it before their cache).

        Returns
        -------
        list of TokenStates
            One per text, in input order; ``hidden`` has shape ``(n_layers + 1, n_tokens, d)``
            without padding.
        """
        texts = checks.texts(texts)
        if warn_cut:
            self.check_length(texts)
        import torch

        result: list[TokenStates | None] = [None] * len(texts)
        for idx, enc in self._batches(texts, show_progress, "token states"):
            out = self._forward(enc, all_layers=True)
            hs = torch.stack(out.hidden_states, 1).float().cpu().numpy()  # (b, L+1, T, d)
            mask = enc["attention_mask"].numpy().astype(bool)
            for row, i in enumerate(idx):
                n = int(mask[row].sum())
                ids = enc["input_ids"][row, :n].tolist()
                word_ids = enc.word_ids(row)[:n]
                n_words = max((w for w in word_ids if w is not None), default=-1) + 1
                words = []
                for w in range(n_words):
                    span = enc.word_to_chars(row, w)
                    words.append(texts[i][span.start:span.end] if span is not None else "")
                result[i] = TokenStates(texts[i], self.tokenizer.convert_ids_to_tokens(ids),
                                        word_ids, words, np.ascontiguousarray(hs[row, :, :n]))
        return result  # type: ignore[return-value]

    def token_vectors(self, texts: Sequence[str], show_progress: bool | None = None,
                      use_cache: bool = False) -> list[np.ndarray]:
        """Last-layer vector of every token of each text (special tokens kept, padding removed).

        Cheaper than :meth:`encode_tokens` when only the last layer is needed (late interaction).

        Parameters
        ----------
        texts : list of str
        show_progress : bool, optional
        use_cache : bool
            Store the vectors on disk (as float16), keyed by the model's identity and the texts.

        Returns
        -------
        list of ndarray, one per text in input order, each of shape ``(n_tokens_i, d)``, float32
        """
        texts = checks.texts(texts)
        self.check_length(texts)      # before the cache, so a warm run says it too

        def compute():
            out: list = [None] * len(texts)
            for idx, enc in self._batches(texts, show_progress, "token vectors"):
                h = self._forward(enc, all_layers=False).last_hidden_state.float().cpu().numpy()
                mask = enc["attention_mask"].numpy().astype(bool)
                for j, i in enumerate(idx):
                    out[i] = h[j][mask[j]].astype(np.float16 if use_cache else np.float32)
            return out

        if not use_cache:
            return compute()
        vecs = cache.cached_object("token-vectors", {"model": self.cache_id(), "texts": texts}, compute)
        return [v.astype(np.float32) for v in vecs]

    def pool(self, texts: Sequence[str], pooling: str = "mean", layers: int | Sequence[int] | None = None,
             normalize: bool = False, show_progress: bool | None = None, use_cache: bool = False) -> np.ndarray:
        """Pooled sentence vectors from one or several layers.

        Parameters
        ----------
        texts : list of str
        pooling : {"mean", "cls", "max"}
            Mean over non-padding tokens (special tokens included, as sentence-transformers
            does), the first ``[CLS]`` token, or the coordinate-wise maximum.
        layers : int, list of int, or None
            ``None`` returns every layer (0 = embeddings ... ``n_layers``); an int one layer
            (negative counts from the end).
        normalize : bool
            L2-normalise each vector.
        use_cache : bool
            Store the result on disk (see :mod:`lib.cache`) keyed by model, texts and options.

        Returns
        -------
        ndarray
            Shape ``(n_texts, d)`` for an int ``layers``, else ``(n_layers_selected, n_texts, d)``.
        """
        texts = checks.texts(texts)
        self.check_length(texts)
        if pooling not in POOLINGS:
            raise ValueError(f"unknown pooling {pooling!r}; use one of {POOLINGS}")
        all_idx = list(range(self.n_layers + 1))
        single = isinstance(layers, (int, np.integer))
        sel = all_idx if layers is None else [layers] if single else list(layers)
        for l in sel:
            if not -len(all_idx) <= l < len(all_idx):
                raise ValueError(f"layer {l} out of range for a model with {self.n_layers} layers (0..{self.n_layers})")
        sel = [all_idx[l] for l in sel]

        def compute():
            out = np.zeros((len(sel), len(texts), self.dim), dtype=np.float32)
            only_last = sel == [self.n_layers]
            for idx, enc in self._batches(texts, show_progress, f"{pooling} pooling"):
                res = self._forward(enc, all_layers=not only_last)
                states = [res.last_hidden_state] if only_last else [res.hidden_states[l] for l in sel]
                mask = enc["attention_mask"].to(self.device).unsqueeze(-1).to(states[0].dtype)
                for j, h in enumerate(states):
                    out[j, idx] = _pooled(h, mask, pooling)
            return out

        if use_cache:
            params = {"model": self.cache_id(), "texts": texts, "pooling": pooling, "layers": sel}
            out = cache.cached_array("encoder-pool", params, compute)
        else:
            out = compute()
        if normalize:
            out = linalg.unit(out.reshape(-1, out.shape[-1])).reshape(out.shape)
        return out[0] if single else out

    def pool_all(self, texts: Sequence[str], show_progress: bool | None = None, warn_cut: bool = True) -> dict:
        """Mean, CLS and max pooling of every layer from one forward pass.

        Each entry equals :meth:`pool` with that pooling and ``layers=None``: the same
        batches, the same masked operations, in torch.

        Parameters
        ----------
        texts : list of str
        show_progress : bool, optional
        warn_cut : bool
            Call :meth:`check_length` first (off for callers that called it before their cache).

        Returns
        -------
        dict of str -> ndarray of float32, shape (n_layers + 1, n_texts, d)
            Keys ``"mean"``, ``"cls"``, ``"max"``.
        """
        texts = checks.texts(texts)
        if warn_cut:
            self.check_length(texts)
        out = {p: np.zeros((self.n_layers + 1, len(texts), self.dim), dtype=np.float32) for p in POOLINGS}
        for idx, enc in self._batches(texts, show_progress, "all poolings"):
            states = self._forward(enc, all_layers=True).hidden_states
            mask = enc["attention_mask"].to(self.device).unsqueeze(-1).to(states[0].dtype)
            for layer, h in enumerate(states):
                for pooling in POOLINGS:
                    out[pooling][layer, idx] = _pooled(h, mask, pooling)
        return out

    def sentence_embeddings(self, texts: Sequence[str], normalize: bool = True,
                            show_progress: bool | None = None, use_cache: bool = False) -> np.ndarray:
        """The last layer pooled as the model's configuration says (:attr:`pooling`), L2-normalised:
        the sentence-transformers embedding.

        Parameters
        ----------
        texts : list of str
        normalize : bool
        show_progress : bool, optional
        use_cache : bool
            Store the result on disk, keyed by the model's identity, texts and options.

        Returns
        -------
        ndarray of float32, shape (n_texts, d)
        """
        return self.pool(texts, self.pooling, layers=-1, normalize=normalize,
                         show_progress=show_progress, use_cache=use_cache)

    def __repr__(self) -> str:
        return f"ContextualEncoder({self.name!r}, layers={self.n_layers}, dim={self.dim}, device={self.device!r})"
