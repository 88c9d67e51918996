"""Speed and accuracy of actlab.models / actlab.nn.recurrent against scikit-learn and PyTorch.

Run: ``.venv/bin/python benchmarks/models.py [--quick] [--skip-adding]``

Prints, in one run (so the ratios compare like with like on this machine):

1. ``LogisticRegression`` fit time vs ``sklearn.linear_model.LogisticRegression`` (lbfgs,
   same C and tol; with the default BLAS threads and with one) on standardised
   breast_cancer and digits, 25% stratified hold-out, with both test accuracies;
2. LSTM and GRU forward + backward (batch 64, T 50, in 32, hidden 128, float32) vs
   ``torch.nn.LSTM`` / ``torch.nn.GRU`` on the CPU: both with their default thread counts
   (actlab splits the batch over ``actlab.get_num_threads()`` threads), then both with one
   thread (on a shared machine a busy core stalls OpenMP barriers, so the single-thread
   row is the stable one); skipped without torch;
3. the adding problem with T = 50: an LSTM ``SequenceRegressor`` trained until its test
   MSE is below 1% of the variance baseline (1/6), or the epoch budget runs out.

Timings are medians of interleaved repeats (ours, theirs, ours, ...), so background load
hits both sides alike.  Nothing here is a test; nothing asserts.
"""

from __future__ import annotations

import argparse
import time
import warnings
from typing import Any, Callable

import numpy as np


def _median_pair(a: Callable[[], Any], b: Callable[[], Any], repeat: int, number: int = 1) -> tuple[float, float]:
    a(), b()  # warm up
    ta, tb = [], []
    for _ in range(repeat):
        for f, acc in ((a, ta), (b, tb)):
            t0 = time.perf_counter()
            for _ in range(number):
                f()
            acc.append((time.perf_counter() - t0) / number)
    return float(np.median(ta)), float(np.median(tb))


def bench_logistic(repeat: int) -> list[tuple]:
    from sklearn.linear_model import LogisticRegression as SkLR
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    from actlab import datasets
    from actlab.models import LogisticRegression

    rows = []
    for name in ("breast_cancer", "digits"):
        X, y = getattr(datasets, name)(return_X_y=True)
        Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, random_state=0, stratify=y)
        sc = StandardScaler().fit(Xtr)
        Xtr, Xte = sc.transform(Xtr), sc.transform(Xte)
        ours, theirs = LogisticRegression(C=1.0, tol=1e-4), SkLR(C=1.0, tol=1e-4)

        def sk_one_thread() -> None:
            with threadpool_limits(1, user_api="blas"):
                theirs.fit(Xtr, ytr)

        for label, sk in (("default BLAS threads", lambda: theirs.fit(Xtr, ytr)), ("1 BLAS thread", sk_one_thread)):
            t_ours, t_sk = _median_pair(lambda: ours.fit(Xtr, ytr), sk, repeat)
            rows.append((f"LogisticRegression fit, {name}", t_ours, t_sk, f"sklearn lbfgs, {label}",
                         f"acc {ours.score(Xte, yte):.4f} vs {theirs.score(Xte, yte):.4f}, "
                         f"iters {ours.n_iter_} vs {int(np.max(theirs.n_iter_))}"))
    return rows


def bench_rnn(repeat: int) -> list[tuple]:
    from actlab.nn.recurrent import GRU, LSTM

    try:
        import torch
    except ImportError:
        torch = None
    rng = np.random.default_rng(0)
    T, B, I, H = 50, 64, 32, 128
    x = rng.standard_normal((T, B, I)).astype(np.float32)
    dout = rng.standard_normal((T, B, H)).astype(np.float32)
    rows = []
    for cls, tname in ((LSTM, "LSTM"), (GRU, "GRU")):
        m = cls(I, H, rng=rng, dtype=np.float32)

        def ours() -> None:
            out, _ = m.forward(x)
            m.backward(dout)

        if torch is None:
            t = _median_pair(ours, lambda: None, repeat)[0]
            rows.append((f"{tname} fwd+bwd f32 (64x50x32 -> 128)", t, float("nan"), "torch missing", ""))
            continue
        tm = getattr(torch.nn, tname)(I, H)
        xt = torch.from_numpy(x).requires_grad_()
        dt = torch.from_numpy(dout)

        def theirs() -> None:
            out, _ = tm(xt)
            out.backward(dt)

        import actlab

        n_threads, our_threads = torch.get_num_threads(), actlab.get_num_threads()
        # both libraries' defaults, then both single-threaded (the stable row on a shared box)
        for threads, ours_n in dict.fromkeys(((n_threads, our_threads), (1, 1))):
            torch.set_num_threads(threads)
            actlab.set_num_threads(ours_n)
            t_ours, t_torch = _median_pair(ours, theirs, repeat, number=3)
            rows.append((f"{tname} fwd+bwd f32 (64x50x32 -> 128)", t_ours, t_torch,
                         f"torch {torch.__version__} CPU, {threads} thread(s)",
                         f"actlab {ours_n} thread(s)"))
        torch.set_num_threads(n_threads)
        actlab.set_num_threads(our_threads)
    return rows


def bench_adding(T: int, n_train: int, max_epochs: int) -> tuple:
    from actlab import datasets
    from actlab.models import SequenceRegressor

    X, y = datasets.adding_problem(n_train, T, rng=np.random.default_rng(0), return_X_y=True)
    Xte, yte = datasets.adding_problem(1000, T, rng=np.random.default_rng(1), return_X_y=True)
    base = float(np.var(yte))
    est = SequenceRegressor(cell="lstm", hidden_size=64, batch_size=64, learning_rate_init=1e-2,
                            dtype="float32", random_state=0)
    t0 = time.perf_counter()
    ratio, epochs = np.inf, 0
    for epochs in range(1, max_epochs + 1):
        est.partial_fit(X, y)
        ratio = float(np.mean((est.predict(Xte) - yte) ** 2)) / base
        if ratio < 0.01:
            break
    return T, epochs, ratio, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer repeats, short adding problem")
    ap.add_argument("--skip-adding", action="store_true", help="skip the (slow) adding-problem training")
    args = ap.parse_args(argv)
    repeat = 5 if args.quick else 21
    warnings.simplefilter("ignore", category=UserWarning)

    rows = bench_logistic(repeat) + bench_rnn(max(3, repeat // 3))
    print(f"{'benchmark':44s} {'actlab':>10s} {'reference':>10s} {'ratio':>7s}  reference / notes")
    for name, t_ours, t_ref, ref, note in rows:
        print(f"{name:44s} {t_ours * 1e3:8.2f}ms {t_ref * 1e3:8.2f}ms {t_ours / t_ref:6.2f}x  {ref}"
              + (f"; {note}" if note else ""))
    if not args.skip_adding:
        T, n, budget = (20, 2000, 20) if args.quick else (50, 4000, 60)
        T, epochs, ratio, secs = bench_adding(T, n, budget)
        print(f"adding problem T={T}: LSTM(64) test MSE = {ratio:.4f} x variance baseline after {epochs} epochs "
              f"({secs:.0f} s; target < 0.01)")


if __name__ == "__main__":
    main()
