"""The local web application (``eligibility serve``): check, what-if, audit, rules, API.

``create_app`` builds the Flask application; ``serve`` runs it on one address. Flask is
imported only here, so that the command line stays light.
"""

from __future__ import annotations

from eligibility.evaluation.verdicts import EngineName
from eligibility.web.app import create_app

__all__ = ["create_app", "serve"]


def serve(host: str = "127.0.0.1", port: int = 8000, rules: str | None = None,
          announce: bool = True, engine: EngineName = "durable") -> None:
    """Serve the application until interrupted (threads; the library calls are locked)."""
    from werkzeug.serving import make_server

    app = create_app(rules, engine)
    server = make_server(host, port, app, threaded=True)
    if announce:
        import click

        shown = f"[{host}]" if ":" in host else host
        click.echo(f"eligibility: serving on http://{shown}:{server.server_port}/")
        if host in ("127.0.0.1", "localhost", "::1"):
            click.echo("  loopback only: this machine alone can open it "
                       "(use --host 0.0.0.0 to serve the network)")
        else:
            click.echo(f"  listening on {host}: other machines of the network can open it")
        click.echo("  Ctrl-C to stop")
    try:
        server.serve_forever()
    finally:
        server.server_close()
