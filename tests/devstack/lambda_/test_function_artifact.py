"""The local Lambda runs each function's artifact, not the development tree: what the artifact lacks
fails the environment's init, with Lambda's ``INIT_REPORT`` line and a 500 at the gateway, as in AWS."""

from __future__ import annotations

import dataclasses
import sysconfig
from pathlib import Path

import pytest

from api.functions import FUNCTIONS
from devstack.lambda_.function_code import FunctionCode, local_code
from tests.devstack.conftest import RunningAws

HEALTH = next(function for function in FUNCTIONS if function.name == "health")
INTERNAL_ERROR = {"message": "Internal Server Error"}
DEVELOPMENT_SITE_PACKAGES = Path(sysconfig.get_paths()["purelib"]).resolve()


@pytest.fixture(scope="module")
def health_code() -> FunctionCode:
    """health's artifact for this machine: built once per content hash (BRICKGUARD_CACHE_DIR), reused after."""
    return local_code([HEALTH.name])[HEALTH.name]


def _mapped_files(pid: int) -> set[Path]:
    """Files the process has mapped: its shared libraries and extension modules."""
    lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return {Path(line.split(maxsplit=5)[5]) for line in lines if len(line.split(maxsplit=5)) == 6
            and line.split(maxsplit=5)[5].startswith("/")}


def test_the_health_function_serves_from_its_artifact_and_loads_nothing_from_the_development_virtualenv(
    start_aws, health_code: FunctionCode
) -> None:
    aws: RunningAws = start_aws([HEALTH], function_code={HEALTH.name: health_code})
    reply = aws.get("/health")
    assert reply.status_code == 200, reply.text
    assert reply.json()["components"]["database"] == "healthy"
    [pid] = aws.aws.environment_pids()[HEALTH.name]
    assert "-S" in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")[1].decode()
    mapped = _mapped_files(pid)
    site = health_code.path[0].resolve()
    assert any(path.is_relative_to(site) for path in mapped), "no extension module loaded from the artifact"
    platform = {entry.resolve() for entry in health_code.path[-1].iterdir()}  # awslambdaric, boto3 as AWS has them
    from_venv = [path for path in mapped if path.is_relative_to(DEVELOPMENT_SITE_PACKAGES)
                 and not any(path == entry or path.is_relative_to(entry) for entry in platform)]
    assert from_venv == []


def test_a_dependency_missing_from_the_artifact_fails_the_init_and_the_gateway_answers_500(
    start_aws, health_code: FunctionCode, tmp_path: Path
) -> None:
    site, *platform = health_code.path
    without_tenacity = tmp_path / "site"
    without_tenacity.mkdir()
    for entry in site.iterdir():  # the artifact's packages, one left out (guards.retry imports it at init)
        if entry.name != "tenacity" and not entry.name.startswith("tenacity-"):
            (without_tenacity / entry.name).symlink_to(entry)
    broken = dataclasses.replace(health_code, path=(without_tenacity, *platform))
    aws: RunningAws = start_aws([HEALTH], function_code={HEALTH.name: broken}, provision=False)

    reply = aws.get("/health")

    assert (reply.status_code, reply.json()) == (500, INTERNAL_ERROR)
    init_reports = aws.logs.wait_for(
        lambda: [line for line in aws.logs.lines(HEALTH.name) if line.startswith("INIT_REPORT")])
    assert "Status: error" in init_reports[0] and "Runtime.ImportModuleError" in init_reports[0]
    assert any("No module named 'tenacity'" in line for line in aws.logs.lines(HEALTH.name))
