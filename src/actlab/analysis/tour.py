"""``actlab tour``: run every experiment on bundled data and write ``DIR/index.html``.

Each step adds one section to a :class:`~actlab.analysis.report.Report`; every figure's
caption states what it shows and the numbers measured in this run.  ``quick=True`` shrinks
every experiment (for tests); the full tour stays under two minutes on two cores.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .. import activations as A
from .. import datasets, nn
from ..activations.base import get
from ..models import LogisticRegression, SequenceRegressor
from ..runtime import blas_single_thread
from . import plots, vanishing
from .recommend import check_model, table as rec_table
from .report import Report, Section
from .text import bar_chart

__all__ = ["run", "STEPS"]

GALLERY = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu", "gelu", "silu", "mish",
           "softplus", "hard_sigmoid", "hard_swish")
VANISH = ("sigmoid", "tanh", "relu", "leaky_relu", "silu", "gelu")


@dataclass
class _Ctx:
    quick: bool
    seed: int
    console: Any

    def rng(self, k: int) -> np.random.Generator:
        return np.random.default_rng([self.seed, k])

    def say(self, text: str) -> None:
        if self.console is not None:
            self.console.print(text)


# ------------------------------------------------------------------------------ 1 gallery
def _gallery(s: Section, c: _Ctx) -> None:
    x = np.linspace(-5, 5, 2001)
    fig = plots.gallery(GALLERY, x=x, ncols=4)
    peaks = []
    for n in ("sigmoid", "tanh", "gelu", "silu"):
        g = np.asarray(get(n).grad(x))
        peaks.append(f"{n} {g.max():.4g} at x={x[g.argmax()]:.2f}")
    s.figure(fig, "gallery", "f (solid), f' (dashed) and f'' (dotted) of 12 activations on x in [-5, 5], "
             "all derivatives from the activation objects themselves. Measured peak slopes: "
             + "; ".join(peaks) + ". Only relu-like functions keep a slope of 1 for large x.")
    notes = {
        "step": "step: slope 0 everywhere (a Dirac at 0) -- no gradient to learn from.",
        "sigmoid": f"sigmoid: the dotted line x = 0 marks the peak slope {float(A.sigmoid.grad(0.0)):.2f}; "
                   f"outputs in (0, 1), mean {float(np.mean(A.sigmoid(x))):.2f} on this grid (not zero-centred).",
        "tanh": f"tanh: the dotted line y = 0 -- outputs centred on 0 (mean {float(np.mean(A.tanh(x))):+.1e}), "
                f"slope 1 at 0.",
        "relu": "relu: slope 1 for x > 0, 0 for x < 0 (relu'(0) = 0 by convention) -- units can die.",
        "leaky_relu": f"leaky relu: slope {float(A.leaky_relu.grad(-1.0)):.2f} for x < 0 (dashed: 0.1), "
                      "so a unit never stops learning.",
        "softmax": "softmax of the scores a = [0.3, 2.9, 4.0]: probabilities "
                   + ", ".join(f"{v:.3f}" for v in get("softmax")(np.array([0.3, 2.9, 4.0])))
                   + " summing to 1.",
    }
    for name, fig in plots.notes_figures().items():
        s.figure(fig, f"notes_{name}", notes[name], grid=True)


# ------------------------------------------------------------------------------ 2 derivatives
def _derivatives(s: Section, c: _Ctx) -> None:
    xs = np.array([-10.0, -5.0, -2.0, -1.0, 0.0, 1.0, 2.0, 5.0, 10.0])
    rows = [[f"{x:g}", float(A.sigmoid(x)), float(A.sigmoid.grad(x)), float(A.tanh.grad(x)),
             float(A.relu.grad(x)), float(A.leaky_relu.grad(x))] for x in xs]
    s.table(["x", "σ(x)", "σ'(x)", "tanh'(x)", "relu'(x)", "leaky_relu'(x)"], rows,
            caption="The study notes' derivative table, computed by actlab.")
    g0, g5, gm5 = (float(A.sigmoid.grad(v)) for v in (0.0, 5.0, -5.0))
    s.key(f"σ'(0) = {g0:.4g} (the maximum), σ'(5) = {g5:.4g}, σ'(-5) = {gm5:.4g}: five units from 0 the "
          f"slope is already {g0 / g5:.0f}x smaller. Ten stacked sigmoids scale a gradient by at most "
          f"0.25^10 = {0.25 ** 10:.3g}.")
    p = float(A.sigmoid(40.0))
    s.text(f"Tail-exact: σ'(40) = {float(A.sigmoid.grad(40.0)):.4g} (computed as σ(x)σ(-x)); the textbook "
           f"σ(1-σ) gives {p * (1 - p):.4g} because σ(40) rounds to {p!r}.")
    xb = np.arange(-10.0, 11.0)
    chart = bar_chart("sigmoid", xb)
    s.pre(chart.text())
    c.say(chart.text())


# ------------------------------------------------------------------------------ 3 vanishing
def _vanishing(s: Section, c: _Ctx) -> None:
    depth, width = (10, 16) if c.quick else (10, 64)
    x, y = vanishing.default_data("breast_cancer", rng=c.rng(3))
    if c.quick:
        x, y = x[:64], y[:64]
    rows = []
    for init in ("xavier", "he"):
        recs = vanishing.compare(VANISH, depth=depth, width=width, init=init, x=x, target=y, rng=c.rng(31))
        summ = {a: vanishing.summarize([r for r in recs if r.activation == a]) for a in VANISH}
        sig, rel = summ["sigmoid"], summ["relu"]
        s.figure(plots.gradient_norms(recs, title=f"depth {depth}, width {width}, {init} init, breast_cancer"),
                 f"vanishing_{init}",
                 f"{init} init: ‖∂loss/∂W‖ of each of the {depth + 1} weight layers (log axis), one line "
                 f"per activation, same initial weights and data (breast_cancer, {len(x)} rows). First-layer "
                 f"gradient: sigmoid {sig.first_grad:.3g} vs relu {rel.first_grad:.3g} "
                 f"({rel.first_grad / sig.first_grad:.3g}x). The dashed line is the slope-only "
                 f"envelope 0.25^(L-l) anchored at sigmoid's last layer; sigmoid's first/last ratio is "
                 f"{sig.first_over_last:.3g} (0.25^{depth} = {0.25 ** depth:.3g}).")
        for a in VANISH:
            m = summ[a]
            rows.append([a, init, m.first_grad, m.last_grad, m.first_over_last,
                         f"{m.saturated_share:.1%}", f"{m.dead_share:.1%}"])
    s.table(["activation", "init", "first-layer ‖∂W‖", "last-layer ‖∂W‖", "first / last",
             "saturated (|f'|<1% max)", "dead units"], rows,
            caption="Hidden-layer means; saturated = share of entries with |f'(z)| below 1% of the "
                    "activation's max slope; dead = share of units with f'(z) = 0 for every sample.")
    _init_histograms(s, c)


def _init_histograms(s: Section, c: _Ctx) -> None:
    n, width, nl = (200, 50, 5) if c.quick else (1000, 100, 5)
    rng = c.rng(4)
    x = rng.standard_normal((n, width))
    cases = [("sigmoid", "std 1", 1.0), ("sigmoid", "std 0.01", 0.01),
             ("sigmoid", "Xavier std 1/sqrt(n)", 1.0 / np.sqrt(width)),
             ("relu", "He std sqrt(2/n)", np.sqrt(2.0 / width))]
    for k, (act, label, std) in enumerate(cases):
        h, outs, sats = x, [], []
        act_obj, layer_act = get(act), nn.activation_layer(act)
        for _ in range(nl):
            lin = nn.Linear(width, width, rng=rng)
            lin.params["weight"][...] = rng.standard_normal((width, width)) * std
            lin.params["bias"][...] = 0.0
            z = lin.forward(h)
            sats.append(np.mean(np.abs(np.asarray(act_obj.grad(z))) < 0.01 * act_obj.max_grad))
            h = layer_act.forward(z)
            outs.append(h)
        rngv = (0.0, 1.0) if act == "sigmoid" else None
        sat = float(np.mean(sats))
        stds = ", ".join(f"{o.std():.3g}" for o in outs)
        what = "share of units with |f'(z)| < 1% of max (saturated, or relu's zeros)"
        s.figure(plots.histograms(outs, title=f"{act}, weights {label}", range=rngv, xlabel=f"{act} output"),
                 f"init_{k}",
                 f"Deep Learning from Scratch's init experiment: {act} outputs of {nl} layers of {width} units "
                 f"({n} random inputs), weights {label}. Per-layer std: {stds}; {what}: {sat:.1%}. "
                 + ("Outputs pile up at 0 and 1 (saturated, slope ~0)." if std == 1.0 else
                    "Outputs collapse to 0.5: every unit says the same thing." if std == 0.01 else
                    "The spread survives the depth."))


# ------------------------------------------------------------------------------ 4 dead relu
def _dead_relu(s: Section, c: _Ctx) -> None:
    steps, lr, depth, width = (30 if c.quick else 150), 0.01, 2, 32
    biases = (0.0, -2.0, -4.0) if c.quick else (0.0, -1.0, -2.0, -3.0, -4.0)
    x, y = vanishing.default_data("breast_cancer", rng=c.rng(5))
    start: list[float] = []
    end: dict[str, list[float]] = {"relu": [], "leaky_relu": []}
    curves: dict[str, list[float]] = {}
    rows = []
    for bias in biases:
        for act in ("relu", "leaky_relu"):
            # the same initial weights for both activations (same rng stream): only the slope differs
            model = vanishing.build_mlp(depth, width, act, in_features=x.shape[1], init="he", bias=bias,
                                        rng=c.rng(51))
            recs = vanishing.track(model, x, y, nn.optim.Adam(model, lr=lr), steps)
            hidden = [r for r in recs if r.activation != "output"]
            d0 = float(np.mean([r.inactive_share for r in hidden if r.step == 0]))
            d1 = float(np.mean([r.inactive_share for r in hidden if r.step == steps]))
            loss = [r.loss for r in recs if r.layer == 1]
            if act == "relu":
                start.append(d0)
            end[act].append(d1)
            if bias == biases[-1]:
                curves[act] = loss
            rows.append([f"{bias:g}", act, f"{d0:.0%}", f"{d1:.0%}", loss[0], loss[-1]])
    b = biases[-1]
    s.figure(plots.training_curves({"at init (both)": start, "relu after training": end["relu"],
                                    "leaky_relu after training": end["leaky_relu"]},
                                   x=list(biases), xlabel="initial bias of every hidden unit",
                                   ylabel="share of dead hidden units", title="dead ReLUs vs leaky ReLU"),
             "dead_relu",
             f"{depth} hidden layers of {width} units (He init) on breast_cancer ({len(x)} rows), {steps} "
             f"full-batch Adam steps (lr {lr}); every hidden bias starts at the value on the x axis. A unit "
             f"is dead when its pre-activation is <= 0 for every row: a ReLU's slope there is exactly 0, so its "
             f"own weights get no gradient and it only comes back if the layers before it happen to move its "
             f"inputs. At bias {b:g}: {start[-1]:.0%} of the units start dead; after training relu still has "
             f"{end['relu'][-1]:.0%}, leaky_relu {end['leaky_relu'][-1]:.0%} -- its slope 0.01 keeps a "
             f"gradient flowing, and Adam turns even that small gradient into steps that revive the units.")
    s.figure(plots.training_curves(curves, ylabel="BCE-with-logits loss", logy=True,
                                   title=f"hidden biases start at {b:g}"),
             "dead_relu_loss",
             f"Training loss of the same runs at bias {b:g}: relu {curves['relu'][0]:.3g} -> "
             f"{curves['relu'][-1]:.3g} (ln 2 = 0.693 is chance), leaky_relu {curves['leaky_relu'][0]:.3g} -> "
             f"{curves['leaky_relu'][-1]:.3g}.")
    s.table(["initial bias", "activation", "dead at init", f"dead after {steps} steps", "loss at step 0",
             f"loss after {steps} steps"], rows)


# ------------------------------------------------------------------------------ 5 heads
def _heads(s: Section, c: _Ctx) -> None:
    from sklearn.model_selection import train_test_split

    rows = []
    loaders = [("binary", "breast_cancer", datasets.breast_cancer),
               ("multiclass", "digits", datasets.digits),
               ("multilabel", "multi-label digits", datasets.multilabel_digits)]
    for task, dname, load in loaders:
        X, Y = load(return_X_y=True)
        X = np.asarray(X, dtype=np.float64)
        X = (X - X.mean(axis=0)) / (X.std(axis=0) + 1e-12)
        Xtr, Xte, Ytr, Yte = train_test_split(X, Y, test_size=0.25, random_state=c.seed)
        clf = LogisticRegression(max_iter=200).fit(Xtr, Ytr)
        acc = float(clf.score(Xte, Yte))
        per_label = float(np.mean(clf.predict(Xte) == Yte))  # = acc for 1-D targets
        rows.append([task, dname, f"{X.shape[0]}×{X.shape[1]}", clf.head_, acc, per_label])
    s.table(["task", "data", "shape", "head_ chosen from the target", "test accuracy (score)",
             "per-label accuracy"], rows,
            caption="actlab.models.LogisticRegression picks its head from the target; 25% held out. For "
                    "multi-label, score is the share of rows with every label right (as sklearn); the "
                    "per-label accuracy averages the three labels (even / >= 5 / prime).")
    s.key(" · ".join(f"{r[0]}: {r[4]:.1%}" for r in rows) + f" (per label {rows[-1][5]:.1%})")
    rec = rec_table()
    s.table(["task", "output", "loss", "torch loss", "why"],
            [[r.task, r.output, r.loss, r.torch_loss, r.why] for r in rec],
            caption="actlab recommend: output activation and loss per task.")
    bad = nn.Sequential(nn.Linear(64, 10, rng=c.rng(6)), nn.activation_layer("softmax"))
    found = check_model(bad, nn.CrossEntropyLoss())
    s.text("check_model(Sequential(Linear, Softmax), CrossEntropyLoss()) says: "
           + (" | ".join(f"{f.severity}: {f.message}" for f in found) or "nothing"))


# ------------------------------------------------------------------------------ 6 BCE
def _bce(s: Section, c: _Ctx) -> None:
    z = np.array([-40.0, -30.0, -20.0, -10.0, -5.0, 0.0, 5.0, 10.0, 20.0, 30.0, 40.0])
    rows, g_logits, g_sig = [], [], []
    for zi in z:
        zz, t = np.array([[zi]]), np.array([[0.0]])
        crit = nn.BCEWithLogitsLoss()
        crit.forward(zz, t)
        ga = float(np.asarray(crit.backward()).ravel()[0])
        sig, bce = nn.activation_layer("sigmoid"), nn.BCELoss()
        p = sig.forward(zz)
        bce.forward(p, t)
        gb = float(np.asarray(sig.backward(bce.backward())).ravel()[0])
        g_logits.append(abs(ga))
        g_sig.append(abs(gb))
        rows.append([f"{zi:g}", float(np.asarray(p).ravel()[0]), ga, gb, float(A.sigmoid(zi))])
    s.table(["logit z", "σ(z) (float64)", "∂/∂z BCEWithLogits", "∂/∂z sigmoid → BCE", "exact σ(z)"], rows,
            caption="Target 0. The exact gradient of the loss with respect to z is σ(z).")
    k = int(np.argmax(z))
    s.figure(plots.training_curves({"BCEWithLogits(z)": g_logits, "sigmoid → BCELoss": g_sig}, x=z,
                                   xlabel="logit z (target 0)", ylabel="|∂loss/∂z| (log)", logy=True),
             "bce_vs_logits",
             f"Gradient reaching the logit when the target is 0. At z = {z[k]:g} (confidently wrong) "
             f"BCEWithLogits gives {g_logits[k]:.4g} (exact: {float(A.sigmoid(z[k])):.4g}); sigmoid then BCELoss "
             f"gives {g_sig[k]:.3g}, because σ({z[k]:g}) rounds to 1.0 and the log is clamped -- the "
             f"gradient is lost exactly where learning is needed.")


# ------------------------------------------------------------------------------ 7 gates
def _gates(s: Section, c: _Ctx) -> None:
    n, T, epochs, hidden = (96, 10, 2, 8) if c.quick else (1000, 20, 30, 32)
    X, y = datasets.adding_problem(n, T, rng=c.rng(7), return_X_y=True)
    ntr = n * 3 // 4
    Xtr, ytr, Xte, yte = X[:ntr], y[:ntr], X[ntr:], y[ntr:]
    base = float(np.mean((yte - np.mean(ytr)) ** 2))
    recs, rows, panels, labels = [], [], [], []
    for cell in ("lstm", "gru"):
        est = SequenceRegressor(cell=cell, hidden_size=hidden, epochs=epochs, learning_rate_init=0.02,
                                random_state=c.seed).fit(Xtr, ytr)
        mse = float(np.mean((est.predict(Xte).ravel() - yte.ravel()) ** 2))
        rnn = est.rnn_
        rnn.forward(Xte.transpose(1, 0, 2))  # the module is time-major (batch_first=False)
        for r in vanishing.gate_saturation(rnn):
            recs.append(r)
            rows.append([r.model, r.gate, r.activation, r.mean, f"{r.saturated_share:.1%}",
                         f"{r.near_low:.1%}", f"{r.near_high:.1%}"])
        rows.append([cell.upper(), "test MSE", mse, f"{mse / base:.2%} of the baseline", "", "", ""])
        gates = rnn.last_gates[0]
        for gate in ("ifgo" if cell == "lstm" else "rzn"):
            panels.append(gates[gate])
            labels.append(f"{cell.upper()} {gate}")
    s.figure(plots.histograms(panels, labels=labels, range=(-1.0, 1.0), xlabel="gate value",
                              title="gate values on held-out sequences"), "gate_values",
             f"Values of every gate of the trained LSTM (i, f, g, o) and GRU (r, z, n), adding problem, "
             f"T = {T}, {len(Xte)} held-out sequences. Sigmoid gates live in (0, 1), the tanh candidate in "
             f"(-1, 1); a gate is useful when it is decisive somewhere and still has slope elsewhere.")
    s.figure(plots.gate_bars(recs, title="gate saturation after training (adding problem)"), "gates",
             f"Share of saturated gate entries (|f'| < 1% of its max, i.e. |pre-activation| > 6 for a "
             f"sigmoid gate) on the held-out sequences: a saturated gate passes almost no gradient. Test MSE "
             f"LSTM {rows[4][2]:.3g}, GRU {rows[-1][2]:.3g}; predicting the mean gives {base:.3g}.")
    s.table(["model", "gate", "activation", "mean value", "saturated", "near 0 (-1 for tanh)", "near 1"], rows)


Step = tuple[str, str, str, Callable[[Section, _Ctx], None]]
STEPS: tuple[Step, ...] = (
    ("gallery", "Activation gallery: f, f', f''",
     "Every activation is an object with its value and exact first and second derivative.", _gallery),
    ("derivatives", "Derivatives (the study notes' table)", "Why sigmoid's slope caps the gradient.", _derivatives),
    ("vanishing", "Vanishing gradients, measured",
     "A depth-10 MLP per activation, identical initial weights, one backward pass on real data.", _vanishing),
    ("dead-relu", "Dead ReLUs during training",
     "A ReLU whose pre-activation is negative for every input has slope 0 there: it gets no gradient "
     "of its own (it is dead). Leaky ReLU keeps a slope of 0.01.", _dead_relu),
    ("heads", "Output layers: the three logistic-regression heads",
     "The target decides the head: sigmoid + BCE, softmax + cross-entropy, independent sigmoids.", _heads),
    ("bce", "BCEWithLogits vs sigmoid + BCE at extreme logits",
     "Why the loss takes logits, not probabilities.", _bce),
    ("gates", "LSTM and GRU gates",
     "Gates are sigmoids (and a tanh candidate): where they saturate, they stop passing gradient.", _gates),
)


def run(out_dir: str | Path = "actlab-report", *, quick: bool = False, seed: int = 0, console: Any = None,
        only: tuple[str, ...] | None = None) -> Path:
    """Run the tour and write ``out_dir/index.html`` (plus ``out_dir/img/*.png``).

    Parameters
    ----------
    quick : bool
        Tiny settings (a few seconds) -- the numbers are then only indicative.
    console : rich.console.Console, optional
        Where the progress bar and the study notes' bar chart of sigmoid go (``None``: silent).
    only : tuple of str, optional
        Run only these step ids (see :data:`STEPS`).
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    ctx = _Ctx(quick, seed, console)
    rep = Report("actlab tour", "Activation functions, measured. Every number on this page was computed "
                 "by this run" + (" (quick mode: tiny settings)." if quick else "."))
    steps = [st for st in STEPS if only is None or st[0] in only]
    t0 = time.perf_counter()
    with Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                  console=console, disable=console is None, transient=False) as prog:
        task = prog.add_task("tour", total=len(steps))
        for sid, title, intro, fn in steps:
            prog.update(task, description=f"tour: {sid}")
            sec = rep.section(sid, title, intro)
            # every experiment here is many small matmuls in a Python loop: one BLAS thread
            # is faster, and on a busy machine spinning BLAS threads cost 10-100x
            with blas_single_thread(0):
                fn(sec, ctx)
            prog.advance(task)
    rep.footer = (f"Generated by actlab tour in {time.perf_counter() - t0:.1f} s (seed {seed}"
                  f"{', quick' if quick else ''}). Self-contained: open offline.")
    return rep.write(out_dir)
