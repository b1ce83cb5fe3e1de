"""``python -m runtime.cli`` — the same as the ``brickguard`` command."""

from runtime.cli.main import cli

cli()
