"""The book's run-time settings, each read in one place.

``BOOK_ENCODER`` (environment variable) chooses the contextual model that Parts III, V and VI
show; unset, it is the book's default, all-MiniLM-L6-v2. Any name :func:`lib.models.resolve_model`
accepts works: ``"mpnet"`` (the packaged all-mpnet-base-v2), a model folder, or a Hugging Face
name (with a network or a local Hugging Face cache). A chapter reads it once, at its top::

    from lib import settings
    MODEL = settings.book_encoder()          # "all-MiniLM-L6-v2" unless BOOK_ENCODER is set
    DEFAULT = settings.is_default(MODEL)     # the chapter's pinned values hold only for the default

and checks the values it pins (published reproductions, the numbers its prose explains) only when
``DEFAULT`` is true; with another model it runs to the end and says which model it shows.

Functions
---------
book_encoder     the contextual model the book shows (BOOK_ENCODER, else the default)
is_default       whether a model is the book's default encoder
encoder_label    a short name for tables and figures ("MiniLM", "mpnet", or the folder's name)
check_pinned     assert a pinned value for the default model; report it for any other
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_ENCODER", "ENV_VAR", "book_encoder", "is_default", "encoder_label", "check_pinned"]

#: The book's default contextual model: every stored output and pinned value is about it.
DEFAULT_ENCODER = "all-MiniLM-L6-v2"
#: The environment variable that chooses another one.
ENV_VAR = "BOOK_ENCODER"

_LABELS = {"all-minilm-l6-v2": "MiniLM", "minilm": "MiniLM", "sentence-transformers/all-minilm-l6-v2": "MiniLM",
           "all-mpnet-base-v2": "mpnet", "mpnet": "mpnet", "sentence-transformers/all-mpnet-base-v2": "mpnet"}


def book_encoder() -> str:
    """The contextual model the book shows: ``$BOOK_ENCODER`` if set and not empty, else the default.

    Returns
    -------
    str
        A name or folder for :func:`lib.encodings.get_encoder`.
    """
    value = os.environ.get(ENV_VAR, "").strip()
    return value or DEFAULT_ENCODER


def is_default(model: str) -> bool:
    """Whether ``model`` names the book's default encoder (any of its aliases).

    Parameters
    ----------
    model : str

    Returns
    -------
    bool

    Examples
    --------
    >>> is_default("all-MiniLM-L6-v2"), is_default("minilm"), is_default("mpnet")
    (True, True, False)
    """
    return _LABELS.get(str(model).strip().lower()) == "MiniLM"


def encoder_label(model: str) -> str:
    """A short name for a model in tables and figures.

    Parameters
    ----------
    model : str

    Returns
    -------
    str
        ``"MiniLM"`` or ``"mpnet"`` for the packaged models, else the folder's or repository's last
        path component.

    Examples
    --------
    >>> encoder_label("sentence-transformers/all-mpnet-base-v2"), encoder_label("/tmp/my-model/")
    ('mpnet', 'my-model')
    """
    name = str(model).strip()
    return _LABELS.get(name.lower()) or Path(name.rstrip("/")).name or name


def check_pinned(model: str, what: str, value: float, expected: float, tol: float) -> bool:
    """Check a value the chapter pins for the default model; for another model, say what moved.

    Parameters
    ----------
    model : str
        The model the value was computed with.
    what : str
        What the value is, for the message.
    value, expected, tol : float
        The value, the default model's stated value and the tolerance.

    Returns
    -------
    bool
        True when the value is within ``tol`` of ``expected``.

    Raises
    ------
    AssertionError
        For the default model, when the value is outside the tolerance.

    Examples
    --------
    >>> check_pinned("mpnet", "MRR", 0.61, 0.51, 0.01)
    mpnet: MRR = 0.61 (the default model's stated value is 0.51 +- 0.01; pinned values hold for the default only)
    False
    """
    ok = abs(float(value) - float(expected)) <= tol
    if is_default(model):
        assert ok, f"{what} = {value:.4g}, expected {expected:.4g} +- {tol:g}"
    elif not ok:
        print(f"{encoder_label(model)}: {what} = {value:.4g} (the default model's stated value is {expected:.4g} "
              f"+- {tol:g}; pinned values hold for the default only)")
    return ok
