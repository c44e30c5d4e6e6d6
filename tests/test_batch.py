"""`newsevents batch` on a local Ray: same rows as the server, error rows, resuming after a kill, Parquet."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest

pytest.importorskip("ray", reason="the batch extra (ray[data]) is not installed")

import pyarrow as pa
import pyarrow.parquet as pq
import ray
from google.protobuf import json_format
from google.type import date_pb2

import newsevents_service
from bench.batch_equality import rounded
from newsevents.client import cli as client_cli
from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc
from newsevents_service.batch.io import DuplicateIdError, normalize, read_input, read_output
from newsevents_service.batch.runner import BatchOptions, BatchSummary, extract_rows, run_batch
from newsevents_service.engine.extractor import Request
from newsevents_service.engine.types import ExtractionResult

from .conftest import ROOT, ServerThread, fake_extract_many, free_port, load_gold

pytestmark = pytest.mark.slow

GOLD_DOCS = 12
# Rows the server would refuse, or that cannot be read, keyed by the id they get.
BAD_ROWS: dict[str, tuple[str, str]] = {
    "blank": ('{"id": "blank", "text": "   "}', "EMPTY_TEXT"),
    "no-text": ('{"id": "no-text", "title": "Headline only"}', "EMPTY_TEXT"),
    "feb-30": (
        '{"id": "feb-30", "text": "Biden met Macron.", "publication_date": "2023-02-30"}',
        "INVALID_PUBLICATION_DATE",
    ),
    "not-a-date": (
        '{"id": "not-a-date", "text": "Biden met Macron.", "publication_date": "May 3"}',
        "INVALID_PUBLICATION_DATE",
    ),
    "french": ('{"id": "french", "text": "Macron a rencontré Biden.", "language_code": "fr"}', "UNSUPPORTED_LANGUAGE"),
    "number-text": ('{"id": "number-text", "text": 42}', "INVALID_ROW"),
}
BROKEN_LINE = '{"id": "broken", "text": "unterminated'  # not JSON: gets the id of its position


@pytest.fixture(scope="module")
def ray_address() -> Iterator[str]:
    """One local Ray for the module (2 CPUs, no dashboard, no usage report), this process connected
    to it; removed afterwards.

    Its daemons start from a child `ray start --block`, not from ray.init here: ray.init forks them
    from this process, beside the threads of the session's gRPC servers and torch, and once in CI the
    raylet it started never registered with the GCS (ray.init gave up after 30 s; the raylet had
    not written a line of log).
    """
    temp_dir = tempfile.mkdtemp(prefix="nb-ray-")  # short: Ray's socket paths must stay under 108 bytes
    address = f"127.0.0.1:{free_port()}"
    log_path = Path(temp_dir) / "ray-start.log"
    with log_path.open("wb") as log:
        # A test cluster on this machine: no tokens to hand out, no draining of its node on SIGTERM.
        env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_GRACEFUL_SHUTDOWN_DRAIN_TIMEOUT_S": "0"}
        head = subprocess.Popen(ray_start_command(address, temp_dir), env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_for_ray(head, log_path)
        ray.init(address=address, log_to_driver=False)
        yield address
    finally:
        ray.shutdown()
        head.terminate()  # `ray start --block` stops its daemons on SIGTERM
        head.wait(timeout=60)
        shutil.rmtree(temp_dir, ignore_errors=True)


def ray_start_command(address: str, temp_dir: str) -> list[str]:
    port = address.rsplit(":", 1)[1]
    command = [sys.executable, "-m", "ray.scripts.scripts", "start", "--head", "--block", "--disable-usage-stats"]
    command += [f"--port={port}", f"--ray-client-server-port={free_port()}"]
    return [*command, "--num-cpus=2", "--num-gpus=0", "--include-dashboard=false", f"--temp-dir={temp_dir}"]


def wait_for_ray(head: subprocess.Popen[bytes], log_path: Path, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while "Ray runtime started" not in log_path.read_text(errors="replace"):
        if head.poll() is not None or time.monotonic() > deadline:
            pytest.fail("ray start did not start a local Ray:\n" + log_path.read_text(errors="replace")[-3000:])
        time.sleep(0.2)


def gold_rows() -> list[dict[str, Any]]:
    """Real documents: some without id (they get row-<n>), one with a title and a date the gold lacks."""
    rows = []
    for number, doc in enumerate(load_gold()[:GOLD_DOCS]):
        row = {"text": doc["text"]}
        if number % 4 != 1:
            row["id"] = doc["id"]
        if doc.get("publication_date"):
            row["publication_date"] = doc["publication_date"]
        if number == 2:
            row |= {"title": "Archived story", "publication_date": "2016-05-01"}
        if number == 4:  # a line separator that JSON leaves unescaped must not split the output line
            row["text"] += "\u2028Biden met Macron in Paris on Monday."
        rows.append(row)
    return rows


def write_jsonl(path: Path) -> list[dict[str, Any]]:
    rows = gold_rows()
    lines = [json.dumps(row) for row in rows] + [line for line, _ in BAD_ROWS.values()] + [BROKEN_LINE]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rows


def options(input_path: Path, output: Path, **settings: Any) -> BatchOptions:
    return BatchOptions(input=input_path, output=output, progress=False, **settings)


@pytest.fixture(scope="module")
def full_run(ray_address: str, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict], BatchSummary]:
    """One uninterrupted run over the whole input with two actors: (input, output rows, summary)."""
    folder = tmp_path_factory.mktemp("full")
    write_jsonl(folder / "in.jsonl")
    summary = run_batch(options(folder / "in.jsonl", folder / "out", actors=2, batch_size=4, part_size=5))
    return folder / "in.jsonl", read_output(folder / "out"), summary


def by_id(rows: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    indexed = {row["id"]: row for row in rows}
    assert len(indexed) == len(rows), "an id occurs twice in the output"
    return indexed


def server_request(doc_id: str, row: dict[str, Any]) -> pb.ExtractEventsRequest:
    document = pb.Document(id=doc_id, text=row.get("text", ""), title=row.get("title", ""))
    if "publication_date" in row:
        year, month, day = (int(part) for part in row["publication_date"].split("-"))
        document.publication_date.CopyFrom(date_pb2.Date(year=year, month=month, day=day))
    return pb.ExtractEventsRequest(document=document)


def test_rows_are_the_servers_responses(
    full_run: tuple[Path, list[dict], BatchSummary], real_server: ServerThread
) -> None:
    _, output, summary = full_run
    expected_rows = gold_rows() + [json.loads(BAD_ROWS[key][0]) for key in ("blank", "no-text", "feb-30")]
    ids = [row.get("id", f"row-{number}") for number, row in enumerate(expected_rows)]
    with grpc.insecure_channel(real_server.target) as channel:
        stub = pb_grpc.EventExtractionServiceStub(channel)
        requests = [server_request(i, r) for i, r in zip(ids, expected_rows, strict=True)]
        responses = list(stub.StreamExtractEvents(iter(requests)))
    rows = by_id(output)
    for doc_id, response in zip(ids, responses, strict=True):
        served = json_format.MessageToDict(response)
        assert served.pop("documentId") == doc_id
        assert rounded(rows[doc_id]) == rounded({"id": doc_id, **served})
    assert sum(len(rows[i].get("events", [])) for i in ids) >= GOLD_DOCS  # real events, not empty rows
    assert rows[load_gold()[2]["id"]]["referenceDateSource"] == "REFERENCE_DATE_SOURCE_REQUEST"
    total = GOLD_DOCS + len(BAD_ROWS) + 1
    assert (summary.documents, summary.done_before, summary.processed) == (total, 0, total)
    assert len(output) == total


def test_bad_rows_get_error_rows(full_run: tuple[Path, list[dict], BatchSummary]) -> None:
    _, output, summary = full_run
    rows = by_id(output)
    for doc_id, (_, reason) in BAD_ROWS.items():
        assert "events" not in rows[doc_id]
        assert rows[doc_id]["error"]["reason"] == reason
        assert rows[doc_id]["error"]["code"] == grpc.StatusCode.INVALID_ARGUMENT.value[0]
    assert rows["number-text"]["error"]["metadata"] == {"field": "text"}
    broken = rows[f"row-{GOLD_DOCS + len(BAD_ROWS)}"]["error"]
    assert broken["reason"] == "INVALID_ROW" and "not JSON" in broken["message"]
    assert summary.errors == len(BAD_ROWS) + 1


def test_a_killed_run_resumes_with_the_rest(
    ray_address: str, full_run: tuple[Path, list[dict], BatchSummary], tmp_path: Path
) -> None:
    input_path, uninterrupted, _ = full_run
    output = tmp_path / "out"
    command = [sys.executable, "-m", "newsevents.client.cli", "batch", "--input", str(input_path)]
    command += ["--output", str(output), "--part-size", "1", "--batch-size", "1", "--ray-address", ray_address]
    log = tmp_path / "first-run.log"
    with log.open("wb") as stderr:
        first = subprocess.Popen([*command, "--no-progress"], cwd=ROOT, stderr=stderr)
        try:
            deadline = time.monotonic() + 180
            while not (output / "part-00000.jsonl").exists():
                if first.poll() is not None or time.monotonic() > deadline:
                    pytest.fail("the first run wrote no part:\n" + log.read_text(errors="replace")[-3000:])
                time.sleep(0.05)
        finally:
            first.send_signal(signal.SIGKILL)
            first.wait()
    done_first = {row["id"] for row in read_output(output)}
    assert 0 < len(done_first) < len(uninterrupted), "the kill came too late to leave work undone"

    summary = run_batch(options(input_path, output, batch_size=4, part_size=5))

    assert summary.done_before == len(done_first)
    assert summary.processed == len(uninterrupted) - len(done_first)
    resumed = by_id(read_output(output))
    assert rounded(resumed) == rounded(by_id(uninterrupted))
    assert not list(output.glob(".*.tmp"))


def test_parquet_in_and_out(ray_address: str, full_run: tuple[Path, list[dict], BatchSummary], tmp_path: Path) -> None:
    _, uninterrupted, _ = full_run
    gold = load_gold()  # the same documents as rows 0, 2 and 3 of the JSONL run, and one of its bad rows
    table = pa.table(
        {
            "id": [gold[0]["id"], gold[2]["id"], gold[3]["id"], "blank"],
            "text": [gold[0]["text"], gold[2]["text"], gold[3]["text"], "   "],
            "publication_date": pa.array(
                [dt.date.fromisoformat(gold[0]["publication_date"]), dt.date(2016, 5, 1), None, None], pa.date32()
            ),
            "title": [None, "Archived story", None, None],
        }
    )
    pq.write_table(table, tmp_path / "in.parquet")

    summary = run_batch(options(tmp_path / "in.parquet", tmp_path / "out", output_format="parquet"))

    assert (summary.processed, summary.errors) == (4, 1)
    written = pq.read_table(tmp_path / "out")  # all parts as one table
    assert written.schema.field("events").type == pa.string()  # the events' JSON mapping as text
    expected = by_id(uninterrupted)
    rows = by_id(read_output(tmp_path / "out"))
    assert rounded(rows) == rounded({doc_id: expected[doc_id] for doc_id in table.column("id").to_pylist()})


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"id": "a", "text": "x"}\n{"id": 7, "text": "y"}\n{"id": "a", "text": "z"}\n', "utf-8")
    with pytest.raises(DuplicateIdError, match="'a'"):
        read_input(path)
    assert client_cli.main(["batch", "--input", str(path), "--output", str(tmp_path / "out"), "--no-progress"]) == 2


def test_client_without_the_batch_extra_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in [m for m in sys.modules if m.startswith("newsevents_service.batch")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.delattr(newsevents_service, "batch", raising=False)
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray now fails as if it were not installed

    assert client_cli.main(["batch", "--input", "in.jsonl", "--output", "out"]) == 2

    message = capsys.readouterr().err.strip()
    assert "pip install 'newsevents-service[batch]'" in message and "\n" not in message


def test_an_engine_failure_fails_only_its_document() -> None:
    class FailsOnPoison:
        def extract_many(self, requests: list[Request]) -> list[ExtractionResult]:
            if any("poison" in request.text for request in requests):
                raise RuntimeError("the engine broke")
            return fake_extract_many(requests)

    rows = [normalize({"id": "a", "text": "Biden met Macron."}, 0), normalize({"id": "b", "text": "poison"}, 1)]

    output = extract_rows(FailsOnPoison(), rows, 1000)  # type: ignore[arg-type]

    assert [row["id"] for row in output] == ["a", "b"]
    assert output[0]["events"][0]["type"] == "EVENT_TYPE_MEETING"
    assert output[1]["error"]["reason"] == "INTERNAL" and "events" not in output[1]
