"""The actlab command line: exit codes, key numbers, one-line errors, --help examples."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import actlab as al
from actlab.cli import build_parser, main

VERBS = ("list", "eval", "plot", "vanish", "train", "recommend", "tour", "bench", "lab")


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
    from actlab._kernels import _ufuncs as U
    assert [r[3] for r in rows] == list(U.available_isas())  # one row per ISA this CPU runs
    assert rows[0][1] == "float64" and rows[0][2] == "1000"
    assert float(rows[0][4]) > 0  # ns per element


def test_bench_says_its_ratios_are_times(capsys):
    rc, out, _ = run(capsys, "bench", "--sizes", "1000", "--dtype", "float32")
    assert rc == 0 and "below 1 = actlab faster" in out


def test_eval_prints_each_requested_derivative_on_a_labelled_line(capsys):
    rc, out, _ = run(capsys, "eval", "sigmoid", "0", "5", "--grad", "--grad2")
    assert rc == 0
    lines = out.splitlines()
    assert [ln.split()[0] for ln in lines] == ["f'(x)", "f''(x)"]
    assert [float(v) for v in lines[0].split()[1:]] == pytest.approx(al.sigmoid.grad([0.0, 5.0]), abs=5e-9)
    assert [float(v) for v in lines[1].split()[1:]] == pytest.approx(al.sigmoid.grad2([0.0, 5.0]), abs=5e-9)
    rc, out, _ = run(capsys, "eval", "tanh", "1", "--value", "--grad")
    assert [ln.split()[0] for ln in out.splitlines()] == ["f(x)", "f'(x)"]
    rc, out, _ = run(capsys, "eval", "sigmoid", "0", "--grad2")  # one quantity: the bare values
    assert out == "0\n"


def test_eval_prints_zeros_and_dtypes_honestly(capsys):
    rc, out, _ = run(capsys, "eval", "identity", "-0", "0", "-2")
    assert rc == 0 and out.split() == ["-0", "0", "-2.00000000"]
    rc, out, _ = run(capsys, "eval", "sigmoid", "1", "-2", "--dtype", "float16")
    assert out.split() == ["0.731", "0.1192"]  # float16's own digits, not 8 false decimals
    import numpy as np
    assert [np.float16(v) for v in out.split()] == list(al.sigmoid(np.array([1.0, -2.0], dtype=np.float16)))
    rc, out, _ = run(capsys, "eval", "sigmoid", "1", "--dtype", "float32")
    assert out.split() == ["0.7310586"]
    rc, out, err = run(capsys, "eval", "tanh", "1e6", "--dtype", "float16")
    assert out.split() == ["1"] and "1e+06" in err and "float16 range" in err


def test_list_fits_80_columns_with_readable_formulas_and_brackets(capsys, monkeypatch):
    monkeypatch.setenv("COLUMNS", "80")
    rc, out, _ = run(capsys, "list")
    assert rc == 0
    assert max(len(ln) for ln in out.splitlines()) <= 80
    assert "\\" not in out  # no raw LaTeX
    rows = {ln.split("│")[1].strip(): [c.strip() for c in ln.split("│")[2:]] for ln in out.splitlines()
            if ln.count("│") >= 5 and ln.split("│")[1].strip()}
    assert rows["relu"][0] == "[0, inf)" and rows["sigmoid"][0] == "(0, 1)" and rows["relu6"][0] == "[0, 6]"
    assert rows["sigmoid"][3] == "σ(x) = 1/(1+e^(-x))" and rows["step"][3] == "1[x>0]"
    assert set(rows) == set(al.available())


@pytest.mark.parametrize("argv,verb,words", [
    (["eval", "sigmoid", "1", "--bogus"], "eval", "--bogus"),
    (["bench", "--sizes", "0"], "bench", "at least 1"),
    (["bench", "--sizes", "-5"], "bench", "at least 1"),
    (["train", "sequence", "--activation", "tanh"], "train", "does not apply to the sequence task"),
    (["train", "binary", "--epochs", "0"], "train", "positive integer"),
    (["tour", "--nope"], "tour", "--nope"),
])
def test_errors_name_the_verb(capsys, argv, verb, words):
    rc, out, err = run(capsys, *argv)
    assert rc == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and err.startswith(f"actlab {verb}: error:") and words in err


def test_tour_checks_its_directory_before_any_experiment(capsys, monkeypatch, tmp_path):
    from actlab.analysis import tour

    monkeypatch.setattr(tour, "run", lambda *a, **k: pytest.fail("experiments ran before -o was checked"))
    a_file = tmp_path / "f"
    a_file.write_text("x")
    for target, reason in [("/proc/x", "/proc/x: "), (str(a_file / "sub"), "is a file, not a directory"),
                           (str(a_file), "it is a file, not a directory")]:
        rc, out, err = run(capsys, "tour", "-o", target)
        assert rc == 2 and out == ""
        assert err.startswith(f"actlab tour: error: cannot write the report to {target}") and reason in err
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert a_file.read_text() == "x"  # nothing lost


def test_train_binary_reports_the_used_up_budget_as_a_note(capsys):
    rc, out, err = run(capsys, "train", "binary")
    assert rc == 0 and "Warning" not in err and "Warning" not in out
    assert "note: MLPClassifier used its whole budget of 200 epochs" in " ".join(out.split())


def test_bench_one_kernel_on_one_isa(capsys):
    rc, out, _ = run(capsys, "bench", "--sizes", "1000", "--dtype", "float32", "--isa", "base", "--kernel", "tanh")
    assert rc == 0
    rows = [ln.split() for ln in out.splitlines() if ln.split() and ln.split()[0] in ("tanh", "sigmoid", "silu")]
    assert [(r[0], r[3]) for r in rows] == [("tanh", "base")]
    rc, _, err = run(capsys, "bench", "--kernel", "nope")
    assert rc == 2 and "--kernel nope: choose from sigmoid" in err


def test_the_readme_speed_table_is_built_from_rows():
    from actlab._kernels import bench

    rows = [dict(kernel=k, dtype=dt, n=1000, isa=isa, t=1e-6 * (2 if isa == "base" else 1), memcpy=5e-7,
                 torch=2e-6 if k != "tanh" else None, numpy=None, scipy=None, exp=None)
            for k in ("sigmoid", "tanh") for dt in ("float32", "float64") for isa in ("base", "avx2")]
    en = bench.readme_table(rows).splitlines()
    assert "1,000 elements" in en[0] and "ns per element" in en[0]
    assert en[2] == "| function | dtype | base (ns · ÷memcpy · ÷torch) | avx2 (ns · ÷memcpy · ÷torch) |"
    assert en[4] == "| sigmoid | float32 | 2.00 · 4.00 · 1.00 | 1.00 · 2.00 · 0.50 |"
    assert en[5] == "| tanh | float32 | 2.00 · 4.00 · - | 1.00 · 2.00 · - |"
    ko = bench.readme_table(rows, "ko").splitlines()
    assert ko[2].startswith("| 함수 | 자료형 |") and "원소 1,000개" in ko[0]
