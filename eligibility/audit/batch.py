"""Many communes: reading every input and auditing them, in worker processes when many.

This module holds all the batch and worker-pool code of the audit (one place for the
national audit's performance work, issue 12): the workers fork from the calling process
(each builds its own engine), results come back in input order, a bad input is refused
without stopping the others and a commune given twice is refused the second time.

Given a renderer (``run_rendered_audit``), the workers also render each commune's entry
of the report and send it back as text with its figures (``eligibility.audit.rendered``):
the parent then only sorts, counts and concatenates (issue 12: its serial work stays a
small part of the wall time).

A worker that ends while auditing (killed, out of memory, a crash of the C engine)
stops the audit with ``WorkerLost`` (exit 70) within about a second, instead of the
pool waiting for its chunk for ever (``_answers``).
"""

from __future__ import annotations

import gc
import multiprocessing
import operator
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from eligibility.audit.commune import audit_profile
from eligibility.audit.findings import AuditOptions, AuditRun, CommuneAudit
from eligibility.audit.inputs import Rejected, Unit, discover, load_unit
from eligibility.audit.rendered import Batcher, RenderedCommune, RenderedRun, Renderer, Spool
from eligibility.catalog.model import Catalog
from eligibility.errors import InputError, WorkerLost

PARALLEL_FROM = 400  # communes; fewer are audited in the calling process
Progress = Callable[[int, int], None]

_WORKER: dict[str, Any] = {}


def _audit_unit(unit: Unit, catalog: Catalog, options: AuditOptions) -> Any:
    try:
        profile = load_unit(unit, catalog)
    except InputError as error:
        return Rejected.of(error)
    return audit_profile(catalog, profile, options, unit.source)


def _work(chunk: tuple[int, int]) -> Any:
    """Audit a chunk of units, from one place to another of the list the worker inherited
    when it forked (only the places are sent: pickling 35,000 units was the parent's)."""
    catalog, options, batcher = _WORKER["catalog"], _WORKER["options"], _WORKER["batcher"]
    start, end = chunk
    results = [_audit_unit(unit, catalog, options) for unit in _WORKER["units"][start:end]]
    return results if batcher is None else batcher(results)


def _init_worker() -> None:
    """Each worker builds its own engine (``engine_for`` is per process) before auditing."""
    gc.freeze()  # what the worker inherited stays: the collector need not scan it again
    # Ctrl-C and SIGTERM are the parent's to handle (one line, workers stopped by the
    # pool): a worker printing its own traceback would be noise (issue 9).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    started = _WORKER.get("started")
    if started is not None:
        with started.get_lock():
            started.value += 1
    options = _WORKER.get("options")  # None: forked while the pool is being stopped
    if options is not None and options.engine == "durable":
        from eligibility.engine.durable import engine_for

        engine_for(_WORKER["catalog"])


def _cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def default_jobs(count: int) -> int:
    if count < PARALLEL_FROM:
        return 1
    return _cores()


def audit_units(catalog: Catalog, units: Sequence[Any], options: AuditOptions,
                jobs: int | None = None, progress: Progress | None = None,
                render: Renderer | None = None) -> tuple[list[Any], int]:
    """Audit every unit, in order: a ``CommuneAudit`` (with ``render``: a
    ``RenderedCommune``, rendered where it was audited), or a ``Rejected`` for a bad one.

    ``jobs`` worker processes (default: every core for many communes, else none).
    Returns the results and the number of processes used.
    """
    total = len(units)
    # Capped by the cores and the inputs (issue 9): more processes than either is waste.
    jobs = default_jobs(total) if jobs is None else max(1, min(jobs, _cores(), total))
    if jobs > 1 and "fork" not in multiprocessing.get_all_start_methods():
        jobs = 1  # pragma: no cover - fork is the design; elsewhere stay in one process
    results: list[Any] = []
    batcher = None if render is None else Batcher(render, total)
    if jobs <= 1 or total < 2:
        batch: list[Any] = []
        for index, unit in enumerate(units, start=1):
            batch.append(_audit_unit(unit, catalog, options))
            if index % 50 == 0 or index == total:
                results.extend(batch if batcher is None else batcher(batch).results(None))
                batch = []
                if progress is not None:
                    progress(index, total)
        return results, 1
    size = max(8, min(400, total // (jobs * 12) or 1))
    chunks = [(i, min(i + size, total)) for i in range(0, total, size)]
    context = multiprocessing.get_context("fork")
    if batcher is not None:
        batcher.spool = Spool(context)  # before the fork: the workers share it
    started = context.Value("i", 0)  # workers started (a replacement: one has ended)
    _WORKER.update(catalog=catalog, options=options, batcher=batcher, started=started,
                   units=units)  # before the workers fork: they inherit the units
    done = 0
    collecting = gc.isenabled()
    try:
        with context.Pool(jobs, initializer=_init_worker) as pool:
            # The results are acyclic and all kept: collecting them again and again as
            # they arrive is wasted time (the workers have forked already).
            gc.disable()
            answers = _answers(pool.imap(_work, chunks), len(chunks), started, jobs)
            for (start, end), answer in zip(chunks, answers, strict=True):
                results.extend(answer if batcher is None else answer.results(batcher.spool))
                done += end - start
                if progress is not None:
                    progress(done, total)
    finally:
        if collecting:
            gc.enable()
        _WORKER.clear()
    return results, jobs


_PATIENCE = 1.0  # seconds without an answer before the workers are looked at


def _answers(answers: Any, count: int, started: Any, jobs: int) -> Iterator[Any]:
    """The ``count`` answers of ``Pool.imap``, raising ``WorkerLost`` should a worker end.

    A pool replaces a worker that dies (killed, out of memory, a crash in C) but its
    chunk is never answered: ``imap`` would wait for ever. The pool's workers only end
    when the pool does, so more workers ``started`` (each counts itself as it starts)
    than the ``jobs`` asked for means one ended, and a chunk may be lost.
    """
    workers = {p.pid or 0: p for p in multiprocessing.active_children()}  # for the message
    for _ in range(count):
        while True:
            try:
                answer = answers.next(_PATIENCE)
                break
            except multiprocessing.TimeoutError:
                workers.update((p.pid or 0, p) for p in multiprocessing.active_children())
                if started.value > jobs:
                    ended = [p.exitcode for p in workers.values() if p.exitcode is not None]
                    raise WorkerLost(ended[0] if ended else None) from None
        yield answer


Discovered = tuple[list[Unit], list[Rejected]]
"""What ``inputs.discover`` found: the units to audit, the inputs refused."""


def run_audit(catalog: Catalog, paths: Sequence[str], options: AuditOptions,
              jobs: int | None = None, progress: Progress | None = None, *,
              discovered: Discovered | None = None) -> AuditRun:
    """Read every input, audit every commune, and collect the inputs refused.

    A bad input never stops the others: it is listed in ``rejected`` (and the CLI
    exits 2). A commune given twice is refused the second time. ``discovered``: what
    ``discover(paths)`` gave already (the CLI lists the inputs once, to guard its
    output too).
    """
    units, rejected = discovered or discover(list(paths), catalog)
    results, used = audit_units(catalog, units, options, jobs, progress)
    communes: list[CommuneAudit] = _communes(results, rejected)
    return AuditRun(catalog, options, communes, rejected, used)


def run_rendered_audit(catalog: Catalog, paths: Sequence[str], options: AuditOptions,
                       render: Renderer, jobs: int | None = None,
                       progress: Progress | None = None, *,
                       discovered: Discovered | None = None) -> RenderedRun:
    """``run_audit``, each commune rendered by ``render`` where it is audited (in the
    workers): the run holds each commune's entry of the report and its figures only."""
    units, rejected = discovered or discover(list(paths), catalog)
    results, used = audit_units(catalog, units, options, jobs, progress, render)
    communes: list[RenderedCommune] = _communes(results, rejected)
    return RenderedRun(catalog, options, communes, rejected, used, len(units))


def _communes(results: list[Any], rejected: list[Rejected]) -> list[Any]:
    """The communes audited, sorted by INSEE code and name; a bad input, and a commune
    given a second time, go to ``rejected`` (in the order given)."""
    communes = []
    seen: dict[str, str] = {}
    for result in results:
        if isinstance(result, Rejected):
            rejected.append(result)
            continue
        if result.insee in seen:
            rejected.append(Rejected.of(InputError(
                f"commune {result.insee} is also given by {seen[result.insee]}",
                source=result.source, field="commune.insee", hint="give each commune once")))
            continue
        seen[result.insee] = result.source
        communes.append(result)
    communes.sort(key=operator.attrgetter("insee", "name"))
    return communes

