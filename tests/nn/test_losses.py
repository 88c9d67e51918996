"""Losses against torch (float64): values, d input, every reduction, weight/pos_weight/
ignore_index/label_smoothing together; exact +-inf logits; bad targets."""

from __future__ import annotations

import itertools
import re
import zlib

import numpy as np
import pytest

from actlab import nn

torch = pytest.importorskip("torch")
F = torch.nn.functional
REDUCTIONS = ("mean", "sum", "none")


def _run(crit, x, target, dloss):
    x_keep, t_keep = x.copy(), np.array(target, copy=True)
    loss = crit.forward(x, target)
    dx = crit.backward(dloss)
    np.testing.assert_array_equal(x, x_keep)  # caller's arrays untouched
    np.testing.assert_array_equal(target, t_keep)
    return loss, dx


def _ref(fn, x, dloss):
    xt = torch.tensor(x, requires_grad=True)
    lt = fn(xt)
    lt.backward(torch.tensor(dloss, dtype=torch.float64))
    return lt.detach().numpy(), xt.grad.numpy()


def _check(ours, ref, rtol=1e-13):
    (loss, dx), (lref, dxref) = ours, ref
    assert np.shape(loss) == np.shape(lref)
    assert dx.shape == dxref.shape
    np.testing.assert_allclose(loss, lref, rtol=rtol, atol=1e-15)
    np.testing.assert_allclose(dx, dxref, rtol=rtol, atol=1e-15 * max(1.0, np.abs(dxref).max()))


def _dloss(rng, reduction, shape):
    return rng.normal(size=shape) if reduction == "none" else np.array(rng.normal())


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_mse(reduction: str) -> None:
    rng = np.random.default_rng(1)
    x, t = rng.normal(size=(4, 3)), rng.normal(size=(4, 3))
    d = _dloss(rng, reduction, (4, 3))
    ours = _run(nn.MSELoss(reduction=reduction), x, t, d)
    _check(ours, _ref(lambda xt: F.mse_loss(xt, torch.tensor(t), reduction=reduction), x, d))


@pytest.mark.parametrize("reduction,weighted", list(itertools.product(REDUCTIONS, [False, True])))
def test_bce(reduction: str, weighted: bool) -> None:
    rng = np.random.default_rng(2)
    x = rng.uniform(0.01, 0.99, size=(5, 3))
    t = rng.uniform(size=(5, 3))
    t[0] = [0.0, 1.0, 1.0]
    x[0] = [0.0, 1.0, 1e-300]  # clamped logs (-100) and the 1e-12 floor in the gradient
    t[1, 0], x[1, 0] = 1.0, 0.0
    w = rng.uniform(0.5, 2.0, size=3) if weighted else None
    d = _dloss(rng, reduction, (5, 3))
    ours = _run(nn.BCELoss(weight=w, reduction=reduction), x, t, d)
    wt = None if w is None else torch.tensor(w)
    _check(ours, _ref(lambda xt: F.binary_cross_entropy(xt, torch.tensor(t), weight=wt, reduction=reduction), x, d))


@pytest.mark.parametrize("reduction,weighted,pos", list(itertools.product(REDUCTIONS, [False, True], [False, True])))
def test_bce_with_logits(reduction: str, weighted: bool, pos: bool) -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(scale=5.0, size=(6, 4))
    x[0] = [-50.0, 50.0, -800.0, 800.0]
    t = rng.uniform(size=(6, 4))
    t[2] = [0.0, 1.0, 0.0, 1.0]
    w = rng.uniform(0.5, 2.0, size=(6, 1)) if weighted else None
    pw = rng.uniform(0.5, 3.0, size=4) if pos else None
    d = _dloss(rng, reduction, (6, 4))
    crit = nn.BCEWithLogitsLoss(weight=w, pos_weight=pw, reduction=reduction)
    ours = _run(crit, x, t, d)
    kw = dict(weight=None if w is None else torch.tensor(w), pos_weight=None if pw is None else torch.tensor(pw))
    _check(ours, _ref(lambda xt: F.binary_cross_entropy_with_logits(xt, torch.tensor(t), reduction=reduction, **kw), x, d))


def test_bce_with_logits_infinite_logits_exact() -> None:
    x = np.array([np.inf, -np.inf, np.inf, -np.inf, np.inf])
    t = np.array([1.0, 0.0, 1.0, 0.0, 0.0])
    pw = np.array([2.0, 2.0, 1.0, 1.0, 1.0])
    crit = nn.BCEWithLogitsLoss(reduction="none", pos_weight=pw)
    with np.errstate(all="raise"):
        loss = crit.forward(x, t)
        dx = crit.backward()
    np.testing.assert_array_equal(loss[:4], 0.0)
    assert not np.signbit(loss[:4]).any()
    assert loss[4] == np.inf  # +inf logit, target 0: the true loss is infinite
    np.testing.assert_array_equal(dx, [0.0, 0.0, 0.0, 0.0, 1.0])
    # mean over matching targets only: finite and exactly 0, gradient 0
    m = nn.BCEWithLogitsLoss(weight=np.full(4, 3.0))
    with np.errstate(all="raise"):
        assert float(m.forward(x[:4], t[:4])) == 0.0
        np.testing.assert_array_equal(m.backward(), np.zeros(4))
    # torch returns NaN here (pytorch#49844); ours agrees with torch at huge finite logits
    big = np.array([1e300, -1e300])
    lt = F.binary_cross_entropy_with_logits(torch.tensor(big), torch.tensor(np.array([1.0, 0.0])), reduction="none")
    np.testing.assert_array_equal(nn.BCEWithLogitsLoss(reduction="none").forward(big, np.array([1.0, 0.0])), lt.numpy())


def _ce_case(rng, shape, ignore_index, frac_ignored=0.3):
    C = shape[1] if len(shape) > 1 else shape[0]
    tshape = (shape[:1] + shape[2:]) if len(shape) > 1 else ()
    x = rng.normal(scale=3.0, size=shape)
    t = rng.integers(0, C, size=tshape)
    if tshape:
        ign = rng.uniform(size=tshape) < frac_ignored
        t = np.where(ign, ignore_index, t)
        t.flat[0] = 0 if ignore_index != 0 else 1  # at least one kept target
    elif t == ignore_index:  # unbatched: keep the single target (all-ignored is tested apart)
        t = np.array(0)
    return x, np.asarray(t), C


CE_GRID = list(itertools.product(
    [(7, 5), (3, 4, 2, 3), (5,)],  # (N,C), (N,C,d1,d2), unbatched (C,)
    REDUCTIONS, [False, True], [-100, 2], [0.0, 0.15]))


@pytest.mark.parametrize("shape,reduction,weighted,ignore_index,smoothing", CE_GRID)
def test_cross_entropy_class_indices(shape, reduction, weighted, ignore_index, smoothing) -> None:
    rng = np.random.default_rng(zlib.crc32(repr((shape, reduction, weighted, ignore_index, smoothing)).encode()))
    x, t, C = _ce_case(rng, shape, ignore_index)
    w = rng.uniform(0.2, 2.0, size=C) if weighted else None
    crit = nn.CrossEntropyLoss(weight=w, ignore_index=ignore_index, reduction=reduction, label_smoothing=smoothing)
    lshape = t.shape if reduction == "none" else ()
    d = _dloss(rng, reduction, lshape)
    ours = _run(crit, x, t, d)
    wt = None if w is None else torch.tensor(w)
    ref = _ref(lambda xt: F.cross_entropy(xt, torch.tensor(t), weight=wt, ignore_index=ignore_index,
                                          reduction=reduction, label_smoothing=smoothing), x, d)
    _check(ours, ref)
    if reduction != "none":
        assert nn.gradcheck(crit, [x, t], atol=1e-8, rtol=1e-6).ok


@pytest.mark.parametrize("shape,reduction,weighted,smoothing",
                         list(itertools.product([(6, 4), (2, 3, 5), (4,)], REDUCTIONS, [False, True], [0.0, 0.2])))
def test_cross_entropy_probability_targets(shape, reduction, weighted, smoothing) -> None:
    rng = np.random.default_rng(len(shape) * 100 + weighted * 10 + int(smoothing * 10))
    x = rng.normal(scale=3.0, size=shape)
    t = rng.dirichlet(np.ones(shape[1] if len(shape) > 1 else shape[0]), size=None if len(shape) == 1 else
                      (shape[0],) + shape[2:])
    if len(shape) == 3:
        t = np.moveaxis(t, -1, 1)
    t = np.ascontiguousarray(t)
    C = shape[1] if len(shape) > 1 else shape[0]
    w = rng.uniform(0.2, 2.0, size=C) if weighted else None
    crit = nn.CrossEntropyLoss(weight=w, reduction=reduction, label_smoothing=smoothing)
    lshape = t.shape[:1] + t.shape[2:] if (reduction == "none" and len(shape) > 1) else ()
    d = _dloss(rng, reduction, lshape)
    ours = _run(crit, x, t, d)
    wt = None if w is None else torch.tensor(w)
    _check(ours, _ref(lambda xt: F.cross_entropy(xt, torch.tensor(t), weight=wt, reduction=reduction,
                                                 label_smoothing=smoothing), x, d))


@pytest.mark.parametrize("shape,reduction,weighted", list(itertools.product([(7, 5), (3, 4, 6), (5,)], REDUCTIONS, [False, True])))
def test_nll(shape, reduction, weighted) -> None:
    rng = np.random.default_rng(len(shape) + 10 * weighted)
    x, t, C = _ce_case(rng, shape, -100)
    logp = np.log(np.exp(x) / np.exp(x).sum(axis=1 if len(shape) > 1 else 0, keepdims=True))
    w = rng.uniform(0.2, 2.0, size=C) if weighted else None
    crit = nn.NLLLoss(weight=w, reduction=reduction)
    d = _dloss(rng, reduction, t.shape if reduction == "none" else ())
    ours = _run(crit, logp, t, d)
    wt = None if w is None else torch.tensor(w)
    _check(ours, _ref(lambda xt: F.nll_loss(xt, torch.tensor(t), weight=wt, reduction=reduction), logp, d))


def test_cross_entropy_extreme_logits_and_all_ignored() -> None:
    x = np.array([[1000.0, -1000.0, 0.0], [-np.inf, 0.0, 1.0]])
    t = np.array([0, 2])
    crit = nn.CrossEntropyLoss(reduction="none")
    with np.errstate(all="raise"):
        loss = crit.forward(x, t)
        dx = crit.backward()
    ref = _ref(lambda xt: F.cross_entropy(xt, torch.tensor(t), reduction="none"), x, np.ones(2))
    _check((loss, dx), ref)
    # every target ignored: torch gives NaN for "mean"; we give 0 loss and 0 gradient
    allign = nn.CrossEntropyLoss()
    assert float(allign.forward(np.zeros((2, 3)), np.array([-100, -100]))) == 0.0
    np.testing.assert_array_equal(allign.backward(), np.zeros((2, 3)))


def test_loss_gradcheck_and_backward_scaling() -> None:
    rng = np.random.default_rng(4)
    x = rng.normal(size=(4, 3))
    t01 = rng.uniform(size=(4, 3))
    for crit, inp in [
        (nn.MSELoss(), [x, rng.normal(size=(4, 3))]),
        (nn.BCELoss(weight=np.array([1.0, 2.0, 0.5])), [rng.uniform(0.05, 0.95, size=(4, 3)), t01]),
        (nn.BCEWithLogitsLoss(pos_weight=np.array([2.0, 1.0, 0.5])), [x, t01]),
        (nn.NLLLoss(reduction="sum"), [x, np.array([0, 2, 1, 1])]),
    ]:
        rep = nn.gradcheck(crit, inp, atol=1e-8, rtol=1e-6)
        assert rep.ok and list(rep.errors) == ["input0"], str(rep)
    crit = nn.MSELoss()
    crit.forward(x, np.zeros_like(x))
    np.testing.assert_allclose(crit.backward(3.0), 3.0 * crit.backward(), rtol=1e-15)
    with pytest.raises(ValueError, match="dloss must be a scalar"):
        crit.backward(np.ones(2))


def test_float32_input_gives_float32_loss() -> None:
    crit = nn.CrossEntropyLoss()
    loss = crit.forward(np.ones((2, 3), dtype=np.float32), np.array([0, 1]))
    assert loss.dtype == np.float32 and loss.shape == ()
    assert crit.backward().dtype == np.float32


# ------------------------------------------------------------------ bad targets
BAD = [
    (nn.CrossEntropyLoss(), np.zeros((3, 4)), np.array([0, 4, 1]),
     r"CrossEntropyLoss: target class 4 at position \(1,\) is out of range \[0, 4\)"),
    (nn.CrossEntropyLoss(), np.zeros((2, 4, 3)), np.array([[0, 1, 2], [3, -1, 0]]),
     r"target class -1 at position \(1, 1\) is out of range \[0, 4\) \(ignore_index=-100\)"),
    (nn.NLLLoss(), np.zeros((3, 4)), np.array([0, 1]),
     r"NLLLoss: class-index target shape \(2,\) does not match the input's \(3,\)"),
    (nn.CrossEntropyLoss(), np.zeros((3, 4)), np.array([0.0, np.nan, 1.0]),
     r"CrossEntropyLoss: target is NaN at position \(1,\)"),
    (nn.CrossEntropyLoss(), np.zeros((3, 4)), np.array([0.0, 1.5, 1.0]),
     r"target 1.5 at position \(1,\) is not a class index"),
    (nn.CrossEntropyLoss(), np.zeros((2, 3)), np.array([[0.2, 0.8, 0.0], [0.5, 1.5, 0.0]]),
     r"target 1.5 at position \(1, 1\) is outside \[0, 1\]"),
    (nn.BCELoss(), np.full((2, 2), 0.5), np.array([[0.0, 1.0], [1.2, 0.0]]),
     r"BCELoss: target 1.2 at position \(1, 0\) is outside \[0, 1\]"),
    (nn.BCELoss(), np.array([0.5, 1.5]), np.array([0.0, 1.0]),
     r"BCELoss: input 1.5 at position \(1,\) is not a probability in \[0, 1\]"),
    (nn.BCEWithLogitsLoss(), np.zeros((2, 2)), np.array([[0.0, np.nan], [1.0, 0.0]]),
     r"BCEWithLogitsLoss: target is NaN at position \(0, 1\)"),
    (nn.BCEWithLogitsLoss(), np.zeros((2, 2)), np.zeros((2, 3)),
     r"target shape \(2, 3\) does not match input shape \(2, 2\)"),
    (nn.MSELoss(), np.zeros(3), np.array([0.0, 0.0, np.nan]), r"MSELoss: target is NaN at position \(2,\)"),
    (nn.MSELoss(), np.zeros(3), np.zeros(4), r"MSELoss: target shape \(4,\) does not match input shape \(3,\)"),
    (nn.CrossEntropyLoss(weight=np.ones(3)), np.zeros((2, 4)), np.array([0, 1]),
     r"weight of shape \(3,\) does not broadcast|weight has shape \(3,\), expected \(4,\)"),
    (nn.BCEWithLogitsLoss(pos_weight=np.ones(3)), np.zeros((2, 4)), np.zeros((2, 4)),
     r"pos_weight of shape \(3,\) does not broadcast to the input shape \(2, 4\)"),
]


@pytest.mark.parametrize("crit,x,t,msg", BAD)
def test_bad_targets_raise_value_error_with_position(crit, x, t, msg) -> None:
    with pytest.raises(ValueError, match=msg):
        crit.forward(x, t)


def test_bad_construction() -> None:
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="avg")
    with pytest.raises(ValueError, match=r"label_smoothing must be in \[0, 1\]"):
        nn.CrossEntropyLoss(label_smoothing=1.5)
    with pytest.raises(TypeError, match="expected integer class indices"):
        nn.NLLLoss().forward(np.zeros((2, 3)), np.array([True, False]))
    with pytest.raises(RuntimeError, match="before forward"):
        nn.MSELoss().backward()


@pytest.mark.parametrize("make, target", [
    (lambda: nn.BCEWithLogitsLoss(), lambda rng: (rng.random((3, 40)) > 0.5).astype(float)),
    (lambda: nn.BCEWithLogitsLoss(pos_weight=[2.0, 1.0, 0.5]), lambda rng: rng.random((40, 3)).round()),
    (lambda: nn.CrossEntropyLoss(), lambda rng: rng.integers(0, 3, 40)),
    (lambda: nn.CrossEntropyLoss(label_smoothing=0.1), lambda rng: rng.integers(0, 3, 40)),
    (lambda: nn.MSELoss(), lambda rng: rng.standard_normal((40, 3))),
])
def test_private_value_and_grad_matches_forward_backward(make, target):
    # the estimators' fast path (target validated once) gives the public path's numbers
    rng = np.random.default_rng(7)
    t = target(rng)
    x = rng.standard_normal(t.shape if t.ndim == 2 and t.dtype.kind == "f" else (40, 3)) * 4
    crit = make()
    crit._prepare(t, x.shape)
    for scale in (1.0, 2.5):
        loss, g = crit._value_and_grad(x, scale)
        ref = make()
        want = float(ref.forward(x, t)) * scale
        np.testing.assert_allclose(loss, want, rtol=1e-14)
        np.testing.assert_allclose(g, ref.backward(scale), rtol=1e-13, atol=1e-17)


def test_private_prepare_still_validates_the_target():
    with pytest.raises(ValueError, match="outside"):
        nn.BCEWithLogitsLoss()._prepare(np.array([[0.0, 2.0]]), (1, 2))
    with pytest.raises(ValueError, match="out of range"):
        nn.CrossEntropyLoss()._prepare(np.array([0, 5]), (2, 3))


# ------------------------------------------------------------------ class weights <= 0
NEG_W = np.array([1.0, -2.0, 1.0, 0.5])
NEG_GRID = list(itertools.product(["ce", "nll"], REDUCTIONS, [-100, 3], [0.0, 0.2]))


@pytest.mark.parametrize("kind,reduction,ignore_index,smoothing", NEG_GRID)
def test_negative_class_weights_match_torch(kind, reduction, ignore_index, smoothing) -> None:
    # the selected weights sum to 1 - 2 - 2 + 0.5 = -2.5 (< 0): torch divides by it, so do we
    if kind == "nll" and smoothing:
        pytest.skip("NLLLoss has no label_smoothing")
    rng = np.random.default_rng(11)
    x = rng.normal(scale=2.0, size=(5, 4))
    t = np.array([0, 1, 1, 3, ignore_index if ignore_index == -100 else 0])
    wt, d = torch.tensor(NEG_W), _dloss(rng, reduction, (5,))
    if kind == "ce":
        crit = nn.CrossEntropyLoss(weight=NEG_W, ignore_index=ignore_index, reduction=reduction,
                                   label_smoothing=smoothing)
        ref = _ref(lambda xt: F.cross_entropy(xt, torch.tensor(t), weight=wt, ignore_index=ignore_index,
                                              reduction=reduction, label_smoothing=smoothing), x, d)
    else:
        crit = nn.NLLLoss(weight=NEG_W, ignore_index=ignore_index, reduction=reduction)
        ref = _ref(lambda xt: F.nll_loss(xt, torch.tensor(t), weight=wt, ignore_index=ignore_index,
                                         reduction=reduction), x, d)
    ours = _run(crit, x, t, d)
    _check(ours, ref)
    assert np.abs(ours[1]).max() > 0.1  # a real gradient, not the zeros the mean used to give


def test_issue_example_weight_1_m2_1_is_torchs_value() -> None:
    x, t = np.array([[0.3, 1.2, -0.4], [2.0, 0.1, 0.5], [-1.0, 0.0, 1.5]]), np.array([1, 1, 0])
    crit = nn.CrossEntropyLoss(weight=[1.0, -2.0, 1.0])
    ours = _run(crit, x, t, np.array(1.0))
    ref = _ref(lambda xt: F.cross_entropy(xt, torch.tensor(t), weight=torch.tensor(np.array([1.0, -2.0, 1.0]))), x,
               np.array(1.0))
    assert float(ref[0]) > 0.5  # a real loss, not the 0.0 the mean used to give
    _check(ours, ref)


@pytest.mark.parametrize("make", [
    lambda: nn.CrossEntropyLoss(weight=[1.0, -2.0, 1.0]),
    lambda: nn.CrossEntropyLoss(weight=[1.0, -2.0, 1.0], label_smoothing=0.1),
    lambda: nn.NLLLoss(weight=[0.0, 0.0, 1.0], ignore_index=2),
])
def test_selected_weights_summing_to_zero_refuse_the_mean(make) -> None:
    # torch: nan or +-inf for "mean" (0/0 or x/0); we refuse by name; "sum"/"none" match torch
    x, t = np.log(np.array([[0.2, 0.3, 0.5], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]])), np.array([0, 1, 2])
    with pytest.raises(ValueError, match=r"class weights of the (3|2) non-ignored targets sum to 0.*'mean'"):
        make().forward(x, t)
    for reduction in ("sum", "none"):
        crit = make()
        crit.reduction = reduction
        w, ls = torch.tensor(crit.weight), getattr(crit, "label_smoothing", 0.0)
        fn = (F.cross_entropy if isinstance(crit, nn.CrossEntropyLoss) else F.nll_loss)
        kw = {"label_smoothing": ls} if ls else {}
        d = np.ones(3) if reduction == "none" else np.array(1.0)
        ref = _ref(lambda xt: fn(xt, torch.tensor(t), weight=w, ignore_index=crit.ignore_index,
                                 reduction=reduction, **kw), x, d)
        _check(_run(crit, x, t, d), ref)


# ------------------------------------------------------------------ labels of any integer dtype
@pytest.mark.parametrize("t, shown", [
    (np.array([0, 2**63], dtype=np.uint64), "9223372036854775808"),
    (np.array([0, 2**64 - 1], dtype=np.uint64), "18446744073709551615"),
    (np.array([0, 200], dtype=np.uint8), "200"),
    (np.array([0, -128], dtype=np.int8), "-128"),
    (np.array([0.0, 1e30]), "1e+30"),
    (np.array([0.0, -np.inf]), "-inf"),
])
def test_out_of_range_labels_are_reported_as_given(t, shown) -> None:
    for crit in (nn.CrossEntropyLoss(), nn.NLLLoss()):
        with pytest.raises(ValueError, match=rf"target class {re.escape(shown)} at position \(1,\) is out of range"):
            crit.forward(np.zeros((2, 3)), t)


def test_labels_of_every_integer_dtype_give_the_same_loss() -> None:
    x = np.random.default_rng(3).normal(size=(4, 3))
    want = float(nn.CrossEntropyLoss().forward(x, np.array([0, 2, 1, 2])))
    for dt in (np.int8, np.uint8, np.int16, np.uint16, np.int32, np.uint32, np.int64, np.uint64):
        assert float(nn.CrossEntropyLoss().forward(x, np.array([0, 2, 1, 2], dtype=dt))) == want
    assert float(nn.CrossEntropyLoss(ignore_index=255).forward(x, np.array([0, 255, 1, 2], dtype=np.uint8))) == \
        float(nn.CrossEntropyLoss().forward(x, np.array([0, -100, 1, 2])))


# ------------------------------------------------------------------ losses beyond the float range
BIG = 1e308
HUGE_CASES = {
    "ce": (lambda r: nn.CrossEntropyLoss(reduction=r), lambda r: lambda a, b: F.cross_entropy(a, b, reduction=r),
           np.array([[BIG, -BIG, 0.0], [BIG, BIG, BIG], [-BIG, BIG, 5.0]]), np.array([1, 0, 2])),
    "ce-prob": (lambda r: nn.CrossEntropyLoss(reduction=r), lambda r: lambda a, b: F.cross_entropy(a, b, reduction=r),
                np.array([[BIG, -BIG, 0.0], [BIG, BIG, BIG]]), np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])),
    "bce-logits": (lambda r: nn.BCEWithLogitsLoss(reduction=r),
                   lambda r: lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction=r),
                   np.array([BIG, -BIG, BIG, -BIG, BIG]), np.array([0.0, 1.0, 0.5, 0.5, 1.0])),
    "bce-logits-pos": (lambda r: nn.BCEWithLogitsLoss(reduction=r, pos_weight=[2.0]),
                       lambda r: lambda a, b: F.binary_cross_entropy_with_logits(
                           a, b, reduction=r, pos_weight=torch.tensor(np.array([2.0]))),
                       np.array([[BIG], [-BIG], [BIG], [-BIG]]), np.array([[0.0], [1.0], [0.5], [0.5]])),
    "mse": (lambda r: nn.MSELoss(reduction=r), lambda r: lambda a, b: F.mse_loss(a, b, reduction=r),
            np.array([1e200, -1e200, 1e200, 1e154]), np.array([0.0, 0.0, -1e200, 0.0])),
}


@pytest.mark.parametrize("case,reduction", list(itertools.product(HUGE_CASES, REDUCTIONS)))
def test_losses_beyond_the_float_range_are_torchs_inf_without_a_warning(case, reduction) -> None:
    make, ref_fn, x, t = HUGE_CASES[case]
    d = np.ones(x.shape[:1] if case.startswith("ce") else x.shape) if reduction == "none" else np.array(1.0)
    with np.errstate(all="raise", under="ignore"):
        ours = _run(make(reduction), x, t, d)
    ref = _ref(lambda xt: ref_fn(reduction)(xt, torch.tensor(t)), x, d)
    assert reduction == "none" or np.isinf(ref[0])  # the true sum overflows
    _check(ours, ref)


def test_mse_beyond_float32_range_and_gradient_of_a_small_dloss() -> None:
    with np.errstate(all="raise", under="ignore"):
        crit = nn.MSELoss(reduction="none")
        loss = crit.forward(np.array([1e30, -3.0], dtype=np.float32), np.zeros(2))
        dx = crit.backward()
        assert loss.dtype == np.float32 and dx.dtype == np.float32
        np.testing.assert_array_equal(loss, np.array([np.inf, 9.0], dtype=np.float32))  # torch float32 too
        np.testing.assert_array_equal(dx, np.array([2e30, -6.0], dtype=np.float32))
        crit = nn.MSELoss(reduction="sum")
        crit.forward(np.array([BIG, -BIG]), np.zeros(2))
        # the true 2 * diff * dloss (torch overflows 2 * diff first and gives +-inf)
        np.testing.assert_array_equal(crit.backward(1e-300), np.array([2e8, -2e8]))
