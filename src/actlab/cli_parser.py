"""The ``actlab`` argument parser: one sub-parser per verb, each with its examples.

Kept apart from :mod:`actlab.cli` (which runs the verbs): a sub-parser stores its verb in
``args.verb`` and the command table of :mod:`actlab.cli` maps it to the function.

May import: argparse and :mod:`actlab._kernels.bench` (the ``--sizes`` type).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

__all__ = ["build_parser", "fix_negative_points", "VERB_PARSERS"]


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit code 2."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"{self.prog}: error: {message} (see '{self.prog} --help')\n")
        sys.exit(2)


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
    "lab": "examples:\n  actlab lab                     serve http://127.0.0.1:8765/ and open it in the browser\n"
           "  actlab lab --port 0 --no-browser   a free port, printed; open it yourself",
    "bench": "examples:\n  actlab bench                   1K, 1M and 20M elements, float32 and float64\n"
             "  actlab bench --quick           1K and 64K only (seconds)\n"
             "  actlab bench --sizes 1000000 --dtype float32\n"
             "  actlab bench --sizes 20000000 --isa avx2 --kernel sigmoid   one kernel on one instruction set",
}


def _sub(sub: Any, name: str, help: str, description: str) -> Any:
    """Add the sub-parser of verb ``name``, with its examples as epilog, running ``func``."""
    s = sub.add_parser(name, help=help, description=description, epilog=_EXAMPLES[name],
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    VERB_PARSERS[name] = s
    return s


def _add_list(sub: Any) -> None:
    _sub(sub, "list", "table of activations", "Table of every activation with its range and max slope.")


def _add_eval(sub: Any) -> None:
    s = _sub(sub, "eval", "evaluate an activation", "Evaluate an activation (or its derivatives) at points.")
    s.add_argument("name")
    s.add_argument("x", nargs="+", help="points (negative numbers are fine)")
    s.add_argument("--value", action="store_true", help="print f(x) too (with --grad / --grad2)")
    s.add_argument("--grad", action="store_true", help="print f'(x)")
    s.add_argument("--grad2", action="store_true", help="print f''(x); with --grad both, one labelled line each")
    s.add_argument("--dtype", default="float64", choices=["float16", "float32", "float64"])


def _add_plot(sub: Any) -> None:
    s = _sub(sub, "plot", "plot activations (terminal bars or PNG/SVG)",
             "Without -o: a bar chart of f(x) at x = -10..10 in the terminal.  With -o FILE: "
             "f (and f', f'') of each activation on one grid, written as PNG or SVG.")
    s.add_argument("names", nargs="+", metavar="NAME")
    s.add_argument("--grad", action="store_true", help="include f'(x)")
    s.add_argument("--grad2", action="store_true", help="include f''(x)")
    s.add_argument("-o", "--output", metavar="FILE", help=".png or .svg file to write")
    s.add_argument("--xmin", type=float, default=-10.0)
    s.add_argument("--xmax", type=float, default=10.0)


def _add_vanish(sub: Any) -> None:
    s = _sub(sub, "vanish", "vanishing-gradient experiment",
             "Per-layer gradient norms of a deep MLP for several activations (same init, same data).")
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
    s = _sub(sub, "train", "train a model on bundled data", "Train a small model on bundled real data.")
    s.add_argument("task", choices=["binary", "multiclass", "multilabel", "multi-label", "sequence"])
    s.add_argument("--activation", default=None,
                   help="hidden activation of the MLP (binary, multiclass, multilabel; default relu)")
    s.add_argument("--epochs", type=int, default=None, help="passes over the data (default: the model's own)")
    s.add_argument("--seed", type=int, default=0)


def _add_recommend(sub: Any) -> None:
    s = _sub(sub, "recommend", "output activation + loss for a task",
             "Which output activation and loss to use, and why (actlab and torch names).")
    s.add_argument("task", nargs="?", default=None,
                   help="binary, multiclass, multilabel (multi-label), regression; omit for all")


def _add_tour(sub: Any) -> None:
    s = _sub(sub, "tour", "run every experiment, write an HTML report",
             "Run the whole tour (gallery, derivatives, vanishing gradients, dead ReLUs, the three "
             "logistic-regression heads, BCE vs BCEWithLogits, LSTM/GRU gates) and write DIR/index.html.")
    s.add_argument("-o", "--output", default="actlab-report", metavar="DIR")
    s.add_argument("--quick", action="store_true", help="tiny settings (seconds; for tests)")
    s.add_argument("--lang", default="both", choices=["en", "ko", "both"],
                   help="index.html (en), index.ko.html (ko) or both (default)")
    s.add_argument("--seed", type=int, default=0)


def _add_bench(sub: Any) -> None:
    s = _sub(sub, "bench", "speed benchmarks of the kernels",
             "Median times and ratios vs memcpy, NumPy, SciPy and torch (when installed), one process run.")
    s.add_argument("--quick", action="store_true", help="small sizes only (1K, 64K)")
    from ._kernels.bench import positive_int

    s.add_argument("--sizes", type=positive_int, nargs="+", metavar="N", help="explicit element counts (>= 1)")
    s.add_argument("--dtype", choices=["float32", "float64"], action="append",
                   help="restrict to one dtype (repeatable)")
    s.add_argument("--isa", choices=["base", "avx2", "avx512"], action="append",
                   help="only this kernel instruction set (repeatable; default: every one this CPU runs)")
    s.add_argument("--kernel", action="append", metavar="NAME", help="only this kernel (repeatable)")


#: verb -> its sub-parser (filled by :func:`build_parser`): errors found after the verb name it.
VERB_PARSERS: dict[str, argparse.ArgumentParser] = {}


def _add_lab(sub: Any) -> None:
    s = _sub(sub, "lab", "interactive activation lab in the browser",
             "Start the local lab server (actlab's own engine) and open its page in the browser. "
             "Ctrl-C stops it.")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    s.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    s.add_argument("--no-browser", action="store_true", help="print the address only, open no browser")


_VERBS = (_add_list, _add_eval, _add_plot, _add_vanish, _add_train, _add_recommend, _add_tour, _add_bench,
          _add_lab)


def build_parser() -> argparse.ArgumentParser:
    """The argparse parser of ``actlab`` (one sub-parser per verb)."""
    p = _Parser(prog="actlab", description="Activation functions done right -- and tools to understand them.",
                epilog="run 'actlab VERB --help' for the examples of each verb",
                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="verb", required=True, metavar="VERB")
    for add in _VERBS:
        add(sub)
    return p


def fix_negative_points(argv: list[str]) -> list[str]:
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

