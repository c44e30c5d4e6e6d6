"""The real engine for 60 s at twice the rate it sustains, with deadlines, on loopback.

The server must stay up with bounded memory, end every call with a result or a documented status
(RESOURCE_EXHAUSTED/OVERLOADED or DEADLINE_EXCEEDED), and answer a normal call afterwards exactly
as before. The stand-in-engine version of this test is in test_reliability.py.
"""

from __future__ import annotations

import asyncio
import time

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc

from .conftest import Outcome, load_gold, open_loop, real_engine, rss_mb

MAX_BATCH = 8
MAX_PENDING = 16  # bounded queue: about two batches wait, more are turned away at once
DEADLINE = 5.0  # seconds, each call
MEASURE_SECONDS = 6.0
LOAD_SECONDS = 60.0
RSS_GROWTH_MB = 500
DOCUMENTED = {
    (grpc.StatusCode.OK, ""),
    (grpc.StatusCode.RESOURCE_EXHAUSTED, "OVERLOADED"),
    (grpc.StatusCode.DEADLINE_EXCEEDED, ""),
}


def article_mix() -> list[pb.ExtractEventsRequest]:
    """The shorter half of the dev articles (a few hundred to about 800 characters), with their dates."""
    articles = sorted(load_gold(), key=lambda d: len(d["text"]))
    requests = []
    for doc in articles[: len(articles) // 2]:
        document = pb.Document(id=doc["id"], text=doc["text"])
        if doc["publication_date"]:
            date = document.publication_date
            date.year, date.month, date.day = (int(part) for part in doc["publication_date"].split("-"))
        requests.append(pb.ExtractEventsRequest(document=document))
    return requests


async def sustained_rate(target: str, requests: list[pb.ExtractEventsRequest], seconds: float) -> float:
    """Documents per second with the queue kept full (closed loop, 2 batches in flight): what the server sustains."""
    done = 0
    async with grpc.aio.insecure_channel(target) as channel:
        stub = pb_grpc.EventExtractionServiceStub(channel)
        started = time.monotonic()

        async def worker(offset: int) -> None:
            nonlocal done
            i = offset
            while time.monotonic() - started < seconds:
                await stub.ExtractEvents(requests[i % len(requests)], timeout=60)
                done += 1
                i += 2 * MAX_BATCH

        await asyncio.gather(*(worker(k) for k in range(2 * MAX_BATCH)))
        return done / (time.monotonic() - started)


@pytest.mark.slow
def test_sixty_seconds_at_twice_the_sustained_rate_with_the_real_engine(extractor, start_server) -> None:  # type: ignore[no-untyped-def]
    requests = article_mix()
    server = start_server(real_engine(extractor), max_batch=MAX_BATCH, max_pending=MAX_PENDING)
    stub = pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(server.target))
    for reference in requests:  # the first article of the mix that has events is the reference
        baseline = stub.ExtractEvents(reference, timeout=60)
        if baseline.events:
            break
    assert baseline.events

    capacity = asyncio.run(sustained_rate(server.target, requests, MEASURE_SECONDS))
    rate = 2 * capacity
    rss_before = peak = rss_mb()

    async def load() -> list[Outcome]:
        nonlocal peak
        calls = asyncio.create_task(open_loop(server.target, requests, rate, LOAD_SECONDS, DEADLINE))
        while not calls.done():
            peak = max(peak, rss_mb())
            await asyncio.wait([calls], timeout=1.0)
        return calls.result()

    started = time.monotonic()
    outcomes = asyncio.run(load())
    elapsed = time.monotonic() - started
    ok = outcomes.count((grpc.StatusCode.OK, ""))
    counts = {
        f"{code.name}{'/' + reason if reason else ''}": outcomes.count((code, reason)) for code, reason in set(outcomes)
    }
    summary = (
        f"sustained {capacity:.1f} docs/s, offered {rate:.1f}/s, served {ok / LOAD_SECONDS:.1f}/s "
        f"({len(outcomes)} calls in {elapsed:.0f} s): {counts}; RSS {rss_before:.0f} MiB, "
        f"peak +{peak - rss_before:.0f} MiB; {server.server.batcher.stats}"
    )
    print(summary)

    assert set(outcomes) <= DOCUMENTED, summary  # every call ended with a result or a documented status
    assert ok > 0, summary
    assert ok < len(outcomes), "the offered load never exceeded what the server served: " + summary
    assert elapsed < LOAD_SECONDS + 2 * DEADLINE, summary  # no call outlived its deadline by much
    assert peak - rss_before < RSS_GROWTH_MB, summary

    # Still serving, and the same answer as before the load.
    assert server.thread.is_alive()
    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(server.target)).Check(
        health_pb2.HealthCheckRequest(), timeout=10
    )
    assert health.status == health_pb2.HealthCheckResponse.SERVING
    assert stub.ExtractEvents(reference, timeout=60) == baseline
