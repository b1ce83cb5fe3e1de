"""One Lambda execution environment: a real process running AWS's ``awslambdaric``.

Mirrors a Lambda sandbox's life: the process starts with Lambda's environment
variables (``AWS_LAMBDA_FUNCTION_NAME``, ``…_MEMORY_SIZE``,
``AWS_LAMBDA_INITIALIZATION_TYPE``, ``AWS_LAMBDA_RUNTIME_API``, ``_HANDLER``,
``AWS_XRAY_DAEMON_ADDRESS``…), runs one invocation at a time, and Init Duration
is measured as Lambda measures it: from process start to the runtime's first
``/next``. An invocation that outlives the function timeout kills the process
(Lambda resets the sandbox); a runtime that exits, or fails to import its
handler, takes the environment with it. The platform's ``START`` / ``END`` /
``REPORT`` lines and the function's own output go to one log sink, tagged
with the function's name.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import enum
import os
import signal
import sys
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from aiohttp import web

from devstack.lambda_ import platform_logs
from devstack.lambda_.function_code import DEVELOPMENT_TREE, FunctionCode
from devstack.lambda_.invocation import Invocation, InvocationResult, Outcome, platform_error
from devstack.lambda_.runtime_api import runtime_api_app
from runtime.coldstart import process_started_at
from stack.functions import FunctionSpec

ON_DEMAND = "on-demand"
PROVISIONED = "provisioned-concurrency"

LogSink = Callable[[str, str], None]
"""``sink(function, line)``: where a function's log lines go."""


class State(enum.Enum):
    INIT = "init"
    IDLE = "idle"
    BUSY = "busy"
    GONE = "gone"


@dataclass(frozen=True)
class FunctionRuntime:
    """What every environment of one function is started with."""

    function: FunctionSpec
    function_name: str
    function_arn: str
    environment: Mapping[str, str]
    """The function's configured variables plus what the platform provides (X-Ray, endpoints, credentials)."""
    log_sink: LogSink
    region: str = "us-east-1"
    code: FunctionCode = DEVELOPMENT_TREE
    """What the process imports: the function's artifact and the platform (``up``), or this tree (tests' handlers)."""


def _die_with_parent() -> None:  # pragma: no cover - runs in the child between fork and exec
    """If ``brickguard up`` dies without cleaning up, the kernel kills its environments too."""
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)


def _max_memory_used_mb(pid: int) -> int:
    """Peak resident memory (``VmHWM``) of the process, as Lambda's Max Memory Used."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class ExecutionEnvironment:
    """A sandbox of one function; the pool decides when to start, use and reap it."""

    def __init__(
        self,
        runtime: FunctionRuntime,
        initialization_type: str,
        on_gone: Callable[[ExecutionEnvironment], None],
    ) -> None:
        self.runtime = runtime
        self.initialization_type = initialization_type
        self.id = uuid.uuid4().hex
        self.state = State.INIT
        self.idle_since = time.monotonic()
        self.init_duration_ms: float | None = None
        self.invocations = 0
        self._on_gone = on_gone
        self._pending: asyncio.Queue[Invocation] = asyncio.Queue(maxsize=1)
        self._current: Invocation | None = None
        self._report_init = initialization_type == ON_DEMAND
        self._timer: asyncio.TimerHandle | None = None
        self._init_error: InvocationResult | None = None
        self._process: asyncio.subprocess.Process | None = None
        self._runner: web.AppRunner | None = None
        self._spawned_at = 0.0
        self._tasks: list[asyncio.Task[None]] = []
        self._long_poll: asyncio.Task[object] | None = None
        self.initialized = asyncio.Event()
        self.gone = asyncio.Event()

    @property
    def function(self) -> str:
        return self.runtime.function.name

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    @property
    def available(self) -> bool:
        return self.state is State.IDLE and self._pending.empty()

    def _log(self, line: str) -> None:
        self.runtime.log_sink(self.function, line)

    def _variables(self, runtime_api: str) -> dict[str, str]:
        function = self.runtime.function
        stream = f"{datetime.now(UTC):%Y/%m/%d}/[{platform_logs.VERSION}]{self.id}"
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "LAMBDA_TASK_ROOT": str(self.runtime.code.task_root),
            "LAMBDA_RUNTIME_DIR": str(self.runtime.code.runtime_dir),
            "_HANDLER": function.handler,
            "AWS_EXECUTION_ENV": f"AWS_Lambda_python{sys.version_info.major}.{sys.version_info.minor}",
            "AWS_LAMBDA_RUNTIME_API": runtime_api,
            "AWS_LAMBDA_FUNCTION_NAME": self.runtime.function_name,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(function.memory_mb),
            "AWS_LAMBDA_FUNCTION_VERSION": platform_logs.VERSION,
            "AWS_LAMBDA_INITIALIZATION_TYPE": self.initialization_type,
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{self.runtime.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": stream,
            "AWS_REGION": self.runtime.region,
            "AWS_DEFAULT_REGION": self.runtime.region,
            **self.runtime.environment,
            # a configured PYTHONPATH goes in front of the artifact's, never instead of it (the runtime
            # interface client is on the artifact's path): how `chaos lambda init-error` shadows a package
            "PYTHONPATH": os.pathsep.join(
                entry for entry in (self.runtime.environment.get("PYTHONPATH"), self.runtime.code.python_path())
                if entry
            ),
        }

    async def start(self) -> None:
        """Open this sandbox's Runtime API and start the runtime process (the init phase begins)."""
        self._runner = web.AppRunner(runtime_api_app(self), access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = self._runner.addresses[0][1]
        self._spawned_at = time.perf_counter()
        code = self.runtime.code
        self._process = await asyncio.create_subprocess_exec(
            sys.executable,
            *(["-S"] if code.isolated else []),  # no site-packages: only the artifact and the platform
            "-m",
            "awslambdaric",
            self.runtime.function.handler,
            cwd=str(code.task_root),
            env=self._variables(f"127.0.0.1:{port}"),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,  # Ctrl-C reaches `up`, which stops environments itself
            preexec_fn=_die_with_parent,
        )
        # init starts when the kernel started the process, read as the runtime reads it (runtime.coldstart)
        self._spawned_at = process_started_at(self._process.pid) or self._spawned_at
        self._tasks = [asyncio.create_task(self._pump_logs()), asyncio.create_task(self._watch_exit())]

    def run(self, invocation: Invocation) -> None:
        """Hand ``invocation`` to this environment (it must be available, or still initialising)."""
        self.state = State.BUSY
        self._pending.put_nowait(invocation)

    def kill(self) -> None:
        """Destroy the sandbox now (reaping, timeout, shutdown); it takes no more invocations."""
        self.state = State.GONE
        if self._process is not None and self._process.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self._process.pid, signal.SIGKILL)

    # --- the Runtime API's side -------------------------------------------------------------

    async def next_invocation(self) -> Invocation:
        if self.init_duration_ms is None:
            self.init_duration_ms = (time.perf_counter() - self._spawned_at) * 1000.0
            self.initialized.set()
        if self._pending.empty():
            self.state = State.IDLE
            self.idle_since = time.monotonic()
        self._long_poll = asyncio.current_task()
        invocation = await self._pending.get()
        self.state = State.BUSY
        self._current = invocation
        self.invocations += 1
        invocation.begin()
        self._log(platform_logs.start_line(invocation.request_id))
        self._timer = asyncio.get_running_loop().call_later(invocation.timeout_seconds, self._timed_out, invocation)
        return invocation

    def respond(self, request_id: str, payload: bytes) -> bool:
        return self._complete(request_id, InvocationResult(Outcome.SUCCESS, payload))

    def fail(self, request_id: str, error_type: str, payload: bytes) -> bool:
        return self._complete(request_id, InvocationResult(Outcome.FUNCTION_ERROR, payload, error_type))

    def response_too_large(self, request_id: str) -> bool:
        result = platform_error(
            Outcome.RESPONSE_TOO_LARGE,
            "Function.ResponseSizeTooLarge",
            request_id,
            "Response payload size exceeded maximum allowed payload size (6291556 bytes).",
        )
        return self._complete(request_id, result)

    def init_failed(self, error_type: str, payload: bytes) -> None:
        self._init_error = InvocationResult(Outcome.INIT_ERROR, payload, error_type)
        init_ms = (time.perf_counter() - self._spawned_at) * 1000.0
        self._log(f"INIT_REPORT Init Duration: {init_ms:.2f} ms\tPhase: init\tStatus: error\tError Type: {error_type}")

    # --- lifecycle --------------------------------------------------------------------------

    def _complete(self, request_id: str, result: InvocationResult, status: str | None = None) -> bool:
        """End the current invocation; False for any other request id (a late or duplicate answer).

        The environment is free once its invocation ended, even when nobody awaits the result any
        more (the caller gave up): left holding it, the environment would later look idle with an
        invocation still recorded, and dying or being reclaimed it would report that invocation
        again as ``Status: error`` with ``Max Memory Used: 0 MB``.
        """
        invocation = self._current
        if invocation is None or invocation.request_id != request_id:
            return False
        invocation.finish(result)
        if self._timer is not None:
            self._timer.cancel()
        self._current = None
        self._write_report(invocation, status)
        if status is None:
            self.state = State.IDLE
            self.idle_since = time.monotonic()
        return True

    def _write_report(self, invocation: Invocation, status: str | None) -> None:
        duration_ms = (time.monotonic() - invocation.started) * 1000.0
        init_ms = self.init_duration_ms if self._report_init else None
        self._report_init = False
        self._log(platform_logs.end_line(invocation.request_id))
        self._log(
            platform_logs.report_line(
                invocation.request_id,
                duration_ms=duration_ms,
                memory_mb=self.runtime.function.memory_mb,
                max_memory_used_mb=_max_memory_used_mb(self.pid or 0),
                init_duration_ms=init_ms,
                status=status,
            )
        )

    def _timed_out(self, invocation: Invocation) -> None:
        if self._current is not invocation:
            return
        self._log(platform_logs.timeout_line(invocation.request_id, invocation.timeout_seconds))
        message = f"Task timed out after {invocation.timeout_seconds:.2f} seconds"
        result = platform_error(Outcome.TIMEOUT, "Sandbox.Timedout", invocation.request_id, message)
        self._complete(invocation.request_id, result, status="timeout")
        self.kill()

    async def _pump_logs(self) -> None:
        assert self._process is not None and self._process.stdout is not None
        while line := await self._process.stdout.readline():
            self._log(line.decode(errors="replace").rstrip("\n"))

    async def _watch_exit(self) -> None:
        assert self._process is not None
        code = await self._process.wait()
        self.state = State.GONE
        exit_reason = f"signal: {signal.Signals(-code).name.lower()}" if code < 0 else f"exit status {code}"
        if self._current is not None:
            invocation = self._current
            message = f"Runtime exited with error: {exit_reason}"
            result = platform_error(Outcome.RUNTIME_EXIT, "Runtime.ExitError", invocation.request_id, message)
            self._complete(invocation.request_id, result, status="error")
        while not self._pending.empty():  # assigned while initialising: the init failed
            invocation = self._pending.get_nowait()
            invocation.finish(
                self._init_error
                or platform_error(
                    Outcome.RUNTIME_EXIT,
                    "Runtime.ExitError",
                    invocation.request_id,
                    f"Runtime exited without providing a reason ({exit_reason})",
                )
            )
        self.initialized.set()
        if self._long_poll is not None and not self._long_poll.done():
            self._long_poll.cancel()  # the runtime that was polling is gone
        if self._runner is not None:
            await self._runner.cleanup()
        self.gone.set()
        self._on_gone(self)
