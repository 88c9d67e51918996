"""The lab's server: every request validated, sessions per tab, nothing outside static/ served."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest

pytest.importorskip("starlette")
from starlette.testclient import TestClient  # noqa: E402

import actlab as al  # noqa: E402
from actlab.lab import schema, server  # noqa: E402


@pytest.fixture(scope="module")
def client():
    with TestClient(server.app) as c:
        yield c


def test_meta_offers_every_elementwise_activation_with_its_parameters(client):
    m = client.get("/api/meta").json()
    names = [a["name"] for a in m["activations"]]
    assert names == schema.lab_activations() and "softmax" not in names and "gelu" in names
    by = {a["name"]: a for a in m["activations"]}
    assert by["logit"]["playground"] is False and "(0, 1)" in by["logit"]["excluded_because"]
    assert [p["name"] for p in by["leaky_relu"]["params"]] == ["negative_slope"]
    assert by["gelu"]["params"][0]["choices"] == ["none", "tanh"]
    assert by["sigmoid"]["formula"] == "σ(x) = 1/(1+e^(-x))" and by["relu"]["range"] == "[0, inf)"
    assert m["palette"]["activations"]["relu"]["color"] == "#2ca02c"
    assert schema.Config(**m["defaults"]) == schema.Config()


def test_inspect_returns_actlabs_own_values_and_the_textbook_tail(client):
    r = client.post("/api/inspect", json={"activation": "sigmoid", "xmin": -5, "xmax": 5, "n": 11}).json()
    x = np.linspace(-5, 5, 11)
    assert r["f"] == al.sigmoid(x).tolist() and r["grad"] == al.sigmoid.grad(x).tolist()
    assert r["grad2"] == al.sigmoid.grad2(x).tolist()
    tail = r["tail"]
    far = np.array(tail["x"]) > 40
    assert all(v == 0.0 for v, f in zip(tail["textbook"], far) if f)  # the textbook formula lost it
    assert all(v > 1e-27 for v, f in zip(tail["actlab"], far) if f)  # actlab did not
    assert tail["formula"] == "σ(x)(1 − σ(x))"
    r = client.post("/api/inspect", json={"activation": "leaky_relu", "params": {"negative_slope": 0.2},
                                          "xmin": -1, "xmax": 1, "n": 3}).json()
    assert r["f"] == [-0.2, 0.0, 1.0] and "textbook" not in r["tail"]


def test_value_prints_full_float64_precision(client):
    r = client.post("/api/value", json={"activation": "sigmoid", "x": 40}).json()
    assert r["grad"] == "4.248354255291589e-18" and float(r["grad"]) == al.sigmoid.grad(40.0)
    assert float(r["f"]) == 1.0 and float(r["grad2"]) == al.sigmoid.grad2(40.0)
    r = client.post("/api/value", json={"activation": "gelu", "params": {"approximate": "tanh"}, "x": 1.5}).json()
    assert float(r["f"]) == al.gelu(1.5, approximate="tanh")


@pytest.mark.parametrize("body,status,words", [
    ({"activation": "sigmoid", "x": 1, "extra": 2}, 422, "extra: Extra inputs are not permitted"),
    ({"activation": "sigmod", "x": 1}, 422, "unknown elementwise activation 'sigmod'"),
    ({"activation": "softmax", "x": 1}, 422, "unknown elementwise activation 'softmax'"),
    ({"activation": "leaky_relu", "params": {"negative_slope": 7.0}, "x": 1}, 422, "must be a number in [0.0, 1.0]"),
    ({"activation": "elu", "params": {"beta": 1.0}, "x": 1}, 422, "elu has no parameter 'beta'"),
    ({"activation": "sigmoid"}, 422, "x: Field required"),
    ({"activation": "sigmoid", "x": "1"}, 200, ""),
])
def test_value_requests_are_validated(client, body, status, words):
    r = client.post("/api/value", json=body)
    assert r.status_code == status, r.text
    if words:
        assert words in r.json()["error"]


def test_non_finite_numbers_bad_json_and_sizes_are_refused(client):
    r = client.post("/api/value", content=b'{"activation": "sigmoid", "x": NaN}')
    assert r.status_code == 422 and "finite" in r.json()["error"]
    r = client.post("/api/value", content=b'{"activation": "sigmoid", "x": Infinity}')
    assert r.status_code == 422
    r = client.post("/api/value", content=b"{not json")
    assert r.status_code == 400 and "not valid JSON" in r.json()["error"]
    r = client.post("/api/value", content=b"[1, 2]")
    assert r.status_code == 400 and "JSON object" in r.json()["error"]
    r = client.post("/api/inspect", json={"activation": "tanh", "n": 10**7})
    assert r.status_code == 422 and r.json()["error"].startswith("n: ")
    r = client.post("/api/inspect", json={"activation": "tanh", "xmin": 3, "xmax": 1})
    assert r.status_code == 422 and "xmin must be below xmax" in r.json()["error"]
    r = client.post("/api/inspect", content=b'{"activation": "' + b"a" * 200_000 + b'"}')
    assert r.status_code in (400, 422) and "100 kB" in r.json()["error"]


@pytest.mark.parametrize("path", ["/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fserver.py",
                                  "/static/%2E%2E%2Fsession.py", "/static//etc/passwd", "/static/nope.js",
                                  "/../../etc/passwd"])
def test_nothing_outside_the_static_folder_is_served(client, path):
    r = client.get(path)
    assert r.status_code == 404
    assert b"import" not in r.content and b"root:" not in r.content


def test_a_symlink_out_of_the_static_folder_is_not_followed(client, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("do not serve")
    link = server.STATIC / "link-under-test.txt"
    try:
        os.symlink(secret, link)
    except OSError:
        pytest.skip("cannot create a symlink here")
    try:
        r = client.get("/static/link-under-test.txt")
        assert r.status_code == 404 and b"do not serve" not in r.content
    finally:
        link.unlink()


def test_the_page_and_its_files_are_served_from_the_package(client):
    page = client.get("/")
    assert page.status_code == 200 and 'data-testid="lab-train"' in page.text
    for src in ("/static/app.js", "/static/charts.js", "/static/i18n.js", "/static/style.css"):
        r = client.get(src)
        assert r.status_code == 200 and len(r.content) > 500
    assert "http://" not in page.text and "https://" not in page.text  # no CDN


def _frame(ws, kind="frame"):
    while True:
        m = ws.receive_json()
        if m["type"] == kind or m["type"] == "error":
            return m


def test_each_tab_is_its_own_session_and_bad_messages_do_not_break_it(client):
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
        fa, fb = _frame(a), _frame(b)
        assert fa["steps"] == 0 and "points" in fa and len(fa["boundary"]["values"]) == 64 * 64
        assert server.active_tabs() == 2
        a.send_json({"type": "step", "count": 7})
        assert _frame(a)["steps"] == 7
        b.send_json({"type": "step", "count": 1})
        assert _frame(b)["steps"] == 1  # b did not see a's updates
        for bad in ({"type": "step", "count": 10**6}, {"type": "launch"}, {"type": "config", "config": {"width": 0}},
                    {"type": "config", "config": {"lr": None}}, {"type": "start", "now": True}):
            a.send_json(bad)
            assert _frame(a)["type"] == "error"
        a.send_text("{oops")
        assert "Expecting property name" in _frame(a)["message"]
        a.send_json({"type": "upload", "csv": "x1,x2,label\n1,2,a\n3,4,b\n5,oops,a\n7,8,b\n"})
        err = _frame(a)
        assert err["type"] == "error" and "row 3, column 2: 'oops' is not a number" in err["message"]
        a.send_json({"type": "step", "count": 1})
        assert _frame(a)["steps"] == 8  # the session is unchanged and still works
    deadline = time.time() + 5
    while server.active_tabs() and time.time() < deadline:
        time.sleep(0.05)
    assert server.active_tabs() == 0  # closed tabs leave nothing running


def test_training_streams_frames_and_pauses(client):
    with client.websocket_connect("/ws") as ws:
        first = _frame(ws)
        ws.send_json({"type": "start"})
        frames = [_frame(ws) for _ in range(3)]
        ws.send_json({"type": "pause"})
        steps = [f["steps"] for f in frames]
        assert steps == sorted(steps) and steps[-1] >= 3 * server.UPDATES_PER_FRAME
        assert frames[-1]["train_loss"] < first["train_loss"]


def test_upload_a_multiclass_csv(client):
    rng = np.random.default_rng(0)
    pts = rng.normal(size=(90, 2)) + np.repeat([[0, 4], [4, 0], [-4, -4]], 30, axis=0)
    text = "x1,x2,kind\n" + "".join(f"{a},{b},{['cat', 'dog', 'eel'][i // 30]}\n" for i, (a, b) in enumerate(pts))
    with client.websocket_connect("/ws") as ws:
        _frame(ws)
        ws.send_json({"type": "upload", "csv": text})
        cfg = _frame(ws, "config")
        assert cfg["config"]["dataset"] == "upload"
        f = _frame(ws)
        assert f["task"] == "multiclass" and f["output"] == "softmax" and f["points"]["classes"] == ["cat", "dog", "eel"]
        assert len(f["grad_norms"]) == 3


def test_a_diverging_run_reaches_the_page_as_null_not_nan(client):
    with client.websocket_connect("/ws") as ws:
        _frame(ws)
        cfg = dict(schema.Config().model_dump(), optimizer="sgd", lr=10.0, init="normal", init_std=10.0,
                   layers=[{"activation": "relu", "params": {}}] * 4, width=64)
        ws.send_json({"type": "config", "config": cfg})
        _frame(ws)
        ws.send_json({"type": "step", "count": 200})
        raw = ws.receive_text()
        assert "NaN" not in raw and "Infinity" not in raw
        json.loads(raw)


def test_two_training_tabs_both_advance(client):
    with client.websocket_connect("/ws") as a, client.websocket_connect("/ws") as b:
        _frame(a), _frame(b)
        a.send_json({"type": "start"})
        b.send_json({"type": "start"})
        last = {}
        for _ in range(4):
            for name, ws in (("a", a), ("b", b)):
                last[name] = _frame(ws)["steps"]
        a.send_json({"type": "pause"})
        b.send_json({"type": "pause"})
        assert last["a"] >= 2 * server.UPDATES_PER_FRAME and last["b"] >= 2 * server.UPDATES_PER_FRAME
