"""Walking a model's layers (shared by the analyzer and the recommender)."""

from __future__ import annotations

import re
from typing import Any

from ..activations.base import Activation, AxisActivation, get


def snake(name: str) -> str:
    """``LeakyReLU`` -> ``leaky_relu``, ``SiLU`` -> ``silu``, ``GELU`` -> ``gelu``."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", s)
    return s.lower().replace("re_lu", "relu").replace("si_lu", "silu").replace("ge_lu", "gelu")


def layers(model: Any) -> list[Any]:
    """The layers of an ``nn.Sequential`` (or of a plain list of layers), in order."""
    if isinstance(model, (list, tuple)):
        return list(model)
    for attr in ("layers", "modules_", "_layers", "_modules"):
        seq = getattr(model, attr, None)
        if seq is not None and not callable(seq):
            return list(seq.values()) if isinstance(seq, dict) else list(seq)
    try:
        return list(iter(model))
    except TypeError:
        raise TypeError(
            f"cannot list the layers of {type(model).__name__}; pass an nn.Sequential or a list of layers"
        ) from None


def activation_of(layer: Any) -> tuple[Activation | AxisActivation, dict[str, Any]] | None:
    """``(activation object, its keyword parameters)`` of an activation layer, else None."""
    for attr in ("activation", "act", "fn"):
        a = getattr(layer, attr, None)
        if isinstance(a, (Activation, AxisActivation)):
            kw = getattr(layer, "kwargs", None) or getattr(layer, "act_kwargs", None) or {}
            return a, dict(kw)
    cls = type(layer).__name__
    if cls in ("Linear", "Sequential", "Dropout", "Identity"):
        return None
    try:
        act = get(snake(cls))
    except (ValueError, TypeError):
        return None
    kw = {k: getattr(layer, k) for k in act.params if k != "axis" and hasattr(layer, k)}
    return act, kw


def activation_name(layer: Any) -> str | None:
    """Registry name of an activation layer, else None."""
    found = activation_of(layer)
    return None if found is None else found[0].name
