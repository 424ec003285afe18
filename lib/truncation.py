"""What cutting texts at a model's ``max_length`` does: the counts a chapter prints, and the warning.

:meth:`lib.encoder.ContextualEncoder.truncation` returns a :class:`Truncation`;
:meth:`~lib.encoder.ContextualEncoder.check_length` warns with :class:`TruncationWarning`
when a cut drops tokens (both are also importable from :mod:`lib.encoder`).
"""
from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TruncationWarning", "Truncation"]


class TruncationWarning(UserWarning):
    """Texts were longer than the encoder's ``max_length`` and their ends were cut."""


@dataclass(frozen=True)
class Truncation:
    """What a cut at ``max_length`` tokens does to a list of texts (:meth:`lib.encoder.ContextualEncoder.truncation`).

    Attributes
    ----------
    n_texts, n_cut : int
        Texts in all, and texts longer than ``max_length`` (their ends are dropped).
    max_length : int
        The cut, in tokens, special tokens included.
    longest : int
        Tokens of the longest text before the cut.
    tokens, tokens_cut : int
        Tokens of all texts before the cut, and how many of them the cut drops.
    """

    n_texts: int
    n_cut: int
    max_length: int
    longest: int
    tokens: int
    tokens_cut: int

    @property
    def share_cut(self) -> float:
        """Share of the texts that are cut."""
        return self.n_cut / self.n_texts if self.n_texts else 0.0

    @property
    def share_tokens_cut(self) -> float:
        """Share of all tokens that the cut drops."""
        return self.tokens_cut / self.tokens if self.tokens else 0.0

    def __str__(self) -> str:
        return (f"{self.n_cut} of {self.n_texts} texts are longer than max_length={self.max_length} tokens "
                f"(longest {self.longest}); the cut drops {self.tokens_cut:,} of {self.tokens:,} tokens "
                f"({self.share_tokens_cut:.1%})")
