"""Shrinking a network's widths by one factor, so profiles can size every model with one number."""

from __future__ import annotations

import dataclasses
from typing import Any, TypeVar

# Config fields that count channels or units (widths); kernel widths, pools and lengths are not.
WIDTH_FIELDS = frozenset({"n_filters", "conv_channels", "hidden", "lstm_hidden", "growth_rate",
                          "bottleneck", "expr_embedding"})
MIN_WIDTH = 4

C = TypeVar("C")


def _scale(value: Any, factor: float) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        return max(MIN_WIDTH, round(value * factor))
    if isinstance(value, tuple):
        return tuple(_scale(v, factor) for v in value)
    return value


def scaled(config: C, factor: float) -> C:
    """A copy of a model config dataclass with every width field × ``factor`` (at least 4).

    Nested configs (e.g. a trunk) are scaled too; ``factor=1`` returns an equal copy, the
    published sizes. ``n_outputs``, ``n_tfs``, kernel widths, pools and dropout are untouched.
    """
    if not dataclasses.is_dataclass(config) or isinstance(config, type):
        raise TypeError(f"scaled() needs a config dataclass instance; got {type(config).__name__}.")
    if factor <= 0:
        raise ValueError(f"factor must be > 0; got {factor}.")
    changes = {}
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        if dataclasses.is_dataclass(value):
            changes[f.name] = scaled(value, factor)
        elif f.name in WIDTH_FIELDS:
            changes[f.name] = _scale(value, factor)
    return dataclasses.replace(config, **changes)


def width_factor(net: Any) -> float | None:
    """A network's width relative to its published size: its config's first width field / the default's.

    ``net`` is a model with a ``config`` dataclass (or a wrapper whose ``.net`` has one); None when the
    config has no width field. Used by the accessibility chapters' "models" table and claims.

    Examples
    --------
    >>> from genomebook.models.cnn import Basset, BassetConfig
    >>> width_factor(Basset(scaled(BassetConfig(), 0.5)))
    0.5
    """
    config = net.config if hasattr(net, "config") else net.net.config

    def first(c: Any, d: Any) -> float | None:
        for f in dataclasses.fields(c):
            v, dv = getattr(c, f.name), getattr(d, f.name)
            if dataclasses.is_dataclass(v):
                r = first(v, dv)
                if r is not None:
                    return r
            elif f.name in WIDTH_FIELDS:
                v, dv = (v[0], dv[0]) if isinstance(v, tuple) else (v, dv)
                return v / dv
        return None

    return first(config, type(config)())
