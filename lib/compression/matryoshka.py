"""Fewer layers and fewer dimensions: fine-tuning an encoder with 2D Matryoshka or Starbucks losses.

A transformer's mean-pooled layer ``n``, cut to its first ``d`` coordinates, is an embedding that costs
``n`` layers to compute and ``d`` numbers to store. Three fine-tunes of the same encoder on the same
``(query, passage)`` pairs, with the same seed, steps, batches and learning rate, differ only in their
loss on the pooled states of each layer:

plain       :func:`in_batch_loss` (in-batch-negative InfoNCE, as sentence-transformers'
            ``MultipleNegativesRankingLoss``) on the last layer at full width;
2dmse       :func:`two_d_matryoshka_loss`, as sentence-transformers' ``Matryoshka2dLoss``
            (Li et al., 2DMSE): the last layer and one layer drawn at random each step, each at every
            nested width, plus a KL term that pulls the drawn layer toward the last;
starbucks   :func:`starbucks_loss`, the fine-tuning of Zhuang et al. (their "SRL"): a fixed list of
            ``(layer, width)`` pairs from small to large, all trained at every step
            (:func:`starbucks_pairs` scales the paper's BERT-base list to another encoder).

:func:`finetune_2d` runs one of them and saves the result as a Hugging Face model folder under the
cache (:func:`lib.cache.cache_dir`), keyed by every input; :func:`finetuned_checkpoints` returns the
three folders, which every :mod:`lib.encodings` function takes as ``model=`` (its cached encodings are
keyed by the folder's content). Not reproduced: Starbucks' masked-autoencoder pre-training (SMAE).
"""
from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Sequence

import numpy as np

from .. import cache, checks
from ..models import model_identity, quiet_loading, resolve_model
from ..tasks import article_split

__all__ = ["METHODS", "STARBUCKS_PAIRS", "starbucks_pairs", "in_batch_loss", "two_d_matryoshka_loss",
           "starbucks_loss", "pooled_layers", "finetune_2d", "finetuned_checkpoints"]

#: The three fine-tunes :func:`finetune_2d` knows.
METHODS = ("plain", "2dmse", "starbucks")

#: Zhuang et al.'s (layer, width) list for BERT-base (12 layers, 768 wide), "Demi" to "Trenta".
STARBUCKS_PAIRS = ((2, 32), (4, 64), (6, 128), (8, 256), (10, 512), (12, 768))


def starbucks_pairs(n_layers: int, dim: int, pairs: Sequence = STARBUCKS_PAIRS) -> tuple:
    """The Starbucks list scaled from BERT-base (12 layers, width 768) to ``n_layers`` and ``dim``.

    Parameters
    ----------
    n_layers, dim : int
        The encoder's depth and width (at least 1).
    pairs : sequence of (int, int)
        The list to scale (default :data:`STARBUCKS_PAIRS`).

    Returns
    -------
    tuple of (int, int)
        Layers ``round(l * n_layers / 12)`` and widths ``round(d * dim / 768)``, each at least 1; the
        largest pair is ``(n_layers, dim)``.

    Examples
    --------
    >>> starbucks_pairs(6, 384)
    ((1, 16), (2, 32), (3, 64), (4, 128), (5, 256), (6, 384))
    """
    n_layers = checks.integer(n_layers, "n_layers", lo=1)
    dim = checks.integer(dim, "dim", lo=1)
    out = tuple((max(1, round(l * n_layers / 12)), max(1, round(d * dim / 768))) for l, d in pairs)
    if not out:
        raise ValueError("pairs must not be empty")
    return out


def _dims(dims, width: int) -> tuple:
    if isinstance(dims, (str, bytes)) or not hasattr(dims, "__iter__"):
        raise ValueError(f"dims must be a sequence of integers; got {dims!r}")
    dims = tuple(sorted({checks.integer(d, "dims", 1, width) for d in dims}, reverse=True))
    if not dims:
        raise ValueError("dims must not be empty")
    return dims


def in_batch_loss(q, p, temperature: float = 0.05):
    """In-batch-negative InfoNCE of unit query rows against unit passage rows (one direction).

    ``MultipleNegativesRankingLoss`` of sentence-transformers with its defaults (cosine, scale 20 =
    1 / temperature 0.05, query to passage only). The symmetric, prefix-averaged variant of a linear head
    is :func:`lib.compression.matryoshka_loss`.

    Parameters
    ----------
    q, p : torch.Tensor, shape (batch, d)
        Row ``i`` of ``p`` is the positive of row ``i`` of ``q``; normalised here.
    temperature : float
        ``> 0``.

    Returns
    -------
    torch.Tensor, a scalar
    """
    import torch
    import torch.nn.functional as F

    if q.shape != p.shape or q.ndim != 2:
        raise ValueError(f"q and p must be matrices of one shape; got {tuple(q.shape)} and {tuple(p.shape)}")
    temperature = checks.number(temperature, "temperature", lo=0, lo_open=True)
    logits = F.normalize(q, dim=-1) @ F.normalize(p, dim=-1).T / temperature
    return F.cross_entropy(logits, torch.arange(len(q), device=q.device))


def _check_layers(q_layers, p_layers):
    if q_layers.shape != p_layers.shape or q_layers.ndim != 3 or q_layers.shape[0] < 2:
        raise ValueError("q_layers and p_layers must have one shape (n_layers + 1, batch, d) with n_layers >= 1; "
                         f"got {tuple(q_layers.shape)} and {tuple(p_layers.shape)}")


def two_d_matryoshka_loss(q_layers, p_layers, dims: Sequence[int], layers: Sequence[int],
                          temperature: float = 0.05, kl_weight: float = 1.0, kl_temperature: float = 0.3):
    """The 2D Matryoshka loss of sentence-transformers' ``Matryoshka2dLoss`` (all widths each step).

    ``sum_d InfoNCE(last layer, d) + mean_{i in layers} sum_d InfoNCE(layer i, d)
    + kl_temperature * kl_weight * sum_{i in layers} KL(softmax(e_last / t) || softmax(e_i / t))``,
    where ``e`` are the unit full-width embeddings of queries and passages together, the last
    layer's held fixed (the teacher), ``t = kl_temperature`` and KL is averaged over rows.

    Parameters
    ----------
    q_layers, p_layers : torch.Tensor, shape (n_layers + 1, batch, d)
        Pooled states of every layer (0 = input embeddings), e.g. :func:`pooled_layers`.
    dims : sequence of int
        Nested widths (``Matryoshka2dLoss(..., n_dims_per_step=-1)`` uses all of them each step).
    layers : sequence of int
        The earlier layers trained this step, each in ``0..n_layers - 1``: one drawn at random is
        ``n_layers_per_step=1``; all of them is ``n_layers_per_step=-1``.
    temperature : float
        InfoNCE temperature, ``> 0``.
    kl_weight, kl_temperature : float
        ``>= 0``; ``kl_temperature=0`` drops the KL term, as in sentence-transformers.

    Returns
    -------
    torch.Tensor, a scalar
    """
    import torch.nn.functional as F

    _check_layers(q_layers, p_layers)
    n_last = q_layers.shape[0] - 1
    dims = _dims(dims, q_layers.shape[2])
    layers = [checks.integer(i, "layers", 0, n_last - 1) for i in layers]
    kl_weight = checks.number(kl_weight, "kl_weight", lo=0)
    kl_temperature = checks.number(kl_temperature, "kl_temperature", lo=0)

    def nested(i):
        return sum(in_batch_loss(q_layers[i, :, :d], p_layers[i, :, :d], temperature) for d in dims)

    def unit_rows(i):
        import torch
        return F.normalize(torch.cat([q_layers[i], p_layers[i]]), dim=-1)

    loss = nested(n_last)
    if kl_temperature > 0:
        teacher = F.softmax(unit_rows(n_last) / kl_temperature, dim=-1).detach()
    for i in layers:
        loss = loss + nested(i) / len(layers)
        if kl_temperature > 0:
            kl = F.kl_div(F.log_softmax(unit_rows(i) / kl_temperature, dim=-1), teacher, reduction="batchmean")
            loss = loss + kl * kl_temperature * kl_weight
    return loss


def starbucks_loss(q_layers, p_layers, pairs: Sequence, temperature: float = 0.05, kl_weight: float = 1.0,
                   kl_scale: float = 0.3):
    """The Starbucks fine-tuning loss (Zhuang et al.'s ``StarbucksLoss``): a fixed list of (layer, width) pairs.

    ``InfoNCE(last layer, full width) + sum_{(n, d) in pairs, n < last} [InfoNCE(layer n, d)
    + kl_scale * kl_weight * KL(softmax(e_last[:d]) || softmax(e_n[:d]))]``, with ``e`` the unit
    full-width embeddings of queries and passages together, cut to their first ``d`` coordinates, as
    their released code computes it (no temperature in the softmax; the last layer is not held fixed).

    Parameters
    ----------
    q_layers, p_layers : torch.Tensor, shape (n_layers + 1, batch, d)
    pairs : sequence of (int, int)
        ``(layer, width)``, layers ``1..n_layers``, e.g. :func:`starbucks_pairs`.
    temperature : float
    kl_weight, kl_scale : float
        ``>= 0`` (the released code's ``kl_div_weight`` and ``kl_temperature``).

    Returns
    -------
    torch.Tensor, a scalar
    """
    import torch
    import torch.nn.functional as F

    _check_layers(q_layers, p_layers)
    n_last, width = q_layers.shape[0] - 1, q_layers.shape[2]
    if isinstance(pairs, (str, bytes)) or not hasattr(pairs, "__iter__") or not len(pairs):
        raise ValueError(f"pairs must be a non-empty sequence of (layer, width); got {pairs!r}")
    pairs = [(checks.integer(n, "pairs layer", 1, n_last), checks.integer(d, "pairs width", 1, width))
             for n, d in pairs]
    kl_weight = checks.number(kl_weight, "kl_weight", lo=0)
    kl_scale = checks.number(kl_scale, "kl_scale", lo=0)
    final = F.normalize(torch.cat([q_layers[n_last], p_layers[n_last]]), dim=-1)
    loss = in_batch_loss(q_layers[n_last], p_layers[n_last], temperature)
    for n, d in pairs:
        if n == n_last:
            continue
        loss = loss + in_batch_loss(q_layers[n, :, :d], p_layers[n, :, :d], temperature)
        if kl_scale > 0 and kl_weight > 0:
            e = F.normalize(torch.cat([q_layers[n], p_layers[n]]), dim=-1)
            kl = F.kl_div(F.log_softmax(e[:, :d], dim=-1), F.softmax(final[:, :d], dim=-1), reduction="batchmean")
            loss = loss + kl * kl_scale * kl_weight
    return loss


def pooled_layers(model, encoded):
    """Mean-pooled hidden states of every layer (padding left out): shape ``(n_layers + 1, batch, d)``.

    Parameters
    ----------
    model : transformers.PreTrainedModel
        A BERT-like encoder.
    encoded : dict of torch.Tensor
        Tokenizer output with ``input_ids`` and ``attention_mask``.

    Returns
    -------
    torch.Tensor
        Layer 0 is the input embeddings; the last layer, normalised, is the sentence-transformers
        embedding of a mean-pooling model.
    """
    import torch

    out = model(**encoded, output_hidden_states=True)
    mask = encoded["attention_mask"].unsqueeze(-1).to(out.hidden_states[0].dtype)
    return torch.stack([(h * mask).sum(1) / mask.sum(1).clamp(min=1e-9) for h in out.hidden_states])


def _loss(method, ql, pl, dims, pairs, rng):
    if method == "plain":
        return in_batch_loss(ql[-1], pl[-1])
    if method == "2dmse":
        return two_d_matryoshka_loss(ql, pl, dims, layers=[int(rng.integers(0, ql.shape[0] - 1))])
    return starbucks_loss(ql, pl, pairs)


def finetune_2d(queries: Sequence[str], passages: Sequence[str], method: str, steps: int = 40,
                batch_size: int = 16, lr: float = 1e-4, seed: int = 0, max_length: tuple = (32, 64),
                dims: Sequence[int] | None = None, pairs: Sequence | None = None,
                model: str = "all-MiniLM-L6-v2", show_progress: bool | None = None) -> Path:
    """Fine-tune ``model`` on ``(query, passage)`` pairs with one of :data:`METHODS`; a cached model folder.

    AdamW (weight decay 0.01), the learning rate warmed up linearly over the first tenth of the steps
    and decayed linearly to 0, dropout on; batches of ``batch_size`` pairs drawn in a shuffled order
    (reshuffled each pass); the word-embedding table is frozen (it holds half the weights and the
    shortcut saves time on a CPU; the papers train it). The 2DMSE layer of each step is drawn with
    ``numpy.random.default_rng(seed)``.

    Parameters
    ----------
    queries, passages : list of str
        Pairs, at least ``batch_size`` of them; passage ``i`` is the positive of query ``i``.
    method : {"plain", "2dmse", "starbucks"}
    steps, batch_size : int
        At least 1 and at least 2.
    lr : float
        Peak learning rate, ``> 0``.
    seed : int
    max_length : (int, int)
        Token cut of queries and passages in training.
    dims : sequence of int, optional
        2DMSE widths; default the Starbucks widths of :func:`starbucks_pairs`.
    pairs : sequence of (int, int), optional
        Starbucks pairs; default :func:`starbucks_pairs` for the model.
    model : str
        The starting encoder (:func:`lib.models.resolve_model`).
    show_progress : bool, optional
        A progress bar over the steps.

    Returns
    -------
    pathlib.Path
        A Hugging Face model folder (weights, configuration, tokenizer, ``finetune.json`` with the
        settings and per-step losses) under ``<cache>/models/``; computed once per setting.
    """
    queries, passages = checks.texts(queries, "queries"), checks.texts(passages, "passages")
    if len(queries) != len(passages):
        raise ValueError(f"{len(queries)} queries but {len(passages)} passages: pairs must align")
    method = checks.choice(method, "method", METHODS)
    steps = checks.integer(steps, "steps", lo=1)
    batch_size = checks.integer(batch_size, "batch_size", lo=2, hi=len(queries))
    lr = checks.number(lr, "lr", lo=0, lo_open=True)
    seed = checks.integer(seed, "seed")
    if isinstance(max_length, (int, np.integer)) or len(max_length) != 2:
        raise ValueError(f"max_length must be (query_tokens, passage_tokens); got {max_length!r}")
    max_length = tuple(checks.integer(m, "max_length", lo=2) for m in max_length)
    base = resolve_model(model)
    with open(Path(base) / "config.json") as fh:
        cfg = json.load(fh)
    n_layers, width = int(cfg["num_hidden_layers"]), int(cfg["hidden_size"])
    pairs = tuple(tuple(p) for p in (pairs or starbucks_pairs(n_layers, width)))
    dims = _dims(dims or [d for _, d in pairs], width)
    params = {"base": model_identity(base), "method": method, "steps": steps, "batch": batch_size, "lr": lr,
              "seed": seed, "max_length": max_length, "dims": dims if method == "2dmse" else None,
              "pairs": pairs if method == "starbucks" else None, "queries": queries, "passages": passages, "v": 1}
    target = cache.cache_dir() / "models" / cache.key(f"finetune-2d-{method}", params)
    if (target / "finetune.json").exists():
        return target
    return _train(base, queries, passages, method, steps, batch_size, lr, seed, max_length, dims, pairs,
                  show_progress, target)


def _train(base, queries, passages, method, steps, batch_size, lr, seed, max_length, dims, pairs,
           show_progress, target: Path) -> Path:
    """The training loop of :func:`finetune_2d`; writes the model folder in one step."""
    import torch
    from tqdm import tqdm
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    with quiet_loading():
        tok = AutoTokenizer.from_pretrained(base)
        net = AutoModel.from_pretrained(base)
    net.train()
    net.get_input_embeddings().weight.requires_grad_(False)
    opt = torch.optim.AdamW([w for w in net.parameters() if w.requires_grad], lr=lr, weight_decay=0.01)
    warm = max(1, steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: (s + 1) / warm if s < warm else max(0.0, (steps - s) / max(1, steps - warm)))
    order, pos, losses = rng.permutation(len(queries)), 0, []
    bar = tqdm(range(steps), desc=f"fine-tuning ({method})", disable=show_progress is False, unit="step")
    for _ in bar:
        if pos + batch_size > len(order):
            order, pos = rng.permutation(len(queries)), 0
        idx, pos = order[pos:pos + batch_size], pos + batch_size
        eq = tok([queries[i] for i in idx], padding=True, truncation=True, max_length=max_length[0],
                 return_tensors="pt")
        ep = tok([passages[i] for i in idx], padding=True, truncation=True, max_length=max_length[1],
                 return_tensors="pt")
        loss = _loss(method, pooled_layers(net, eq), pooled_layers(net, ep), dims, pairs, rng)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        bar.set_postfix(loss=f"{losses[-1]:.3f}")
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        folder = Path(tmp) / "model"
        net.eval()
        net.save_pretrained(folder)
        tok.save_pretrained(folder)
        for extra in ("sentence_bert_config.json", "modules.json"):
            if (Path(base) / extra).exists():
                shutil.copy(Path(base) / extra, folder / extra)
        if (Path(base) / "1_Pooling").is_dir():
            shutil.copytree(Path(base) / "1_Pooling", folder / "1_Pooling")
        with open(folder / "finetune.json", "w") as fh:
            json.dump({"method": method, "steps": steps, "batch_size": batch_size, "lr": lr, "seed": seed,
                       "max_length": list(max_length), "dims": list(dims), "pairs": [list(p) for p in pairs],
                       "losses": losses}, fh)
        shutil.rmtree(target, ignore_errors=True)
        os.replace(folder, target)          # appears whole, or not at all
    return target


def finetuned_checkpoints(task, steps: int = 40, batch_size: int = 16, lr: float = 1e-4, seed: int = 0,
                          max_length: tuple = (32, 64), model: str = "all-MiniLM-L6-v2",
                          show_progress: bool | None = None) -> dict:
    """The three fine-tunes of Part VI's chapter on fewer dimensions, on a task's training pairs (cached).

    The pairs are the queries of the task's even-numbered articles (:func:`lib.tasks.article_split`)
    and each one's relevant passage, so the odd-numbered articles stay unseen for evaluation.

    Parameters
    ----------
    task : lib.tasks.RetrievalTask
        With integer article ids (:func:`lib.tasks.inverse_cloze_task`).
    steps, batch_size, lr, seed, max_length, model, show_progress
        As in :func:`finetune_2d`.

    Returns
    -------
    dict of str -> pathlib.Path
        ``{"plain": folder, "2dmse": folder, "starbucks": folder}``; pass a folder as ``model=`` to
        :mod:`lib.encodings` (e.g. ``encodings.layer_means(texts, model=str(folder))``).
    """
    train, _ = article_split(task)
    rows = np.flatnonzero(train)
    queries = [task.queries[i] for i in rows]
    passages = [task.passages[min(task.relevant[i])] for i in rows]
    return {m: finetune_2d(queries, passages, m, steps=steps, batch_size=batch_size, lr=lr, seed=seed,
                           max_length=max_length, model=model, show_progress=show_progress) for m in METHODS}
