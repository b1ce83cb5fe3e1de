"""Options and error handling shared by the subcommands."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeVar

import click

from runtime import config
from stack import function_environment as env

F = TypeVar("F", bound=Callable[..., Any])

data_dir_option = click.option(
    "--data-dir",
    type=click.Path(file_okay=False),
    default=".brickguard",
    show_default=True,
    envvar=env.DATA_DIR,
    help="Where PostgreSQL, Redis and the dev signing key keep their files.",
)


def load_settings(**overrides: Any) -> config.Settings:
    """Settings from the environment; a malformed variable is one clear line and exit code 2."""
    try:
        settings = config.load()
    except config.ConfigError as exc:
        raise click.UsageError(str(exc)) from None
    return dataclasses.replace(settings, **overrides) if overrides else settings
