"""CPU time of one short call, thread by thread, in the server and in the client, against the bare model.

usage: python -m bench.thread_cpu [--rounds 3]

Starts the real server as the service benchmark does (`service_benchmark.start_server`: default
settings but for no per-call log line, no /metrics endpoint and a larger queue) and makes short
calls one at a time over the short articles of `bench.service_benchmark`, in rounds alternating
with the bare model in this process (as the service benchmark's "service, unary, concurrency 1" and
"bare model" rows). Around each round it reads every thread's schedstat
(/proc/PID/task/TID/schedstat: time on a CPU, time runnable but waiting for one, times switched
in), so nothing is traced or sampled and the calls run at full speed. Prints, per call, the medians
over the rounds of each thread's CPU time, its run-queue wait and its switches, for the server and
the client during the calls and for this process during the bare model's rounds.

Thread names are the kernel's: "event_engine" threads are gRPC's; the server's main thread runs
its asyncio event loop; its other "python" threads are the inference threads, the OpenMP team's
worker and the grpc.aio poller (the inference thread and the OpenMP worker are the two that
run about as long as the forward passes).
"""

from __future__ import annotations

import argparse
import os
import statistics
from collections import defaultdict
from pathlib import Path

import grpc

from bench.service_benchmark import _bare_calls, _unary_calls, free_port, pick_articles, start_server
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc
from newsevents_service.engine.extractor import Extractor

Snapshot = dict[int, tuple[str, int, int, int]]  # tid -> (name, ns on CPU, ns waiting for a CPU, switches)


def threads_of(pid: int) -> Snapshot:
    out: Snapshot = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            name = (task / "comm").read_text().strip()
            on_cpu, waiting, switches = map(int, (task / "schedstat").read_text().split())
        except (OSError, ValueError):  # the thread ended meanwhile
            continue
        out[int(task.name)] = (name, on_cpu, waiting, switches)
    return out


def per_call(before: Snapshot, after: Snapshot, calls: int, main_tid: int) -> dict[str, tuple[float, float, float]]:
    """Thread label -> (CPU ms, run-queue wait ms, switches), per call, for threads that ran."""
    out = {}
    for tid, (name, on_cpu, waiting, switches) in after.items():
        _, cpu0, wait0, switches0 = before.get(tid, (name, 0, 0, 0))
        if on_cpu > cpu0:
            label = f"{'main' if tid == main_tid else name} {tid}"
            ms_on_cpu, ms_waiting = (on_cpu - cpu0) / calls / 1e6, (waiting - wait0) / calls / 1e6
            out[label] = (ms_on_cpu, ms_waiting, (switches - switches0) / calls)
    return out


def median_rows(rounds: list[dict[str, tuple[float, float, float]]]) -> list[tuple[str, list[float]]]:
    values: dict[str, list[list[float]]] = defaultdict(list)
    for r in rounds:
        for label, figures in r.items():
            values[label].append(list(figures))
    rows = []
    for label, per_round in values.items():
        padded = per_round + [[0.0, 0.0, 0.0]] * (len(rounds) - len(per_round))  # rounds it did not run in
        rows.append((label, [statistics.median(f[i] for f in padded) for i in range(3)]))
    return sorted(rows, key=lambda row: -row[1][0])


def report(title: str, rows: list[tuple[str, list[float]]]) -> None:
    print(f"{title}: {sum(r[1][0] for r in rows):.3f} ms of CPU per call")
    print(f"  {'thread':24s} {'CPU ms':>8s} {'run-queue wait ms':>18s} {'switches':>9s}")
    for label, (cpu, wait, switches) in rows:
        if cpu >= 0.005:
            print(f"  {label:24s} {cpu:8.3f} {wait:18.3f} {switches:9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    extractor = Extractor()
    texts = pick_articles(extractor.model.tokenizer)["short"] * 4
    port = free_port()
    proc, _ = start_server(port)
    try:
        stub = pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
        _unary_calls(stub, texts, 1)  # warm-up
        me = os.getpid()
        server, client, bare, walls = [], [], [], []
        for _ in range(args.rounds):
            server0, client0 = threads_of(proc.pid), threads_of(me)
            served = _unary_calls(stub, texts, 1)[1]
            server1, client1 = threads_of(proc.pid), threads_of(me)
            bare_wall = _bare_calls(extractor, texts)[1]
            client2 = threads_of(me)
            server.append(per_call(server0, server1, len(texts), proc.pid))
            client.append(per_call(client0, client1, len(texts), me))
            bare.append(per_call(client1, client2, len(texts), me))
            walls.append((served / len(texts) * 1000, bare_wall / len(texts) * 1000))
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    service_ms, bare_ms = (statistics.median(w[i] for w in walls) for i in range(2))
    print(f"{len(texts)} short calls a round, {args.rounds} rounds; medians per call")
    print(f"wall: service {service_ms:.2f} ms, bare model {bare_ms:.2f} ms, ratio {bare_ms / service_ms:.3f}")
    report("server, during the calls", median_rows(server))
    report("client (this process), during the calls", median_rows(client))
    report("bare model (this process)", median_rows(bare))


if __name__ == "__main__":
    main()
