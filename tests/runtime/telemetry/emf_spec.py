"""A structural check of one EMF document against the CloudWatch Embedded Metric Format specification.

Spec: "Specification: Embedded metric format" (Amazon CloudWatch user guide).
Root node: ``_aws`` metadata with ``Timestamp`` (epoch ms) and
``CloudWatchMetrics`` (MetricDirectives). A MetricDirective has ``Namespace``
(1..1024 chars), ``Dimensions`` (an array of DimensionSets: arrays of at most
30 strings, each naming a root member whose value is a string) and
``Metrics`` (at most 100 MetricDefinitions: ``Name`` naming a root member
whose value is a number or an array of at most 100 numbers, an optional valid
``Unit`` and an optional ``StorageResolution`` of 1 or 60).
"""

from __future__ import annotations

import numbers
from typing import Any

VALID_UNITS = {
    "Seconds", "Microseconds", "Milliseconds", "Bytes", "Kilobytes", "Megabytes", "Gigabytes", "Terabytes",
    "Bits", "Kilobits", "Megabits", "Gigabits", "Terabits", "Percent", "Count", "Bytes/Second",
    "Kilobytes/Second", "Megabytes/Second", "Gigabytes/Second", "Terabytes/Second", "Bits/Second",
    "Kilobits/Second", "Megabits/Second", "Gigabits/Second", "Terabits/Second", "Count/Second", "None",
}
MAX_DIMENSIONS_PER_SET = 30
MAX_METRICS_PER_DIRECTIVE = 100
MAX_VALUES_PER_METRIC = 100
MAX_DOCUMENT_BYTES = 256 * 1024  # the stricter of the published limits


def emf_violations(doc: Any, raw: str | None = None) -> list[str]:
    """Every way ``doc`` breaks the EMF specification (empty list: valid)."""
    errors: list[str] = []
    if not isinstance(doc, dict):
        return ["root is not an object"]
    if raw is not None and len(raw.encode()) > MAX_DOCUMENT_BYTES:
        errors.append("document larger than 256 KB")
    meta = doc.get("_aws")
    if not isinstance(meta, dict):
        return ["_aws missing or not an object"]
    timestamp = meta.get("Timestamp")
    if not isinstance(timestamp, int) or isinstance(timestamp, bool) or timestamp < 10**12:
        errors.append(f"_aws.Timestamp {timestamp!r} is not an integer epoch in milliseconds")
    directives = meta.get("CloudWatchMetrics")
    if not isinstance(directives, list) or not directives:
        return [*errors, "_aws.CloudWatchMetrics missing or empty"]
    for directive in directives:
        namespace = directive.get("Namespace")
        if not isinstance(namespace, str) or not 1 <= len(namespace) <= 1024:
            errors.append(f"Namespace {namespace!r} invalid")
        dimension_sets = directive.get("Dimensions")
        if not isinstance(dimension_sets, list):
            errors.append("Dimensions is not a list")
            dimension_sets = []
        for dimension_set in dimension_sets:
            if not isinstance(dimension_set, list) or len(dimension_set) > MAX_DIMENSIONS_PER_SET:
                errors.append(f"DimensionSet {dimension_set!r} is not a list of <= 30 keys")
                continue
            for key in dimension_set:
                if not isinstance(key, str):
                    errors.append(f"dimension key {key!r} is not a string")
                elif not isinstance(doc.get(key), str) or not doc[key]:
                    errors.append(f"dimension {key!r} has no non-empty string value at the root")
        metrics = directive.get("Metrics")
        if not isinstance(metrics, list) or not metrics:
            errors.append("Metrics missing or empty")
            continue
        if len(metrics) > MAX_METRICS_PER_DIRECTIVE:
            errors.append(f"{len(metrics)} metrics in one directive (max 100)")
        for metric in metrics:
            name = metric.get("Name")
            if not isinstance(name, str) or not 1 <= len(name) <= 1024:
                errors.append(f"metric Name {name!r} invalid")
                continue
            unit = metric.get("Unit", "None")
            if unit not in VALID_UNITS:
                errors.append(f"metric {name}: Unit {unit!r} invalid")
            if metric.get("StorageResolution", 60) not in (1, 60):
                errors.append(f"metric {name}: StorageResolution invalid")
            value = doc.get(name)
            values = value if isinstance(value, list) else [value]
            if not values or len(values) > MAX_VALUES_PER_METRIC:
                errors.append(f"metric {name}: {len(values)} values (1..100 allowed)")
            if not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in values):
                errors.append(f"metric {name}: value {value!r} is not a number or array of numbers")
    return errors
