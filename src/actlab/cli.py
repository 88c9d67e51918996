"""The ``actlab`` command line.

Verbs: ``list``, ``eval``, ``plot``, ``vanish``, ``train``, ``recommend``, ``tour``, ``bench``, ``lab``
(``actlab VERB --help`` shows examples).  User mistakes (unknown activation, non-numeric X,
bad option) print one clear line on stderr and exit with 2 -- never a traceback, and before
any long work starts.  This module only parses arguments and prints: the measuring lives in
:mod:`actlab.analysis`, whose results (dataclasses) it renders as rich tables.

May import: argparse, rich, NumPy, :mod:`actlab.activations`, :mod:`actlab.analysis`,
:mod:`actlab.models`, :mod:`actlab.nn`, :mod:`actlab.lab`, :mod:`actlab._kernels` (``bench``) and
:mod:`actlab.cli_parser` (the parser).  Nothing in the
library imports this module.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np

from . import activations as _activation
from .cli_parser import VERB_PARSERS, build_parser, fix_negative_points

__all__ = ["main", "build_parser", "UsageError", "COMMANDS"]


class UsageError(Exception):
    """A user mistake: printed as one line, exit code 2."""


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
    from ._kernels import _ufuncs as U

    missing = sorted(set(args.isa or ()) - set(U.available_isas()))
    if missing:
        raise UsageError(f"--isa {', '.join(missing)}: this CPU runs {', '.join(U.available_isas())}")
    unknown = sorted(set(args.kernel or ()) - set(bench.KERNELS))
    if unknown:
        raise UsageError(f"--kernel {', '.join(unknown)}: choose from {', '.join(bench.KERNELS)}")
    for isa in args.isa or ():
        bench_args += ["--isa", isa]
    for k in args.kernel or ():
        bench_args += ["--kernel", k]
    return int(bench.main(bench_args) or 0)


def cmd_lab(args: argparse.Namespace) -> int:
    from . import lab

    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0..65535, got {args.port}")
    try:
        lab.serve(args.host, args.port, open_browser=not args.no_browser,
                  announce=lambda line: print(line, flush=True))
    except OSError as e:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {(e.strerror or str(e)).lower()}") from None
    print("actlab lab: stopped", file=sys.stderr)
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "list": cmd_list, "eval": cmd_eval, "plot": cmd_plot, "vanish": cmd_vanish, "train": cmd_train,
    "recommend": cmd_recommend, "tour": cmd_tour, "bench": cmd_bench, "lab": cmd_lab,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``actlab`` console script; returns the exit code."""
    argv = fix_negative_points(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    try:
        args, extra = parser.parse_known_args(argv)
        if extra:  # name the verb whose options these are not: "actlab eval: error: ..."
            VERB_PARSERS[args.verb].error(f"unrecognized arguments: {' '.join(extra)}")
    except SystemExit as e:  # --help (0) or a usage error (2, already printed)
        return int(e.code or 0)
    try:
        return int(COMMANDS[args.verb](args) or 0)
    except UsageError as e:
        print(f"actlab {args.verb}: error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("actlab: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
