"""The ``eligibility`` command line: it parses, calls the library, and prints."""

from __future__ import annotations

import json
import sys

import click

from eligibility.catalog.model import Catalog
from eligibility.cli.options import (
    EXIT_FAILED,
    EXIT_OK,
    as_of_option,
    catalog_from,
    guarded,
    install_signal_handlers,
    lang_option,
    max_input_size_option,
    parse_date,
    reports_input_errors,
    rules_option,
)
from eligibility.errors import InputError
from eligibility.evaluation.check import ENGINES, check
from eligibility.profile.loading import load_profile
from eligibility.profile.model import Profile
from eligibility.reports.check import check_json, check_markdown, check_text, explain_text


class Main(click.Group):
    """The command group: the one place where errors become ``error:`` lines and exit
    codes (``cliutil.guarded``), for every command."""

    def invoke(self, ctx: click.Context) -> object:
        install_signal_handlers()
        return guarded(lambda: super(Main, self).invoke(ctx))


@click.group(cls=Main, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="eligibility")
def main() -> None:
    """Eligibility of Nîmes Métropole's communes for the DN's shared IT services.

    Each verdict comes with its reasons, their citations, and what would change it.
    """


engine_option = click.option(
    "--engine", type=click.Choice(ENGINES), default="durable", show_default=True,
    help="durable-rules engine, or the reference evaluator (same verdicts).")


def _bricks(catalog: Catalog, names: tuple[str, ...]) -> list[str] | None:
    return [catalog.brick_id(n, source="--brick") for n in names] or None


@main.command("check")
@click.argument("profile")
@click.option("--brick", "bricks", multiple=True, metavar="ID",
              help="Brick to check (id or alias); repeat for several. Default: the profile's "
                   "requests, or every brick.")
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True)
@lang_option
@rules_option
@engine_option
@max_input_size_option
@reports_input_errors
def check_command(profile: str, bricks: tuple[str, ...], as_of: str | None, fmt: str, lang: str,
                  rules: str | None, engine: str) -> None:
    """Verdict for each requested brick, with reasons and remediation.

    PROFILE is a YAML or JSON file, or - for standard input.

    Exit 1 when a brick asked for is not eligible (when none is asked for: when a
    brick that exists for the commune is ineligible or undetermined).
    """
    catalog = catalog_from(rules)
    day = parse_date(as_of)
    chosen = _bricks(catalog, bricks)
    commune = load_profile(profile, catalog)
    # --brick chooses what is shown; what the commune asks for stays its `requests`.
    evaluation = check(catalog, commune, day, engine=engine, show=chosen)  # type: ignore[arg-type]
    render = {"text": check_text, "json": check_json, "markdown": check_markdown}[fmt]
    click.echo(render(evaluation, lang))
    shown = evaluation.shown()
    if evaluation.everything_requested and chosen is None:
        failed = any(v.status in ("ineligible", "undetermined") for v in shown)
    else:
        failed = any(v.status != "eligible" for v in shown)
    sys.exit(EXIT_FAILED if failed else EXIT_OK)


@main.command("explain")
@click.argument("profile")
@click.argument("brick")
@as_of_option
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)
@lang_option
@rules_option
@engine_option
@max_input_size_option
@reports_input_errors
def explain_command(profile: str, brick: str, as_of: str | None, fmt: str, lang: str,
                    rules: str | None, engine: str) -> None:
    """The full derivation for one brick: each condition, the fact it read, held or
    failed, its citation, and what would make it hold."""
    catalog = catalog_from(rules)
    day = parse_date(as_of)
    brick_id = catalog.brick_id(brick, source="BRICK")
    commune = load_profile(profile, catalog)
    # The same verdict as `check` gives: the commune's requests stay what it asks for.
    evaluation = check(catalog, commune, day, engine=engine,  # type: ignore[arg-type]
                       show=[brick_id])
    if fmt == "json":
        from eligibility.reports.check import check_json_data

        data = check_json_data(evaluation, lang)
        data["bricks"] = [b for b in data["bricks"] if b["id"] == brick_id]
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(explain_text(evaluation, brick_id, lang))
    sys.exit(EXIT_OK if evaluation.verdicts[brick_id].status == "eligible" else EXIT_FAILED)


@main.group("schema")
def schema_group() -> None:
    """JSON Schemas of the input formats."""


@schema_group.command("profile")
@rules_option
@reports_input_errors
def schema_profile(rules: str | None) -> None:
    """JSON Schema of the commune profile (CONTRACT §2), with the catalog's values."""
    catalog = catalog_from(rules)
    schema = Profile.model_json_schema()
    defs = schema.get("$defs", {})
    ids = [*catalog.bricks, *catalog.aliases]
    defs["Network"]["properties"]["fibre"]["anyOf"][0]["enum"] = list(
        catalog.levels["network.fibre"])
    versions = [*catalog.version_ids, "none"]
    for name in ("Signature", "Convention"):
        defs[name]["properties"]["version"]["enum"] = versions
    defs["Subscription"]["properties"]["brick"]["enum"] = ids
    schema["properties"]["requests"]["items"]["enum"] = ids
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    click.echo(json.dumps(schema, ensure_ascii=False, indent=2))


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback by default: only this machine).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True,
              help="Port to listen on (0: any free port).")
@rules_option
@reports_input_errors
def serve_command(host: str, port: int, rules: str | None) -> None:
    """The local web application and its HTTP API (POST /api/check, POST /api/audit,
    GET /api/catalog). Ctrl-C stops it."""
    from eligibility.web import serve  # Flask is imported only for this command

    try:
        serve(host, port, rules)
    except OSError as error:
        raise InputError(f"cannot listen on {host}:{port}: {error.strerror or error}",
                         source="--port") from None
    except KeyboardInterrupt:
        sys.exit(130)


# Commands of the other capabilities register here.
from eligibility.cli.audit import audit_command  # noqa: E402
from eligibility.cli.costs import costs_command  # noqa: E402
from eligibility.cli.rules import rules_group  # noqa: E402

main.add_command(costs_command)
main.add_command(audit_command)
main.add_command(rules_group)
