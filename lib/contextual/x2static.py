"""X2Static: static word vectors trained against a contextual model's sentence vectors (Part III, chapter 2).

Gupta & Jaggi (2021) distil a contextual model into a static table with a CBOW-style
negative-sampling objective. In CBOW the context vector of a target word is the mean of the
static vectors of its neighbours; in X2Static it comes from the contextual model, which is
frozen, and only the static table is trained. In the sentence-level variant
(X2Static\\ :sub:`sent`) the context vector of every word of a sentence is the mean of the
model's last-layer token vectors over the whole sentence, special tokens included.

This module follows the authors' training script for that variant (``src/learn_from_bert_ver2.py``
in ``epfml/X2Static``):

* **no masking**: the sentence is encoded once, with the target word in it ("No masking at all
  in this version", says the script), so every word of a sentence shares one context vector;
* the static vectors have the teacher's width (``d`` = 384 for MiniLM), start uniform in
  ``±1/d``, and are the only parameters;
* loss per target: ``log(1 + exp(-c.v_w)) + sum_k log(1 + exp(c.v_k))`` over ``k = 10``
  negatives drawn from the unigram counts raised to **0.5**, scores clamped to ``[-20, 20]``,
  each term averaged over the batch (:func:`x2static_loss`);
* frequent words are sub-sampled with threshold ``t = 5e-6`` (keep probability
  ``sqrt(t/f) + t/f``, :func:`lib.static.keep_probability`), redrawn every epoch;
* batches of 128 sentences (every kept word of them is a target), ``torch.optim.SparseAdam``
  with learning rate 0.001 (its update written out over the rows a batch touches, same formula).

What differs from the paper's run, for a 2-core CPU: the teacher is the book's sentence encoder
(all-MiniLM-L6-v2 by default), not BERT-base, RoBERTa or GPT-2; the corpus is a few thousand
sentences of the book's Wikipedia sample, not a Wikipedia dump; the vocabulary is whatever the
caller's ``min_count`` keeps from it (the script's preprocessing keeps words seen at least 10
times); the number of epochs is the caller's (the script's default is 5); and the context vectors
are computed once in float32 and reused every epoch (the script re-encodes each batch, in
half precision on a GPU, which gives the same vectors up to rounding since nothing is masked).

Functions
---------
x2static_loss     the objective of one batch (torch tensors)
fit_x2static      train a table from token lists and their sentences' context vectors (arrays)
train_x2static    encode sentences with a contextual model, then :func:`fit_x2static` (cached)
"""
from __future__ import annotations

import math
import time
from typing import Sequence

import numpy as np
from tqdm.auto import tqdm

from .. import cache, checks, encodings, models
from ..data import tokenize
from ..static import build_vocab, encode, keep_probability, noise_distribution

__all__ = ["X2STATIC_DEFAULTS", "x2static_loss", "X2StaticModel", "fit_x2static", "train_x2static"]

#: the training script's settings for X2Static_sent (``learn_from_bert_ver2.py``), with this module's defaults
X2STATIC_DEFAULTS = dict(negative=10, sample=5e-6, lr=0.001, batch=128, epochs=5, min_count=1, noise_power=0.5,
                         clamp=20.0)


def x2static_loss(context, target, negatives, clamp: float = 20.0):
    """The X2Static objective of one batch: logistic loss on a positive and ``k`` negative words.

    ``mean_b log(1 + exp(-c_b.v_b)) + sum_k mean_b log(1 + exp(c_b.n_kb))``, each score clamped to
    ``[-clamp, clamp]`` (the training script's ``ll_loss``, applied to the positive scores and to
    each row of negative scores).

    Parameters
    ----------
    context : torch.Tensor, shape (B, d)
        The contextual model's vector of each target's sentence (fixed).
    target : torch.Tensor, shape (B, d)
        The static vectors of the targets.
    negatives : torch.Tensor, shape (k, B, d)
        The static vectors of ``k`` noise words per target.
    clamp : float
        Scores are clipped to ``[-clamp, clamp]`` before the loss.

    Returns
    -------
    torch.Tensor, shape ()
        The batch loss (differentiable with respect to ``target`` and ``negatives``).

    Examples
    --------
    >>> import torch
    >>> c = torch.tensor([[1.0, 0.0]])
    >>> round(float(x2static_loss(c, torch.tensor([[3.0, 0.0]]), torch.tensor([[[-3.0, 0.0]]]))), 4)
    0.0972
    """
    import torch

    if context.ndim != 2 or target.shape != context.shape or negatives.ndim != 3 \
            or negatives.shape[1:] != context.shape:
        raise ValueError(f"shape mismatch: context {tuple(context.shape)}, target {tuple(target.shape)}, "
                         f"negatives {tuple(negatives.shape)} (need (B, d), (B, d), (k, B, d))")
    pos = torch.clamp((context * target).sum(-1), -clamp, clamp)
    neg = torch.clamp(torch.einsum("bd,kbd->kb", context, negatives), -clamp, clamp)
    return torch.nn.functional.softplus(-pos).mean() + torch.nn.functional.softplus(neg).mean(1).sum()


class X2StaticModel:
    """Result of :func:`fit_x2static`: the trained table and its loss curve.

    Attributes
    ----------
    words : list of str
        The vocabulary, most frequent first.
    counts : ndarray of int64, shape (V,)
    vectors : ndarray of float32, shape (V, d)
        The static vectors (``d`` = the teacher's width).
    losses : ndarray of float64, shape (n_points,)
        Mean batch loss over each run of ``log_every`` batches, in training order.
    epoch_losses : ndarray of float64, shape (epochs,)
        Mean batch loss of each epoch.
    n_targets : int
        Target occurrences trained on, summed over epochs (after sub-sampling).
    seconds : float
        Training time (the encoding is not included).
    params : dict
        The arguments that determine the result.
    """

    def __init__(self, words, counts, vectors, losses, epoch_losses, n_targets, seconds, params):
        self.words, self.counts, self.vectors = words, counts, vectors
        self.losses, self.epoch_losses, self.n_targets = losses, epoch_losses, n_targets
        self.seconds, self.params = seconds, params

    @property
    def wv(self):
        """The table as gensim ``KeyedVectors``."""
        return models.keyed_vectors(self.words, self.vectors)

    def __repr__(self) -> str:
        return (f"X2StaticModel({len(self.words)} words x {self.vectors.shape[1]} dims, "
                f"{len(self.epoch_losses)} epochs, final loss {self.epoch_losses[-1]:.3f})")


def _check_params(negative, sample, lr, batch, epochs, min_count, noise_power, clamp, seed, log_every):
    return dict(negative=checks.integer(negative, "negative", lo=1), sample=checks.number(sample, "sample", lo=0),
                lr=checks.number(lr, "lr", lo=0, lo_open=True), batch=checks.integer(batch, "batch", lo=1),
                epochs=checks.integer(epochs, "epochs", lo=1), min_count=checks.integer(min_count, "min_count", lo=1),
                noise_power=checks.number(noise_power, "noise_power", lo=0),
                clamp=checks.number(clamp, "clamp", lo=0, lo_open=True), seed=checks.integer(seed, "seed", lo=0),
                log_every=checks.integer(log_every, "log_every", lo=1))


class _RowAdam:
    """``torch.optim.SparseAdam``'s update applied to the rows a batch touches.

    The same formula as PyTorch's ``sparse_adam`` (moments updated only on the given rows, bias
    correction by the global step count), without building a sparse gradient tensor: coalescing
    one made ``SparseAdam.step`` three quarters of the training time.
    """

    def __init__(self, V, d, lr, betas=(0.9, 0.999), eps=1e-8):
        import torch

        self.m, self.v = torch.zeros(V, d), torch.zeros(V, d)
        self.lr, (self.b1, self.b2), self.eps, self.t = lr, betas, eps, 0

    def step(self, W, rows, grad):
        """Update ``W[rows]`` in place with the gradient ``grad`` (shape ``(len(rows), d)``, rows unique)."""
        self.t += 1
        m = self.m.index_select(0, rows).mul_(self.b1).add_(grad, alpha=1 - self.b1)
        v = self.v.index_select(0, rows).mul_(self.b2).addcmul_(grad, grad, value=1 - self.b2)
        self.m.index_copy_(0, rows, m)
        self.v.index_copy_(0, rows, v)
        step = self.lr * math.sqrt(1 - self.b2 ** self.t) / (1 - self.b1 ** self.t)
        W.index_add_(0, rows, m.div_(v.sqrt_().add_(self.eps)), alpha=-step)


def fit_x2static(token_lists, contexts, negative: int = 10, sample: float = 5e-6, lr: float = 0.001,
                 batch: int = 128, epochs: int = 5, min_count: int = 1, noise_power: float = 0.5,
                 clamp: float = 20.0, seed: int = 0, log_every: int = 20, progress: bool = True) -> X2StaticModel:
    """Train X2Static vectors from sentences' tokens and each sentence's context vector.

    Every epoch shuffles the sentences, sub-samples the occurrences of frequent words, cuts the
    sentences into batches of ``batch``, and takes one ``SparseAdam`` step per batch on
    :func:`x2static_loss`, each kept occurrence being a target whose context is its sentence's
    row of ``contexts``. Runs on one CPU thread, so a seed gives the same vectors every time.

    Parameters
    ----------
    token_lists : list of list of str
        The words of each sentence (targets); words seen fewer than ``min_count`` times are
        dropped.
    contexts : array_like, shape (n_sentences, d)
        One context vector per sentence (the contextual model's mean last-layer state).
    negative, batch, epochs, min_count : int >= 1
    sample : float >= 0
        Sub-sampling threshold ``t`` (0 keeps every occurrence).
    lr : float > 0
    noise_power : float >= 0
        Noise words are drawn with probability proportional to ``count ** noise_power``.
    clamp : float > 0
    seed : int >= 0
    log_every : int >= 1
        Batches per point of ``losses``.
    progress : bool
        A progress bar over epochs.

    Returns
    -------
    X2StaticModel
        ``.wv`` gives the table as ``KeyedVectors`` of shape ``(V, d)``.

    Raises
    ------
    ValueError
        Token lists and contexts of different lengths, non-finite contexts, a bad parameter, or
        no word left after ``min_count``.
    """
    import torch

    token_lists = [list(s) for s in checks.non_empty(list(token_lists), "token_lists")]
    C = checks.as_matrix(contexts, "contexts").astype(np.float32)
    if len(token_lists) != len(C):
        raise ValueError(f"token_lists has {len(token_lists)} sentences but contexts has {len(C)} rows")
    p = _check_params(negative, sample, lr, batch, epochs, min_count, noise_power, clamp, 0 if seed is None else seed,
                      log_every)
    words, counts = build_vocab(token_lists, p["min_count"])
    seqs = encode(token_lists, {w: i for i, w in enumerate(words)})
    tok = np.concatenate(seqs) if seqs else np.zeros(0, dtype=np.int64)
    sent = np.repeat(np.arange(len(seqs)), [len(s) for s in seqs])
    V, d = len(words), C.shape[1]
    rng = np.random.default_rng(p["seed"])
    keep_p = keep_probability(counts, p["sample"])
    noise_cdf = np.cumsum(noise_distribution(counts, p["noise_power"]))
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        W = torch.from_numpy(rng.uniform(-1 / d, 1 / d, (V, d)).astype(np.float32))
        adam = _RowAdam(V, d, p["lr"])
        ctx = torch.from_numpy(C)
        losses, epoch_losses, acc, n_targets = [], [], [], 0
        start = time.perf_counter()
        for _ in tqdm(range(p["epochs"]), desc="X2Static epochs", disable=not progress):
            rank = np.empty(len(seqs), dtype=np.int64)
            rank[rng.permutation(len(seqs))] = np.arange(len(seqs))
            kept = np.flatnonzero(rng.random(len(tok)) < keep_p[tok])
            kept = kept[np.argsort(rank[sent[kept]], kind="stable")]
            bounds = np.searchsorted(rank[sent[kept]] // p["batch"],
                                     np.arange((len(seqs) + p["batch"] - 1) // p["batch"] + 1))
            this_epoch = []
            for lo, hi in zip(bounds[:-1], bounds[1:]):
                if hi <= lo:
                    continue
                sel = kept[lo:hi]
                n = len(sel)
                noise = np.minimum(np.searchsorted(noise_cdf, rng.random((p["negative"], n))), V - 1)
                uniq, inv = torch.unique(torch.from_numpy(np.concatenate([tok[sel], noise.ravel()])),
                                         return_inverse=True)
                rows = W.index_select(0, uniq).requires_grad_(True)
                picked = rows.index_select(0, inv)        # index_select: its backward is a fast index_add
                loss = x2static_loss(ctx[torch.from_numpy(sent[sel])], picked[:n],
                                     picked[n:].view(p["negative"], n, d), p["clamp"])
                loss.backward()
                adam.step(W, uniq, rows.grad)
                this_epoch.append(float(loss.detach()))
                acc.append(this_epoch[-1])
                if len(acc) == p["log_every"]:
                    losses.append(np.mean(acc))
                    acc = []
                n_targets += n
            epoch_losses.append(np.mean(this_epoch) if this_epoch else np.nan)
        seconds = time.perf_counter() - start
        vectors = W.numpy().copy()
    finally:
        torch.set_num_threads(threads)
    if acc:
        losses.append(np.mean(acc))
    p.pop("log_every")
    return X2StaticModel(words, counts, vectors, np.array(losses), np.array(epoch_losses), int(n_targets), seconds, p)


def train_x2static(texts: Sequence[str], model: str = encodings.DEFAULT_MODEL, negative: int = 10,
                   sample: float = 5e-6, lr: float = 0.001, batch: int = 128, epochs: int = 5, min_count: int = 1,
                   seed: int = 0, progress: bool = True) -> X2StaticModel:
    """X2Static_sent vectors distilled from ``model`` on the sentences ``texts`` (cached).

    Each text is encoded once (the mean of the model's last-layer token vectors, special tokens
    included: the unnormalised sentence-transformers embedding, cached by the encoder), its
    words are :func:`lib.data.tokenize`'s lowercase tokens, and :func:`fit_x2static` trains the
    table. The result is cached under a key of the model's identity (its content hash, via
    ``ContextualEncoder.cache_id``), the texts and every parameter.

    Parameters
    ----------
    texts : sequence of str
        Sentences (the corpus).
    model : str
        The teacher (any encoder :func:`lib.encodings.get_encoder` loads).
    negative, sample, lr, batch, epochs, min_count, seed
        As in :func:`fit_x2static` (defaults: the training script's, with 5 epochs and every word kept).
    progress : bool
        Progress bars for the encoding and the epochs.

    Returns
    -------
    X2StaticModel
        ``.wv``: ``KeyedVectors`` of shape ``(V, d)``, ``d`` the model's width; ``.params`` holds
        ``"model"``, the teacher's cache id.
    """
    texts = checks.texts(texts)
    p = _check_params(negative, sample, lr, batch, epochs, min_count, 0.5, 20.0, seed, 20)
    enc = encodings.get_encoder(model)
    params = {"model": enc.cache_id(), "texts": texts, **{k: v for k, v in p.items() if k != "log_every"}, "v": 1}

    def compute():
        contexts = enc.pool(texts, "mean", layers=-1, show_progress=progress, use_cache=True)
        result = fit_x2static([tokenize(t) for t in texts], contexts, negative=p["negative"], sample=p["sample"],
                              lr=p["lr"], batch=p["batch"], epochs=p["epochs"], min_count=p["min_count"],
                              seed=p["seed"], progress=progress)
        result.params = {**result.params, "model": params["model"], "n_texts": len(texts)}
        return result

    return cache.cached_object("x2static", params, compute)
