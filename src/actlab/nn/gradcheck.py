r"""Gradient checking by central differences in float64.

``gradcheck(target, inputs)`` compares the analytic gradients of ``target`` -- a
:class:`~actlab.nn.Module` (``forward``/``backward``, parameters included), a loss
(``forward(input, target)``/``backward(dloss)``), a core activation (``f(x)``, ``f.vjp``)
or any function with a ``vjp=`` -- with central differences

.. math::

    \frac{\partial L}{\partial \theta_k} \approx \frac{L(\theta + \varepsilon e_k) - L(\theta - \varepsilon e_k)}{2\varepsilon},
    \qquad L = \langle \bar y, f(\cdot) \rangle

for a fixed random projection :math:`\bar y` of the output.  It returns a
:class:`GradcheckReport` with the max absolute / relative error per tensor and raises
:class:`AssertionError` on request.

>>> import numpy as np
>>> from actlab import nn
>>> rng = np.random.default_rng(0)
>>> rep = nn.gradcheck(nn.Linear(3, 2, rng=rng), [rng.normal(size=(4, 3))])
>>> rep.ok, sorted(rep.errors)
(True, ['bias', 'input0', 'weight'])

May import: NumPy and :mod:`.module`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from .module import Module

__all__ = ["gradcheck", "GradcheckReport"]


@dataclass
class GradcheckReport:
    """Outcome of :func:`gradcheck`.

    Attributes
    ----------
    errors : dict
        ``name -> (max_abs_error, max_rel_error)``; inputs are named ``input0``, ``input1``...,
        parameters by their dotted names.
    ok : bool
        Whether every element satisfied ``|analytic - numeric| <= atol + rtol * |numeric|``.
    failures : list of str
        Names of the tensors that did not.
    """

    errors: dict[str, tuple[float, float]] = field(default_factory=dict)
    ok: bool = True
    failures: list[str] = field(default_factory=list)
    atol: float = 0.0
    rtol: float = 0.0

    @property
    def max_abs_error(self) -> float:
        return max((a for a, _ in self.errors.values()), default=0.0)

    @property
    def max_rel_error(self) -> float:
        return max((r for _, r in self.errors.values()), default=0.0)

    def __str__(self) -> str:
        lines = [f"gradcheck {'passed' if self.ok else 'FAILED'} (atol={self.atol:g}, rtol={self.rtol:g})"]
        for name, (a, r) in self.errors.items():
            flag = "  <-- fails" if name in self.failures else ""
            lines.append(f"  {name:<24} max abs {a:.3e}  max rel {r:.3e}{flag}")
        return "\n".join(lines)


def _forward_fn(target: Any, vjp: Callable | None):
    """Return ``(f(*inputs) -> output, back(inputs, dout) -> list of d inputs (or None))``."""
    if isinstance(target, Module):
        def back(inputs, dout):
            res = target.backward(dout)
            return list(res) if isinstance(res, tuple) else [res]
        return target.forward, back
    if vjp is None:
        vjp = getattr(target, "vjp", None)
    if vjp is None or not callable(target):
        raise TypeError("gradcheck: pass a Module, an object with .vjp (a core activation), or a function with vjp=")

    def back(inputs, dout):
        res = vjp(*inputs, dout)
        return list(res) if isinstance(res, tuple) else [res]
    return target, back


def gradcheck(target: Module | Callable[..., Any], inputs: Sequence[Any], eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = False, *,
              vjp: Callable[..., Any] | None = None, wrt: Sequence[int] | None = None,
              params: bool = True, rng: np.random.Generator | None = None) -> GradcheckReport:
    """Check analytic gradients against central differences (float64).

    Parameters
    ----------
    target : Module or callable
        A module/loss (its ``backward`` gives the d inputs -- an array means the first input
        only, a tuple one per input -- and accumulates parameter grads); or a function
        ``f(*inputs)`` with ``vjp(*inputs, dout)`` given or as ``f.vjp``.
    inputs : sequence of arrays
        Point of evaluation; converted to float64 copies (the caller's arrays are untouched).
        Integer inputs (class labels) are passed through and never differentiated.
    eps : float
        Step of the central differences.
    atol, rtol : float
        Per-element tolerance ``|analytic - numeric| <= atol + rtol * |numeric|``.
    raise_exception : bool
        Raise :class:`AssertionError` with the report when a tensor fails.
    vjp : callable, optional
        Vector-Jacobian product for a plain function.
    wrt : sequence of int, optional
        Indices of the inputs to check (default: every floating input the backward covers).
    params : bool
        Also check the module's parameters (they must be float64).
    rng : numpy.random.Generator, optional
        Source of the output projection (default: seeded with 0).

    Returns
    -------
    GradcheckReport
    """
    rng = np.random.default_rng(0) if rng is None else rng
    fwd, back = _forward_fn(target, vjp)
    xs = _float64_inputs(inputs)
    is_mod = isinstance(target, Module)
    plist = _float64_params(target) if (is_mod and params) else []
    y0 = np.asarray(fwd(*xs), dtype=np.float64)
    dout = rng.standard_normal(y0.shape)
    if is_mod:
        target.zero_grad()
    grads_in = back(xs, dout.copy() if dout.ndim else dout[()])
    analytic = _analytic_gradients(xs, grads_in, wrt)
    for name, p, g in plist:
        analytic[name] = (p, np.array(g, dtype=np.float64, copy=True))

    def loss() -> float:
        return float(np.sum(np.asarray(fwd(*xs), dtype=np.float64) * dout))

    report = GradcheckReport(atol=atol, rtol=rtol)
    for name, (arr, g) in analytic.items():
        _compare(report, name, g, _central_differences(arr, loss, eps))
    if is_mod:
        fwd(*xs)  # leave the module's cache consistent with the unperturbed point
    if raise_exception and not report.ok:
        raise AssertionError(str(report))
    return report


def _float64_inputs(inputs: Sequence[Any]) -> list[np.ndarray]:
    """Float64 copies of the floating inputs (the caller's arrays stay untouched); integer
    inputs (class labels) pass through and are never differentiated."""
    xs = []
    for i, a in enumerate(inputs):
        arr = np.asarray(a)
        if arr.dtype.kind == "f":
            arr = np.array(arr, dtype=np.float64, copy=True)
        elif arr.dtype.kind not in "biu":
            raise TypeError(f"gradcheck: input{i} has dtype {arr.dtype}")
        xs.append(arr)
    return xs


def _float64_params(target: Module) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """The module's parameters; central differences of float32 ones would measure rounding."""
    plist = list(target.parameters())
    for name, p, _ in plist:
        if p.dtype != np.float64:
            raise ValueError(f"gradcheck: parameter {name!r} is {p.dtype}; central differences need float64 parameters")
    return plist


def _analytic_gradients(xs: list[np.ndarray], grads_in: list[Any],
                        wrt: Sequence[int] | None) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """``name -> (array to perturb, analytic gradient)`` for the inputs to check."""
    analytic: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for i in (range(len(xs)) if wrt is None else wrt):
        if i >= len(grads_in) or grads_in[i] is None:
            if wrt is not None:
                raise ValueError(f"gradcheck: backward returned no gradient for input{i}")
            continue
        if xs[i].dtype.kind != "f":
            continue
        g = np.asarray(grads_in[i], dtype=np.float64)
        if g.shape != xs[i].shape:
            raise ValueError(f"gradcheck: gradient of input{i} has shape {g.shape}, input has {xs[i].shape}")
        analytic[f"input{i}"] = (xs[i], g)
    return analytic


def _central_differences(arr: np.ndarray, loss: Callable[[], float], eps: float) -> np.ndarray:
    """d loss / d arr by central differences, perturbing ``arr`` in place element by element."""
    num = np.zeros(arr.shape)
    for k in np.ndindex(arr.shape):
        orig = arr[k]
        arr[k] = orig + eps
        lp = loss()
        arr[k] = orig - eps
        lm = loss()
        arr[k] = orig  # restored bit for bit
        num[k] = (lp - lm) / (2.0 * eps)
    return num


def _compare(report: GradcheckReport, name: str, g: np.ndarray, num: np.ndarray) -> None:
    """Record the max absolute / relative error of ``g`` against ``num`` in ``report``."""
    diff = np.abs(g - num)
    scale = np.maximum(np.abs(g), np.abs(num))
    rel = np.where(scale > 0, diff / np.where(scale > 0, scale, 1.0), 0.0)
    report.errors[name] = (float(diff.max(initial=0.0)), float(rel.max(initial=0.0)))
    if np.any(~(diff <= report.atol + report.rtol * np.abs(num))):  # NaN fails too
        report.failures.append(name)
        report.ok = False
