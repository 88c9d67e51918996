"""A real ``actlab lab`` process on a free port, shared by the tests that need one."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest


def start_lab(*args: str) -> tuple[subprocess.Popen, str]:
    """Start ``actlab lab --port 0 --no-browser ARGS``; returns the process and its URL."""
    exe = Path(sys.executable).with_name("actlab")
    cmd = [str(exe)] if exe.exists() else [sys.executable, "-m", "actlab.cli"]
    proc = subprocess.Popen(cmd + ["lab", "--port", "0", "--no-browser", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()
    if not line.startswith("actlab lab: http://"):
        proc.kill()
        raise AssertionError(f"no ready line: {line!r} {proc.stderr.read()}")
    return proc, line.split(": ", 1)[1].strip()


def stop_lab(proc: subprocess.Popen) -> tuple[int, str]:
    proc.send_signal(signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise
    return proc.returncode, err


@pytest.fixture(scope="session")
def lab_url():
    pytest.importorskip("uvicorn")
    proc, url = start_lab()
    yield url
    stop_lab(proc)
