"""The dynamic batcher groups concurrent calls and makes a lone call wait for nobody."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

from newsevents_service.api.batcher import Batcher
from newsevents_service.engine.extractor import Request
from newsevents_service.engine.types import ExtractionResult, ReferenceDateSource


class _Recorder:
    def __init__(self) -> None:
        self.batches: list[list[str]] = []

    def __call__(self, requests: Sequence[Request]) -> list[ExtractionResult]:
        self.batches.append([r.text for r in requests])
        source = next(iter(ReferenceDateSource))
        return [ExtractionResult((), (), None, source, "test") for _ in requests]


def test_a_lone_call_is_not_held_for_the_batching_window() -> None:
    async def main() -> None:
        recorder = _Recorder()
        batcher = Batcher(recorder, max_batch=8, max_wait_ms=60_000)  # a window nobody would sit out
        await asyncio.wait_for(batcher.submit(Request(text="alone")), timeout=10)
        await asyncio.wait_for(batcher.submit(Request(text="alone again")), timeout=10)
        assert recorder.batches == [["alone"], ["alone again"]]
        await batcher.close()

    asyncio.run(main())


def test_concurrent_calls_share_one_batch_up_to_its_size() -> None:
    async def main() -> None:
        recorder = _Recorder()
        batcher = Batcher(recorder, max_batch=4, max_wait_ms=50)
        texts = [f"doc {i}" for i in range(6)]
        await asyncio.wait_for(asyncio.gather(*(batcher.submit(Request(text=t)) for t in texts)), timeout=10)
        assert [len(b) for b in recorder.batches] == [4, 2]
        assert [t for b in recorder.batches for t in b] == texts
        await batcher.close()

    asyncio.run(main())


def test_a_lone_batch_gets_every_thread_and_batches_under_load_one_each() -> None:
    both_running = threading.Barrier(2, timeout=10)  # broken unless two batches overlap
    threads_seen: list[int] = []
    local = threading.local()

    def set_threads(count: int) -> None:
        local.count = count

    def extract_many(requests: Sequence[Request]) -> list[ExtractionResult]:
        threads_seen.append(local.count)
        if requests[0].text.startswith("together"):
            both_running.wait()
        return _Recorder()(requests)

    async def main() -> None:
        batcher = Batcher(extract_many, max_batch=1, max_wait_ms=0, workers=2, threads=4, set_threads=set_threads)
        await asyncio.wait_for(batcher.submit(Request(text="alone")), timeout=10)
        assert threads_seen == [4]  # a lone batch gets every thread
        calls = (batcher.submit(Request(text=f"together {i}")) for i in range(2))
        await asyncio.wait_for(asyncio.gather(*calls), timeout=10)
        assert threads_seen[1:] == [1, 1]  # under load: one thread per batch, the batches side by side
        await asyncio.wait_for(batcher.submit(Request(text="alone again")), timeout=10)
        assert threads_seen[3] == 4  # back on the first thread, with every thread
        await batcher.close()

    asyncio.run(main())


def test_a_call_whose_deadline_passes_in_the_queue_gets_deadline_exceeded() -> None:
    import grpc
    import pytest

    from newsevents_service.api.errors import ServiceError

    release = threading.Event()

    def slow(requests: Sequence[Request]) -> list[ExtractionResult]:
        release.wait(timeout=10)
        return _Recorder()(requests)

    async def main() -> None:
        batcher = Batcher(slow, max_batch=1, max_wait_ms=0, workers=1)
        first = asyncio.ensure_future(batcher.submit(Request(text="occupies the only worker")))
        late = asyncio.ensure_future(batcher.submit(Request(text="waits"), timeout=0.05))
        await asyncio.sleep(0.2)  # the second call's deadline passes while it is queued
        release.set()
        await asyncio.wait_for(first, timeout=10)
        with pytest.raises(ServiceError) as error:
            await asyncio.wait_for(late, timeout=10)  # answered, not left waiting
        assert error.value.code == grpc.StatusCode.DEADLINE_EXCEEDED
        assert batcher.stats.dropped == 1
        await batcher.close()

    asyncio.run(main())
