"""`newsevents batch` against a running `newsevents-server` on the same 200-document JSONL archive.

usage: python -m bench.batch_equality [--docs 200] [--actors 2]

Writes the archive of bench/batch_throughput.py (the first White House releases), sends each
document to a separate server process as an ExtractEvents call, runs the batch over the archive on
a local Ray, and compares each output row with the server's response in the protobuf JSON mapping:
identical, identical with confidences rounded to 4 places, or different. Exits 1 if any differ.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

import grpc
import ray
from google.protobuf import json_format
from google.type import date_pb2

from bench.batch_throughput import write_archive
from bench.service_benchmark import free_port, start_server
from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc
from newsevents_service.batch.io import read_output
from newsevents_service.batch.runner import BatchOptions, run_batch


def rounded(value: Any) -> Any:
    """Confidences to 4 places: batch composition and thread count move float sums in the 7th digit."""
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {key: rounded(item) for key, item in value.items()}
    if isinstance(value, list):
        return [rounded(item) for item in value]
    return value


def request(row: dict[str, str]) -> pb.ExtractEventsRequest:
    day = dt.date.fromisoformat(row["publication_date"])
    document = pb.Document(
        id=row["id"],
        text=row["text"],
        title=row["title"],
        publication_date=date_pb2.Date(year=day.year, month=day.month, day=day.day),
    )
    return pb.ExtractEventsRequest(document=document)


def server_rows(rows: list[dict[str, str]]) -> dict[str, dict[str, Any]]:
    """Each document as one unary call to a fresh server process, as the batch's output rows."""
    port = free_port()
    server, _ = start_server(port)
    try:
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = pb_grpc.EventExtractionServiceStub(channel)
            answers = {}
            for row in rows:
                mapping = json_format.MessageToDict(stub.ExtractEvents(request(row), timeout=300))
                assert mapping.pop("documentId") == row["id"]
                answers[row["id"]] = {"id": row["id"], **mapping}
            return answers
    finally:
        server.terminate()
        server.wait()


def batch_rows(archive: Path, work: Path, actors: int) -> dict[str, dict[str, Any]]:
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(num_cpus=len(os.sched_getaffinity(0)), include_dashboard=False, _temp_dir=str(work / "ray"))
    try:
        run_batch(BatchOptions(archive, work / "out", actors=actors, progress=False))
    finally:
        ray.shutdown()
    return {row["id"]: row for row in read_output(work / "out")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--actors", type=int, default=2)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="nb-eq-"))
    try:
        rows = write_archive(work / "archive.jsonl", args.docs)
        served = server_rows(rows)
        batched = batch_rows(work / "archive.jsonl", work, args.actors)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    identical = [r["id"] for r in rows if batched.get(r["id"]) == served[r["id"]]]
    close = [r["id"] for r in rows if rounded(batched.get(r["id"])) == rounded(served[r["id"]])]
    different = [r["id"] for r in rows if r["id"] not in close]
    events = sum(len(served[r["id"]].get("events", [])) for r in rows)
    print(
        f"{len(rows)} documents, {events} events from the server: {len(identical)} rows identical, "
        f"{len(close)} identical with confidences rounded to 4 places, {len(different)} different"
    )
    for doc_id in different[:10]:
        batch_row = batched.get(doc_id) or {}
        keys = sorted(k for k in served[doc_id].keys() | batch_row.keys() if served[doc_id].get(k) != batch_row.get(k))
        print(f"  differs: {doc_id} in {', '.join(keys)}")
    return 1 if different else 0


if __name__ == "__main__":
    raise SystemExit(main())
