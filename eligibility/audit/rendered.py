"""A national audit whose communes come back from the workers already rendered (issue 12).

Sending every commune's findings back to the parent process as objects makes the parent
unpickle and render 35,000 communes alone, while the workers wait: serial work. When the
report is one whose entries are per commune (JSON, without ``--compare`` or ``--drop``),
each worker renders its communes' entries itself, with the report's own renderer (passed
in by the caller: the audit layer does not know the formats), and sends back per commune
only where its finished entry is and the few figures the summary, the order, the refusal
of a commune given twice and the exit code need (``RenderedCommune``). The parent sorts,
counts and concatenates.

A worker sends back a batch of communes as columns (``RenderedBatch``): lists of codes,
names, figures and counts, and where their entries are (not the sources: the parent
has them). The entries themselves
do not go through the pipe (120 MB for 35,000 communes: half a second of the parent's
CPU): the worker writes them, UTF-8, into a spool file shared by the workers (``Spool``,
an unnamed temporary file: nothing is left on disk, whatever stops the run), at a place
it reserves; the parent reads them back, a batch in one read, when it writes the
report. Should the spool fail (a full disk), the batch brings its entries itself. The
report is written from the spool file to file (``Span``: ``os.copy_file_range``, the
kernel copying), not read into the parent's memory and written out again.

The figures a summary reads (bricks held, status and failed rules per brick) are shared
between communes that have the same ones, as are the counts: a worker sends each
distinct one once per batch, and the summary counts each distinct one once (``summary``).
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from multiprocessing.context import BaseContext
from typing import Any, NamedTuple, Protocol

from eligibility.audit.findings import SEVERITY_RANK, AuditOptions, CommuneAudit
from eligibility.audit.inputs import Rejected
from eligibility.catalog.model import Catalog, Severity

Figures = tuple[tuple[str, ...], tuple[str, ...], tuple[tuple[str, ...], ...]]
"""(bricks held, status per brick, failed rules per brick): what a summary counts."""

Renderer = Callable[[CommuneAudit, int], str]
"""One commune's entry of a report, given the number of inputs of the run (a report may
lay out a large run differently)."""


class Entries(Protocol):
    """Where the entries of some communes are: ``piece`` is the text from one place to
    another (a commune's entry, or several following one another), as text or as its
    UTF-8 bytes."""

    def piece(self, start: int, end: int) -> str | bytes: ...


class Held:
    """Entries kept in memory, one text (places are characters)."""

    def __init__(self, text: str) -> None:
        self.text = text

    def piece(self, start: int, end: int) -> str:
        return self.text[start:end]


class Spool:
    """An unnamed temporary file the workers write their entries into (places are bytes);
    made before the workers fork, so that they share it and its next free place."""

    def __init__(self, context: BaseContext) -> None:
        # Unlinked at once: never left behind; open as long as the run's communes point here.
        self.file = tempfile.TemporaryFile()  # noqa: SIM115
        self.free = context.Value("q", 0)  # the next free place, reserved under its lock

    def write(self, data: bytes) -> int:
        """Write ``data`` at a place of its own; return the place."""
        with self.free.get_lock():
            place = int(self.free.value)
            self.free.value = place + len(data)
        done = 0
        while done < len(data):
            done += os.pwrite(self.file.fileno(), data[done:], place + done)
        return place

    def piece(self, start: int, end: int) -> bytes:
        """The bytes from ``start`` to ``end``: UTF-8, written to the report as they are."""
        parts = []
        while start < end:
            part = os.pread(self.file.fileno(), end - start, start)
            if not part:
                raise OSError("the spool file of the audit ended early")
            parts.append(part)
            start += len(part)
        return parts[0] if len(parts) == 1 else b"".join(parts)

    def span(self, start: int, end: int) -> Span:
        """The bytes from ``start`` to ``end``, left in the spool to be copied from it."""
        return Span(self, start, end)

    def __getstate__(self) -> dict[str, Any]:
        raise TypeError("a spool is shared by forking, never pickled")


class Span(NamedTuple):
    """Bytes of a spool from ``start`` to ``end``: a piece of a report that its writer
    copies file to file (``write_to``), or reads (``bytes(span)``) for a stream."""

    spool: Spool
    start: int
    end: int

    def __bytes__(self) -> bytes:
        return self.spool.piece(self.start, self.end)

    def write_to(self, fd: int) -> None:
        """Copied into the file open as ``fd`` at its offset, by the kernel where it can
        (``copy_file_range``: same kind of file system), else read and written."""
        source, start, end = self.spool.file.fileno(), self.start, self.end
        copy = getattr(os, "copy_file_range", None)
        while copy is not None and start < end:
            try:
                done = copy(source, fd, end - start, start)
            except OSError:  # not between these files (a pipe, another file system)
                break
            if not done:
                break
            start += done
        while start < end:
            piece = self.spool.piece(start, min(end, start + _WRITTEN))
            written = 0
            while written < len(piece):
                written += os.write(fd, piece[written:])
            start += len(piece)


_WRITTEN = 8 * 1024 * 1024  # read and written at most this much at a time


class RenderedCommune(NamedTuple):
    """One commune audited and rendered by a worker: where its entry of the report is
    (``entries``, from ``start`` to ``end``) and its figures."""

    insee: str
    name: str
    source: str
    figures: Figures
    counts: tuple[int, int, int]  # errors, warnings, information
    entries: Entries
    start: int
    end: int

    @property
    def text(self) -> str:
        """The commune's entry of the report, as placed in it (``Renderer``)."""
        piece = self.entries.piece(self.start, self.end)
        return piece if isinstance(piece, str) else piece.decode("utf-8")

    @property
    def held(self) -> tuple[str, ...]:
        return self.figures[0]

    @property
    def statuses(self) -> tuple[str, ...]:
        return self.figures[1]

    @property
    def blocking(self) -> tuple[tuple[str, ...], ...]:
        return self.figures[2]

    def count(self, severity: Severity) -> int:
        return self.counts[SEVERITY_RANK[severity]]


@dataclass
class RenderedBatch:
    """A batch of units as a worker sends it back: its communes as columns, where their
    entries are (in the spool from ``place``, else in ``text``; ``ends``: where each
    ends, from the batch's start), and its bad inputs where they came (``refused``:
    position in the batch -> why). Not the communes' sources: the parent has them, in
    its list of units."""

    units: int
    ends: list[int]
    insee: list[str]
    names: list[str]
    figures: list[Figures]
    counts: list[tuple[int, int, int]]
    refused: dict[int, Rejected]
    text: str | None = None
    place: int = 0

    def results(self, spool: Spool | None,
                sources: Sequence[str]) -> list[RenderedCommune | Rejected]:
        """The batch's results in the order of its units (``sources``: theirs)."""
        if self.text is not None:
            entries: Entries = Held(self.text)
            base = 0
        else:
            assert spool is not None, "entries in a spool the parent holds"
            entries, base = spool, self.place
        ends = [base + end for end in self.ends]
        # The communes built column by column (35,000 of them in the parent: no Python
        # loop of its own), then the refused inputs put back where they came.
        if self.refused:
            sources = [s for i, s in enumerate(sources) if i not in self.refused]
        out: list[RenderedCommune | Rejected] = list(map(
            RenderedCommune, self.insee, self.names, sources, self.figures, self.counts,
            repeat(entries), [base, *ends[:-1]], ends))
        for position in sorted(self.refused):
            out.insert(position, self.refused[position])
        return out


@dataclass
class RenderedRun:
    """An audit whose communes are rendered entries (``RenderedCommune``), sorted by INSEE
    code and name, and the inputs refused. ``inputs``: the number of inputs read, that the
    entries were laid out for."""

    catalog: Catalog
    options: AuditOptions
    communes: list[RenderedCommune]
    rejected: list[Rejected] = field(default_factory=list)
    parallel: int = 1
    inputs: int = 0

    @property
    def as_of(self) -> dt.date:
        return self.options.as_of


class Batcher:
    """Renders the results of one batch of units into a ``RenderedBatch`` (its entries
    written into ``spool`` when there is one), equal figures and counts as one object
    each (so that a batch pickles each once)."""

    def __init__(self, render: Renderer, inputs: int) -> None:
        self.render, self.inputs = render, inputs
        self.spool: Spool | None = None
        self._figures: dict[Figures, Figures] = {}
        self._counts: dict[tuple[int, int, int], tuple[int, int, int]] = {}

    def __call__(self, results: list[CommuneAudit | Rejected]) -> RenderedBatch:
        spool = self.spool
        entries: list[str] = []
        encoded: list[bytes] = []
        batch = RenderedBatch(len(results), [], [], [], [], [], {})
        end = 0
        for position, result in enumerate(results):
            if isinstance(result, Rejected):
                batch.refused[position] = result
                continue
            entry = self.render(result, self.inputs)
            if spool is None:
                entries.append(entry)
                end += len(entry)
            else:
                data = entry.encode("utf-8")
                encoded.append(data)
                end += len(data)
            batch.ends.append(end)
            batch.insee.append(result.insee)
            batch.names.append(result.name)
            figures = (result.held, result.statuses, result.blocking)
            batch.figures.append(self._figures.setdefault(figures, figures))
            batch.counts.append(self._counts.setdefault(result.counts, result.counts))
        if spool is None:
            batch.text = "".join(entries)
            return batch
        try:
            batch.place = spool.write(b"".join(encoded))
        except OSError:  # a full disk: the entries travel with the batch (places in bytes)
            batch.text = b"".join(encoded).decode("utf-8")
            batch.ends = _characters(encoded)
        return batch


def _characters(encoded: list[bytes]) -> list[int]:
    ends, end = [], 0
    for data in encoded:
        end += len(data.decode("utf-8"))
        ends.append(end)
    return ends
