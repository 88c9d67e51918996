"""Figures: the right curves are drawn, from the core's derivatives, and files are written."""

from __future__ import annotations

import numpy as np
import pytest

import actlab as al
from actlab.analysis import plots, vanishing


def _lines(ax):
    return {ln.get_label(): ln for ln in ax.get_lines() if not ln.get_label().startswith("_")}


def test_gallery_draws_f_grad_grad2_from_the_core():
    x = np.linspace(-4, 4, 101)
    fig = plots.gallery(["sigmoid", "tanh", "relu"], x=x)
    assert len([a for a in fig.axes if a.get_visible()]) == 3
    lines = _lines(fig.axes[0])
    np.testing.assert_array_equal(lines["f(x)"].get_ydata(), al.sigmoid(x))
    np.testing.assert_array_equal(lines["f'(x)"].get_ydata(), al.sigmoid.grad(x))
    np.testing.assert_array_equal(lines["f''(x)"].get_ydata(), al.sigmoid.grad2(x))
    assert max(lines["f'(x)"].get_ydata()) == pytest.approx(0.25)
    assert "0.25" in fig.axes[0].get_title()


def test_gallery_orders_and_errors():
    fig = plots.gallery(["gelu"], orders=(1,))
    assert list(_lines(fig.axes[0])) == ["f'(x)"]
    with pytest.raises(ValueError, match="orders"):
        plots.gallery(["gelu"], orders=(3,))
    with pytest.raises(ValueError, match="valid names"):
        plots.gallery(["nope"])
    with pytest.raises(ValueError, match="axis"):
        plots.gallery(["softmax"])


def test_notes_figures_carry_their_reference_lines():
    figs = plots.notes_figures()
    assert list(figs) == ["step", "sigmoid", "tanh", "relu", "leaky_relu", "softmax"]
    sig = _lines(figs["sigmoid"].axes[0])
    vline = sig["x = 0 (slope 0.25)"]
    assert vline.get_linestyle() == ":" and list(vline.get_xdata()) == [0.0, 0.0]
    th = _lines(figs["tanh"].axes[0])["y = 0 (zero-centred)"]
    assert th.get_linestyle() == ":" and list(th.get_ydata()) == [0.0, 0.0]
    bars = [p.get_height() for p in figs["softmax"].axes[0].patches]
    np.testing.assert_allclose(bars[3:], al.softmax(np.array([0.3, 2.9, 4.0])))
    with pytest.raises(ValueError, match="study notes draw no figure of 'gelu'"):
        plots.notes_figure("gelu")


def _record(activation, layer, weight_grad_norm):
    nan = float("nan")
    return vanishing.LayerRecord(layer, activation, weight_grad_norm, *[nan] * 9)


def test_gradient_norms_keeps_tiny_values_on_the_log_axis():
    recs = [_record("sigmoid", i, g) for i, g in enumerate([1e-20, 1e-12, 1e-6, 1e-2], start=1)]
    recs += [_record("relu", i, g) for i, g in enumerate([0.0, 0.5, 0.7, 1.0], start=1)]
    fig = plots.gradient_norms(recs)
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    lo, hi = ax.get_ylim()
    assert lo <= 1e-20 < 1.0 <= hi
    lines = _lines(ax)
    assert lines["sigmoid"].get_ydata()[0] == 1e-20
    # the envelope 0.25^(L-l) anchored at the last sigmoid layer
    np.testing.assert_allclose(lines["slope-only envelope 0.25^(L-l)"].get_ydata(), 1e-2 * 0.25 ** np.array([3, 2, 1, 0]))
    # the exact zero of relu's first layer is not on the relu line but marked at the bottom
    assert 1 not in list(lines["relu"].get_xdata())
    with pytest.raises(ValueError, match="no field 'nope'"):
        plots.gradient_norms(recs, key="nope")


def test_histograms_and_curves(tmp_path):
    rng = np.random.default_rng(0)
    layers = [rng.normal(size=200) * s for s in (1.0, 0.5, 0.25)]
    before = [a.copy() for a in layers]
    fig = plots.histograms(layers, title="t", range=(-3, 3))
    assert len(fig.axes) == 3
    assert fig.axes[1].get_title() == f"layer 2\nstd {layers[1].std():.3g}"
    for a, b in zip(layers, before):
        np.testing.assert_array_equal(a, b)
    fig = plots.training_curves({"relu": [1.0, 0.5, 1e-9], "leaky": [1.0, 0.7, 0.6]}, logy=True)
    assert fig.axes[0].get_ylim()[0] <= 1e-9
    png = plots.save(fig, tmp_path / "c.png")
    svg = plots.save(fig, tmp_path / "sub" / "c.svg")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert b"<svg" in svg.read_bytes()[:500]
    with pytest.raises(ValueError, match=".png or .svg"):
        plots.save(fig, tmp_path / "c.jpg")
