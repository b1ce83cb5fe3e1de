"""One ``brickguard up`` (both backends, scaled alarm periods) shared by the tests that need a real one."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.running_up import RunningUp, running_up


@pytest.fixture(scope="session")
def observed_up(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningUp]:
    """Alarm minutes evaluated as 2 s (``BRICKGUARD_ALARM_PERIOD_SCALE=30``), X-Ray on."""
    root = tmp_path_factory.mktemp("observed-up")
    with running_up(root, {"BRICKGUARD_ALARM_PERIOD_SCALE": "30", "BRICKGUARD_TRACING": "xray"}) as up:
        yield up
