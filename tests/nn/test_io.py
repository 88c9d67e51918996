"""save/load: round trip with optimizer state; mismatched and tampered files refused, module unchanged."""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import numpy as np
import pytest

from actlab import nn


def _net(seed: int) -> nn.Sequential:
    rng = np.random.default_rng(seed)
    return nn.Sequential(nn.Linear(3, 5, rng=rng), nn.Tanh(), nn.Linear(5, 2, rng=rng))


def _train(net, opt, steps: int = 3) -> None:
    rng = np.random.default_rng(9)
    x, t = rng.normal(size=(8, 3)), rng.normal(size=(8, 2))
    crit = nn.MSELoss()
    for _ in range(steps):
        opt.zero_grad()
        crit.forward(net.forward(x), t)
        net.backward(crit.backward())
        opt.step()


def _assert_same(a, b) -> None:
    assert list(a.params) == list(b.params)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])


def test_roundtrip_with_optimizer(tmp_path) -> None:
    net = _net(0)
    opt = nn.optim.Adam(net, lr=0.01, amsgrad=True)
    _train(net, opt)
    path = tmp_path / "ckpt"  # no .npz suffix: written exactly there
    nn.save(path, net, opt)
    assert path.exists()
    with np.load(path, allow_pickle=False) as z:  # plain arrays, no pickles
        assert "param/0.weight" in z.files
    net2 = _net(1)
    opt2 = nn.optim.Adam(net2, lr=0.5)
    ref_w = net2.params["0.weight"]
    nn.load(path, net2, opt2)
    _assert_same(net, net2)
    assert net2.params["0.weight"] is ref_w  # in place: optimizers' references stay valid
    assert opt2.lr == 0.01 and opt2.amsgrad is True
    _train(net, opt)
    _train(net2, opt2)
    _assert_same(net, net2)  # resumed training is identical


def _tamper(src, dst, fn) -> None:
    with np.load(src, allow_pickle=False) as z:
        entries = {k: z[k] for k in z.files}
    fn(entries)
    with open(dst, "wb") as f:
        np.savez(f, **entries)


def _refused(path, module, match, optimizer=None, exc=ValueError) -> None:
    before = module.state_dict()
    with pytest.raises(exc, match=match):
        nn.load(path, module, optimizer)
    for k, v in before.items():
        np.testing.assert_array_equal(module.params[k], v)


def test_mismatched_and_tampered_files_are_refused(tmp_path) -> None:
    net = _net(0)
    good = tmp_path / "good.npz"
    nn.save(good, net, nn.optim.SGD(net, lr=0.1, momentum=0.9))
    target = _net(1)

    # a value changed without updating the checksum
    p = tmp_path / "edited.npz"
    _tamper(good, p, lambda e: e["param/0.weight"].__setitem__((0, 0), 42.0))
    _refused(p, target, "failed its checksum")
    # truncated / corrupted bytes
    raw = good.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(raw[: len(raw) // 2])
    _refused(tmp_path / "trunc.npz", target, "is not a readable actlab checkpoint")
    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    _refused(tmp_path / "junk.npz", target, "is not a readable actlab checkpoint")
    # an object array (would need pickle)
    with open(tmp_path / "pickle.npz", "wb") as f:
        np.savez(f, __format__=np.array("actlab-nn-checkpoint-v1"), x=np.array([{"a": 1}], dtype=object))
    _refused(tmp_path / "pickle.npz", target, "is not a readable actlab checkpoint")
    # a plain npz without marker
    with open(tmp_path / "plain.npz", "wb") as f:
        np.savez(f, w=np.ones(3))
    _refused(tmp_path / "plain.npz", target, r"entry '__format__' missing")
    # other architecture: shape, names, class
    wide = nn.Sequential(nn.Linear(3, 6, rng=np.random.default_rng(0)), nn.Tanh(), nn.Linear(6, 2))
    _refused(good, wide, r"parameter '0.weight' has shape \(5, 3\) in the file, \(6, 3\) in the module")
    deeper = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2), nn.Linear(2, 2))
    _refused(good, deeper, r"missing \['3.bias', '3.weight'\], unexpected \[\]")
    _refused(good, nn.Linear(3, 5), "was saved from a Sequential, not a Linear")
    f32 = nn.Sequential(nn.Linear(3, 5, dtype=np.float32), nn.Tanh(), nn.Linear(5, 2, dtype=np.float32))
    _refused(good, f32, "has dtype float64 in the file, float32 in the module")
    # optimizer mismatch leaves module and optimizer unchanged
    adam = nn.optim.Adam(target, lr=0.3)
    _refused(good, target, "state is for 'SGD', not Adam", optimizer=adam)
    assert adam.lr == 0.3 and adam.state == {}
    only_params = tmp_path / "params.npz"
    nn.save(only_params, net)
    _refused(only_params, target, "holds no optimizer state", optimizer=nn.optim.SGD(target, lr=0.1))
    _refused(tmp_path / "missing.npz", target, "missing.npz", exc=FileNotFoundError)
    # still loads the good file afterwards
    nn.load(good, target)
    _assert_same(net, target)
    assert zipfile.is_zipfile(good)


def _crafted(path, entries: dict, headers: dict) -> None:
    """An npz of real ``entries`` plus members that are nothing but a ``.npy`` header
    declaring ``headers[key] = (shape, dtype)`` -- a few hundred bytes in all."""
    with zipfile.ZipFile(path, "w") as zf:
        for key, value in entries.items():
            buf = io.BytesIO()
            np.lib.format.write_array(buf, np.asanyarray(value), allow_pickle=False)
            zf.writestr(key + ".npy", buf.getvalue())
        for key, (shape, dtype) in headers.items():
            buf = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                buf, {"descr": dtype, "fortran_order": False, "shape": shape})
            zf.writestr(key + ".npy", buf.getvalue())


_META = {"__format__": np.array("actlab-nn-checkpoint-v1"), "__module__": np.array("Linear"),
         "__checksum__": np.array("0" * 64), "param/weight": np.zeros((2, 3)), "param/bias": np.zeros(2)}


@pytest.mark.parametrize("headers, match", [
    ({"param/weight": ((2**33,), "<f8")},
     r"parameter 'weight' has shape \(8589934592,\) in the file, \(2, 3\) in the module"),
    ({"param/bias": ((2**31, 2**31), "<f8")},
     r"parameter 'bias' has shape \(2147483648, 2147483648\) in the file, \(2,\) in the module"),
    ({"optim/state/weight/m": ((2**33,), "<f8")},
     r"entry 'optim/state/weight/m' declares float64 of shape \(8589934592,\); expected numbers of shape \(\) or \(2, 3\)"),
    ({"optim/hyper/lr": ((2**33,), "<f8")},
     r"entry 'optim/hyper/lr' declares float64 of shape \(8589934592,\); expected at most 16 numbers"),
    ({"junk": ((2**33,), "<f8")},
     r"has an unexpected entry 'junk' \(8589934592,\)"),
    ({"optim/type": ((), "<U100000000")},
     r"entry 'optim/type' missing or malformed"),
])
def test_declared_shapes_are_checked_before_any_data_is_read(tmp_path, headers, match) -> None:
    # a crafted file of a few hundred bytes declaring 64 GiB: refused from its headers,
    # without allocating (load used to read every entry first, ending in MemoryError)
    path = tmp_path / "crafted.npz"
    _crafted(path, {k: v for k, v in _META.items() if k not in headers}, headers)  # the rest real
    assert path.stat().st_size < 2000
    target = nn.Linear(3, 2, rng=np.random.default_rng(0))
    tracemalloc.start()
    try:
        _refused(path, target, match)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**20


def test_huge_marker_entry_and_missing_data_are_refused(tmp_path) -> None:
    target = nn.Linear(3, 2, rng=np.random.default_rng(0))
    path = tmp_path / "marker.npz"
    _crafted(path, {k: v for k, v in _META.items() if k != "__module__"}, {"__module__": ((), "<U100000000")})
    _refused(path, target, r"entry '__module__' missing or malformed")
    # a header that fits the module but no data behind it
    _crafted(path, {k: v for k, v in _META.items() if k != "param/bias"}, {"param/bias": ((2,), "<f8")})
    _refused(path, target, r"is not a readable actlab checkpoint \(.*array data")
