"""``brickguard``: the command group, with each subcommand imported only when it runs.

Subcommands live in their own modules so ``brickguard --help`` stays fast and a
broken optional dependency of one command cannot break the others.
"""

from __future__ import annotations

import importlib
import importlib.util

import click

# command name -> "module:attribute" of a click command
COMMANDS: dict[str, str] = {
    "up": "cli.up:up",
    "serve": "cli.serve:serve",
    "token": "cli.token:token",
    "breaker": "cli.breaker:breaker",
    "search": "cli.search:search",
    "schema": "cli.schema:schema",
    "synth": "cli.stack:synth",
    "deploy": "cli.stack:deploy",
    "package": "cli.package:package",
    "alarms": "cli.stack:alarms",
    "cache": "cli.cache:cache",
    "rollout": "cli.rollout:rollout",
    "load": "cli.load:load",
    "chaos": "cli.chaos:chaos",
    "cost": "cli.cost:cost",
    "parity": "cli.parity:parity",
}

SHORT_HELP: dict[str, str] = {
    "up": "Start PostgreSQL, Redis, express (port 9000) and serverless (port 9001).",
    "serve": "Serve express as production runs it (ECS): config from the environment, drain on SIGTERM.",
    "token": "Print a JWT the local backends accept.",
    "breaker": "Show or force the circuit breakers of the running main job.",
    "search": "Search index maintenance (reindex).",
    "schema": "Apply the versioned schema changes (Alembic) to DATABASE_URL.",
    "synth": "Write the CloudFormation stack (functions, API, alarms, dashboards).",
    "deploy": "Package the code and create or update the whole stack through a change set.",
    "package": "Build each Lambda function's artifact (arm64 wheels, no Docker) and report its size.",
    "alarms": "Alarms: offline tests against synthetic series; live states of the running up.",
    "cache": "The migration cache flush (SCAN, paced, keeps sessions).",
    "rollout": "Move traffic express → serverless through Route53 weights behind a statistical gate.",
    "load": "Open-loop load against one or both backends, compared with a Mann-Whitney U test.",
    "chaos": "Pause, kill or slow a dependency of the running up (and say how to undo it).",
    "cost": "Each backend's cost per million requests and per month at the observed traffic.",
    "parity": "Diff express and serverless answers per route (noise from same-backend repeats ignored).",
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._importable(name)]

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        target = COMMANDS.get(cmd_name)
        if target is None:
            return None
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name)
        command: click.Command = getattr(module, attribute)
        return command

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, SHORT_HELP.get(name, "")) for name in self.list_commands(ctx)]
        if not rows:
            return
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    @staticmethod
    def _importable(name: str) -> bool:
        module_name = COMMANDS[name].partition(":")[0]
        return importlib.util.find_spec(module_name) is not None


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="brickguard")
def cli() -> None:
    """brickguard: guard runtime, dashboards and alarms for the LEGO Projects API."""
