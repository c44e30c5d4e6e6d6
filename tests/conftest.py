"""Shared fixtures: in-process servers (fake or real engine) on loopback, and the shared data."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import grpc
import pytest

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc
from newsevents_service.api.config import ServerConfig
from newsevents_service.api.server import Engine, NewsEventsServer
from newsevents_service.engine.extractor import Request
from newsevents_service.engine.types import (
    EntityType,
    Event,
    EventMention,
    EventType,
    ExtractionResult,
    Meeting,
    Modality,
    Participant,
    ReferenceDateSource,
    TextSpan,
)

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
GOLD_DEV = SHARED / "data" / "gold" / "dev.jsonl"
SAMPLE_ID = "seed-raimondo-beijing"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def load_gold() -> list[dict]:
    if not GOLD_DEV.exists():
        pytest.skip(f"{GOLD_DEV} not found: the shared data sits beside the checkout in CI")
    return [json.loads(line) for line in GOLD_DEV.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def gold_dev() -> list[dict]:
    return load_gold()


@pytest.fixture(scope="session")
def sample_article(gold_dev: list[dict]) -> dict:
    return next(d for d in gold_dev if d["id"] == SAMPLE_ID)


def fake_extract_many(requests: Sequence[Request]) -> list[ExtractionResult]:
    """Test double: one MEETING per occurrence of " met " with the capitalised word before it."""
    results = []
    for r in requests:
        events = []
        start = r.text.find(" met ")
        if start > 0:
            trigger = TextSpan("met", start + 1, start + 4)
            name_begin = r.text.rfind(" ", 0, start) + 1
            mention = TextSpan(r.text[name_begin:start], name_begin, start)
            person = Participant("e1", mention.text, EntityType.PERSON, "", "", mention, 0.9)
            events.append(
                Event(
                    "ev1",
                    EventType.MEETING,
                    0.9,
                    trigger,
                    (EventMention(trigger, trigger),),
                    Modality.ASSERTED,
                    Meeting((person,)),
                )
            )
        events = [e for e in events if not r.event_types or e.type in r.event_types]
        source = ReferenceDateSource.REQUEST if r.publication_date else ReferenceDateSource.NONE
        results.append(ExtractionResult(tuple(events), (), r.publication_date, source, "fake-0"))
    return results


def fake_engine(delay: float = 0.0) -> Callable[[ServerConfig], Engine]:
    def extract_many(requests: Sequence[Request]) -> list[ExtractionResult]:
        time.sleep(delay)
        return fake_extract_many(requests)

    return lambda config: Engine(extract_many, pb.ModelInfo(name="fake", version="fake-0"))


class ServerThread:
    """A NewsEventsServer on its own event loop in a background thread."""

    def __init__(
        self, config: ServerConfig, engine_factory: Callable[[ServerConfig], Engine], tracer_provider: Any = None
    ) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.server = NewsEventsServer(config, engine_factory, tracer_provider)
        self.port = self.run(self.server.start())
        self.target = f"127.0.0.1:{self.port}"

    def run(self, coro):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=300)

    def wait_ready(self) -> ServerThread:
        self.run(self.server.wait_ready())
        return self

    def stop(self, grace: float = 1.0) -> None:
        self.run(self.server.stop(grace))
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)


LOOPBACK = ServerConfig(host="127.0.0.1", port=0, metrics_port=0, metrics_host="127.0.0.1")


@pytest.fixture
def start_server() -> Iterator[Callable[..., ServerThread]]:
    started: list[ServerThread] = []

    def start(
        engine_factory: Callable[[ServerConfig], Engine] | None = None, ready: bool = True, **settings: object
    ) -> ServerThread:
        server = ServerThread(replace(LOOPBACK, **settings), engine_factory or fake_engine())
        started.append(server)
        return server.wait_ready() if ready else server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def fake_server(start_server: Callable[..., ServerThread]) -> ServerThread:
    return start_server()


@pytest.fixture(scope="session")
def extractor():  # type: ignore[no-untyped-def]
    from newsevents_service.engine.extractor import Extractor

    return Extractor()


def real_engine(extractor) -> Callable[[ServerConfig], Engine]:  # type: ignore[no-untyped-def]
    """An engine factory serving the (session-wide, already loaded) real Extractor."""
    from newsevents_service.api.model_info import model_info

    def factory(config: ServerConfig) -> Engine:
        return Engine(
            extractor.extract_many, model_info(extractor.model.meta, extractor.model.card, config.max_text_length)
        )

    return factory


@pytest.fixture(scope="session")
def real_server(extractor) -> Iterator[ServerThread]:  # type: ignore[no-untyped-def]
    server = ServerThread(LOOPBACK, real_engine(extractor)).wait_ready()
    yield server
    server.stop()


def rss_mb() -> float:
    """Resident memory of this process (servers in tests run in it), in MiB."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


Outcome = tuple[grpc.StatusCode, str]  # the status code and the ErrorInfo reason ("" when none)


async def open_loop(
    target: str, requests: Sequence[pb.ExtractEventsRequest], rate: float, seconds: float, timeout: float
) -> list[Outcome]:
    """Offer ExtractEvents calls at `rate` per second for `seconds` whatever the answers (open loop),
    cycling through `requests`, each with deadline `timeout`; the outcome of every call."""
    from newsevents.client.errors import from_rpc_error

    outcomes: list[Outcome] = []
    async with grpc.aio.insecure_channel(target) as channel:
        stub = pb_grpc.EventExtractionServiceStub(channel)

        async def one(request: pb.ExtractEventsRequest) -> None:
            try:
                await stub.ExtractEvents(request, timeout=timeout)
                outcomes.append((grpc.StatusCode.OK, ""))
            except grpc.aio.AioRpcError as error:
                failure = from_rpc_error(error)
                outcomes.append((failure.code, failure.reason))

        loop = asyncio.get_running_loop()
        started = loop.time()
        calls = []
        for i in range(round(rate * seconds)):
            await asyncio.sleep(max(0.0, started + i / rate - loop.time()))  # on schedule, not after answers
            calls.append(asyncio.create_task(one(requests[i % len(requests)])))
        await asyncio.gather(*calls)
    return outcomes
