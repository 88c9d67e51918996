"""NumPy reference cells of the recurrent layers: one time step of every element.

These are the twins of the compiled cell kernels (kfuncs.h ``k_lstm_cell`` & co., float32
computed in double): used where the extension is not built, and the tests' second path.
Arguments are (batch, hidden) arrays; ``out`` is the tuple of output arrays, written in
place (an output may be an input).

May import: NumPy and :mod:`actlab.activations`.
"""

from __future__ import annotations

import numpy as np

from ...activations import elementwise as _act

_sigmoid = _act.sigmoid
_tanh = _act.tanh


def _lstm_cell_np(zo, zi, zf, zg, cp, out):
    """Forward step from the pre-activations.  Out: h, c, and the factors the backward step
    multiplies by: po = tanh(c) o', oc = o tanh'(c), pi = g i', pf = c_prev f', pg = i g', f."""
    h, c, po, oc, pi, pf, pg, f_out = out
    o, i, f, g = _sigmoid(zo), _sigmoid(zi), _sigmoid(zf), _tanh(zg)
    fc = f * cp
    np.add(fc, i * g, out=c)
    tc = _tanh(c)
    np.multiply(o, tc, out=h)
    np.multiply(tc, _sigmoid.grad(zo), out=po)
    np.multiply(o, _tanh.grad(c), out=oc)
    np.multiply(g, _sigmoid.grad(zi), out=pi)
    np.multiply(cp, _sigmoid.grad(zf), out=pf)
    np.multiply(i, _tanh.grad(zg), out=pg)
    f_out[...] = f
    return out


def _lstm_cell_backward_np(dh, dout, dc, po, oc, pi, pf, pg, f, out):
    """Backward step.  Out: d zo, d zi, d zf, d zg, d c_prev."""
    dzo, dzi, dzf, dzg, dcp = out
    dH = dh + dout
    dct = dc + dH * oc
    np.multiply(dH, po, out=dzo)
    np.multiply(dct, pi, out=dzi)
    np.multiply(dct, pf, out=dzf)
    np.multiply(dct, pg, out=dzg)
    np.multiply(dct, f, out=dcp)
    return out


def _gru_preactivations(xr, xz, xn, hr, hz, hn, bn):
    """GRU pre-activations ar = xr + hr, az = xz + hz, an = xn + sigmoid(ar) (hn + b_hn) and
    the bracket ghn = hn + b_hn, from the input projections x* (with b_ih, and b_hr, b_hz)
    and the recurrent projections h* (no bias)."""
    ar, az, ghn = xr + hr, xz + hz, hn + bn
    return ar, az, xn + _sigmoid(ar) * ghn, ghn


def _gru_cell_np(xr, xz, xn, hr, hz, hn, bn, h, out):
    """Forward step (arguments as :func:`_gru_preactivations`, and the previous state h).
    Out: h' = n + z (h - n) and the factors z, (1 - z) tanh'(an) (1 - z as sigmoid(-az)), r,
    (hn + b_hn) r', (h - n) z'."""
    h_new, fz, fn, fr, frr, fzz = out
    ar, az, an, ghn = _gru_preactivations(xr, xz, xn, hr, hz, hn, bn)
    r, z, n = _sigmoid(ar), _sigmoid(az), _tanh(an)
    hmn = h - n
    np.add(n, z * hmn, out=h_new)
    fz[...] = z
    np.multiply(_sigmoid(-az), _tanh.grad(an), out=fn)
    fr[...] = r
    np.multiply(ghn, _sigmoid.grad(ar), out=frr)
    np.multiply(hmn, _sigmoid.grad(az), out=fzz)
    return out


def _gru_cell_backward_np(dha, dhb, dout, fz, fn, fr, frr, fzz, out):
    """Backward step; dh arrives in two parts (direct path, matmul).  Out: d ar, d az,
    d an, d hn, dh through the direct path (dh z)."""
    dar, daz, dan, dhn, dh_direct = out
    dH = dha + dhb + dout
    np.multiply(dH, fn, out=dan)
    np.multiply(dan, frr, out=dar)
    np.multiply(dH, fzz, out=daz)
    np.multiply(dan, fr, out=dhn)
    np.multiply(dH, fz, out=dh_direct)
    return out

