"""Losses with PyTorch's semantics: MSE, BCE, BCE-with-logits, cross-entropy, NLL.

``loss = crit.forward(input, target)`` returns a 0-d array (``reduction="mean"`` or
``"sum"``) or the per-element losses (``"none"``); ``crit.backward(dloss=1)`` returns the
gradient with respect to ``input`` of the reduced loss times ``dloss`` (an array of the
loss's shape for ``"none"``, default ones).  Targets are validated: a shape mismatch, a
NaN, a class index out of range or a probability outside [0, 1] raises
:class:`ValueError` naming the problem and the first offending position.  The caller's
arrays are never modified.  A loss beyond the float range (1e308 logits, 1e200 inputs to
:class:`MSELoss`) is ``inf``, as torch gives, without a RuntimeWarning.

Every activation formula comes from the core (``log_sigmoid``, ``sigmoid``,
``log_softmax`` and its ``vjp``); nothing is re-derived here.

>>> import numpy as np
>>> from actlab import nn
>>> ce = nn.CrossEntropyLoss()
>>> float(ce.forward(np.array([[2.0, 0.0, -1.0]]), np.array([0])))
0.16984601955628567
>>> ce.backward()
array([[-0.15620527,  0.1141952 ,  0.04201007]])

May import: NumPy, :mod:`actlab._kernels` (the fused BCE kernel), :mod:`actlab._checks`,
:mod:`actlab.activations` and :mod:`.module`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _kernels
from .._checks import float_input
from ..activations import log_sigmoid, sigmoid
from ..activations.axis import log_softmax
from .module import Module

__all__ = ["Loss", "MSELoss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss"]

_REDUCTIONS = ("mean", "sum", "none")
_BCE_KERNEL = _kernels.get("bce_with_logits")  # fused (loss, dloss/dx) of the core; None unbuilt
_BCE_EPS = float(np.float32(1e-12))  # torch's floor on x(1-x) in the BCE gradient (a float32 constant there)


def _overflow_is_inf() -> np.errstate:
    """A loss beyond the float range (1e308 logits, 1e200 squared) is +-inf, the rounded value
    torch gives too: overflow and underflow are results, not warnings; invalid still warns."""
    return np.errstate(over="ignore", under="ignore")


def _pos(mask: np.ndarray) -> tuple[int, ...]:
    """Index of the first True of ``mask`` (C order) as a tuple of ints."""
    return tuple(int(i) for i in np.unravel_index(int(np.argmax(mask)), mask.shape))


def _as_prob_target(t: Any, shape: tuple[int, ...], who: str) -> np.ndarray:
    arr = np.asarray(t)
    if arr.dtype.kind not in "fiub":
        raise TypeError(f"{who}: target has dtype {arr.dtype}; expected real numbers")
    arr = arr.astype(np.float64, copy=False)
    if arr.shape != shape:
        raise ValueError(f"{who}: target shape {arr.shape} does not match input shape {shape}")
    nan = np.isnan(arr)
    if nan.any():
        raise ValueError(f"{who}: target is NaN at position {_pos(nan)}")
    bad = (arr < 0) | (arr > 1)
    if bad.any():
        p = _pos(bad)
        raise ValueError(f"{who}: target {float(arr[p])!r} at position {p} is outside [0, 1]")
    return arr


def _xmul(c: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``c * v`` with the convention ``0 * (±inf) = 0`` (a zero coefficient drops the term)."""
    with np.errstate(invalid="ignore"):
        return np.where(c == 0, 0.0, c * v)


class Loss(Module):
    """Base of the losses: reduction handling and the ``backward(dloss)`` protocol.

    Subclasses implement ``_forward(input, target) -> (per-element loss, mean denominator)``
    and ``_backward(dl) -> d input`` where ``dl`` is the upstream gradient of each
    per-element loss.  A denominator of 0 means that no term contributes (an empty input,
    every target ignored): the mean is then 0 with zero gradient.  A negative one (negative
    class weights) divides like any other, as torch does.
    """

    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        if reduction not in _REDUCTIONS:
            raise ValueError(f"{type(self).__name__}: reduction must be one of {_REDUCTIONS}, got {reduction!r}")
        self.reduction = reduction
        self._denom: float | None = None
        self._lshape: tuple[int, ...] | None = None
        self._dtype: np.dtype = np.dtype(np.float64)

    def _forward(self, x: np.ndarray, target: Any) -> tuple[np.ndarray, float]:
        raise NotImplementedError

    def _backward(self, dl: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def forward(self, input: Any, target: Any) -> np.ndarray:
        """Loss of ``input`` against ``target`` (0-d array, or per element for ``"none"``)."""
        x = float_input(input, type(self).__name__)
        self._dtype = x.dtype
        with _overflow_is_inf():
            per, denom = self._forward(x.astype(np.float64, copy=False), target)
            self._denom, self._lshape = float(denom), per.shape
            if self.reduction == "none":
                out = per
            elif self.reduction == "sum":
                out = np.sum(per)
            else:
                out = np.sum(per) / denom if denom != 0 else np.zeros(())
            return np.asarray(out).astype(self._dtype)

    def backward(self, dloss: Any = None) -> np.ndarray:
        """Gradient w.r.t. ``input`` of the (reduced) loss, scaled by ``dloss``."""
        self._need_cache("_lshape")
        if self.reduction == "none":
            d = np.ones(self._lshape) if dloss is None else np.asarray(dloss, dtype=np.float64)
            if d.shape != self._lshape:
                raise ValueError(f"{type(self).__name__}.backward: dloss has shape {d.shape}, loss has shape {self._lshape}")
        else:
            d = np.ones(()) if dloss is None else np.asarray(dloss, dtype=np.float64)
            if d.size != 1:
                raise ValueError(f"{type(self).__name__}.backward: dloss must be a scalar for reduction={self.reduction!r}, got shape {d.shape}")
            d = d.reshape(())
            if self.reduction == "mean":
                with _overflow_is_inf():
                    d = d / self._denom if self._denom != 0 else np.zeros(())
            d = np.broadcast_to(d, self._lshape)
        with _overflow_is_inf():
            return np.asarray(self._backward(d)).astype(self._dtype)

    # -- private fast path for training loops that call the loss many times on one target ----
    def _prepare(self, target: Any, shape: tuple[int, ...]) -> None:
        """Validate ``target`` for inputs of ``shape`` once; :meth:`_value_and_grad` then
        reuses it (the estimators' L-BFGS objective).  Subclasses with a fused path override."""
        self._fast_target = target

    def _value_and_grad(self, x: np.ndarray, dloss: float = 1.0) -> tuple[float, np.ndarray]:
        """``(float(forward(x, target)) * dloss, backward(dloss))`` for the prepared target;
        the generic path is exactly the public one."""
        loss = float(self.forward(x, self._fast_target)) * dloss
        return loss, self.backward(dloss)

    def extra_repr(self) -> str:
        return f"reduction={self.reduction!r}"


class MSELoss(Loss):
    r"""Mean squared error :math:`(x - t)^2` (``torch.nn.MSELoss``); the loss of an identity head.

    >>> import numpy as np
    >>> crit = MSELoss()
    >>> float(crit.forward(np.array([1.0, 3.0]), np.array([0.0, 0.0])))
    5.0
    >>> crit.backward()
    array([1., 3.])
    """

    def _forward(self, x, target):
        t = np.asarray(target)
        if t.dtype.kind not in "fiub":
            raise TypeError(f"MSELoss: target has dtype {t.dtype}; expected real numbers")
        t = t.astype(np.float64, copy=False)
        if t.shape != x.shape:
            raise ValueError(f"MSELoss: target shape {t.shape} does not match input shape {x.shape}")
        nan = np.isnan(t)
        if nan.any():
            raise ValueError(f"MSELoss: target is NaN at position {_pos(nan)}")
        self._diff = x - t
        return self._diff**2, x.size

    def _backward(self, dl):
        return self._diff * (2.0 * dl)  # 2 * dl first: exact, and no overflow of 2 * diff when dl is small


def _check_weight(w: Any, shape: tuple[int, ...], who: str, what: str = "weight") -> np.ndarray | None:
    if w is None:
        return None
    arr = np.asarray(w)
    if arr.dtype.kind not in "fiu":
        raise TypeError(f"{who}: {what} has dtype {arr.dtype}; expected real numbers")
    arr = arr.astype(np.float64)
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{who}: {what} has a non-finite value at position {_pos(~np.isfinite(arr))}")
    try:
        np.broadcast_shapes(arr.shape, shape)
    except ValueError:
        raise ValueError(f"{who}: {what} of shape {arr.shape} does not broadcast to the input shape {shape}") from None
    return arr


class BCELoss(Loss):
    r"""Binary cross-entropy on probabilities (``torch.nn.BCELoss``).

    .. math::

        \ell = -w\,[t \max(\log x, -100) + (1-t)\max(\log(1-x), -100)]

    The logs are clamped at -100 like torch, so ``x = 0`` or ``1`` gives a finite loss; the
    gradient :math:`w (x - t) / \max(x(1-x), 10^{-12})` is torch's.  Prefer
    :class:`BCEWithLogitsLoss` on logits: a sigmoid followed by this loss loses the
    gradient once the sigmoid saturates (pytorch#103316).  Inputs outside [0, 1] or NaN
    raise ``ValueError`` (as torch does).

    >>> import numpy as np
    >>> float(BCELoss().forward(np.array([0.8]), np.array([1.0])))
    0.2231435513142097
    """

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = None if weight is None else np.array(weight, dtype=np.float64)

    def _forward(self, x, target):
        t = _as_prob_target(target, x.shape, "BCELoss")
        bad = ~((x >= 0) & (x <= 1))
        if bad.any():
            p = _pos(bad)
            raise ValueError(f"BCELoss: input {float(x[p])!r} at position {p} is not a probability in [0, 1] (pass logits to BCEWithLogitsLoss)")
        w = _check_weight(self.weight, x.shape, "BCELoss")
        with np.errstate(divide="ignore"):
            lx = np.maximum(np.log(x), -100.0)
            l1x = np.maximum(np.log1p(-x), -100.0)
        per = -(t * lx + (1.0 - t) * l1x)
        if w is not None:
            per = per * w
        self._x, self._t, self._w = x, t, w
        return per, x.size

    def _backward(self, dl):
        x, t = self._x, self._t
        g = (x - t) / np.maximum(x * (1.0 - x), _BCE_EPS)
        if self._w is not None:
            g = g * self._w
        return g * dl


class BCEWithLogitsLoss(Loss):
    r"""Sigmoid + binary cross-entropy on logits (``torch.nn.BCEWithLogitsLoss``).

    .. math::

        \ell = -w\,[p\,t \log\sigma(x) + (1-t) \log\sigma(-x)], \qquad
        \frac{\partial \ell}{\partial x} = w\,[(1-t)\,\sigma(x) - p\,t\,\sigma(-x)]

    with ``log σ`` the core's tail-exact ``log_sigmoid``.  ``weight`` broadcasts to the
    input, ``pos_weight`` (one per class, the last axis) too.  A zero coefficient drops its
    term, so ``x = +inf`` with ``t = 1`` (or ``-inf`` with ``t = 0``) gives exactly 0 loss
    and 0 gradient -- torch returns NaN there (pytorch#49844).

    >>> import numpy as np
    >>> crit = BCEWithLogitsLoss(reduction="none")
    >>> crit.forward(np.array([np.inf, -np.inf, 0.0]), np.array([1.0, 0.0, 1.0]))
    array([0.        , 0.        , 0.69314718])
    >>> crit.backward()
    array([ 0. ,  0. , -0.5])
    """

    def __init__(self, weight: Any = None, reduction: str = "mean", pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight = None if weight is None else np.array(weight, dtype=np.float64)
        self.pos_weight = None if pos_weight is None else np.array(pos_weight, dtype=np.float64)

    def _forward(self, x, target):
        who = "BCEWithLogitsLoss"
        t = _as_prob_target(target, x.shape, who)
        w = _check_weight(self.weight, x.shape, who)
        pw = _check_weight(self.pos_weight, x.shape, who, "pos_weight")
        pos = t if pw is None else t * pw
        per = 0.0 - (_xmul(pos, log_sigmoid(x)) + _xmul(1.0 - t, log_sigmoid(-x)))  # 0 - keeps +0.0
        if w is not None:
            per = _xmul(w, per)
        self._x, self._t, self._w, self._pw = x, t, w, pw
        return per, x.size

    def _backward(self, dl):
        x, t = self._x, self._t
        if self._pw is None:
            g = sigmoid(x) - t
        else:
            g = (1.0 - t) * sigmoid(x) - self._pw * t * sigmoid(-x)
        if self._w is not None:
            g = g * self._w
        return g * dl

    def _prepare(self, target, shape):
        super()._prepare(target, shape)
        t = _as_prob_target(target, shape, "BCEWithLogitsLoss")
        plain = (self.weight is None and self.pos_weight is None and self.reduction == "mean"
                 and _BCE_KERNEL is not None and len(shape) > 0)
        self._fast_t = np.ascontiguousarray(t) if plain else None

    def _value_and_grad(self, x, dloss=1.0):
        t = self._fast_t
        if t is None or x.dtype != np.float64 or x.shape != t.shape:
            return super()._value_and_grad(x, dloss)
        # the core's fused kernel: the same per-element loss and sigma(x) - t in one pass
        per, g = _BCE_KERNEL(x, t)
        n = x.size
        g *= dloss / n
        return float(np.sum(per) / n) * dloss, g

    def extra_repr(self) -> str:
        extra = "" if self.pos_weight is None else f", pos_weight={self.pos_weight.tolist()}"
        return super().extra_repr() + extra


def _class_targets(target: Any, x: np.ndarray, ignore_index: int, who: str) -> tuple[np.ndarray, np.ndarray]:
    """Validate class-index targets for input ``x`` of shape (N, C, ...); return (indices, valid mask)."""
    t = np.asarray(target)
    shape = x.shape[:1] + x.shape[2:]
    if t.shape != shape:
        raise ValueError(f"{who}: class-index target shape {t.shape} does not match the input's {shape} "
                         f"(input {x.shape} minus the class dim 1)")
    if t.dtype.kind == "f":
        nan = np.isnan(t)
        if nan.any():
            raise ValueError(f"{who}: target is NaN at position {_pos(nan)}")
        frac = t != np.round(t)
        if frac.any():
            p = _pos(frac)
            raise ValueError(f"{who}: target {float(t[p])!r} at position {p} is not a class index (integer)")
    elif t.dtype.kind not in "iu":
        raise TypeError(f"{who}: target has dtype {t.dtype}; expected integer class indices")
    # checked in the target's own dtype (exact against Python ints), cast once in [0, C):
    # a uint64 2**63 or a float 1e30 is reported as itself, never wrapped by the cast
    valid = t != ignore_index
    C = x.shape[1]
    bad = valid & ((t < 0) | (t >= C))
    if bad.any():
        p = _pos(bad)
        v = t[p]
        shown = int(v) if t.dtype.kind in "iu" or abs(v) < 2.0**63 else float(v)
        raise ValueError(f"{who}: target class {shown} at position {p} is out of range [0, {C}) "
                         f"(ignore_index={ignore_index})")
    return np.where(valid, t, 0).astype(np.int64, copy=False), valid


def _batched(x: np.ndarray, who: str) -> tuple[np.ndarray, bool]:
    if x.ndim == 0:
        raise ValueError(f"{who}: input must have a class dimension, got a 0-d array")
    return (x[None], True) if x.ndim == 1 else (x, False)


class NLLLoss(Loss):
    r"""Negative log-likelihood on log-probabilities (``torch.nn.NLLLoss``).

    Input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ...)``; target class indices of the input's
    shape without the class dim.  :math:`\ell_i = -w_{t_i}\, x_{i, t_i}`; targets equal to
    ``ignore_index`` contribute 0; ``"mean"`` divides by :math:`\sum_i w_{t_i}` over the
    non-ignored targets (torch's weighted mean), negative weights included.  When every
    target is ignored the mean is 0 with zero gradient (torch returns NaN); when targets
    remain but their weights sum to exactly 0 the mean is undefined -- torch returns nan
    or +-inf, this raises :class:`ValueError` (``"sum"`` and ``"none"`` are unaffected).

    >>> import numpy as np
    >>> float(NLLLoss().forward(np.log(np.array([[0.5, 0.5], [0.9, 0.1]])), np.array([0, 0])))
    0.39925384810888576
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = None if weight is None else np.array(weight, dtype=np.float64)
        self.ignore_index = int(ignore_index)

    def _class_weight(self, C: int, who: str) -> np.ndarray:
        if self.weight is None:
            return np.ones(C)
        w = _check_weight(self.weight, (C,), who)
        if w.shape != (C,):
            raise ValueError(f"{who}: weight has shape {w.shape}, expected ({C},) -- one per class")
        return w

    def _gather_setup(self, x: np.ndarray, target: Any, who: str):
        xb, self._unbatched = _batched(x, who)
        idx, valid = _class_targets(target if not self._unbatched else np.asarray(target)[None], xb, self.ignore_index, who)
        w = self._class_weight(xb.shape[1], who)
        wt = np.where(valid, w[idx], 0.0)  # weight of each target, 0 where ignored
        if self.reduction == "mean" and valid.any() and np.sum(wt) == 0:  # torch: nan or +-inf
            raise ValueError(f"{who}: the class weights of the {int(np.count_nonzero(valid))} non-ignored "
                             f"targets sum to 0, so the weighted mean (reduction='mean') is undefined "
                             f"(torch returns nan or inf); use reduction='sum' or 'none', or other weights")
        self._idx, self._valid, self._wt, self._shape = idx, valid, wt, xb.shape
        return xb, idx, valid, w, wt

    def _forward(self, x, target):
        xb, idx, valid, w, wt = self._gather_setup(x, target, "NLLLoss")
        picked = np.take_along_axis(xb, idx[:, None], axis=1)[:, 0]
        per = 0.0 - _xmul(wt, picked)
        return (per[0] if self._unbatched else per), float(np.sum(wt))

    def _scatter(self, coef: np.ndarray) -> np.ndarray:
        """Array of the input shape with ``coef`` at each target class, 0 elsewhere."""
        d = np.zeros(self._shape)
        np.put_along_axis(d, self._idx[:, None], coef[:, None], axis=1)
        return d

    def _backward(self, dl):
        dl = dl[None] if self._unbatched else dl
        d = self._scatter(-self._wt * dl)
        return d[0] if self._unbatched else d

    def extra_repr(self) -> str:
        return f"ignore_index={self.ignore_index}, reduction={self.reduction!r}"


class CrossEntropyLoss(NLLLoss):
    r"""Log-softmax + NLL on logits (``torch.nn.CrossEntropyLoss``), class dim 1.

    Targets are class indices (integer, shape of the input without dim 1; ``weight``,
    ``ignore_index``, ``label_smoothing`` as torch) or probabilities (float, the input's
    shape; ``"mean"`` divides by the number of samples, as torch).  With smoothing
    :math:`\varepsilon`, index targets give
    :math:`(1-\varepsilon)\,\ell_{\text{nll}} + \frac{\varepsilon}{C}\sum_c -w_c \log p_c`
    and probability targets are mixed with the uniform distribution.  The gradient is
    the core's ``log_softmax.vjp`` of the cached log-probabilities (O(C) per sample).

    >>> import numpy as np
    >>> crit = CrossEntropyLoss(label_smoothing=0.1)
    >>> round(float(crit.forward(np.array([[1.0, 2.0, 3.0]]), np.array([2]))), 6)
    0.507606
    """

    def __init__(self, weight: Any = None, ignore_index: int = -100, reduction: str = "mean",
                 label_smoothing: float = 0.0) -> None:
        super().__init__(weight, ignore_index, reduction)
        eps = float(label_smoothing)
        if not 0.0 <= eps <= 1.0:
            raise ValueError(f"CrossEntropyLoss: label_smoothing must be in [0, 1], got {label_smoothing!r}")
        self.label_smoothing = eps

    def _forward(self, x, target):
        who = "CrossEntropyLoss"
        xb, unb = _batched(x, who)
        C, eps = xb.shape[1], self.label_smoothing
        t = np.asarray(target)
        logp = log_softmax(xb, axis=1)
        self._xb, self._logp, self._unbatched = xb, logp, unb
        if t.dtype.kind == "f" and t.shape == x.shape:  # probability targets
            tb = _as_prob_target(t, x.shape, who)
            tb = tb[None] if unb else tb
            if eps > 0:
                tb = tb * (1.0 - eps) + eps / C
            w = self._class_weight(C, who).reshape((1, C) + (1,) * (xb.ndim - 2))
            coef = tb * w  # dL/dlogp = -coef
            self._coef = coef
            per = 0.0 - np.sum(_xmul(coef, logp), axis=1)
            return (per[0] if unb else per), float(xb.size // C)
        xb, idx, valid, w, wt = self._gather_setup(x, target, who)
        picked = np.take_along_axis(logp, idx[:, None], axis=1)[:, 0]
        per = 0.0 - _xmul(wt * (1.0 - eps), picked)
        coef = self._scatter(wt * (1.0 - eps))
        if eps > 0:
            wb = w.reshape((1, C) + (1,) * (xb.ndim - 2))
            smooth = np.where(valid[:, None], wb * (eps / C), 0.0)
            per = per - np.sum(_xmul(smooth, logp), axis=1)
            coef = coef + smooth
        self._coef = coef
        return (per[0] if unb else per), float(np.sum(wt))

    def _backward(self, dl):
        dl = dl[None] if self._unbatched else dl
        dlogp = -self._coef * np.expand_dims(dl, 1)
        d = log_softmax.vjp(self._xb, dlogp, axis=1, y=self._logp)
        return d[0] if self._unbatched else d

    def _prepare(self, target, shape):
        super()._prepare(target, shape)
        self._fast_ce = None
        t = np.asarray(target)
        if (self.weight is not None or self.label_smoothing or self.reduction != "mean" or len(shape) < 2
                or (t.dtype.kind == "f" and t.shape == shape)):
            return
        idx, valid = _class_targets(t, np.empty(shape, dtype=np.int8), self.ignore_index, "CrossEntropyLoss")
        if not valid.all():
            return
        flat = np.zeros(shape, dtype=bool)
        np.put_along_axis(flat, idx[:, None], True, axis=1)
        # the one-hot coefficients (what _scatter builds) and their flat positions, once
        self._fast_ce = (np.flatnonzero(flat), -flat.astype(np.float64), float(idx.size))

    def _value_and_grad(self, x, dloss=1.0):
        fast = self._fast_ce
        if fast is None or x.dtype != np.float64 or x.size != fast[1].size:
            return super()._value_and_grad(x, dloss)
        pos, neg_onehot, denom = fast
        with _overflow_is_inf():
            logp = log_softmax(x, axis=1)
            loss = -float(np.sum(logp.ravel()[pos])) / denom * dloss
            return loss, log_softmax.vjp(x, neg_onehot * (dloss / denom), axis=1, y=logp)

    def extra_repr(self) -> str:
        return super().extra_repr() + f", label_smoothing={self.label_smoothing}"
