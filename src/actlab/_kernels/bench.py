"""Elementwise kernels of actlab vs memcpy, NumPy formulas, SciPy and PyTorch (CPU).

For 1K, 1M and 20M elements in float32 and float64, prints the median time of the actlab ufunc
(writing into a preallocated output) and its ratios to: memcpy of the same bytes (``np.copyto``
into a preallocated array), the NumPy formula, ``scipy.special.expit`` (sigmoid), and the
PyTorch op (when torch is installed) -- all measured in one process run, round-robin (one
sample of each in turn, medians over the rounds), so that a shared machine's changing load
affects every column alike; torch's OpenMP threads are set to wait passively
(``OMP_WAIT_POLICY=PASSIVE`` unless set) so that they do not spin on the cores between
samples.  A ratio below 1 means actlab is faster.  At 1K the interesting figure is the call
overhead: the ratio to ``np.exp`` on the same array.

    python benchmarks/elementwise.py            # full table (1K, 1M, 20M)
    python benchmarks/elementwise.py --quick    # small sizes only (1K, 64K)
    actlab bench                                # the same, from the CLI

(The code lives in the package, ``actlab._kernels.bench``, so the installed CLI can run it;
``benchmarks/elementwise.py`` is a thin wrapper.)

May import: NumPy, :mod:`actlab._kernels`; SciPy and torch (optional, only inside :func:`run`).
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from typing import Any, Callable

import numpy as np

FULL_SIZES = (1_000, 1_000_000, 20_000_000)
QUICK_SIZES = (1_000, 65_536)


def _inner_count(fn: Callable[[], object]) -> tuple[int, float]:
    """(calls per sample, seconds per call) so that one sample lasts >= 2 ms."""
    fn()  # warm up (page faults, thread pool start)
    t0 = time.perf_counter()
    fn()
    one = max(time.perf_counter() - t0, 1e-7)
    return max(1, int(2e-3 / one)), one


def _median_times(fns: dict[str, Callable[[], object]], budget: float = 1.5) -> dict[str, float]:
    """Median seconds per call of each function, sampled round-robin (A B C A B C ...) so
    that the load of a shared machine drifts over all of them alike and their ratios stay
    comparable (tiny calls are batched so the timer resolution does not matter)."""
    inner, one = {}, {}
    for k, fn in fns.items():
        inner[k], one[k] = _inner_count(fn)
    per_round = sum(one[k] * inner[k] for k in fns)
    reps = int(min(max(budget / per_round, 5), 25))
    samples: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(reps):
        for k, fn in fns.items():
            m = inner[k]
            t0 = time.perf_counter()
            for _ in range(m):
                fn()
            samples[k].append((time.perf_counter() - t0) / m)
    return {k: statistics.median(v) for k, v in samples.items()}


def _numpy_formulas() -> dict[str, Callable]:
    def sig(x):
        return 1.0 / (1.0 + np.exp(-x))

    def mish_grad(x):
        t = np.tanh(np.logaddexp(0.0, x))
        return t + x * sig(x) * (1.0 - t * t)

    try:
        from scipy.special import erf
    except ImportError:  # pragma: no cover - scipy is a dependency
        erf = None
    gelu = {}
    if erf is not None:
        gelu = {"gelu": lambda x: 0.5 * x * (1.0 + erf(x / np.sqrt(2.0))),
                "gelu_grad": lambda x: 0.5 * (1.0 + erf(x / np.sqrt(2.0)))
                + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi)}
    return {**gelu,
        "log_sigmoid": lambda x: -np.logaddexp(0.0, -x),
        "log_sigmoid_grad": lambda x: 1.0 - sig(x),
        "mish": lambda x: x * np.tanh(np.logaddexp(0.0, x)),
        "mish_grad": mish_grad,
        "sigmoid": sig,
        "sigmoid_grad": lambda x: sig(x) * (1.0 - sig(x)),
        "tanh": np.tanh,
        "tanh_grad": lambda x: 1.0 - np.tanh(x) ** 2,
        "silu": lambda x: x * sig(x),
        "silu_grad": lambda x: sig(x) * (1.0 + x * (1.0 - sig(x))),
        "softplus": lambda x: np.logaddexp(0.0, x),
        "softplus_grad": sig,
    }


def _torch_ops(torch):
    F = torch.nn.functional
    aten = torch.ops.aten
    return {
        "sigmoid": lambda x, o, g: torch.sigmoid(x, out=o),
        "sigmoid_grad": lambda x, o, g: aten.sigmoid_backward(g, torch.sigmoid(x)),
        "tanh": lambda x, o, g: torch.tanh(x, out=o),
        "tanh_grad": lambda x, o, g: aten.tanh_backward(g, torch.tanh(x)),
        "silu": lambda x, o, g: F.silu(x),
        "silu_grad": lambda x, o, g: aten.silu_backward(g, x),
        "softplus": lambda x, o, g: F.softplus(x),
        "softplus_grad": lambda x, o, g: aten.softplus_backward(g, x, 1.0, 20.0),
        "log_sigmoid": lambda x, o, g: F.logsigmoid(x),
        "log_sigmoid_grad": lambda x, o, g: aten.log_sigmoid_backward(g, x, aten.log_sigmoid_forward(x)[1]),
        "gelu": lambda x, o, g: F.gelu(x),
        "gelu_grad": lambda x, o, g: aten.gelu_backward(g, x),
        "mish": lambda x, o, g: F.mish(x),
        "mish_grad": lambda x, o, g: aten.mish_backward(g, x),
    }


KERNELS = ("sigmoid", "tanh", "silu", "softplus", "log_sigmoid", "gelu", "mish", "sigmoid_grad", "tanh_grad",
           "silu_grad", "softplus_grad", "log_sigmoid_grad", "gelu_grad", "mish_grad")
EXTRA = {"softplus": (1.0, np.inf), "softplus_grad": (1.0, np.inf)}  # beta, no cutoff (the default)


def _libraries() -> tuple[Any, Any]:
    """(torch or None, scipy.special or None), torch's OpenMP threads set to wait passively."""
    # torch's OpenMP threads busy-wait after each call by default and then take the cores
    # from whatever runs next (measured: our 20M sigmoid 10.4 ms right after a torch call,
    # 6.3 ms otherwise); passive waiting keeps the round-robin samples independent.  Only
    # effective before torch is first imported; a value set by the user is kept.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        import torch
    except ImportError:  # torch is optional
        torch = None
    try:
        from scipy import special
    except ImportError:  # pragma: no cover
        special = None
    return torch, special


class _Case:
    """The arrays of one (size, dtype) and the measurement of one kernel on them."""

    def __init__(self, x: np.ndarray, torch: Any) -> None:
        self.x, self.y, self.y2 = x, np.empty_like(x), np.empty_like(x)
        self.torch = torch
        if torch is not None:
            self.xt = torch.from_numpy(x)
            self.ot = torch.empty_like(self.xt)
            self.gt = torch.ones_like(self.xt)

    def measure(self, ours: Callable, numpy_fn: Callable | None, scipy_fn: Callable | None = None,
                torch_fn: Callable | None = None, budget: float = 1.5) -> dict:
        x, y = self.x, self.y
        fns = {"t": ours, "memcpy": lambda: np.copyto(y, x), "exp": lambda: np.exp(x, out=y)}
        if scipy_fn is not None:
            fns["scipy"] = scipy_fn
        if torch_fn is not None:
            fns["torch"] = torch_fn
        t = _median_times(fns, budget=budget)
        # the NumPy formula on its own: its temporaries' page faults and unmapping
        # keep kernel threads busy on the other core for a while after each call
        if numpy_fn is not None:
            with np.errstate(all="ignore"):
                t.update(_median_times({"numpy": numpy_fn}, budget=budget * 0.27))
        return {k: t.get(k) for k in ("t", "memcpy", "numpy", "scipy", "torch", "exp")}

    def settle(self, U: Any) -> None:
        """Fresh arrays: the kernel's background work on them (huge-page collapsing and the
        like) slowed the first measured kernel of a size by up to 1.6x; let it settle."""
        x, y = self.x, self.y
        warm = {"a": lambda: U.sigmoid(x, out=y), "m": lambda: np.copyto(y, x)}
        if self.torch is not None:
            warm["t"] = lambda: self.torch.sigmoid(self.xt, out=self.ot)
        _median_times(warm, budget=0.5)


def _kernel_rows(case: _Case, U: Any, special: Any, names: tuple[str, ...] = KERNELS,
                 budget: float = 1.5) -> list[dict]:
    """One row per elementwise kernel of ``names`` (default :data:`KERNELS`)."""
    x, y, dt = case.x, case.y, case.x.dtype
    formulas = _numpy_formulas()
    tops = _torch_ops(case.torch) if case.torch is not None else {}
    rows = []
    for name in names:
        uf = getattr(U, name)
        # parameters as 0-d arrays of the input's dtype, as actlab.softplus(x) passes
        # its defaults (Python floats would add NumPy's conversion, ~0.3 us each)
        args = tuple(np.array(v, dt) for v in EXTRA.get(name, ()))
        sc = None
        if special is not None and name == "sigmoid":
            sc = lambda: special.expit(x, out=y)  # noqa: E731
        th = None
        if case.torch is not None:
            op = tops[name]
            th = lambda op=op: op(case.xt, case.ot, case.gt)  # noqa: E731
        f = formulas.get(name)
        t = case.measure(lambda uf=uf, args=args: uf(x, *args, out=y),
                         (lambda f=f: f(x)) if f is not None else None, sc, th, budget=budget)
        rows.append(dict(kernel=name, dtype=dt.name, n=x.size, **t))
    return rows


def _bce_row(case: _Case, U: Any, tgt: np.ndarray) -> dict:
    """Fused BCE-with-logits: loss and dloss/dx in one pass vs torch forward + backward."""
    x = case.x

    def np_bce():
        loss = np.maximum(x, 0) - x * tgt + np.log1p(np.exp(-np.abs(x)))
        return loss, 1.0 / (1.0 + np.exp(-x)) - tgt

    torch_bce = None
    if case.torch is not None:
        F = case.torch.nn.functional
        tt = case.torch.from_numpy(tgt)

        def torch_bce():
            xg = case.xt.detach().requires_grad_(True)
            loss = F.binary_cross_entropy_with_logits(xg, tt, reduction="none")
            loss.backward(case.gt)
            return loss, xg.grad

    t = case.measure(lambda: U.bce_with_logits(x, tgt, out=(case.y, case.y2)), np_bce, None,
                     torch_bce)
    return dict(kernel="bce_with_logits", dtype=x.dtype.name, n=x.size, **t)


def _value_and_grad_row(case: _Case, U: Any) -> dict:
    """Fused sigmoid value + derivative (two outputs, one pass) vs torch sigmoid + backward."""
    x = case.x
    th = None
    if case.torch is not None:
        aten = case.torch.ops.aten

        def th():
            s = case.torch.sigmoid(case.xt, out=case.ot)
            return aten.sigmoid_backward(case.gt, s)

    t = case.measure(lambda: U.sigmoid_value_and_grad(x, out=(case.y, case.y2)),
                     lambda: (1.0 / (1.0 + np.exp(-x)), None), None, th)
    return dict(kernel="sigmoid_value+grad", dtype=x.dtype.name, n=x.size, **t)


def run(sizes=FULL_SIZES, dtypes=(np.float32, np.float64), print_fn=print,
        isas: tuple[str, ...] | None = None, names: tuple[str, ...] = KERNELS) -> list[dict]:
    """Measure everything, once per kernel ISA of ``isas`` (default: every one this machine
    runs, forced in turn as ``ACTLAB_KERNEL_ISA`` would); returns the rows (also printed)."""
    from actlab._kernels import _ufuncs as U

    torch, special = _libraries()
    bad = [n for n in sizes if int(n) != n or n < 1]
    if bad:
        raise ValueError(f"sizes must be positive element counts, got {bad}")
    isas = tuple(isas or U.available_isas())
    unknown = sorted(set(isas) - set(U.available_isas()))
    if unknown:
        raise ValueError(f"ISA {', '.join(unknown)} not available here; this machine runs "
                         f"{', '.join(U.available_isas())}")
    rows = []
    print_fn(f"actlab kernels: isas={','.join(isas)} threads={U.get_num_threads()}"
             + (f"; torch {torch.__version__} threads={torch.get_num_threads()}" if torch else ""))
    print_fn("time ratios: actlab's time / the other's time on the same array (below 1 = actlab faster)")
    print_fn(HEADER)
    print_fn("-" * len(HEADER))
    rng = np.random.default_rng(0)
    old = U.get_isa()
    try:
        for n in sizes:
            for dt in dtypes:
                case = _Case((rng.standard_normal(n) * 4).astype(dt), torch)
                tgt = (rng.random(n) < 0.5).astype(dt)
                if n >= 1_000_000:
                    case.settle(U)
                for isa in isas:
                    U.set_isa(isa)
                    new = _kernel_rows(case, U, special, names)
                    new += [_value_and_grad_row(case, U), _bce_row(case, U, tgt)]
                    for r in new:
                        r["isa"] = isa
                        print_fn(_format(r))
                    rows += new
    finally:
        U.set_isa(old)
    return rows


def ratios(names: tuple[str, ...], *, n: int, dtypes=(np.float32, np.float64),
           budget: float = 0.6, seed: int = 0) -> list[dict]:
    """Median times of the kernels ``names`` (of :data:`KERNELS`) on ``n`` elements, with the
    same columns as :func:`run` (``t``, ``memcpy``, ``numpy``, ``scipy``, ``torch``; None where
    not measured), printing nothing -- for the tour's "why trust these numbers" section.
    ``budget`` is the seconds spent per kernel and dtype."""
    from actlab._kernels import _ufuncs as U

    unknown = [k for k in names if k not in KERNELS]
    if unknown:
        raise ValueError(f"ratios: unknown kernels {unknown}; choose from {', '.join(KERNELS)}")
    if n < 1:
        raise ValueError(f"ratios: n must be positive, got {n}")
    torch, special = _libraries()
    rng = np.random.default_rng(seed)
    rows = []
    for dt in dtypes:
        case = _Case((rng.standard_normal(n) * 4).astype(dt), torch)
        if n >= 1_000_000:
            case.settle(U)
        rows += _kernel_rows(case, U, special, tuple(names), budget)
    return rows


def _ratio(a, b) -> str:
    return f"{a / b:7.2f}" if b else "      -"


HEADER = (f"{'kernel':18s} {'dtype':7s} {'n':>9s} {'isa':>6s} {'ns/elem':>8s} {'/memcpy':>8s} {'/np.exp':>8s} "
          f"{'/torch':>7s} {'/numpy':>7s} {'/scipy':>7s}")


def _format(r: dict) -> str:
    return (f"{r['kernel']:18s} {r['dtype']:7s} {r['n']:9d} {r.get('isa', ''):>6s} {r['t'] / r['n'] * 1e9:8.3f} "
            f"{_ratio(r['t'], r['memcpy']):>8s} {_ratio(r['t'], r['exp']):>8s} {_ratio(r['t'], r['torch'])} "
            f"{_ratio(r['t'], r['numpy'])} {_ratio(r['t'], r['scipy'])}")


START, END = "<!-- speed table: benchmarks/elementwise.py --readme -->", "<!-- end of speed table -->"
#: the kernels the README's table shows (the rest are in the full output)
README_KERNELS = ("sigmoid", "tanh", "silu", "softplus", "log_sigmoid", "gelu", "mish", "sigmoid_grad",
                  "sigmoid_value+grad", "bce_with_logits")


def _machine() -> str:
    import platform

    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            model = next((ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name")), model)
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} CPUs, {platform.machine()}"


def readme_table(rows: list[dict], lang: str = "en") -> str:
    """The README's speed block from measured rows: per kernel and dtype, for each ISA, ns per
    element and the time ratios to memcpy and torch, at the largest size measured."""
    import datetime

    from actlab._kernels import _ufuncs as U

    n = max(r["n"] for r in rows)
    isas = list(dict.fromkeys(r["isa"] for r in rows))
    by = {(r["kernel"], r["dtype"], r["isa"]): r for r in rows if r["n"] == n}
    day = datetime.date.today().isoformat()
    if lang == "ko":
        intro = (f"{day}, {_machine()}에서 `benchmarks/elementwise.py --readme`로 잰 값입니다. 원소 {n:,}개를 미리 만든 "
                 f"`out=`에 쓰고, 스레드 {U.get_num_threads()}개, ISA마다 `ACTLAB_KERNEL_ISA`처럼 강제했습니다. 칸마다 "
                 "원소당 ns · memcpy 대비 시간 비율 · torch 대비 시간 비율(1보다 작으면 actlab이 더 빠름)입니다. torch는 "
                 "이 CPU에 맞는 자기 커널을 그대로 씁니다.")
        head = ["함수", "자료형"] + [f"{isa} (ns · ÷memcpy · ÷torch)" for isa in isas]
    else:
        intro = (f"Measured {day} on {_machine()} by `benchmarks/elementwise.py --readme`: {n:,} elements "
                 f"into a preallocated `out=`, {U.get_num_threads()} threads, each ISA forced as "
                 "`ACTLAB_KERNEL_ISA` would; each cell is ns per element · time ratio to memcpy · time ratio "
                 "to torch (below 1: actlab is faster); torch runs its own best kernels for this CPU throughout.")
        head = ["function", "dtype"] + [f"{isa} (ns · ÷memcpy · ÷torch)" for isa in isas]
    out = [intro, "", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for dt in ("float32", "float64"):
        for k in README_KERNELS:
            cells = []
            for isa in isas:
                r = by.get((k, dt, isa))
                if r is None:
                    cells.append("-")
                    continue
                tr = f"{r['t'] / r['torch']:.2f}" if r.get("torch") else "-"
                cells.append(f"{r['t'] / n * 1e9:.2f} · {r['t'] / r['memcpy']:.2f} · {tr}")
            if any(c != "-" for c in cells):
                out.append(f"| {k} | {dt} | " + " | ".join(cells) + " |")
    return "\n".join(out)


def write_readme(path: str, rows: list[dict]) -> None:
    """Replace the block between START and END of ``path`` (a .ko.md file: in Korean)."""
    import re

    with open(path, encoding="utf-8") as f:
        text = f.read()
    lang = "ko" if path.endswith(".ko.md") else "en"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path}: no speed block ({START} ... {END}) to replace")
    block = f"{START}\n{readme_table(rows, lang)}\n{END}"
    with open(path, "w", encoding="utf-8") as f:
        f.write(pattern.sub(lambda _: block, text))


def positive_int(text: str) -> int:
    """argparse type: an element count >= 1 (``0``, ``-5`` and ``1.5`` are refused by name)."""
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an integer: {text!r}") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1 element, got {n}")
    return n


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python benchmarks/elementwise.py`` and ``actlab bench``."""
    ap = argparse.ArgumentParser(prog="actlab bench", description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes only (1K, 64K)")
    ap.add_argument("--sizes", type=positive_int, nargs="+", help="explicit element counts")
    ap.add_argument("--dtype", choices=["float32", "float64"], action="append",
                    help="restrict to one dtype (repeatable)")
    ap.add_argument("--isa", action="append", help="only this kernel ISA (repeatable; default: every one here)")
    ap.add_argument("--kernel", action="append", choices=KERNELS, help="only this kernel (repeatable)")
    ap.add_argument("--readme", action="append", metavar="FILE",
                    help="rewrite this file's speed block from the measurement (repeatable)")
    ns = ap.parse_args(argv)
    sizes = tuple(ns.sizes) if ns.sizes else (QUICK_SIZES if ns.quick else FULL_SIZES)
    dtypes = tuple(np.dtype(d).type for d in ns.dtype) if ns.dtype else (np.float32, np.float64)
    try:
        rows = run(sizes, dtypes, isas=tuple(ns.isa) if ns.isa else None, names=tuple(ns.kernel or KERNELS))
    except ValueError as e:
        ap.error(str(e))
    for path in ns.readme or ():
        write_readme(path, rows)
        print(f"{path}: speed block rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
