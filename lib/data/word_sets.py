"""Word-level evaluation sets: similarity pairs with human scores (WordSim-353, SimLex-999) and analogy questions (Google)."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .. import checks
from .text import datapath

__all__ = ['SimilarityDataset', 'wordsim353', 'simlex999', 'AnalogyDataset', 'google_analogies']


@dataclass
class SimilarityDataset:
    """Word pairs with human scores.

    Attributes
    ----------
    name : str
    pairs : list of (str, str)
    scores : ndarray, shape (n_pairs,)
    info : dict
        ``source``, ``licence``, ``size`` and what the scores measure.
    """

    name: str
    pairs: list[tuple[str, str]]
    scores: np.ndarray
    info: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.pairs)

    def __repr__(self) -> str:
        return f"SimilarityDataset({self.name!r}, {len(self)} pairs)"


def _read_pairs(fname: str) -> tuple[list[tuple[str, str]], np.ndarray]:
    pairs, scores = [], []
    with open(datapath(fname), encoding="utf8") as fh:
        for line in fh:
            if line.startswith("#") or not line.strip():
                continue
            a, b, s = line.rstrip("\n").split("\t")[:3]
            pairs.append((a.lower(), b.lower()))
            scores.append(float(s))
    return pairs, np.asarray(scores, dtype=np.float64)


def _similarity_dataset(name: str, fname: str, source: str, size: str, measures: str) -> SimilarityDataset:
    """A :class:`SimilarityDataset` read from gensim's test data, with its ``info``."""
    pairs, scores = _read_pairs(fname)
    return SimilarityDataset(name, pairs, scores, {
        "source": source,
        "licence": "freely distributed by its authors for research use",
        "size": f"{len(pairs)} pairs, {size}",
        "measures": measures,
    })


def wordsim353() -> SimilarityDataset:
    """WordSim-353 (Finkelstein et al., 2002): relatedness of 353 English word pairs.

    Returns
    -------
    SimilarityDataset
        353 lowercased pairs, scores 0-10 (mean of 13-16 annotators).
    """
    return _similarity_dataset(
        "WordSim-353", "wordsim353.tsv",
        "Finkelstein et al. (2002), Placing search in context; copy in gensim test data",
        "scores 0-10 (mean of 13-16 annotators)", "relatedness (cup-coffee scores high)")


def simlex999() -> SimilarityDataset:
    """SimLex-999 (Hill et al., 2015): genuine similarity, not relatedness, of 999 pairs.

    Returns
    -------
    SimilarityDataset
        999 lowercased pairs, scores 0-10.
    """
    return _similarity_dataset(
        "SimLex-999", "simlex999.txt", "Hill, Reichart & Korhonen (2015), SimLex-999; copy in gensim test data",
        "scores 0-10", "similarity (cup-coffee scores low)")


# --------------------------------------------------------------------------- analogies
@dataclass
class AnalogyDataset:
    """Analogy questions ``a : b :: c : d`` grouped by section.

    Attributes
    ----------
    sections : dict of str -> list of (a, b, c, d)
        Lowercased questions per section, in file order.
    info : dict
    """

    sections: dict[str, list[tuple[str, str, str, str]]]
    info: dict = field(default_factory=dict)

    @staticmethod
    def is_syntactic(section: str) -> bool:
        """Sections named ``gram*`` test morphology/syntax; the rest test semantics.

        >>> AnalogyDataset.is_syntactic("gram3-comparative"), AnalogyDataset.is_syntactic("capital-world")
        (True, False)
        """
        return section.startswith("gram")

    @property
    def questions(self) -> list[tuple[str, str, str, str]]:
        return [q for qs in self.sections.values() for q in qs]

    def __len__(self) -> int:
        return sum(len(v) for v in self.sections.values())

    def __repr__(self) -> str:
        return f"AnalogyDataset({len(self)} questions, {len(self.sections)} sections)"

    def sample(self, n: int, seed: int = 0) -> "AnalogyDataset":
        """A seeded random subset of about ``n`` questions that keeps each section's share.

        Each section contributes ``max(1, round(n * its share))`` questions (all of them if it has
        fewer), drawn without replacement and kept in file order.

        Parameters
        ----------
        n : int
            Target number of questions, ``1 <= n <= len(self)``.
        seed : int

        Returns
        -------
        AnalogyDataset
            ``info["size"]`` says how many were sampled.

        Examples
        --------
        >>> ds = AnalogyDataset({"a": [("x", "y", "z", "w")] * 6, "gram1": [("p", "q", "r", "s")] * 4})
        >>> {sec: len(qs) for sec, qs in ds.sample(5).sections.items()}
        {'a': 3, 'gram1': 2}
        """
        total = len(self)
        n = checks.integer(n, "n", lo=1, hi=total)
        rng = np.random.default_rng(seed)
        sections = {}
        for sec, qs in self.sections.items():
            k = max(1, int(round(n * len(qs) / total)))
            pick = np.sort(rng.choice(len(qs), min(k, len(qs)), replace=False))
            sections[sec] = [qs[i] for i in pick]
        size = sum(map(len, sections.values()))
        return AnalogyDataset(sections, {**self.info, "size": f"{size} sampled questions"})


def google_analogies() -> AnalogyDataset:
    """The Google analogy set of Mikolov et al. (2013): 8,869 semantic + 10,675 syntactic questions.

    Returns
    -------
    AnalogyDataset
        14 sections in file order, questions lowercased.
    """
    sections: dict[str, list] = {}
    current = None
    with open(datapath("questions-words.txt"), encoding="utf8") as fh:
        for line in fh:
            if line.startswith(":"):
                current = line[1:].strip()
                sections[current] = []
            elif line.strip():
                sections[current].append(tuple(line.lower().split()))
    n = sum(len(v) for v in sections.values())
    return AnalogyDataset(sections, {
        "source": "Mikolov et al. (2013), Efficient estimation of word representations; questions-words.txt from word2vec",
        "licence": "Apache-2.0 (word2vec distribution)",
        "size": f"{n} questions in {len(sections)} sections",
    })
