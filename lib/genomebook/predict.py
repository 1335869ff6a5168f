"""One batched inference function for every model of the book.

:func:`predict` runs a model over inputs in batches, under ``torch.no_grad`` and in eval
mode, on the device the model lives on (where it was trained), and gives the outputs back
as one NumPy array; the model's mode is restored afterwards. Used by the accessibility /
DeepCAGE workflow (loci x cell types), the DNABERT fine-tuning workflow (k-mer BERTs and
CNNs), in-silico mutagenesis and variant scores (:mod:`genomebook.variants`) and the
chapters that read attention.

Examples
--------
>>> import torch
>>> net = torch.nn.Linear(3, 2)
>>> out = predict(net, np.ones((5, 3), np.float32), batch_size=2)
>>> out.shape, net.training
((5, 2), True)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader, Dataset

__all__ = ["predict", "model_device"]


def _owner(model: Any) -> Any:
    """The module behind ``model``: itself, or the module a bound method belongs to (``net.attentions``)."""
    owner = getattr(model, "__self__", None)
    return owner if isinstance(owner, nn.Module) else model


def model_device(model: Any) -> torch.device:
    """The device of ``model``'s first parameter (CPU for a model without parameters or a plain function).

    A bound method of a module (e.g. ``bert.attentions``) counts as that module.
    """
    model = _owner(model)
    if isinstance(model, nn.Module):
        p = next(model.parameters(), None)
        if p is not None:
            return p.device
    return torch.device("cpu")


def _to(x: Any, device: torch.device) -> Any:
    if isinstance(x, torch.Tensor):
        return x.to(device, non_blocking=True)
    if isinstance(x, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(x)).to(device, non_blocking=True)
    if isinstance(x, Mapping):
        return {k: _to(v, device) for k, v in x.items()}
    if isinstance(x, (tuple, list)):
        return type(x)(_to(v, device) for v in x)
    return x


def _length(inputs: Any) -> int:
    if isinstance(inputs, Mapping):
        return len(next(iter(inputs.values())))
    if isinstance(inputs, tuple):
        return len(inputs[0])
    return len(inputs)


def _slice(inputs: Any, lo: int, hi: int) -> Any:
    if isinstance(inputs, Mapping):
        return {k: v[lo:hi] for k, v in inputs.items()}
    if isinstance(inputs, tuple):
        return tuple(v[lo:hi] for v in inputs)
    return inputs[lo:hi]


def _call(model: Callable, batch: Any) -> Any:
    if isinstance(batch, Mapping):
        return model(**batch)
    if isinstance(batch, (tuple, list)):  # a DataLoader collates a Dataset's tuples into lists
        return model(*batch)
    return model(batch)


def predict(model: Callable, inputs: Any, *, batch_size: int = 256, device: str | torch.device | None = None,
            transform: Callable[[torch.Tensor], torch.Tensor] | None = None,
            batch_fn: Callable[[Any], Any] | None = None, num_workers: int = 0) -> np.ndarray:
    """Outputs of ``model`` on ``inputs``, in batches: a NumPy array with the N inputs along axis 0.

    Parameters
    ----------
    model : an ``nn.Module`` (put in eval mode under ``no_grad``; its mode is restored after),
        a bound method of one (e.g. ``bert.attentions``: its module is treated the same way),
        or any callable on tensors.
    inputs : what to predict on, N along the first axis: an array or tensor (called as
        ``model(x)``), a tuple of them (``model(*xs)``), a dict of them (``model(**kw)``), a
        list of items that ``batch_fn`` turns into one of those, or a torch ``Dataset`` whose
        items collate into one of those.
    batch_size : inputs per forward pass.
    device : where to run; default the model's own device (where it was trained).
    transform : applied to each batch's output before it leaves the device (e.g.
        ``torch.sigmoid`` or ``lambda z: z.softmax(-1)``).
    batch_fn : builds a model input from a slice of ``inputs`` (e.g. tokenising DNA strings).
    num_workers : DataLoader workers when ``inputs`` is a Dataset.

    Returns
    -------
    array of the output's dtype (half and bfloat16 widened to float32): the batch outputs
    concatenated along axis 0.
    """
    if int(batch_size) < 1:
        raise ValueError(f"batch_size={batch_size} must be >= 1.")
    if not callable(model):
        raise TypeError(f"predict needs a model or a callable; got {type(model).__name__}.")
    dev = torch.device(device) if device is not None else model_device(model)
    module = _owner(model)
    is_module = isinstance(module, nn.Module)
    was_training = module.training if is_module else False
    if is_module:
        module.eval()
    outs: list[np.ndarray] = []
    try:
        with torch.no_grad():
            if isinstance(inputs, Dataset):
                batches = DataLoader(inputs, batch_size=batch_size, shuffle=False, num_workers=num_workers,
                                     pin_memory=dev.type == "cuda")
            else:
                n = _length(inputs)
                batches = (_slice(inputs, lo, min(lo + batch_size, n)) for lo in range(0, n, batch_size))
            for batch in batches:
                if batch_fn is not None:
                    batch = batch_fn(batch)
                z = _call(model, _to(batch, dev))
                if transform is not None:
                    z = transform(z)
                if z.dtype in (torch.float16, torch.bfloat16):  # NumPy has no bfloat16: widen half types
                    z = z.float()
                outs.append(z.cpu().numpy())
    finally:
        if is_module and was_training:
            module.train()
    if not outs:
        return np.zeros((0,), np.float32)
    return np.concatenate(outs, axis=0)
