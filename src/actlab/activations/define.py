"""Defining an activation: a small class whose docstring is the documentation and the formula.

An activation is written as a class used as a namespace (never instantiated): its name is the
registry name; its docstring -- NumPy style, with the value and the derivative in a
``.. math::`` block, the kink convention, a doctest example and a reference -- becomes the
object's ``__doc__``, and the block's first two equations are the ``formula`` /
``grad_formula`` metadata (:func:`formulas_of`), so each formula is written once; its static
methods are the NumPy formulas.  :func:`activation` / :func:`axis_activation` turn the class
into the registered :class:`~actlab.activations.base.Activation` /
:class:`~actlab.activations.base.AxisActivation`::

    @activation(range=(0.0, 1.0), zero_centered=False, max_grad=0.25, kernel="sigmoid")
    class sigmoid:
        # the docstring: summary, .. math:: (f(x) = ..., f'(x) = ...), Examples, References

        value = staticmethod(m.sigmoid)
        grad = staticmethod(m.sigmoid_grad)
        grad2 = staticmethod(m.sigmoid_grad2)

Doctest does not collect the examples of instances by itself, so each module of definitions
lists its objects' docstrings in ``__test__``.

May import: :mod:`actlab.activations.base` only.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable

from .base import Activation, AxisActivation, register

__all__ = ["activation", "axis_activation", "formulas_of"]


def _math_equations(doc: str) -> list[str]:
    """The equations of the first ``.. math::`` block of ``doc``, one per paragraph."""
    lines = inspect.cleandoc(doc).splitlines()
    start = next((i for i, ln in enumerate(lines) if ln.strip() == ".. math::"), None)
    if start is None:
        return []
    indent = len(lines[start]) - len(lines[start].lstrip())
    equations, current = [], []
    for line in lines[start + 1:]:
        if line.strip() and len(line) - len(line.lstrip()) <= indent:
            break  # the first line back at the directive's indentation ends the block
        if line.strip():
            current.append(line.strip())
        elif current:  # a blank line ends an equation
            equations.append(" ".join(current))
            current = []
    return equations + [" ".join(current)] if current else equations


def formulas_of(name: str, doc: str | None) -> tuple[str, str]:
    """The LaTeX of the value and of the derivative, read from a docstring.

    The first ``.. math::`` block of the docstring is the one place where an activation's
    formulas are written: its first equation is the value, its second the derivative, each
    as ``lhs = rhs`` on one line; the metadata (``formula``, ``grad_formula``: the plots,
    the report, ``actlab list``) is the text after the first ``" = "``.  Further equations
    (the second derivative, a stable rearrangement) are for the reader.

    Raises :class:`ValueError` naming the activation when the block is missing.

    Examples
    --------
    >>> formulas_of("square", '''Square.
    ...
    ... .. math::
    ...
    ...     f(x) = x^2
    ...
    ...     f'(x) = 2x
    ... ''')
    ('x^2', '2x')
    """
    equations = _math_equations(doc or "")
    if len(equations) < 2 or any(" = " not in eq for eq in equations[:2]):
        raise ValueError(
            f"actlab.{name}: the docstring needs a '.. math::' block whose first two equations "
            f"are the value and the derivative, written 'f(x) = ...' and 'f'(x) = ...'"
        )
    return equations[0].split(" = ", 1)[1], equations[1].split(" = ", 1)[1]


def activation(*, aliases: tuple[str, ...] = (), **options: Any) -> Callable[[type], Activation]:
    """Class decorator: the registered :class:`Activation` a definition class describes.

    The class is a namespace, never instantiated.  Its name is the registry name, its
    docstring the object's ``__doc__`` (and, through :func:`formulas_of`, its ``formula``
    and ``grad_formula``); its static methods ``value``, ``grad``, ``grad2`` and, optionally,
    ``validate`` and ``kernel_args`` are the formulas and the hooks of :class:`Activation`.  ``options`` are the keywords of :class:`Activation`;
    ``aliases`` are registered too.
    """

    def build(spec: type) -> Activation:
        formula, grad_formula = formulas_of(spec.__name__, spec.__doc__)
        act = Activation(spec.__name__, spec.value, spec.grad, spec.grad2, doc=spec.__doc__,
                         formula=formula, grad_formula=grad_formula,
                         validate=getattr(spec, "validate", None),
                         kernel_args=getattr(spec, "kernel_args", None), **options)
        return register(act, aliases)

    return build


def axis_activation(**options: Any) -> Callable[[type], AxisActivation]:
    """Class decorator: the registered :class:`AxisActivation` a definition class describes.

    As :func:`activation`, with the static methods ``value(x, axis)`` and
    ``vjp(x, dy, axis, y)``; ``options`` are the keywords of :class:`AxisActivation`.
    """

    def build(spec: type) -> AxisActivation:
        formula, grad_formula = formulas_of(spec.__name__, spec.__doc__)
        return register(AxisActivation(spec.__name__, spec.value, spec.vjp, doc=spec.__doc__,
                                       formula=formula, grad_formula=grad_formula, **options))

    return build
