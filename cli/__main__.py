"""``python -m cli`` — the same as the ``brickguard`` command."""

from cli.main import cli

cli()
