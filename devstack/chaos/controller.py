"""The chaos actions ``brickguard chaos TARGET ACTION`` asks the running ``up`` to perform.

``up`` owns the embedded servers, the fault proxies and (with the local AWS) the Lambda pool, so the
actions run inside it; the CLI only asks (admin endpoint, loopback and the data dir's admin token).
Every action answers what it did and the command that undoes it.

| target | actions | how |
|---|---|---|
| redis | pause, resume, kill, restart, restart-empty | the embedded server: SIGSTOP/SIGCONT, SIGKILL, start |
| postgres | stop, start, kill | the embedded server |
| redis, postgres, opensearch | latency, hang, refuse, heal | that backend's fault proxy (default: both) |
| lambda | reap | every execution environment is stopped: the next invocations are cold starts |
| lambda | init-error [--function NAME], heal | new environments fail their init (``lambda_init.py``) |
| express | stop, start | express's public listener closed / listening again (``express_backend.py``) |
| express | errors --rate R, heal | a share R of express's API answers are fast 500s |

Server actions hit both backends (there is one server); proxy actions can be confined to one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from devstack.chaos.express_backend import ErrorShare, ExpressListener
from devstack.chaos.lambda_init import InitFault
from devstack.chaos.proxy import FaultProxy
from runtime.telemetry import catalogue

PROXY_ACTIONS = ("latency", "hang", "refuse", "heal")
SERVER_ACTIONS = {
    catalogue.REDIS: ("pause", "resume", "kill", "restart", "restart-empty"),
    catalogue.POSTGRES: ("stop", "start", "kill"),
}
TARGETS = (*catalogue.DEPENDENCIES, "lambda", "express")
LAMBDA_ACTIONS = ("reap", "init-error", "heal")
EXPRESS_ACTIONS = ("stop", "start", "errors", "heal")
DEFAULT_LATENCY_MS = 300.0


class ChaosError(ValueError):
    """The action cannot be done here (unknown, or its target is not under up's control)."""


class Server(Protocol):
    """What the embedded servers offer (``devstack.embedded``)."""

    @property
    def pid(self) -> int | None: ...

    @property
    def port(self) -> int: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def kill(self) -> None: ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...


@dataclass(frozen=True)
class Outcome:
    """What was done, and how to undo it."""

    did: str
    undo: str

    def as_dict(self) -> dict[str, Any]:
        return {"did": self.did, "undo": self.undo}


class ChaosController:
    """Performs chaos actions on what ``up`` runs."""

    def __init__(
        self,
        *,
        servers: Mapping[str, Server],
        proxies: Mapping[tuple[str, str], FaultProxy],
        reap: Callable[[], int] | None = None,
        restart_empty: Callable[[], None] | None = None,
        express: ExpressListener | None = None,
        express_errors: ErrorShare | None = None,
        init_fault: InitFault | None = None,
    ) -> None:
        self._servers = dict(servers)
        self._proxies = dict(proxies)
        self._reap = reap
        self._restart_empty = restart_empty
        self._express = express
        self._express_errors = express_errors
        self._init_fault = init_fault

    def act(self, target: str, action: str, backend: str | None = None,
            latency_ms: float = DEFAULT_LATENCY_MS, *, rate: float | None = None,
            function: str | None = None) -> Outcome:
        if target not in TARGETS:
            raise ChaosError(f"unknown target {target!r}; one of {', '.join(TARGETS)}")
        if backend is not None and backend not in catalogue.BACKENDS:
            raise ChaosError(f"--backend must be one of {', '.join(catalogue.BACKENDS)}")
        if target == "lambda":
            return self._lambda(action, backend, function)
        if target == "express":
            return self._express_action(action, rate)
        if action in PROXY_ACTIONS:
            return self._proxy(target, action, backend, latency_ms)
        if action in SERVER_ACTIONS.get(target, ()):
            if backend is not None:
                raise ChaosError(f"{target} {action} acts on the one {target} server both backends share; "
                                 f"to hit {backend} alone use: brickguard chaos {target} hang|refuse|latency "
                                 f"--backend {backend}")
            try:
                return self._server(target, action)
            except RuntimeError as exc:  # the embedded server refused (not running, did not start)
                raise ChaosError(f"{target} {action} failed: {exc}") from exc
        known = (*SERVER_ACTIONS.get(target, ()), *PROXY_ACTIONS)
        raise ChaosError(f"{target} has no action {action!r}; one of {', '.join(known)}")

    def _proxy(self, target: str, action: str, backend: str | None, latency_ms: float) -> Outcome:
        backends = [backend] if backend else list(catalogue.BACKENDS)
        chosen = [(name, self._proxies[(name, target)]) for name in backends if (name, target) in self._proxies]
        if not chosen:
            raise ChaosError(f"no {target} proxy for {'/'.join(backends)}: {target} is not configured for it")
        if latency_ms < 0 or latency_ms > 600_000:
            raise ChaosError("latency must be within 0..600000 ms")
        mode = "pass" if action == "heal" else action
        for _, proxy in chosen:
            proxy.set_mode(mode, latency_ms if mode == "latency" else 0.0)
        who = " and ".join(name for name, _ in chosen)
        flag = f" --backend {backend}" if backend else ""
        if action == "heal":
            return Outcome(f"{target} traffic of {who} flows untouched again", "nothing to undo")
        effects = {
            "latency": f"every {target} response to {who} is delayed {latency_ms:g} ms",
            "hang": f"{target} connections of {who} are held open and nothing is forwarded (calls hang)",
            "refuse": f"new {target} connections from {who} are refused and open ones were reset",
        }
        return Outcome(f"{effects[action]} (fault proxy on port "
                       f"{', '.join(str(proxy.port) for _, proxy in chosen)})",
                       f"brickguard chaos {target} heal{flag}")

    def _server(self, target: str, action: str) -> Outcome:
        server = self._servers.get(target)
        if server is None:
            raise ChaosError(f"{target} is not an embedded server of this `up` (given by URL): "
                             f"use the fault proxy: brickguard chaos {target} hang|refuse|latency")
        pid = server.pid
        if action == "pause":
            server.pause()
            return Outcome(f"Redis (pid {pid}) paused with SIGSTOP: connections open, nothing answers",
                           "brickguard chaos redis resume")
        if action == "resume":
            server.resume()
            return Outcome(f"Redis (pid {pid}) resumed with SIGCONT", "nothing to undo")
        if action == "kill":
            server.kill()
            name = "Redis" if target == "redis" else "PostgreSQL"
            undo = "brickguard chaos redis restart" if target == "redis" else "brickguard chaos postgres start"
            return Outcome(f"{name} (pid {pid}) killed with SIGKILL: connections refused", undo)
        if action == "restart":
            server.stop()
            server.start()
            return Outcome(f"Redis restarted with its saved data (pid {server.pid}, port {server.port})",
                           "nothing to undo")
        if action == "restart-empty":
            if self._restart_empty is None:
                raise ChaosError("this Redis cannot be restarted empty here")
            self._restart_empty()
            return Outcome(f"Redis restarted EMPTY (saved data wiped; pid {server.pid}, port {server.port}): "
                           "every cached key is gone", "nothing to undo (the cache refills on reads)")
        if action == "stop":
            server.stop()
            return Outcome(f"PostgreSQL (pid {pid}) stopped cleanly: connections refused",
                           "brickguard chaos postgres start")
        server.start()  # postgres start
        return Outcome(f"PostgreSQL started (pid {server.pid}, port {server.port})", "nothing to undo")

    def _lambda(self, action: str, backend: str | None, function: str | None) -> Outcome:
        if action not in LAMBDA_ACTIONS:
            raise ChaosError(f"lambda has no action {action!r}; one of {', '.join(LAMBDA_ACTIONS)}")
        if backend == "express":
            raise ChaosError(f"lambda {action} acts on the serverless backend only")
        if action == "reap":
            if self._reap is None:
                raise ChaosError("no local Lambda pool runs in this `up`")
            stopped = self._reap()
            return Outcome(f"{stopped} execution environment(s) stopped: the next invocation of each function "
                           "is a cold start", "nothing to undo (environments start on demand)")
        fault = self._init_fault
        if fault is None:
            raise ChaosError("no local Lambda pool runs in this `up`")
        if action == "heal":
            healed = fault.heal()
            if not healed:
                return Outcome("no function had a broken init", "nothing to undo")
            return Outcome(f"{', '.join(healed)} deployed as configured again: new environments initialise normally",
                           "nothing to undo")
        if function is not None and function not in fault.functions:
            raise ChaosError(f"unknown function {function!r}; one of {', '.join(fault.functions)}")
        chosen = [function] if function else fault.functions
        stopped = fault.break_init(chosen)
        return Outcome(f"{', '.join(chosen)} redeployed with a broken artifact ({stopped} environment(s) stopped): "
                       "every new environment fails its init (Runtime.ImportModuleError, INIT_REPORT Status: error) "
                       "and API Gateway answers 500", "brickguard chaos lambda heal")

    def _express_action(self, action: str, rate: float | None) -> Outcome:
        if action not in EXPRESS_ACTIONS:
            raise ChaosError(f"express has no action {action!r}; one of {', '.join(EXPRESS_ACTIONS)}")
        if self._express is None or self._express_errors is None:
            raise ChaosError("express does not run in this `up`")
        port = self._express.port
        if action == "stop":
            reset = self._express.stop()
            if reset is None:
                return Outcome(f"express's listener on port {port} was already stopped",
                               "brickguard chaos express start")
            return Outcome(f"express's listener on port {port} closed ({reset} open connection(s) reset): "
                           "connections are refused; up and its control port keep running",
                           "brickguard chaos express start")
        if action == "start":
            started = self._express.start()
            return Outcome(f"express listens on port {port} again" if started
                           else f"express was already listening on port {port}", "nothing to undo")
        if action == "heal":
            self._express_errors.rate = 0.0
            return Outcome("express answers every request itself again", "nothing to undo")
        if rate is None or not 0 < rate <= 1:
            raise ChaosError("express errors needs --rate R with 0 < R <= 1 (the share of requests answered 500)")
        self._express_errors.rate = rate
        return Outcome(f"{rate:.0%} of the API requests reaching express's port {port} are answered "
                       "500 INTERNAL_SERVER_ERROR at once", "brickguard chaos express heal")
