"""``actlab lab``: an interactive activation lab in the browser, on actlab's own engine.

:func:`serve` starts the local web server (:mod:`.server`, Starlette on uvicorn) and
prints ``actlab lab: http://HOST:PORT/`` once it listens.  All math happens in Python --
the page (``static/``, plain JavaScript, no build step) only draws what the server sends.

May import: the standard library, uvicorn and the lab's modules.
"""

from __future__ import annotations

import socket
import sys
import threading
import webbrowser
from typing import Callable

__all__ = ["serve", "LOOPBACK"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on ``host:port`` (``port`` 0: a free one); OSError if it is taken."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    sock.set_inheritable(True)
    return sock


def serve(host: str = "127.0.0.1", port: int = 8765, *, open_browser: bool = True,
          announce: Callable[[str], None] = print) -> None:
    """Serve the lab until Ctrl-C; ``announce`` gets the ready line once the socket listens."""
    import uvicorn

    from .server import app

    sock = bind(host, port)
    shown = f"[{host}]" if ":" in host else host
    url = f"http://{shown}:{sock.getsockname()[1]}/"
    if host not in LOOPBACK:
        print(f"actlab lab: warning: serving on {host}, reachable from other machines; the lab has no login",
              file=sys.stderr)
    config = uvicorn.Config(app, log_level="warning", ws_max_size=2_000_000, lifespan="off")
    server = uvicorn.Server(config)
    announce(f"actlab lab: {url}")
    if open_browser:
        threading.Timer(0.3, webbrowser.open, args=(url,)).start()
    try:
        server.run(sockets=[sock])
    except KeyboardInterrupt:  # uvicorn re-raises the Ctrl-C it shut down for: that is the way to stop
        pass
    finally:
        sock.close()
