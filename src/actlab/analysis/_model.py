"""Reading a model's layers through :mod:`actlab.nn`'s own protocol (shared by the analyzer
and the recommender).

A model is an ``nn.Sequential`` (its children, in the order they are applied), another
``nn.Module`` (its children, in the order they were registered) or a plain list / tuple of
``nn.Module`` layers.  An activation layer is an ``nn.Activation``: its public ``activation``
(the core object) and ``activation_kwargs`` say what it computes.

May import: :mod:`actlab.activations` and :mod:`actlab.nn`.
"""

from __future__ import annotations

from typing import Any

from ..activations.base import Activation, AxisActivation
from ..nn import Activation as ActivationLayer
from ..nn import Module

__all__ = ["layers", "activation_of", "activation_name"]


def layers(model: Any) -> list[Module]:
    """The layers of ``model``, in order.

    Raises
    ------
    TypeError
        When ``model`` is neither an ``nn.Module`` nor a list / tuple of them, or a list
        element is not an ``nn.Module``.
    """
    if isinstance(model, Module):
        return list(model.children())
    if not isinstance(model, (list, tuple)):
        raise TypeError(f"cannot list the layers of a {type(model).__name__}; pass an nn.Sequential "
                        "(or another nn.Module) or a list of nn layers")
    for i, layer in enumerate(model):
        if not isinstance(layer, Module):
            raise TypeError(f"layer {i} is a {type(layer).__name__}, not an nn.Module")
    return list(model)


def activation_of(layer: Module) -> tuple[Activation | AxisActivation, dict[str, Any]] | None:
    """``(core activation, its keyword parameters)`` of an ``nn.Activation`` layer, else None."""
    if isinstance(layer, ActivationLayer):
        return layer.activation, layer.activation_kwargs
    return None


def activation_name(layer: Module) -> str | None:
    """Registry name of an activation layer's function, else None."""
    found = activation_of(layer)
    return None if found is None else found[0].name
