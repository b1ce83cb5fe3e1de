"""How ``brickguard up`` puts fault proxies in front of the dependencies and answers chaos requests.

Each backend reaches PostgreSQL, Redis and OpenSearch through its own
:class:`~devstack.chaos.proxy.FaultProxy`, so ``brickguard chaos … --backend serverless`` can hurt
one backend alone; the embedded servers themselves are handed to the controller for pause, kill and
restart. Kept apart from ``up`` so its composition stays readable.
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Callable, Mapping
from typing import Any

from devstack.chaos.controller import ChaosController, ChaosError, Server
from devstack.chaos.express_backend import ErrorShare, ExpressListener
from devstack.chaos.lambda_init import InitFault
from devstack.chaos.proxies import ProxySet
from runtime import config
from runtime.telemetry import catalogue

SETTINGS_FIELDS = {
    catalogue.POSTGRES: "database_url", catalogue.REDIS: "redis_url", catalogue.OPENSEARCH: "opensearch_url",
}


def proxied_settings(stack: contextlib.ExitStack, proxies: ProxySet, settings: config.Settings,
                     backend: str) -> config.Settings:
    """``settings`` whose dependency URLs go through ``backend``'s own proxies."""
    if not proxies.proxies:  # the first backend routed: the proxy process stops with up
        stack.callback(proxies.stop)
    urls = {dependency: getattr(settings, field) for dependency, field in SETTINGS_FIELDS.items()}
    routed = proxies.route(backend, urls)
    changes: dict[str, Any] = {SETTINGS_FIELDS[name]: url for name, url in routed.items()}
    return dataclasses.replace(settings, **changes)


def chaos_endpoint(
    servers: Mapping[str, Server], proxies: ProxySet, reap: Callable[[], int] | None = None, *,
    express: ExpressListener | None = None, express_errors: ErrorShare | None = None,
    init_fault: InitFault | None = None,
) -> Callable[[str, str, str | None, float, Mapping[str, str]], dict[str, Any]]:
    """The admin endpoint's chaos callable: performs the action, or raises ValueError saying why not."""
    redis = servers.get("redis")
    restart_empty = getattr(redis, "restart", None)
    controller = ChaosController(
        servers=servers,
        proxies=proxies.proxies,
        reap=reap,
        restart_empty=(lambda: restart_empty(empty=True)) if restart_empty is not None else None,
        express=express,
        express_errors=express_errors,
        init_fault=init_fault,
    )

    def act(target: str, action: str, backend: str | None, latency_ms: float,
            options: Mapping[str, str]) -> dict[str, Any]:
        try:
            rate = float(options["rate"]) if "rate" in options else None
        except ValueError:
            raise ValueError(f"rate {options['rate']!r} is not a number") from None
        try:
            return controller.act(target, action, backend, latency_ms, rate=rate,
                                  function=options.get("function")).as_dict()
        except ChaosError as exc:
            raise ValueError(str(exc)) from exc

    return act
