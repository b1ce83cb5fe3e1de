"""Hand the process guard back after a test installed its own, or recorded beside it: later tests expect its EMF."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from runtime import process
from runtime.telemetry import recorder, tracing


def restore_guard_process(saved: process.GuardProcess | None) -> None:
    """Close the guard a test installed and reinstall ``saved``'s telemetry.

    ``process.install`` closes the guard it replaces (its sinks leave the recorder), so putting
    ``saved`` back as ``process._current`` alone leaves a guard that prints no EMF.
    """
    current = process._current
    if current is not None and current is not saved:
        current.close()
    process._current = saved
    if saved is not None:
        saved.telemetry.install()


@contextmanager
def recording_alone() -> Iterator[None]:
    """Take the process's metric sinks (the guard's EMF) out of the recorder while a test records into its own.

    Otherwise what the test records under its own dimensions (``backend=express``) also waits in the
    guard's EMF buffer and prints with the guard's next request, in a later test. The sinks, the
    recorder's dimensions and the tracer are put back after.
    """
    saved_sinks, saved_dimensions, saved_tracer = list(recorder._sinks), dict(recorder._defaults), tracing.installed()
    for sink in saved_sinks:
        recorder.remove_sink(sink)
    try:
        yield
    finally:
        for sink in list(recorder._sinks):
            recorder.remove_sink(sink)
        for sink in saved_sinks:
            recorder.install_sink(sink)
        recorder.configure(**saved_dimensions)
        tracing.install(saved_tracer)
