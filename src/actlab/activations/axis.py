"""Activations that act along an axis: softmax, log_softmax, logsumexp, glu.

All are computed from the max-shifted input, so ``exp`` never sees a positive argument.
Rows holding ``+inf`` give the limit (the mass is shared by the ``+inf`` entries); a row of
only ``-inf`` has no defined softmax and gives NaN quietly (logsumexp gives ``-inf``).
The vector-Jacobian products are O(n): ``y * (dy - sum(dy * y))`` for softmax, never a
Jacobian matrix.  Softmax and log_softmax compute theirs from the forward output
(``vjp_from_output``), which layers cache.

May import: NumPy, :mod:`actlab._math`, :mod:`actlab.activations.define`.
"""

from __future__ import annotations

import numpy as np

from .. import _math as m
from .define import axis_activation

__all__ = ["softmax", "log_softmax", "logsumexp", "glu"]


def _shifted(x: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(x - max, max)`` with infinite maxima handled as limits (max kept dims)."""
    mx = np.max(x, axis=axis, keepdims=True, initial=-np.inf)
    mxf = np.where(np.isinf(mx), 0.0, mx)  # a NaN max stays NaN and poisons its row
    with np.errstate(over="ignore"):  # -1.79e308 - 1.79e308 = -inf: exp gives the true 0
        s = np.where(mx == np.inf, np.where(x == np.inf, 0.0, -np.inf), x - mxf)
    return s, np.where(mx == np.inf, np.inf, mxf)


def _softmax(x, axis):
    with np.errstate(divide="ignore", invalid="ignore"):
        s, _ = _shifted(x, axis)
        e = np.exp(s)
        return e / np.sum(e, axis=axis, keepdims=True)


@axis_activation(range=(0.0, 1.0), range_closed=(False, True),  # 1 on an axis of length 1
                 zero_centered=False, max_grad=0.25, vjp_from_output=True)
class softmax:
    r"""Softmax along ``axis``: exp(x_i - max) / sum_j exp(x_j - max).

    .. math::

        y_i = \frac{e^{x_i}}{\sum_j e^{x_j}}

        \frac{\partial y_i}{\partial x_j} = y_i(\delta_{ij}-y_j)

        \bar x = y \odot (\bar y - \langle \bar y, y\rangle)

    The output layer of multiclass classification; pair it with cross-entropy on the
    *logits* (``nn.CrossEntropyLoss``), never softmax followed by log.  The vjp (last line)
    is O(n) and needs only the output y.

    Parameters
    ----------
    x : array_like
        At least one dimension; float16/32/64 keep their dtype.
    axis : int, default -1
        The axis the probabilities sum to 1 along.

    Examples
    --------
    >>> import actlab as al
    >>> al.softmax([1.0, 2.0, 3.0])
    array([0.09003057, 0.24472847, 0.66524096])
    >>> float(al.softmax([1000.0, 1000.0])[0])
    0.5

    References
    ----------
    Bridle (1990); Goodfellow et al., Deep Learning, sec. 6.2.2.3.
    """

    @staticmethod
    def value(x, axis):
        return _softmax(x, axis)

    @staticmethod
    def vjp(x, dy, axis, y):
        y = _softmax(x, axis) if y is None else y
        return y * (dy - np.sum(dy * y, axis=axis, keepdims=True))


@axis_activation(range=(-np.inf, 0.0), range_closed=(False, True),  # 0 on an axis of length 1
                 zero_centered=False, max_grad=1.0, vjp_from_output=True)
class log_softmax:
    r"""Log-softmax along ``axis``: (x - max) - log sum exp(x - max), never log(softmax(x)).

    .. math::

        y_i = x_i-\log\sum_j e^{x_j}

        \frac{\partial y_i}{\partial x_j} = \delta_{ij}-\mathrm{softmax}_j

        \bar x = \bar y - \mathrm{softmax}(x) \sum_j \bar y_j

    Why not log(softmax(x)): softmax underflows to 0 (log gives -inf) where the log-softmax
    is a finite, large negative number.  The vjp takes softmax(x) = exp(y) from the output.

    Parameters
    ----------
    x : array_like
        At least one dimension; float16/32/64 keep their dtype.
    axis : int, default -1
        The axis of the normalisation.

    Examples
    --------
    >>> import actlab as al
    >>> al.log_softmax([0.0, 1000.0])
    array([-1000.,     0.])

    References
    ----------
    torch.nn.functional.log_softmax; scipy.special.log_softmax.
    """

    @staticmethod
    def value(x, axis):
        with np.errstate(divide="ignore", invalid="ignore"):
            s, _ = _shifted(x, axis)
            return s - np.log(np.sum(np.exp(s), axis=axis, keepdims=True))

    @staticmethod
    def vjp(x, dy, axis, y):
        p = _softmax(x, axis) if y is None else np.exp(y)
        return dy - p * np.sum(dy, axis=axis, keepdims=True)


@axis_activation(range=(-np.inf, np.inf), zero_centered=False, max_grad=1.0)
class logsumexp:
    r"""log(sum(exp(x))) along ``axis`` (the axis is reduced), computed as max + log sum exp(x - max).

    .. math::

        y = \log\sum_j e^{x_j}

        \frac{\partial y}{\partial x} = \mathrm{softmax}(x)

    Parameters
    ----------
    x : array_like
        At least one dimension; float16/32/64 keep their dtype.
    axis : int, default -1
        The axis that is summed over (and removed).

    Examples
    --------
    >>> import actlab as al
    >>> float(al.logsumexp([1000.0, 1000.0]))
    1000.6931471805599

    References
    ----------
    scipy.special.logsumexp.
    """

    @staticmethod
    def value(x, axis):
        with np.errstate(divide="ignore", invalid="ignore"):
            s, mx = _shifted(x, axis)
            r = mx + np.log(np.sum(np.exp(s), axis=axis, keepdims=True))
        return np.squeeze(r, axis=axis)

    @staticmethod
    def vjp(x, dy, axis, y):
        if y is None:
            p = _softmax(x, axis)
        else:
            with np.errstate(invalid="ignore", over="ignore"):  # x - y <= 0: -inf is exp's 0
                p = np.exp(x - np.expand_dims(y, axis))
        return np.expand_dims(dy, axis) * p


def _glu_halves(x, axis):
    n = x.shape[axis]
    if n % 2:
        raise ValueError(f"actlab.glu: the size of axis {axis} must be even, got {n}")
    return np.split(x, 2, axis=axis)


@axis_activation(range=(-np.inf, np.inf), zero_centered=False, max_grad=1.0)
class glu:
    r"""Gated linear unit: split ``x`` in halves a, b along ``axis``; return a * sigmoid(b).

    .. math::

        \mathrm{glu}(a, b) = a\odot\sigma(b)

        \left(\frac{\partial y}{\partial a}, \frac{\partial y}{\partial b}\right) = (\sigma(b),\ a\sigma'(b))

        \bar a = \bar y\,\sigma(b), \quad \bar b = \bar y\, a\,\sigma(b)\sigma(-b)

    The size of ``axis`` must be even (``ValueError`` otherwise).  The gate is a sigmoid,
    as in LSTM/GRU gates.

    Parameters
    ----------
    x : array_like
        At least one dimension; float16/32/64 keep their dtype.
    axis : int, default -1
        The axis that is split in halves (its size must be even).

    Examples
    --------
    >>> import actlab as al
    >>> al.glu([2.0, 0.0])
    array([1.])

    References
    ----------
    Dauphin et al., Language Modeling with Gated Convolutional Networks (2017).
    """

    @staticmethod
    def value(x, axis):
        a, b = _glu_halves(x, axis)
        with np.errstate(invalid="ignore"):
            return a * m.sigmoid(b)

    @staticmethod
    def vjp(x, dy, axis, y):
        a, b = _glu_halves(x, axis)
        # a * sigma'(b) <= a / 4 first: dy * a could overflow where the result does not; an
        # overflow left is the true result's
        with np.errstate(invalid="ignore", over="ignore"):
            return np.concatenate([dy * m.sigmoid(b), dy * (a * m.sigmoid_grad(b))], axis=axis)


__test__ = {act.name: act.__doc__ for act in (softmax, log_softmax, logsumexp, glu)}
