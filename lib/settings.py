"""The book's run-time settings, each read in one place.

``BOOK_ENCODER`` (environment variable) chooses the contextual model that Parts III, V and VI
show; unset, it is the book's default, all-MiniLM-L6-v2. Any name :func:`lib.models.resolve_model`
accepts works: ``"mpnet"`` (the packaged all-mpnet-base-v2), a model folder, or a Hugging Face
name (with a network or a local Hugging Face cache). A chapter reads it once, at its top::

    from lib import settings
    MODEL = settings.book_encoder()          # "all-MiniLM-L6-v2" unless BOOK_ENCODER is set
    DEFAULT = settings.is_default(MODEL)     # the chapter's pinned values hold only for the default

and checks the values it pins (published reproductions, the numbers its prose explains) with
:mod:`lib.claims` (``claims.close(..., model=MODEL)``), which holds them for the default model only;
with another model the chapter runs to the end and says what moved.

Functions
---------
book_encoder     the contextual model the book shows (BOOK_ENCODER, else the default)
is_default       whether a model is the book's default encoder
encoder_label    a short name for tables and figures ("MiniLM", "mpnet", or the folder's name)
repository       the book's public repository (BOOK_REPOSITORY_URL), which the HTML's repository and
                 launch buttons need; None when unset, and the built pages then offer only what works
                 offline
"""
from __future__ import annotations

import os
from pathlib import Path

__all__ = ["DEFAULT_ENCODER", "ENV_VAR", "REPOSITORY_VAR", "book_encoder", "is_default", "encoder_label",
           "repository", "use_threads"]

#: The book's default contextual model: every stored output and pinned value is about it.
DEFAULT_ENCODER = "all-MiniLM-L6-v2"
#: The environment variable that chooses another one.
ENV_VAR = "BOOK_ENCODER"
#: The environment variable that names the book's public repository (for the HTML's buttons).
REPOSITORY_VAR = "BOOK_REPOSITORY_URL"

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


_HOSTS = ("github.com", "gitlab.com", "bitbucket.org")   # those sphinx-book-theme builds links for


def repository(environ=None) -> dict | None:
    """The book's public repository, for the HTML's repository, issue, edit and launch buttons.

    Read from ``$BOOK_REPOSITORY_URL`` (``https://github.com/ORG/REPO``), with the branch from
    ``$BOOK_REPOSITORY_BRANCH`` (default ``main``) and an optional course JupyterHub from
    ``$BOOK_JUPYTERHUB_URL``. Unset, the built pages carry no button that needs a public
    repository: a reader gets only what works offline (download the page's source, full screen,
    dark mode, print to PDF).

    Parameters
    ----------
    environ : mapping, optional
        Where to read the variables (default ``os.environ``).

    Returns
    -------
    dict or None
        ``{"url", "branch", "jupyterhub_url"}`` (the last may be ``""``), or None when unset.

    Raises
    ------
    ValueError
        When the URL is not ``https://<github.com|gitlab.com|bitbucket.org>/ORG/REPO``.

    Examples
    --------
    >>> repository({}) is None
    True
    >>> repository({"BOOK_REPOSITORY_URL": "https://github.com/someone/embeddings-book/"})["url"]
    'https://github.com/someone/embeddings-book'
    """
    env = os.environ if environ is None else environ
    url = env.get(REPOSITORY_VAR, "").strip().rstrip("/")
    if not url:
        return None
    parts = url.split("/")
    if len(parts) != 5 or parts[0] != "https:" or parts[1] or parts[2] not in _HOSTS or not all(parts[3:]):
        raise ValueError(f"{REPOSITORY_VAR}={url!r}: expected https://<{'|'.join(_HOSTS)}>/ORG/REPO "
                         f"(the launch buttons build their links from it)")
    hub = env.get("BOOK_JUPYTERHUB_URL", "").strip().rstrip("/")
    if hub and not hub.startswith(("https://", "http://")):
        raise ValueError(f"BOOK_JUPYTERHUB_URL={hub!r}: expected an http(s) URL")
    return {"url": url, "branch": env.get("BOOK_REPOSITORY_BRANCH", "").strip() or "main", "jupyterhub_url": hub}


def use_threads(n: int):
    """Let torch and the BLAS libraries of this process use ``n`` threads; returns a function that restores them.

    ``make execute`` runs a chapter per core at once, each kernel with its share of the threads
    (more would oversubscribe the cores); around a cell tagged ``timed`` it calls this in the
    kernel, with no other cell running, so that what the cell measures is the whole machine's
    speed (``tools/execute.py``). faiss's OpenMP threads are left as the chapter set them.

    Parameters
    ----------
    n : int
        At least 1.

    Returns
    -------
    callable
        Call it with no arguments to put back the earlier thread counts.

    Examples
    --------
    >>> restore = use_threads(1)
    >>> restore()
    """
    import sys

    from threadpoolctl import threadpool_limits

    if not isinstance(n, int) or isinstance(n, bool) or n < 1:
        raise ValueError(f"n must be a whole number of threads, at least 1; got {n!r}")
    limits = threadpool_limits(limits=n, user_api="blas")
    torch = sys.modules.get("torch")
    before = torch.get_num_threads() if torch is not None else None
    if torch is not None:
        torch.set_num_threads(n)

    def restore() -> None:
        limits.restore_original_limits()
        if torch is not None:
            torch.set_num_threads(before)

    return restore
