"""Run alarm case files through the offline evaluator and compare expected with actual per step."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from alarms import casefile, profiles, routing
from alarms.evaluator.engine import ManualState, Simulation, Track
from alarms.evaluator.series import SeriesStore, metric_key
from alarms.render import RenderedAlarms, Substitution, render_profile

SHIPPED_CASES = Path(__file__).parent / "cases"
OFFLINE_ACCOUNT = "123456789012"


@dataclass(frozen=True)
class StepResult:
    """One expectation of one scenario: what was expected, what the evaluator found."""

    file: str
    scenario: str
    at: int
    alarm: str
    expected: str
    actual: str

    @property
    def passed(self) -> bool:
        return self.expected == self.actual


def offline_resolver(region: str, service: str = "lego-projects-api", concurrency_limit: int = 1000) -> Substitution:
    """Concrete values for offline runs; case files may use the same ``${...}`` placeholders."""
    values = {
        "ServiceName": service,
        "AWS::Region": region,
        "AWS::AccountId": OFFLINE_ACCOUNT,
        "AWS::Partition": "aws",
        "HttpApi": "offline-api",
        "AccountConcurrencyLimit": str(concurrency_limit),
        "RunbookBaseUrl": "https://example.invalid/brickguard",
        "DatabaseInstanceId": "offline-db",
        "DatabaseProxyName": "offline-db-proxy",
        "CacheClusterId": "offline-cache-001",
        "SearchDomainName": "offline-search",
        "ExpressHealthCheck": "offline-express-check",
        "ServerlessHealthCheck": "offline-serverless-check",
    }
    values["PagesTopic"] = f"arn:aws:sns:{region}:{OFFLINE_ACCOUNT}:{service}-pages"
    values["WarningsTopic"] = f"arn:aws:sns:{region}:{OFFLINE_ACCOUNT}:{service}-warnings"
    values["RollbackFunction.Arn"] = f"arn:aws:lambda:{region}:{OFFLINE_ACCOUNT}:function:{service}-rollback"
    values["ExpressLoadBalancer"] = "app/offline-express/0123456789abcdef"
    values["ExpressTargetGroup"] = "targetgroup/offline-express/0123456789abcdef"
    return Substitution(values, profiles.region_group(region))


def case_files(paths: Iterable[Path]) -> list[Path]:
    """Expand directories to their ``*.yaml`` files; no paths means the shipped cases."""
    chosen = list(paths) or [SHIPPED_CASES]
    found: list[Path] = []
    for path in chosen:
        found.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return found


def _name(rendered: RenderedAlarms, slug: str, where: str) -> str:
    if slug not in rendered.slugs:
        raise casefile.CaseError(f"{where}: no alarm {slug!r} in profile {rendered.profile}")
    return str(rendered.slugs[slug])


def _describe(
    state: str, suppressed_by: str | None, actions: Sequence[str] | None, expect: casefile.Expectation
) -> str:
    parts = [state]
    if expect.suppressed_by != casefile.NOT_GIVEN:
        parts.append(f"suppressed_by={suppressed_by or 'none'}")
    if expect.actions is not None:
        parts.append(f"actions=[{', '.join(actions or [])}]")
    return " ".join(parts)


def run_scenario(scenario: casefile.Scenario, functions: Sequence[str], file: str = "") -> list[StepResult]:
    """Evaluate one scenario and compare every expectation."""
    resolver = offline_resolver(scenario.region)
    rendered = render_profile(profiles.get(scenario.profile), functions, resolver, scenario.region)
    store = SeriesStore()
    for series in scenario.series:
        dims = {name: resolver.text(value) for name, value in series.dimensions.items()}
        target = store.get(metric_key(series.namespace, series.metric, dims))
        cursor = 0
        for segment in series.timeline:
            for at in range(cursor, cursor + segment.seconds, scenario.interval):
                target.publish(at, list(segment.samples))
            cursor += segment.seconds
    where = f"{file}:{scenario.name}"
    manual = [ManualState(call.at, _name(rendered, call.alarm, where), call.state) for call in scenario.set_state]
    simulation = Simulation(
        rendered.metric.values(), rendered.composite.values(), store, step=scenario.interval, manual=manual
    )
    tracks = simulation.run(max(expect.at for expect in scenario.expect))
    paging = _paging_names(rendered, resolver)
    results = []
    for expect in scenario.expect:
        if expect.pages is not None:
            paged = sorted(name for name in paging if _paged(tracks[name], expect.at))
            actual = f"pages={len(paged)}" + (f" ({', '.join(paged)})" if paged else "")
            results.append(
                StepResult(file, scenario.name, expect.at, "pages", f"pages={expect.pages}",
                           actual if len(paged) != expect.pages else f"pages={expect.pages}")
            )
            continue
        track = tracks[_name(rendered, expect.alarm, where)]
        expected = _describe(expect.state, expect.suppressed_by, expect.actions, expect)
        actual = _describe(
            track.state_at(expect.at), track.suppressed_by_at(expect.at), track.actions_until(expect.at), expect
        )
        results.append(StepResult(file, scenario.name, expect.at, expect.alarm, expected, actual))
    return results


def _paging_names(rendered: RenderedAlarms, resolver: Substitution) -> list[str]:
    topic = resolver.text(routing.PAGES_TOPIC)
    requests = [*rendered.metric.values(), *rendered.composite.values()]
    return [str(request["AlarmName"]) for request in requests if topic in request.get("AlarmActions", [])]


def _paged(track: Track, at: int) -> bool:
    """A page is open at ``at``: the alarm is in ALARM and its latest action sent was its ALARM action (an action
    held or dropped by a suppressor is no page)."""
    sent = track.actions_until(at)
    return track.state_at(at) == "ALARM" and bool(sent) and sent[-1] == "ALARM"


def run_files(paths: Iterable[Path], functions: Sequence[str]) -> list[StepResult]:
    """Load and run every scenario of every file; malformed files raise :class:`casefile.CaseError`."""
    results: list[StepResult] = []
    for path in case_files(paths):
        loaded = casefile.load(path)
        for scenario in loaded.scenarios:
            results.extend(run_scenario(scenario, functions, path.name))
    return results
