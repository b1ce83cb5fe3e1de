"""The JSON parser for request bodies: everything it cannot take is a JSON error (a 400), never a 500.

``json.loads`` raises more than ``JSONDecodeError`` on hostile bodies: a
``RecursionError`` for nesting deeper than the interpreter's recursion limit
(10,000 ``[``), a ``ValueError`` for an integer over Python's 4,300-digit
conversion limit. It also accepts ``NaN`` and ``Infinity``, which are not JSON.
Powertools turns only ``JSONDecodeError`` into a validation error, so this
parser raises nothing else.
"""

from __future__ import annotations

import json
from typing import Any


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def parse_json_body(text: str) -> Any:
    """``text`` parsed as strict JSON; any failure is a :class:`json.JSONDecodeError`."""
    try:
        return json.loads(text, parse_constant=_no_constants)
    except json.JSONDecodeError:
        raise
    except RecursionError:
        raise json.JSONDecodeError("JSON nested too deeply", text[:0], 0) from None
    except ValueError as exc:  # the integer digit limit, NaN/Infinity
        raise json.JSONDecodeError(str(exc), text[:0], 0) from None
