"""The open-loop scheduler: request ``i`` is due at ``start + i / rps``, whatever the server does.

A closed loop (send, wait for the answer, send the next) slows down with the server and so never
measures the queue a slow server builds — coordinated omission. Here every request is started at
its due time as its own task on one asyncio loop, and its latency is counted **from the due time**
to the end of the response; if the generator itself falls behind (a starved machine), the lateness
is counted too rather than hidden. Each backend of a run gets its own schedule at the full rate,
interleaved on the same loop, so both see the same load at the same moments.

Bounded: ``rps * duration`` requests per backend, each with a timeout; at most ``max_in_flight``
requests open per backend (past it a request waits for a slot, and that wait is latency).

``brickguard load`` and the benchmarks (``benchmarks/``) both use this one generator; each sample
also carries when it was due, sent and answered (seconds after the run's start), for timelines.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import aiohttp

from devstack.load.mixes import Request

REQUEST_TIMEOUT_S = 30.0
MAX_IN_FLIGHT = 512
TRANSPORT_ERROR = 0  # the status recorded when no HTTP answer came (refused, reset, timed out)


@dataclass(frozen=True, slots=True)
class Sample:
    """One request: its backend, kind, status (0: no answer) and latency from its due time.

    ``due_s``, ``sent_s`` (a slot was free) and ``answered_s`` count from the run's start:
    ``sent_s - due_s`` is time spent waiting for a slot or for the generator itself.
    """

    backend: str
    kind: str
    status: int
    latency_ms: float
    path: str = ""
    due_s: float = 0.0
    sent_s: float = 0.0
    answered_s: float = 0.0


@dataclass(frozen=True)
class Target:
    """One backend to load: its base URL and the headers of every request (the bearer token)."""

    backend: str
    base_url: str
    headers: Mapping[str, str]


async def _send(session: aiohttp.ClientSession, target: Target, request: Request, due: float, start: float,
                slots: asyncio.Semaphore) -> Sample:
    delay = due - time.perf_counter()
    if delay > 0:
        await asyncio.sleep(delay)
    async with slots:
        sent = time.perf_counter()
        try:
            async with session.request(request.method, target.base_url + request.path, json=request.body,
                                       headers=dict(target.headers)) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            status = TRANSPORT_ERROR
    answered = time.perf_counter()
    return Sample(target.backend, request.kind, status, (answered - due) * 1000.0, request.path,
                  due - start, sent - start, answered - start)


async def _run(targets: Sequence[Target], requests: Sequence[Request], rps: float,
               on_sample: Callable[[Sample], None], max_in_flight: int,
               on_start: Callable[[float], Any] | None) -> list[Sample]:
    timeout = aiohttp.ClientTimeout(total=REQUEST_TIMEOUT_S)
    connector = aiohttp.TCPConnector(limit=0, force_close=False)
    async with aiohttp.ClientSession(timeout=timeout, connector=connector) as session:
        slots = {target.backend: asyncio.Semaphore(max_in_flight) for target in targets}
        start = time.perf_counter() + 0.2
        if on_start is not None:
            on_start(start)
        tasks = []
        for index, request in enumerate(requests):
            due = start + index / rps
            lead = due - time.perf_counter() - 0.05
            if lead > 0:  # create tasks just ahead of their due time, not all at once
                await asyncio.sleep(lead)
            for target in targets:
                task = asyncio.create_task(_send(session, target, request, due, start, slots[target.backend]))
                task.add_done_callback(lambda done: on_sample(done.result()))
                tasks.append(task)
        return list(await asyncio.gather(*tasks))


def run(targets: Sequence[Target], requests: Sequence[Request], rps: float,
        on_sample: Callable[[Sample], None] = lambda sample: None, max_in_flight: int = MAX_IN_FLIGHT,
        on_start: Callable[[float], Any] | None = None) -> list[Sample]:
    """Send ``requests`` to every target at ``rps`` each (open loop); every sample, in completion order.

    ``on_start(start)``, if given, is called once with the run's start (``time.perf_counter()``; request
    ``i`` is due at ``start + i / rps``), e.g. to inject a fault at a known offset; it must not block.
    """
    if rps <= 0:
        raise ValueError("rps must be positive")
    return asyncio.run(_run(targets, requests, rps, on_sample, max_in_flight, on_start))
