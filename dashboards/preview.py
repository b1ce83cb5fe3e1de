"""An HTML page that shows each dashboard's layout before it is deployed.

SREs review a dashboard by looking at it; this page draws every widget where
CloudWatch will put it on the 24-column grid, with its title, its metrics
(``express`` and ``serverless`` side by side) and its threshold annotations,
so a layout change can be reviewed in a pull request without an AWS account.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

ROW_PX = 34
STYLE = """
body { font: 14px system-ui, sans-serif; margin: 24px; background: #f4f5f7; color: #16191f; }
h2 { margin: 32px 0 8px; }
.grid { display: grid; grid-template-columns: repeat(24, 1fr); grid-auto-rows: ROWpx; gap: 6px; }
.w { background: #fff; border: 1px solid #d5dbdb; border-radius: 4px; padding: 6px 8px; overflow: hidden; }
.w h3 { font-size: 13px; margin: 0 0 4px; }
.w ul { margin: 0; padding-left: 16px; font-size: 12px; }
.express { color: #0972d3; } .serverless { color: #d45b07; } .ann { color: #8d1a1a; font-size: 12px; }
.text { background: #eef6fb; } .alarm { background: #fdf3f1; }
""".replace("ROW", str(ROW_PX))


def _metric_lines(props: dict[str, Any]) -> list[str]:
    lines = []
    for metric in props.get("metrics", []):
        options = metric[-1] if metric and isinstance(metric[-1], dict) else {}
        label = options.get("label") or options.get("expression") or " ".join(str(m) for m in metric[:2])
        css = "express" if "express" in str(metric) else "serverless" if "serverless" in str(metric) else ""
        if options.get("visible", True):
            lines.append(f'<li class="{css}">{html.escape(str(label))}</li>')
    for annotation in props.get("annotations", {}).get("horizontal", []):
        label = html.escape(str(annotation.get("label", "")))
        lines.append(f'<li class="ann">— {label} = {annotation.get("value")}</li>')
    return lines


def _widget(widget: dict[str, Any]) -> str:
    props = widget.get("properties", {})
    kind = widget["type"]
    place = (
        f"grid-column: {widget['x'] + 1} / span {widget['width']}; "
        f"grid-row: {widget['y'] + 1} / span {widget['height']};"
    )
    if kind == "text":
        content = html.escape(props.get("markdown", "").replace("#", "").strip())
        return f'<div class="w text" style="{place}">{content}</div>'
    title = html.escape(props.get("title", ""))
    if kind == "alarm":
        items = [f"<li>{html.escape(str(arn).rsplit(':', 1)[-1])}</li>" for arn in props.get("alarms", [])]
        return f'<div class="w alarm" style="{place}"><h3>{title}</h3><ul>{"".join(items)}</ul></div>'
    return f'<div class="w" style="{place}"><h3>{title}</h3><ul>{"".join(_metric_lines(props))}</ul></div>'


def render(dashboards: Sequence[tuple[str, dict[str, Any]]]) -> str:
    """The page for ``(name, body)`` pairs, in order."""
    sections = [
        f"<h2>{html.escape(name)}</h2><div class='grid'>{''.join(_widget(w) for w in body['widgets'])}</div>"
        for name, body in dashboards
    ]
    return (
        "<!doctype html><html><head><meta charset='utf-8'><title>brickguard dashboards</title>"
        f"<style>{STYLE}</style></head><body><h1>brickguard dashboards (preview)</h1>{''.join(sections)}</body></html>"
    )
