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
"""

__version__ = "0.1.0"
