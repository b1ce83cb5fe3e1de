"""Express's own outages, for ``brickguard chaos express``: a stopped listener, and a share of 5xx answers.

* **stop / start** — the public listening socket of express's waitress server is closed (new
  connections are refused) and every connection it accepted is reset, while the process, its
  control listener (what ``brickguard`` commands reach) and the rest of ``up`` keep running: what the
  load balancer and the Route53 checkers see of a crashed container. ``start`` listens again on the
  same port. Both run on waitress's own loop (through its trigger), which owns the socket map.
* **errors / heal** — :class:`ErrorShare` answers a share of the requests reaching the public port
  for an API route with a fast ``500`` in the error envelope, as a bug would, before any handler
  runs (so the app's own metrics do not count them; the edge does).
"""

from __future__ import annotations

import contextlib
import random
import socket
import struct
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from runtime.errors import internal_error_response

StartResponse = Callable[[str, list[tuple[str, str]]], Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]
LOOP_TIMEOUT_S = 10.0


class ExpressListener:
    """Stops and restarts the public listener of the running waitress server (attached once it exists)."""

    def __init__(self) -> None:
        self._server: Any = None
        self._port = 0
        self._template: Any = None

    def attach(self, server: Any, port: int) -> None:
        """``server``: waitress's server listening on ``port`` and on a control port."""
        self._server, self._port = server, port

    @property
    def port(self) -> int:
        return self._port

    def control_port(self) -> int:
        """The control listener's port (what ``brickguard`` commands reach)."""
        return int(next(entry.effective_port for entry in self._listeners() if int(entry.effective_port) != self._port))

    def _listeners(self) -> list[Any]:
        from waitress.server import BaseWSGIServer

        return [entry for entry in list(self._server.map.values()) if isinstance(entry, BaseWSGIServer)]

    def _public(self) -> Any:
        return next((entry for entry in self._listeners() if int(entry.effective_port) == self._port), None)

    def _on_loop(self, work: Callable[[], Any]) -> Any:
        """Run ``work`` on waitress's loop thread (the socket map is not thread-safe) and return its result."""
        if self._server is None:
            raise RuntimeError("express is not serving yet")
        control = next(entry for entry in self._listeners() if int(entry.effective_port) != self._port)
        done = threading.Event()
        outcome: dict[str, Any] = {}

        def thunk() -> None:
            try:
                outcome["value"] = work()
            except Exception as exc:  # handed back to the caller's thread
                outcome["error"] = exc
            finally:
                done.set()

        control.trigger.pull_trigger(thunk)
        if not done.wait(LOOP_TIMEOUT_S):
            raise RuntimeError("express's server loop did not answer")
        if "error" in outcome:
            raise outcome["error"]
        return outcome.get("value")

    def stop(self) -> int | None:
        """Close the public listener and reset its connections; how many were reset (None: already stopped)."""

        def close() -> int | None:
            public = self._public()
            if public is None:
                return None
            self._template = public
            channels = [entry for entry in list(self._server.map.values()) if getattr(entry, "server", None) is public]
            public.close()
            for channel in channels:
                with contextlib.suppress(OSError):  # a reset, not a graceful close: the process is "gone"
                    channel.socket.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                channel.close()
            return len(channels)

        result: int | None = self._on_loop(close)
        return result

    def start(self) -> bool:
        """Listen on the public port again; False when it was listening already."""
        from waitress.server import TcpWSGIServer

        def listen() -> bool:
            if self._public() is not None or self._template is None:
                return False
            old = self._template
            new = TcpWSGIServer(old.application, map=self._server.map, dispatcher=old.task_dispatcher, adj=old.adj,
                                sockinfo=old.sockinfo)
            new.channel_class = old.channel_class
            return True

        started: bool = self._on_loop(listen)
        return started


class ErrorShare:
    """A 500 for a share ``rate`` of the API requests that reach express's public port (WSGI middleware)."""

    def __init__(self, public_port: Callable[[], int], is_api: Callable[[str], bool],
                 draw: Callable[[], float] = random.random) -> None:
        self._public_port = public_port
        self._is_api = is_api
        self._draw = draw
        self.rate = 0.0

    def wrapping(self, app: WsgiApp) -> WsgiApp:
        def faulty(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
            if (self.rate > 0 and environ.get("SERVER_PORT") == str(self._public_port())
                    and self._is_api(environ.get("PATH_INFO") or "/") and self._draw() < self.rate):
                response = internal_error_response(str(uuid.uuid4()))
                body = response["body"].encode()
                start_response("500 Internal Server Error",
                               [*response["headers"].items(), ("Content-Length", str(len(body)))])
                return [body]
            return app(environ, start_response)

        return faulty
