"""`python -m builder` is the `glossator` command."""

from builder.commands.cli import run

run()
