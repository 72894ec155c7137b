"""`python -m builder` is the `glossator` command."""

import sys

from builder.cli import main

sys.exit(main())
