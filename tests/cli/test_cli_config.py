"""Configuration mistakes are one clear line naming the variable, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from runtime import config


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("DATABASE_URL", "mysql://root@localhost/db"),
        ("DATABASE_URL", "postgresql://"),
        ("DATABASE_URL", "postgresql://u@host:notaport/db"),
        ("REDIS_URL", "http://localhost:6379"),
        ("OPENSEARCH_URL", "localhost:9200"),
        ("MIGRATION_MODE", "maybe"),
        ("BRICKGUARD_BACKEND", "kubernetes"),
        ("BRICKGUARD_TRACING", "zipkin"),
        ("BRICKGUARD_BREAKER_FORCE", "redis=sideways"),
    ],
)
def test_malformed_variable_is_one_line_naming_it(variable, value, tmp_path):
    env = {**os.environ, variable: value}
    result = subprocess.run(
        [sys.executable, "-m", "cli", "up", "--data-dir", str(tmp_path), "--port", "1"],
        env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.returncode == 2
    assert variable in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_socket_dir_database_url_is_accepted():
    settings = config.load({"DATABASE_URL": "postgresql:///brickguard?host=/tmp/sock&user=postgres"})
    assert settings.database_url == "postgresql:///brickguard?host=/tmp/sock&user=postgres"


def test_migration_mode_prefixes_cache_keys():
    assert config.load({"MIGRATION_MODE": "true"}).cache_prefix == "v2:"
    assert config.load({}).cache_prefix == ""


def test_every_command_has_help():
    from click.testing import CliRunner

    from cli.main import cli

    runner = CliRunner()
    top = runner.invoke(cli, ["--help"])
    assert top.exit_code == 0
    for name in cli.list_commands(None):  # type: ignore[arg-type]
        result = runner.invoke(cli, [name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        assert "Usage:" in result.output
