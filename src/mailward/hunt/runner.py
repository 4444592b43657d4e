"""The hunt loop: sources -> workers (parse + scan) -> one writer -> store.

Workers are interchangeable: in-process (``jobs=1``), a multiprocessing pool over
the local cores, or a Dask cluster (``dask="tcp://host:8786"``). Whatever runs the
analysis, results come back in source order and only this process writes to the
store, so batches and the progress they stand for are committed together.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import sys
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from mailward.store import Store
from mailward.store.records import PackedRecord

from .analysis import (
    PRELOAD_ENV,
    WorkerSettings,
    WorkItem,
    analyse_chunk,
    analyse_packed,
    pool_analyse,
    pool_init,
)
from .sources import Checkpoint, Entry, SourceError

BATCH = 500  # messages per transaction


class Source(Protocol):
    name: str

    def prepare(self, store: Store) -> int: ...

    def entries(self) -> Iterator[Entry]: ...


@dataclass
class HuntStats:
    messages: int = 0
    bytes: int = 0
    seconds: float = 0.0
    verdicts: dict[str, int] = field(default_factory=dict)
    sources: int = 0

    @property
    def rate(self) -> float:
        return self.messages / self.seconds if self.seconds > 0 else 0.0

    def to_json(self) -> dict[str, Any]:
        return {
            "messages": self.messages,
            "bytes": self.bytes,
            "seconds": round(self.seconds, 3),
            "messages_per_second": round(self.rate, 1),
            "verdicts": dict(sorted(self.verdicts.items())),
            "sources": self.sources,
        }


# -- executors: an ordered, bounded map of WorkItem -> PackedRecord ----------------------


class Executor(Protocol):
    def map(self, items: Iterable[WorkItem]) -> Iterator[PackedRecord]: ...

    def close(self) -> None: ...


class InlineExecutor:
    def __init__(self, settings: WorkerSettings) -> None:
        self.settings = settings

    def map(self, items: Iterable[WorkItem]) -> Iterator[PackedRecord]:
        for item in items:
            yield analyse_packed(item, self.settings)

    def close(self) -> None:
        pass


# How pool workers start: forked from a fork server that has imported the scan and built
# the scanner (mailward.hunt.preload), or "spawn" where there is no fork server. Never a
# plain fork of the hunting process, which holds database connections and threads.
START_METHOD = "forkserver" if "forkserver" in multiprocessing.get_all_start_methods() else "spawn"


# A fork-server worker is replaced by a fresh fork after this many messages: the scan's
# per-process look-up caches (bounded, but large) fill as a long hunt goes on, and a
# fresh fork starts again from the server's shared pages, so a worker's memory stays
# flat whatever the mailbox size. Spawned workers are not recycled (each new one would
# spend 3-4 s building its scanner).
RECYCLE = 2000


def _start_pool(settings: WorkerSettings, jobs: int, method: str, maxtasks: int | None = None) -> Any:
    ctx = multiprocessing.get_context(method)
    if method != "forkserver":
        return ctx.Pool(jobs, initializer=pool_init, initargs=(settings,))
    ctx.set_forkserver_preload(["mailward.hunt.preload"])
    # the settings reach the fork server (started by the first worker, if not running
    # yet) through a private file named in its environment; once Pool() returns every
    # worker has been forked, so the server has read the file
    fd, path = tempfile.mkstemp(prefix="mailward-hunt-", suffix=".pickle")
    old = os.environ.get(PRELOAD_ENV)
    try:
        with os.fdopen(fd, "wb") as fh:
            pickle.dump(settings, fh)
        os.environ[PRELOAD_ENV] = path
        return ctx.Pool(jobs, initializer=pool_init, initargs=(settings,), maxtasksperchild=maxtasks)
    finally:
        if old is None:
            os.environ.pop(PRELOAD_ENV, None)
        else:
            os.environ[PRELOAD_ENV] = old
        os.unlink(path)


class PoolExecutor:
    """A multiprocessing pool fed through a bounded window (memory stays flat).

    ``recycle``: messages after which a fork-server worker is replaced by a fresh fork
    (0: never); a pool task is a chunk of ``chunksize`` messages.
    """

    def __init__(
        self,
        settings: WorkerSettings,
        jobs: int,
        window: int = 512,
        chunksize: int = 16,
        method: str = "",
        recycle: int = RECYCLE,
    ) -> None:
        method = method or START_METHOD
        maxtasks = max(1, recycle // chunksize) if recycle > 0 and method == "forkserver" else None
        self.pool = _start_pool(settings, jobs, method, maxtasks)
        self.window = window
        self.chunksize = chunksize

    def map(self, items: Iterable[WorkItem]) -> Iterator[PackedRecord]:
        slots = threading.Semaphore(self.window)

        def feed() -> Iterator[WorkItem]:
            for item in items:
                slots.acquire()
                yield item

        for record in self.pool.imap(pool_analyse, feed(), chunksize=self.chunksize):
            slots.release()
            yield record

    def close(self) -> None:
        self.pool.close()
        self.pool.join()


class DaskExecutor:
    """Chunks of messages as Dask tasks; a bounded number in flight, gathered in order."""

    def __init__(self, settings: WorkerSettings, address: Any, chunk: int = 32, in_flight: int = 0) -> None:
        from distributed import Client

        if isinstance(address, Client):
            self.client = address
        else:
            try:
                self.client = Client(address, timeout="30s")  # type: ignore[no-untyped-call]
            except (OSError, TimeoutError, ValueError) as exc:
                raise SourceError(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self.owns_client = not isinstance(address, Client)
        workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        self.settings = self.client.scatter(settings, broadcast=True)  # type: ignore[no-untyped-call]
        self.chunk = chunk
        self.in_flight = in_flight or 4 * workers

    def map(self, items: Iterable[WorkItem]) -> Iterator[PackedRecord]:
        pending: deque[Any] = deque()
        batch: list[WorkItem] = []

        def submit(chunk: list[WorkItem]) -> None:
            pending.append(self.client.submit(analyse_chunk, chunk, self.settings, pure=False))

        for item in items:
            batch.append(item)
            if len(batch) >= self.chunk:
                submit(batch)
                batch = []
                while len(pending) >= self.in_flight:
                    yield from pending.popleft().result()
        if batch:
            submit(batch)
        while pending:
            yield from pending.popleft().result()

    def close(self) -> None:
        if self.owns_client:
            self.client.close()  # type: ignore[no-untyped-call]


def make_executor(settings: WorkerSettings, *, jobs: int = 0, dask: Any = None) -> Executor:
    if dask:
        return DaskExecutor(settings, dask)
    jobs = jobs or (multiprocessing.cpu_count() or 1)
    if jobs <= 1:
        return InlineExecutor(settings)
    return PoolExecutor(settings, jobs, recycle=_recycle())


def _recycle() -> int:
    """Messages per fork-server worker: ``RECYCLE``, or ``MAILWARD_HUNT_RECYCLE`` (0: never)."""
    value = os.environ.get("MAILWARD_HUNT_RECYCLE", "").strip()
    try:
        return max(0, int(value)) if value else RECYCLE
    except ValueError:
        return RECYCLE


# -- the writer loop --------------------------------------------------------------


def _ordered(entries: Iterable[Entry], executor: Executor) -> Iterator[tuple[PackedRecord | None, Checkpoint | None]]:
    """Results and checkpoints, in source order."""
    queue: deque[Entry] = deque()
    done = object()

    def only_items() -> Iterator[WorkItem]:
        for entry in entries:
            queue.append(entry)
            if isinstance(entry, WorkItem):
                yield entry
        queue.append(done)  # type: ignore[arg-type]

    for record in executor.map(only_items()):
        while True:
            entry = queue.popleft()
            if isinstance(entry, WorkItem):
                yield record, None
                break
            assert isinstance(entry, Checkpoint)
            yield None, entry
    while queue:
        entry = queue.popleft()
        if isinstance(entry, Checkpoint):
            yield None, entry


def hunt(
    store: Store,
    sources: Sequence[Source],
    settings: WorkerSettings,
    *,
    jobs: int = 0,
    dask: Any = None,
    progress: bool | None = None,
    batch: int = BATCH,
    on_batch: Callable[[int], None] | None = None,
) -> HuntStats:
    """Scan everything new in ``sources`` into ``store``. Raises ``SourceError`` on bad sources."""
    stats = HuntStats(sources=len(sources))
    started = time.perf_counter()
    total = 0
    for source in sources:
        total += source.prepare(store)
    show = sys.stderr.isatty() if progress is None else progress
    bar = _Progress(total) if show and total else None
    executor = make_executor(settings, jobs=jobs, dask=dask) if total else None
    try:
        for source in sources:
            if executor is None:
                for entry in source.entries():  # nothing new: still walk to close connections
                    if isinstance(entry, Checkpoint):
                        store.write_batch([], imap=entry.imap, files=entry.files)
                continue
            _drain(store, source, executor, stats, batch, bar, on_batch)
    finally:
        if executor is not None:
            executor.close()
        if bar is not None:
            bar.stop()
    stats.seconds = time.perf_counter() - started
    return stats


def _drain(
    store: Store,
    source: Source,
    executor: Executor,
    stats: HuntStats,
    batch: int,
    bar: _Progress | None,
    on_batch: Callable[[int], None] | None,
) -> None:
    records: list[PackedRecord] = []
    imap: tuple[str, int, int] | None = None
    files: dict[str, tuple[str, int, int, int]] = {}

    def commit() -> None:
        nonlocal records, imap, files
        store.write_batch(records, imap=imap, files=list(files.values()))
        if on_batch is not None:
            on_batch(len(records))
        records, imap, files = [], None, {}

    for record, checkpoint in _ordered(source.entries(), executor):
        if record is not None:
            records.append(record)
            stats.messages += 1
            stats.bytes += record.size
            stats.verdicts[record.verdict] = stats.verdicts.get(record.verdict, 0) + 1
            if bar is not None:
                bar.advance()
            continue
        assert checkpoint is not None
        if checkpoint.imap is not None:
            imap = checkpoint.imap
        for f in checkpoint.files:
            files[f[0]] = f
        if len(records) >= batch:
            commit()
    if records or imap or files:
        commit()


class _Progress:
    def __init__(self, total: int) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("hunting"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[rate]:.0f} msg/s"),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self.task = self.progress.add_task("hunt", total=total, rate=0.0)
        self.started = time.perf_counter()
        self.done = 0
        self.progress.start()

    def advance(self) -> None:
        self.done += 1
        if self.done % 20 == 0:
            elapsed = time.perf_counter() - self.started
            self.progress.update(self.task, completed=self.done, rate=self.done / elapsed if elapsed else 0.0)

    def stop(self) -> None:
        self.progress.update(self.task, completed=self.done)
        self.progress.stop()


__all__ = ["HuntStats", "SourceError", "hunt", "make_executor"]
