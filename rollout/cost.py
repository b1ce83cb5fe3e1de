"""What each backend costs at the observed traffic: per million requests and per month.

The migration's reason is cost, so the figure comes from what was measured,
not from a calculator's guesses:

* **serverless** from the functions' ``REPORT`` lines (billed duration times memory
  size, per invocation, keep-warm pings included — they are invocations too),
  the requests through API Gateway (the ``Requests`` metric of
  ``backend=serverless``), and provisioned concurrency (environments times memory,
  every second of the month, whether used or not);
* **express** from its fleet: task size (vCPU, GB), task count and the load
  balancer, every hour of the month; its observed CPU utilisation says what
  share of that capacity the traffic used.

Monthly figures scale the observed window to :data:`MONTH_SECONDS` at the same
rate. Invocations on provisioned environments are billed here at the on-demand
duration price (AWS bills them lower), so the serverless figure is an upper
bound when provisioned concurrency is on. Prices come from :class:`PriceTable`
(``DEFAULT_PRICES``, documented in docs/rollout.md), overridable from a file;
nothing is fetched from the network.

:func:`cost_report` is the one computation every view shows — ``brickguard cost``,
``brickguard rollout status`` and the dashboard page of ``brickguard up`` (whose
:class:`CostMeter` reads the same lines as they are logged) — so they cannot disagree.
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from runtime.telemetry import catalogue

MONTH_SECONDS = 730 * 3600  # AWS's pricing month: 730 hours
MB_PER_GB = 1024


@dataclass(frozen=True)
class PriceTable:
    """USD list prices of one region and architecture."""

    region: str
    architecture: str
    lambda_requests_per_million: float
    lambda_gb_second: float
    provisioned_gb_second: float
    http_api_requests_per_million: float
    fargate_vcpu_hour: float
    fargate_gb_hour: float
    load_balancer_hour: float
    as_of: str = ""


DEFAULT_PRICES: dict[tuple[str, str], PriceTable] = {
    ("us-east-1", "arm64"): PriceTable(
        region="us-east-1", architecture="arm64",
        lambda_requests_per_million=0.20, lambda_gb_second=0.0000133334, provisioned_gb_second=0.0000033334,
        http_api_requests_per_million=1.00, fargate_vcpu_hour=0.03238, fargate_gb_hour=0.00356,
        load_balancer_hour=0.0225, as_of="AWS list prices, 2024",
    ),
    ("us-east-1", "x86_64"): PriceTable(
        region="us-east-1", architecture="x86_64",
        lambda_requests_per_million=0.20, lambda_gb_second=0.0000166667, provisioned_gb_second=0.0000041667,
        http_api_requests_per_million=1.00, fargate_vcpu_hour=0.04048, fargate_gb_hour=0.004445,
        load_balancer_hour=0.0225, as_of="AWS list prices, 2024",
    ),
}


class PriceError(ValueError):
    """No prices for the region/architecture, or a malformed override file."""


def prices(region: str, architecture: str, override: Path | None = None) -> PriceTable:
    """The default table for ``(region, architecture)`` with the fields of ``override`` (JSON) applied.

    An override file may also give a whole table for a region without defaults.
    """
    base = DEFAULT_PRICES.get((region, architecture))
    changes: dict[str, Any] = {}
    if override is not None:
        try:
            changes = json.loads(override.read_text())
        except (OSError, ValueError) as exc:
            raise PriceError(f"{override}: {exc}") from None
        known = {f.name for f in fields(PriceTable)} - {"region", "architecture"}
        unknown = set(changes) - known
        if not isinstance(changes, dict) or unknown:
            raise PriceError(f"{override}: unknown price fields {sorted(unknown)}; known: {sorted(known)}")
    if base is None:
        try:
            return PriceTable(region=region, architecture=architecture, **changes)
        except TypeError:
            raise PriceError(
                f"no default prices for {region}/{architecture}: give every field in --prices "
                f"({', '.join(sorted(f.name for f in fields(PriceTable)))})"
            ) from None
    return replace(base, **changes)


@dataclass
class FunctionUsage:
    invocations: int = 0
    billed_ms: float = 0.0
    memory_mb: int = 0


@dataclass
class ServerlessUsage:
    """What the functions did in the observed window."""

    window_seconds: float
    functions: dict[str, FunctionUsage] = field(default_factory=dict)
    api_requests: float = 0.0
    keep_warm_pings: float = 0.0
    provisioned: dict[str, tuple[int, int]] = field(default_factory=dict)  # function -> (environments, memory MB)

    def add_report(self, function: str, report: Mapping[str, str]) -> None:
        usage = self.functions.setdefault(function, FunctionUsage())
        usage.invocations += 1
        usage.billed_ms += float(report["Billed Duration"].split()[0])
        usage.memory_mb = int(report["Memory Size"].split()[0])


@dataclass(frozen=True)
class ExpressSize:
    """What the logs cannot tell about the serverful fleet; the defaults are ``brickguard cost``'s and ``up``'s."""

    tasks: int = 2
    vcpu: float = 1.0
    memory_gb: float = 2.0
    utilisation: float | None = None  # mean CPU share in the window, 0..1


@dataclass(frozen=True)
class ExpressFleet:
    tasks: int
    vcpu: float
    memory_gb: float
    utilisation: float | None  # mean CPU share in the window, 0..1
    requests: float
    window_seconds: float


@dataclass(frozen=True)
class BackendCost:
    backend: str
    per_month: float
    per_million_requests: float | None
    monthly_requests: float
    lines: dict[str, float]
    notes: list[str]

    def as_json(self) -> dict[str, Any]:
        return {
            "backend": self.backend, "per_month_usd": round(self.per_month, 2),
            "per_million_requests_usd": (
                None if self.per_million_requests is None else round(self.per_million_requests, 4)
            ),
            "monthly_requests": round(self.monthly_requests),
            "lines_usd_per_month": {name: round(value, 2) for name, value in self.lines.items()},
            "notes": self.notes,
        }


def serverless_cost(usage: ServerlessUsage, table: PriceTable) -> BackendCost:
    scale = MONTH_SECONDS / usage.window_seconds
    invocations = sum(f.invocations for f in usage.functions.values())
    gb_seconds = sum(f.billed_ms / 1000 * f.memory_mb / MB_PER_GB for f in usage.functions.values())
    provisioned_gb = sum(envs * memory_mb / MB_PER_GB for envs, memory_mb in usage.provisioned.values())
    lines = {
        "lambda requests": invocations * scale / 1e6 * table.lambda_requests_per_million,
        "lambda duration": gb_seconds * scale * table.lambda_gb_second,
        "provisioned concurrency": provisioned_gb * MONTH_SECONDS * table.provisioned_gb_second,
        "api gateway requests": usage.api_requests * scale / 1e6 * table.http_api_requests_per_million,
    }
    notes = [
        f"{invocations} invocations in {usage.window_seconds:.0f} s, "
        f"{usage.keep_warm_pings:.0f} of them keep-warm pings",
        f"{gb_seconds:.3f} GB-s billed ({table.architecture})",
    ]
    if provisioned_gb:
        notes.append("invocations on provisioned environments priced at the on-demand rate: an upper bound")
    return _cost("serverless", lines, usage.api_requests * scale, notes)


def express_cost(fleet: ExpressFleet, table: PriceTable) -> BackendCost:
    hours = MONTH_SECONDS / 3600
    lines = {
        "fargate vcpu": fleet.tasks * fleet.vcpu * hours * table.fargate_vcpu_hour,
        "fargate memory": fleet.tasks * fleet.memory_gb * hours * table.fargate_gb_hour,
        "load balancer": hours * table.load_balancer_hour,
    }
    notes = [f"{fleet.tasks} task(s) of {fleet.vcpu:g} vCPU / {fleet.memory_gb:g} GB, every hour of the month"]
    if fleet.utilisation is not None:
        notes.append(f"CPU utilisation {fleet.utilisation:.0%}: the traffic used that share of the paid capacity")
    return _cost("express", lines, fleet.requests * MONTH_SECONDS / fleet.window_seconds, notes)


def _cost(backend: str, lines: dict[str, float], monthly_requests: float, notes: list[str]) -> BackendCost:
    total = sum(lines.values())
    per_million = total / (monthly_requests / 1e6) if monthly_requests else None
    return BackendCost(backend, total, per_million, monthly_requests, lines, notes)


def cost_report(
    usage: ServerlessUsage, requests: Mapping[str, float], table: PriceTable, size: ExpressSize
) -> dict[str, Any]:
    """Both backends' cost as JSON: what ``brickguard cost --json``, ``rollout status`` and the page show.

    ``{"observed": false, "reason"}`` while the log spans no time (nothing to scale to a month).
    """
    if usage.window_seconds <= 0:
        return {"observed": False, "reason": "no EMF metrics over a span of time yet: nothing was observed",
                "prices": asdict(table)}
    fleet = ExpressFleet(size.tasks, size.vcpu, size.memory_gb, size.utilisation, requests.get("express", 0.0),
                         usage.window_seconds)
    results = [express_cost(fleet, table), serverless_cost(usage, table)]
    measured = {
        "requests": {backend: round(count) for backend, count in sorted(requests.items()) if backend},
        "invocations": sum(f.invocations for f in usage.functions.values()),
        "keep_warm_pings": round(usage.keep_warm_pings),
    }
    return {"observed": True, "prices": asdict(table), "window_seconds": round(usage.window_seconds, 3),
            "measured": measured, "backends": {result.backend: result.as_json() for result in results}}


def summary_lines(report: Mapping[str, Any]) -> list[str]:
    """A :func:`cost_report` in a few lines of text (``rollout status``)."""
    if not report.get("observed"):
        return [f"cost: {report.get('reason', 'not measured')}"]
    table = report["prices"]
    lines = [f"cost at the traffic observed over {report['window_seconds']:.0f} s "
             f"({table['region']}, {table['architecture']}):"]
    for backend, figures in report["backends"].items():
        per_million = figures["per_million_requests_usd"]
        lines.append(
            f"  {backend}: ${figures['per_month_usd']:,.2f} per month, "
            + ("- per million requests" if per_million is None else f"${per_million:,.2f} per million requests")
            + f" ({figures['monthly_requests']:,} requests a month)"
        )
    return lines


class CostMeter:
    """Serverless usage and per-backend requests, accumulated from log lines as they arrive.

    What :func:`usage_from_log` reads from a whole log, kept up to date line by line: ``brickguard
    up`` feeds it every function's and the serverful backend's lines, as ``brickguard cost --log``
    would read them from up's output. Thread-safe: the lines come from many threads.
    """

    def __init__(
        self, provisioned: Mapping[str, tuple[int, int]], parse_report: Callable[[str], dict[str, str] | None]
    ) -> None:
        self._usage = ServerlessUsage(window_seconds=0.0, provisioned=dict(provisioned))
        self._requests: dict[str, float] = {}
        self._first: float | None = None
        self._last: float | None = None
        self._parse_report = parse_report
        self._lock = threading.Lock()

    def line(self, function: str, line: str) -> None:
        """One log line of ``function`` ("" for the serverful backend's)."""
        report = self._parse_report(line)
        document = None if report is not None else _emf(line)
        if report is None and document is None:
            return
        with self._lock:
            if report is not None:
                self._usage.add_report(function, report)
                return
            assert document is not None
            stamp = document["_aws"]["Timestamp"] / 1000
            self._first = stamp if self._first is None else min(self._first, stamp)
            self._last = stamp if self._last is None else max(self._last, stamp)
            backend = document.get("backend", "")
            self._requests[backend] = self._requests.get(backend, 0.0) + _sum(document.get(catalogue.REQUESTS.name))
            if backend == "serverless":
                self._usage.keep_warm_pings += _sum(document.get(catalogue.KEEP_WARM_PING.name))

    def snapshot(self) -> tuple[ServerlessUsage, dict[str, float]]:
        """The usage so far (a copy) and the requests per backend."""
        with self._lock:
            usage = copy.deepcopy(self._usage)
            requests = dict(self._requests)
            first, last = self._first, self._last
        usage.api_requests = requests.get("serverless", 0.0)
        usage.window_seconds = last - first if first is not None and last is not None else 0.0
        return usage, requests


def usage_from_log(
    lines: Iterable[str],
    provisioned: Mapping[str, tuple[int, int]],
    parse_report: Callable[[str], dict[str, str] | None],
) -> tuple[ServerlessUsage, dict[str, float]]:
    """Serverless usage and per-backend request counts from function log lines.

    Lines are ``brickguard up``'s output (``[function] line``) or a CloudWatch Logs export:
    ``REPORT`` lines give invocations and billed duration; EMF documents give each backend's
    ``Requests`` and the keep-warm pings; their timestamps give the window. ``parse_report`` reads
    a ``REPORT`` line (``devstack.lambda_.platform_logs.parse_report``: Lambda's format, handed in by the CLI).
    """
    meter = CostMeter(provisioned, parse_report)
    for raw in lines:
        meter.line(*_split_function(raw.rstrip("\n")))
    return meter.snapshot()


def _split_function(line: str) -> tuple[str, str]:
    if line.startswith("[") and "] " in line:
        name, _, rest = line[1:].partition("] ")
        return name, rest
    return "", line


def _emf(line: str) -> dict[str, Any] | None:
    if not line.startswith("{") or '"_aws"' not in line:
        return None
    try:
        document = json.loads(line)
    except ValueError:
        return None
    return document if isinstance(document, dict) and isinstance(document.get("_aws"), dict) else None


def _sum(value: Any) -> float:
    if isinstance(value, list):
        return float(sum(v for v in value if isinstance(v, int | float)))
    return float(value) if isinstance(value, int | float) else 0.0
