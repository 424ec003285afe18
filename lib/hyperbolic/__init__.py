"""Trees in Euclidean and hyperbolic space (a package: trees, poincare, quality).

* Trees: :func:`balanced_tree`, :func:`tree_from_closure` (a hypernym closure such as WordNet's
  mammal closure from :func:`lib.data.wordnet.closure_edges`, reduced to a tree), :func:`tree_distances` (all-pairs path lengths).
* Hyperbolic geometry in the Poincaré ball: :func:`poincare_distance`, :func:`poincare_distances`.
* Embeddings: :func:`sala_embedding` (the combinatorial construction of Sarkar, as used by
  Sala et al. 2018, in the Poincaré disk; :func:`sala_distances` computes its distances in high
  precision with mpmath, as deep trees need), :func:`mds_embedding` (classical MDS, the best
  Euclidean embedding of a distance matrix in the least-squares sense), and
  :func:`train_poincare` / :func:`train_poincare_relations` (gensim's
  :class:`~gensim.models.poincare.PoincareModel` on a tree or on any closure's pairs, cached).
* Quality: :func:`mean_average_precision` (Sala et al.'s: tree neighbours ranked by embedded distance),
  :func:`reconstruction` (Nickel & Kiela's mean rank and MAP of closure neighbours) and
  :func:`distortion` (mean relative error of distances, after the best global scale).

>>> from lib.hyperbolic import balanced_tree, mean_average_precision, poincare_distances, sala_embedding
>>> tree = balanced_tree(2, 2)
>>> mean_average_precision(poincare_distances(sala_embedding(tree, tau=4.0)), tree)
1.0
"""
from .poincare import *  # noqa: F401,F403
from .poincare import __all__ as _poincare
from .quality import *  # noqa: F401,F403
from .quality import __all__ as _quality
from .trees import *  # noqa: F401,F403
from .trees import __all__ as _trees

__all__ = _trees + _poincare + _quality
