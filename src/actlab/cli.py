"""The ``actlab`` command line.

Verbs: ``list``, ``eval``, ``plot``, ``vanish``, ``train``, ``recommend``, ``tour``, ``bench``
(``actlab VERB --help`` shows examples).  User mistakes (unknown activation, non-numeric X,
bad option) print one clear line on stderr and exit with 2 -- never a traceback, and before
any long work starts.  This module only parses arguments and prints: the measuring lives in
:mod:`actlab.analysis`, whose results (dataclasses) it renders as rich tables.

May import: argparse, rich, NumPy, :mod:`actlab.activations`, :mod:`actlab.analysis`,
:mod:`actlab.models`, :mod:`actlab.nn` and :mod:`actlab._kernels` (``bench``).  Nothing in the
library imports this module.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, NoReturn, Sequence

import numpy as np

from . import activations as _activation


class UsageError(Exception):
    """A user mistake: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        sys.exit(2)


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, soft_wrap=False, highlight=False)


def _fmt_num(v: float) -> str:
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.6g}"


def _get(name: str, elementwise: bool = True):
    try:
        act = _activation.get(name)
    except (ValueError, TypeError) as e:
        raise UsageError(str(e)) from None
    if elementwise and not hasattr(act, "grad"):
        raise UsageError(f"{name} acts along an axis; this verb supports elementwise activations only")
    return act


def _names(text: str) -> list[str]:
    names = [n.strip() for n in text.split(",") if n.strip()]
    if not names:
        raise UsageError("no activation names given (example: --activations sigmoid,relu)")
    return [_get(n).name for n in names]


# ------------------------------------------------------------------------------ list / eval
def cmd_list(args: argparse.Namespace) -> int:
    from rich.table import Table

    from rich.markup import escape

    from .analysis.text import formula_text, interval_text

    axis = [n for n in _activation.available() if not hasattr(_activation.get(n), "grad")]
    table = Table(title="actlab activations", caption=escape(
        "range: [ ] the bound is reached, ( ) only approached; max |f'|: the largest slope; "
        f"{', '.join(axis)} act along an axis"))
    table.add_column("name", no_wrap=True)
    table.add_column("range", no_wrap=True)
    table.add_column("zero-\ncentred")
    table.add_column("max |f'|", justify="right")
    table.add_column("formula", overflow="fold")
    for name in _activation.available():
        a = _activation.get(name)
        table.add_row(name, escape(interval_text(a)), "yes" if a.zero_centered else "no", f"{a.max_grad:.4g}",
                      escape(formula_text(a.formula)))
    _console().print(table)
    return 0


def _parse_x(values: Sequence[str]) -> np.ndarray:
    out = []
    for v in values:
        try:
            out.append(float(v))
        except ValueError:
            raise UsageError(f"not a number: {v!r}") from None
    return np.array(out)


def cmd_eval(args: argparse.Namespace) -> int:
    from .analysis.text import number_text

    act = _get(args.name)
    dtype = np.dtype(args.dtype)
    given = _parse_x(args.x)
    with np.errstate(over="ignore"):  # a point beyond float16's range is inf, as NumPy casts it
        x = given.astype(dtype)
    lost = [f"{v:g}" for v, c in zip(given, x) if np.isfinite(v) and not np.isfinite(c)]
    if lost:
        print(f"note: {', '.join(lost)} lie beyond the {dtype.name} range and round to ±inf", file=sys.stderr)
    wanted = [("f'(x)", act.grad)] * args.grad + [("f''(x)", act.grad2)] * args.grad2 or [("f(x)", act)]
    if args.value and wanted[0][0] != "f(x)":
        wanted.insert(0, ("f(x)", act))
    for label, fn in wanted:
        text = " ".join(number_text(v, dtype) for v in np.atleast_1d(fn(x)))
        print(f"{label:<6} {text}" if len(wanted) > 1 else text)
    return 0


# ------------------------------------------------------------------------------ plot
def _bar_table(chart: Any) -> Any:
    """A :class:`~actlab.analysis.text.BarChart` as a rich table (negative values in red)."""
    from rich.table import Table

    table = Table(title=chart.title, show_edge=False, pad_edge=False)
    table.add_column("x", justify="right")
    table.add_column(chart.label, justify="right")
    table.add_column("", justify="left", no_wrap=True)
    for x, y, n in zip(chart.xs, chart.ys, chart.bars):
        bar = ("█" * n) if y >= 0 else ("[red]" + "█" * n + "[/red]")
        table.add_row(f"{x:g}", f"{y:.6g}", bar)
    return table


def _figure_path(name: str) -> Path:
    """``name`` as the path of a figure to write (a UsageError unless it ends in .png or .svg)."""
    out = Path(name)
    if out.suffix.lower() not in (".png", ".svg"):
        raise UsageError(f"cannot write {out.name}: use a .png or .svg file name")
    return out


def _save(fig: Any, out: Path) -> None:
    from .analysis import plots

    try:
        plots.save(fig, out)
    except OSError as e:
        raise UsageError(f"cannot write {out}: {e.strerror or e}") from None


def cmd_plot(args: argparse.Namespace) -> int:
    names = [_get(n).name for n in args.names]
    if args.xmin >= args.xmax:
        raise UsageError(f"--xmin ({args.xmin:g}) must be below --xmax ({args.xmax:g})")
    if args.output is None:
        from .analysis.text import bar_chart, integer_points

        which = "grad2" if args.grad2 else "grad" if args.grad else "value"
        con = _console()
        for n in names:
            con.print(_bar_table(bar_chart(n, integer_points(args.xmin, args.xmax), which)))
        return 0
    out = _figure_path(args.output)
    from .analysis import plots

    orders = [0] + ([1] if args.grad else []) + ([2] if args.grad2 else [])
    _save(plots.gallery(names, x=np.linspace(args.xmin, args.xmax, 801), orders=orders), out)
    print(f"wrote {out}")
    return 0


# ------------------------------------------------------------------------------ vanish
def _vanish_tables(result: Any, data: str) -> tuple[Any, Any]:
    """The per-layer gradient table and the summary table of a ``vanishing.Comparison``."""
    from rich.table import Table

    table = Table(title=f"‖∂loss/∂W‖ per layer (depth {result.depth}, width {result.width}, "
                        f"init {result.init}, data {data})")
    table.add_column("layer", justify="right")
    for n in result.activations:
        table.add_column(n, justify="right")
    columns = [result.of(n) for n in result.activations]
    for k in range(result.depth + 1):
        table.add_row(str(columns[0][k].layer), *(f"{col[k].weight_grad_norm:.3g}" for col in columns))
    summary = Table(title="hidden layers: saturated share (|f'| < 1% of max) / dead units / first÷last")
    for col in ("activation", "saturated", "dead units", "first/last grad", "0.25^L (slopes alone)"):
        summary.add_column(col, justify="right")
    for n, s in result.summaries.items():
        summary.add_row(n, f"{s.saturated_share:.1%}", f"{s.dead_share:.1%}", f"{s.first_over_last:.3g}",
                        f"{result.slope_envelope:.3g}" if n == "sigmoid" else "")
    return table, summary


def cmd_vanish(args: argparse.Namespace) -> int:
    from rich.progress import Progress

    from .analysis import vanishing

    names = _names(args.activations)
    if args.depth < 1 or args.width < 1:
        raise UsageError("--depth and --width must be positive")
    out = None if args.output is None else _figure_path(args.output)
    x, target = vanishing.default_data(args.data, rng=np.random.default_rng(args.seed))
    with Progress(console=_console(stderr=True), transient=True) as prog:
        task = prog.add_task("vanishing-gradient experiment", total=len(names))
        result = vanishing.run_comparison(names, depth=args.depth, width=args.width, init=args.init, x=x,
                                          target=target, rng=np.random.default_rng(args.seed),
                                          progress=lambda name: prog.advance(task))
    con = _console()
    for table in _vanish_tables(result, args.data):
        con.print(table)
    if out is not None:
        from .analysis import plots

        _save(plots.gradient_norms(result.records, title=f"depth {args.depth}, {args.init} init"), out)
        con.print(f"wrote {args.output}")
    return 0


# ------------------------------------------------------------------------------ train
def cmd_train(args: argparse.Namespace) -> int:
    from .analysis import training

    act = _get(args.activation).name if args.activation is not None else None
    try:
        result = training.run_task(args.task, activation=act, epochs=args.epochs, seed=args.seed)
    except ValueError as e:
        raise UsageError(str(e)) from None
    from rich.table import Table

    table = Table(title=f"train {args.task} ({result.model})")
    table.add_column("metric")
    table.add_column("value", justify="right")
    table.add_row("data", result.data)
    table.add_row("train rows", str(result.train_rows))
    table.add_row("test rows", str(result.test_rows))
    if result.baseline_mse is not None:
        table.add_row("baseline MSE (predict the mean)", f"{result.baseline_mse:.4g}")
    if result.head is not None:
        table.add_row("LogisticRegression head", result.head)
    for score in result.scores:
        table.add_row(score.label, f"{score.value:.4g}")
    con = _console()
    con.print(table)
    for note in result.notes:
        con.print(f"note: {note}")
    return 0


# ------------------------------------------------------------------------------ recommend
def cmd_recommend(args: argparse.Namespace) -> int:
    from rich.table import Table

    from .analysis.recommend import recommend, table as rec_table

    if args.task is None:
        rows = rec_table()
    else:
        try:
            rows = [recommend(args.task)]
        except ValueError as e:
            raise UsageError(str(e)) from None
    con = _console()
    for r in rows:
        t = Table(title=f"{r.task}: {r.output} + {r.loss}", show_header=False,
                  title_justify="left", show_edge=False)
        t.add_column("field", style="bold", no_wrap=True)
        t.add_column("value", overflow="fold")
        t.add_row("target", r.target)
        t.add_row("output", r.output)
        t.add_row("loss", r.loss)
        t.add_row("actlab", f"{r.actlab_loss}  |  {r.actlab_output}")
        t.add_row("torch", f"{r.torch_loss}  |  {r.torch_output}")
        t.add_row("why", r.why)
        con.print(t)
        con.print()
    return 0


# ------------------------------------------------------------------------------ tour / bench
def cmd_tour(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from .analysis import tour

    con = _console()
    try:
        out = tour.prepare_output(args.output)  # before any experiment runs
        with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(), console=con) as prog:
            task = prog.add_task("tour", total=len(tour.STEPS))

            def progress(step: str, done: bool) -> None:
                if done:
                    prog.advance(task)
                else:
                    prog.update(task, description=f"tour: {step}")

            result = tour.run(out, quick=args.quick, seed=args.seed, lang=args.lang, progress=progress)
    except tour.OutputDirError as e:  # also a disk that filled up while writing
        raise UsageError(str(e)) from None
    for path in result.pages.values():
        con.print(f"report written: [bold]{path}[/bold]")
    con.print("each page is one self-contained file: open it in a browser, offline")
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    from . import _kernels
    from ._kernels import bench

    bench_args = ["--quick"] if args.quick else []
    if args.sizes:
        bench_args += ["--sizes", *map(str, args.sizes)]
    for d in args.dtype or ():
        bench_args += ["--dtype", d]
    if not _kernels.available():
        raise UsageError("the compiled kernels are not built; reinstall with a C compiler "
                         "(pip install -e .) to benchmark them")
    return int(bench.main(bench_args) or 0)


# ------------------------------------------------------------------------------ parser
_EXAMPLES = {
    "list": "examples:\n  actlab list",
    "eval": "examples:\n  actlab eval sigmoid 1 -2 3 -4        ->  0.73105858 0.11920292 0.95257413 0.01798621\n"
            "  actlab eval sigmoid 0 5 --grad       ->  0.25 and 0.0066 (the study notes' derivative table)\n"
            "  actlab eval sigmoid 0 5 --value --grad --grad2   one labelled line each: f, f', f''\n"
            "  actlab eval leaky_relu -2 --dtype float32",
    "plot": "examples:\n  actlab plot sigmoid                   bar chart of sigmoid(x), x = -10..10, in the terminal\n"
            "  actlab plot sigmoid --grad            the same for sigmoid'(x)\n"
            "  actlab plot sigmoid tanh relu --grad --grad2 -o act.png\n"
            "  actlab plot gelu silu -o act.svg --xmin -4 --xmax 4",
    "vanish": "examples:\n  actlab vanish                                    depth 10, 6 activations\n"
              "  actlab vanish --depth 20 --activations sigmoid,relu --init he\n"
              "  actlab vanish --data random -o vanish.png",
    "train": "examples:\n  actlab train binary                 logistic regression on breast_cancer\n"
             "  actlab train multiclass             softmax head on digits\n"
             "  actlab train multilabel            independent sigmoids on multi-label digits\n"
             "  actlab train binary --activation tanh   the MLP with tanh hidden units\n"
             "  actlab train sequence               LSTM and GRU on the adding problem (about 10 s)",
    "recommend": "examples:\n  actlab recommend                 the whole table\n"
                 "  actlab recommend binary\n  actlab recommend multi-label",
    "tour": "examples:\n  actlab tour                    writes actlab-report/index.html and index.ko.html (< 2 min)\n"
            "  actlab tour -o /tmp/report --quick",
    "bench": "examples:\n  actlab bench                   1K, 1M and 20M elements, float32 and float64\n"
             "  actlab bench --quick           1K and 64K only (seconds)\n"
             "  actlab bench --sizes 1000000 --dtype float32",
}


def _sub(sub: Any, name: str, help: str, description: str, func: Callable[[argparse.Namespace], int]) -> Any:
    """Add the sub-parser of verb ``name``, with its examples as epilog, running ``func``."""
    s = sub.add_parser(name, help=help, description=description, epilog=_EXAMPLES[name],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    s.set_defaults(func=func)
    _VERB_PARSERS[name] = s
    return s


def _add_list(sub: Any) -> None:
    _sub(sub, "list", "table of activations", "Table of every activation with its range and max slope.", cmd_list)


def _add_eval(sub: Any) -> None:
    s = _sub(sub, "eval", "evaluate an activation", "Evaluate an activation (or its derivatives) at points.",
             cmd_eval)
    s.add_argument("name")
    s.add_argument("x", nargs="+", help="points (negative numbers are fine)")
    s.add_argument("--value", action="store_true", help="print f(x) too (with --grad / --grad2)")
    s.add_argument("--grad", action="store_true", help="print f'(x)")
    s.add_argument("--grad2", action="store_true", help="print f''(x); with --grad both, one labelled line each")
    s.add_argument("--dtype", default="float64", choices=["float16", "float32", "float64"])


def _add_plot(sub: Any) -> None:
    s = _sub(sub, "plot", "plot activations (terminal bars or PNG/SVG)",
             "Without -o: a bar chart of f(x) at x = -10..10 in the terminal.  With -o FILE: "
             "f (and f', f'') of each activation on one grid, written as PNG or SVG.", cmd_plot)
    s.add_argument("names", nargs="+", metavar="NAME")
    s.add_argument("--grad", action="store_true", help="include f'(x)")
    s.add_argument("--grad2", action="store_true", help="include f''(x)")
    s.add_argument("-o", "--output", metavar="FILE", help=".png or .svg file to write")
    s.add_argument("--xmin", type=float, default=-10.0)
    s.add_argument("--xmax", type=float, default=10.0)


def _add_vanish(sub: Any) -> None:
    s = _sub(sub, "vanish", "vanishing-gradient experiment",
             "Per-layer gradient norms of a deep MLP for several activations (same init, same data).", cmd_vanish)
    s.add_argument("--depth", type=int, default=10, help="hidden layers (default 10)")
    s.add_argument("--width", type=int, default=64, help="units per hidden layer (default 64)")
    s.add_argument("--activations", default="sigmoid,tanh,relu,leaky_relu,silu,gelu",
                   help="comma-separated names (default: %(default)s)")
    s.add_argument("--init", default="xavier", choices=["xavier", "he", "torch"], help="weight init")
    s.add_argument("--data", default="breast_cancer", choices=["breast_cancer", "random"],
                   help="input data (default: standardised breast_cancer)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("-o", "--output", metavar="FILE", help="save the log-axis figure (.png/.svg)")


def _add_train(sub: Any) -> None:
    s = _sub(sub, "train", "train a model on bundled data", "Train a small model on bundled real data.", cmd_train)
    s.add_argument("task", choices=["binary", "multiclass", "multilabel", "multi-label", "sequence"])
    s.add_argument("--activation", default=None,
                   help="hidden activation of the MLP (binary, multiclass, multilabel; default relu)")
    s.add_argument("--epochs", type=int, default=None, help="passes over the data (default: the model's own)")
    s.add_argument("--seed", type=int, default=0)


def _add_recommend(sub: Any) -> None:
    s = _sub(sub, "recommend", "output activation + loss for a task",
             "Which output activation and loss to use, and why (actlab and torch names).", cmd_recommend)
    s.add_argument("task", nargs="?", default=None,
                   help="binary, multiclass, multilabel (multi-label), regression; omit for all")


def _add_tour(sub: Any) -> None:
    s = _sub(sub, "tour", "run every experiment, write an HTML report",
             "Run the whole tour (gallery, derivatives, vanishing gradients, dead ReLUs, the three "
             "logistic-regression heads, BCE vs BCEWithLogits, LSTM/GRU gates) and write DIR/index.html.", cmd_tour)
    s.add_argument("-o", "--output", default="actlab-report", metavar="DIR")
    s.add_argument("--quick", action="store_true", help="tiny settings (seconds; for tests)")
    s.add_argument("--lang", default="both", choices=["en", "ko", "both"],
                   help="index.html (en), index.ko.html (ko) or both (default)")
    s.add_argument("--seed", type=int, default=0)


def _add_bench(sub: Any) -> None:
    s = _sub(sub, "bench", "speed benchmarks of the kernels",
             "Median times and ratios vs memcpy, NumPy, SciPy and torch (when installed), one process run.",
             cmd_bench)
    s.add_argument("--quick", action="store_true", help="small sizes only (1K, 64K)")
    from ._kernels.bench import positive_int

    s.add_argument("--sizes", type=positive_int, nargs="+", metavar="N", help="explicit element counts (>= 1)")
    s.add_argument("--dtype", choices=["float32", "float64"], action="append",
                   help="restrict to one dtype (repeatable)")


#: verb -> its sub-parser (filled by :func:`build_parser`): errors found after the verb name it.
_VERB_PARSERS: dict[str, argparse.ArgumentParser] = {}

_VERBS = (_add_list, _add_eval, _add_plot, _add_vanish, _add_train, _add_recommend, _add_tour, _add_bench)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``actlab`` (one sub-parser per verb)."""
    p = _Parser(prog="actlab", description="Activation functions done right -- and tools to understand them.",
                epilog="run 'actlab VERB --help' for the examples of each verb",
                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    for add in _VERBS:
        add(sub)
    return p


def _fix_negative_points(argv: list[str]) -> list[str]:
    """``eval NAME -2 3``: numbers after the name are points, not options."""
    if len(argv) < 2 or argv[0] != "eval":
        return argv
    head, opts, nums = argv[:2], [], []
    it = iter(argv[2:])
    for a in it:
        if a == "--":
            continue
        if a.startswith("--"):
            opts.append(a)
            if a == "--dtype":
                opts.append(next(it, ""))
        else:
            nums.append(a)
    return head + opts + ["--"] + nums if nums else argv


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``actlab`` console script; returns the exit code."""
    argv = _fix_negative_points(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # name the verb whose options these are not: "actlab eval: error: ..."
            _VERB_PARSERS[args.verb].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as e:  # --help (0) or a usage error (2, already printed)
        return int(e.code or 0)
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        print(f"actlab {args.verb}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("actlab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
