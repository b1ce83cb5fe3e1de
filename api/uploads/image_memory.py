"""A process-wide memory budget for decoding images: concurrent uploads wait for room, never exhaust the process.

A 389 KB PNG can declare 7071x7071 16-bit RGBA pixels: 200 MB once decoded, and the pipeline
holds a few copies (decoded, upright, converted, resized). Six at once took the serverful
process from 1.2 GB to 4.9 GB (issue 22). Each image's work is estimated from its header before
a pixel is decoded (:func:`decoded_bytes` x :data:`WORKING_COPIES`) and reserved here; an
upload that does not fit waits for others to finish, within its request's deadline, and is
answered 503 (retry shortly) when no room comes free in time.

In Lambda one environment runs one invocation, so the budget only ever makes the serverful
backend's threads take turns; it is sized from the function's memory where there is one.

Example::

    with BUDGET.reserve(decoded_bytes(image.mode, image.size) * WORKING_COPIES):
        image.load()
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from guards import deadline
from runtime.errors import ServiceUnavailable

WORKING_COPIES = 3
"""Decoded copies alive at once in the pipeline: the source, its upright/converted copy, a resized one."""
DEFAULT_BUDGET_BYTES = 1024 * 1024 * 1024
"""Outside Lambda (the serverful backend runs every function in one process)."""
LAMBDA_SHARE = 0.5
"""Of the function's configured memory (the rest: the runtime, the request and the encoded output)."""
LONGEST_WAIT_S = 10.0

_BYTES_PER_PIXEL = {"1": 1, "L": 1, "P": 1, "I;16": 2, "I;16B": 2, "I;16L": 2, "I;16N": 2}
"""Pillow's in-memory pixel sizes; every other mode (RGB, RGBA, LA, CMYK, I, F, …) takes 4 bytes."""


def decoded_bytes(mode: str, size: tuple[int, int]) -> int:
    """Bytes Pillow allocates for ``size`` pixels of ``mode`` (known from the header, before decoding)."""
    width, height = size
    return width * height * _BYTES_PER_PIXEL.get(mode, 4)


def budget_bytes() -> int:
    memory_mb = os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "")
    if memory_mb.isdigit():
        return int(int(memory_mb) * 1024 * 1024 * LAMBDA_SHARE)
    return DEFAULT_BUDGET_BYTES


class MemoryBudget:
    """Bytes reserved by the images being processed; a reservation waits for room within the deadline."""

    def __init__(self, total_bytes: int) -> None:
        self.total_bytes = total_bytes
        self._reserved = 0
        self._room = threading.Condition()

    @property
    def reserved(self) -> int:
        return self._reserved

    @contextmanager
    def reserve(self, nbytes: int) -> Iterator[None]:
        """Hold ``nbytes`` of the budget for the block; 503 when no room comes free before the deadline."""
        wait = deadline.call_timeout(LONGEST_WAIT_S)
        with self._room:
            if not self._room.wait_for(lambda: self._reserved + nbytes <= self.total_bytes, timeout=wait):
                raise ServiceUnavailable("Image processing is busy; try again shortly", retry_after=1)
            self._reserved += nbytes
        try:
            yield
        finally:
            with self._room:
                self._reserved -= nbytes
                self._room.notify_all()


BUDGET = MemoryBudget(budget_bytes())
