"""Errors: one hierarchy, each error carrying its exit code, shown in one place.

Every failure a user can cause derives from ``EligibilityError``; the command-line
group (``cli.Main``) catches it once, prints one ``error:`` line per problem on
stderr and exits with the error's ``exit_code``, as click does with ``ClickException``.
Library code raises, never prints nor exits.

* ``InputError`` (exit 2): bad input, one line naming the file and the field;
  ``InputErrors``: several at once; ``CatalogError``: a catalog that cannot be used.
* ``OutputError`` (exit 2): the report cannot be written (full disk, a folder…).
* ``EngineError`` (exit 70, in ``engine.durable``): the rules engine failed or answered
  inconsistently: an internal software error (sysexits' EX_SOFTWARE), never bad input.
* ``WorkerLost`` (exit 70, in ``audit.batch``): a worker process of an audit ended while
  auditing (killed, out of memory, a crash in C): the run stops, nothing is written.
* ``Interrupted`` (exit 130): Ctrl-C. SIGTERM raises ``SystemExit(143)`` instead (a
  ``BaseException``: no ``except Exception`` swallows it; ``finally`` blocks still remove
  temporary files) and prints nothing.
"""

from __future__ import annotations

import signal
from collections.abc import Iterable

# Every exit code of the command (CONTRACT §3); ``--help`` lists them (``EXIT_CODES``).
EXIT_OK = 0
EXIT_FAILED = 1  # not an error: the answer is no (a brick not eligible, a lint error…)
EXIT_BAD_INPUT = 2
EXIT_SOFTWARE = 70  # sysexits.h EX_SOFTWARE: the engine failed, no verdict can be trusted
EXIT_INTERRUPTED = 130
EXIT_PIPE = 141  # the reader of stdout stopped reading (as a process killed by SIGPIPE)
EXIT_TERMINATED = 143

EXIT_CODES: tuple[tuple[int, str], ...] = (
    (EXIT_OK, "all went well"),
    (EXIT_FAILED, "the answer is no: check/explain, a brick asked for is not eligible; "
                  "audit, a finding reaches --fail-on; rules lint/verify, a failure"),
    (EXIT_BAD_INPUT, "bad input or output: one error: line per problem, naming the file "
                     "and the field"),
    (EXIT_SOFTWARE, "internal error: the rules engine failed or answered inconsistently, "
                    "or an audit's worker process ended; no verdict is given (please "
                    "report it)"),
    (EXIT_INTERRUPTED, "interrupted (Ctrl-C)"),
    (EXIT_PIPE, "stdout closed by its reader (| head), silently"),
    (EXIT_TERMINATED, "terminated (SIGTERM), temporary files removed"),
)


class EligibilityError(Exception):
    """A failure the user caused or must know about; ``exit_code`` is the process's."""

    exit_code = EXIT_BAD_INPUT

    def lines(self) -> list[str]:
        """What to print, one problem a line (each line gets the ``error: `` prefix)."""
        return [str(self)]


class InputError(EligibilityError):
    """Bad input (profile, catalog, option): the CLI prints it on one line and exits 2.

    ``source`` is the file (or option) at fault, ``field`` the dotted path inside it.
    """

    def __init__(self, message: str, *, source: str | None = None, field: str | None = None,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.source = source
        self.field = field
        self.hint = hint

    def __str__(self) -> str:
        parts = [p for p in (self.source, self.field) if p]
        text = ": ".join([*parts, self.message])
        if self.hint:
            text += f" — {self.hint}"
        return text

    def lines(self) -> list[str]:
        return [InputError.__str__(p) for p in getattr(self, "problems", None) or [self]]


class InputErrors(InputError):
    """Several bad-input problems at once (one line each); the first is the headline."""

    def __init__(self, problems: list[InputError]) -> None:
        first = problems[0]
        super().__init__(first.message, source=first.source, field=first.field, hint=first.hint)
        self.problems = problems

    def __str__(self) -> str:
        return "\n".join(InputError.__str__(p) for p in self.problems)


class CatalogError(InputError):
    """The rule catalog cannot be used (run `eligibility rules lint` for every finding)."""


class OutputError(InputError):
    """The report cannot be written where asked (``source`` is the file, or <stdout>)."""


class WorkerLost(EligibilityError):
    """A worker process of the audit ended before it had sent its communes back: the
    audit stops (exit 70) instead of waiting for them for ever, and writes nothing."""

    exit_code = EXIT_SOFTWARE

    def __init__(self, exitcode: int | None = None) -> None:
        super().__init__(exitcode)
        self.exitcode = exitcode

    def __str__(self) -> str:
        if self.exitcode is None:
            how = "its exit code unknown"
        elif self.exitcode < 0:
            try:
                how = f"killed by {signal.Signals(-self.exitcode).name}"
            except ValueError:
                how = f"killed by signal {-self.exitcode}"
        else:
            how = f"exit code {self.exitcode}"
        return (f"a worker process of the audit ended while auditing ({how}); nothing was "
                "written: audit again, or with --jobs 1 to audit in one process")


class Interrupted(EligibilityError):
    """Ctrl-C: one line, exit 130, no traceback."""

    exit_code = EXIT_INTERRUPTED

    def __str__(self) -> str:
        return "interrupted"


def did_you_mean(word: str, choices: Iterable[str]) -> str | None:
    """``"did you mean 'x'?"`` for the nearest valid name, or None when nothing is close."""
    import difflib  # only once a name is wrong (issue 12: a cold command does not need it)

    match = difflib.get_close_matches(str(word)[:200], list(choices), n=1, cutoff=0.6)
    return f"did you mean '{match[0]}'?" if match else None
