"""The lab's web server: Starlette routes, request validation, one session per tab.

Starlette (with uvicorn) is the ASGI toolkit FastAPI is built on: routing, static files that
refuse path traversal and symlinks out of the folder, and WebSockets, without a framework
around them.  Every request body and message is a :mod:`.schema` model; a bad one is
answered with ``{"error": "<field>: <problem>"}`` (HTTP 422, or a WebSocket ``error``
message) and the server carries on.

Routes: ``/`` (the page), ``/static/...`` (its scripts, styles, fonts: nothing comes from a
CDN), ``GET /api/meta`` (activations, parameters, data sets, limits, palette, defaults),
``POST /api/inspect`` and ``POST /api/value`` (the inspector), ``/ws`` (the playground: one
:class:`~.session.Session` per connection, its training loop stopped when the tab closes).

May import: Starlette, pydantic, NumPy, :mod:`actlab.activations`, :mod:`actlab.analysis` and
the lab's modules.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..activations.base import get
from ..analysis import palette
from ..analysis.text import formula_text, interval_text
from ..analysis.trust import TEXTBOOK_GRADS
from . import export, schema
from .session import Session, clean

__all__ = ["app", "STATIC", "UPDATES_PER_FRAME", "FRAME_PERIOD", "active_tabs"]

STATIC = Path(__file__).with_name("static")
#: Mini-batch updates between two frames of a running session, and the frame period (s):
#: 20 updates every 40 ms is 500 updates/s at 25 frames/s when the machine keeps up.
UPDATES_PER_FRAME, FRAME_PERIOD = 20, 0.04


def _error(message: str, status: int = 422) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class _BadBody(ValueError):
    """The body is not a JSON object at all (HTTP 400; a body that is one but fails its schema
    is 422)."""


async def _body(request: Request, model: type) -> Any:
    raw = await request.body()
    if len(raw) > 100_000:
        raise ValueError("the request is larger than 100 kB")
    try:
        data = json.loads(raw or b"{}")
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise _BadBody("the request body is not valid JSON") from None
    if not isinstance(data, dict):
        raise _BadBody("the request body must be a JSON object")
    return model(**data)


def meta() -> dict[str, Any]:
    """What the page needs to build its controls."""
    acts = []
    for name in schema.lab_activations():
        a = get(name)
        acts.append({"name": name, "params": schema.param_specs(name), "formula": formula_text(a.formula),
                     "grad_formula": formula_text(a.grad_formula), "range": interval_text(a),
                     "max_grad": a.max_grad if np.isfinite(a.max_grad) else None,
                     "playground": name not in schema.PLAYGROUND_EXCLUDED,
                     "excluded_because": schema.PLAYGROUND_EXCLUDED.get(name, "")})
    return {"activations": acts, "datasets": ["circle", "xor", "gauss", "spiral", "moons"],
            "limits": schema.LIMITS, "palette": json.loads(palette.to_json()),
            "defaults": schema.Config().model_dump(), "textbook": {k: v[0] for k, v in TEXTBOOK_GRADS.items()}}


def inspect(req: schema.InspectRequest) -> dict[str, Any]:
    """f, f', f'' on the grid, and |f'| on x >= 0 up to 60 (log axis) beside the textbook formula."""
    act, kw = get(req.activation), dict(req.params)
    x = np.linspace(req.xmin, req.xmax, req.n)
    with np.errstate(all="ignore"):
        out = {"x": x, "f": act(x, **kw), "grad": act.grad(x, **kw), "grad2": act.grad2(x, **kw)}
        lo, hi = (0.0, 1.0) if req.activation == "logit" else (0.0, 60.0)
        tx = np.linspace(lo, hi, 301)
        tail = {"x": tx, "actlab": np.abs(act.grad(tx, **kw))}
        if req.activation in TEXTBOOK_GRADS and not kw:
            formula, fn = TEXTBOOK_GRADS[req.activation]
            tail.update(textbook=np.abs(fn(tx)), formula=formula)
    return clean({**out, "tail": tail, "formula": formula_text(act.formula),
                  "grad_formula": formula_text(act.grad_formula)})


def value(req: schema.ValueRequest) -> dict[str, Any]:
    """f(x), f'(x), f''(x) as the shortest text that round-trips the float64 (Python repr)."""
    act, kw = get(req.activation), dict(req.params)
    x = np.float64(req.x)
    with np.errstate(all="ignore"):
        vals = [float(fn(x, **kw)) for fn in (act, act.grad, act.grad2)]
    return {"x": repr(float(x)), "f": repr(vals[0]), "grad": repr(vals[1]), "grad2": repr(vals[2])}


async def _meta(request: Request) -> JSONResponse:
    return JSONResponse(meta())


def _api(fn: Any, model: type) -> Any:
    async def endpoint(request: Request) -> JSONResponse:
        try:
            req = await _body(request, model)
        except (ValidationError, ValueError) as e:
            return _error(schema.problem(e), 400 if isinstance(e, _BadBody) else 422)
        return JSONResponse(fn(req))
    return endpoint


async def _index(request: Request) -> FileResponse:
    return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})


class Tab:
    """One WebSocket connection: its session, its training loop, and the lock between them."""

    def __init__(self, ws: WebSocket) -> None:
        self.ws, self.session, self.running = ws, Session(), False
        self.lock, self.wake = asyncio.Lock(), asyncio.Event()

    async def send(self, data: dict[str, Any]) -> None:
        await self.ws.send_text(json.dumps(data, allow_nan=False))

    async def call(self, fn: Any, *args: Any) -> Any:
        """Run ``fn`` on a worker thread, one at a time per tab (the event loop stays free)."""
        async with self.lock:
            return await asyncio.to_thread(fn, *args)

    def _slice(self) -> dict[str, Any]:
        self.session.step(UPDATES_PER_FRAME)
        return self.session.frame()

    async def trainer(self) -> None:
        while True:
            await self.wake.wait()
            while self.running:
                t0 = time.perf_counter()
                await self.send(await self.call(self._slice))
                await asyncio.sleep(max(0.0, FRAME_PERIOD - (time.perf_counter() - t0)))
            self.wake.clear()

    async def handle(self, msg: Any) -> None:
        s = self.session
        if msg.type == "config":
            await self.call(s.configure, msg.config)
            await self.send(await self.call(s.frame, True))
        elif msg.type == "upload":
            await self.call(s.set_upload, msg.csv)
            await self.send({"type": "config", "config": s.config.model_dump()})
            await self.send(await self.call(s.frame, True))
        elif msg.type in ("start", "pause"):
            self.running = msg.type == "start"
            if self.running:
                self.wake.set()
            await self.send({"type": "state", "running": self.running})
        elif msg.type == "step":
            await self.call(s.step, msg.count)
            await self.send(await self.call(s.frame))
        elif msg.type == "reset":
            await self.call(s.configure, s.config)
            await self.send(await self.call(s.frame, True))
        elif msg.type == "sweep":
            await self.send(await self.call(s.sweep))
        elif msg.type == "export":
            await self.send(await self.call(export.export, s))


_TABS: set[Tab] = set()


def active_tabs() -> int:
    """How many tabs are connected (each with its own session and training loop)."""
    return len(_TABS)


async def _ws(ws: WebSocket) -> None:
    await ws.accept()
    tab = Tab(ws)
    _TABS.add(tab)
    loop = asyncio.create_task(tab.trainer())
    try:
        await tab.send(await tab.call(tab.session.frame, True))
        while True:
            text = await ws.receive_text()
            try:
                data = json.loads(text)
                await tab.handle(schema.message(data))
            except (ValidationError, ValueError, json.JSONDecodeError) as e:
                await tab.send({"type": "error", "message": schema.problem(e)})
            except (WebSocketDisconnect, asyncio.CancelledError):
                raise
            except Exception as e:  # a bug must not take the tab's server down: say it, carry on
                await tab.send({"type": "error", "message": f"internal error ({type(e).__name__}: {e})"})
    except WebSocketDisconnect:
        pass
    finally:  # the tab closed: its training loop stops with it
        tab.running = False
        loop.cancel()
        _TABS.discard(tab)


app = Starlette(routes=[
    Route("/", _index),
    Route("/api/meta", _meta),
    Route("/api/inspect", _api(inspect, schema.InspectRequest), methods=["POST"]),
    Route("/api/value", _api(value, schema.ValueRequest), methods=["POST"]),
    WebSocketRoute("/ws", _ws),
    Mount("/static", StaticFiles(directory=STATIC, follow_symlink=False), name="static"),
])
