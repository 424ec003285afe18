"""The theoretical limit of single-vector retrieval (Part V, chapter 2; Weller et al. 2025).

With ``n`` documents and queries that each want exactly two of them, inner-product search in
``d`` dimensions can return only some of the ``C(n, 2)`` top-2 sets. The package, by concept:

counting        which top-2 sets random queries reach (:func:`top2_subsets_reachable`), the
                relevance matrix of all pairs (:func:`all_pairs_qrels`), the paper's cubic fit
                (:func:`paper_critical_n`)
free_embedding  the free-embedding optimisation (:func:`free_embedding_fit`), the critical-``n``
                search (:func:`critical_n`; the paper's settings are :data:`PAPER_PROCEDURE`) and
                the stored sweeps over dimensions (:func:`free_embedding_sweep`)
constructions   configurations that realise top-2 sets exactly: the regular tetrahedron, the
                trigonometric moment curve with its closed-form queries, score margins and the
                floating-point precision at which a construction stops working

``tools/critical_n.py`` runs :func:`critical_n` for one dimension from the command line (to
recompute a sweep on a faster machine).
"""
from .constructions import (centroid_queries, moment_curve, moment_curve_min_margin, moment_curve_queries,
                            precision_break_point, rounding_error_bound, tetrahedron, top2_margins)
from .counting import PAPER_FIT, all_pairs_qrels, paper_critical_n, top2_subsets_reachable
from .free_embedding import (PAPER_PROCEDURE, PAPER_SWEEP_FILE, SWEEP_FILE, CriticalN, FitResult, critical_n,
                             free_embedding_fit, free_embedding_sweep, sweep_cache_file)

__all__ = ["top2_subsets_reachable", "all_pairs_qrels", "PAPER_FIT", "paper_critical_n",
           "FitResult", "free_embedding_fit", "CriticalN", "critical_n", "PAPER_PROCEDURE",
           "SWEEP_FILE", "PAPER_SWEEP_FILE", "sweep_cache_file", "free_embedding_sweep",
           "tetrahedron", "centroid_queries", "moment_curve", "moment_curve_queries", "top2_margins",
           "moment_curve_min_margin", "rounding_error_bound", "precision_break_point"]
