"""Static word vectors read out of a contextual model (Part III, chapter 2).

One vector per word, four ways: the word encoded alone (:func:`decontextualized_vectors`), the
mean over its occurrences in a corpus (:func:`aggregated_vectors` from
:func:`~lib.contextual.contextual_word_stats`, or :func:`aggregated_context_vectors` over up to
``m`` chosen contexts per word, read as a table by :func:`context_table`), the model's input
embedding table (:func:`input_embedding_vectors`), and model2vec's distillation
(:func:`model2vec_model`, :func:`model2vec_vectors`). :func:`static_eval_vocab` is the
vocabulary they are compared on.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np
from tqdm.auto import tqdm

from .. import cache, checks, distill, encodings, models
from ..data import google_analogies, simlex999, tokenize, wikipedia, wordsim353
from .measures import POOLINGS, WORD_RE, layer_word_vectors

__all__ = ["static_eval_vocab", "decontextualized_vectors", "aggregated_vectors", "input_embedding_vectors",
           "model2vec_model", "model2vec_vectors", "context_sentences", "aggregated_context_vectors",
           "context_table"]


def static_eval_vocab(n_frequent: int = 10000) -> list[str]:
    """The words the static-vector comparison needs, in GloVe frequency order.

    The ``n_frequent`` most frequent GloVe words (alphabetic only: the analogy candidates)
    followed by every other word of WordSim-353, SimLex-999 and the Google analogies.

    Parameters
    ----------
    n_frequent : int, at least 1

    Returns
    -------
    list of str
        Cached (the GloVe table is read once).
    """
    n_frequent = checks.integer(n_frequent, "n_frequent", lo=1)

    def compute():
        kv = models.load_glove()
        top = [w for w in kv.index_to_key[: 3 * n_frequent] if WORD_RE.match(w)][:n_frequent]
        extra = set()
        for ds in (wordsim353(), simlex999()):
            for a, b in ds.pairs:
                extra.update((a.lower(), b.lower()))
        for q in google_analogies().questions:
            extra.update(q)
        seen = set(top)
        rest = sorted(extra - seen, key=lambda w: (kv.key_to_index.get(w, 10**9), w))
        return top + [w for w in rest if WORD_RE.match(w)]

    return cache.cached_object("static-eval-vocab", {"n": n_frequent, "v": 1}, compute)


# --------------------------------------------------------------------------- static vectors
def decontextualized_vectors(words: Sequence[str], model: str = encodings.DEFAULT_MODEL,
                             pooling: str = "mean") -> np.ndarray:
    """Each word encoded alone (``[CLS] word [SEP]``), its pieces pooled, at every layer (cached).

    Parameters
    ----------
    words : sequence of str
        Single words without spaces.
    model : str
    pooling : {"mean", "first", "last"}

    Returns
    -------
    ndarray, shape (n_layers + 1, n_words, d)
    """
    words = [str(w) for w in checks.non_empty(list(words), "words")]
    if any(not w.strip() or " " in w.strip() for w in words):
        raise ValueError("words must be single non-empty words without spaces")
    checks.choice(pooling, "pooling", POOLINGS)
    enc = encodings.get_encoder(model)

    def compute():
        states = enc.encode_tokens(words)
        return np.stack([layer_word_vectors(s, pooling, only=0)[:, 0] for s in states], 1)

    return cache.cached_array("decontextualized", {"model": enc.cache_id(), "words": words, "pooling": pooling},
                              compute)


def aggregated_vectors(stats: dict, min_count: int = 1) -> tuple[list[str], np.ndarray]:
    """Mean contextual vector of each word over its occurrences in the sample, per layer.

    Parameters
    ----------
    stats : dict
        From :func:`contextual_word_stats`.
    min_count : int
        Keep words seen at least this often.

    Returns
    -------
    words : list of str
    vectors : ndarray, shape (n_layers + 1, n_words, d)
    """
    min_count = checks.integer(min_count, "min_count", lo=1)
    counts = np.asarray(stats["counts"])
    keep = np.flatnonzero(counts >= min_count)
    if not len(keep):
        raise ValueError(f"no word occurs at least {min_count} times in the sample")
    vecs = stats["sums"][:, keep] / counts[keep][None, :, None]
    return [stats["words"][i] for i in keep], vecs.astype(np.float32)


def input_embedding_vectors(words: Sequence[str],
                            model: str = encodings.DEFAULT_MODEL) -> tuple[np.ndarray, np.ndarray]:
    """Rows of the model's input (word-piece) embedding table, averaged over each word's pieces.

    No position or type embedding and no layer norm: the raw lookup table.

    Parameters
    ----------
    words : sequence of str
    model : str

    Returns
    -------
    vectors : ndarray, shape (n_words, d)
    n_pieces : ndarray of int, shape (n_words,)
        How many word pieces each word was split into (1 = a whole-word row exists).
    """
    words = [str(w) for w in checks.non_empty(list(words), "words")]
    enc = encodings.get_encoder(model)
    table = enc.model.get_input_embeddings().weight.detach().cpu().numpy()
    out = np.zeros((len(words), table.shape[1]), dtype=np.float32)
    n = np.zeros(len(words), dtype=int)
    for i, w in enumerate(words):
        ids = enc.tokenizer(w, add_special_tokens=False)["input_ids"]
        if not ids:
            raise ValueError(f"word {w!r} produces no tokens")
        out[i] = table[ids].mean(0)
        n[i] = len(ids)
    return out, n


def model2vec_model(model: str = encodings.DEFAULT_MODEL, pca_dims: int | None = 256):
    """A model2vec static model distilled from ``model`` with model2vec's default settings.

    Delegates to :func:`lib.distill.static_model` (the book's one cached distillation,
    equal to ``model2vec.distill.distill(model, pca_dims=pca_dims)``; about 30 s the first
    time for the whole book, then instant).

    Parameters
    ----------
    model : str
    pca_dims : int or None
        Dimensions after model2vec's PCA (None: keep the model's).

    Returns
    -------
    model2vec.StaticModel
    """
    return distill.static_model(model, pca_dims=pca_dims, sif_coefficient=1e-4)


def model2vec_vectors(words: Sequence[str], static_model) -> np.ndarray:
    """Word vectors from a model2vec model: the mean of each word's token rows.

    Parameters
    ----------
    words : sequence of str
    static_model : model2vec.StaticModel
        From :func:`model2vec_model`.

    Returns
    -------
    ndarray of float32, shape (n_words, d)
    """
    words = [str(w) for w in checks.non_empty(list(words), "words")]
    return np.asarray(static_model.encode(words, show_progress_bar=False), dtype=np.float32)


# --------------------------------------------------------------------------- many contexts per word
def context_sentences(words: Sequence[str], max_contexts: int = 16, seed: int = 0, min_words: int = 8,
                      max_words: int = 40) -> tuple[list[str], dict]:
    """Sentences of the Wikipedia sample chosen so that each word gets up to ``max_contexts`` contexts.

    Eligible sentences are those of :func:`wikipedia_sentence_sample` (``min_words``..``max_words``
    tokens). For each word (lowercased, in sorted order) the sentences that contain it are
    found; when there are more than ``max_contexts``, a seeded random subset is kept. The
    chosen sentences of a word are listed in a seeded random order, so the first ``m`` of them
    are a random sample of ``m`` contexts (used for the contexts-per-word curve).

    Parameters
    ----------
    words : sequence of str
    max_contexts : int, at least 1
    seed : int
    min_words, max_words : int
        Sentence lengths (tokens) eligible, ``1 <= min_words <= max_words``.

    Returns
    -------
    sentences : list of str
        The union of the chosen sentences, in corpus order.
    chosen : dict of str -> list of int
        For each word that occurs at least once, the positions (into ``sentences``) of its
        contexts, in the random order described above; length ``min(max_contexts, n)``.
    """
    words = checks.non_empty([str(w).lower() for w in words], "words")
    max_contexts = checks.integer(max_contexts, "max_contexts", lo=1)
    min_words = checks.integer(min_words, "min_words", lo=1)
    max_words = checks.integer(max_words, "max_words", lo=1)
    if not min_words <= max_words:
        raise ValueError(f"need 1 <= min_words <= max_words; got {min_words}, {max_words}")
    targets = sorted(set(words))
    sents = [s for _, s in wikipedia().sentences(min_words=min_words) if len(tokenize(s)) <= max_words]
    wanted = set(targets)
    occ: dict[str, list[int]] = {}
    for i, s in enumerate(sents):
        for w in set(tokenize(s)) & wanted:
            occ.setdefault(w, []).append(i)
    if not occ:
        raise ValueError("none of the words occurs in the Wikipedia sample")
    rng = np.random.default_rng(seed)
    picked = {}
    for w in targets:
        if w in occ:
            o = np.asarray(occ[w])
            sel = rng.choice(o, max_contexts, replace=False) if len(o) > max_contexts else rng.permutation(o)
            picked[w] = [int(i) for i in sel]
    keep = sorted(set(i for v in picked.values() for i in v))
    pos = {i: k for k, i in enumerate(keep)}
    return [sents[i] for i in keep], {w: [pos[i] for i in v] for w, v in picked.items()}


def aggregated_context_vectors(words: Sequence[str], targets: Sequence[str] | None = None, max_contexts: int = 16,
                               checkpoints: Sequence[int] = (1, 2, 4, 8), seed: int = 0, min_words: int = 8,
                               max_words: int = 40, model: str = encodings.DEFAULT_MODEL, chunk: int = 256) -> dict:
    """Static vectors averaged over up to ``max_contexts`` Wikipedia contexts per word, every layer (cached).

    The sentences are :func:`context_sentences` of ``targets`` (default: ``words``; sentences
    of ``min_words``..``max_words`` tokens): each
    target word gets up to ``max_contexts`` contexts chosen for it. The sentences are encoded
    once (in chunks, with a progress bar) and every word of ``words`` found in them is averaged
    over up to ``max_contexts`` occurrences; a target word is averaged over exactly its chosen
    contexts (its first occurrence in each).

    Parameters
    ----------
    words : sequence of str
        Words to average (a vector table's vocabulary).
    targets : sequence of str, optional
        Words whose contexts are chosen (default ``words``).
    max_contexts : int, at least 2
    checkpoints : sequence of int
        Increasing, each in ``1..max_contexts - 1``: the contexts-per-word curve.
    seed, min_words, max_words
        As in :func:`context_sentences`.
    model : str
    chunk : int, at least 1
        Sentences encoded per batch.

    Returns
    -------
    dict
        * ``"words"``, ``"counts"``: the words of ``words`` seen at least once (input order) and
          how many contexts each vector averages;
        * ``"mean"``: ``(L + 1, V, d)`` float16, sub-word pieces mean-pooled;
        * ``"targets"``, ``"target_counts"``: the target words seen at least once;
        * ``"first"``, ``"last"``: ``(L + 1, T, d)`` float16, the targets' vectors with the
          first / last sub-word piece instead of the mean;
        * ``"curve"``: dict ``m -> (L + 1, T, d)`` float16, the targets averaged over their
          first ``min(m, count)`` contexts (mean pooling), for each ``m`` in ``checkpoints``;
        * ``"n_sentences"``, ``"max_contexts"``.
    """
    words = [str(w).lower() for w in checks.non_empty(list(words), "words")]
    targets = words if targets is None else [str(t).lower() for t in checks.non_empty(list(targets), "targets")]
    max_contexts = checks.integer(max_contexts, "max_contexts", lo=2)
    checkpoints = tuple(checks.integer(m, "each checkpoint", lo=1) for m in checkpoints)
    if any(not 1 <= m < max_contexts for m in checkpoints) or list(checkpoints) != sorted(set(checkpoints)):
        raise ValueError(f"checkpoints must be increasing and between 1 and max_contexts - 1 = {max_contexts - 1};"
                         f" got {checkpoints}")
    chunk = checks.integer(chunk, "chunk", lo=1)
    sentences, chosen = context_sentences(targets, max_contexts, seed, min_words, max_words)
    enc = encodings.get_encoder(model)
    word_list = list(dict.fromkeys(words))
    target_list = [t for t in dict.fromkeys(targets) if t in chosen]

    def compute():
        L, d = enc.n_layers + 1, enc.dim
        widx = {w: i for i, w in enumerate(word_list)}
        tidx = {w: i for i, w in enumerate(target_list)}
        # rank of each chosen context: (sentence, word) -> position in the word's random order
        rank = {(s, w): r for w, v in chosen.items() if w in tidx for r, s in enumerate(v)}
        sums = np.zeros((L, len(word_list), d), dtype=np.float32)
        counts = np.zeros(len(word_list), dtype=int)
        tsum = {p: np.zeros((L, len(target_list), d), dtype=np.float32) for p in ("mean", "first", "last")}
        csum = {m: np.zeros((L, len(target_list), d), dtype=np.float32) for m in checkpoints}
        tcount = np.zeros(len(target_list), dtype=int)
        for start in tqdm(range(0, len(sentences), chunk), desc="encoding contexts", unit="chunk"):
            states = enc.encode_tokens(sentences[start:start + chunk], show_progress=False)
            for k, s in enumerate(states):
                si = start + k
                low = [x.lower() for x in s.words]
                wv = None
                done = set()
                for j, w in enumerate(low):
                    if w in done or (w not in widx and w not in tidx) or not WORD_RE.match(w):
                        continue
                    done.add(w)
                    if wv is None:
                        wv = layer_word_vectors(s, "mean")
                    v = wv[:, j]
                    if not np.isfinite(v).all():
                        continue
                    r = rank.get((si, w))
                    if w in tidx:
                        if r is None:
                            continue          # a target uses its chosen contexts only
                        t = tidx[w]
                        tcount[t] += 1
                        tsum["mean"][:, t] += v
                        for p in ("first", "last"):
                            tsum[p][:, t] += layer_word_vectors(s, p, only=j)[:, 0]
                        for m in checkpoints:
                            if r < m:
                                csum[m][:, t] += v
                    if w in widx and counts[widx[w]] < max_contexts:
                        counts[widx[w]] += 1
                        sums[:, widx[w]] += v
        seen = np.flatnonzero(counts > 0)
        tseen = np.flatnonzero(tcount > 0)
        tc = tcount[tseen]

        def mean_of(a, n):
            return (a / np.maximum(n, 1)[None, :, None]).astype(np.float16)

        return {
            "words": [word_list[i] for i in seen], "counts": counts[seen],
            "mean": mean_of(sums[:, seen], counts[seen]),
            "targets": [target_list[i] for i in tseen], "target_counts": tc,
            "first": mean_of(tsum["first"][:, tseen], tc), "last": mean_of(tsum["last"][:, tseen], tc),
            "curve": {m: mean_of(csum[m][:, tseen], np.minimum(tc, m)) for m in checkpoints},
            "n_sentences": len(sentences), "max_contexts": int(max_contexts),
        }

    params = {"model": enc.cache_id(), "words": word_list, "targets": target_list, "max": int(max_contexts),
              "checkpoints": checkpoints, "seed": seed, "min_words": min_words, "max_words": max_words, "v": 1}
    return cache.cached_object("aggregated-contexts", params, compute)


def context_table(agg: dict, layer: int, pooling: str = "mean", contexts: int | None = None):
    """A word-vector table (``KeyedVectors``) from :func:`aggregated_context_vectors`.

    ``pooling`` (``"mean"``, ``"first"``, ``"last"``) chooses how a target word's sub-word
    pieces are pooled; ``contexts=m`` (one of the checkpoints) gives the targets averaged over
    their first ``m`` contexts only (then the table holds the targets only). Vectors are
    returned as float32.

    Parameters
    ----------
    agg : dict
        From :func:`aggregated_context_vectors`.
    layer : int
        ``-L <= layer < L`` for the ``L`` layers stored in ``agg`` (0 = input embeddings).
    pooling : {"mean", "first", "last"}
    contexts : int, optional
        A checkpoint of ``agg`` (mean pooling only).

    Returns
    -------
    gensim.models.KeyedVectors
    """
    L = agg["mean"].shape[0]
    layer = checks.integer(layer, "layer", -L, L - 1)
    checks.choice(pooling, "pooling", POOLINGS)
    if contexts is not None:
        if contexts not in agg["curve"]:
            raise ValueError(f"contexts={contexts!r} is not a checkpoint; available: {sorted(agg['curve'])}"
                             f" (or None for up to {agg['max_contexts']})")
        if pooling != "mean":
            raise ValueError("the contexts-per-word curve is stored for mean pooling only")
        return models.keyed_vectors(agg["targets"], agg["curve"][contexts][layer].astype(np.float32))
    M = agg["mean"][layer].astype(np.float32)
    if pooling != "mean":
        idx = {w: i for i, w in enumerate(agg["words"])}
        for t, w in enumerate(agg["targets"]):
            if w in idx:
                M[idx[w]] = agg[pooling][layer, t]
    return models.keyed_vectors(agg["words"], M)

