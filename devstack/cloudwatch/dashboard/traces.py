"""Group the segment documents the local X-Ray collector received into traces for the page.

X-Ray sends one document per segment (and, for in-progress or streamed work, per subsegment with
``type: subsegment`` and ``parent_id``); a trace is every document sharing ``trace_id``. The page
lists the newest traces and draws one as a timeline: segments and their nested subsegments with
start/end offsets from the trace's first start, in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MAX_TRACES = 50
MAX_DEPTH = 8  # subsegments nest; a deeper tree is cut, never recursed without bound


def _span(document: dict[str, Any], origin: float, depth: int) -> dict[str, Any]:
    start = float(document.get("start_time", origin))
    end = document.get("end_time")
    children = document.get("subsegments", []) if depth < MAX_DEPTH else []
    return {
        "name": str(document.get("name", "?")),
        "start_ms": round((start - origin) * 1000, 3),
        "duration_ms": None if end is None else round((float(end) - start) * 1000, 3),
        "fault": bool(document.get("fault") or document.get("error")),
        "origin": document.get("origin"),
        "http_status": document.get("http", {}).get("response", {}).get("status"),
        "children": [_span(child, origin, depth + 1) for child in children if isinstance(child, dict)],
    }


def traces(segments: Iterable[dict[str, Any]], limit: int = MAX_TRACES) -> list[dict[str, Any]]:
    """The newest ``limit`` traces, newest first, each with its spans on a common time origin."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for document in segments:
        trace_id = document.get("trace_id")
        if isinstance(trace_id, str) and isinstance(document.get("start_time"), int | float):
            grouped.setdefault(trace_id, []).append(document)
    found: list[dict[str, Any]] = []
    for trace_id, documents in grouped.items():
        origin = min(float(document["start_time"]) for document in documents)
        ends = [float(document["end_time"]) for document in documents if "end_time" in document]
        roots = sorted(documents, key=lambda document: float(document["start_time"]))
        found.append({
            "trace_id": trace_id,
            "started": origin,
            "name": str(roots[0].get("name", "?")),
            "duration_ms": round((max(ends) - origin) * 1000, 3) if ends else None,
            "fault": any(document.get("fault") or document.get("error") for document in documents),
            "segments": [_span(document, origin, 0) for document in roots],
        })
    found.sort(key=lambda trace: trace["started"], reverse=True)
    return found[:limit]
