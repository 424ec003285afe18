"""Compression of embeddings: fewer bytes per vector, fewer dimensions, smaller tables (Part VI).

Part VI measures what each method costs in quality on the book's own tasks: Part V's retrieval
task (:func:`lib.tasks.inverse_cloze_task`, encoded by :func:`lib.encodings.task_embeddings`,
scored with :func:`lib.evaluate.retrieval_scores`) and word similarity. The package re-exports
every public name of its modules, so ``compression.hashing_trick(...)`` works:

quantization    :func:`to_float16`, :class:`Int8Quantizer`, :func:`binarize` + :func:`hamming_top_k`,
                :func:`quantize_rows`, memory accounting (:func:`nbytes`, :func:`human_bytes`)
dimensions      :func:`truncate`, :class:`MatryoshkaHead` (nested InfoNCE, :func:`matryoshka_loss`);
                PCA is :class:`lib.linalg.PCA`
tables          :class:`CompressedTable` and the row-sharing and factored builders
                (:func:`prune_vocabulary`, :func:`hashing_trick`, :func:`bloom_embeddings`,
                :func:`quotient_remainder`, :func:`low_rank`, :func:`mixed_dimensions`)
table_entries   :func:`prune_entries`, :func:`quantize_table`, :func:`mixed_precision`
table_training  :func:`train_table_on_neighbours` with :func:`neighbour_targets`, :func:`neighbour_loss`
matryoshka      fine-tuning the encoder itself for fewer layers and dimensions: :func:`finetune_2d`
                (plain, 2D Matryoshka :func:`two_d_matryoshka_loss`, Starbucks :func:`starbucks_loss`),
                :func:`finetuned_checkpoints` (cached model folders)

faiss indexes over compressed codes (float16, int8, binary, PQ), the float rescoring of their
shortlists and search timing are :mod:`lib.ann`'s (:func:`lib.ann.build_index`,
:func:`lib.ann.rescore`, :func:`lib.ann.time_search`); neighbour agreement between a table and
its compressed version is :func:`lib.search.neighbour_overlap`. Distillation (model2vec) is
:mod:`lib.distill`.
"""
from __future__ import annotations

from . import dimensions, matryoshka, quantization, table_entries, table_training, tables
from .dimensions import *  # noqa: F401,F403
from .matryoshka import *  # noqa: F401,F403
from .quantization import *  # noqa: F401,F403
from .table_entries import *  # noqa: F401,F403
from .table_training import *  # noqa: F401,F403
from .tables import *  # noqa: F401,F403

__all__ = [*quantization.__all__, *dimensions.__all__, *tables.__all__, *table_entries.__all__,
           *table_training.__all__, *matryoshka.__all__]
