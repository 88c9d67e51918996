"""Accuracy table: max ULP error vs mpmath for actlab (every kernel ISA and the NumPy reference
path), torch and scipy -- and the README's table, regenerated from the measurement.

Run:
    .venv/bin/python benchmarks/accuracy.py [--points N]        # text table, this machine's ISAs
    .venv/bin/python benchmarks/accuracy.py --readme README.md --readme README.ko.md
                                                  # rewrite the READMEs' tables

Points span each dtype's whole range (actlab/analysis/mpref.py: log sweep of both signs, the middle,
overflow and subnormal edges; logit: the same mapped into (0, 1)); ULPs are counted where the
true value is a normal number, against mpmath's plain mathematical definitions.  Every compiled
variant this machine can run is forced in turn (``set_isa``: avx512, avx2, base); the
"reference" column is actlab's NumPy path (float16/longdouble, and the code the kernels are
tested against).  torch's derivative is its autograd (what a torch user gets); scipy has values
only.  A NaN where the true value is a number counts as infinitely wrong.
"""

from __future__ import annotations

import argparse
import datetime
import pathlib
import platform
import re

import numpy as np

import actlab as al
from actlab._kernels import _ufuncs as U
from actlab.analysis import mpref


ORDERS = (0, 1, 2)
START, END = "<!-- accuracy table: benchmarks/accuracy.py --readme -->", "<!-- end of accuracy table -->"


def _names() -> list[str]:
    """Every function mpref has a reference for (gelu_tanh is gelu(approximate="tanh")): the
    smooth ones, the piecewise-linear ones, logit."""
    return sorted(mpref.REF) + sorted(mpref.PIECEWISE) + ["logit"]


def _orders(name: str) -> tuple[int, ...]:
    """f, f', f'' (the piecewise-linear functions have no f'' worth a reference: 0 or a kink)."""
    return ORDERS if name not in mpref.PIECEWISE else ORDERS[:2]


def _call(name: str, order: int, x: np.ndarray) -> np.ndarray:
    """actlab's value or derivative, as a user calls it (the defaults: softplus exact)."""
    kw = {"approximate": "tanh"} if name == "gelu_tanh" else {}
    act = al.get("gelu" if name == "gelu_tanh" else name)
    return np.asarray((act, act.grad, act.grad2)[order](x, **kw))


def _reference_path(name: str, order: int, x: np.ndarray) -> np.ndarray:
    kw = {"approximate": "tanh"} if name == "gelu_tanh" else {}
    act = al.get("gelu" if name == "gelu_tanh" else name)
    return np.asarray(act.reference(x, order, **kw))


def _points(name: str, dt, n: int) -> np.ndarray:
    xs = mpref.sweep_points(dt, n_random=n, seed=11)
    if name == "logit":  # its domain is (0, 1): the sweep's sigmoids, both tails included
        with np.errstate(all="ignore"):
            xs = al.sigmoid(xs)
        xs = xs[(xs > 0) & (xs < 1)]
    return xs


def _max_ulp(got, ref, dt) -> float:
    return float(np.nanmax(mpref.ulp_errors(got, ref, dt)))


def _torch_fns():
    try:
        import torch
        import torch.nn.functional as F
    except ImportError:
        return None, {}
    fns = {"sigmoid": torch.sigmoid, "log_sigmoid": F.logsigmoid, "softplus": F.softplus,
           "silu": F.silu, "tanh": torch.tanh, "gelu": F.gelu,
           "gelu_tanh": lambda t: F.gelu(t, approximate="tanh"), "mish": F.mish, "elu": F.elu,
           "selu": F.selu, "logit": torch.logit, "relu": F.relu, "leaky_relu": F.leaky_relu,
           "relu6": F.relu6, "hard_sigmoid": F.hardsigmoid, "hard_swish": F.hardswish}
    return torch, fns


def _torch_ulp(torch, fn, xs, ref, order: int, dt) -> float:
    if order == 2:
        return float("nan")
    t = torch.tensor(xs, requires_grad=True)
    y = fn(t)
    if order == 0:
        return _max_ulp(y.detach().numpy(), ref, dt)
    (g,) = torch.autograd.grad(y.sum(), t)
    return _max_ulp(g.numpy(), ref, dt)


def _scipy_fns() -> dict:
    from scipy import special as sp

    return {"sigmoid": sp.expit, "log_sigmoid": sp.log_expit, "tanh": np.tanh, "logit": sp.logit}


def measure(points: int, isas: list[str]) -> list[dict]:
    """One row per (function, dtype, order): max ULP per ISA, of the NumPy path, torch, scipy."""
    torch, tfns = _torch_fns()
    sfns = _scipy_fns()
    old = U.get_isa()
    rows = []
    try:
        for dt in (np.float32, np.float64):
            for name in _names():
                xs = _points(name, dt, points)
                for order in _orders(name):
                    ref = mpref.reference(name, order, xs)
                    row = {"name": name, "dtype": np.dtype(dt).name, "order": order}
                    for isa in isas:
                        U.set_isa(isa)
                        row[isa] = _max_ulp(_call(name, order, xs), ref, dt)
                    row["reference"] = _max_ulp(_reference_path(name, order, xs), ref, dt)
                    fn = tfns.get(name)
                    row["torch"] = _torch_ulp(torch, fn, xs, ref, order, dt) if fn else float("nan")
                    sc = sfns.get(name) if order == 0 else None
                    row["scipy"] = _max_ulp(sc(xs), ref, dt) if sc else float("nan")
                    rows.append(row)
    finally:
        U.set_isa(old)
    return rows


def _fmt(v: float) -> str:
    if v != v:
        return "-"
    if v == float("inf"):
        return "NaN/inf"
    return f"{v:.2f}" if v < 100 else f"{v:.2g}"


def text_table(rows: list[dict], isas: list[str]) -> str:
    cols = isas + ["reference", "torch", "scipy"]
    head = f"{'function':<12} {'dtype':<8} {'order':<6}" + "".join(f"{c:>10}" for c in cols)
    lines = [head]
    for r in rows:
        lines.append(f"{r['name']:<12} {r['dtype']:<8} {r['order']:<6}"
                     + "".join(f"{_fmt(r[c]):>10}" for c in cols))
    return "\n".join(lines)


def markdown_table(rows: list[dict], isas: list[str], lang: str = "en") -> str:
    """Per function and dtype: f / f' / f'' of each ISA, then torch's f / f' and scipy's f
    (``lang="ko"``: the headers in Korean)."""
    first = ["함수", "자료형"] if lang == "ko" else ["function", "dtype"]
    kernel = "{} 커널 f / f' / f''" if lang == "ko" else "{} f / f' / f''"
    head = first + [kernel.format(isa) for isa in isas] + ["torch f / f'", "scipy f"]
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for dt in ("float32", "float64"):
        for name in _names():
            by = {r["order"]: r for r in rows if r["name"] == name and r["dtype"] == dt}
            if not by:
                continue
            cells = [" / ".join(_fmt(by[o][isa]) for o in sorted(by)) for isa in isas]
            cells += [f"{_fmt(by[0]['torch'])} / {_fmt(by[1]['torch'])}", _fmt(by[0]["scipy"])]
            out.append(f"| {name} | {dt} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def _worst(rows: list[dict], isas: list[str], dt: str, orders: tuple[int, ...]) -> float:
    return max(r[i] for r in rows for i in isas if r["dtype"] == dt and r["order"] in orders)


def summary(rows: list[dict], isas: list[str], lang: str = "en") -> str:
    """The sentence the README states, computed from the rows (``lang``: "en" or "ko")."""
    w = {(dt, o): _worst(rows, isas, dt, o) for dt in ("float32", "float64") for o in ((0, 1), (2,))}
    n = len({r["name"] for r in rows})
    day, machine = datetime.date.today().isoformat(), platform.machine()
    if lang == "ko":
        return (f"{day}, {machine}에서 {', '.join(isas)} 커널을 하나씩 강제해 {n}개 함수를 잰 결과: "
                f"값과 1차 도함수의 최대 오차는 float32 {w['float32', (0, 1)]:.2f} ULP, float64 "
                f"{w['float64', (0, 1)]:.2f} ULP이고, 2차 도함수는 {w['float32', (2,)]:.2f} / "
                f"{w['float64', (2,)]:.2f} ULP입니다(참값이 정규수인 곳).")
    return (f"Measured {day} on {machine} with the {', '.join(isas)} kernels forced in turn, {n} "
            f"functions: the worst value or first derivative is {w['float32', (0, 1)]:.2f} ULP in "
            f"float32 and {w['float64', (0, 1)]:.2f} ULP in float64; second derivatives "
            f"{w['float32', (2,)]:.2f} / {w['float64', (2,)]:.2f} ULP (where the true value is normal).")


def write_readme(path: pathlib.Path, rows: list[dict], isas: list[str]) -> None:
    """Replace the block between START and END (README.ko.md: the Korean sentence)."""
    text = path.read_text(encoding="utf-8")
    lang = "ko" if path.name.endswith(".ko.md") else "en"
    block = f"{START}\n{summary(rows, isas, lang)}\n\n{markdown_table(rows, isas, lang)}\n{END}"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path}: no accuracy block ({START} ... {END}) to replace")
    path.write_text(pattern.sub(lambda _: block, text), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--points", type=int, default=400)
    ap.add_argument("--isa", action="append", help="only this kernel variant (repeatable); "
                    "default: every one this machine runs")
    ap.add_argument("--readme", type=pathlib.Path, action="append",
                    help="rewrite this file's accuracy block (repeatable)")
    args = ap.parse_args(argv)
    isas = args.isa or list(U.available_isas())
    unknown = sorted(set(isas) - set(U.available_isas()))
    if unknown:
        ap.error(f"--isa {', '.join(unknown)}: this machine runs {', '.join(U.available_isas())}")
    rows = measure(args.points, isas)
    print(text_table(rows, isas))
    print(summary(rows, isas))
    for path in args.readme or []:
        write_readme(path, rows, isas)
        print(f"{path}: accuracy block rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
