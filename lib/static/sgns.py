"""Skip-gram with negative sampling written from scratch: loss and gradients, the update, the trainer.

Teaching code: Part II's chapter on prediction prints :func:`sgns_loss_and_grads` as it is here.
"""
from __future__ import annotations

import time

import numpy as np

from .. import cache, checks, models
from .corpus import build_vocab, check_sentences, corpus_fingerprint, encode

__all__ = ["sgns_loss_and_grads", "numerical_gradient", "sgns_step", "keep_probability", "noise_distribution",
           "SGNSModel", "train_sgns"]


def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


def _sgns_batch(w, c_pos, c_neg):
    """float64 copies of a batch, checked to be finite with shapes (B, d), (B, d), (B, k, d)."""
    w, c_pos, c_neg = (np.asarray(a, dtype=np.float64) for a in (w, c_pos, c_neg))
    if w.ndim != 2 or c_pos.shape != w.shape:
        raise ValueError(f"shape mismatch: w {w.shape} and c_pos {c_pos.shape} must both be (B, d)")
    if c_neg.ndim != 3 or c_neg.shape[0] != w.shape[0] or c_neg.shape[2] != w.shape[1]:
        raise ValueError(f"shape mismatch: c_neg must be (B, k, d) = ({w.shape[0]}, k, {w.shape[1]}); got {c_neg.shape}")
    for name, a in (("w", w), ("c_pos", c_pos), ("c_neg", c_neg)):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or infinite values")
    return w, c_pos, c_neg


def sgns_loss_and_grads(w, c_pos, c_neg):
    """Skip-gram negative-sampling loss of a batch and its gradients.

    For a centre vector ``w``, its true context ``c+`` and ``k`` noise contexts ``c-_j``:
    ``L = -log s(w . c+) - sum_j log s(-w . c-_j)`` with ``s`` the logistic sigmoid.

    Parameters
    ----------
    w : ndarray, shape (B, d)
    c_pos : ndarray, shape (B, d)
    c_neg : ndarray, shape (B, k, d)

    Returns
    -------
    loss : float
        Summed over the batch.
    grad_w, grad_pos, grad_neg : ndarrays shaped like the inputs, float64

    Examples
    --------
    >>> loss, grad_w, _, _ = sgns_loss_and_grads(np.zeros((1, 2)), np.zeros((1, 2)), np.zeros((1, 3, 2)))
    >>> round(loss, 4)                   # every sigmoid is 1/2 at zero: (1 + k) log 2 = 4 log 2
    2.7726
    """
    w, c_pos, c_neg = _sgns_batch(w, c_pos, c_neg)  # float64; shapes (B,d) (B,d) (B,k,d) and finiteness checked
    s_pos = (w * c_pos).sum(1)                       # (B,)
    s_neg = np.einsum("bd,bkd->bk", w, c_neg)        # (B, k)
    loss = -(_log_sigmoid(s_pos).sum() + _log_sigmoid(-s_neg).sum())
    g_pos = _sigmoid(s_pos) - 1.0                    # dL/ds_pos
    g_neg = _sigmoid(s_neg)                          # dL/ds_neg
    grad_w = g_pos[:, None] * c_pos + np.einsum("bk,bkd->bd", g_neg, c_neg)
    grad_pos = g_pos[:, None] * w
    grad_neg = g_neg[:, :, None] * w[:, None, :]
    return float(loss), grad_w, grad_pos, grad_neg


def numerical_gradient(f, x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """Central finite-difference gradient of the scalar function ``f`` at ``x`` (float64).

    Parameters
    ----------
    f : callable, array shaped like ``x`` -> float
    x : array_like, non-empty
    eps : float > 0
        Step.

    Returns
    -------
    ndarray, shaped like ``x``, float64

    Examples
    --------
    >>> numerical_gradient(lambda v: float((v ** 2).sum()), np.array([1.0, -2.0])).round(6).tolist()
    [2.0, -4.0]
    """
    x = np.array(x, dtype=np.float64)
    if x.size == 0:
        raise ValueError("x is empty")
    eps = checks.number(eps, "eps", lo=0, lo_open=True)
    g = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i]
        x[i] = old + eps
        up = f(x)
        x[i] = old - eps
        down = f(x)
        x[i] = old
        g[i] = (up - down) / (2 * eps)
    return g


def sgns_step(W, C, centres, contexts, negatives, rate: float, with_loss: bool = False):
    """One in-place SGD step of SGNS on a batch (torch tensors), the trainer's inner loop.

    ``W -= rate * dL/dW`` and ``C -= rate * dL/dC`` with the gradients of
    :func:`sgns_loss_and_grads`, summed over repeated rows.

    Parameters
    ----------
    W, C : torch.Tensor, shape (V, d)
        Word and context vectors, updated in place.
    centres, contexts : torch.Tensor of int64, shape (B,)
    negatives : torch.Tensor of int64, shape (B, k)
    rate : float
        Learning rate.
    with_loss : bool
        Also return the batch loss (summed), computed before the update.

    Returns
    -------
    float or None
        The batch loss when ``with_loss``.
    """
    import torch

    if centres.shape != contexts.shape or negatives.ndim != 2 or negatives.shape[0] != centres.shape[0]:
        raise ValueError(f"shape mismatch: centres {tuple(centres.shape)}, contexts {tuple(contexts.shape)}, "
                         f"negatives {tuple(negatives.shape)} (need (B,), (B,), (B, k))")
    dim = W.shape[1]
    w, cp, cn = W[centres], C[contexts], C[negatives]          # (B,d) (B,d) (B,k,d)
    s_pos = (w * cp).sum(1)
    s_neg = torch.einsum("bd,bkd->bk", w, cn)
    g_pos = torch.sigmoid(s_pos) - 1.0                          # dL/ds_pos
    g_neg = torch.sigmoid(s_neg)                                # dL/ds_neg
    loss = None
    if with_loss:
        loss = float(-(torch.nn.functional.logsigmoid(s_pos).sum() + torch.nn.functional.logsigmoid(-s_neg).sum()))
    grad_w = g_pos[:, None] * cp + torch.einsum("bk,bkd->bd", g_neg, cn)
    C.index_add_(0, contexts, g_pos[:, None] * w, alpha=-rate)
    C.index_add_(0, negatives.reshape(-1), (g_neg[:, :, None] * w[:, None, :]).reshape(-1, dim), alpha=-rate)
    W.index_add_(0, centres, grad_w, alpha=-rate)
    return loss


def _counts_vector(counts, positive: bool) -> np.ndarray:
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError(f"counts must be a non-empty 1-D array; got shape {counts.shape}")
    if not np.isfinite(counts).all() or (counts <= 0 if positive else counts < 0).any():
        raise ValueError("counts must be finite and positive" if positive
                         else "counts must be finite, non-negative and not all zero")
    if counts.sum() == 0:
        raise ValueError("counts must be finite, non-negative and not all zero")
    return counts


def keep_probability(counts, sample: float = 1e-3) -> np.ndarray:
    """word2vec's sub-sampling: the probability of keeping each occurrence of a word.

    ``min(1, sqrt(t / f) + t / f)`` with ``f`` the word's relative frequency and ``t = sample``
    (gensim's formula); ``sample=0`` keeps everything.

    Parameters
    ----------
    counts : array_like, shape (V,), finite and positive
    sample : float >= 0

    Returns
    -------
    ndarray, shape (V,), float64, in (0, 1]

    Examples
    --------
    >>> keep_probability([99, 1], sample=0.01).round(3).tolist()
    [0.111, 1.0]
    """
    counts = _counts_vector(counts, positive=True)
    sample = checks.number(sample, "sample", lo=0)
    if sample == 0:
        return np.ones_like(counts)
    f = counts / counts.sum()
    return np.minimum(1.0, np.sqrt(sample / f) + sample / f)


def noise_distribution(counts, power: float = 0.75) -> np.ndarray:
    """The negative-sampling distribution: unigram counts raised to ``power``, normalised.

    Parameters
    ----------
    counts : array_like, shape (V,), finite, non-negative, not all zero
    power : float
        0.75 in word2vec; 1 is the unigram distribution, 0 the uniform one.

    Returns
    -------
    ndarray, shape (V,), float64, summing to 1

    Examples
    --------
    >>> noise_distribution([3, 1], power=1.0).tolist()
    [0.75, 0.25]
    """
    counts = _counts_vector(counts, positive=False)
    q = counts ** checks.number(power, "power")
    return q / q.sum()


class SGNSModel:
    """Result of :func:`train_sgns`: word vectors ``W``, context vectors ``C`` and the loss curve.

    Attributes
    ----------
    words : list of str
    counts : ndarray of int64, shape (V,)
    W, C : ndarray, shape (V, d), float32
        Input (word) and output (context) vectors.
    losses : ndarray, shape (n_points,)
        Mean loss per pair, every ~200 batches.
    seconds : float
        Training time.
    params : dict
        The trainer's arguments (its cache key).
    """

    def __init__(self, words, counts, W, C, losses, seconds, params):
        self.words, self.counts, self.W, self.C = words, counts, W, C
        self.losses, self.seconds, self.params = losses, seconds, params

    @property
    def wv(self):
        """The word vectors as gensim ``KeyedVectors``."""
        return models.keyed_vectors(self.words, self.W)

    def __repr__(self) -> str:
        return f"SGNSModel({len(self.words)} words, d={self.W.shape[1]}, {len(self.losses)} loss points)"


def _sgns_pairs(seqs, window, rng):
    """(centre, context) pairs with word2vec's dynamic window (effective size uniform in 1..window)."""
    centres, contexts = [], []
    for seq in seqs:
        n = len(seq)
        if n < 2:
            continue
        b = rng.integers(1, window + 1, size=n)           # reduced window per centre
        for d in range(1, window + 1):
            if d >= n:
                break
            m = b[:-d] >= d                                # left word is centre, right is context
            centres.append(seq[:-d][m]); contexts.append(seq[d:][m])
            m = b[d:] >= d                                 # right word is centre, left is context
            centres.append(seq[d:][m]); contexts.append(seq[:-d][m])
    return np.concatenate(centres), np.concatenate(contexts)


def train_sgns(sentences=None, dim: int = 50, window: int = 5, negative: int = 5, epochs: int = 5,
               min_count: int = 5, sample: float = 1e-3, lr: float = 0.025, min_lr: float = 0.0001,
               batch: int = 1024, seed: int = 0, progress: bool = True) -> "SGNSModel":
    """Skip-gram with negative sampling, written from scratch (torch tensors, no autograd), cached.

    The recipe is word2vec's: frequent-word sub-sampling (keep probability
    ``sqrt(t/f) + t/f``), a dynamic window, ``negative`` noise words drawn from the
    unigram distribution raised to 0.75, input vectors initialised uniformly in
    ``±0.5/dim`` and output vectors at zero, and a learning rate decaying linearly from
    ``lr`` to ``min_lr``. Updates are applied per mini-batch of ``batch`` pairs
    (``index_add_`` accumulates the gradients of repeated words), the one deviation from
    word2vec's one-pair-at-a-time SGD. The gradients are those of
    :func:`sgns_loss_and_grads`. Runs on one CPU thread, like gensim with ``workers=1``.

    Parameters
    ----------
    sentences : list of list of str, optional
        Default :func:`default_sentences`.
    dim, window, negative, epochs, batch : int >= 1
    min_count : int >= 1
    sample : float >= 0
        Sub-sampling threshold ``t`` (0: none).
    lr, min_lr : float, ``lr > 0``, ``0 <= min_lr <= lr``
    seed : int
    progress : bool
        Show a progress bar over epochs.

    Returns
    -------
    SGNSModel
        ``.wv`` gives ``KeyedVectors``; ``.W``, ``.C`` the input/output matrices;
        ``.losses`` the mean loss per pair every ~200 batches; ``.seconds`` the training time.
    """
    sentences = check_sentences(sentences)
    for name, v in (("dim", dim), ("window", window), ("negative", negative), ("epochs", epochs), ("batch", batch),
                    ("min_count", min_count)):
        checks.integer(v, name, lo=1)
    checks.integer(seed, "seed", lo=0)
    checks.number(sample, "sample", lo=0)
    checks.number(lr, "lr", lo=0, lo_open=True)
    checks.number(min_lr, "min_lr", lo=0, hi=lr)
    params = dict(fp=corpus_fingerprint(sentences), dim=dim, window=window, negative=negative, epochs=epochs,
                  min_count=min_count, sample=sample, lr=lr, min_lr=min_lr, batch=batch, seed=seed, v=2)

    def compute():
        import torch

        words, counts = build_vocab(sentences, min_count)
        index = {w: i for i, w in enumerate(words)}
        seqs = encode(sentences, index)
        rng = np.random.default_rng(seed)
        V = len(words)
        W0 = ((rng.random((V, dim)) - 0.5) / dim).astype(np.float32)
        threads = torch.get_num_threads()
        torch.set_num_threads(1)                      # one core, like gensim's workers=1
        try:
            W, C = torch.from_numpy(W0), torch.zeros((V, dim), dtype=torch.float32)
            noise_cdf = np.cumsum(noise_distribution(counts, 0.75))
            keep_p = keep_probability(counts, sample)
            epoch_tokens = sum(len(s) for s in seqs)
            total_tokens = epoch_tokens * epochs
            losses, done_tokens = [], 0
            start = time.perf_counter()
            bar = None
            if progress:
                from tqdm import tqdm

                bar = tqdm(total=epochs, desc="SGNS epochs")
            for _ in range(epochs):
                kept = [s[rng.random(len(s)) < keep_p[s]] for s in seqs]
                centres, contexts = _sgns_pairs(kept, window, rng)
                order = rng.permutation(len(centres))
                centres = torch.from_numpy(centres[order])
                contexts = torch.from_numpy(contexts[order])
                negatives = torch.from_numpy(
                    np.minimum(np.searchsorted(noise_cdf, rng.random((len(order), negative))), V - 1))
                n_batches = (len(order) + batch - 1) // batch
                acc, acc_n = 0.0, 0
                for bi in range(n_batches):
                    sl = slice(bi * batch, (bi + 1) * batch)
                    ci, oi, ni = centres[sl], contexts[sl], negatives[sl]
                    frac = (done_tokens + epoch_tokens * bi / n_batches) / total_tokens
                    rate = max(min_lr, lr - (lr - min_lr) * frac)
                    loss = sgns_step(W, C, ci, oi, ni, rate, with_loss=bi % 20 == 0)
                    if loss is not None:
                        acc += loss
                        acc_n += len(ci)
                        if bi % 200 == 0:
                            losses.append(acc / acc_n)
                            acc, acc_n = 0.0, 0
                done_tokens += epoch_tokens
                if bar is not None:
                    bar.update(1)
            if bar is not None:
                bar.close()
            seconds = time.perf_counter() - start
        finally:
            torch.set_num_threads(threads)
        return SGNSModel(words, counts, W.numpy().copy(), C.numpy().copy(), np.array(losses), seconds, params)

    return cache.cached_object("static-sgns", params, compute)
