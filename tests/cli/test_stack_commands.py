"""``brickguard synth`` / ``deploy`` / ``alarms test`` through click's CliRunner."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from cli.main import cli

WIDE = {"COLUMNS": "220"}  # rich wraps long alarm names at 80 columns


def test_alarms_test_passes_on_the_shipped_cases() -> None:
    result = CliRunner().invoke(cli, ["alarms", "test"])
    assert result.exit_code == 0, result.output
    # promtool-like: one summary line when everything passes, no table of passing steps
    assert [line for line in result.output.splitlines() if line.strip()] == [
        line for line in result.output.splitlines() if "steps match" in line
    ]


def test_alarms_test_reports_a_wrong_page_count(tmp_path: Path) -> None:
    case = tmp_path / "pages.yaml"
    case.write_text(
        "profile: bau\ntests:\n  - name: claims a page for a quiet API\n    series:\n"
        "      - {namespace: AWS/ApiGateway, metric: Count, dimensions: {ApiId: '${HttpApi}'}, "
        "timeline: [{for: 10m, value: 100}]}\n"
        "      - {metric: Requests, dimensions: {backend: serverless}, timeline: [{for: 10m, value: 100}]}\n"
        "    expect:\n      - {at: 10m, pages: 1}\n"
    )
    result = CliRunner().invoke(cli, ["alarms", "test", str(case)], env=WIDE)
    assert result.exit_code != 0
    assert "pages=1" in result.output and "pages=0" in result.output


def test_alarms_test_fails_on_a_wrong_case(tmp_path: Path) -> None:
    case = tmp_path / "wrong.yaml"
    case.write_text(
        "profile: bau\ntests:\n  - name: claims a page that cannot happen\n    series:\n"
        "      - {metric: Requests, dimensions: {backend: serverless}, timeline: [{for: 10m, value: 100}]}\n"
        "    expect:\n      - {at: 10m, alarm: serverless-degraded, state: ALARM}\n"
    )
    result = CliRunner().invoke(cli, ["alarms", "test", str(case)], env=WIDE)
    assert result.exit_code != 0
    assert "MISMATCH" in result.output and "1 step(s) did not match" in result.output


def test_alarms_test_reports_a_malformed_file(tmp_path: Path) -> None:
    case = tmp_path / "broken.yaml"
    case.write_text("tests: [\n")
    result = CliRunner().invoke(cli, ["alarms", "test", str(case)])
    assert result.exit_code != 0 and "not valid YAML" in result.output


def test_synth_writes_the_template(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["synth", "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    template = json.loads((tmp_path / "out" / "brickguard.template.json").read_text())
    assert template["Resources"]["DeployWindowAlarm"]["Type"] == "AWS::CloudWatch::CompositeAlarm"


def test_deploy_rejects_a_malformed_param() -> None:
    result = CliRunner().invoke(cli, ["deploy", "--bucket", "b", "--dry-run", "--param", "NoEquals"])
    assert result.exit_code != 0 and "KEY=VALUE" in result.output


def test_every_command_has_help_with_an_example() -> None:
    for args in (["synth"], ["deploy"], ["alarms", "test"]):
        result = CliRunner().invoke(cli, [*args, "--help"])
        assert result.exit_code == 0 and "Example:" in result.output and "brickguard" in result.output
