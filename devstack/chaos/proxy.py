"""Fault-injecting TCP proxies, one per backend and dependency, run in a process of their own.

``brickguard up`` puts one proxy between each backend and each dependency (PostgreSQL, Redis,
OpenSearch), so a fault can be confined to one backend, and works the same against an embedded
server or a real one given by URL. Modes:

* ``pass`` — bytes flow untouched;
* ``latency`` — every chunk from the dependency is held ``latency_ms`` before it is forwarded (each
  request/response round trip gets at least that much slower);
* ``hang`` — connections are accepted and kept, nothing is forwarded either way (what a SIGSTOPped
  server or a black-holed network looks like); data flows again on ``heal``;
* ``refuse`` — the listening socket is closed (``connect`` gets ECONNREFUSED) and every open
  connection is reset; ``heal`` listens again on the same port.

Why a process: every byte a backend exchanges with its dependencies crosses its proxy. Inside
``up``'s process the proxies would compete for the GIL with the express backend it serves, making
every dependency call of *both* backends slower by whatever express is doing; in their own process
(one asyncio loop for all of them) they cost one loopback hop each, the same for both backends.
The parent keeps :class:`FaultProxy` handles and sends JSON commands over the child's stdin.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import select
import signal
import subprocess
import sys
import threading
from typing import Any

MODES = ("pass", "latency", "hang", "refuse")
CHUNK = 65536
COMMAND_TIMEOUT_S = 10.0


class _Proxy:
    """One listening proxy on the child's loop."""

    def __init__(self, upstream: tuple[str, int], port: int) -> None:
        self.upstream = upstream
        self.port = port
        self.mode = "pass"
        self.latency_ms = 0.0
        self.flowing = asyncio.Event()
        self.flowing.set()
        self.server: asyncio.base_events.Server | None = None
        self.connections: set[asyncio.StreamWriter] = set()

    async def listen(self) -> None:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", self.port, reuse_address=True)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            writer.transport.abort()  # the dependency itself refuses: so does its proxy
            return
        self.connections.update((writer, upstream_writer))
        try:
            await asyncio.gather(
                self._pipe(reader, upstream_writer, delayed=False),
                self._pipe(upstream_reader, writer, delayed=True),
            )
        except asyncio.CancelledError:
            pass  # shutting down: end as a finished connection (asyncio logs a cancelled handler as an error)
        finally:
            self.connections.difference_update((writer, upstream_writer))

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, delayed: bool) -> None:
        try:
            while data := await reader.read(CHUNK):
                await self.flowing.wait()
                if delayed and self.mode == "latency":
                    await asyncio.sleep(self.latency_ms / 1000)
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            writer.close()

    async def set_mode(self, mode: str, latency_ms: float) -> None:
        if mode not in MODES:
            raise ValueError(f"proxy mode {mode!r} must be one of {', '.join(MODES)}")
        previous = self.mode
        self.mode, self.latency_ms = mode, latency_ms
        if mode == "hang":
            self.flowing.clear()
        else:
            self.flowing.set()
        if mode == "refuse" and previous != "refuse":
            if self.server is not None:
                self.server.close()
                self.server = None
            for writer in list(self.connections):
                writer.transport.abort()
        elif mode != "refuse" and self.server is None:
            await self.listen()


async def _serve() -> None:
    """The child's loop: one JSON command per stdin line, one JSON answer per stdout line."""
    proxies: dict[str, _Proxy] = {}
    try:
        await _answer_commands(proxies)
    finally:  # the parent is gone: close everything before the loop ends, quietly
        for proxy in proxies.values():
            await proxy.set_mode("refuse", 0.0)
        pending = {task for task in asyncio.all_tasks() if task is not asyncio.current_task()}
        if pending:  # aborted connections end their pipes; cancelling a stream handler prints a traceback on 3.11
            _, pending = await asyncio.wait(pending, timeout=1.0)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)


async def _answer_commands(proxies: dict[str, _Proxy]) -> None:
    loop = asyncio.get_running_loop()
    while True:
        line = await loop.run_in_executor(None, sys.stdin.readline)
        if not line:
            return
        command = json.loads(line)
        verb, name, args = command["verb"], command["name"], command["args"]
        answer: dict[str, Any] = {"ok": True}
        try:
            if verb == "add":
                proxy = proxies[name] = _Proxy((args[0], args[1]), args[2])
                await proxy.listen()
            elif verb == "mode":
                await proxies[name].set_mode(args[0], args[1])
        except (OSError, ValueError, KeyError) as exc:
            answer = {"ok": False, "error": str(exc)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


class ProxyProcess:
    """The process every proxy of one ``up`` runs in (``python -m devstack.chaos.proxy``); one command at a time."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def call(self, verb: str, name: str, *args: Any) -> None:
        with self._lock:
            if self._process is None:
                self._process = subprocess.Popen(
                    [sys.executable, "-m", "devstack.chaos.proxy"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    text=True, bufsize=1,
                )
            assert self._process.stdin is not None and self._process.stdout is not None
            try:
                self._process.stdin.write(json.dumps({"verb": verb, "name": name, "args": list(args)}) + "\n")
                self._process.stdin.flush()
            except BrokenPipeError:
                raise OSError("the proxy process is gone") from None
            ready, _, _ = select.select([self._process.stdout], [], [], COMMAND_TIMEOUT_S)
            if not ready:
                raise OSError(f"the proxy process did not answer {verb} {name}")
            line = self._process.stdout.readline()
        if not line:
            raise OSError("the proxy process is gone")
        answer = json.loads(line)
        if not answer["ok"]:
            raise ValueError(answer["error"])

    def stop(self) -> None:
        with self._lock:
            process, self._process = self._process, None
        if process is None:
            return
        assert process.stdin is not None
        with contextlib.suppress(OSError):
            process.stdin.close()  # end of commands: the child's loop returns
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)


class FaultProxy:
    """The parent's handle on one proxy: ``127.0.0.1:port`` -> ``upstream_host:upstream_port``."""

    def __init__(self, process: ProxyProcess, name: str, upstream_host: str, upstream_port: int) -> None:
        self.name = name
        from devstack.embedded import free_port  # the parent's helper; the proxy process imports only asyncio

        self.upstream = (upstream_host, upstream_port)
        self.port = free_port()
        self.mode = "pass"
        self.latency_ms = 0.0
        self._process = process
        process.call("add", name, upstream_host, upstream_port, self.port)

    def set_mode(self, mode: str, latency_ms: float = 0.0) -> None:
        self._process.call("mode", self.name, mode, latency_ms)
        self.mode, self.latency_ms = mode, latency_ms


if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: up stops us via stdin
    asyncio.run(_serve())
