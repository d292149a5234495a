"""``eligibility serve``: the local web application (a lazy command).

Flask is imported when the server starts, not with this module (its ``--help`` stays
quick).
"""

from __future__ import annotations

import sys

import click

from eligibility.cli.check import engine_option
from eligibility.cli.options import rules_option
from eligibility.errors import EXIT_INTERRUPTED, InputError
from eligibility.evaluation.check import EngineName


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default: only this machine).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@rules_option
@engine_option
def serve_command(host: str, port: int, rules: str | None, engine: EngineName) -> None:
    """The local web application and its HTTP API (POST /api/check, POST /api/audit,
    GET /api/catalog). Ctrl-C stops it."""
    from eligibility.web import serve

    try:
        serve(host, port, rules, engine=engine)
    except OSError as error:
        raise InputError(f"cannot listen on {host}:{port}: {error.strerror or error}",
                         source="--port") from None
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)
