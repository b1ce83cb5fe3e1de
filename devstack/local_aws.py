"""The local AWS for the serverless backend, composed and run on one event loop in a thread.

Starts, in order: the X-Ray daemon (UDP segments + TCP sampling on one port),
the Lambda Invoke API, the execution environment pool (provisioned
environments initialised before the gateway opens, as provisioned concurrency
is ready before traffic), the HTTP API gateway and the keep-warm scheduler.
:meth:`LocalAws.stop` tears them down in reverse and returns only once every
environment process has exited.
"""

from __future__ import annotations

import asyncio
import dataclasses
import threading
import time
from collections.abc import Coroutine, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

from aiohttp import web

from devstack.apigateway.gateway import Gateway
from devstack.apigateway.http_protocol import GatewayRunner
from devstack.apigateway.throttling import Throttling
from devstack.cloudwatch.metrics.platform import PlatformMetrics
from devstack.eventbridge.scheduler import KeepWarmRule, KeepWarmScheduler
from devstack.lambda_.async_invoke import AsyncInvoker, FailureDestination
from devstack.lambda_.environment import FunctionRuntime, LogSink
from devstack.lambda_.function_code import DEVELOPMENT_TREE, FunctionCode
from devstack.lambda_.invocation import Invocation, InvocationResult
from devstack.lambda_.invoke_api import invoke_api_app
from devstack.lambda_.pool import EnvironmentPool, LocalCapacity, Throttled
from devstack.xray.daemon import SegmentStore, lambda_trace, sampling_app
from runtime.edge.authorizer import JwtAuthorizer
from runtime.edge.cors import CorsPolicy
from runtime.edge.routes import routes_from_table
from stack.functions import FunctionSpec

T = TypeVar("T")
REGION = "us-east-1"
ACCOUNT = "000000000000"
STARTUP_TIMEOUT_S = 120.0
XRAY_PORT_ATTEMPTS = 20


@dataclass(frozen=True)
class LocalAwsConfig:
    functions: Sequence[FunctionSpec]
    function_names: Mapping[str, str]
    """table name -> deployed function name (``FunctionName`` in the Invoke API, ARNs, log groups)."""
    function_environment: Mapping[str, str]
    """The functions' configured variables (database, cache, JWT, backend, tracing, MIGRATION_MODE)."""
    authorizer: JwtAuthorizer
    log_sink: LogSink
    function_code: Mapping[str, FunctionCode] = field(default_factory=dict)
    """Each function's artifact (``function_code.local_code``); a function not named runs from this tree."""
    host: str = "127.0.0.1"
    gateway_port: int = 9001
    xray_port: int = 0
    idle_seconds: float = 420.0
    capacity: LocalCapacity = field(default_factory=LocalCapacity)
    keep_warm: Sequence[KeepWarmRule] = ()
    provision: bool = True
    serverless: bool = True
    """False: only the X-Ray daemon (``brickguard up --only express``)."""
    integration_timeout: float | None = None
    throttle: Throttling | None = None
    cors: CorsPolicy | None = None
    """The HTTP API's CORS configuration (the stack's declaration, handed over by the CLI); None: no CORS."""
    route_scopes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    platform_metrics: PlatformMetrics | None = None
    """Where the platform publishes AWS/Lambda and AWS/ApiGateway metrics (the local metric store)."""
    on_async_failure: FailureDestination | None = None
    """On-failure destination of ``Event`` invocations whose retries are spent (an SQS queue under ``up``)."""
    async_delay_scale: float = 1.0
    """Scales Lambda's 1 and 2 minute waits between asynchronous retries (tests, local runs)."""


class LocalAws:
    """Run with :meth:`start` / :meth:`stop` from any thread; everything inside runs on one loop."""

    def __init__(self, config: LocalAwsConfig) -> None:
        self.config = config
        self.segments = SegmentStore()
        self.pool: EnvironmentPool | None = None
        self.gateway_url = ""
        self.invoke_url = ""
        self.xray_address = ""
        self.keep_warm_fired: list[KeepWarmRule] = []
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="local-aws", daemon=True)
        self._runners: list[web.AppRunner] = []
        self._transport: asyncio.DatagramTransport | None = None
        self._scheduler: asyncio.Task[None] | None = None
        self._in_flight: dict[str, int] = {}

    def arn(self, function: str) -> str:
        return f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{self.config.function_names[function]}"

    # --- from the caller's thread -------------------------------------------------------------

    def start(self) -> None:
        self._thread.start()
        self.call(self._start(), timeout=STARTUP_TIMEOUT_S)

    def stop(self) -> None:
        if not self._thread.is_alive():
            return
        try:
            self.call(self._stop(), timeout=60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            if not self._thread.is_alive():
                self._loop.close()

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coroutine`` on the local AWS loop and wait for its result."""
        future: Future[T] = asyncio.run_coroutine_threadsafe(coroutine, self._loop)
        return future.result(timeout)

    def environment_pids(self) -> dict[str, list[int]]:
        """Each function's live environment processes."""

        async def snapshot() -> dict[str, list[int]]:
            assert self.pool is not None
            return {
                name: [env.pid for env in pool.live if env.pid is not None]
                for name, pool in self.pool.functions.items()
            }

        return self.call(snapshot(), timeout=10)

    def reap_all(self) -> int:
        """Stop every execution environment (``brickguard chaos lambda reap``): the next invocations are cold."""

        async def reap() -> int:
            if self.pool is None:
                return 0
            environments = [env for pool in self.pool.functions.values() for env in pool.live]
            for env in environments:
                env.kill()
            for env in environments:
                await env.gone.wait()
            return len(environments)

        return self.call(reap(), timeout=60)

    def redeploy(self, functions: Sequence[str], variables: Mapping[str, str]) -> int:
        """New environments of ``functions`` start with ``variables`` over their configuration ({}: as configured).

        Like a deployment of a new version, the current environments are stopped (their invocations in flight
        end as crashes) and the provisioned ones are initialised again; returns how many were stopped.
        """

        async def deploy() -> int:
            assert self.pool is not None
            stopped = []
            for name in functions:
                pool = self.pool.functions[name]
                pool.runtime = dataclasses.replace(
                    pool.runtime, environment={**self._runtime(pool.runtime.function).environment, **variables}
                )
                stopped += pool.live
            for env in stopped:
                env.kill()
            for env in stopped:
                await env.gone.wait()
            for name in functions:
                await self.pool.functions[name].provision()
            return len(stopped)

        return self.call(deploy(), timeout=120)

    # --- on the loop -------------------------------------------------------------------------

    async def invoke(
        self, function: str, payload: bytes, trace_header: str = "", client_context: str | None = None
    ) -> InvocationResult:
        """A synchronous invocation with the platform's function segment around it."""
        assert self.pool is not None
        spec = self.pool.functions[function].runtime.function
        trace = lambda_trace(trace_header)
        invocation = Invocation(
            function_arn=self.arn(function),
            payload=payload,
            timeout_seconds=float(spec.timeout_seconds),
            trace_header=trace.header,
            client_context=client_context,
        )
        started = time.time()
        result = await self._invoke_measured(function, invocation)
        self.segments.record_function_segment(
            trace, self.config.function_names[function], self.arn(function), started, time.time(), error=result.is_error
        )
        return result

    async def _invoke_measured(self, function: str, invocation: Invocation) -> InvocationResult:
        """``pool.invoke`` with what Lambda publishes about it: throttles, concurrency, invocations, duration."""
        assert self.pool is not None
        metrics = self.config.platform_metrics
        if metrics is None:
            return await self.pool.invoke(function, invocation)
        self._in_flight[function] = self._in_flight.get(function, 0) + 1
        metrics.concurrency(function, self._in_flight[function], sum(self._in_flight.values()))
        started = time.perf_counter()
        try:
            result = await self.pool.invoke(function, invocation)
        except Throttled:
            metrics.throttle(function)
            raise
        finally:
            self._in_flight[function] -= 1
        metrics.invocation(function, (time.perf_counter() - started) * 1000, error=result.is_error)
        return result

    async def _direct_invoke(self, function: str, payload: bytes, client_context: str | None) -> InvocationResult:
        return await self.invoke(function, payload, "", client_context)

    async def _serve(self, app: web.Application, port: int, runner_class: type[web.AppRunner] = web.AppRunner) -> int:
        runner = runner_class(app, access_log=None, shutdown_timeout=1.0)
        await runner.setup()
        self._runners.append(runner)
        await web.TCPSite(runner, self.config.host, port).start()
        return int(runner.addresses[0][1])

    async def _start_xray_daemon(self) -> int:
        """UDP and TCP on one port number, as the daemon listens: retry while a free TCP port's UDP twin is taken."""
        loop = asyncio.get_running_loop()
        for _ in range(XRAY_PORT_ATTEMPTS):
            tcp_port = await self._serve(sampling_app(), self.config.xray_port)
            try:
                transport, _ = await loop.create_datagram_endpoint(
                    lambda: self.segments, local_addr=(self.config.host, tcp_port)
                )
            except OSError:
                if self.config.xray_port:
                    raise
                await self._runners.pop().cleanup()
                continue
            self._transport = transport
            return tcp_port
        raise OSError("no port free for the X-Ray daemon on both UDP and TCP")

    async def _start(self) -> None:
        config = self.config
        self.xray_address = f"{config.host}:{await self._start_xray_daemon()}"
        if config.serverless:
            await self._start_serverless()

    async def _start_serverless(self) -> None:
        config = self.config
        names = {name: function for function, name in config.function_names.items()}
        events = AsyncInvoker(
            self._direct_invoke, self.arn, on_failure=config.on_async_failure, delay_scale=config.async_delay_scale
        )
        invoke_port = await self._serve(invoke_api_app(names, self._direct_invoke, events), 0)
        self.invoke_url = f"http://{config.host}:{invoke_port}"
        self.pool = EnvironmentPool(
            {function.name: self._runtime(function) for function in config.functions},
            capacity=config.capacity,
            idle_seconds=config.idle_seconds,
            on_local_queue=config.platform_metrics.local_queueing if config.platform_metrics else None,
        )
        await self.pool.start(provision=config.provision)
        for pool in self.pool.functions.values():
            await asyncio.gather(*(env.initialized.wait() for env in pool.live))
        gateway = Gateway(
            routes_from_table(config.functions, config.route_scopes),
            lambda function, payload, trace: self.invoke(function, payload, trace),
            config.authorizer,
            throttle=config.throttle,
            on_answer=config.platform_metrics.api_request if config.platform_metrics else None,
            cors=config.cors,
            **({"integration_timeout": config.integration_timeout} if config.integration_timeout else {}),
        )
        gateway_port = await self._serve(gateway.app(), config.gateway_port, GatewayRunner)
        self.gateway_url = f"http://{config.host}:{gateway_port}"
        if config.keep_warm:
            scheduler = KeepWarmScheduler(config.keep_warm, self._direct_invoke, self.keep_warm_fired.append)
            self._scheduler = asyncio.create_task(scheduler.run())

    def _runtime(self, function: FunctionSpec) -> FunctionRuntime:
        daemon = self.xray_address
        platform_variables = {
            "AWS_XRAY_DAEMON_ADDRESS": daemon,
            "_AWS_XRAY_DAEMON_ADDRESS": daemon.split(":")[0],
            "_AWS_XRAY_DAEMON_PORT": daemon.split(":")[1],
            "AWS_XRAY_CONTEXT_MISSING": "LOG_ERROR",
            "AWS_ENDPOINT_URL_LAMBDA": self.invoke_url,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "AWS_SESSION_TOKEN": "local",
        }
        return FunctionRuntime(
            function=function,
            function_name=self.config.function_names[function.name],
            function_arn=self.arn(function.name),
            environment={**self.config.function_environment, **platform_variables},
            log_sink=self.config.log_sink,
            region=REGION,
            code=self.config.function_code.get(function.name, DEVELOPMENT_TREE),
        )

    async def _stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.cancel()
        for runner in reversed(self._runners):
            await runner.cleanup()
        if self.pool is not None:
            await self.pool.close()
        if self._transport is not None:
            self._transport.close()
        leftovers = [task for task in asyncio.all_tasks() if task is not asyncio.current_task()]
        for task in leftovers:  # e.g. a dead environment's /next long-poll
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
