"""Speed of ``actlab lab``: updates per second and frames per second while streaming, the
engine alone, and how soon the page is interactive -- and the README's lab figures.

Run:
    .venv/bin/python benchmarks/lab.py                    # print the figures (medians of --runs)
    .venv/bin/python benchmarks/lab.py --readme README.md --readme README.ko.md

The workload is the issue's: a 2-[8, 8]-1 tanh network (Adam, batch 32) on 500 points with the
64 x 64 decision-boundary grid.  A real ``actlab lab --port 0 --no-browser`` process serves; a
WebSocket client (the ``websockets`` package) starts training and counts frames and updates for
``--seconds``.  "Interactive" is the time from the server's ready line to the first frame drawn
in a headless Chromium (Playwright pointed at Debian's chromium; skipped without one).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import pathlib
import platform
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time

from actlab.lab.schema import Config
from actlab.lab.server import UPDATES_PER_FRAME as UPDATES
from actlab.lab.session import Session

START, END = "<!-- lab figures: benchmarks/lab.py --readme -->", "<!-- end of lab figures -->"
CONFIG = Config(points=500, layers=[{"activation": "tanh"}, {"activation": "tanh"}], width=8,
                optimizer="adam", batch_size=32).model_dump()


def _server() -> tuple[subprocess.Popen, str]:
    exe = pathlib.Path(sys.executable).with_name("actlab")
    proc = subprocess.Popen([str(exe), "lab", "--port", "0", "--no-browser"], stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True, env={**os.environ, "PYTHONUNBUFFERED": "1"})
    line = proc.stdout.readline()
    if not line.startswith("actlab lab: http://"):
        proc.kill()
        raise SystemExit(f"the lab did not start: {line!r}")
    return proc, line.split(": ", 1)[1].strip()


def _stop(proc: subprocess.Popen) -> None:
    proc.send_signal(signal.SIGINT)
    proc.wait(timeout=20)


def streaming(url: str, seconds: float) -> tuple[float, float]:
    """(updates/s, frames/s) of one tab training while the frames stream to it."""
    from websockets.sync.client import connect

    with connect(url.replace("http", "ws", 1) + "ws", max_size=None) as ws:
        ws.recv()
        ws.send(json.dumps({"type": "config", "config": CONFIG}))
        while json.loads(ws.recv())["type"] != "frame":
            pass
        ws.send(json.dumps({"type": "start"}))
        frames, t_end = [], None
        while True:
            m = json.loads(ws.recv())
            if m["type"] != "frame":
                continue
            frames.append((time.perf_counter(), m["steps"]))
            if t_end is None:
                t_end = frames[0][0] + seconds
            if frames[-1][0] >= t_end:
                break
        ws.send(json.dumps({"type": "pause"}))
    (t0, s0), (t1, s1) = frames[0], frames[-1]
    return (s1 - s0) / (t1 - t0), (len(frames) - 1) / (t1 - t0)


def engine(seconds: float = 2.0) -> float:
    """Updates/s of the session alone (no frames, no network)."""
    s = Session(Config(**CONFIG))
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        s.step(50)
        n += 50
    return n / (time.perf_counter() - t0)


def interactive() -> float | None:
    """Seconds from the ready line to the first frame drawn in the page (None: no browser)."""
    chromium = next((shutil.which(n) for n in ("chromium", "chromium-browser") if shutil.which(n)), None)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    if chromium is None:
        return None
    flags = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=chromium, headless=True, args=flags)
        page = b.new_page()
        proc, url = _server()
        t0 = time.perf_counter()
        try:
            page.goto(url)
            page.wait_for_function("document.querySelector('[data-testid=lab-train-loss]').textContent.length > 0")
            return time.perf_counter() - t0
        finally:
            _stop(proc)
            b.close()


def summary(fig: dict, lang: str = "en") -> str:
    day, cpus = datetime.date.today().isoformat(), os.cpu_count()
    ia = f"{fig['interactive']:.2f} s" if fig["interactive"] is not None else "not measured (no Chromium)"
    if lang == "ko":
        ia = f"{fig['interactive']:.2f}초" if fig["interactive"] is not None else "측정하지 않음(Chromium 없음)"
        return (f"{day}, {platform.machine()} 컴퓨터(CPU {cpus}개)에서 `benchmarks/lab.py`로 잰 중앙값입니다. 점 500개, "
                f"2-[8, 8]-1 신경망, 64×64 결정 경계를 초당 {fig['frames']:.1f}프레임으로 보내면서 초당 "
                f"{fig['updates']:,.0f}번 업데이트했습니다(보기 좋도록 서버가 프레임마다 {UPDATES}번으로 맞춤). 엔진만 "
                f"돌리면 초당 {fig['engine']:,.0f}번이고, 준비 메시지가 나온 뒤 페이지가 첫 프레임을 그리기까지 {ia}가 "
                "걸렸습니다.")
    return (f"Measured {day} on {platform.machine()} ({cpus} CPUs) by `benchmarks/lab.py` (medians): 500 points, a "
            f"2-[8, 8]-1 network and the 64 x 64 boundary streamed at {fig['frames']:.1f} frames/s with "
            f"{fig['updates']:,.0f} updates/s (the server paces {UPDATES} updates per frame so the training can be "
            f"watched); the engine alone does {fig['engine']:,.0f} updates/s; the first frame is drawn {ia} after "
            "the ready line.")


def write_readme(path: pathlib.Path, fig: dict) -> None:
    text = path.read_text(encoding="utf-8")
    lang = "ko" if path.name.endswith(".ko.md") else "en"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    if not pattern.search(text):
        raise SystemExit(f"{path}: no lab block ({START} ... {END}) to replace")
    path.write_text(pattern.sub(lambda _: f"{START}\n{summary(fig, lang)}\n{END}", text), encoding="utf-8")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=5.0)
    ap.add_argument("--readme", type=pathlib.Path, action="append", help="rewrite this file's lab block")
    args = ap.parse_args(argv)
    ups, fps, eng, ia = [], [], [], []
    for _ in range(args.runs):
        proc, url = _server()
        try:
            u, f = streaming(url, args.seconds)
        finally:
            _stop(proc)
        ups.append(u)
        fps.append(f)
        eng.append(engine())
        t = interactive()
        if t is not None:
            ia.append(t)
        print(f"run: {u:.0f} updates/s, {f:.1f} frames/s, engine {eng[-1]:.0f} updates/s, interactive {t}")
    fig = {"updates": statistics.median(ups), "frames": statistics.median(fps), "engine": statistics.median(eng),
           "interactive": statistics.median(ia) if ia else None}
    print(summary(fig))
    for path in args.readme or []:
        write_readme(path, fig)
        print(f"{path}: lab block rewritten")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
