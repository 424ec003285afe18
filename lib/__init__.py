"""Shared code for the executable textbook *Embeddings*.

Modules are named for the concept they hold (not the part of the book that first needed it);
import the one you need by its full name::

    from lib import models, data, evaluate
    kv = models.load_glove()
    evaluate.word_similarity(kv, data.wordsim353())

Fitted things follow scikit-learn: ``fit(X)`` returns the object, ``transform`` (or ``predict``,
``encode``) applies it, fitted attributes end in ``_``. Bad input raises a ``ValueError`` or
``TypeError`` naming the argument.

Core (every other module may use these; they use only each other)
-----------------------------------------------------------------
checks       input validation with clear errors: arrays, integers, numbers, choices, id lists, fitted objects
cache        on-disk cache of expensive results, keyed by every input
linalg       unit rows, PCA, Whitening, AllButTheTop, Procrustes, random pairs (one implementation each)
search       exact nearest neighbours (top_k), neighbour-list overlap between two spaces
stats        bootstrap confidence intervals and paired comparisons
settings     the book's run-time settings (BOOK_ENCODER: which contextual model Parts III, V, VI show)

Models, data and encodings
--------------------------
models       loaders of the offline models (GloVe 6B 50d, all-MiniLM-L6-v2, any HF name), KeyedVectors wrapping
encoder      a contextual encoder: per-layer token states, word alignment, pooling, token vectors
truncation   what cutting texts at a model's max_length does (counts, TruncationWarning), for the encoder
encodings    every cached encoding of a text collection the book reuses (layers, tokens, tasks), any model
distill      model2vec distillation of MiniLM, one cached for the book
data         evaluation sets and corpora shipped with gensim (package: text, word_sets, corpora)
tasks        retrieval tasks: inverse cloze on Wikipedia, the BEIR reader, article split

Methods and measures, with the part of the book that introduces them
--------------------------------------------------------------------
evaluate     word similarity, analogies, ranking metrics, linear probes, table comparison (package)
static       II: corpus, counting (PPMI/SVD), SGNS from scratch, gensim trainers, synthetic corpora (package)
contextual   III: Ethayarajh's measures, static vectors read out of a contextual model or trained against it
             (X2Static) (package)
senses       III: the sense data set and sense-separation scores
sentence     III: sentence vectors from word vectors (SIF)
geometry     IV: isotropy, dimension and rank, hubness, bias, comparing and aligning spaces (package)
hyperbolic   IV: trees, the Poincare ball, Sala et al.'s construction, embedding quality (package)
retrieval    V: retrievers (BM25, dense, fusion, late interaction) and scoring a run
limit        V: the LIMIT theory: reachable top-k sets, free-embedding optimisation and critical n, exact
             constructions (tetrahedron, moment curve) and their margins (package)
limit_data   V: the released LIMIT-small and the LIMIT-style task generator
ann          V-VI: every faiss index (flat, float16, int8, binary, PQ, HNSW, IVF, IVF-PQ), rescoring, recall/speed,
             filtered search (attribute and window filters: pre-/post-filtering, ID selectors) (package)
vectordb     V: a vector database in-process (LanceDB): tables, IVF index, SQL-filtered search
leakage      V: embedding inversion (decoders), its metrics and defences (package)
compression  VI: quantization, fewer dimensions, smaller tables, tables trained on neighbours (package)

The book
--------
plots        interactive figures (plotly) with static fallbacks for the offline HTML
prose        numbers in the prose: glue (tie a computed number to the text) and the checker
published    the ledger of published figures (data/published.yaml) the chapters quote
claims       the chapters' checks of what they state: raise in the book's own runs, say what moved in a
             reader's kernel
costs        what running a chapter costs (measured cold and warm times, what it reuses from earlier chapters)
exercises    the automatic checks of every chapter's exercises (the course tooling is in tools/)
report       the embedding report card of any encoder from the book's offline tasks (make report MODEL=...)

The package keeps the name ``lib`` (the project's layout names it, and every chapter and reader's
notebook imports it); it is installed editable by ``make setup``, so ``import lib`` finds this folder.
"""

import warnings as _warnings

# tqdm.auto (imported by transformers and huggingface_hub) warns once that ipywidgets is missing
# and falls back to text progress bars, which is what the book wants: its stored outputs would
# otherwise carry the warning and the build machine's site-packages path.
_warnings.filterwarnings("ignore", message="IProgress not found")

__version__ = "0.1.0"
