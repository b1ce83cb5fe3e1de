"""Extract metrics from CloudWatch Embedded Metric Format log lines, as CloudWatch Logs does.

Any log stream can be fed here line by line: lines that are not JSON objects with an
``_aws.CloudWatchMetrics`` directive are ordinary log lines and are ignored (CloudWatch stores them
as logs only). For each directive, each metric is published once per dimension set, with the
dimension values taken from the document's root; a value may be a number or an array of numbers
(each element is one sample). Documents whose directive is malformed are counted as rejected,
never raised: one bad writer must not stop the store.
"""

from __future__ import annotations

import json
from typing import Any

from devstack.cloudwatch.metrics.store import MetricStore

MAX_DIMENSIONS = 30  # CloudWatch: at most 30 dimensions per dimension set


class EmfIngest:
    """Feeds EMF lines from any log stream into a :class:`MetricStore`."""

    def __init__(self, store: MetricStore) -> None:
        self.store = store
        self.documents = 0
        self.rejected = 0

    def line(self, text: str) -> bool:
        """Ingest one log line; True when it was an EMF document that published metrics."""
        stripped = text.strip()
        if not stripped.startswith("{") or '"_aws"' not in stripped:
            return False
        try:
            document = json.loads(stripped)
        except ValueError:
            return False
        if not isinstance(document, dict) or not isinstance(document.get("_aws"), dict):
            return False
        try:
            published = self._document(document)
        except (KeyError, TypeError, ValueError):
            published = False
        if published:
            self.documents += 1
        else:
            self.rejected += 1
        return published

    def lines(self, text: str) -> int:
        """Ingest several newline-separated lines; the number of EMF documents among them."""
        return sum(1 for line in text.splitlines() if self.line(line))

    def _document(self, document: dict[str, Any]) -> bool:
        meta = document["_aws"]
        at = float(meta["Timestamp"]) / 1000.0
        found = []  # validate the whole document before publishing any of it
        for directive in meta["CloudWatchMetrics"]:
            namespace = str(directive["Namespace"])
            for dimension_set in directive["Dimensions"]:
                if len(dimension_set) > MAX_DIMENSIONS:
                    raise ValueError("too many dimensions")
                dims = {str(name): _dimension_value(document[name]) for name in dimension_set}
                for metric in directive["Metrics"]:
                    name = str(metric["Name"])
                    found.append((namespace, name, dims, _values(document[name])))
        for namespace, name, dims, values in found:
            self.store.put(namespace, name, dims, values, at)
        return bool(found)


def _dimension_value(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError("dimension values are strings")
    return value


def _values(raw: Any) -> list[float]:
    values = raw if isinstance(raw, list) else [raw]
    if not all(isinstance(value, int | float) and not isinstance(value, bool) for value in values):
        raise TypeError("metric values are numbers")
    return [float(value) for value in values]
