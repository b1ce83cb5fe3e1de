"""Place widgets on CloudWatch's 24-column grid, row by row, so they never overlap."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dashboards.widgets import Widget

GRID_COLUMNS = 24


@dataclass(frozen=True, slots=True)
class Placed:
    """A widget with its grid position."""

    widget: Widget
    x: int
    y: int


def flow(rows: Sequence[Sequence[Widget]]) -> list[Placed]:
    """Lay out each declared row left to right; a row wider than the grid wraps onto the next line."""
    placed: list[Placed] = []
    y = 0
    for row in rows:
        x = 0
        line_height = 0
        for widget in row:
            if not 1 <= widget.width <= GRID_COLUMNS:
                raise ValueError(f"widget width {widget.width} is outside 1..{GRID_COLUMNS}")
            if x + widget.width > GRID_COLUMNS:
                y += line_height
                x, line_height = 0, 0
            placed.append(Placed(widget, x, y))
            x += widget.width
            line_height = max(line_height, widget.height)
        y += line_height
    return placed
