"""The access line, written as Powertools Logger would write it, without the logging machinery per request.

Through ``logger.info`` one line costs a ``LogRecord`` (pid, thread, caller
lookup), Powertools' formatter (a copy of the record's ``__dict__``, a scan
for reserved attributes, ``time.strftime``), a generic JSON encoding and the
handler's lock and flush: about 60 % of what the runtime added to a warm
invocation. The access line has a fixed shape, so :class:`AccessLineWriter`
writes the same JSON text in the same key order:

* the formatter's layout — ``level``, ``location`` (the calling function and
  line, as Powertools' caller lookup finds them), ``message``, ``timestamp``
  (Powertools' ``%Y-%m-%d %H:%M:%S,mmm%z`` in local time, ``strftime`` once a
  second), then ``service``, ``sampling_rate`` and appended keys with their
  values — rendered once into a template (again when keys are appended);
* the request fields without ``None`` values, each encoded as the logger's
  ``json.JSONEncoder`` encodes it (strings by ``json.encoder.encode_basestring``,
  its own function; anything but str, bool, int and finite float by the
  encoder itself);
* ``xray_trace_id`` from ``_X_AMZN_TRACE_ID``, last, as Powertools adds it;

to the logger's handler stream under the handler's lock, flushing as the
handler does.

It applies only while that holds: a plain ``StreamHandler``, Powertools'
formatter with its default time format and order, the compact non-ASCII-escaping
encoder given, default templates for ``level``/``location``/``timestamp`` and
plain values for the other keys, no thread-safe context keys, and no filter or
other handler (a root handler without Powertools' ``SuppressFilter``) that
would have received the ``LogRecord``.
:meth:`AccessLineWriter.for_logger` returns ``None`` otherwise, and
:meth:`AccessLineWriter.write` returns ``False`` once that stops being true, so
the caller logs through Powertools instead. ``tests/runtime/telemetry/test_logs.py``
compares the lines with Powertools' output for the same record.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import time
from collections.abc import Callable, Mapping
from json.encoder import encode_basestring
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.logging.filters import SuppressFilter
from aws_lambda_powertools.logging.formatter import RESERVED_LOG_ATTRS, LambdaPowertoolsFormatter

DEFAULT_TEMPLATES = {"level": "%(levelname)s", "location": "%(funcName)s:%(lineno)d", "timestamp": "%(asctime)s"}
DEFAULT_ORDER = ["level", "location", "message", "timestamp"]
PER_LINE = ("location", "message", "timestamp")  # the layout keys whose value changes from line to line
TRACE_ID_ENV = "_X_AMZN_TRACE_ID"
MAX_SITES = 64  # call sites whose rendered text is kept (the runtime has a handful)


def _environ_reader(name: str) -> Callable[[], str | None]:
    """``lambda: os.environ.get(name)`` for a variable Lambda's runtime sets (and unsets) per invocation.

    ``os.environ.get`` of a missing variable raises and catches a ``KeyError``
    inside ``Mapping.get``: 2.5 µs, as much as the rest of the access line. The
    reader does what ``os.environ.__getitem__`` does (encode the key, look it
    up in the mapping's byte table, decode) without the exception, and falls
    back to ``os.environ.get`` where the table is not there.
    """
    environ = os.environ
    table = getattr(environ, "_data", None)
    if not isinstance(table, dict):
        return lambda: environ.get(name)
    key = environ.encodekey(name)
    decode = environ.decodevalue

    def read() -> str | None:
        value = table.get(key)
        return None if value is None else decode(value)

    return read


_trace_header = _environ_reader(TRACE_ID_ENV)


def reproducible(layout: Mapping[str, Any]) -> bool:
    """True when every key of ``layout`` is a default template, ``message``, or a plain value (``service``…)."""
    for key, value in layout.items():
        if key in DEFAULT_TEMPLATES:
            if value != DEFAULT_TEMPLATES[key]:
                return False
        elif key != "message" and value and key in RESERVED_LOG_ATTRS:
            return False  # another std attribute template (``%(process)d``…): Powertools expands it per record
    return True


def _compact(encoder: json.JSONEncoder) -> bool:
    """The encoder writes what this module writes: compact separators, non-ASCII kept, NaN allowed, no sorting."""
    return (
        type(encoder) is json.JSONEncoder and encoder.item_separator == "," and encoder.key_separator == ":"
        and not encoder.ensure_ascii and encoder.indent is None and not encoder.sort_keys and encoder.allow_nan
    )


class AccessLineWriter:
    """Writes INFO lines as :class:`Logger` ``.info(message, extra=fields)`` would, for a fixed layout."""

    __slots__ = ("_checked_size", "_clock", "_context_keys", "_encode", "_formatter", "_handler", "_keys", "_layout",
                 "_logger", "_prefix", "_second", "_sites", "_stream", "_suffix", "_template", "_trace")

    def __init__(self, logger: logging.Logger, handler: logging.StreamHandler[Any],
                 formatter: LambdaPowertoolsFormatter, encoder: json.JSONEncoder,
                 clock: Callable[[], float] = time.time) -> None:
        self._logger = logger
        self._handler = handler
        self._stream = handler.stream
        self._formatter = formatter
        self._layout: dict[str, Any] = formatter.log_format
        self._context_keys = formatter.thread_safe_get_current_keys
        self._encode = encoder.encode
        self._clock = clock
        self._second = -1
        self._prefix = self._suffix = ""
        self._keys: dict[str, str] = {}  # field name -> ',"name":'
        self._checked_size = -1
        self._template: list[tuple[str, str]] = []
        self._sites: dict[tuple[Any, int, str], tuple[str, str | None]] = {}  # call site -> text around timestamp
        self._trace = ("", "")  # last _X_AMZN_TRACE_ID and its ',"xray_trace_id":…' text

    @classmethod
    def for_logger(
        cls, logger: Logger, encoder: json.JSONEncoder, clock: Callable[[], float] = time.time
    ) -> AccessLineWriter | None:
        """A writer for ``logger`` serializing with ``encoder``; None when this module cannot reproduce its lines."""
        handler = logger.registered_handler
        formatter = logger.registered_formatter
        if type(handler) is not logging.StreamHandler or type(formatter) is not LambdaPowertoolsFormatter:
            return None
        if formatter.use_rfc3339_iso8601 or formatter.datefmt or formatter.utc:
            return None
        if formatter.json_serializer != encoder.encode or not _compact(encoder):
            return None
        if formatter.log_record_order != DEFAULT_ORDER or not reproducible(formatter.log_format):
            return None
        return cls(logging.getLogger(logger.name), handler, formatter, encoder, clock)

    def _compile(self) -> bool:
        """Render the layout into ``(JSON text, per-line key or "")`` pairs; False when it cannot be reproduced."""
        layout = self._layout
        if not reproducible(layout):
            return False
        template: list[tuple[str, str]] = []
        literal = ""
        for key, value in layout.items():
            if key not in PER_LINE and key != "level" and value is None:
                continue  # Powertools strips keys whose value is None
            literal += ("," if literal or template else "{") + self._encode(key) + ":"
            if key == "level":
                literal += '"INFO"'
            elif key in PER_LINE:
                template.append((literal, key))
                literal = ""
            else:
                literal += self._encode(value)
        template.append((literal, ""))
        self._template = template
        self._sites.clear()
        self._checked_size = len(layout)
        return True

    def _alone(self) -> bool:
        """No filter and no handler but the logger's own would see the record, so not making one changes nothing.

        Powertools puts a :class:`SuppressFilter` on the root handlers that
        exist when the logger is built (Lambda's among them); a handler added
        later (pytest's capture, an application's own) would receive the
        record, and then the line goes through Powertools.
        """
        logger = self._logger
        if logger.disabled or logger.filters or self._handler.filters:
            return False
        node: logging.Logger | None = logger
        while node is not None and node.propagate:
            node = node.parent
            for handler in node.handlers if node is not None else ():
                if not any(type(f) is SuppressFilter and f.logger in logger.name for f in handler.filters):
                    return False
        return True

    def _timestamp(self, now: float) -> str:
        second = int(now)
        if second != self._second:  # strftime once per second; Powertools' formatTime runs it for every line
            local = time.localtime(second)
            self._prefix = time.strftime("%Y-%m-%d %H:%M:%S,", local)
            self._suffix = time.strftime("%z", local)
            self._second = second
        return f"{self._prefix}{int((now - second) * 1000):03d}{self._suffix}"

    def _render(self, location: str, message: str) -> tuple[str, str | None]:
        """The line's text before and after the timestamp for one call site (after: None without timestamp)."""
        before: list[str] = []
        after: list[str] | None = None
        for literal, key in self._template:
            target = before if after is None else after
            target.append(literal)
            if key == "location":
                target.append(encode_basestring(location))
            elif key == "message":
                target.append(encode_basestring(message))
            elif key == "timestamp":
                after = []
        return "".join(before), None if after is None else "".join(after)

    def write(self, message: str, fields: Mapping[str, Any]) -> bool:
        """Write one line; False (nothing written) when the logger's layout can no longer be reproduced."""
        if len(self._layout) != self._checked_size and not self._compile():
            return False
        handler = self._handler
        if handler.stream is not self._stream or handler.formatter is not self._formatter or not self._alone():
            return False
        if self._formatter.log_format is not self._layout or self._context_keys():
            return False
        caller = sys._getframe(1)
        site = (caller.f_code, caller.f_lasti, message)  # the instruction, not its line: no line-table walk
        rendered = self._sites.get(site)
        if rendered is None:
            rendered = self._render(f"{caller.f_code.co_name}:{caller.f_lineno}", message)
            if len(self._sites) < MAX_SITES:
                self._sites[site] = rendered
        head, tail = rendered
        parts = [head]
        if tail is not None:
            parts.append(f'"{self._timestamp(self._clock())}"')
            parts.append(tail)
        keys = self._keys
        for name, value in fields.items():
            if value is None:
                continue  # Powertools strips None
            encoded_name = keys.get(name)
            if encoded_name is None:
                encoded_name = keys[name] = f",{encode_basestring(name)}:"
            parts.append(encoded_name)
            kind = type(value)  # what json.JSONEncoder writes for each type, without its per-call set-up
            if kind is str:
                parts.append(encode_basestring(value))
            elif kind is bool:
                parts.append("true" if value else "false")
            elif kind is int:
                parts.append(int.__repr__(value))
            elif kind is float and math.isfinite(value):
                parts.append(float.__repr__(value))
            else:
                parts.append(self._encode(value))
        trace = _trace_header()
        if trace:
            if trace != self._trace[0]:
                root = trace.split(";")[0].replace("Root=", "")
                self._trace = (trace, f',"xray_trace_id":{encode_basestring(root)}')
            parts.append(self._trace[1])
        parts.append("}\n")
        text = "".join(parts)
        handler.acquire()
        try:
            self._stream.write(text)
            self._stream.flush()
        finally:
            handler.release()
        return True
