"""Counting: co-occurrence matrices, (P)PMI, truncated SVD, and the cached count-based vectors."""
from __future__ import annotations

import numpy as np
from scipy import sparse

from .. import cache, checks, models
from .corpus import build_vocab, check_sentences, corpus_fingerprint, encode

__all__ = ["cooccurrence", "ppmi", "pmi_dense", "svd_embeddings", "ppmi_svd", "log_count_svd", "glove_weight"]


def cooccurrence(sentences, words: list[str], window: int = 5, weighting: str = "uniform") -> sparse.csr_matrix:
    """Symmetric word-context co-occurrence counts within ``window`` tokens.

    Out-of-vocabulary tokens are removed first (as word2vec does), so the window
    spans in-vocabulary words.

    Parameters
    ----------
    sentences : list of list of str
    words : list of str
        The vocabulary (row ``i`` and column ``i`` are ``words[i]``), no duplicates.
    window : int >= 1
        Largest distance between a word and a context word.
    weighting : {"uniform", "harmonic"}
        ``"uniform"`` counts each pair once; ``"harmonic"`` adds ``1/distance``
        (as GloVe does).

    Returns
    -------
    scipy.sparse.csr_matrix, shape (V, V), float64

    Examples
    --------
    >>> cooccurrence([["a", "b", "c"]], ["a", "b", "c"], window=1).toarray().tolist()
    [[0.0, 1.0, 0.0], [1.0, 0.0, 1.0], [0.0, 1.0, 0.0]]
    """
    sentences = check_sentences(sentences)
    if isinstance(words, str):
        raise ValueError("words must be a list of words, not a single string")
    words = list(checks.non_empty(list(words), "words"))
    window = checks.integer(window, "window", lo=1)
    checks.choice(weighting, "weighting", ("uniform", "harmonic"))
    index = {w: i for i, w in enumerate(words)}
    if len(index) != len(words):
        raise ValueError("words contains duplicates")
    seqs = [s for s in encode(sentences, index) if len(s) > 1]
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


def _finite_matrix(counts, name: str = "counts") -> sparse.csr_matrix:
    """A finite, non-empty real matrix as float64 CSR (dense or sparse input)."""
    if sparse.issparse(counts):
        if np.asarray(counts.data).dtype.kind not in "biuf":
            raise ValueError(f"{name} must hold real numbers; got dtype {counts.dtype}")
        M = sparse.csr_matrix(counts, dtype=np.float64)
        if M.nnz and not np.isfinite(M.data).all():
            raise ValueError(f"{name} contains NaN or infinite values")
    else:
        M = sparse.csr_matrix(checks.as_matrix(counts, name, dtype=np.float64))
    if M.shape[0] == 0 or M.shape[1] == 0 or M.nnz == 0:
        raise ValueError(f"{name} is empty (shape {M.shape}, {M.nnz} non-zeros)")
    return M


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
    scipy.sparse.csr_matrix, shape (V, C), float64

    Examples
    --------
    >>> ppmi([[2.0, 0.0], [0.0, 2.0]]).toarray().round(3).tolist()
    [[0.693, 0.0], [0.0, 0.693]]
    """
    M = _finite_matrix(counts)
    if (M.data < 0).any():
        raise ValueError("counts must be non-negative")
    checks.number(alpha, "alpha", lo=0, hi=1, lo_open=True)
    if checks.number(shift, "shift") < 1:
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

    Parameters
    ----------
    counts : array_like, shape (V, C), non-negative
    smoothing : float >= 0
        Added to every cell first (``1.0``: add-one smoothing, no cell stays zero).

    Returns
    -------
    ndarray, shape (V, C), float64
        ``log(#(w,c) D / (#(w) #(c)))``; a cell whose count is zero (after smoothing) is ``-inf``,
        also in an all-zero row or column.

    Examples
    --------
    >>> pmi_dense([[1.0, 1.0], [0.0, 0.0]]).tolist()
    [[0.0, 0.0], [-inf, -inf]]
    """
    X = checks.as_matrix(counts, "counts", dtype=np.float64)
    if (X < 0).any():
        raise ValueError("counts must be non-negative")
    X = X + checks.number(smoothing, "smoothing", lo=0)
    total = X.sum()
    if total <= 0:
        raise ValueError("counts sum to zero")
    row, col = X.sum(1, keepdims=True), X.sum(0, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        pmi = np.log(X) + np.log(total) - np.log(row) - np.log(col)
    return np.where(X > 0, pmi, -np.inf)


def svd_embeddings(M, dim: int, p: float = 0.5, seed: int = 0) -> np.ndarray:
    """Word vectors ``U_d * S_d**p`` from a truncated SVD of ``M`` (``p=0.5``: symmetric split).

    Parameters
    ----------
    M : array_like or sparse matrix, shape (V, C), finite
    dim : int
        Number of singular vectors kept (``1 <= dim < min(V, C)``).
    p : float
        Exponent of the singular values (1: classic LSA, 0.5: Levy et al.'s choice, 0: none).
    seed : int
        Seeds the start vector of the iterative SVD.

    Returns
    -------
    ndarray, shape (V, dim), float32
        Columns by decreasing singular value; each column's largest entry is positive.

    Examples
    --------
    >>> M = np.outer([1.0, 2.0, 3.0], [1.0, 0.0, 1.0])
    >>> [round(float(x), 3) for x in svd_embeddings(M, 1, p=1.0).ravel()]
    [1.414, 2.828, 4.243]
    """
    from scipy.sparse.linalg import svds

    M = _finite_matrix(M, "M")
    dim = checks.integer(dim, "dim")
    if not 1 <= dim < min(M.shape):
        raise ValueError(f"dim must be an integer in [1, {min(M.shape) - 1}] for a matrix of shape {M.shape}; got {dim}")
    p = checks.number(p, "p")
    rng = np.random.default_rng(checks.integer(seed, "seed", lo=0))
    v0 = rng.standard_normal(min(M.shape))
    U, S, _ = svds(M, k=dim, v0=v0)
    order = np.argsort(-S)
    U, S = U[:, order], S[order]
    # fix the sign of each singular vector so the result is reproducible
    signs = np.sign(U[np.abs(U).argmax(0), np.arange(U.shape[1])])
    return (U * signs * S ** p).astype(np.float32)


def ppmi_svd(sentences=None, dim: int = 50, window: int = 5, min_count: int = 5, weighting: str = "uniform",
             alpha: float = 0.75, shift: float = 1.0, p: float = 0.5, max_vocab: int | None = None):
    """PPMI-SVD word vectors (counting), cached, as gensim ``KeyedVectors``.

    Parameters
    ----------
    sentences : list of list of str, optional
        Default :func:`default_sentences`.
    dim, p
        As in :func:`svd_embeddings`.
    window, weighting
        As in :func:`cooccurrence`.
    min_count, max_vocab
        As ``min_count`` and ``max_size`` of :func:`build_vocab`.
    alpha, shift
        As in :func:`ppmi`.

    Returns
    -------
    gensim.models.KeyedVectors
        ``dim``-dimensional float32 vectors, words in frequency order.
    """
    sentences = check_sentences(sentences)
    params = dict(fp=corpus_fingerprint(sentences), dim=dim, window=window, min_count=min_count,
                  weighting=weighting, alpha=alpha, shift=shift, p=p, max_vocab=max_vocab, v=1)

    def compute():
        words, _ = build_vocab(sentences, min_count, max_vocab)
        C = cooccurrence(sentences, words, window, weighting)
        return words, svd_embeddings(ppmi(C, alpha, shift), dim, p)

    words, vecs = cache.cached_object("static-ppmi-svd", params, compute)
    return models.keyed_vectors(words, vecs)


def log_count_svd(sentences=None, dim: int = 50, window: int = 5, weighting: str = "uniform", p: float = 0.5):
    """SVD of ``log(1 + counts)``, the count-based baseline that shows what PMI buys; cached.

    The vocabulary is the words seen at least 5 times (``build_vocab(sentences, 5)``), as in
    :func:`ppmi_svd`'s default.

    Parameters
    ----------
    sentences : list of list of str, optional
        Default :func:`default_sentences`.
    dim, window, weighting, p
        As in :func:`ppmi_svd`.

    Returns
    -------
    gensim.models.KeyedVectors
        One float32 row of length ``dim`` per word seen 5 times or more.
    """
    sentences = check_sentences(sentences)
    words, _ = build_vocab(sentences, 5)
    # the key of Part II ch1's first version of this function: the vocabulary is fixed by the corpus
    key = dict(fp=corpus_fingerprint(sentences), dim=dim, window=window, weighting=weighting, p=p)

    def compute():
        return svd_embeddings(cooccurrence(sentences, words, window, weighting).log1p(), dim, p)

    return models.keyed_vectors(words, cache.cached_array("static-logcount-svd", key, compute))


def glove_weight(x, x_max: float = 100.0, alpha: float = 0.75) -> np.ndarray:
    """GloVe's weighting ``f(x) = min(1, (x / x_max) ** alpha)`` of a co-occurrence count.

    Parameters
    ----------
    x : array_like, finite and non-negative
    x_max : float > 0
    alpha : float > 0

    Returns
    -------
    ndarray, shaped like ``x``, float64, in [0, 1]

    Examples
    --------
    >>> glove_weight([0, 100, 1000]).tolist()
    [0.0, 1.0, 1.0]
    """
    x = np.asarray(x, dtype=np.float64)
    if (x < 0).any() or not np.isfinite(x).all():
        raise ValueError("co-occurrence counts must be finite and non-negative")
    x_max = checks.number(x_max, "x_max", lo=0, lo_open=True)
    alpha = checks.number(alpha, "alpha", lo=0, lo_open=True)
    return np.minimum(1.0, (x / x_max) ** alpha)
