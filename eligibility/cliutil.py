"""What every command shares: options, date parsing, error reporting, atomic output."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
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
output_option = click.option(
    "--output", "-o", "output", metavar="FILE", default=None,
    help="Write to FILE (atomically: a reader never sees half a file) instead of stdout.")
lang_option = click.option(
    "--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
    help="Language of messages and explanations.")


def write_output(text: str, output: str | None) -> None:
    """Print ``text``, or write it to ``output`` atomically (see ``write_chunks``)."""
    write_chunks([text if text.endswith("\n") else text + "\n"], output)


def write_chunks(chunks: Iterable[str], output: str | None) -> None:
    """Print the report, or write it to ``output`` atomically: into a temporary file
    beside it, renamed over it once complete (a reader never sees half a report, and a
    failure leaves the old file as it was). The file gets the usual permissions (those
    of the file it replaces, else 0666 less the umask), not mkstemp's 0600."""
    if output is None:
        try:
            for chunk in chunks:
                sys.stdout.write(chunk)
            sys.stdout.flush()
        except BrokenPipeError:  # `| head`: the reader has all it wanted
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return
    target = Path(output)
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = target.stat().st_mode & 0o777
        except FileNotFoundError:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as error:
        raise InputError(f"cannot write: {error.strerror or error}", source=str(target)) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
