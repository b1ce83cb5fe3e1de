"""Event counts over a sliding time window, shared by the breaker and the retry budget.

The window is a ring of ``buckets`` equal slices of ``seconds``. Counting is
O(1) and summing O(buckets); neither allocates much, so the breaker can do its
bookkeeping in well under a microsecond under its lock. A bucket is reused
(zeroed) when the clock has moved a whole window past it, so old events fall
out without a timer. The effective span is between ``seconds - seconds/buckets``
and ``seconds``: the current slice is partly filled.

Not thread-safe on its own: its owner holds a lock around every use.

Example::

    window = SlidingWindow(seconds=10.0, buckets=10, fields=2)
    counts = window.current(clock())
    counts[0] += 1              # one call...
    counts[1] += failed         # ...which may have failed
    calls, failures = window.totals(clock())
"""

from __future__ import annotations

_NEVER = -(2**62)  # epoch of a slice that holds nothing


class SlidingWindow:
    """Per-field integer counts of the events seen in the last ``seconds``."""

    __slots__ = ("_buckets", "_counts", "_epochs", "_fields", "_width", "_zeros", "seconds")

    def __init__(self, seconds: float, buckets: int, fields: int) -> None:
        if seconds <= 0:
            raise ValueError(f"window seconds must be positive, got {seconds}")
        if buckets < 1 or fields < 1:
            raise ValueError(f"need at least one bucket and one field, got {buckets} and {fields}")
        self.seconds = seconds
        self._buckets = buckets
        self._fields = fields
        self._width = seconds / buckets
        self._epochs = [_NEVER] * buckets
        self._counts = [[0] * fields for _ in range(buckets)]
        self._zeros = (0,) * fields

    def current(self, now: float) -> list[int]:
        """The counters of the slice containing ``now``, for the owner to increment in place."""
        epoch = int(now // self._width)
        index = epoch % self._buckets
        counts = self._counts[index]
        if self._epochs[index] != epoch:
            self._epochs[index] = epoch
            counts[:] = self._zeros
        return counts

    def totals(self, now: float) -> list[int]:
        """Per-field sums over the slices still inside the window at ``now``."""
        newest = int(now // self._width)
        oldest = newest - self._buckets + 1
        sums = [0] * self._fields
        for epoch, counts in zip(self._epochs, self._counts, strict=True):
            if oldest <= epoch <= newest:
                for field in range(self._fields):
                    sums[field] += counts[field]
        return sums

    def clear(self) -> None:
        """Forget every event (a breaker that closes starts a fresh window)."""
        self._epochs = [_NEVER] * self._buckets
