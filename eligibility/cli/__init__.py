"""Layer 11 · cli: the ``eligibility`` command (click). It parses, calls the library and prints.

Importing it stays light: neither durable-rules nor hypothesis nor Flask is loaded until a
subcommand needs it.
"""

from eligibility.cli.main import main

__all__ = ["main"]
