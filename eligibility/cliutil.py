"""What every command shares: options, date parsing, error reporting, atomic output."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .catalog import Catalog, load_catalog
from .errors import InputError

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2


def fail(error: InputError | str) -> None:
    """Print a bad-input message (one line per problem) and exit 2."""
    for line in str(error).splitlines():
        click.echo(f"error: {line}", err=True)
    sys.exit(EXIT_BAD_INPUT)


def reports_input_errors(command: F) -> F:
    """Turn bad input into an ``error:`` message and exit code 2, never a traceback."""
    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except InputError as error:
            fail(error)
    return wrapper  # type: ignore[return-value]


def parse_date(value: str | None, option: str = "--as-of") -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"expected a date YYYY-MM-DD (got {value!r})", source=option) from None


def catalog_from(rules: str | None) -> Catalog:
    return load_catalog(rules)


rules_option = click.option(
    "--rules", "rules", metavar="DIR", default=None,
    help="Use the catalog in DIR instead of the shipped one.")
as_of_option = click.option(
    "--as-of", "as_of", metavar="DATE", default=None,
    help="Evaluate on this date (YYYY-MM-DD; default: today).")
lang_option = click.option(
    "--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
    help="Language of messages and explanations.")


def write_output(text: str, output: str | None) -> None:
    """Print, or write ``output`` atomically (a reader never sees half a file)."""
    if output is None:
        click.echo(text)
        return
    target = Path(output)
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent or ".", prefix=f".{target.name}.")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text if text.endswith("\n") else text + "\n")
        os.replace(tmp, target)
    except OSError as error:
        raise InputError(f"cannot write: {error.strerror or error}", source=str(target)) from None
