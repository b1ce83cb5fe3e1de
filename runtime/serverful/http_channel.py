"""The serverful backend's waitress connections: its own errors in the envelope, and a lingering close.

waitress answers some requests before the application sees them — a body over
``max_request_body_size`` (declared or chunked), request headers over
``max_request_header_size``, a malformed request line, header line or
``Content-Length``, an unknown ``Transfer-Encoding`` — with a plain-text page.
:class:`EnvelopeChannel` answers them in DESIGN.md's error envelope instead.

After such an error waitress closes the socket while the client may still be
sending its body; the unread bytes make the kernel answer with a reset, and a
client that sends before it reads sees ``ECONNRESET`` instead of the 413. Like
Apache's lingering close, the channel first shuts down its sending side (the
response is already flushed), then reads and discards what the client still
sends, until the client closes, ``LINGER_MAX_BYTES`` were discarded or
``LINGER_SECONDS`` passed.

During a drain (:mod:`runtime.serverful.drain`) the channel counts the requests it served and
answers the last one it holds with ``Connection: close``, so the client does not reuse a
connection that is about to close.
"""

from __future__ import annotations

import socket
import time
import uuid
from http import HTTPStatus
from typing import Any

from waitress.channel import HTTPChannel
from waitress.task import ErrorTask

from runtime.errors import (
    ApiError,
    HeadersTooLarge,
    NotImplementedByServer,
    PayloadTooLarge,
    ValidationError,
    error_response,
    internal_error_response,
)

LINGER_SECONDS = 10.0
LINGER_MAX_BYTES = 64 * 1024 * 1024
RECV_BYTES = 64 * 1024


def api_error_for(status_code: int) -> ApiError | None:
    """The envelope error for a status waitress produced itself; None for a 500 (it says nothing)."""
    if status_code == 413:
        return PayloadTooLarge("Request body exceeds 10 MB")
    if status_code == 431:
        return HeadersTooLarge("Request headers are too large")
    if status_code == 501:
        return NotImplementedByServer("Transfer-Encoding not implemented")
    if status_code == 400:  # waitress's text may quote the offending line: not echoed back
        return ValidationError("Malformed HTTP request (request line, header line or Content-Length)")
    return None


class EnvelopeErrorTask(ErrorTask):
    """waitress's error response, as the envelope (JSON, request id, ``Connection: close``)."""

    def execute(self) -> None:
        request_id = str(uuid.uuid4())
        api_error = api_error_for(self.request.error.code)
        response = error_response(api_error, request_id) if api_error else internal_error_response(request_id)
        status = int(response["statusCode"])
        body = response["body"].encode("utf-8")
        self.status = f"{status} {HTTPStatus(status).phrase}"
        self.response_headers.extend([*response["headers"].items(), ("X-Request-Id", request_id)])
        self.set_close_on_finish()
        self.content_length = len(body)
        self.channel.linger_on_close()
        self.write(body)


class EnvelopeChannel(HTTPChannel):
    """An HTTP channel whose own errors are envelopes and whose error closes linger."""

    error_task_class = EnvelopeErrorTask
    _linger = False
    _linger_until: float | None = None
    _discarded = 0
    served = 0
    """Requests answered on this connection (a drain closes an idle one that served any)."""

    def close_after_held(self) -> None:
        """Answer the last request this connection holds with ``Connection: close`` (a drain began)."""
        with self.requests_lock:
            if self.requests and self.request is None:
                self.requests[-1].headers["CONNECTION"] = "close"  # read when the response header is built

    def service(self) -> None:
        if getattr(self.server, "draining", False):
            self.close_after_held()
        super().service()
        self.served += 1

    def linger_on_close(self) -> None:
        """Drain the client's remaining request bytes before closing (set by an error response)."""
        self._linger = True

    @property
    def _lingering(self) -> bool:
        return self._linger_until is not None

    def handle_close(self) -> None:
        if self._linger and not self._lingering and self.connected:
            try:
                self.socket.shutdown(socket.SHUT_WR)  # the response is flushed: FIN after it
            except OSError:
                super().handle_close()
                return
            self._linger_until = time.monotonic() + LINGER_SECONDS
            return
        super().handle_close()

    def readable(self) -> Any:
        return True if self._lingering else super().readable()

    def writable(self) -> Any:
        if self._lingering:  # nothing left to write: "writable" only to close once the time is up
            return time.monotonic() >= (self._linger_until or 0.0)
        return super().writable()

    def handle_write(self) -> None:
        if self._lingering:
            super().handle_close()
            return
        super().handle_write()

    def handle_read(self) -> None:
        if not self._lingering:
            super().handle_read()
            return
        try:
            data = self.socket.recv(RECV_BYTES)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        self._discarded += len(data)
        if not data or self._discarded > LINGER_MAX_BYTES:
            super().handle_close()
