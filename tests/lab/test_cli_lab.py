"""``actlab lab``: one ready line, a free port on request, a clean Ctrl-C, one-line errors."""

from __future__ import annotations

import json
import socket
import urllib.request

import pytest

pytest.importorskip("uvicorn")

from conftest import start_lab, stop_lab  # noqa: E402

from actlab.cli import main  # noqa: E402


def test_lab_prints_its_address_serves_and_stops_on_ctrl_c():
    proc, url = start_lab()
    try:
        assert url.startswith("http://127.0.0.1:") and url.endswith("/") and not url.endswith(":0/")
        meta = json.loads(urllib.request.urlopen(url + "api/meta", timeout=10).read())
        assert "sigmoid" in [a["name"] for a in meta["activations"]]
        page = urllib.request.urlopen(url, timeout=10).read().decode()
        assert 'data-testid="lab-train"' in page
    finally:
        rc, err = stop_lab(proc)
    assert rc == 0 and "Traceback" not in err and "actlab lab: stopped" in err


def test_another_host_prints_a_warning():
    proc, url = start_lab("--host", "0.0.0.0")
    try:
        assert url.startswith("http://0.0.0.0:")
    finally:
        rc, err = stop_lab(proc)
    assert "warning: serving on 0.0.0.0" in err and rc == 0


def test_a_taken_port_is_one_line(capsys):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen(1)
        port = s.getsockname()[1]
        rc = main(["lab", "--port", str(port), "--no-browser"])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith(f"actlab lab: error: cannot listen on 127.0.0.1:{port}")
    assert len(err.strip().splitlines()) == 1
    assert main(["lab", "--port", "70000"]) == 2
    assert "--port must be 0..65535" in capsys.readouterr().err
