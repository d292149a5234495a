"""Many communes: reading every input and auditing them, in worker processes when many.

This module holds all the batch and worker-pool code of the audit (one place for the
national audit's performance work, issue 12): the workers fork from the calling process
(each builds its own engine), results come back in input order, a bad input is refused
without stopping the others and a commune given twice is refused the second time.

Given a renderer (``run_rendered_audit``), the workers also render each commune's entry
of the report and send it back as text with its figures (``eligibility.audit.rendered``):
the parent then only sorts, counts and concatenates (issue 12: its serial work stays a
small part of the wall time).

The workers are a small pool of its own (``_Workers``), not ``multiprocessing.Pool``:
each worker has a pipe of its own to the parent, which sends it the places of a chunk of
inputs (two at a time, so that it never waits for work) and reads its answers. A
``multiprocessing.Pool`` shares one result queue and its lock between the workers, so a
worker killed while sending its answer left the lock taken: the pool then waited for
ever, even while being stopped. Here a worker that ends while auditing (killed, out of
memory, a crash of the C engine) is seen at once, by its pipe closing or its process
ending, and stops the audit with ``WorkerLost`` (exit 70); the others are stopped too.
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing
import operator
import os
import signal
from collections.abc import Callable, Iterator, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
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
    # Ctrl-C and SIGTERM are the parent's to handle (one line, workers stopped by it): a
    # worker printing its own traceback would be noise (issue 9).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    options = _WORKER["options"]
    if options.engine == "durable":
        from eligibility.engine.durable import engine_for

        engine_for(_WORKER["catalog"])


def _serve(connection: Connection) -> None:
    """A worker: audit the chunks the parent sends (``(index, places)``) and send back
    ``(index, answer, None)``, or ``(index, None, error)`` should auditing fail; ``None``
    ends it.

    After each chunk, what outlived it (mostly the new entries of the memos shared by
    the communes) is collected once and frozen: the collector's full passes then walk
    one chunk's objects, not every memo again and again (issue 12: 3-6% of a
    commune's time). The memos hold no cycles: an entry they drop is freed by its
    reference count, frozen or not."""
    _init_worker()
    while (task := connection.recv()) is not None:
        index, chunk = task
        try:
            answer = _work(chunk)
        except Exception as error:  # noqa: BLE001 - re-raised in the parent
            connection.send((index, None, error))
        else:
            connection.send((index, answer, None))
            del answer
        gc.collect()
        gc.freeze()


class _Workers:
    """``jobs`` forked worker processes, each with a pipe of its own (see the module's
    docstring); ``answers`` yields the answers to the chunks in their order."""

    IN_FLIGHT = 2  # chunks sent ahead to each worker

    def __init__(self, jobs: int) -> None:
        context = multiprocessing.get_context("fork")
        self.processes: list[BaseProcess] = []
        self.connections: list[Connection] = []
        try:
            for _ in range(jobs):
                mine, theirs = context.Pipe()
                process = context.Process(target=_serve, args=(theirs,), daemon=True)
                process.start()
                theirs.close()
                self.processes.append(process)
                self.connections.append(mine)
        except BaseException:
            self.stop()
            raise

    def answers(self, chunks: Sequence[tuple[int, int]]) -> Iterator[Any]:
        pending = iter(enumerate(chunks))
        busy: dict[int, int] = {}  # worker -> chunks sent and not answered
        done: dict[int, Any] = {}
        by_connection = {id(c): w for w, c in enumerate(self.connections)}
        by_sentinel = {p.sentinel: w for w, p in enumerate(self.processes)}
        for worker, connection in enumerate(self.connections):
            busy[worker] = 0
            for _ in range(self.IN_FLIGHT):
                busy[worker] += self._send(connection, pending)
        following = 0
        while following < len(chunks):
            waited: list[Any] = [c for w, c in enumerate(self.connections) if busy[w]]
            waited += [p.sentinel for w, p in enumerate(self.processes) if busy[w]]
            for ready in wait(waited):
                if isinstance(ready, int):  # a process ended
                    worker = by_sentinel[ready]
                    with contextlib.suppress(OSError):
                        if self.connections[worker].poll():
                            continue  # an answer it sent before, or the end of its pipe
                    raise self._lost(worker)
                worker = by_connection[id(ready)]
                connection = self.connections[worker]
                try:
                    index, answer, error = connection.recv()
                except (EOFError, OSError):  # its pipe closed or reset: it ended
                    raise self._lost(worker) from None
                if isinstance(error, BaseException):
                    raise error
                done[index] = answer
                busy[worker] += self._send(connection, pending) - 1
            while following in done:
                yield done.pop(following)
                following += 1

    @staticmethod
    def _send(connection: Connection, pending: Iterator[tuple[int, tuple[int, int]]]) -> int:
        task = next(pending, None)
        if task is None:
            return 0
        connection.send(task)
        return 1

    def _lost(self, worker: int) -> WorkerLost:
        """A worker that ended with chunks unanswered, as the error that stops the audit."""
        process = self.processes[worker]
        process.join(1)
        return WorkerLost(process.exitcode)

    def stop(self) -> None:
        """End every worker: asked to (``None``) when idle, killed otherwise."""
        for connection in self.connections:
            with contextlib.suppress(OSError):
                connection.send(None)
            connection.close()
        for process in self.processes:
            process.join(0.5)
            if process.is_alive():
                process.kill()
                process.join()


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
                results.extend(batch if batcher is None else batcher(batch).results(
                    None, [u.source for u in units[index - len(batch):index]]))
                batch = []
                if progress is not None:
                    progress(index, total)
        return results, 1
    size = max(8, min(400, total // (jobs * 12) or 1))
    chunks = [(i, min(i + size, total)) for i in range(0, total, size)]
    if batcher is not None:
        batcher.spool = Spool(multiprocessing.get_context("fork"))  # the workers share it
    _WORKER.update(catalog=catalog, options=options, batcher=batcher,
                   units=units)  # before the workers fork: they inherit the units
    done = 0
    collecting = gc.isenabled()
    workers = None
    try:
        workers = _Workers(jobs)
        # The results are acyclic and all kept: collecting them again and again as they
        # arrive is wasted time (the workers have forked already).
        gc.disable()
        for (start, end), answer in zip(chunks, workers.answers(chunks), strict=True):
            results.extend(answer if batcher is None else answer.results(
                batcher.spool, [u.source for u in units[start:end]]))
            done += end - start
            if progress is not None:
                progress(done, total)
    finally:
        if workers is not None:
            workers.stop()
        if collecting:
            gc.enable()
        _WORKER.clear()
    return results, jobs


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
    if not any(isinstance(result, Rejected) for result in results):
        codes = list(map(operator.attrgetter("insee"), results))
        if len(set(codes)) == len(codes):  # 35,000 communes, each once: no loop of its own
            if all(map(operator.lt, codes, codes[1:])):  # in order already (by code alone)
                return list(results)
            return sorted(results, key=operator.attrgetter("insee", "name"))
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

