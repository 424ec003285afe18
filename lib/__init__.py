"""Shared code for the executable textbook *Embeddings*.

Each module holds one kind of thing; import the module you need::

    from lib import models, data, evaluate
    kv = models.load_glove()
    evaluate.word_similarity(kv, data.wordsim353())

Modules
-------
checks    input validation that raises clear errors (used by every other module)
cache     on-disk cache for expensive arrays and models, keyed by their inputs
models    loaders for the offline models (GloVe 6B 50d, all-MiniLM-L6-v2, any HF name)
encoder   a contextual encoder: per-layer token states, word alignment, pooling
data      loaders for the evaluation sets and corpora shipped with gensim
evaluate  word similarity, analogies, retrieval metrics, a logistic-regression probe
search    exact nearest-neighbour search (blocked matrix products)
stats     bootstrap confidence intervals and paired comparisons
plots     interactive figures (plotly) with static fallbacks for the offline HTML
prose     numbers in the prose: glue (tie a computed number to the text) and the checker
published the ledger of published figures (data/published.yaml) the chapters quote

One module per part of the book:

static       Part II: co-occurrence, PPMI/SVD, from-scratch SGNS, cached word2vec/fastText trainers
contextual   Part III: sense data, Ethayarajh's measures, static vectors from a contextual model
geometry     Part IV: isotropy, dimension, hubness, bias, comparing and aligning spaces
hyperbolic   Part IV: trees, the Poincare ball, Sala et al.'s construction
retrieval    Part V: retrieval tasks, BM25 and dense retrievers, LIMIT-style data, free embeddings
ann          Part V: faiss indexes and recall/throughput measurement
leakage      Part V: embedding inversion (decoding a sentence's words from its vector), defences
compression  Part VI: quantization, fewer dimensions, smaller tables
distill      model2vec distillation of MiniLM, one cached for the book (Parts III, V, VI)
exercises    automatic checks for every chapter's exercises, and the course tooling
"""

import warnings as _warnings

# tqdm.auto (imported by transformers and huggingface_hub) warns once that ipywidgets is missing
# and falls back to text progress bars, which is what the book wants: its stored outputs would
# otherwise carry the warning and the build machine's site-packages path.
_warnings.filterwarnings("ignore", message="IProgress not found")

__version__ = "0.1.0"
