"""Hand the process guard back after a test installed its own: later tests expect its EMF sink installed."""

from __future__ import annotations

from runtime import process


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
