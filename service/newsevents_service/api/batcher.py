"""Dynamic batching with admission control.

Concurrent calls put documents on one bounded queue; a worker takes up to `max_batch` of them
(waiting at most `max_wait_ms` for more after the first, and not at all when no other call is
in flight: a lone caller pays no batching delay), runs one `extract_many` on an inference
thread, and resolves each call's future. A call that comes when no other is in flight skips the
queue: its batch (with what was queued in the same turn of the event loop) starts at once.
Documents of calls that were cancelled while queued are dropped, not computed; those that ran out
of deadline there are answered DEADLINE_EXCEEDED.

Up to `workers` batches are computed at once, each on its own inference thread. A lone batch
(nothing else running or queued) runs on the first of these threads with every torch thread:
lowest latency. Under load each batch runs with one torch thread, the batches side by side: on 2
cores two one-thread batches did 101-109 short documents/s where one two-thread batch at a time
did 80, as no thread waits at a parallel region's barrier and one batch's Python work (decoding,
assembly) overlaps the other's forward passes. Only the first thread ever runs torch with several
threads: each thread that does keeps an OpenMP team of its own, and once the process holds more
OpenMP threads than CPUs, GNU OpenMP stops letting idle ones spin, so every parallel region waits
for sleeping threads to wake (a short document took 15 ms instead of 5). The engine is loaded on
that first thread too (server.py), so no other thread forms a team.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from newsevents_service.engine.extractor import Request
from newsevents_service.engine.types import ExtractionResult

from .errors import deadline_exceeded, overloaded, shutting_down

ExtractMany = Callable[[Sequence[Request]], list[ExtractionResult]]
SetThreads = Callable[[int], object]  # sets the calling thread's torch intra-op threads


@dataclass
class _Item:
    request: Request
    future: asyncio.Future[ExtractionResult]
    deadline: float | None  # time.monotonic() seconds
    timeout: float | None = None
    size: int = field(init=False)

    def __post_init__(self) -> None:
        self.size = len(self.request.text)

    def expired(self) -> bool:
        return self.future.done() or (self.deadline is not None and time.monotonic() > self.deadline)


@dataclass
class BatchStats:
    batches: int = 0
    documents: int = 0
    dropped: int = 0
    last_batch_size: int = 0


class Batcher:
    def __init__(
        self,
        extract_many: ExtractMany,
        *,
        max_batch: int = 4,
        max_wait_ms: float = 5.0,
        max_pending: int = 64,
        max_batch_chars: int = 200_000,
        workers: int = 1,
        threads: int = 1,
        set_threads: SetThreads | None = None,
        on_batch: Callable[[int], None] | None = None,
        engine_thread: concurrent.futures.ThreadPoolExecutor | None = None,
    ) -> None:
        """`engine_thread`: a one-thread executor to be the first inference thread (the one the
        engine was loaded on); the batcher shuts it down on close."""
        self._extract_many = extract_many
        self._on_batch = on_batch
        self.workers = max(1, workers)
        self.threads = max(1, threads)
        self._set_threads = set_threads
        self._slots = asyncio.Semaphore(self.workers)
        self._running: set[asyncio.Task[None]] = set()
        self.max_batch = max_batch
        self.max_wait = max_wait_ms / 1000.0
        self.max_pending = max_pending
        self.max_batch_chars = max_batch_chars
        self._queue: asyncio.Queue[_Item] = asyncio.Queue()
        self._executors = [engine_thread or inference_thread(0)] + [inference_thread(i) for i in range(1, self.workers)]
        self._idle = list(range(self.workers))  # inference threads without a batch
        self._worker: asyncio.Task[None] | None = None
        self._closed = False
        self._in_flight = 0  # submitted calls not yet answered
        self.stats = BatchStats()

    @property
    def pending(self) -> int:
        return self._queue.qsize()

    def start(self) -> None:
        if self._worker is None:
            self._worker = asyncio.get_running_loop().create_task(self._run())

    async def submit(self, request: Request, timeout: float | None = None) -> ExtractionResult:
        """The result for one document; raises ServiceError when full or closed."""
        if self._closed:
            raise shutting_down()
        if self._queue.qsize() >= self.max_pending:
            raise overloaded(self.max_pending)
        loop = asyncio.get_running_loop()
        deadline = time.monotonic() + timeout if timeout is not None else None
        item = _Item(request, loop.create_future(), deadline, timeout)
        self._in_flight += 1
        try:
            if self._in_flight == 1 and self._queue.empty() and not self._slots.locked():
                # Alone: its batch starts without the worker task's turn of the event loop (a short
                # call's whole overhead is about 2 ms); calls queued in the same turn still join it.
                await self._slots.acquire()
                self._start_compute([item], top_up=True)
            else:
                self._queue.put_nowait(item)
                self.start()
            return await item.future
        except asyncio.CancelledError:
            item.future.cancel()
            raise
        finally:
            self._in_flight -= 1

    async def _next_batch(self) -> list[_Item]:
        first = await self._queue.get()
        batch, chars = [first], first.size
        deadline = time.monotonic() + self.max_wait
        while not self._full(batch, chars):
            if self._in_flight <= len(batch) and self._queue.empty():
                break  # nobody else is waiting for an answer: no one to wait for
            remaining = deadline - time.monotonic()
            try:
                item = (
                    self._queue.get_nowait() if remaining <= 0 else await asyncio.wait_for(self._queue.get(), remaining)
                )
            except (TimeoutError, asyncio.QueueEmpty):
                break
            batch.append(item)
            chars += item.size
        return batch

    async def _run(self) -> None:
        while True:
            await self._slots.acquire()
            try:
                batch = await self._next_batch()
            except BaseException:
                self._slots.release()
                raise
            self._start_compute(batch)

    def _start_compute(self, batch: list[_Item], top_up: bool = False) -> None:
        """Compute `batch` in a task of its own (a cancelled caller leaves it running); holds a slot.
        `top_up`: first add what the queue holds, up to the batch's size."""
        task = asyncio.get_running_loop().create_task(self._compute(batch, top_up))
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def _compute(self, batch: list[_Item], top_up: bool = False) -> None:
        try:
            if top_up:
                self._top_up(batch)
            live = []
            for item in batch:
                if not item.expired():
                    live.append(item)
                elif not item.future.done():  # ran out of time in the queue
                    item.future.set_exception(deadline_exceeded(item.timeout or 0.0))
            self.stats.dropped += len(batch) - len(live)
            if live:
                await self._extract(live)
        finally:
            self._slots.release()

    def _full(self, batch: list[_Item], chars: int) -> bool:
        return len(batch) >= self.max_batch or chars >= self.max_batch_chars

    def _top_up(self, batch: list[_Item]) -> None:
        chars = sum(item.size for item in batch)
        while not self._full(batch, chars) and not self._queue.empty():
            item = self._queue.get_nowait()
            batch.append(item)
            chars += item.size

    async def _extract(self, live: list[_Item]) -> None:
        index = min(self._idle)  # the first thread when it is free: the only one with several threads
        self._idle.remove(index)
        # Every thread for a lone batch; under load one per batch, all batches side by side.
        alone = index == 0 and self._in_flight <= len(live)  # no other call is waiting or running
        threads = self.threads if alone else 1
        requests = [i.request for i in live]
        try:
            results = await asyncio.get_running_loop().run_in_executor(
                self._executors[index], self._extract_with, threads, requests
            )
        except Exception as exc:  # an engine failure fails these calls, never the worker
            for item in live:
                if not item.future.done():
                    item.future.set_exception(exc)
            return
        finally:
            self._idle.append(index)
        self.stats.batches += 1
        self.stats.documents += len(live)
        self.stats.last_batch_size = len(live)
        if self._on_batch is not None:
            self._on_batch(len(live))
        for item, result in zip(live, results, strict=False):
            if not item.future.done():
                item.future.set_result(result)

    def _extract_with(self, threads: int, requests: list[Request]) -> list[ExtractionResult]:
        if self._set_threads is not None:
            self._set_threads(threads)
        return self._extract_many(requests)

    async def close(self) -> None:
        """Stop taking work; finish what is queued; stop the worker."""
        self._closed = True
        while not self._queue.empty():
            await asyncio.sleep(0.01)
        if self._worker is not None:
            self._worker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._worker
        if self._running:
            await asyncio.gather(*self._running, return_exceptions=True)
        for executor in self._executors:
            executor.shutdown(wait=True)


def inference_thread(index: int) -> concurrent.futures.ThreadPoolExecutor:
    """A one-thread executor for the batcher's `index`-th inference thread."""
    return concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"inference-{index}")
