"""Where one short call's time goes: client, gRPC, hand-offs, engine, against the bare model.

usage: python -m bench.call_timeline [--rounds 6] [--after-load]

Starts the real server (default settings) in a child process that stamps wall-clock times when the
servicer's handler starts and ends and around the engine's `extract_many` on the inference thread.
The benchmark process makes the calls one at a time over the short articles of
`bench.service_benchmark`, alternating rounds with the bare model (`Predictor.predict` in this
process, as in the service benchmark), and prints the median of each segment of a call:

  client -> handler      serialising, sending, the server's I/O and poller threads, the event loop
  handler -> engine      validation, the batcher, the hand-off to the inference thread
  engine                 tokenising, forward passes, decoding and assembly of events
  engine -> handler end  the hand-back to the event loop, metrics, the conversion to a message
  handler end -> client  the server sending, the client waking and parsing
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import grpc

from bench.service_benchmark import _bare_calls, _unary_calls, free_port, pick_articles, start_server
from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc
from newsevents_service.engine.extractor import Extractor

SEGMENTS = ["client -> handler", "handler -> engine", "engine", "engine -> handler end", "handler end -> client"]


def serve_with_stamps(stamps_file: str) -> int:
    """The server, stamping handler and engine intervals; writes them to `stamps_file` on SIGUSR1."""
    from newsevents_service.api import server, servicer

    stamps: list[tuple[str, str, float, float]] = []
    handle = servicer.EventExtractionServicer._handle
    extract_many = Extractor.extract_many

    async def stamped_handle(self: Any, method: str, request: pb.ExtractEventsRequest, context: Any) -> Any:
        started = time.time()
        result = await handle(self, method, request, context)
        stamps.append(("handler", request.document.id, started, time.time()))
        return result

    def stamped_extract_many(self: Extractor, requests: Any) -> Any:
        started = time.time()
        result = extract_many(self, requests)
        stamps.append(("engine", "", started, time.time()))
        return result

    def dump(*_: object) -> None:
        Path(stamps_file).write_text(json.dumps(stamps))
        os._exit(0)

    servicer.EventExtractionServicer._handle = stamped_handle  # type: ignore[method-assign]
    Extractor.extract_many = stamped_extract_many  # type: ignore[method-assign]
    signal.signal(signal.SIGUSR1, dump)
    return server.main([])


def timed_calls(stub: pb_grpc.EventExtractionServiceStub, texts: list[str], tag: str) -> list[tuple[str, float, float]]:
    calls = []
    for i, text in enumerate(texts):
        request = pb.ExtractEventsRequest(document=pb.Document(id=f"{tag}-{i}", text=text))
        started = time.time()
        stub.ExtractEvents(request, timeout=60)
        calls.append((request.document.id, started, time.time()))
    return calls


def segments(calls: list[tuple[str, float, float]], stamps: list[list[Any]]) -> list[list[float]]:
    """Per call, the five segments in seconds (calls are one at a time: intervals nest)."""
    handlers = {key: (begin, end) for kind, key, begin, end in stamps if kind == "handler"}
    engines = sorted((begin, end) for kind, _, begin, end in stamps if kind == "engine")
    out = []
    for key, sent, received in calls:
        h0, h1 = handlers[key]
        e0, e1 = next((b, e) for b, e in engines if h0 <= b <= h1)
        out.append([h0 - sent, e0 - h0, e1 - e0, h1 - e1, received - h1])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument(
        "--after-load",
        action="store_true",
        help="first 72 calls at concurrency 16 and 72 at 4, as in the service benchmark",
    )
    parser.add_argument("--serve", metavar="STAMPS_FILE", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        sys.exit(serve_with_stamps(args.serve))
    extractor = Extractor()
    texts = pick_articles(extractor.model.tokenizer)["short"] * 2
    stamps_file = f"/tmp/newsevents-stamps-{os.getpid()}.json"
    port = free_port()
    proc, _ = start_server(port, module=["bench.call_timeline", "--serve", stamps_file])
    stub = pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    timed_calls(stub, texts[:6], "warm-up")
    if args.after_load:
        for concurrency in (16, 4):
            _unary_calls(stub, texts * 3, concurrency)
    bare: list[float] = []
    calls: list[tuple[str, float, float]] = []
    for r in range(args.rounds):
        bare += _bare_calls(extractor, texts)[0]
        calls += timed_calls(stub, texts, f"round{r}")
    proc.send_signal(signal.SIGUSR1)
    proc.wait(timeout=60)
    per_call = segments(calls, json.loads(Path(stamps_file).read_text()))
    Path(stamps_file).unlink()
    report(per_call, bare, [received - sent for _, sent, received in calls])


def report(per_call: list[list[float]], bare: list[float], totals: list[float]) -> None:
    print(f"{len(per_call)} short calls, one at a time; medians in ms")
    for i, name in enumerate(SEGMENTS):
        print(f"  {name:24s} {statistics.median(c[i] for c in per_call) * 1000:7.2f}")
    service, model = statistics.median(totals) * 1000, statistics.median(bare) * 1000
    print(f"  {'call, client side':24s} {service:7.2f}")
    print(f"  {'bare model (same texts)':24s} {model:7.2f}   bare / call {model / service:.3f}")
    mean_ratio = statistics.fmean(bare) / statistics.fmean(totals)
    print(f"  throughput ratio (means): {mean_ratio:.3f}")


if __name__ == "__main__":
    main()
