"""Figures: the right curves are drawn, from the core's derivatives, and files are written."""

from __future__ import annotations

import numpy as np
import pytest

import actlab as al
from matplotlib.colors import to_hex

from actlab.activations.base import available
from actlab.analysis import palette, plots, vanishing


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
    np.testing.assert_allclose(lines[plots.ENVELOPE_LABEL].get_ydata(), 1e-2 * 0.25 ** np.array([3, 2, 1, 0]))
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


# ------------------------------------------------------------------------------ palette
def test_palette_gives_every_activation_its_own_colour_and_aliases_the_same():
    names = available()
    assert sorted(palette.ACTIVATIONS) == sorted(names)
    colours = [palette.style(n).color.lower() for n in names]
    assert len(set(colours)) == len(colours)
    # labels that start with a name, and aliases, resolve to that name's style
    assert palette.style("relu after training") == palette.ACTIVATIONS["relu"]
    assert palette.style("leaky_relu after training") == palette.ACTIVATIONS["leaky_relu"]
    assert palette.style("swish") == palette.ACTIVATIONS["silu"]
    assert palette.style("lstm i") == palette.MODELS["lstm"]
    assert palette.style("torch") == palette.IMPLEMENTATIONS["torch"]
    assert palette.style("at init (both)", 1) == palette.SERIES[1]
    with pytest.raises(ValueError, match="order must be 0, 1 or 2"):
        palette.order_style(3)


def test_palette_json_is_complete_for_the_lab():
    import json
    data = json.loads(palette.to_json())
    assert set(data["activations"]) == set(available())
    assert data["activations"]["leaky_relu"] == {"color": "#ff7f0e", "linestyle": "--", "marker": "^",
                                                 "dasharray": "6 3"}
    assert data["orders"]["2"]["dasharray"] == "1.5 2.5"
    assert set(data["implementations"]) == {"numpy", "scipy", "torch", "actlab", "memcpy"}


def _colour(artist):
    c = artist.get_color() if hasattr(artist, "get_color") else artist.get_facecolor()
    return to_hex(c)


def test_an_activation_has_the_same_colour_in_every_figure():
    relu = palette.style("relu").color
    fig = plots.training_curves({"at init (both)": [0.1, 0.2], "relu after training": [0.3, 0.1]})
    assert _colour(_lines(fig.axes[0])["relu after training"]) == relu
    fig = plots.training_curves({"relu": [1.0, 0.5], "leaky_relu": [1.0, 0.4]}, logy=True)
    assert _colour(_lines(fig.axes[0])["relu"]) == relu
    fig = plots.gradient_norms([_record("relu", 1, 0.5), _record("relu", 2, 1.0)])
    assert _colour(_lines(fig.axes[0])["relu"]) == relu
    fig = plots.gallery(["relu"])
    assert {_colour(ln) for ln in _lines(fig.axes[0]).values()} == {relu}
    fig = plots.value_bars("relu", [-1.0, 1.0])
    assert {_colour(p) for p in fig.axes[0].patches} == {relu}
    fig = plots.histograms([np.ones(5)], activation="relu")
    assert {_colour(p) for p in fig.axes[0].patches} == {relu}
    sig = plots.notes_figure("sigmoid")
    assert _colour(_lines(sig.axes[0])["f(x)"]) == palette.style("sigmoid").color


def _font_sizes(fig):
    fig.canvas.draw()
    return [t.get_fontsize() for t in fig.findobj(lambda a: hasattr(a, "get_fontsize") and hasattr(a, "get_text"))
            if t.get_text()]


def test_coinciding_lines_are_drawn_distinguishably_and_named():
    scale = {"sigmoid": 0.01, "relu": 1.0, "leaky_relu": 1.0, "silu": 3.0}
    recs = [_record(a, i, g * k) for a, k in scale.items() for i, g in enumerate([0.1, 0.2, 0.4], start=1)]
    fig = plots.gradient_norms(recs)
    lines = _lines(fig.axes[0])
    assert "leaky_relu (= relu)" in lines
    hollow = lines["leaky_relu (= relu)"]
    assert hollow.get_markerfacecolor() == "none" and hollow.get_markersize() > lines["relu"].get_markersize()
    np.testing.assert_array_equal(hollow.get_ydata(), lines["relu"].get_ydata())
    note = plots.coincidence_note(recs)
    assert "relu and leaky_relu" in note and "1%" in note
    assert "relu와 leaky_relu" in plots.coincidence_note(recs, lang="ko")
    assert plots.coincidence_note([_record("relu", 1, 1.0), _record("tanh", 1, 2.0)]) == ""
    assert min(_font_sizes(fig)) >= plots.MIN_FONT


def test_value_bars_label_every_bar_with_the_core_value():
    xs = [-10.0, -1.0, 0.0, 1.0, 10.0]
    fig = plots.value_bars("sigmoid", xs)
    ax = fig.axes[0]
    np.testing.assert_array_equal([p.get_height() for p in ax.patches], al.sigmoid(np.array(xs)))
    assert [t.get_text() for t in ax.texts] == [f"{v:.2g}" for v in al.sigmoid(np.array(xs))]
    fig = plots.value_bars("sigmoid", xs, which="grad")
    assert max(p.get_height() for p in fig.axes[0].patches) == 0.25
    assert fig.axes[0].get_ylabel() == "sigmoid'(x)"


def test_gate_histograms_use_a_range_per_gate_kind():
    rng = np.random.default_rng(1)
    panels = {"lstm i": rng.uniform(0, 1, 50), "lstm g": rng.uniform(-1, 1, 50), "gru n": rng.uniform(-1, 1, 50)}
    fig = plots.gate_histograms(panels)
    axes = [a for a in fig.axes if a.get_visible()]
    assert len(axes) == 3
    lo_i = min(p.get_x() for p in axes[0].patches)
    lo_g = min(p.get_x() for p in axes[1].patches)
    assert lo_i == pytest.approx(0.0, abs=1e-12) and lo_g == pytest.approx(-1.0)
    assert "sigmoid" in axes[0].get_title() and "tanh" in axes[1].get_title()
    assert min(_font_sizes(fig)) >= plots.MIN_FONT
    with pytest.raises(ValueError, match="no gates"):
        plots.gate_histograms({})


def test_gate_bars_stack_low_and_high_shares_on_a_readable_axis():
    def gate(model, g, low, high):
        return vanishing.GateRecord(model=model, layer=0, gate=g, activation="sigmoid", saturated_share=0.0,
                                    mean=0.5, near_low=low, near_high=high, preact_mean=0.0, preact_std=1.0)
    fig = plots.gate_bars([gate("lstm", "i", 0.0, 0.0), gate("gru", "z", 0.0, 0.0)])
    ax = fig.axes[0]
    assert ax.get_ylim()[1] >= 0.05  # all zeros: a 0-5% axis, never an empty 0-1.1
    assert [t.get_text() for t in ax.texts] == ["0.0%", "0.0%"]
    fig = plots.gate_bars([gate("lstm", "f", 0.10, 0.30), gate("gru", "z", 0.02, 0.0)])
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["40.0%", "2.0%"]
    assert ax.get_ylim()[1] == pytest.approx(0.4 * 1.3)
    heights = sorted(p.get_height() for p in ax.patches)
    assert heights == pytest.approx([0.0, 0.02, 0.1, 0.3])


def test_accuracy_and_speed_bars_mark_one_ulp_one_ratio_and_wrong_answers():
    rows = [{"function": "sigmoid", "implementation": "numpy", "max_ulp": float("inf")},
            {"function": "sigmoid", "implementation": "actlab", "max_ulp": 0.5},
            {"function": "log_sigmoid", "implementation": "numpy", "max_ulp": 3.0},
            {"function": "log_sigmoid", "implementation": "actlab", "max_ulp": 0.4}]
    ax = plots.accuracy_bars(rows).axes[0]
    assert ax.get_yscale() == "log"
    assert [t.get_text() for t in ax.texts if t.get_text() != "1 ULP"] == ["wrong", "3", "0.5", "0.4"]
    assert {_colour(p) for p in ax.patches} == {palette.style("numpy").color, palette.style("actlab").color}
    assert any(list(ln.get_ydata()) == [1.0, 1.0] for ln in ax.get_lines())
    srows = [{"function": "sigmoid", "baseline": "memcpy", "ratio": 1.2},
             {"function": "sigmoid", "baseline": "torch", "ratio": 0.4}]
    ax = plots.speed_bars(srows).axes[0]
    assert sorted(p.get_height() for p in ax.patches) == [0.4, 1.2]
    assert "below 1" in ax.get_ylabel()
    with pytest.raises(ValueError, match="no rows"):
        plots.speed_bars([])
    with pytest.raises(ValueError, match="no rows"):
        plots.accuracy_bars([])
