"""Self-gated activations x * g(x): silu (swish, g = sigmoid), mish (g = tanh o softplus),
gelu (g = the normal CDF, or its tanh approximation).

May import: NumPy, :mod:`actlab._math`, :mod:`actlab.activations.define`.
"""

from __future__ import annotations

import numpy as np

from ... import _math as m
from ..define import activation

__all__ = ["silu", "mish", "gelu"]

_GELU_A = 0.044715


@activation(range=(-0.2784645427610738, np.inf), range_closed=(True, False),  # the minimum is reached
            zero_centered=False, max_grad=1.099839320128867,
            kernel="silu", aliases=("swish",))
class silu:
    r"""SiLU / Swish: x * sigmoid(x).

    .. math::

        f(x) = x\,\sigma(x)

        f'(x) = \sigma(x)(1+x\,\sigma(-x))

        f''(x) = \sigma(x)\sigma(-x)(2+x(\sigma(-x)-\sigma(x)))

    Why the care near x = -709 (float64): the product is formed as (exp(x/2) x) exp(x/2),
    so it stays accurate while exp(x) alone is already subnormal.  For x < 0 the value is
    x e^x / (1 + e^x) with e^x in double-double, and the slope e (1 + x + e) / (1 + e)^2,
    whose only cancellation, at the root x0 = -1.2785, is covered by a series.

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.silu([1.0, -1.0])
    array([ 0.73105858, -0.26894142])
    >>> al.get("swish") is al.silu
    True

    References
    ----------
    Ramachandran et al., Searching for Activation Functions (2017); Elfwing et al. (2018).
    """

    @staticmethod
    def value(x):
        # x >= 0: x / (1 + e^-x) is already within 1.2 ULP.  x < 0: x e^x / (1 + e^x) with e^x in
        # double-double (exp_dd) and an exactly rounded product and quotient: <= 0.6 ULP, where
        # the naive form accumulates exp's 0.65 ULP, a product and a quotient (> 2 ULP).
        num, den = m.sigmoid_parts(x)
        pos = (np.maximum(x, -m.far(x)) * num) / den
        xn = np.clip(x, -700.0, 0.0)
        eh, el = m.exp_dd(xn)
        ph, pl = m.two_prod(xn, eh)
        pl = pl + xn * el
        dh, dl = m.two_sum(np.ones_like(eh), eh)
        neg = m.dd_div(ph, pl, dh, dl + el)
        y = np.where(x >= 0, pos, neg)
        return m.patch_tail(x, y, lambda t: t)

    @staticmethod
    def grad(x):
        # x >= 0: sigma(x) (1 + x sigma(-x)), two positive terms.  x < 0: with e = exp(x),
        # sigma(x)(1 + x sigma(-x)) = e (1 + x + e) / (1 + e)^2, whose only cancellation is at
        # the root x0 = -1.2785 (covered by the series of patch_root).
        xc = np.clip(x, -m.far(x), m.far(x))
        e = m.exp_neg_abs(x)
        d = 1.0 + e
        neg = (e * ((1.0 + xc) + e)) / (d * d)
        y = np.where(x >= 0, m.sigmoid(x) * (1.0 + xc * m.sigmoid(-x)), neg)
        return m.patch_root(x, m.patch_tail(x, y, lambda t: 1.0 + t), ("silu", 1))

    @staticmethod
    def grad2(x):
        xc = np.clip(x, -m.far(x), m.far(x))
        y = m.sigmoid_grad(x) * (2.0 + xc * (m.sigmoid(-x) - m.sigmoid(x)))
        return m.patch_tail(x, y, lambda t: 2.0 + t)


def _mish_parts(x):
    """t = tanh(softplus(x)) and s = 1 - t^2 in closed form from e = exp(-|x|) (no cancellation)."""
    e = m.exp_neg_abs(x)
    pos = x >= 0
    n_pos = 1.0 + 2.0 * e
    d_pos = n_pos + 2.0 * e * e
    n_neg = e * (e + 2.0)
    d_neg = n_neg + 2.0
    t = np.where(pos, n_pos / d_pos, n_neg / d_neg)
    one_e = (1.0 + e) * (1.0 + e)
    s = np.where(pos, 4.0 * e * e * one_e / (d_pos * d_pos), 4.0 * one_e / (d_neg * d_neg))
    return t, s


@activation(range=(-0.30884341301725043, np.inf), range_closed=(True, False),  # the minimum is reached
            zero_centered=False, max_grad=1.088498161251728,
            kernel="mish")
class mish:
    r"""Mish: x * tanh(softplus(x)).

    .. math::

        f(x) = x\tanh(\log(1+e^x))

        f'(x) = t + x\sigma(x)(1-t^2)

        t = \tanh(\mathrm{softplus}(x)) = \frac{(1+e^x)^2-1}{(1+e^x)^2+1}

    Why the rational form: tanh(softplus(x)) is evaluated as that rational function of
    exp(-|x|), which avoids both overflow and cancellation.

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.

    Examples
    --------
    >>> import actlab as al
    >>> al.mish([1.0, -1.0])
    array([ 0.86509839, -0.30340146])

    References
    ----------
    Misra, Mish (2019).
    """

    @staticmethod
    def value(x):
        t, _ = _mish_parts(x)
        return m.patch_tail(x, np.maximum(x, -m.far(x)) * t, lambda u: u)

    @staticmethod
    def grad(x):
        # x >= 0: t + x sigma(x) (1 - t^2), positive terms.  x < 0: with e = exp(x) and
        # D = e(e+2) + 2 the same quantity is e P / D^2, P = 4(1+x) + e(6+4x) + 4e^2 + e^3,
        # whose terms share a sign except near the root x0 = -1.1924 (series in patch_root).
        t, s = _mish_parts(x)
        xc = np.clip(x, -m.far(x), m.far(x))
        e = m.exp_neg_abs(x)
        dd = e * (e + 2.0) + 2.0
        p = ((e + 4.0) * e + (6.0 + 4.0 * xc)) * e + 4.0 * (1.0 + xc)
        neg = (e * p) / (dd * dd)
        y = m.patch_tail(x, np.where(x >= 0, t + xc * m.sigmoid(x) * s, neg), lambda u: 1.0 + u)
        return m.patch_root(x, y, ("mish", 1))

    @staticmethod
    def grad2(x):
        t, s = _mish_parts(x)
        xc = np.clip(x, -m.far(x), m.far(x))
        sg = m.sigmoid(x)
        y = sg * s * (2.0 + xc * (m.sigmoid(-x) - 2.0 * t * sg))
        return m.patch_tail(x, y, lambda u: 2.0 + u)


_K2_HI = 1.5957691216057308  # 2 sqrt(2/pi) as a double-double (hi + lo)
_K2_LO = -9.96930880911092e-17
_K2A_HI = 0.07135481627260025  # 2 sqrt(2/pi) * 0.044715 as a double-double
_K2A_LO = -6.175149918155315e-19


def _gelu_v(xc):
    """v = 2u = 2 sqrt(2/pi) (x + 0.044715 x^3) as an unevaluated sum ``vh + vl``.

    The relative condition number of x*sigmoid(v) reaches ~1000 near x = -16, so v is formed
    in double-double (exact products) to keep the tanh-GELU within a few ULP.
    """
    x2, x2e = m.two_prod(xc, xc)
    x3, x3e = m.two_prod(x2, xc)
    x3e = x3e + x2e * xc
    t1, t1e = m.two_prod(xc, np.full_like(xc, _K2_HI))
    t1e = t1e + xc * _K2_LO
    t3, t3e = m.two_prod(x3, np.full_like(xc, _K2A_HI))
    t3e = t3e + x3 * _K2A_LO + x3e * _K2A_HI
    vh, vl = m.two_sum(t1, t3)
    vl = vl + (t1e + t3e)
    vh, vl = m.two_sum(vh, vl)
    dv = _K2_HI * (1.0 + 3.0 * _GELU_A * x2)
    ddv = _K2_HI * 6.0 * _GELU_A * xc
    return vh, vl, dv, ddv


def _sig_dd(vh, vl):
    """sigmoid(vh + vl) to first order in the tiny vl: sigma(vh) (1 + sigma(-vh) vl)."""
    s = m.sigmoid(vh)
    return s + s * (m.sigmoid(-vh) * vl)


def _sig_grad_dd(vh, vl):
    """sigmoid'(vh + vl) to first order in vl."""
    g = m.sigmoid_grad(vh)
    return g + g * ((m.sigmoid(-vh) - m.sigmoid(vh)) * vl)


@activation(range=(-0.16997120747990366, np.inf), range_closed=(True, False),  # the minimum is reached
            zero_centered=False, max_grad=1.1289041451851547,
            params={"approximate": "none"}, kernel="gelu",
            kernel_variants={("approximate", "tanh"): "gelu_tanh"})
class gelu:
    r"""Gaussian error linear unit: x * Phi(x) (approximate='none', default) or the tanh form.

    .. math::

        f(x) = x\,\Phi(x)

        f'(x) = \Phi(x)+x\,\varphi(x)

        f''(x) = (2-x^2)\,\varphi(x)

        \text{tanh form: } \tfrac12 x(1+\tanh u) = x\,\sigma(2u),\quad u = \sqrt{2/\pi}(x+0.044715x^3)

    Why: for x < 0, Phi is computed as erfcx(-x/sqrt2)/2 * exp(-x^2/2) with x^2 split
    exactly, which keeps the left tail accurate; the tanh form is evaluated as
    x * sigmoid(2u), which does not cancel for x < 0, with 2u in double-double.

    Parameters
    ----------
    x : array_like
        float16/32/64 and longdouble keep their dtype; integers and bool give float64.
    approximate : {"none", "tanh"}, default "none"
        "tanh" gives the tanh approximation (keyword, as torch.nn.GELU).

    Examples
    --------
    >>> import actlab as al
    >>> al.gelu([1.0, -1.0])
    array([ 0.84134475, -0.15865525])
    >>> al.gelu([1.0], approximate='tanh')
    array([0.84119199])

    References
    ----------
    Hendrycks & Gimpel, GELUs (2016); torch.nn.GELU.
    """

    @staticmethod
    def validate(approximate):
        if approximate not in ("none", "tanh"):
            raise ValueError(f"actlab.gelu: approximate must be 'none' or 'tanh', got {approximate!r}")

    @staticmethod
    def value(x, approximate):
        xc = np.clip(x, -1e4, 1e4)
        xl = np.maximum(x, -1e4)
        if approximate == "tanh":  # 0.5 x (1 + tanh u) = x sigma(2u): no cancellation for x < 0
            vh, vl, _, _ = _gelu_v(xc)
            return xl * _sig_dd(vh, vl)
        xn = np.minimum(xc, 0.0)
        h = m.exp_neg_quarter_sq(xn)
        left = (0.5 * xn * m.erfcx(-xn * m.INV_SQRT2) * h) * h
        return np.where(xc < 0, left, xl * m.norm_cdf(xc))

    @staticmethod
    def grad(x, approximate):
        xc = np.clip(x, -1e4, 1e4)
        if approximate == "tanh":
            vh, vl, dv, _ = _gelu_v(xc)
            y = _sig_dd(vh, vl) + xc * _sig_grad_dd(vh, vl) * dv
            return m.patch_root(x, y, ("gelu_tanh", 1))
        xn = np.minimum(xc, 0.0)
        hn = m.exp_neg_quarter_sq(xn)
        left = ((0.5 * m.erfcx(-xn * m.INV_SQRT2) + xn * m.INV_SQRT_2PI) * hn) * hn
        h = m.exp_neg_quarter_sq(xc)
        right = m.norm_cdf(xc) + (xc * m.INV_SQRT_2PI * h) * h
        return m.patch_root(x, np.where(xc < 0, left, right), ("gelu", 1), narrow=False)

    @staticmethod
    def grad2(x, approximate):
        xc = np.clip(x, -1e4, 1e4)
        if approximate == "tanh":
            vh, vl, dv, ddv = _gelu_v(xc)
            g1 = _sig_grad_dd(vh, vl)
            return 2.0 * g1 * dv + xc * (m.sigmoid_grad2(vh) * dv * dv + g1 * ddv)
        h = m.exp_neg_quarter_sq(xc)
        return ((2.0 - xc * xc) * m.INV_SQRT_2PI * h) * h


__test__ = {act.name: act.__doc__ for act in (silu, mish, gelu)}
