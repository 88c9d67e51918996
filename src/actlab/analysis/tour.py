"""``actlab tour``: run every experiment on bundled data and write ``DIR/index.html``.

The experiments (:mod:`.experiments`, :mod:`.training_experiments`) measure and return
dataclasses; each ``_render_*`` function here turns one result into a section of a
:class:`~actlab.analysis.report.Report`, and every figure's caption states what it shows and
the numbers measured in this run.  :func:`run` returns a :class:`Tour`: the page's path and
every result, for the CLI (and later the lab) to read.  ``quick=True`` shrinks every
experiment (for tests); the full tour stays under two minutes on two cores.

May import: NumPy, :mod:`actlab.runtime` and the analysis modules :mod:`.experiments`,
:mod:`.training_experiments`, :mod:`.plots` and :mod:`.report`.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ..runtime import blas_single_thread
from . import experiments as ex
from . import plots
from . import training_experiments as tx
from .report import Report, Section

__all__ = ["run", "STEPS", "Step", "Tour"]


# ------------------------------------------------------------------------------ 1 gallery
def _render_gallery(s: Section, r: ex.GalleryResult) -> None:
    peaks = "; ".join(f"{p.name} {p.slope:.4g} at x={p.at:.2f}" for p in r.peaks)
    s.figure(plots.gallery(r.names, x=r.x, ncols=4), "gallery",
             f"f (solid), f' (dashed) and f'' (dotted) of {len(r.names)} activations on x in [-5, 5], "
             "all derivatives from the activation objects themselves. Measured peak slopes: "
             + peaks + ". Only relu-like functions keep a slope of 1 for large x.")
    scores = ", ".join(map(str, r.softmax_scores))
    notes = {
        "step": "step: slope 0 everywhere (a Dirac at 0) -- no gradient to learn from.",
        "sigmoid": f"sigmoid: the dotted line x = 0 marks the peak slope {r.sigmoid_peak:.2f}; "
                   f"outputs in (0, 1), mean {r.sigmoid_mean:.2f} on this grid (not zero-centred).",
        "tanh": f"tanh: the dotted line y = 0 -- outputs centred on 0 (mean {r.tanh_mean:+.1e}), slope 1 at 0.",
        "relu": "relu: slope 1 for x > 0, 0 for x < 0 (relu'(0) = 0 by convention) -- units can die.",
        "leaky_relu": f"leaky relu: slope {r.leaky_relu_slope:.2f} for x < 0 (dashed: 0.1), "
                      "so a unit never stops learning.",
        "softmax": f"softmax of the scores a = [{scores}]: probabilities "
                   + ", ".join(f"{v:.3f}" for v in r.softmax_probabilities) + " summing to 1.",
    }
    for name, fig in plots.notes_figures().items():
        s.figure(fig, f"notes_{name}", notes[name], grid=True)


# ------------------------------------------------------------------------------ 2 derivatives
def _render_derivatives(s: Section, r: ex.DerivativesResult) -> None:
    s.table(["x", "σ(x)", "σ'(x)", "tanh'(x)", "relu'(x)", "leaky_relu'(x)"],
            [[f"{d.x:g}", d.sigmoid, d.sigmoid_grad, d.tanh_grad, d.relu_grad, d.leaky_relu_grad] for d in r.rows],
            caption="The study notes' derivative table, computed by actlab.")
    s.key(f"σ'(0) = {r.grad_at_0:.4g} (the maximum), σ'(5) = {r.grad_at_5:.4g}, σ'(-5) = {r.grad_at_minus_5:.4g}: "
          f"five units from 0 the slope is already {r.grad_at_0 / r.grad_at_5:.0f}x smaller. Ten stacked "
          f"sigmoids scale a gradient by at most 0.25^10 = {r.ten_layer_bound:.3g}.")
    s.text(f"Tail-exact: σ'(40) = {r.grad_at_40:.4g} (computed as σ(x)σ(-x)); the textbook "
           f"σ(1-σ) gives {r.textbook_grad_at_40:.4g} because σ(40) rounds to {r.sigmoid_at_40!r}.")
    s.pre(r.chart.text())


# ------------------------------------------------------------------------------ 3 vanishing
def _render_vanishing(s: Section, r: ex.VanishingResult) -> None:
    rows = []
    for c in r.comparisons:
        sig, rel = c.summaries["sigmoid"], c.summaries["relu"]
        s.figure(plots.gradient_norms(c.records, title=f"depth {c.depth}, width {c.width}, {c.init} init, "
                                                       "breast_cancer"),
                 f"vanishing_{c.init}",
                 f"{c.init} init: ‖∂loss/∂W‖ of each of the {c.depth + 1} weight layers (log axis), one line "
                 f"per activation, same initial weights and data (breast_cancer, {r.rows} rows). First-layer "
                 f"gradient: sigmoid {sig.first_grad:.3g} vs relu {rel.first_grad:.3g} "
                 f"({rel.first_grad / sig.first_grad:.3g}x). The dashed line is the slope-only "
                 f"envelope 0.25^(L-l) anchored at sigmoid's last layer; sigmoid's first/last ratio is "
                 f"{sig.first_over_last:.3g} (0.25^{c.depth} = {c.slope_envelope:.3g}).")
        rows += [[a, c.init, m.first_grad, m.last_grad, m.first_over_last, f"{m.saturated_share:.1%}",
                  f"{m.dead_share:.1%}"] for a, m in c.summaries.items()]
    s.table(["activation", "init", "first-layer ‖∂W‖", "last-layer ‖∂W‖", "first / last",
             "saturated (|f'|<1% max)", "dead units"], rows,
            caption="Hidden-layer means; saturated = share of entries with |f'(z)| below 1% of the "
                    "activation's max slope; dead = share of units with f'(z) = 0 for every sample.")
    _render_init(s, r.init)


_INIT_VERDICT = {1.0: "Outputs pile up at 0 and 1 (saturated, slope ~0).",
                 0.01: "Outputs collapse to 0.5: every unit says the same thing."}


def _render_init(s: Section, r: ex.InitResult) -> None:
    what = "share of units with |f'(z)| < 1% of max (saturated, or relu's zeros)"
    for k, c in enumerate(r.cases):
        stds = ", ".join(f"{o.std():.3g}" for o in c.outputs)
        s.figure(plots.histograms(c.outputs, title=f"{c.activation}, weights {c.label}",
                                  range=(0.0, 1.0) if c.activation == "sigmoid" else None,
                                  xlabel=f"{c.activation} output"),
                 f"init_{k}",
                 f"Deep Learning from Scratch's init experiment: {c.activation} outputs of {r.layers} layers of "
                 f"{r.width} units ({r.samples} random inputs), weights {c.label}. Per-layer std: {stds}; "
                 f"{what}: {c.saturated_share:.1%}. " + _INIT_VERDICT.get(c.std, "The spread survives the depth."))


# ------------------------------------------------------------------------------ 4 dead relu
def _render_dead_relu(s: Section, r: tx.DeadReluResult) -> None:
    b = r.biases[-1]
    start, relu_end, leaky_end = r.dead_at_init, r.dead_after("relu"), r.dead_after("leaky_relu")
    s.figure(plots.training_curves({"at init (both)": start, "relu after training": relu_end,
                                    "leaky_relu after training": leaky_end},
                                   x=list(r.biases), xlabel="initial bias of every hidden unit",
                                   ylabel="share of dead hidden units", title="dead ReLUs vs leaky ReLU"),
             "dead_relu",
             f"{r.depth} hidden layers of {r.width} units (He init) on breast_cancer ({r.samples} rows), {r.steps} "
             f"full-batch Adam steps (lr {r.lr}); every hidden bias starts at the value on the x axis. A unit "
             f"is dead when its pre-activation is <= 0 for every row: a ReLU's slope there is exactly 0, so its "
             f"own weights get no gradient and it only comes back if the layers before it happen to move its "
             f"inputs. At bias {b:g}: {start[-1]:.0%} of the units start dead; after training relu still has "
             f"{relu_end[-1]:.0%}, leaky_relu {leaky_end[-1]:.0%} -- its slope 0.01 keeps a "
             f"gradient flowing, and Adam turns even that small gradient into steps that revive the units.")
    relu, leaky = r.run(b, "relu").losses, r.run(b, "leaky_relu").losses
    s.figure(plots.training_curves({"relu": list(relu), "leaky_relu": list(leaky)}, ylabel="BCE-with-logits loss",
                                   logy=True, title=f"hidden biases start at {b:g}"),
             "dead_relu_loss",
             f"Training loss of the same runs at bias {b:g}: relu {relu[0]:.3g} -> {relu[-1]:.3g} "
             f"(ln 2 = 0.693 is chance), leaky_relu {leaky[0]:.3g} -> {leaky[-1]:.3g}.")
    s.table(["initial bias", "activation", "dead at init", f"dead after {r.steps} steps", "loss at step 0",
             f"loss after {r.steps} steps"],
            [[f"{u.bias:g}", u.activation, f"{u.dead_at_init:.0%}", f"{u.dead_after:.0%}", u.losses[0], u.losses[-1]]
             for u in r.runs])


# ------------------------------------------------------------------------------ 5 heads
def _render_heads(s: Section, r: ex.HeadsResult) -> None:
    s.table(["task", "data", "shape", "head_ chosen from the target", "test accuracy (score)",
             "per-label accuracy"],
            [[h.task, h.data, f"{h.samples}×{h.features}", h.head, h.accuracy, h.per_label_accuracy]
             for h in r.heads],
            caption="actlab.models.LogisticRegression picks its head from the target; 25% held out. For "
                    "multi-label, score is the share of rows with every label right (as sklearn); the "
                    "per-label accuracy averages the three labels (even / >= 5 / prime).")
    s.key(" · ".join(f"{h.task}: {h.accuracy:.1%}" for h in r.heads)
          + f" (per label {r.heads[-1].per_label_accuracy:.1%})")
    s.table(["task", "output", "loss", "torch loss", "why"],
            [[c.task, c.output, c.loss, c.torch_loss, c.why] for c in r.recommendations],
            caption="actlab recommend: output activation and loss per task.")
    s.text("check_model(Sequential(Linear, Softmax), CrossEntropyLoss()) says: "
           + (" | ".join(f"{f.severity}: {f.message}" for f in r.findings) or "nothing"))


# ------------------------------------------------------------------------------ 6 BCE
def _render_bce(s: Section, r: ex.BceResult) -> None:
    s.table(["logit z", "σ(z) (float64)", "∂/∂z BCEWithLogits", "∂/∂z sigmoid → BCE", "exact σ(z)"],
            [[f"{b.z:g}", b.probability, b.grad_with_logits, b.grad_through_sigmoid, b.exact] for b in r.rows],
            caption="Target 0. The exact gradient of the loss with respect to z is σ(z).")
    w = r.most_wrong
    curves = {"BCEWithLogits(z)": [abs(b.grad_with_logits) for b in r.rows],
              "sigmoid → BCELoss": [abs(b.grad_through_sigmoid) for b in r.rows]}
    s.figure(plots.training_curves(curves, x=[b.z for b in r.rows], xlabel="logit z (target 0)",
                                   ylabel="|∂loss/∂z| (log)", logy=True),
             "bce_vs_logits",
             f"Gradient reaching the logit when the target is 0. At z = {w.z:g} (confidently wrong) "
             f"BCEWithLogits gives {abs(w.grad_with_logits):.4g} (exact: {w.exact:.4g}); sigmoid then BCELoss "
             f"gives {abs(w.grad_through_sigmoid):.3g}, because σ({w.z:g}) rounds to 1.0 and the log is clamped "
             f"-- the gradient is lost exactly where learning is needed.")


# ------------------------------------------------------------------------------ 7 gates
def _render_gates(s: Section, r: tx.GatesResult) -> None:
    panels = [v for m in r.models for v in m.values.values()]
    labels = [f"{m.model} {g}" for m in r.models for g in m.values]
    s.figure(plots.histograms(panels, labels=labels, range=(-1.0, 1.0), xlabel="gate value",
                              title="gate values on held-out sequences"), "gate_values",
             f"Values of every gate of the trained LSTM (i, f, g, o) and GRU (r, z, n), adding problem, "
             f"T = {r.steps}, {r.test_sequences} held-out sequences. Sigmoid gates live in (0, 1), the tanh "
             f"candidate in (-1, 1); a gate is useful when it is decisive somewhere and still has slope elsewhere.")
    mse = ", ".join(f"{m.model} {m.test_mse:.3g}" for m in r.models)
    s.figure(plots.gate_bars([g for m in r.models for g in m.gates],
                             title="gate saturation after training (adding problem)"), "gates",
             f"Share of saturated gate entries (|f'| < 1% of its max, i.e. |pre-activation| > 6 for a "
             f"sigmoid gate) on the held-out sequences: a saturated gate passes almost no gradient. Test MSE "
             f"{mse}; predicting the mean gives {r.baseline_mse:.3g}.")
    rows: list[list[Any]] = []
    for m in r.models:
        rows += [[g.model, g.gate, g.activation, g.mean, f"{g.saturated_share:.1%}", f"{g.near_low:.1%}",
                  f"{g.near_high:.1%}"] for g in m.gates]
        rows.append([m.model, "test MSE", m.test_mse, f"{m.test_mse / r.baseline_mse:.2%} of the baseline",
                     "", "", ""])
    s.table(["model", "gate", "activation", "mean value", "saturated", "near 0 (-1 for tanh)", "near 1"], rows)


# ------------------------------------------------------------------------------ the run
@dataclass(frozen=True)
class Step:
    """One section of the tour: ``measure`` runs its experiment, ``render`` writes the section.

    ``key`` names the :class:`Tour` field that holds the result; ``id`` (the HTML anchor and
    the name ``only=`` takes) is ``key`` with dashes.
    """

    key: str
    title: str
    intro: str
    measure: Callable[[ex.Settings], Any]
    render: Callable[[Section, Any], None]

    @property
    def id(self) -> str:
        """``"dead-relu"`` for the key ``"dead_relu"``."""
        return self.key.replace("_", "-")


STEPS: tuple[Step, ...] = (
    Step("gallery", "Activation gallery: f, f', f''",
         "Every activation is an object with its value and exact first and second derivative.",
         ex.gallery, _render_gallery),
    Step("derivatives", "Derivatives (the study notes' table)", "Why sigmoid's slope caps the gradient.",
         ex.derivatives, _render_derivatives),
    Step("vanishing", "Vanishing gradients, measured",
         "A depth-10 MLP per activation, identical initial weights, one backward pass on real data.",
         ex.vanishing_gradients, _render_vanishing),
    Step("dead_relu", "Dead ReLUs during training",
         "A ReLU whose pre-activation is negative for every input has slope 0 there: it gets no gradient "
         "of its own (it is dead). Leaky ReLU keeps a slope of 0.01.", tx.dead_relu, _render_dead_relu),
    Step("heads", "Output layers: the three logistic-regression heads",
         "The target decides the head: sigmoid + BCE, softmax + cross-entropy, independent sigmoids.",
         ex.heads, _render_heads),
    Step("bce", "BCEWithLogits vs sigmoid + BCE at extreme logits",
         "Why the loss takes logits, not probabilities.", ex.bce_extremes, _render_bce),
    Step("gates", "LSTM and GRU gates",
         "Gates are sigmoids (and a tanh candidate): where they saturate, they stop passing gradient.",
         tx.gates, _render_gates),
)


@dataclass(frozen=True)
class Tour:
    """What :func:`run` wrote (``index``) and measured; a step left out by ``only=`` is None."""

    index: Path
    seconds: float
    gallery: ex.GalleryResult | None = None
    derivatives: ex.DerivativesResult | None = None
    vanishing: ex.VanishingResult | None = None
    dead_relu: tx.DeadReluResult | None = None
    heads: ex.HeadsResult | None = None
    bce: ex.BceResult | None = None
    gates: tx.GatesResult | None = None


def run(out_dir: str | Path = "actlab-report", *, quick: bool = False, seed: int = 0,
        only: tuple[str, ...] | None = None, progress: Callable[[str, bool], None] | None = None) -> Tour:
    """Run the tour and write ``out_dir/index.html`` (plus ``out_dir/img/*.png``).

    Parameters
    ----------
    quick : bool
        Tiny settings (a few seconds) -- the numbers are then only indicative.
    seed : int
        Seeds every experiment's random stream.
    only : tuple of str, optional
        Run only these step ids (see :data:`STEPS`).
    progress : callable, optional
        ``progress(step_id, False)`` before each step and ``progress(step_id, True)`` after it.
    """
    settings = ex.Settings(quick, seed)
    rep = Report("actlab tour", "Activation functions, measured. Every number on this page was computed "
                 "by this run" + (" (quick mode: tiny settings)." if quick else "."))
    results: dict[str, Any] = {}
    t0 = time.perf_counter()
    for step in (st for st in STEPS if only is None or st.id in only):
        if progress is not None:
            progress(step.id, False)
        sec = rep.section(step.id, step.title, step.intro)
        # every experiment here is many small matmuls in a Python loop: one BLAS thread
        # is faster, and on a busy machine spinning BLAS threads cost 10-100x
        with blas_single_thread(0):
            results[step.key] = step.measure(settings)
            step.render(sec, results[step.key])
        if progress is not None:
            progress(step.id, True)
    seconds = time.perf_counter() - t0
    rep.footer = (f"Generated by actlab tour in {seconds:.1f} s (seed {seed}"
                  f"{', quick' if quick else ''}). Self-contained: open offline.")
    return Tour(rep.write(out_dir), seconds, **results)
