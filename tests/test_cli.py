"""The actlab command line: exit codes, key numbers, one-line errors, --help examples."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import actlab as al
from actlab.cli import build_parser, main

VERBS = ("list", "eval", "plot", "vanish", "train", "recommend", "tour", "bench")


def run(capsys, *argv: str) -> tuple[int, str, str]:
    rc = main(list(argv))
    out, err = capsys.readouterr()
    return rc, out, err


def test_console_script_prints_the_notes_values():
    exe = Path(sys.executable).with_name("actlab")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "actlab.cli"]
    res = subprocess.run(cmd + ["eval", "sigmoid", "1", "-2", "3", "-4"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    assert res.stdout == "0.73105858 0.11920292 0.95257413 0.01798621\n"
    res = subprocess.run(cmd + ["eval", "sigmod", "1"], capture_output=True, text=True, timeout=60)
    assert res.returncode == 2
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) == 1


def test_eval_grad_gives_the_notes_derivative_table(capsys):
    rc, out, _ = run(capsys, "eval", "sigmoid", "0", "5", "-5", "--grad")
    assert rc == 0
    assert out.split() == ["0.25000000", "0.00664806", "0.00664806"]


def test_bad_activation_is_one_line_naming_valid_ones(capsys):
    rc, out, err = run(capsys, "eval", "sigmod", "1")
    assert rc == 2 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert "sigmod" in lines[0] and all(n in lines[0] for n in al.available())
    rc, _, err = run(capsys, "vanish", "--activations", "sigmoid,bogus")
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "relu" in err


@pytest.mark.parametrize("argv", [
    ["nope"], ["eval", "sigmoid", "abc"], ["vanish", "--depth", "x"], ["vanish", "--depth", "0"],
    ["plot", "sigmoid", "-o", "fig.jpg"], ["recommend", "ranking"], ["train", "poetry"],
    ["plot", "softmax"], ["plot", "sigmoid", "--xmin", "3", "--xmax", "1"],
])
def test_user_mistakes_exit_2_with_one_line(capsys, argv):
    rc, _, err = run(capsys, *argv)
    assert rc == 2
    assert len(err.strip().splitlines()) == 1 and "error" in err and "Traceback" not in err


@pytest.mark.parametrize("verb", VERBS)
def test_help_has_examples(capsys, verb):
    rc, out, _ = run(capsys, verb, "--help")
    assert rc == 0
    assert "examples:" in out and f"actlab {verb}" in out


def test_parser_knows_every_verb():
    sub = next(a for a in build_parser()._actions if a.dest == "verb")
    assert set(VERBS) <= set(sub.choices)


def test_list_shows_every_activation(capsys):
    rc, out, _ = run(capsys, "list")
    assert rc == 0
    for n in ("sigmoid", "leaky_relu", "softmax", "gelu"):
        assert n in out
    assert "0.25" in out


def test_plot_terminal_bar_chart_of_the_notes(capsys):
    rc, out, _ = run(capsys, "plot", "sigmoid")
    assert rc == 0
    rows = [ln for ln in out.splitlines() if "│" in ln and ln.split("│")[0].strip().lstrip("-").isdigit()]
    assert len(rows) == 21  # x = -10 ... 10
    values = {int(r.split("│")[0]): float(r.split("│")[1]) for r in rows}
    assert values[0] == 0.5 and values[10] == pytest.approx(0.9999546, abs=1e-6)
    bars = {int(r.split("│")[0]): r.split("│")[2].count("█") for r in rows}
    assert bars[10] == 40 and bars[0] == 20 and bars[-10] == 0


def test_plot_writes_png_and_svg(capsys, tmp_path):
    png, svg = tmp_path / "a.png", tmp_path / "b.svg"
    rc, out, _ = run(capsys, "plot", "sigmoid", "tanh", "--grad", "--grad2", "-o", str(png))
    assert rc == 0 and png.read_bytes()[:4] == b"\x89PNG" and str(png) in out
    rc, _, _ = run(capsys, "plot", "gelu", "-o", str(svg), "--xmin", "-4", "--xmax", "4")
    assert rc == 0 and b"<svg" in svg.read_bytes()[:400]


def test_recommend_table(capsys):
    rc, out, _ = run(capsys, "recommend", "multi-label")
    assert rc == 0
    assert "independent sigmoids" in out and "BCEWithLogitsLoss" in out
    rc, out, _ = run(capsys, "recommend")
    assert rc == 0
    for word in ("binary", "multiclass", "multilabel", "regression", "CrossEntropyLoss", "MSELoss"):
        assert word in out


def test_bench_without_kernels_is_one_line(capsys, monkeypatch):
    from actlab import _kernels

    monkeypatch.setattr(_kernels, "available", lambda: False)
    rc, _, err = run(capsys, "bench")
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "kernels are not built" in err


def test_bench_prints_ratio_table(capsys):
    rc, out, _ = run(capsys, "bench", "--sizes", "1000", "--dtype", "float64")
    assert rc == 0
    rows = [ln.split() for ln in out.splitlines() if ln.startswith("sigmoid ")]
    assert rows and rows[0][1] == "float64" and rows[0][2] == "1000"
    assert float(rows[0][3]) > 0  # a median time in ms
