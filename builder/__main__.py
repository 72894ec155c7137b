"""`python -m builder` is the `glossator` command."""

from builder.cli import run

run()
