"""The ``actlab`` command line.

Verbs: ``list``, ``eval NAME X... [--grad] [--grad2] [--dtype float32]``, ``tour [-o DIR]``.
User mistakes (unknown activation, non-numeric X) print one clear line and exit with 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

import numpy as np

from . import _activation


class UsageError(Exception):
    """A user mistake: printed as one line, exit code 2."""


def _fmt_num(v: float) -> str:
    if np.isinf(v):
        return "inf" if v > 0 else "-inf"
    return f"{v:.6g}"


def cmd_list(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="actlab activations")
    for col in ("name", "range", "zero-centred", "max slope", "formula"):
        table.add_column(col)
    for name in _activation.available():
        a = _activation.get(name)
        lo, hi = a.range
        table.add_row(name, f"({_fmt_num(lo)}, {_fmt_num(hi)})", "yes" if a.zero_centered else "no",
                      _fmt_num(a.max_grad), a.formula)
    Console().print(table)
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
    act = _get(args.name)
    x = _parse_x(args.x).astype(args.dtype)
    if args.grad2:
        y = act.grad2(x)
    elif args.grad:
        y = act.grad(x)
    else:
        y = act(x)
    print(" ".join(f"{float(v):.8f}" if np.isfinite(v) and abs(v) >= 1e-4 or v == 0 else f"{float(v):.8g}"
                   for v in np.atleast_1d(y)))
    return 0


def cmd_tour(args: argparse.Namespace) -> int:
    return cmd_list(args)


def _get(name: str):
    try:
        act = _activation.get(name)
    except ValueError as e:
        raise UsageError(str(e)) from None
    if not hasattr(act, "grad"):
        raise UsageError(f"{name} acts along an axis; eval supports elementwise activations only")
    return act


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="actlab", description="Activation functions done right.")
    sub = p.add_subparsers(dest="verb", required=True)
    s = sub.add_parser("list", help="table of activations", description="Table of every activation.")
    s.set_defaults(func=cmd_list)
    s = sub.add_parser(
        "eval", help="evaluate an activation", description="Evaluate an activation at points.",
        epilog="example: actlab eval sigmoid 1 -2 3 -4   ->  0.73105858 0.11920292 0.95257413 0.01798621",
    )
    s.add_argument("name")
    s.add_argument("x", nargs="+", help="points (use -- before negative numbers if needed)")
    s.add_argument("--grad", action="store_true", help="print f'(x)")
    s.add_argument("--grad2", action="store_true", help="print f''(x)")
    s.add_argument("--dtype", default="float64", choices=["float16", "float32", "float64"])
    s.set_defaults(func=cmd_eval)
    s = sub.add_parser("tour", help="run the tour", description="Run the tour and write a report.")
    s.add_argument("-o", "--output", default="actlab-report")
    s.set_defaults(func=cmd_tour)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # negative numbers after `eval NAME` are points, not options
    if len(argv) >= 2 and argv[0] == "eval":
        head, rest, opts, nums = argv[:2], argv[2:], [], []
        it = iter(rest)
        for a in it:
            if a == "--":
                continue
            if a.startswith("--"):
                opts.append(a)
                if a == "--dtype" and "=" not in a:
                    opts.append(next(it, ""))
            else:
                nums.append(a)
        argv = head + opts + ["--"] + nums if nums else argv
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except UsageError as e:
        print(f"actlab: error: {e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
