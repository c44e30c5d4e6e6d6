"""Benchmark the real server against the bare model and a naive peer, on this machine.

usage: python -m bench.service_benchmark [--requests N] [--repeats 3] [--out docs/performance.md]
                                         [--backend auto|int8|bf16|torch|onnx|cuda]

Starts `newsevents-server` as a separate process and measures, for the AP sample article
(~1,100 tokens), for short articles (~150 tokens) and for a mix of short and long (~5,000 tokens)
articles: throughput (articles/s, tokens/s) and latency p50/p95/p99 at concurrency 1, 4 and 16 over unary
calls (at concurrency c at least 4c calls, so that each client makes several) and over one
StreamExtractEvents stream; peak RSS of the server; cold start (process start to
health SERVING). In the same run it measures the bare model (the engine's forward passes alone,
same inputs, same threads, same runtime), the naive peer (the same model served the way it often is
first: `bench.naive_server`, one engine call per request in a 16-thread synchronous gRPC server,
float32, no batching; same calls, same concurrency) and a plain encoder forward per window (float32, no heads,
one request at a time), and writes the table to --out.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import functools
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import grpc
import torch
from grpc_health.v1 import health_pb2, health_pb2_grpc

from bench.machine import cpu_model, percentile
from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc
from newsevents_service.engine.extractor import Extractor
from newsevents_service.engine.sentences import split_sentences
from newsevents_service.model.artifacts import load_model, set_threads
from newsevents_service.model.backends import BACKENDS, DEFAULT_BACKEND
from newsevents_service.model.windows import make_windows, tokenize

CALLS_PER_CLIENT = 4  # at concurrency c, at least 4c calls (concurrent_calls)
PAIRED_ROUNDS = 3  # alternating rounds of service at concurrency 1 and bare model, per run

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
NOTES_MARKER = "<!-- notes: kept by bench/service_benchmark.py -->"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pick_articles(tokenizer) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """The AP sample; short (~150 tokens) releases; a mix of short and long (~5,000 tokens) releases."""
    gold = [json.loads(line) for line in (SHARED / "gold" / "dev.jsonl").read_text().splitlines() if line.strip()]
    sample = next(d["text"] for d in gold if d["id"] == "seed-raimondo-beijing")
    short: list[str] = []
    long: list[str] = []
    for line in (SHARED / "whitehouse" / "releases.jsonl").read_text(encoding="utf-8").splitlines():
        text = json.loads(line)["text"]
        n = len(tokenize(tokenizer, text).ids)
        if 130 <= n <= 170 and len(short) < 12:
            short.append(text)
        elif 4500 <= n <= 5500 and len(long) < 2:
            long.append(text)
        if len(short) >= 12 and len(long) >= 2:
            break
    return {"sample": [sample], "short": short, "mix": short[:6] + long[:1] + short[6:] + long[1:]}


def summarise(latencies: list[float], wall: float, tokens: int, docs: int) -> dict[str, float]:
    return {
        "articles_per_s": docs / wall,
        "tokens_per_s": tokens / wall,
        "p50_ms": percentile(latencies, 0.50) * 1000,
        "p95_ms": percentile(latencies, 0.95) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def unary(stub, texts: list[str], concurrency: int, tokens: dict[str, int]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    latencies, wall = _unary_calls(stub, texts, concurrency)
    return summarise(latencies, wall, sum(tokens[t] for t in texts), len(texts))


def _unary_calls(stub, texts: list[str], concurrency: int) -> tuple[list[float], float]:  # type: ignore[no-untyped-def]
    def call(text: str) -> float:
        started = time.perf_counter()
        stub.ExtractEvents(pb.ExtractEventsRequest(document=pb.Document(text=text)), timeout=600)
        return time.perf_counter() - started

    started = time.perf_counter()
    if concurrency == 1:  # from this thread, as the bare model's calls: no hand-off to a pool thread
        latencies = [call(text) for text in texts]
    else:
        with ThreadPoolExecutor(concurrency) as pool:
            latencies = list(pool.map(call, texts))
    return latencies, time.perf_counter() - started


def service_and_bare(  # type: ignore[no-untyped-def]
    stub, extractor: Extractor, texts: list[str], tokens: dict[str, int], rounds: int = PAIRED_ROUNDS
) -> tuple[dict[str, float], dict[str, float]]:
    """Service at concurrency 1 and the bare model, measured in alternating rounds over the same texts.

    Their ratio is the overhead figure. Measured one after the other, seconds apart, it moved by
    up to 15 % between runs on this shared VM, whose speed drifts (the same in-process extraction
    took 11.5 ms, then 14.7 ms a minute later); alternating puts both under the same drift.
    """
    served: tuple[list[float], float] = ([], 0.0)
    bare: tuple[list[float], float] = ([], 0.0)
    for _ in range(rounds):
        latencies, wall = _bare_calls(extractor, texts)
        bare = (bare[0] + latencies, bare[1] + wall)
        latencies, wall = _unary_calls(stub, texts, 1)
        served = (served[0] + latencies, served[1] + wall)
    count, total = len(texts) * rounds, sum(tokens[t] for t in texts) * rounds
    return summarise(*served, total, count), summarise(*bare, total, count)


def stream(stub, texts: list[str], tokens: dict[str, int]) -> dict[str, float]:  # type: ignore[no-untyped-def]
    requests = [pb.ExtractEventsRequest(document=pb.Document(id=str(i), text=t)) for i, t in enumerate(texts)]
    started = time.perf_counter()
    sent = {}
    latencies = []

    def gen():  # type: ignore[no-untyped-def]
        for r in requests:
            sent[r.document.id] = time.perf_counter()
            yield r

    for response in stub.StreamExtractEvents(gen(), timeout=3600):
        latencies.append(time.perf_counter() - sent[response.document_id])
    return summarise(latencies, time.perf_counter() - started, sum(tokens[t] for t in texts), len(texts))


def _bare_calls(extractor: Extractor, texts: list[str]) -> tuple[list[float], float]:
    latencies = []
    started = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        extractor.predictor.predict([(text, split_sentences(text))])
        latencies.append(time.perf_counter() - t0)
    return latencies, time.perf_counter() - started


def plain_forward(extractor: Extractor, texts: list[str], tokens: dict[str, int]) -> dict[str, float]:
    """The encoder alone: a plain transformers forward per 510-token window, float32, one at a time."""
    model = float32_encoder(extractor)  # the same fine-tuned weights
    device = next(model.parameters()).device  # the GPU with --backend cuda
    tokenizer = extractor.model.tokenizer
    latencies = []
    started = time.perf_counter()
    for text in texts:
        t0 = time.perf_counter()
        ids = tokenize(tokenizer, text).ids
        for w in make_windows(len(ids), 510, 384):
            chunk = torch.tensor([[tokenizer.cls_token_id, *ids[w.start : w.end], tokenizer.sep_token_id]])
            with torch.no_grad():
                model(input_ids=chunk.to(device)).last_hidden_state.cpu()
        latencies.append(time.perf_counter() - t0)
    return summarise(latencies, time.perf_counter() - started, sum(tokens[t] for t in texts), len(texts))


def float32_encoder(extractor: Extractor) -> torch.nn.Module:
    """The extractor's encoder, or a float32 copy of it where the extractor runs int8 or bf16 layers."""
    if extractor.runtime not in ("int8", "bf16"):
        return extractor.model.network.encoder
    return _float32_copy(extractor.model.directory)


@functools.cache
def _float32_copy(directory: Path) -> torch.nn.Module:
    """Loaded once per benchmark process, not for every input and repeat."""
    return load_model(directory).network.encoder


def start_server(
    port: int, naive: bool = False, backend: str = DEFAULT_BACKEND, module: list[str] | None = None
) -> tuple[subprocess.Popen[bytes], float]:
    """The server (or the naive peer, or `module`: `python -m` arguments) on `port`, once its
    health is SERVING: (process, cold start)."""
    env = {
        **os.environ,
        "NEWSEVENTS_PORT": str(port),
        "NEWSEVENTS_HOST": "127.0.0.1",
        "NEWSEVENTS_METRICS_PORT": "-1",
        "NEWSEVENTS_LOG_LEVEL": "WARNING",
        "NEWSEVENTS_MAX_PENDING": "256",
        "NEWSEVENTS_BACKEND": backend,
    }
    started = time.perf_counter()
    naive_command = ["bench.naive_server", "--port", str(port), "--backend", backend]
    command = module or (naive_command if naive else ["newsevents_service.api.server"])
    proc = subprocess.Popen([sys.executable, "-m", *command], env=env)
    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    while True:
        try:
            if (
                health.Check(health_pb2.HealthCheckRequest(), timeout=1).status
                == health_pb2.HealthCheckResponse.SERVING
            ):
                return proc, time.perf_counter() - started
        except grpc.RpcError:
            pass
        time.sleep(0.05)


@contextlib.contextmanager
def serving(
    naive: bool = False, backend: str = DEFAULT_BACKEND
) -> Iterator[tuple[subprocess.Popen[bytes], float, pb_grpc.EventExtractionServiceStub]]:
    """The real server (or the naive peer) on a free port: (process, cold start, stub); stopped after."""
    port = free_port()
    proc, cold_start = start_server(port, naive, backend)
    try:
        yield proc, cold_start, pb_grpc.EventExtractionServiceStub(grpc.insecure_channel(f"127.0.0.1:{port}"))
    finally:
        proc.terminate()
        proc.wait(timeout=60)


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def gpu_note(backend: str) -> str:
    if backend != "cuda":
        return ""
    return f", encoder on {torch.cuda.get_device_name()} (`--backend cuda`, float32; heads and decoding on the CPU)"


def fmt(r: dict[str, float]) -> str:
    return (
        f"{r['articles_per_s']:.2f} | {r['tokens_per_s']:.0f} | {r['p50_ms']:.0f} | {r['p95_ms']:.0f} | "
        f"{r['p99_ms']:.0f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=16, help="articles per measurement")
    parser.add_argument("--repeats", type=int, default=3, help="whole runs; the table shows each figure's median")
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "performance.md")
    parser.add_argument("--backend", choices=BACKENDS, default=DEFAULT_BACKEND, help="the encoder's runtime, all rows")
    args = parser.parse_args()
    threads = set_threads()
    extractor = Extractor(backend=args.backend)
    articles = pick_articles(extractor.model.tokenizer)
    tokens = {t: len(tokenize(extractor.model.tokenizer, t).ids) for ts in articles.values() for t in ts}
    runs = [measure(extractor, articles, tokens, args.requests, args.backend) for _ in range(max(1, args.repeats))]
    rows = [
        (name, label, {k: statistics.median(run[0][i][2][k] for run in runs) for k in result})
        for i, (name, label, result) in enumerate(runs[0][0])
    ]
    cold_start = statistics.median(run[1] for run in runs)
    rss = max(run[2] for run in runs)
    write_report(args.out, rows, cold_start, rss, threads, articles, tokens, len(runs), extractor.runtime)


def measure(extractor: Extractor, articles: dict[str, list[str]], tokens: dict[str, int], requests: int, backend: str):  # type: ignore[no-untyped-def]
    """One whole run: (rows, cold start, peak RSS of the server)."""
    rows: list[tuple[str, str, dict[str, float]]] = []
    with serving(backend=backend) as (proc, cold_start, stub):
        for name, pool in articles.items():
            texts = workload(name, pool, requests)
            stub.ExtractEvents(pb.ExtractEventsRequest(document=pb.Document(text=texts[0])), timeout=600)
            served, bare = service_and_bare(stub, extractor, texts, tokens)
            rows.append((name, f"{SERVICE}, concurrency 1", served))
            for concurrency in (4, 16):
                calls = concurrent_calls(texts, concurrency)
                rows.append((name, f"{SERVICE}, concurrency {concurrency}", unary(stub, calls, concurrency, tokens)))
            rows.append((name, "service, one stream", stream(stub, texts, tokens)))
            rows.append((name, BARE, bare))
            rows.append((name, PLAIN, plain_forward(extractor, texts, tokens)))
        rss = peak_rss_mb(proc.pid)
    rows += naive_rows(articles, requests, tokens, backend)
    return rows, cold_start, rss


SERVICE = "service, unary"
NAIVE = "naive peer served (engine per request, 16-thread sync gRPC, no batching), unary"
BARE = "bare model (engine forward passes, 1 at a time)"
PLAIN = "plain encoder forward per 510-token window (fp32, no heads, 1 at a time)"


def workload(name: str, pool: list[str], requests: int) -> list[str]:
    count = requests * (4 if name == "short" else 1)  # short ones: enough to fill batches
    return pool if name == "mix" else (pool * count)[:count]


def concurrent_calls(texts: list[str], concurrency: int) -> list[str]:
    """`texts` repeated to at least CALLS_PER_CLIENT calls for each of `concurrency` clients: with
    one call each (16 sample articles at concurrency 16) a run times one burst and its slowest
    call, not throughput (service at concurrency 16, 16 sample calls 4.9-5.6 articles/s, 48 calls
    6.2-7.1)."""
    count = max(len(texts), CALLS_PER_CLIENT * concurrency)
    return (texts * -(-count // len(texts)))[:count]


def naive_backend(backend: str) -> str:
    """The naive peer runs float32, as such a first deployment does: on the GPU with cuda, else torch."""
    return "cuda" if backend == "cuda" else "torch"


def naive_rows(articles: dict[str, list[str]], requests: int, tokens: dict[str, int], backend: str):  # type: ignore[no-untyped-def]
    """The naive peer over the same calls, run after the real server has stopped (never both at once)."""
    rows = []
    with serving(naive=True, backend=naive_backend(backend)) as (_, _, stub):
        for name, pool in articles.items():
            texts = workload(name, pool, requests)
            stub.ExtractEvents(pb.ExtractEventsRequest(document=pb.Document(text=texts[0])), timeout=600)
            for concurrency in (1, 16):
                calls = concurrent_calls(texts, concurrency)
                rows.append((name, f"{NAIVE}, concurrency {concurrency}", unary(stub, calls, concurrency, tokens)))
    return rows


def write_report(  # type: ignore[no-untyped-def]
    out: Path, rows, cold_start: float, rss: float, threads: int, articles, tokens, runs: int, backend: str
) -> None:
    def get(name: str, label: str) -> dict[str, float]:
        return next(r for n, lab, r in rows if n == name and lab == label)

    lines = [
        "# Performance",
        "",
        f"Measured {dt.date.today().isoformat()} by `python -m bench.service_benchmark` on {cpu_model()}, "
        f"{len(os.sched_getaffinity(0))} cores available, torch {torch.__version__} with {threads} threads, "
        f"Python {platform.python_version()}, encoder runtime `{backend}`{gpu_note(backend)}. "
        "One server process on loopback; clients in the benchmark process. "
        f"Every figure is the median of {runs} whole runs.",
        "",
        f"Inputs: `sample` = the AP sample article ({tokens[articles['sample'][0]]} tokens), repeated; "
        f"`short` = {len(articles['short'])} short public-domain White House releases (~150 tokens), repeated; `mix` = "
        f"{len(articles['mix'])} public-domain White House releases, "
        f"{sum(1 for t in articles['mix'] if tokens[t] < 1000)} short (~150 tokens) and "
        f"{sum(1 for t in articles['mix'] if tokens[t] >= 1000)} long (~5,000 tokens).",
        "",
        "| input | what | articles/s | tokens/s | p50 ms | p95 ms | p99 ms |",
        "|---|---|---|---|---|---|---|",
        *[f"| {n} | {lab} | {fmt(r)} |" for n, lab, r in rows],
        "",
        f"Server cold start (process start to health SERVING): **{cold_start:.1f} s**. "
        f"Peak RSS of the server: **{rss:.0f} MB**.",
        "",
        "Ratios (throughput):",
        "",
    ]
    for name in articles:
        c1 = get(name, f"{SERVICE}, concurrency 1")["articles_per_s"]
        c16 = get(name, f"{SERVICE}, concurrency 16")["articles_per_s"]
        bare = get(name, BARE)["articles_per_s"]
        naive = get(name, f"{NAIVE}, concurrency 16")["articles_per_s"]
        plain = get(name, PLAIN)["articles_per_s"]
        lines.append(
            f"- `{name}`: service at concurrency 1 / bare model = **{c1 / bare:.2f}**; "
            f"concurrency 16 / concurrency 1 = **{c16 / c1:.2f}**; "
            f"service / naive peer served, both at concurrency 16 = **{c16 / naive:.2f}**; "
            f"service at concurrency 16 / plain encoder forward = {c16 / plain:.2f}."
        )
    out.parent.mkdir(parents=True, exist_ok=True)
    kept = ""  # hand-written notes below the marker survive a new run
    if out.exists() and NOTES_MARKER in out.read_text(encoding="utf-8"):
        kept = out.read_text(encoding="utf-8").split(NOTES_MARKER, 1)[1]
    out.write_text("\n".join(lines) + "\n\n" + NOTES_MARKER + kept, encoding="utf-8")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
