"""A small monitoring facade in the spirit of cdk-monitoring-constructs.

Declare *what* to watch (a catalogue metric, a rate between two metrics, an AWS metric per resource)
and get graphs that already split by backend — and by dependency where the metric has one — with
labels and metric-math ids that cannot collide. Metric names come only from the catalogue
(ours) or :mod:`runtime.telemetry.aws_metrics` (AWS's).
"""

from __future__ import annotations

from collections.abc import Sequence

from dashboards.widgets import Annotation, Graph, Line, MathLine
from runtime.telemetry import catalogue
from runtime.telemetry.aws_metrics import ALB_TARGET_4XX, API_4XX, HEALTH_CHECK_STATUS, SERVICE, AwsMetric
from runtime.telemetry.objectives import EDGES, cold_start_target_ms


def ours(spec: catalogue.MetricSpec, stat: str, label: str, metric_id: str | None = None, **dims: str) -> Line:
    """A catalogue metric as CloudWatch holds it: ``service`` + the given ``dims`` of its published set.

    A line given a ``metric_id`` is an input to metric math and is hidden; the math line is drawn.
    """
    if not spec.in_cloudwatch:
        raise ValueError(f"{spec.name} is not published to CloudWatch")
    published = spec.published_dimensions
    unknown = set(dims) - set(published)
    if unknown:
        raise ValueError(f"{spec.name} has no CloudWatch dimension(s) {sorted(unknown)}")
    pairs = (("service", SERVICE), *((name, dims[name]) for name in published if name in dims))
    return Line(catalogue.DEFAULT_NAMESPACE, spec.name, pairs, stat, label, metric_id, visible=metric_id is None)


def aws(metric: AwsMetric, stat: str, label: str, **dims: str) -> Line:
    """An AWS metric; its dimensions must be the ones AWS publishes it with."""
    if set(dims) != set(metric.dimensions):
        raise ValueError(f"{metric.namespace}/{metric.name} is published with {metric.dimensions}")
    return Line(metric.namespace, metric.name, tuple((name, dims[name]) for name in metric.dimensions), stat, label)


def _splits(spec: catalogue.MetricSpec) -> list[dict[str, str]]:
    backends = [{"backend": backend} for backend in catalogue.BACKENDS]
    if "dependency" in spec.published_dimensions:
        return [{**split, "dependency": dep} for dep in catalogue.DEPENDENCIES for split in backends]
    return backends


def _label(split: dict[str, str], suffix: str = "") -> str:
    return " ".join([*split.values(), suffix]).strip()


def compare(
    spec: catalogue.MetricSpec,
    title: str,
    stats: Sequence[str] = ("Sum",),
    *,
    annotations: Sequence[Annotation] = (),
    width: int = 8,
    y_label: str = "",
) -> Graph:
    """Both backends side by side (per dependency where ``spec`` has one), one line per stat."""
    lines = [
        ours(spec, stat, _label(split, stat if len(stats) > 1 else ""), **split)
        for split in _splits(spec)
        for stat in stats
    ]
    return Graph(title, tuple(lines), width=width, annotations=tuple(annotations), y_label=y_label or spec.unit)


def rate(
    title: str,
    numerator: Sequence[catalogue.MetricSpec],
    denominator: Sequence[catalogue.MetricSpec],
    *,
    width: int = 8,
    annotations: Sequence[Annotation] = (),
) -> Graph:
    """Per backend: ``100 * sum(numerator) / sum(denominator)`` as a percentage, inputs hidden.

    Every input is wrapped in ``FILL(.., 0)``: counters are only published when they happen, and a
    missing CacheMiss must not blank the hit rate. An all-zero denominator still yields no value.
    """
    lines: list[Line | MathLine] = []
    for index, backend in enumerate(catalogue.BACKENDS):
        ids: dict[str, str] = {}
        for spec in dict.fromkeys([*numerator, *denominator]):
            ids[spec.name] = f"m{index}_{len(ids)}"
            lines.append(ours(spec, "Sum", f"{backend} {spec.name}", ids[spec.name], backend=backend))

        def total(specs: Sequence[catalogue.MetricSpec], ids: dict[str, str] = ids) -> str:
            return " + ".join(f"FILL({ids[spec.name]}, 0)" for spec in specs)

        expression = f"100 * ({total(numerator)}) / ({total(denominator)})"
        lines.append(MathLine(expression, f"{backend} %", f"rate{index}"))
    return Graph(title, tuple(lines), width=width, annotations=tuple(annotations), y_label="%")


def per_resource(
    metric: AwsMetric,
    title: str,
    resources: dict[str, dict[str, str]],
    stats: Sequence[str] = ("Sum",),
    *,
    width: int = 8,
) -> Graph:
    """An AWS metric for each resource (label -> its dimensions), one line per resource and stat."""
    lines = [
        aws(metric, stat, f"{label} {stat}" if len(stats) > 1 else label, **dims)
        for label, dims in resources.items()
        for stat in stats
    ]
    return Graph(title, tuple(lines), width=width)


def edge_latency(stat: str, *, annotations: Sequence[Annotation] = (), width: int = 12) -> Graph:
    """Latency as users see it, per backend: the edge's (API Gateway ``Latency``, cold starts and the invoke hop
    included; the load balancer's ``TargetResponseTime``, seconds shown as ms), each beside the handler-only
    ``Latency`` of the catalogue, labelled as such (it leaves out everything before the handler's entry)."""
    lines: list[Line | MathLine] = []
    for index, edge in enumerate(EDGES.values()):
        label = f"{edge.backend} at the edge {stat}"
        at_edge = aws(edge.latency, stat, label, **edge.dims())
        if edge.latency_unit_ms == 1.0:
            lines.append(at_edge)
        else:
            hidden = Line(at_edge.namespace, at_edge.name, at_edge.dimensions, stat, label, f"edge{index}", False)
            lines += [hidden, MathLine(f"{edge.latency_unit_ms:g} * edge{index}", label, f"edgems{index}")]
        lines.append(ours(catalogue.LATENCY, stat, f"{edge.backend} handler only {stat}", backend=edge.backend))
    return Graph(f"Latency {stat} as users see it (edge) and handler only", tuple(lines), width=width,
                 annotations=tuple(annotations), y_label="Milliseconds")


def edge_availability(*, width: int = 12, annotations: Sequence[Annotation] = ()) -> Graph:
    """Per backend, the share of requests answered 5xx at the edge (what the availability objective counts)."""
    lines: list[Line | MathLine] = []
    for index, edge in enumerate(EDGES.values()):
        total = [aws(edge.requests, "Sum", f"{edge.backend} requests", **edge.dims())]
        bad = [aws(metric, "Sum", f"{edge.backend} {metric.name}", **edge.dims()) for metric in edge.failures]
        ids = {}
        for position, line in enumerate([*total, *bad]):
            ids[line.name] = f"a{index}_{position}"
            lines.append(Line(line.namespace, line.name, line.dimensions, "Sum", line.label, ids[line.name], False))
        failed = " + ".join(f"FILL({ids[metric.name]}, 0)" for metric in edge.failures)
        counted = " + ".join([f"FILL({ids[edge.requests.name]}, 0)",
                              *(f"FILL({ids[metric.name]}, 0)" for metric in edge.uncounted)])
        lines.append(MathLine(f"100 * ({failed}) / ({counted})", f"{edge.backend} 5xx % at the edge", f"avail{index}"))
    return Graph("5xx % at the edge (availability objective)", tuple(lines), width=width,
                 annotations=tuple(annotations), y_label="%")


def edge_health(*, width: int = 12) -> Graph:
    """Route53's health check of each backend (1 healthy, 0 failing; us-east-1's metrics)."""
    lines = tuple(
        aws(edge_metric, "Minimum", f"{edge.backend} health check", HealthCheckId=edge.health_check)
        for edge in EDGES.values()
        for edge_metric in (HEALTH_CHECK_STATUS,)
    )
    return Graph("Route53 health checks (1 healthy)", lines, width=width)


def edge_4xx(*, width: int = 8) -> Graph:
    """Per backend, the 4xx answered at the edge: AWS's own counts (free), where the app's ``Errors4xx`` is no
    CloudWatch metric (a client's 4xx storm is no outage, and AWS already counts it)."""
    express, serverless = EDGES[catalogue.EXPRESS], EDGES[catalogue.SERVERLESS]
    lines = (
        aws(ALB_TARGET_4XX, "Sum", f"{express.backend} 4xx (load balancer targets)", **express.dims()),
        aws(API_4XX, "Sum", f"{serverless.backend} 4xx (API Gateway)", **serverless.dims()),
    )
    return Graph("4xx responses at the edge", lines, width=width, y_label="Count")


def cold_starts(functions: Sequence[str], *, width: int = 8) -> tuple[Graph, ...]:
    """Per function: the p99 of what a cold start's first caller waited (init plus that request), its target
    drawn, and the number of cold starts (the metric's SampleCount: one sample per cold start)."""
    if not functions:
        return ()
    spec = catalogue.COLD_START_DURATION
    targets: dict[float, list[str]] = {}
    for function in functions:
        target = cold_start_target_ms(function)
        if target is not None:
            targets.setdefault(target, []).append(function)
    marks = tuple(Annotation(value, f"target {', '.join(names)} {value:g} ms", "#2ca02c")
                  for value, names in sorted(targets.items()))
    duration = tuple(ours(spec, "p99", f"{function} p99", function=function) for function in functions)
    count = tuple(ours(spec, "SampleCount", function, function=function) for function in functions)
    return (
        Graph("Cold start p99 per function (init + first request)", duration, width=width, annotations=marks,
              y_label="Milliseconds"),
        Graph("Cold starts per function", count, width=width, y_label="Count"),
    )
