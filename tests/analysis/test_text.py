"""The one text bar chart: values and bar lengths from the core, the report's plain text, errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

import actlab as al
from actlab.analysis.text import bar_chart, formula_text, integer_points, interval_text


def test_bar_chart_measures_with_the_core():
    xs = integer_points(-10, 10)
    chart = bar_chart("sigmoid", xs)
    assert chart.xs == tuple(range(-10, 11)) and chart.ys == tuple(al.sigmoid(xs))
    assert chart.bars[0] == 0 and chart.bars[10] == 20 and chart.bars[-1] == 40
    assert chart.title == "sigmoid(x) for x = -10 ... 10"
    grad = bar_chart("tanh", np.array([-1.0, 0.0]), which="grad", width=10)
    assert grad.label == "tanh'(x)" and grad.bars == (4, 10)
    assert bar_chart("relu", np.array([1.0]), which="grad2").ys == (0.0,)


def test_text_is_the_report_block():
    lines = bar_chart("sigmoid", np.array([0.0, 10.0])).text().splitlines()
    assert lines[0] == "    x   sigmoid(x)"
    assert lines[1] == "    0     0.500000  " + "█" * 20
    assert lines[2].startswith("   10     0.999955  ") and lines[2].count("█") == 40


def test_bar_chart_errors_name_the_problem():
    with pytest.raises(ValueError, match="softmax acts along an axis"):
        bar_chart("softmax", np.zeros(3))
    with pytest.raises(ValueError, match="which must be one of value, grad, grad2"):
        bar_chart("relu", np.zeros(3), which="slope")


def test_the_library_never_imports_the_cli():
    code = ("import sys, actlab.analysis.tour, actlab.analysis.training; "
            "assert 'actlab.cli' not in sys.modules, 'actlab.cli imported'")
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert res.returncode == 0, res.stderr


@pytest.mark.parametrize("name", al.available())
def test_every_formula_reads_as_plain_text(name):
    act = al.get(name)
    for tex in (act.formula, act.grad_formula):
        text = formula_text(tex)
        assert text and "\\" not in text and "{" not in text and "}" not in text, (name, text)
        assert not any(w in text for w in ("frac", "mathrm", "mathbb", "sigma", "alpha", "lambda")), text


def test_formula_text_examples():
    assert formula_text(al.sigmoid.formula) == "σ(x) = 1/(1+e^(-x))"
    assert formula_text(al.logit.formula) == "log(p/(1-p))"
    assert formula_text(al.gelu.formula) == "x·Φ(x)"
    assert formula_text(al.hard_sigmoid.grad_formula) == "(1/6)·1[-3<x<3]"
    assert formula_text(al.softmax.formula) == "e^xᵢ/(Σⱼ e^xⱼ)"
    assert formula_text(al.leaky_relu.grad_formula) == "1[x>0] + a·1[x ≤ 0]"


def test_interval_text_brackets():
    assert [interval_text(al.get(n)) for n in ("relu", "sigmoid", "relu6", "tanh", "softmax")] == [
        "[0, inf)", "(0, 1)", "[0, 6]", "(-1, 1)", "(0, 1]"]
