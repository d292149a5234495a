"""What every command shares: options, date parsing, error reporting, safe output.

Errors are shown in one place, ``guarded``, which the ``cli.Main`` group wraps around
every command (a command is always run through the group, tests included): an
``EligibilityError`` becomes one ``error:`` line per problem on stderr and its
``exit_code``; Ctrl-C exits 130 with one line; SIGTERM exits 143 silently (temporary
files removed); a closed pipe on stdout (``| head -1``) ends quietly with 141, like a
process killed by SIGPIPE; a full disk or any other write failure on stdout is an
``error:`` line and exit 2; memory exhaustion and recursion too deep are ``error:``
lines, exit 2, never a traceback.

Output files (``--output``, see ``write_chunks``): never an input of the same run
(``guard_output``), written atomically (temporary file beside, renamed over); a
symbolic link is followed and its target replaced (the link stays); a device or a FIFO
(``/dev/null``) is written straight into; a folder is refused; ``-`` is stdout.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import errno
import os
import signal
import stat
import sys
import tempfile
import unicodedata
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, TextIO

import click

from eligibility.documents.bounded import (
    LIMITS,
    Limits,
    escape_controls,
    parse_size,
    reset_stdin,
    shown,
)
from eligibility.errors import (
    EXIT_BAD_INPUT,
    EXIT_PIPE,
    EligibilityError,
    InputError,
    Interrupted,
    OutputError,
)

if TYPE_CHECKING:  # imported where used: `--help` and `--version` load no catalog (issue 12)
    from click.shell_completion import CompletionItem

    from eligibility.catalog.model import Catalog

STDOUT_NAME = "<stdout>"
QUIET = "eligibility.quiet"  # key of ``--quiet`` in the root context's ``meta``


def report(error: EligibilityError) -> None:
    """One ``error:`` line per problem on stderr; control characters from the input
    (a file name, a value) are escaped so that no line can be forged."""
    for line in error.lines():  # one problem a line: a newline in it is escaped too
        click.echo(f"error: {escape_controls(line)}", err=True)


class _PipeClosed(Exception):
    """Whoever read stdout stopped reading (``| head``)."""


def _silence_stdout() -> None:
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())


def _flush_stdout() -> None:
    try:
        sys.stdout.flush()
    except BrokenPipeError:
        raise _PipeClosed from None
    except OSError as error:
        _silence_stdout()
        raise OutputError(f"cannot write: {error.strerror or error}",
                          source=STDOUT_NAME) from None
    except ValueError:  # stdout closed by the caller
        pass


def guarded(call: Callable[[], Any]) -> Any:
    """Run a command; every failure ends as described in the module docstring."""
    try:
        try:
            return call()
        finally:
            _flush_stdout()
    except EligibilityError as error:
        report(error)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        report(Interrupted())
        if _STANDALONE:
            leave_within(EXIT_GRACE, Interrupted.exit_code)
        sys.exit(Interrupted.exit_code)
    except (_PipeClosed, BrokenPipeError):
        _silence_stdout()
        sys.exit(EXIT_PIPE)
    except MemoryError:
        report(InputError("out of memory: an input is too large for this machine",
                          hint="split the input, or lower what --max-input-size allows"))
        sys.exit(EXIT_BAD_INPUT)
    except RecursionError:
        report(InputError("an input is nested too deeply"))
        sys.exit(EXIT_BAD_INPUT)
    except OSError as error:  # click.echo on a full disk (/dev/full), a lost terminal
        if error.errno == errno.EPIPE:
            _silence_stdout()
            sys.exit(EXIT_PIPE)
        _silence_stdout()
        report(OutputError(f"cannot write: {error.strerror or error}",
                           source=error.filename or STDOUT_NAME))
        sys.exit(EXIT_BAD_INPUT)


def _terminate(signum: int, frame: Any) -> None:
    if _STANDALONE:
        leave_within(EXIT_GRACE, 128 + signum)
    raise SystemExit(128 + signum)  # finally blocks (temporary files) still run


EXIT_GRACE = 10.0  # seconds an interrupted run may take to end once it has cleaned up
_STANDALONE = False  # the process is the program's own (not a caller's, e.g. CliRunner)


def mark_standalone() -> None:
    """The program runs as its own process (console script, ``python -m``): an
    interrupted run may then end the process itself (``leave_within``)."""
    global _STANDALONE
    _STANDALONE = True


def leave_within(seconds: float, code: int) -> None:
    """End the process with ``code`` after ``seconds``, should it not have ended by then.

    After Ctrl-C or SIGTERM the run cleans up (finally blocks remove temporary files)
    and exits; the interpreter's exit then joins what multiprocessing left, and a pool
    worker caught in the middle of a write can keep that join waiting for ever (seen
    once in CI). A daemon timer bounds it: it ends the process only if it is still
    there, its own cleanup long done."""
    import threading

    timer = threading.Timer(seconds, os._exit, (code,))
    timer.daemon = True
    timer.start()


def install_signal_handlers() -> None:
    """SIGTERM ends the run like an exception (cleaning up), silently; SIGPIPE stays
    Python's default (an exception), so that the pipe is handled in ``guarded``."""
    with contextlib.suppress(ValueError):  # not the main thread (a test runner)
        signal.signal(signal.SIGTERM, _terminate)
    reset_stdin()
    LIMITS.max_input_size = Limits().max_input_size  # --max-input-size sets it for one run


def parse_date(value: str | None, option: str = "--as-of") -> dt.date:
    if value is None:
        return dt.date.today()
    try:
        if not value.isascii() or len(value) != 10:
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise InputError(f"expected a date YYYY-MM-DD (got {shown(value)})",
                         source=option) from None


def catalog_from(rules: str | None) -> Catalog:
    from eligibility.catalog.loading import load_catalog

    return load_catalog(rules)


def catalog_files(rules: str | None) -> list[str]:
    """The files of the catalog a run reads (``--rules DIR``, else the shipped one)."""
    from eligibility.catalog.shipped import shipped_rules_dir

    folder = Path(rules) if rules else shipped_rules_dir()
    if folder.is_file():
        return [str(folder)]
    with contextlib.suppress(OSError):
        return [str(p) for p in folder.rglob("*") if p.is_file()]
    return []


def is_quiet() -> bool:
    """Whether ``eligibility --quiet`` was given (see ``cli.main``): no progress, no
    banner, nothing on stdout but what ``--output`` writes to a file."""
    ctx = click.get_current_context(silent=True)
    return bool(ctx is not None and ctx.find_root().meta.get(QUIET))


def complete_brick(ctx: click.Context, param: click.Parameter,
                   incomplete: str) -> list[CompletionItem]:
    """Shell completion of a brick: its ids and aliases, each with its French title (the
    catalog of ``--rules`` when it is already on the command line). Never fails: a broken
    catalog completes nothing."""
    from click.shell_completion import CompletionItem

    from eligibility.catalog.loading import load_catalog
    from eligibility.wording.bricks import brick_title

    try:
        catalog = load_catalog(ctx.params.get("rules"))
    except (EligibilityError, OSError):
        return []
    typed = incomplete.lower()
    return [CompletionItem(name,
                           help=brick_title(catalog.bricks[catalog.resolve(name) or name], "fr"))
            for name in catalog.names if name.startswith(typed)]


def _set_max_input_size(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    if value is not None:
        try:
            LIMITS.max_input_size = parse_size(value)
        except InputError as error:
            raise click.BadParameter(error.message) from None


rules_option = click.option(
    "--rules", "rules", metavar="DIR", default=None,
    help="Use the catalog in DIR instead of the shipped one.")
as_of_option = click.option(
    "--as-of", "as_of", metavar="DATE", default=None,
    help="Evaluate on this date (YYYY-MM-DD; default: today).")
output_option = click.option(
    "--output", "-o", "output", metavar="FILE", default=None,
    help="Write to FILE (atomically: a reader never sees half a file) instead of stdout; "
         "- is stdout. Never an input of the same run.")
lang_option = click.option(
    "--lang", type=click.Choice(["fr", "en"]), default="fr", show_default=True,
    help="Language of messages and explanations.")
max_input_size_option = click.option(
    "--max-input-size", "max_input_size", metavar="SIZE", default=None, expose_value=False,
    is_eager=True, callback=_set_max_input_size,
    help="Largest input file read, e.g. 64M (the default), 1G.")


def guard_output(output: str | None, inputs: Iterable[str | Path]) -> None:
    """Refuse an ``--output`` that is one of the run's inputs (the same file, by device
    and inode, whatever the name: a hard link or a symbolic link too)."""
    if output is None or output == "-":
        return
    try:
        target = os.stat(output)
    except OSError:
        return  # a new file cannot be an input
    if not stat.S_ISREG(target.st_mode):
        return
    # A file with one name is reached only by that name, through linked folders or not,
    # or by a symbolic link to it: only those inputs need a stat (35,000 files, issue 12).
    only_name = (_folded(os.path.basename(os.path.realpath(output)))
                 if target.st_nlink == 1 else None)
    links: dict[str, frozenset[str]] = {}  # folder -> the names of the links in it
    for given in inputs:
        name = str(given)
        if name == "-" or (only_name is not None and not _may_be(name, only_name, links)):
            continue
        with contextlib.suppress(OSError):
            info = os.stat(given)
            if (info.st_dev, info.st_ino) == (target.st_dev, target.st_ino):
                raise InputError(f"is an input of this run ({given}): it would be overwritten",
                                 source="--output", hint="write the report to another file")


def _folded(name: str) -> str:
    """A file name as a case-insensitive file system (a USB key's FAT) may match it."""
    return unicodedata.normalize("NFC", name).casefold()


def _may_be(path: str, name: str, links: dict[str, frozenset[str]]) -> bool:
    """Whether ``path`` may name the file whose only name is ``name`` (``_folded``): it
    has that name, or it is a symbolic link (each folder listed once)."""
    folder, sep, base = path.rpartition(os.sep)
    if not base or base in (".", "..") or _folded(base) == name:
        return True
    found = links.get(folder)
    if found is None:
        try:
            with os.scandir(folder or sep or ".") as entries:
                found = frozenset(e.name for e in entries if e.is_symlink())
        except OSError:
            return True  # cannot tell: ask stat
        links[folder] = found
    return base in found


def input_files(paths: Iterable[str]) -> list[str]:
    """The files a run reads from PATH... (folder members included), for ``guard_output``."""
    from eligibility.profile.loading import find_profiles

    found: list[str] = []
    for given in paths:
        if given != "-" and os.path.isdir(given):
            found += find_profiles(given)[0]
        else:
            found.append(given)
    return found


def write_output(text: str, output: str | None) -> None:
    """Print ``text``, or write it to ``output`` atomically (see ``write_chunks``)."""
    write_chunks([text if text.endswith("\n") else text + "\n"], output)


def _terminal_safe(chunks: Iterable[str]) -> Iterable[str]:
    """On a terminal, control characters other than newlines and tabs are escaped (the
    renderers' own colour codes are not used on a terminal's stdout, so none are lost)."""
    for chunk in chunks:
        yield escape_controls(chunk, keep_newlines=True)


class FilePiece(Protocol):
    """A piece of a report that is in a file already (``audit.rendered.Span``): copied
    from it into the report by the kernel, read for a stream."""

    def __bytes__(self) -> bytes: ...
    def write_to(self, fd: int) -> None: ...


Chunk = str | bytes | FilePiece


def _text(chunk: Chunk) -> str:
    return chunk if isinstance(chunk, str) else bytes(chunk).decode("utf-8")


def write_chunks(chunks: Iterable[Chunk], output: str | None) -> None:
    """Print the report, or write it to ``output`` atomically: into a temporary file
    beside it, renamed over it once complete (a reader never sees half a report, and a
    failure or SIGTERM leaves the old file as it was and no temporary file). The file
    gets the usual permissions (those of the file it replaces, else 0666 less the
    umask), not mkstemp's 0600. A symbolic link is followed (its target is replaced, the
    link stays); a device or FIFO is written into directly; a folder is refused."""
    if output is None or output == "-":
        stream = sys.stdout
        text: Iterable[str] = map(_text, chunks)
        if stream.isatty():
            text = _terminal_safe(text)
        try:
            for chunk in text:
                stream.write(chunk)
        except BrokenPipeError:  # `| head`: the reader has all it wanted
            raise _PipeClosed from None
        except OSError as error:
            _silence_stdout()
            raise OutputError(f"cannot write: {error.strerror or error}",
                              source=STDOUT_NAME) from None
        _flush_stdout()
        return
    target = Path(os.path.realpath(output))  # through symbolic links, to what they name
    try:
        info = os.stat(target)
    except FileNotFoundError:
        info = None
    except OSError as error:
        raise OutputError(f"cannot write: {error.strerror or error}", source=output) from None
    if info is not None and stat.S_ISDIR(info.st_mode):
        raise OutputError("is a folder, expected a file name", source=output)
    if info is not None and not stat.S_ISREG(info.st_mode):
        _write_through(chunks, output)
        return
    tmp: str | None = None
    try:
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            _write_all(handle, chunks)
            handle.flush()
            os.fsync(handle.fileno())
        mode = info.st_mode & 0o777 if info is not None else 0o666 & ~_umask()
        os.chmod(tmp, mode)
        os.replace(tmp, target)
        tmp = None
    except OSError as error:
        raise OutputError(f"cannot write: {error.strerror or error}", source=output) from None
    finally:
        if tmp is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


def _write_all(handle: TextIO, chunks: Iterable[Chunk]) -> None:
    """Text encoded as UTF-8; bytes (UTF-8 already: entries a worker rendered, issue 12)
    written as they are, after the text before them; a piece in a file copied from it."""
    for chunk in chunks:
        if isinstance(chunk, str):
            handle.write(chunk)
        elif isinstance(chunk, bytes):
            handle.flush()
            handle.buffer.write(chunk)
        else:
            handle.flush()
            handle.buffer.flush()
            chunk.write_to(handle.fileno())


def _write_through(chunks: Iterable[Chunk], output: str) -> None:
    """A device or a FIFO: written into as it is (there is nothing to replace)."""
    try:
        fd = os.open(output, os.O_WRONLY | getattr(os, "O_NONBLOCK", 0))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            _write_all(handle, chunks)
    except OSError as error:
        if error.errno == errno.ENXIO:  # a FIFO nobody reads: do not wait for one
            raise OutputError("a pipe that nobody reads", source=output) from None
        raise OutputError(f"cannot write: {error.strerror or error}", source=output) from None


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask
