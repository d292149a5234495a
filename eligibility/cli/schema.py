"""``eligibility schema``: the JSON Schemas of the input formats (a lazy command)."""

from __future__ import annotations

import json

import click

from eligibility.cli.options import catalog_from, rules_option
from eligibility.profile.schema import profile_schema


@click.group("schema")
def schema_group() -> None:
    """JSON Schemas of the input formats."""


@schema_group.command("profile")
@rules_option
def schema_profile(rules: str | None) -> None:
    """JSON Schema of the commune profile (CONTRACT §2), with the catalog's values."""
    click.echo(json.dumps(profile_schema(catalog_from(rules)), ensure_ascii=False, indent=2))
