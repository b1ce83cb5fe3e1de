"""Lambda's scaling of execution environments, per function and for the account.

Mirrors how Lambda places a synchronous invocation: on an idle initialised
environment of the function when there is one (the most recently used, so
surplus environments age out), else on a new on-demand environment — a cold
start — unless the function is at its reserved concurrency, in which case the
invocation is throttled (``TooManyRequestsException``, reason
``ReservedFunctionConcurrentInvocationLimitExceeded``; the account's limit, 1,000 by
default, is never reached by one machine). Provisioned environments are
initialised ahead of traffic with ``AWS_LAMBDA_INITIALIZATION_TYPE=
provisioned-concurrency`` and replaced when they die; idle on-demand
environments are reaped after ``idle_seconds``.

Local caps, because a laptop or a 2-core CI machine is not a Lambda region:
see :class:`LocalCapacity` and docs/local-aws.md. A throttle happens only where AWS would throttle:
past the function's reserved concurrency. Where only this machine's caps (environments per
function, in total) stand in the way, the invocation waits in a local queue for an environment
to come free or for room to start one, and is counted as local queueing (``on_local_queue``),
never refused: a comparison with the serverful backend must not charge Lambda for this machine.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from devstack.lambda_.environment import ON_DEMAND, PROVISIONED, ExecutionEnvironment, FunctionRuntime, State
from devstack.lambda_.invocation import Invocation, InvocationResult
from runtime import keepwarm


@dataclass(frozen=True)
class LocalCapacity:
    """How many environments this machine runs: per function, in total, and provisioned ahead."""

    per_function: int = 2
    total: int = 8
    provisioned_per_function: int = 1
    """Environments initialised ahead for a function with provisioned concurrency in production."""


class Throttled(Exception):
    """Lambda refused the invocation: no environment free and no room for another."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


RESERVED_LIMIT = "ReservedFunctionConcurrentInvocationLimitExceeded"


def _is_fan_out_ping(payload: bytes) -> bool:
    """A keep-warm ping an environment of this function sent to itself (its fan-out, runtime.keepwarm).

    Its caller holds one of the function's environments until every fanned-out ping is answered, so
    at a local cap it must not wait in the local queue: two overlapping pings holding both
    environments of a cap of 2 would each wait for the other's environment, forever. Refused at
    once, it is counted as a failed fan-out and the ping itself still completes (as past reserved
    concurrency in Lambda); at a local cap every environment is busy, so none is left to warm.
    """
    try:
        event = json.loads(payload)
    except ValueError:
        return False
    return keepwarm.is_keepwarm_ping(event) and keepwarm.INVOCATION_KEY in event


class FunctionPool:
    """The environments of one function."""

    def __init__(self, runtime: FunctionRuntime, capacity: LocalCapacity, account: EnvironmentPool) -> None:
        self.runtime = runtime
        function = runtime.function
        reserved = function.reserved_concurrency
        self.reserved_concurrency = reserved
        """AWS's own limit for the function: past it Lambda throttles, so the local pool does too."""
        self.concurrency_limit = capacity.per_function if reserved is None else min(reserved, capacity.per_function)
        provisioned = min(function.provisioned_concurrency, capacity.provisioned_per_function)
        self.provisioned = min(provisioned, self.concurrency_limit)
        self.environments: list[ExecutionEnvironment] = []
        self._account = account
        self._closing = False

    @property
    def live(self) -> list[ExecutionEnvironment]:
        return [env for env in self.environments if env.state is not State.GONE]

    async def provision(self) -> list[ExecutionEnvironment]:
        """Start the provisioned environments (their init runs ahead of any traffic)."""
        missing = self.provisioned - sum(1 for env in self.live if env.initialization_type == PROVISIONED)
        return [await self._spawn(PROVISIONED) for _ in range(max(0, missing))]

    async def invoke(self, invocation: Invocation) -> InvocationResult:
        """Run ``invocation`` on an environment of this function; :class:`Throttled` past reserved concurrency.

        Busy environments at a local cap make the invocation wait (local queueing) until one is
        free or another can start; the caller's own timeout (the gateway's 30 s) bounds the wait.
        """
        queued = False
        while True:
            change = self._account.next_change()  # taken before looking, so no wake-up is missed
            environment = await self._place()
            if environment is not None:
                break
            if _is_fan_out_ping(invocation.payload):
                raise Throttled(RESERVED_LIMIT)  # queued, it would wait on the environment of its own caller
            if not queued:
                queued = True
                self._account.count_local_queueing(self.runtime.function.name)
            await change.wait()
        environment.run(invocation)
        try:
            return await invocation.result
        finally:
            self._account.changed()

    async def _place(self) -> ExecutionEnvironment | None:
        """An environment for one invocation now, or None when only local caps stand in the way."""
        idle = [env for env in self.live if env.available]
        if idle:
            return max(idle, key=lambda env: env.idle_since)
        in_flight = len(self.live)  # no idle environment: every live one runs or prepares an invocation
        if self.reserved_concurrency is not None and in_flight >= self.reserved_concurrency:
            raise Throttled(RESERVED_LIMIT)
        if in_flight >= self.concurrency_limit or not await self._account.make_room():
            return None
        idle = [env for env in self.live if env.available]  # one may have come free while room was made
        if idle:
            return max(idle, key=lambda env: env.idle_since)
        if len(self.live) >= self.concurrency_limit:  # another invocation took the room meanwhile
            return None
        return await self._spawn(ON_DEMAND)

    def reap_idle(self, idle_seconds: float, now: float) -> int:
        """Destroy on-demand environments idle for longer than ``idle_seconds``; returns how many."""
        stale = [
            env
            for env in self.live
            if env.initialization_type == ON_DEMAND and env.available and now - env.idle_since > idle_seconds
        ]
        for env in stale:
            env.kill()
        return len(stale)

    async def _spawn(self, initialization_type: str) -> ExecutionEnvironment:
        environment = ExecutionEnvironment(self.runtime, initialization_type, self._gone)
        self.environments.append(environment)
        await environment.start()
        self._account.changed_when(environment.initialized)  # a provisioned one becomes idle then
        return environment

    def _gone(self, environment: ExecutionEnvironment) -> None:
        with contextlib.suppress(ValueError):
            self.environments.remove(environment)
        self._account.changed()
        # one whose init failed is not replaced (its replacement would fail alike, in a loop): Lambda marks the
        # allocation failed instead; the next provision() (a new deployment) tries again
        initialised = environment.init_duration_ms is not None
        if environment.initialization_type == PROVISIONED and initialised and not self._closing:
            self._account.replace_later(self)

    async def close(self) -> None:
        self._closing = True
        environments = list(self.environments)
        for env in environments:
            env.kill()
        for env in environments:
            await env.gone.wait()


class EnvironmentPool:
    """All functions' environments, the account-wide cap, provisioning and the idle reaper."""

    def __init__(
        self,
        runtimes: Mapping[str, FunctionRuntime],
        *,
        capacity: LocalCapacity | None = None,
        idle_seconds: float = 420.0,
        on_local_queue: Callable[[str], None] | None = None,
    ) -> None:
        self.capacity = capacity or LocalCapacity()
        self.idle_seconds = idle_seconds
        self.functions = {name: FunctionPool(runtime, self.capacity, self) for name, runtime in runtimes.items()}
        self.locally_queued: dict[str, int] = dict.fromkeys(self.functions, 0)
        """Invocations per function that waited for this machine's caps (AWS would have run them at once)."""
        self._on_local_queue = on_local_queue
        self._change = asyncio.Event()
        self._tasks: set[asyncio.Task[object]] = set()
        self._reaper: asyncio.Task[None] | None = None

    def next_change(self) -> asyncio.Event:
        """Set at the next change of any environment (an invocation finished, one died or initialised)."""
        return self._change

    def changed(self) -> None:
        self._change.set()
        self._change = asyncio.Event()

    def changed_when(self, event: asyncio.Event) -> None:
        async def wait_then_announce() -> None:
            await event.wait()
            self.changed()

        task = asyncio.get_running_loop().create_task(wait_then_announce())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def count_local_queueing(self, function: str) -> None:
        self.locally_queued[function] = self.locally_queued.get(function, 0) + 1
        if self._on_local_queue is not None:
            self._on_local_queue(function)

    async def make_room(self) -> bool:
        """Room for one more environment: under the machine's cap, or once an idle one gives way.

        Lambda's account limit counts invocations in flight, not idle environments, so a function
        with no environment of its own is not throttled because others sit idle. The machine still
        caps processes: the longest-idle on-demand environment of any function is reclaimed (a
        cold start later, as after Lambda reclaims it). Only when every environment is busy or
        provisioned is the account full.
        """
        while sum(len(pool.live) for pool in self.functions.values()) >= self.capacity.total:
            idle = [
                env
                for pool in self.functions.values()
                for env in pool.live
                if env.initialization_type == ON_DEMAND and env.available
            ]
            if not idle:
                return False
            reclaimed = min(idle, key=lambda env: env.idle_since)
            reclaimed.kill()
            await reclaimed.gone.wait()
        return True

    async def start(self, *, provision: bool = True) -> None:
        """Initialise provisioned environments and start reaping idle ones."""
        if provision:
            for pool in self.functions.values():
                await pool.provision()
        self._reaper = asyncio.create_task(self._reap_forever())

    async def invoke(self, function: str, invocation: Invocation) -> InvocationResult:
        return await self.functions[function].invoke(invocation)

    def replace_later(self, pool: FunctionPool) -> None:
        """A provisioned environment died: initialise a replacement, as Lambda does."""
        task = asyncio.get_running_loop().create_task(pool.provision())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _reap_forever(self) -> None:
        interval = max(0.05, min(1.0, self.idle_seconds / 4))
        while True:
            await asyncio.sleep(interval)
            now = time.monotonic()
            for pool in self.functions.values():
                pool.reap_idle(self.idle_seconds, now)

    async def close(self) -> None:
        """Stop every environment and wait until each process is gone."""
        if self._reaper is not None:
            self._reaper.cancel()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*(pool.close() for pool in self.functions.values()))
