"""The SDK (sync and async) and the command line against an in-process server with a fake engine."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import subprocess
import sys

import grpc
import pytest

from newsevents.client import (
    AsyncEventsClient,
    EventsClient,
    InvalidArgumentError,
    NewsEventsError,
    UnavailableError,
)
from newsevents.client._common import service_config

from .conftest import ServerThread

TEXT = "On Monday Raimondo met Wang in Beijing."


def test_extract_returns_frozen_dataclasses(fake_server: ServerThread) -> None:
    with EventsClient(fake_server.target) as client:
        result = client.extract(TEXT, publication_date=dt.date(2023, 8, 28), document_id="a1")
    assert result.document_id == "a1" and result.ok
    assert result.reference_date == dt.date(2023, 8, 28)
    assert result.reference_date_source == "REQUEST"
    [event] = result.events
    assert event.type == "MEETING" and event.trigger.text == "met"
    assert [(p.role, p.name) for p in event.participants] == [("PARTICIPANT", "Raimondo")]
    with pytest.raises(AttributeError):
        event.type = "SANCTION"  # type: ignore[misc]
    assert result.to_dict()["events"][0]["type"] == "EVENT_TYPE_MEETING"
    assert result.raw.events[0].meeting.participants[0].name == "Raimondo"


def test_errors_keep_code_reason_and_field(fake_server: ServerThread) -> None:
    with EventsClient(fake_server.target) as client, pytest.raises(InvalidArgumentError) as caught:
        client.extract("   ")
    error = caught.value
    assert isinstance(error, NewsEventsError)
    assert (error.code, error.reason, error.metadata["field"]) == (
        grpc.StatusCode.INVALID_ARGUMENT,
        "EMPTY_TEXT",
        "document.text",
    )


def test_extract_many_streams_in_order_with_errors(fake_server: ServerThread) -> None:
    docs = ["A met B.", {"text": "", "document_id": "empty"}, {"text": "C met D.", "publication_date": "2024-01-02"}]
    with EventsClient(fake_server.target) as client:
        results = list(client.extract_many(docs))
    assert [r.document_id for r in results] == ["0", "empty", "2"]
    assert [r.ok for r in results] == [True, False, True]
    assert isinstance(results[1].error, InvalidArgumentError) and results[1].error.reason == "EMPTY_TEXT"
    assert results[2].reference_date == dt.date(2024, 1, 2)


def test_event_type_filter_by_name(fake_server: ServerThread) -> None:
    with EventsClient(fake_server.target) as client:
        assert client.extract(TEXT, event_types=["SANCTION"]).events == ()
        assert len(client.extract(TEXT, event_types=["meeting"]).events) == 1


def test_model_info(fake_server: ServerThread) -> None:
    with EventsClient(fake_server.target) as client:
        assert client.model_info().version == "fake-0"


def test_async_client_same_surface(fake_server: ServerThread) -> None:
    async def run() -> None:
        async with AsyncEventsClient(fake_server.target) as client:
            result = await client.extract(TEXT, document_id="x")
            assert result.events[0].type == "MEETING"
            streamed = [r async for r in client.extract_many(["A met B.", " "])]
            assert [r.ok for r in streamed] == [True, False]
            with pytest.raises(InvalidArgumentError):
                await client.extract("")
            assert (await client.model_info()).name == "fake"

    asyncio.run(run())


def test_unreachable_server_is_unavailable_after_retries() -> None:
    with EventsClient("127.0.0.1:1", timeout=3, retries=1) as client, pytest.raises(UnavailableError):
        client.extract(TEXT)


def test_deadline_per_call(start_server) -> None:  # type: ignore[no-untyped-def]
    from newsevents.client import DeadlineExceededError

    from .conftest import fake_engine

    server = start_server(fake_engine(delay=1.0))
    with EventsClient(server.target) as client, pytest.raises(DeadlineExceededError):
        client.extract(TEXT, timeout=0.2)


def test_service_config_retries_unavailable_and_round_robin() -> None:
    config = json.loads(service_config(3, round_robin=True))
    policy = config["methodConfig"][0]["retryPolicy"]
    assert policy["retryableStatusCodes"] == ["UNAVAILABLE"] and policy["maxAttempts"] == 4
    assert config["loadBalancingConfig"] == [{"round_robin": {}}]


def test_cli_prints_json(fake_server: ServerThread, tmp_path) -> None:  # type: ignore[no-untyped-def]
    article = tmp_path / "a.txt"
    article.write_text(TEXT, encoding="utf-8")
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "newsevents.client.cli",
            "extract",
            str(article),
            "--date",
            "2023-08-28",
            "--server",
            fake_server.target,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    printed = json.loads(out.stdout)
    assert printed["events"][0]["trigger"]["text"] == "met"
    failed = subprocess.run(
        [sys.executable, "-m", "newsevents.client.cli", "extract", "-", "--server", fake_server.target],
        input="  ",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert failed.returncode == 1 and json.loads(failed.stderr)["error"]["reason"] == "EMPTY_TEXT"
