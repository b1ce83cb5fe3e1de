"""Run a waitress server until SIGTERM, then drain it: what an ECS task behind a load balancer needs.

ECS stops a task with SIGTERM, waits the container's ``stopTimeout`` and then sends SIGKILL.
waitress's own ``run()`` has no graceful stop (a signal ends its loop and cancels queued work), so
this loop runs waitress's dispatcher map itself and, on SIGTERM:

1. accepts what the kernel already queued on the listening sockets (a client whose connection was
   established before the signal sent its request to us, not to the next task), then closes them:
   a new connection is refused from here on;
2. serves every request already received, or still being received, to its last byte; the last
   response of each connection says ``Connection: close``; an idle keep-alive connection is closed
   at once (HTTP/1.1 lets a client retry a request on a keep-alive connection the server closed,
   RFC 9112 §9.3.1);
3. returns when no connection is left, or when ``drain_seconds`` have passed (connections still
   open then are counted as cut, and logged): the caller flushes telemetry and exits 0, before
   ECS's SIGKILL.

Like gunicorn's graceful timeout and the ALB's deregistration delay, the bound is explicit: a
request that outlives it is cut, and says so in the log.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any

from waitress import wasyncore
from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer

from runtime.serverful.http_channel import EnvelopeChannel

_log = logging.getLogger(__name__)
LOOP_TIMEOUT_S = 1.0
FIRST_REQUEST_GRACE_S = 1.0
"""How long a connection that has sent nothing yet may still start its first request during a drain."""


@dataclass(frozen=True)
class DrainOutcome:
    """How the drain ended: connections served to completion, and connections cut at the bound."""

    drained: int
    cut: int
    seconds: float


def _socket_map(server: Any) -> dict[int, Any]:
    """The dispatcher map of a waitress server (one listener) or a multi-socket server."""
    return server.map if hasattr(server, "map") else server._map


def _listeners(socket_map: dict[int, Any]) -> list[BaseWSGIServer]:
    return [dispatcher for dispatcher in socket_map.values() if isinstance(dispatcher, BaseWSGIServer)]


def _channels(socket_map: dict[int, Any]) -> list[HTTPChannel]:
    return [dispatcher for dispatcher in list(socket_map.values()) if isinstance(dispatcher, HTTPChannel)]


def _accept_backlog(listener: BaseWSGIServer) -> int:
    """Accept every connection the kernel already completed on ``listener``; how many."""
    accepted = 0
    while (pair := listener.accept()) is not None:
        connection, address = pair
        listener.set_socket_options(connection)
        listener.channel_class(listener, connection, listener.fix_addr(address), listener.adj, map=listener._map)
        accepted += 1
    return accepted


def _idle(channel: HTTPChannel) -> bool:
    """A connection between requests (holding none, owing no bytes) that may be closed now.

    A keep-alive connection that served a request is closed at once; one that has sent nothing
    yet gets :data:`FIRST_REQUEST_GRACE_S` since it last showed activity to send its first.
    """
    if channel.requests or channel.request is not None or channel.total_outbufs_len:
        return False
    return getattr(channel, "served", 0) > 0 or time.time() - channel.last_activity > FIRST_REQUEST_GRACE_S


class GracefulServer:
    """A waitress server run until :meth:`stop` (SIGTERM / SIGINT by default), then drained."""

    def __init__(self, server: Any, *, drain_seconds: float) -> None:
        if drain_seconds <= 0:
            raise ValueError("drain_seconds must be positive")
        self._map = _socket_map(server)
        self._drain_seconds = drain_seconds
        self._stop = threading.Event()
        self._listeners = _listeners(self._map)
        self._trigger = self._listeners[0]

    def stop(self) -> None:
        """Begin the drain (safe from a signal handler or another thread)."""
        self._stop.set()
        self._trigger.pull_trigger()  # wake the loop now rather than at its next timeout

    def install_signal_handlers(self) -> None:
        """SIGTERM (ECS, Kubernetes, systemd) and SIGINT (Ctrl-C) both begin the drain."""

        def handler(signum: int, frame: FrameType | None) -> None:
            self.stop()

        signal.signal(signal.SIGTERM, handler)
        signal.signal(signal.SIGINT, handler)

    def run(self, on_draining: Callable[[], None] | None = None) -> DrainOutcome:
        """Serve until stopped, drain, and return how the drain went (the server is closed after)."""
        use_poll = self._trigger.adj.asyncore_use_poll
        while not self._stop.is_set():
            wasyncore.loop(timeout=LOOP_TIMEOUT_S, map=self._map, use_poll=use_poll, count=1)
        if on_draining is not None:
            on_draining()
        return self._drain(use_poll)

    def _drain(self, use_poll: bool) -> DrainOutcome:
        started = time.monotonic()
        deadline = started + self._drain_seconds
        for listener in _listeners(self._map):
            _accept_backlog(listener)
            listener.draining = True  # read by the channels (http_channel.py)
            wasyncore.dispatcher.close(listener)  # the listening socket only: the trigger stays
        in_flight = _channels(self._map)
        for channel in in_flight:
            if isinstance(channel, EnvelopeChannel):
                channel.close_after_held()
        while (channels := _channels(self._map)) and time.monotonic() < deadline:
            for channel in channels:
                if _idle(channel) and not channel.will_close:
                    channel.will_close = True  # handle_write closes it in the loop
            wasyncore.loop(timeout=min(0.05, max(0.0, deadline - time.monotonic())), map=self._map,
                           use_poll=use_poll, count=1)
        cut = _channels(self._map)
        for channel in cut:
            _log.warning("drain bound of %.0f s reached: connection from %s cut", self._drain_seconds, channel.addr)
            channel.handle_close()
        self._trigger.task_dispatcher.shutdown(timeout=max(0.1, deadline - time.monotonic()))
        for listener in self._listeners:
            listener.trigger.close()
        return DrainOutcome(drained=len(in_flight) - len(cut), cut=len(cut), seconds=time.monotonic() - started)
