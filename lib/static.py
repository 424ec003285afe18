"""Static word embeddings: counting (co-occurrence, PPMI, SVD), predicting (SGNS from
scratch, gensim word2vec and fastText) and the random-walk model that links the two.

=================================  ======================================================
function                           what it does
=================================  ======================================================
:func:`default_sentences`          the tokenized Wikipedia sample every trainer uses
:func:`corpus_fingerprint`         a short hash of a token corpus (part of cache keys)
:func:`build_vocab`                frequency-sorted vocabulary with a ``min_count``
:func:`cooccurrence`               sparse word-context counts (uniform or 1/distance)
:func:`ppmi`                       (shifted, smoothed) positive PMI of a count matrix
:func:`pmi_dense`                  full PMI of a small dense count matrix
:func:`svd_embeddings`             truncated SVD with the singular-value exponent ``p``
:func:`ppmi_svd`                   all of the above as cached gensim ``KeyedVectors``
:func:`train_word2vec`             gensim ``Word2Vec`` (cached) -> ``KeyedVectors``
:func:`word2vec_with_contexts`     the same model's word *and* context vectors
:func:`train_fasttext`             gensim ``FastText`` (cached) -> ``FastTextKeyedVectors``
:func:`sgns_loss_and_grads`        skip-gram negative-sampling loss and gradients
:func:`numerical_gradient`         central finite differences (for gradient checks)
:func:`train_sgns`                 SGNS from scratch in numpy (cached)
:func:`random_walk_corpus`         Arora et al.'s generative model: a synthetic corpus
:func:`window_counts`              dense co-occurrence counts of a synthetic corpus
:func:`procrustes`                 orthogonal Procrustes alignment and its error
=================================  ======================================================

Every trainer is deterministic (``seed=0``, one worker) and cached with
:mod:`lib.cache` under a key made of all its parameters and the corpus fingerprint.
"""
from __future__ import annotations

import hashlib
import time
from collections import Counter

import numpy as np
from scipy import sparse

from . import cache, checks

__all__ = [
    "default_sentences", "corpus_fingerprint", "subsample_corpus", "build_vocab", "cooccurrence", "ppmi",
    "pmi_dense", "svd_embeddings", "ppmi_svd", "train_word2vec", "word2vec_with_contexts",
    "train_fasttext", "sgns_loss_and_grads", "sgns_step", "numerical_gradient", "train_sgns", "SGNSModel",
    "keep_probability", "noise_distribution", "random_walk_corpus", "window_counts", "procrustes", "char_ngrams", "glove_weight",
]


# --------------------------------------------------------------------------- corpus
def default_sentences() -> list[list[str]]:
    """The Wikipedia sample shipped with gensim as tokenized sentences (about 416k tokens)."""
    from . import data

    return data.wikipedia().tokenized_sentences()


def _check_sentences(sentences) -> list[list[str]]:
    if sentences is None:
        return default_sentences()
    if isinstance(sentences, str) or not hasattr(sentences, "__len__"):
        raise ValueError("sentences must be a list of token lists, e.g. [['the', 'cat'], ...]")
    sentences = list(sentences)
    if not sentences:
        raise ValueError("sentences is empty")
    for i, s in enumerate(sentences):
        if isinstance(s, str) or not isinstance(s, (list, tuple)):
            raise ValueError(f"sentences[{i}] must be a list of tokens, got {type(s).__name__}")
    if sum(len(s) for s in sentences) == 0:
        raise ValueError("sentences contain no tokens")
    return sentences


def corpus_fingerprint(sentences) -> str:
    """A 16-hex-digit hash of a tokenized corpus (changes if any token changes)."""
    sentences = _check_sentences(sentences)
    h = hashlib.sha256()
    for s in sentences:
        h.update(("\x1f".join(s) + "\x1e").encode("utf8"))
    return h.hexdigest()[:16]


def subsample_corpus(sentences, fraction: float, seed: int = 0) -> list[list[str]]:
    """A random ``fraction`` of the sentences (kept in order), for corpus-size experiments."""
    sentences = _check_sentences(sentences)
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1]; got {fraction}")
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.permutation(len(sentences))[: max(1, int(round(fraction * len(sentences))))])
    return [sentences[i] for i in keep]


def build_vocab(sentences, min_count: int = 5, max_size: int | None = None) -> tuple[list[str], np.ndarray]:
    """Words seen at least ``min_count`` times, most frequent first (ties alphabetical).

    Returns
    -------
    words : list of str
    counts : ndarray of int, shape (len(words),)
    """
    sentences = _check_sentences(sentences)
    if min_count < 1:
        raise ValueError(f"min_count must be at least 1; got {min_count}")
    counts = Counter(w for s in sentences for w in s)
    items = sorted(((w, c) for w, c in counts.items() if c >= min_count), key=lambda x: (-x[1], x[0]))
    if max_size is not None:
        items = items[:max_size]
    if not items:
        raise ValueError(f"no word occurs at least min_count={min_count} times")
    return [w for w, _ in items], np.array([c for _, c in items], dtype=np.int64)


def _encode(sentences, word_index: dict) -> list[np.ndarray]:
    return [np.array([word_index[w] for w in s if w in word_index], dtype=np.int64) for s in sentences]


# --------------------------------------------------------------------------- counting
def cooccurrence(sentences, words: list[str], window: int = 5, weighting: str = "uniform") -> sparse.csr_matrix:
    """Symmetric word-context co-occurrence counts within ``window`` tokens.

    Out-of-vocabulary tokens are removed first (as word2vec does), so the window
    spans in-vocabulary words.

    Parameters
    ----------
    sentences : list of list of str
    words : list of str
        The vocabulary (row ``i`` and column ``i`` are ``words[i]``).
    window : int
        Largest distance between a word and a context word.
    weighting : {"uniform", "harmonic"}
        ``"uniform"`` counts each pair once; ``"harmonic"`` adds ``1/distance``
        (as GloVe does).

    Returns
    -------
    scipy.sparse.csr_matrix, shape (V, V), float64
    """
    sentences = _check_sentences(sentences)
    words = list(checks.non_empty(list(words), "words"))
    if window < 1:
        raise ValueError(f"window must be at least 1; got {window}")
    if weighting not in ("uniform", "harmonic"):
        raise ValueError(f"unknown weighting {weighting!r}; use 'uniform' or 'harmonic'")
    index = {w: i for i, w in enumerate(words)}
    if len(index) != len(words):
        raise ValueError("words contains duplicates")
    seqs = [s for s in _encode(sentences, index) if len(s) > 1]
    if not seqs:
        raise ValueError("no sentence has two in-vocabulary words")
    flat = np.concatenate(seqs)
    sent_id = np.concatenate([np.full(len(s), i) for i, s in enumerate(seqs)])
    V = len(words)
    rows, cols, vals = [], [], []
    for d in range(1, window + 1):
        same = sent_id[d:] == sent_id[:-d]
        a, b = flat[:-d][same], flat[d:][same]
        w = 1.0 if weighting == "uniform" else 1.0 / d
        rows += [a, b]
        cols += [b, a]
        vals += [np.full(len(a), w), np.full(len(a), w)]
    C = sparse.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=(V, V))
    return C.tocsr()


def ppmi(counts, alpha: float = 1.0, shift: float = 1.0) -> sparse.csr_matrix:
    """Positive pointwise mutual information ``max(PMI - log(shift), 0)`` of a count matrix.

    ``PMI(w, c) = log( #(w,c) * D / (#(w) * #_alpha(c)) )`` where ``D`` is the total
    count and context counts are raised to ``alpha`` (0.75 smooths them, as word2vec's
    negative-sampling distribution does; Levy, Goldberg & Dagan 2015).

    Parameters
    ----------
    counts : array_like or sparse matrix, shape (V, C), non-negative
    alpha : float in (0, 1]
        Context-distribution smoothing exponent.
    shift : float >= 1
        Subtract ``log(shift)`` before clipping (SGNS with ``k`` negatives: ``shift=k``).

    Returns
    -------
    scipy.sparse.csr_matrix of the same shape
    """
    if sparse.issparse(counts):
        M = sparse.csr_matrix(counts, dtype=np.float64)
        data = M.data
    else:
        M = sparse.csr_matrix(checks.as_matrix(counts, "counts", dtype=np.float64))
        data = M.data
    if M.shape[0] == 0 or M.shape[1] == 0 or M.nnz == 0:
        raise ValueError(f"counts is empty (shape {M.shape}, {M.nnz} non-zeros)")
    if not np.isfinite(data).all():
        raise ValueError("counts contains NaN or infinite values")
    if (data < 0).any():
        raise ValueError("counts must be non-negative")
    if not 0 < alpha <= 1:
        raise ValueError(f"alpha must be in (0, 1]; got {alpha}")
    if shift < 1:
        raise ValueError(f"shift must be >= 1 (it is the number of negatives k); got {shift}")
    M.eliminate_zeros()
    total = M.sum()
    row = np.asarray(M.sum(1)).ravel()
    col = np.asarray(M.sum(0)).ravel() ** alpha
    col_p = col / col.sum()
    coo = M.tocoo()
    pmi = np.log(coo.data / total) - np.log(row[coo.row] / total) - np.log(col_p[coo.col]) - np.log(shift)
    keep = pmi > 0
    return sparse.csr_matrix((pmi[keep], (coo.row[keep], coo.col[keep])), shape=M.shape)


def pmi_dense(counts, smoothing: float = 0.0) -> np.ndarray:
    """Full (not clipped) PMI of a small dense count matrix; ``smoothing`` is added to every cell.

    Cells with zero count (after smoothing) get ``-inf``.
    """
    X = checks.as_matrix(counts, "counts", dtype=np.float64)
    if (X < 0).any():
        raise ValueError("counts must be non-negative")
    if smoothing < 0:
        raise ValueError(f"smoothing must be >= 0; got {smoothing}")
    X = X + smoothing
    total = X.sum()
    if total <= 0:
        raise ValueError("counts sum to zero")
    row, col = X.sum(1, keepdims=True), X.sum(0, keepdims=True)
    with np.errstate(divide="ignore"):
        return np.log(X) + np.log(total) - np.log(row) - np.log(col)


def svd_embeddings(M, dim: int, p: float = 0.5, seed: int = 0) -> np.ndarray:
    """Word vectors ``U_d * S_d**p`` from a truncated SVD of ``M`` (``p=0.5``: symmetric split).

    Parameters
    ----------
    M : array_like or sparse matrix, shape (V, C)
    dim : int
        Number of singular vectors kept (``1 <= dim < min(V, C)``).
    p : float
        Exponent of the singular values (1: classic LSA, 0.5: Levy et al.'s choice, 0: none).
    """
    from scipy.sparse.linalg import svds

    if not sparse.issparse(M):
        M = sparse.csr_matrix(checks.as_matrix(M, "M", dtype=np.float64))
    if not isinstance(dim, (int, np.integer)) or dim < 1 or dim >= min(M.shape):
        raise ValueError(f"dim must be an integer in [1, {min(M.shape) - 1}] for a matrix of shape {M.shape}; got {dim}")
    rng = np.random.default_rng(seed)
    v0 = rng.standard_normal(min(M.shape))
    U, S, _ = svds(M.astype(np.float64), k=int(dim), v0=v0)
    order = np.argsort(-S)
    U, S = U[:, order], S[order]
    # fix the sign of each singular vector so the result is reproducible
    signs = np.sign(U[np.abs(U).argmax(0), np.arange(U.shape[1])])
    return (U * signs * S ** p).astype(np.float32)


def ppmi_svd(sentences=None, dim: int = 50, window: int = 5, min_count: int = 5, weighting: str = "uniform",
             alpha: float = 0.75, shift: float = 1.0, p: float = 0.5, max_vocab: int | None = None):
    """PPMI-SVD word vectors (counting), cached, as gensim ``KeyedVectors``.

    Parameters as in :func:`build_vocab`, :func:`cooccurrence`, :func:`ppmi` and
    :func:`svd_embeddings`. ``sentences=None`` uses :func:`default_sentences`.
    """
    sentences = _check_sentences(sentences)
    params = dict(fp=corpus_fingerprint(sentences), dim=dim, window=window, min_count=min_count,
                  weighting=weighting, alpha=alpha, shift=shift, p=p, max_vocab=max_vocab, v=1)

    def compute():
        words, _ = build_vocab(sentences, min_count, max_vocab)
        C = cooccurrence(sentences, words, window, weighting)
        return words, svd_embeddings(ppmi(C, alpha, shift), dim, p)

    words, vecs = cache.cached_object("static-ppmi-svd", params, compute)
    from .models import keyed_vectors

    return keyed_vectors(words, vecs)


# --------------------------------------------------------------------------- gensim trainers
_W2V_DEFAULTS = dict(vector_size=50, window=5, min_count=5, sg=1, negative=5, sample=1e-3, epochs=10,
                     alpha=0.025, min_alpha=0.0001, hs=0, ns_exponent=0.75)


def _gensim_params(params: dict, defaults: dict) -> dict:
    unknown = set(params) - set(defaults) - {"seed", "workers"}
    if unknown:
        raise ValueError(f"unknown parameter(s) {sorted(unknown)}; allowed: {sorted(defaults)}")
    out = {**defaults, **params}
    out.setdefault("seed", 0)
    out.setdefault("workers", 1)
    return out


def _train_gensim(kind: str, sentences, params: dict):
    from gensim.models import FastText, Word2Vec

    cls = Word2Vec if kind == "word2vec" else FastText
    start = time.perf_counter()
    model = cls(sentences, **params)
    seconds = time.perf_counter() - start
    return model, seconds


def train_word2vec(sentences=None, **params):
    """gensim ``Word2Vec`` trained on ``sentences`` (default: the Wikipedia sample), cached.

    Defaults: skip-gram, 50 dimensions (as GloVe 6B 50d), window 5, 5 negatives,
    sub-sampling 1e-3, 10 epochs (the corpus is small: 5 is too few), ``min_count=5``, ``seed=0``, ``workers=1``
    (single-threaded, hence reproducible). Any ``Word2Vec`` argument listed in the
    defaults may be overridden.

    Returns
    -------
    gensim.models.KeyedVectors
        With ``kv.train_seconds`` set to the (first, uncached) training time.
    """
    sentences = _check_sentences(sentences)
    params = _gensim_params(params, _W2V_DEFAULTS)

    def compute():
        model, seconds = _train_gensim("word2vec", sentences, params)
        kv = model.wv
        kv.train_seconds = seconds
        return kv

    return cache.cached_object("static-word2vec", {"fp": corpus_fingerprint(sentences), **params, "v": 1}, compute)


def word2vec_with_contexts(sentences=None, **params):
    """The word2vec model of :func:`train_word2vec` with its output (context) vectors.

    Returns
    -------
    kv : KeyedVectors
        Word (input) vectors ``W``.
    contexts : ndarray, shape (V, d)
        Context (output, ``syn1neg``) vectors ``C``, rows aligned with ``kv.index_to_key``.
    counts : ndarray of int, shape (V,)
        Corpus frequency of each word.
    """
    sentences = _check_sentences(sentences)
    params = _gensim_params(params, _W2V_DEFAULTS)
    if params["negative"] < 1 or params["hs"]:
        raise ValueError("context vectors exist only for negative sampling (negative >= 1, hs=0)")

    def compute():
        model, _ = _train_gensim("word2vec", sentences, params)
        counts = np.array([model.wv.get_vecattr(w, "count") for w in model.wv.index_to_key])
        return model.wv, np.array(model.syn1neg), counts

    return cache.cached_object("static-word2vec-ctx", {"fp": corpus_fingerprint(sentences), **params, "v": 1}, compute)


_FT_DEFAULTS = dict(_W2V_DEFAULTS, min_n=3, max_n=6, bucket=200_000)


def train_fasttext(sentences=None, **params):
    """gensim ``FastText`` (skip-gram with character n-grams), cached.

    Same defaults as :func:`train_word2vec`, plus ``min_n=3``, ``max_n=6`` and
    ``bucket=200_000`` hashed n-gram rows (fewer than fastText's 2M: the corpus is small).

    Returns
    -------
    gensim.models.fasttext.FastTextKeyedVectors
        Gives vectors for out-of-vocabulary words (``kv["unseenword"]``);
        ``kv.train_seconds`` is the training time.
    """
    sentences = _check_sentences(sentences)
    params = _gensim_params(params, _FT_DEFAULTS)

    def compute():
        model, seconds = _train_gensim("fasttext", sentences, params)
        kv = model.wv
        kv.train_seconds = seconds
        return kv

    return cache.cached_object("static-fasttext", {"fp": corpus_fingerprint(sentences), **params, "v": 1}, compute)


def char_ngrams(word: str, min_n: int = 3, max_n: int = 6) -> list[str]:
    """fastText's character n-grams of ``<word>`` (with boundary markers), shortest first.

    ``char_ngrams("where", 3, 3) == ['<wh', 'whe', 'her', 'ere', 're>']``. As in gensim,
    the whole bracketed word counts as an n-gram when it is at most ``max_n`` long.
    """
    if not isinstance(word, str) or not word:
        raise ValueError(f"word must be a non-empty string; got {word!r}")
    if not 1 <= min_n <= max_n:
        raise ValueError(f"need 1 <= min_n <= max_n; got min_n={min_n}, max_n={max_n}")
    w = f"<{word}>"
    return [w[i:i + n] for n in range(min_n, max_n + 1) for i in range(len(w) - n + 1)]


def glove_weight(x, x_max: float = 100.0, alpha: float = 0.75) -> np.ndarray:
    """GloVe's weighting ``f(x) = min(1, (x / x_max) ** alpha)`` of a co-occurrence count."""
    x = np.asarray(x, dtype=np.float64)
    if (x < 0).any() or not np.isfinite(x).all():
        raise ValueError("co-occurrence counts must be finite and non-negative")
    if x_max <= 0:
        raise ValueError(f"x_max must be positive; got {x_max}")
    return np.minimum(1.0, (x / x_max) ** alpha)


# --------------------------------------------------------------------------- SGNS from scratch
def _log_sigmoid(x):
    return -np.logaddexp(0.0, -x)


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


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
    grad_w, grad_pos, grad_neg : ndarrays shaped like the inputs
    """
    w = np.asarray(w, dtype=np.float64)
    c_pos = np.asarray(c_pos, dtype=np.float64)
    c_neg = np.asarray(c_neg, dtype=np.float64)
    if w.ndim != 2 or c_pos.shape != w.shape:
        raise ValueError(f"shape mismatch: w {w.shape} and c_pos {c_pos.shape} must both be (B, d)")
    if c_neg.ndim != 3 or c_neg.shape[0] != w.shape[0] or c_neg.shape[2] != w.shape[1]:
        raise ValueError(f"shape mismatch: c_neg must be (B, k, d) = ({w.shape[0]}, k, {w.shape[1]}); got {c_neg.shape}")
    for name, a in (("w", w), ("c_pos", c_pos), ("c_neg", c_neg)):
        if not np.isfinite(a).all():
            raise ValueError(f"{name} contains NaN or infinite values")
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
    """Central finite-difference gradient of the scalar function ``f`` at ``x`` (float64)."""
    x = np.array(x, dtype=np.float64)
    if x.size == 0:
        raise ValueError("x is empty")
    if eps <= 0:
        raise ValueError(f"eps must be positive; got {eps}")
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


def keep_probability(counts, sample: float = 1e-3) -> np.ndarray:
    """word2vec's sub-sampling: the probability of keeping each occurrence of a word.

    ``min(1, sqrt(t / f) + t / f)`` with ``f`` the word's relative frequency and ``t = sample``
    (gensim's formula); ``sample=0`` keeps everything.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError(f"counts must be a non-empty 1-D array; got shape {counts.shape}")
    if (counts <= 0).any() or not np.isfinite(counts).all():
        raise ValueError("counts must be finite and positive")
    if sample < 0:
        raise ValueError(f"sample must be >= 0; got {sample}")
    if sample == 0:
        return np.ones_like(counts)
    f = counts / counts.sum()
    return np.minimum(1.0, np.sqrt(sample / f) + sample / f)


def noise_distribution(counts, power: float = 0.75) -> np.ndarray:
    """The negative-sampling distribution: unigram counts raised to ``power``, normalised."""
    counts = np.asarray(counts, dtype=np.float64)
    if counts.ndim != 1 or counts.size == 0:
        raise ValueError(f"counts must be a non-empty 1-D array; got shape {counts.shape}")
    if (counts < 0).any() or not np.isfinite(counts).all() or counts.sum() == 0:
        raise ValueError("counts must be finite, non-negative and not all zero")
    q = counts ** power
    return q / q.sum()


class SGNSModel:
    """Result of :func:`train_sgns`: word vectors ``W``, context vectors ``C`` and the loss curve."""

    def __init__(self, words, counts, W, C, losses, seconds, params):
        self.words, self.counts, self.W, self.C = words, counts, W, C
        self.losses, self.seconds, self.params = losses, seconds, params

    @property
    def wv(self):
        """The word vectors as gensim ``KeyedVectors``."""
        from .models import keyed_vectors

        return keyed_vectors(self.words, self.W)

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

    Returns
    -------
    SGNSModel
        ``.wv`` gives ``KeyedVectors``; ``.W``, ``.C`` the input/output matrices;
        ``.losses`` the mean loss per pair every ~50 batches; ``.seconds`` the training time.
    """
    sentences = _check_sentences(sentences)
    for name, v in (("dim", dim), ("window", window), ("negative", negative), ("epochs", epochs), ("batch", batch)):
        if not isinstance(v, (int, np.integer)) or v < 1:
            raise ValueError(f"{name} must be a positive integer; got {v!r}")
    if not lr > 0:
        raise ValueError(f"lr must be positive; got {lr}")
    params = dict(fp=corpus_fingerprint(sentences), dim=dim, window=window, negative=negative, epochs=epochs,
                  min_count=min_count, sample=sample, lr=lr, min_lr=min_lr, batch=batch, seed=seed, v=2)

    def compute():
        import torch

        words, counts = build_vocab(sentences, min_count)
        index = {w: i for i, w in enumerate(words)}
        seqs = _encode(sentences, index)
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


# --------------------------------------------------------------------------- random-walk model
def random_walk_corpus(vectors, n_tokens: int, rho: float = 0.99, doc_length: int = 1000,
                       seed: int = 0) -> np.ndarray:
    """A synthetic corpus from Arora et al.'s latent-variable (random-walk) model.

    A discourse vector ``c_t`` on the unit sphere drifts slowly (a stationary
    Gaussian AR(1) process with correlation ``rho``, normalised); at each step a word
    is emitted with probability ``p(w | c_t) ∝ exp(<v_w, c_t>)``. Documents of
    ``doc_length`` tokens start from independent discourse vectors.

    Parameters
    ----------
    vectors : ndarray, shape (V, d)
        The true word vectors ``v_w``.
    n_tokens : int
        Corpus length (rounded up to whole documents).
    rho : float in [0, 1)
        How slowly the discourse drifts (1 would be frozen).

    Returns
    -------
    ndarray of int, shape (n_docs, doc_length)
        Word ids.
    """
    from scipy.signal import lfilter

    V = checks.as_matrix(vectors, "vectors", dtype=np.float64)
    if n_tokens < 1 or doc_length < 2:
        raise ValueError(f"need n_tokens >= 1 and doc_length >= 2; got {n_tokens}, {doc_length}")
    if not 0 <= rho < 1:
        raise ValueError(f"rho must be in [0, 1); got {rho}")
    n_docs = -(-int(n_tokens) // doc_length)
    rng = np.random.default_rng(seed)
    d = V.shape[1]
    out = np.empty((n_docs, doc_length), dtype=np.int32)
    for i in range(n_docs):
        z = rng.standard_normal((doc_length, d))
        z[0] /= np.sqrt(1 - rho ** 2)                                  # start in the stationary law
        c = lfilter([np.sqrt(1 - rho ** 2)], [1, -rho], z, axis=0)     # AR(1), unit variance
        c /= np.linalg.norm(c, axis=1, keepdims=True)
        logits = c @ V.T
        logits -= logits.max(1, keepdims=True)
        p = np.exp(logits)
        cdf = np.cumsum(p, 1)
        u = rng.random(doc_length)[:, None] * cdf[:, -1:]
        out[i] = np.minimum((cdf < u).sum(1), len(V) - 1)
    return out


def procrustes(A, B, scale: bool = True) -> tuple[np.ndarray, float]:
    """Best rotation (and scale) taking ``A`` onto ``B``, and the relative error left.

    Solves ``min_{R orthogonal, s} ||s A R - B||_F`` (Schönemann 1966) with
    ``R = U V^T`` from the SVD ``A^T B = U S V^T``.

    Returns
    -------
    aligned : ndarray, shape (n, d)
        ``s A R``.
    error : float
        ``||s A R - B||_F / ||B||_F`` (0: identical up to rotation).
    """
    A = checks.as_matrix(A, "A", dtype=np.float64)
    B = checks.as_matrix(B, "B", dtype=np.float64)
    if A.shape != B.shape:
        raise ValueError(f"shape mismatch: A {A.shape} vs B {B.shape}")
    U, S, Vt = np.linalg.svd(A.T @ B)
    R = U @ Vt
    s = S.sum() / (A ** 2).sum() if scale else 1.0
    aligned = s * A @ R
    return aligned, float(np.linalg.norm(aligned - B) / np.linalg.norm(B))


def window_counts(docs, vocab_size: int, window: int = 5) -> np.ndarray:
    """Dense symmetric co-occurrence counts of integer-coded documents (for small vocabularies).

    Parameters
    ----------
    docs : ndarray of int, shape (n_docs, length)
        Word ids in ``[0, vocab_size)``, e.g. from :func:`random_walk_corpus`.
    vocab_size : int
    window : int
        Pairs at distance ``1..window`` inside the same document are counted.

    Returns
    -------
    ndarray, shape (vocab_size, vocab_size), float64
    """
    docs = np.asarray(docs)
    if docs.ndim != 2 or docs.size == 0:
        raise ValueError(f"docs must be a non-empty 2-D array of word ids; got shape {docs.shape}")
    if not np.issubdtype(docs.dtype, np.integer):
        raise ValueError(f"docs must hold integer word ids; got dtype {docs.dtype}")
    if docs.min() < 0 or docs.max() >= vocab_size:
        raise ValueError(f"word ids must be in [0, {vocab_size}); got range [{docs.min()}, {docs.max()}]")
    if not 1 <= window < docs.shape[1]:
        raise ValueError(f"window must be in [1, {docs.shape[1] - 1}]; got {window}")
    X = np.zeros(vocab_size * vocab_size)
    for d in range(1, window + 1):
        a, b = docs[:, :-d].ravel().astype(np.int64), docs[:, d:].ravel().astype(np.int64)
        X += np.bincount(a * vocab_size + b, minlength=vocab_size * vocab_size)
        X += np.bincount(b * vocab_size + a, minlength=vocab_size * vocab_size)
    return X.reshape(vocab_size, vocab_size)
