"""The sections of ``actlab tour``: each turns one experiment's result into page blocks.

Every ``render_*`` function takes the :class:`~actlab.analysis.report.Section`, the result
dataclass and ``tr(en, ko)`` (which picks the page's language), and writes, in order: the
plain-words question the section answers, its figures and tables with captions carrying the
numbers measured in this run, a "what to notice" box and the snippet that reproduces it.
Sentences that state a claim are built from the measured values (:func:`share_of_baseline`),
so their wording follows the numbers.  Figures are drawn once per run (the English and Korean
pages share them); their inner labels are language-neutral names and symbols.

May import: NumPy and the analysis modules :mod:`.plots`, :mod:`.report` and the experiment
modules (for their result types).
"""

from __future__ import annotations

import math
from typing import Any, Callable

from . import experiments as ex
from . import plots
from . import training_experiments as tx
from . import trust as tr_mod
from .report import Section

Tr = Callable[[str, str], str]

__all__ = ["share_of_baseline", "render_gallery", "render_derivatives", "render_vanishing",
           "render_dead_relu", "render_heads", "render_bce", "render_gates", "render_trust"]


def _pct(v: float) -> str:
    return f"{v:.0%}"


def share_of_baseline(ratio: float, tr: Tr) -> str:
    """A model's test MSE as a share of predicting the mean, in words that follow the value."""
    p = f"{ratio * 100:.2g}%"
    if ratio < 0.01:
        return tr(f"below 1% of the baseline ({p}): the model learned the task",
                  f"기준값의 1% 미만({p})으로, 과제를 학습했습니다")
    if ratio < 0.1:
        return tr(f"{p} of the baseline: the model learned the task",
                  f"기준값의 {p}로, 과제를 학습했습니다")
    if ratio < 0.5:
        return tr(f"{p} of the baseline: it learned only part of the task",
                  f"기준값의 {p}로, 과제를 일부만 학습했습니다")
    if ratio < 1.0:
        return tr(f"{p} of the baseline: barely better than predicting the mean",
                  f"기준값의 {p}로, 평균을 맞히는 것보다 조금 나을 뿐입니다")
    return tr(f"{p} of the baseline: no better than predicting the mean -- it did not learn",
              f"기준값의 {p}로, 평균을 맞히는 것보다 낫지 않습니다. 학습하지 못했습니다")


# ------------------------------------------------------------------------------ 1 gallery
def render_gallery(s: Section, r: ex.GalleryResult, tr: Tr) -> None:
    s.question(tr("What does each activation function look like, and how steep can it get?",
                  "활성화 함수는 저마다 어떤 모양이고, 미분값(f′)은 얼마까지 커질까요?"))
    peaks = "; ".join(f"{p.name} {p.slope:.4g} (x = {p.at:.2f})" for p in r.peaks)
    s.figure(lambda: plots.gallery(r.names, x=r.x, ncols=4), "gallery",
             tr(f"f (solid), f′ (dashed) and f″ (dotted) of {len(r.names)} activations on x in [-5, 5]; every "
                f"derivative comes from the activation objects themselves. Largest slope measured on this grid: "
                f"{peaks}.",
                f"활성화 함수 {len(r.names)}개의 f(실선), f′(파선), f″(점선)을 x ∈ [-5, 5]에서 그렸습니다. 도함수는 모두 "
                f"활성화 함수 객체가 직접 계산한 값입니다. 이 구간에서 잰 미분값의 최댓값: {peaks}."))
    scores = ", ".join(map(str, r.softmax_scores))
    probs = ", ".join(f"{v:.3f}" for v in r.softmax_probabilities)
    notes = {
        "step": tr("step: the slope is 0 everywhere (a Dirac delta at 0), so there is no gradient to learn from.",
                   "계단 함수: 미분값이 어디서나 0입니다(0에서는 디랙 델타). 학습에 쓸 기울기가 없습니다."),
        "sigmoid": tr(f"sigmoid: outputs in (0, 1); the dotted line x = 0 marks the largest slope "
                      f"{r.sigmoid_peak:.2f}. The mean output on this grid is {r.sigmoid_mean:.2f}, not 0.",
                      f"시그모이드: 출력은 (0, 1) 사이이고, 점선 x = 0에서 미분값이 최대 {r.sigmoid_peak:.2f}입니다. "
                      f"이 구간의 출력 평균은 {r.sigmoid_mean:.2f}로 0이 아닙니다."),
        "tanh": tr(f"tanh: outputs centred on 0 (mean {r.tanh_mean:+.1e} on this grid), slope 1 at 0.",
                   f"tanh: 출력이 0을 중심으로 퍼져 있고(이 구간의 평균 {r.tanh_mean:+.1e}), 0에서 미분값이 1입니다."),
        "relu": tr("relu: slope 1 for x > 0 and 0 for x < 0 (relu′(0) = 0 by convention), so a unit can die.",
                   "ReLU: x > 0에서 미분값 1, x < 0에서 0입니다(relu′(0) = 0으로 정합니다). 그래서 유닛이 죽을 수 있습니다."),
        "leaky_relu": tr(f"leaky relu: slope {r.leaky_relu_slope:.2f} for x < 0 (dashed: 0.1), so a unit never "
                         "stops learning.",
                         f"leaky ReLU: x < 0에서도 미분값이 {r.leaky_relu_slope:.2f}입니다(파선은 0.1). 그래서 유닛이 "
                         "학습을 멈추지 않습니다."),
        "softmax": tr(f"softmax turns the scores a = [{scores}] into probabilities {probs}, which sum to 1.",
                      f"소프트맥스는 점수 a = [{scores}]를 확률 {probs}로 바꾸고, 그 합은 1입니다."),
    }
    for name in plots.NOTES_FUNCTIONS:
        s.figure(lambda name=name: plots.notes_figure(name), f"notes_{name}", notes[name], grid=True)
    relu_like = [p.name for p in r.peaks if p.slope >= 0.99]
    s.notice([
        tr(f"Only {', '.join(relu_like)} reach a slope of 1 or more; sigmoid never exceeds {r.sigmoid_peak:.2f}.",
           f"미분값이 1 이상인 함수는 {', '.join(relu_like)}뿐이고, 시그모이드는 {r.sigmoid_peak:.2f}를 넘지 않습니다."),
        tr("sigmoid's outputs are all positive (not zero-centred); tanh's are centred on 0.",
           "시그모이드의 출력은 모두 양수라 0을 중심으로 하지 않고, tanh는 0을 중심으로 합니다."),
    ])
    s.reproduce('from actlab.analysis import plots\n'
                'fig = plots.gallery(["sigmoid", "tanh", "relu", "gelu"])\nfig.savefig("gallery.png")',
                "actlab plot sigmoid tanh relu gelu --grad --grad2 -o gallery.png")


# ------------------------------------------------------------------------------ 2 derivatives
def render_derivatives(s: Section, r: ex.DerivativesResult, tr: Tr) -> None:
    s.question(tr("The notes say σ′(x) = σ(x)(1 − σ(x)) and that it peaks at 0.25. Is that right, and what "
                  "happens far from 0?",
                  "학습 노트에서는 σ′(x) = σ(x)(1 − σ(x))이고 최댓값이 0.25라고 합니다. 정말 그런지, 0에서 멀어지면 "
                  "어떻게 되는지 확인합니다."))
    s.table(["x", "σ(x)", "σ′(x)", "tanh′(x)", "relu′(x)", "leaky_relu′(x)"],
            [[f"{d.x:g}", d.sigmoid, d.sigmoid_grad, d.tanh_grad, d.relu_grad, d.leaky_relu_grad] for d in r.rows],
            caption=tr("The notes' derivative table, computed by actlab.",
                       "학습 노트의 도함수 표를 actlab으로 계산했습니다."))
    c = r.chart
    s.figure(lambda: plots.value_bars("sigmoid", c.xs), "sigmoid_bars",
             tr(f"σ(x) at x = {c.xs[0]:g} … {c.xs[-1]:g}: {c.ys[0]:.3g} at the left end, 0.5 at 0, "
                f"{c.ys[-1]:.5g} at the right end (the terminal shows the same chart with `actlab plot sigmoid`).",
                f"x = {c.xs[0]:g} … {c.xs[-1]:g}에서 σ(x): 왼쪽 끝 {c.ys[0]:.3g}, 0에서 0.5, 오른쪽 끝 {c.ys[-1]:.5g}입니다"
                "(터미널에서는 `actlab plot sigmoid`로 같은 그래프를 볼 수 있습니다)."))
    ratio = r.grad_at_0 / r.grad_at_5
    s.key(tr(f"σ′(0) = {r.grad_at_0:.4g} is the maximum; σ′(5) = {r.grad_at_5:.4g} and σ′(-5) = "
             f"{r.grad_at_minus_5:.4g}: five units from 0 the slope is already {ratio:.0f} times smaller. Ten stacked "
             f"sigmoids scale a gradient by at most 0.25^10 = {r.ten_layer_bound:.3g}.",
             f"σ′(0) = {r.grad_at_0:.4g}가 최댓값입니다. σ′(5) = {r.grad_at_5:.4g}, σ′(-5) = {r.grad_at_minus_5:.4g}로, "
             f"0에서 5만 떨어져도 미분값이 {ratio:.0f}배 작아집니다. 시그모이드 층을 10개 쌓으면 기울기는 많아야 "
             f"0.25^10 = {r.ten_layer_bound:.3g}배가 됩니다."))
    s.text(tr(f"Exact in the tails (where |x| is large): σ′(40) = {r.grad_at_40:.4g}, computed as σ(x)·σ(−x). The "
              f"textbook σ(1 − σ) gives {r.textbook_grad_at_40:.4g}, because σ(40) rounds to {r.sigmoid_at_40!r}.",
              f"꼬리 구간(입력의 절댓값이 아주 큰 구간)에서도 정확합니다. σ′(40) = {r.grad_at_40:.4g}는 σ(x)·σ(−x)로 "
              f"계산한 값입니다. 교과서 식 σ(1 − σ)는 σ(40)이 {r.sigmoid_at_40!r}로 반올림되어 "
              f"{r.textbook_grad_at_40:.4g}이 됩니다."))
    s.notice([
        tr("The peak 0.25 is right, and it is the best case: away from 0 the slope falls off exponentially.",
           "최댓값 0.25는 맞습니다. 다만 이것은 가장 좋은 경우이고, 0에서 멀어지면 미분값은 지수적으로 줄어듭니다."),
        tr("Compute σ′ as σ(x)σ(−x), not σ(1 − σ): the second loses everything once σ(x) rounds to 1.",
           "σ′는 σ(1 − σ)가 아니라 σ(x)σ(−x)로 계산해야 합니다. 앞의 식은 σ(x)가 1로 반올림되는 순간 값을 모두 잃습니다."),
    ])
    s.reproduce("import actlab as al\nal.sigmoid.grad([0.0, 5.0, -5.0, 40.0])",
                "actlab eval sigmoid 0 5 -5 40 --grad")


# ------------------------------------------------------------------------------ 3 vanishing
def render_vanishing(s: Section, r: ex.VanishingResult, tr: Tr) -> None:
    s.question(tr("The notes say stacked sigmoids make gradients vanish, like 0.25^10. Does that happen in a real "
                  "network, and which activations avoid it?",
                  "학습 노트에서는 시그모이드를 여러 층 쌓으면 0.25^10처럼 기울기가 사라진다(기울기 소실)고 합니다. "
                  "실제 신경망에서도 그런지, 어떤 활성화 함수가 이를 피하는지 확인합니다."))
    rows = []
    for c in r.comparisons:
        sig, rel = c.summaries["sigmoid"], c.summaries["relu"]
        s.figure(lambda c=c: plots.gradient_norms(c.records, title=f"depth {c.depth}, width {c.width}, {c.init} init"),
                 f"vanishing_{c.init}",
                 tr(f"{c.init} initialisation: the size of the gradient ‖∂loss/∂W‖ of each of the {c.depth + 1} weight "
                    f"layers (log axis), one line per activation, the same initial weights and data (breast_cancer, "
                    f"{r.rows} rows). First-layer gradient: sigmoid {sig.first_grad:.3g}, relu {rel.first_grad:.3g} "
                    f"({rel.first_grad / sig.first_grad:.3g} times larger). The dashed line multiplies only the "
                    f"slopes, 0.25 per layer from sigmoid's last layer; the weights multiply in too, so the measured "
                    f"line can lie above or below it (sigmoid's first/last ratio {sig.first_over_last:.3g}, "
                    f"0.25^{c.depth} = {c.slope_envelope:.3g}). {plots.coincidence_note(c.records)}",
                    f"{c.init} 초깃값: 가중치 층 {c.depth + 1}개 각각의 기울기 크기 ‖∂loss/∂W‖(로그 축)를 활성화 함수마다 한 "
                    f"선으로 그렸습니다. 초기 가중치와 데이터(breast_cancer, {r.rows}행)는 모두 같습니다. 첫 층의 기울기: "
                    f"시그모이드 {sig.first_grad:.3g}, ReLU {rel.first_grad:.3g}({rel.first_grad / sig.first_grad:.3g}배). "
                    f"파선은 시그모이드의 마지막 층에서 시작해 층마다 미분값 0.25만 곱한 선입니다. 실제로는 가중치도 "
                    f"곱해지므로 측정한 선은 파선보다 위나 아래에 올 수 있습니다(시그모이드의 첫 층/마지막 층 비 "
                    f"{sig.first_over_last:.3g}, 0.25^{c.depth} = {c.slope_envelope:.3g}). "
                    f"{plots.coincidence_note(c.records, lang='ko')}"))
        rows += [[a, c.init, m.first_grad, m.last_grad, m.first_over_last, f"{m.saturated_share:.1%}",
                  f"{m.dead_share:.1%}"] for a, m in c.summaries.items()]
    s.table(tr("activation,init,first-layer ‖∂W‖,last-layer ‖∂W‖,first / last,saturated,dead units",
               "활성화 함수,초깃값,첫 층 ‖∂W‖,마지막 층 ‖∂W‖,첫 층 / 마지막 층,포화 비율,죽은 유닛").split(","), rows,
            caption=tr("Hidden-layer means. A unit is saturated where |f′(z)| is below 1% of the activation's largest "
                       "slope (it passes almost no gradient); dead = share of units with f′(z) = 0 for every sample.",
                       "은닉층 평균입니다. 포화란 |f′(z)|가 그 활성화 함수의 최대 미분값의 1%보다 작아 기울기를 거의 "
                       "전달하지 못하는 상태입니다. 죽은 유닛은 모든 샘플에서 f′(z) = 0인 유닛의 비율입니다."))
    _render_init(s, r.init, tr)
    xav = next((c for c in r.comparisons if c.init == "xavier"), r.comparisons[0])
    sig, rel = xav.summaries["sigmoid"], xav.summaries["relu"]
    s.notice([
        tr(f"With {xav.init} init, sigmoid's first layer gets {sig.first_over_last:.3g} of its last layer's gradient; "
           f"relu keeps {rel.first_over_last:.3g}.",
           f"{xav.init} 초깃값에서 시그모이드의 첫 층은 마지막 층 기울기의 {sig.first_over_last:.3g}배만 받고, ReLU는 "
           f"{rel.first_over_last:.3g}배를 유지합니다."),
        tr("0.25 per layer is the slope alone: the weights decide the rest, which is why the initialisation matters.",
           "층마다 0.25는 미분값만의 몫입니다. 나머지는 가중치가 정하므로 가중치 초깃값이 중요합니다."),
    ])
    s.reproduce('import numpy as np\nfrom actlab.analysis import vanishing\n'
                'x, y = vanishing.default_data("breast_cancer", rng=np.random.default_rng(0))\n'
                'res = vanishing.run_comparison(["sigmoid", "relu"], depth=10, init="xavier", x=x, target=y,\n'
                '                               rng=np.random.default_rng(0))\n'
                'res.summaries["sigmoid"].first_over_last',
                "actlab vanish --depth 10 --activations sigmoid,relu --init xavier")


def _render_init(s: Section, r: ex.InitResult, tr: Tr) -> None:
    verdict = {1.0: tr("Outputs pile up at 0 and 1: saturated, slope near 0.",
                       "출력이 0과 1에 몰립니다. 포화되어 미분값이 거의 0입니다."),
               0.01: tr("Outputs collapse to 0.5: every unit says the same thing.",
                        "출력이 0.5로 모입니다. 모든 유닛이 같은 값을 냅니다.")}
    for k, c in enumerate(r.cases):
        stds = ", ".join(f"{o.std():.3g}" for o in c.outputs)
        s.figure(lambda c=c: plots.histograms(c.outputs, title=f"{c.activation}, weights {c.label}",
                                              range=(0.0, 1.0) if c.activation == "sigmoid" else None,
                                              xlabel=f"{c.activation} output", activation=c.activation),
                 f"init_{k}",
                 tr(f"The weight-initialisation experiment of Deep Learning from Scratch: {c.activation} outputs of "
                    f"{r.layers} layers of {r.width} units ({r.samples} random inputs), weights {c.label}. Standard "
                    f"deviation per layer: {stds}; saturated units (|f′| < 1% of the largest slope, or relu's zeros): "
                    f"{c.saturated_share:.1%}. " + verdict.get(c.std, "The spread survives the depth."),
                    f"『밑바닥부터 시작하는 딥러닝』의 가중치 초깃값 실험: 유닛 {r.width}개짜리 층 {r.layers}개의 "
                    f"{c.activation} 출력(무작위 입력 {r.samples}개), 가중치 {c.label}. 층별 표준편차: {stds}. 포화된 "
                    f"유닛(|f′|가 최대 미분값의 1% 미만, ReLU는 0): {c.saturated_share:.1%}. "
                    + verdict.get(c.std, "깊어져도 분포가 유지됩니다.")))


# ------------------------------------------------------------------------------ 4 dead relu
def render_dead_relu(s: Section, r: tx.DeadReluResult, tr: Tr) -> None:
    s.question(tr("The notes say ReLU units can die and leaky ReLU's do not. How many die, and do they come back?",
                  "학습 노트에서는 ReLU 유닛은 죽을 수 있고 leaky ReLU는 그렇지 않다고 합니다. 얼마나 죽고, 다시 "
                  "살아나는지 확인합니다."))
    b = r.biases[-1]
    start, relu_end, leaky_end = r.dead_at_init, r.dead_after("relu"), r.dead_after("leaky_relu")
    s.figure(lambda: plots.training_curves({"at init (both)": start, "relu after training": relu_end,
                                            "leaky_relu after training": leaky_end},
                                           x=list(r.biases), xlabel="initial bias of every hidden unit",
                                           ylabel="share of dead hidden units", title="dead ReLUs vs leaky ReLU"),
             "dead_relu",
             tr(f"{r.depth} hidden layers of {r.width} units (He init) on breast_cancer ({r.samples} rows), {r.steps} "
                f"full-batch Adam steps (learning rate {r.lr}); every hidden bias starts at the value on the x axis. "
                f"A unit is dead when its pre-activation is <= 0 for every row: a ReLU's slope there is exactly 0, so "
                f"its own weights get no gradient. At bias {b:g}: {_pct(start[-1])} of the units start dead; after "
                f"training relu still has {_pct(relu_end[-1])}, leaky_relu {_pct(leaky_end[-1])}.",
                f"유닛 {r.width}개짜리 은닉층 {r.depth}개(He 초깃값), breast_cancer({r.samples}행), 전체 배치 Adam "
                f"{r.steps}단계(학습률 {r.lr}). 은닉층의 편향은 모두 x축의 값에서 시작합니다. 모든 행에서 활성화 직전 "
                f"값이 0 이하인 유닛을 죽은 유닛이라고 합니다. 그곳에서 ReLU의 미분값은 정확히 0이라 그 유닛의 "
                f"가중치는 기울기를 받지 못합니다. 편향 {b:g}에서 처음에 {_pct(start[-1])}가 죽어 있고, 학습 뒤 ReLU는 "
                f"{_pct(relu_end[-1])}, leaky ReLU는 {_pct(leaky_end[-1])}가 죽어 있습니다."))
    relu, leaky = r.run(b, "relu").losses, r.run(b, "leaky_relu").losses
    s.figure(lambda: plots.training_curves({"relu": list(relu), "leaky_relu": list(leaky)},
                                           ylabel="BCE-with-logits loss", logy=True,
                                           title=f"hidden biases start at {b:g}"),
             "dead_relu_loss",
             tr(f"Training loss of the same runs at bias {b:g}: relu {relu[0]:.3g} → {relu[-1]:.3g} (ln 2 = 0.693 is "
                f"chance), leaky_relu {leaky[0]:.3g} → {leaky[-1]:.3g}.",
                f"편향 {b:g}에서 같은 실행의 학습 손실: ReLU {relu[0]:.3g} → {relu[-1]:.3g}(ln 2 = 0.693이면 찍는 수준), "
                f"leaky ReLU {leaky[0]:.3g} → {leaky[-1]:.3g}."))
    s.table(tr("initial bias,activation,dead at init,dead after training,loss at step 0,loss after training",
               "초기 편향,활성화 함수,처음 죽은 비율,학습 뒤 죽은 비율,0단계 손실,학습 뒤 손실").split(","),
            [[f"{u.bias:g}", u.activation, _pct(u.dead_at_init), _pct(u.dead_after), u.losses[0], u.losses[-1]]
             for u in r.runs],
            caption=tr(f"{r.steps} training steps per run.", f"실행마다 {r.steps}단계 학습했습니다."))
    s.notice([
        tr(f"relu: {_pct(relu_end[-1])} still dead after training at bias {b:g}; leaky_relu: {_pct(leaky_end[-1])}. "
           "A slope of 0.01 is enough for Adam to move the units back.",
           f"편향 {b:g}에서 학습 뒤 ReLU는 {_pct(relu_end[-1])}, leaky ReLU는 {_pct(leaky_end[-1])}가 죽어 있습니다. "
           "미분값 0.01만 있어도 Adam이 유닛을 되살립니다."),
        tr("A dead ReLU comes back only if the layers before it happen to move its inputs.",
           "죽은 ReLU는 앞쪽 층이 우연히 입력을 바꿔 줄 때만 되살아납니다."),
    ])
    s.reproduce("from actlab.analysis.experiments import Settings\nfrom actlab.analysis import training_experiments\n"
                "r = training_experiments.dead_relu(Settings())\nr.dead_after(\"relu\"), r.dead_after(\"leaky_relu\")")


# ------------------------------------------------------------------------------ 5 heads
def render_heads(s: Section, r: ex.HeadsResult, tr: Tr) -> None:
    s.question(tr("The notes say: sigmoid + BCE for binary, softmax + cross-entropy for multiclass, one sigmoid per "
                  "label for multi-label. Does the target really decide the output layer?",
                  "학습 노트에서는 이진 분류에 시그모이드 + BCE, 다중 클래스 분류에 소프트맥스 + 교차 엔트로피"
                  "(cross-entropy), 다중 레이블 분류에 레이블마다 시그모이드를 쓰라고 합니다. 정말 타깃의 모양이 "
                  "출력층을 정하는지 확인합니다."))
    s.table(tr("task,data,shape,output layer chosen from the target,test accuracy,per-label accuracy",
               "과제,데이터,크기,타깃으로 고른 출력층 구성(헤드),테스트 정확도,레이블별 정확도").split(","),
            [[h.task, h.data, f"{h.samples}×{h.features}", h.head, h.accuracy, h.per_label_accuracy] for h in r.heads],
            caption=tr("actlab.models.LogisticRegression picks its output layer from the target; 25% held out. For "
                       "multi-label, accuracy is the share of rows with every label right (as scikit-learn); the "
                       "per-label accuracy averages the three labels (even / >= 5 / prime).",
                       "actlab.models.LogisticRegression은 타깃을 보고 출력층 구성을 고릅니다. 25%는 테스트용으로 "
                       "떼어 두었습니다. 다중 레이블에서 정확도는 모든 레이블을 맞힌 행의 비율이고(scikit-learn과 같음), "
                       "레이블별 정확도는 세 레이블(짝수 / 5 이상 / 소수)의 평균입니다."))
    s.key(" · ".join(f"{h.task}: {h.accuracy:.1%}" for h in r.heads)
          + tr(f" (per label {r.heads[-1].per_label_accuracy:.1%})", f" (레이블별 {r.heads[-1].per_label_accuracy:.1%})"))
    s.table(tr("task,output,loss,torch loss,why", "과제,출력,손실 함수,torch 손실 함수,이유").split(","),
            [[c.task, c.output, c.loss, c.torch_loss, c.why] for c in r.recommendations],
            caption=tr("actlab recommend: output activation and loss per task.",
                       "actlab recommend: 과제별 출력 활성화 함수와 손실 함수."))
    found = " | ".join(f"{f.severity}: {f.message}" for f in r.findings)
    s.text(tr("check_model(Sequential(Linear, Softmax), CrossEntropyLoss()) warns: ",
              "check_model(Sequential(Linear, Softmax), CrossEntropyLoss())의 경고: ") + (found or "-"))
    s.notice([
        tr("The shape of the target decides: one column of 0/1 → sigmoid; class labels → softmax; a 0/1 matrix → "
           "one sigmoid per label.",
           "타깃의 모양이 정합니다. 0/1 한 열이면 시그모이드, 클래스 번호면 소프트맥스, 0/1 행렬이면 레이블마다 "
           "시그모이드입니다."),
        tr("The loss takes logits; a Softmax layer before CrossEntropyLoss applies softmax twice.",
           "손실 함수에는 로짓(logit)을 넣습니다. CrossEntropyLoss 앞에 Softmax 층을 두면 소프트맥스가 두 번 적용됩니다."),
    ])
    s.reproduce("from actlab.models import LogisticRegression\nfrom actlab import datasets\n"
                "x, y = datasets.digits(return_X_y=True)\nLogisticRegression().fit(x / 16, y).head_   # 'softmax'",
                "actlab recommend multiclass")


# ------------------------------------------------------------------------------ 6 BCE
def render_bce(s: Section, r: ex.BceResult, tr: Tr) -> None:
    s.question(tr("Why do the notes say BCEWithLogits is better than a sigmoid followed by BCE?",
                  "학습 노트에서는 왜 시그모이드 뒤에 BCE를 쓰는 것보다 BCEWithLogits가 낫다고 할까요?"))
    s.table(tr("logit z,σ(z) (float64),∂/∂z BCEWithLogits,∂/∂z sigmoid → BCE,exact σ(z)",
               "로짓 z,σ(z) (float64),∂/∂z BCEWithLogits,∂/∂z 시그모이드 → BCE,정확한 σ(z)").split(","),
            [[f"{b.z:g}", b.probability, b.grad_with_logits, b.grad_through_sigmoid, b.exact] for b in r.rows],
            caption=tr("Target 0. The exact gradient of the loss with respect to z is σ(z).",
                       "타깃은 0입니다. z에 대한 손실의 정확한 기울기는 σ(z)입니다."))
    w = r.most_wrong
    curves = {"BCEWithLogits(z)": [abs(b.grad_with_logits) for b in r.rows],
              "sigmoid → BCELoss": [abs(b.grad_through_sigmoid) for b in r.rows]}
    s.figure(lambda: plots.training_curves(curves, x=[b.z for b in r.rows], xlabel="logit z (target 0)",
                                           ylabel="|∂loss/∂z| (log)", logy=True),
             "bce_vs_logits",
             tr(f"The gradient that reaches the logit when the target is 0. At z = {w.z:g} (confidently wrong) "
                f"BCEWithLogits gives {abs(w.grad_with_logits):.4g} (exact: {w.exact:.4g}); sigmoid then BCELoss gives "
                f"{abs(w.grad_through_sigmoid):.3g}, because σ({w.z:g}) rounds to 1.0 and the log is clamped.",
                f"타깃이 0일 때 로짓까지 전달되는 기울기입니다. z = {w.z:g}(확신을 갖고 틀린 경우)에서 BCEWithLogits는 "
                f"{abs(w.grad_with_logits):.4g}(정확한 값 {w.exact:.4g})를 주지만, 시그모이드 뒤 BCELoss는 "
                f"{abs(w.grad_through_sigmoid):.3g}입니다. σ({w.z:g})가 1.0으로 반올림되고 로그가 잘리기 때문입니다."))
    s.notice([
        tr(f"Through a separate sigmoid the gradient at z = {w.z:g} is {abs(w.grad_through_sigmoid):.3g} instead of "
           f"{w.exact:.4g}: it is lost exactly where the model most needs to learn.",
           f"시그모이드를 따로 거치면 z = {w.z:g}에서 기울기가 {w.exact:.4g}가 아니라 {abs(w.grad_through_sigmoid):.3g}입니다. "
           "가장 많이 배워야 할 곳에서 기울기를 잃습니다."),
        tr("Give the loss the logits (BCEWithLogitsLoss, CrossEntropyLoss) and apply sigmoid/softmax only for "
           "probabilities.",
           "손실 함수에는 로짓을 넣고(BCEWithLogitsLoss, CrossEntropyLoss), 시그모이드와 소프트맥스는 확률이 필요할 "
           "때만 적용합니다."),
    ])
    s.reproduce("import numpy as np\nfrom actlab import nn\nloss = nn.BCEWithLogitsLoss()\n"
                "loss.forward(np.array([40.0]), np.array([0.0]))\nloss.backward()   # σ(40) = 1.0, exact",
                "actlab recommend binary")


# ------------------------------------------------------------------------------ 7 gates
def render_gates(s: Section, r: tx.GatesResult, tr: Tr) -> None:
    s.question(tr("The notes say LSTM and GRU gates are sigmoids. After training, do the gates open and close, and "
                  "did the models learn?",
                  "학습 노트에서는 LSTM과 GRU의 게이트가 시그모이드라고 합니다. 학습한 뒤 게이트가 실제로 열리고 "
                  "닫히는지, 모델이 과제를 학습했는지 확인합니다."))
    learned = [(m.model, m.test_mse / r.baseline_mse) for m in r.models]
    s.key("; ".join(tr(f"{m}: test MSE {share_of_baseline(q, tr)}", f"{m}: 테스트 MSE가 {share_of_baseline(q, tr)}")
                    for m, q in learned)
          + tr(f" (baseline: predicting the mean, MSE {r.baseline_mse:.3g}).",
               f" (기준값: 평균을 맞히는 경우의 MSE {r.baseline_mse:.3g})."))
    panels = {f"{m.model} {g}": v for m in r.models for g, v in m.values.items()}
    s.figure(lambda: plots.gate_histograms(panels, title="gate values on held-out sequences"), "gate_values",
             tr(f"Values of every gate of the trained LSTM (i, f, g, o) and GRU (r, z, n) on the adding problem, "
                f"T = {r.steps}, {r.test_sequences} held-out sequences. Sigmoid gates live in (0, 1) and are drawn on "
                "[0, 1]; the tanh candidates (LSTM g, GRU n) in (-1, 1).",
                f"덧셈 문제(T = {r.steps}, 테스트 시퀀스 {r.test_sequences}개)로 학습한 LSTM(i, f, g, o)과 GRU(r, z, n)의 "
                "게이트 값입니다. 시그모이드 게이트는 (0, 1) 사이라 [0, 1]에, tanh 후보값(LSTM g, GRU n)은 (-1, 1)에 "
                "그렸습니다."))
    recs = [g for m in r.models for g in m.gates]
    s.figure(lambda: plots.gate_bars(recs, title="gate entries near their bounds"), "gates",
             tr("Share of each gate's entries near its bounds (within 1% of 0 or 1; -1 or 1 for tanh): a gate near its "
                "bounds is decisive (open or shut) and passes almost no gradient there. Saturated share (|f′| < 1% of "
                "its maximum): " + ", ".join(f"{g.model} {g.gate} {g.saturated_share:.1%}" for g in recs) + ".",
                "게이트 값 중 경계 근처(0이나 1에서 1% 이내, tanh는 -1이나 1)에 있는 비율입니다. 경계 근처의 게이트는 "
                "확실히 열리거나 닫혀 있고, 그곳에서는 기울기를 거의 전달하지 못합니다. 포화 비율(|f′|가 최대의 1% "
                "미만): " + ", ".join(f"{g.model} {g.gate} {g.saturated_share:.1%}" for g in recs) + "."))
    rows: list[list[Any]] = []
    for m in r.models:
        rows += [[g.model, g.gate, g.activation, g.mean, f"{g.saturated_share:.1%}", f"{g.near_low:.1%}",
                  f"{g.near_high:.1%}"] for g in m.gates]
    s.table(tr("model,gate,activation,mean value,saturated,near 0 (-1 for tanh),near 1",
               "모델,게이트,활성화 함수,평균값,포화 비율,0 근처(tanh는 -1),1 근처").split(","), rows)
    s.notice([
        tr("The forget gate f of the LSTM and the update gate z of the GRU decide what to keep; their spread shows "
           "where the model keeps or overwrites its memory.",
           "LSTM의 망각 게이트 f와 GRU의 업데이트 게이트 z가 무엇을 기억할지 정합니다. 값이 퍼진 모양을 보면 모델이 "
           "어디서 기억을 유지하고 어디서 덮어쓰는지 알 수 있습니다."),
        tr("; ".join(f"{m}: {q:.2%} of the baseline MSE" for m, q in learned) + ".",
           "; ".join(f"{m}: 기준 MSE의 {q:.2%}" for m, q in learned) + "."),
    ])
    s.reproduce("from actlab.analysis import training\nr = training.run_task(\"sequence\")\n"
                "[(sc.label, sc.value) for sc in r.scores], r.baseline_mse", "actlab train sequence")


# ------------------------------------------------------------------------------ 8 trust
_IMPL = {"numpy": "NumPy", "scipy": "SciPy", "torch": "torch", "actlab": "actlab"}


def _ulp(v: float) -> str:
    if math.isinf(v):
        return "inf (wrong)"
    return f"{v:.2f}" if v < 100 else f"{v:.2g}"


def render_trust(s: Section, r: tr_mod.TrustResult, tr: Tr) -> None:
    s.question(tr("Why trust these numbers? How exact and how fast is actlab, next to NumPy, SciPy and torch, on "
                  "this machine?",
                  "이 숫자들을 믿어도 될까요? 이 컴퓨터에서 actlab이 NumPy, SciPy, torch와 비교해 얼마나 정확하고 "
                  "빠른지 잽니다."))
    names = {("sigmoid", 0): "σ(x)", ("sigmoid", 1): "σ′(x)", ("log_sigmoid", 0): "log σ(x)"}
    impls = [i for i in tr_mod.IMPLEMENTATIONS if any(a.implementation == i for a in r.accuracy)]
    table = []
    for fn, order in tr_mod.FUNCTIONS:
        table.append([names[fn, order]] + [_ulp(r.max_ulp(i, fn, order)) for i in impls])
    s.table([tr("function", "함수")] + [_IMPL[i] for i in impls], table,
            caption=tr(f"Largest error in ULPs (units in the last place of float64; 0.5 is correctly rounded) over "
                       f"{r.points} points spread over the whole float64 range, against mpmath at 200+ bits. NumPy: "
                       "the textbook formulas; SciPy: expit, expit·(1 − expit), log_expit; torch: sigmoid, its autograd, "
                       "logsigmoid" + ("" if r.torch_version else " (torch is not installed: left out)") + ".",
                       f"float64 전체 범위에 퍼진 점 {r.points}개에서 mpmath(200비트 이상)와 비교한 최대 오차(ULP: float64의 "
                       "마지막 자리 단위, 0.5면 올바르게 반올림된 값)입니다. NumPy는 교과서 식, SciPy는 expit, "
                       "expit·(1 − expit), log_expit, torch는 sigmoid, 자동 미분, logsigmoid입니다"
                       + ("" if r.torch_version else "(torch가 설치되지 않아 뺐습니다)") + "."))
    rows = [{"function": names[a.function, a.order], "implementation": a.implementation, "max_ulp": a.max_ulp}
            for a in r.accuracy]
    worst_act = max(r.max_ulp("actlab", f, o) for f, o in tr_mod.FUNCTIONS)
    s.figure(lambda: plots.accuracy_bars(rows), "trust_accuracy",
             tr(f"The same maxima on a log axis; the line marks 1 ULP. actlab stays at or below {worst_act:.2f} ULP.",
                f"같은 최대 오차를 로그 축에 그렸습니다. 선은 1 ULP입니다. actlab은 {worst_act:.2f} ULP 이하입니다."))
    if r.speed:
        s.table([tr("function", "함수"), "dtype"] + [f"÷ {b}" for b in ("memcpy", "numpy", "scipy", "torch")],
                [[sp_fn, dt] + [_ratio(r.ratio(sp_fn, b, dt)) for b in ("memcpy", "numpy", "scipy", "torch")]
                 for sp_fn in ("sigmoid", "tanh") for dt in ("float32", "float64")],
                caption=tr(f"actlab's time divided by the other's on {r.speed[0].n:,} elements (median of "
                           f"round-robin samples in this run; below 1 = actlab is faster). memcpy copies the same bytes: "
                           f"the floor for any function that reads and writes them. Kernel: {r.isa}, {r.machine}.",
                           f"원소 {r.speed[0].n:,}개에서 actlab의 시간을 상대의 시간으로 나눈 값입니다(이번 실행에서 번갈아 "
                           "잰 값의 중앙값, 1보다 작으면 actlab이 더 빠름). memcpy는 같은 바이트를 복사하는 시간으로, "
                           f"읽고 쓰는 모든 함수의 하한입니다. 커널: {r.isa}, {r.machine}."))
        srows = [{"function": f"{x.function} {x.dtype}", "baseline": x.baseline, "ratio": x.ratio} for x in r.speed]
        s.figure(lambda: plots.speed_bars(srows), "trust_speed",
                 tr("The same ratios as bars; the line marks 1 (as fast as the other).",
                    "같은 비율을 막대로 그렸습니다. 선은 1(상대와 같은 속도)입니다."))
    naive = r.max_ulp("numpy", "sigmoid", 1)
    s.notice([
        tr(f"σ′ by the textbook formula is {_ulp(naive)} ULP off in the tails: it returns 0 where the true value is "
           "tiny but representable; actlab computes σ(x)σ(−x).",
           f"교과서 식으로 계산한 σ′는 꼬리 구간에서 {_ulp(naive)} ULP나 틀립니다. 참값이 아주 작지만 표현할 수 있는 "
           "곳에서 0을 돌려주기 때문입니다. actlab은 σ(x)σ(−x)로 계산합니다."),
        tr("Speed ratios depend on this machine and its load; run the snippet below to measure yours.",
           "속도 비율은 이 컴퓨터와 그 순간의 부하에 따라 달라집니다. 아래 코드로 직접 재 보세요."),
    ])
    s.reproduce("from actlab.analysis.experiments import Settings\nfrom actlab.analysis.trust import trust\n"
                "r = trust(Settings())\nr.max_ulp(\"actlab\", \"sigmoid\", 1), r.ratio(\"sigmoid\", \"memcpy\")",
                "actlab bench --quick")


def _ratio(v: float) -> str:
    return "-" if v != v else f"{v:.2f}"
