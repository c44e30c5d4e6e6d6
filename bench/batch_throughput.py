"""Documents per second of `newsevents batch` on a local Ray, with 1 and 2 extractor actors.

usage: python -m bench.batch_throughput [--docs 200] [--actors 1 2] [--repeat 1] [--record]

Builds a JSONL archive of the first `--docs` White House releases of the shared data, and for each
actor count: measures actor start + model load (actors created together, each timed to ready), then
runs the whole batch (`run_batch`, JSONL output) and times it end to end. `--record` writes the
table to the "Batch over archives (Ray)" section of docs/performance.md, below the notes marker
(the part above the marker belongs to bench/service_benchmark.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ray
import torch

from bench.machine import cpu_model
from newsevents_service.batch.runner import BatchOptions, ExtractBatch, run_batch
from newsevents_service.model.artifacts import DEFAULT_ARTIFACT, load_model
from newsevents_service.model.windows import tokenize

ROOT = Path(__file__).resolve().parents[1]
RELEASES = ROOT.parent / "shared" / "data" / "whitehouse" / "releases.jsonl"
NOTES_MARKER = "<!-- notes: kept by bench/service_benchmark.py -->"
SECTION = "## Batch over archives (Ray)"


def write_archive(path: Path, count: int) -> list[dict[str, str]]:
    """The first `count` releases as batch input rows (id, title, publication_date, text).

    A few releases share a (truncated) id with an earlier one; they are left out, as ids must be unique.
    """
    rows: list[dict[str, str]] = []
    seen: set[str] = set()
    with RELEASES.open(encoding="utf-8") as releases:
        for line in releases:
            if len(rows) == count:
                break
            release = json.loads(line)
            if release["id"] in seen:
                continue
            seen.add(release["id"])
            rows.append(
                {
                    "id": release["id"],
                    "title": release["title"],
                    "publication_date": release["date"],
                    "text": release["text"],
                }
            )
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    return rows


@dataclass(frozen=True)
class Measurement:
    actors: int
    threads: int
    run: int
    load_s: list[float]  # per actor: start of the actor process and model load, all actors at once
    wall_s: float  # the whole run_batch: Ray Data start, actors, model loads, extraction, writing
    steady_docs_per_s: float  # between the first and the last part written, once the models are loaded


def steady_rate(output: Path) -> float:
    """Documents per second from the first part's write to the last's (the rows after the first part)."""
    parts = sorted((p.stat().st_mtime, p.read_text("utf-8").count("\n")) for p in output.glob("part-*.jsonl"))
    return sum(rows for _, rows in parts[1:]) / (parts[-1][0] - parts[0][0])


def actor_load_seconds(actors: int, threads: int) -> list[float]:
    started = time.perf_counter()
    loader: Any = ray.remote(num_cpus=threads)(ExtractBatch)  # Ray's stubs do not type actor classes
    handles = [loader.remote(str(DEFAULT_ARTIFACT), threads, 1_000_000) for _ in range(actors)]
    pending = [handle.__ray_ready__.remote() for handle in handles]
    seconds = []
    while pending:
        ready, pending = ray.wait(pending, num_returns=1)
        ray.get(ready[0])
        seconds.append(time.perf_counter() - started)
    for handle in handles:
        ray.kill(handle)
    return seconds


def measure(archive: Path, work: Path, actors: int, threads: int, run: int, batch_size: int) -> Measurement:
    load_s = actor_load_seconds(actors, threads)
    time.sleep(2)  # let the killed actors' CPUs return to Ray
    output = work / f"out-{actors}-{run}"
    options = BatchOptions(
        archive,
        output,
        actors=actors,
        batch_size=batch_size,
        threads_per_actor=threads,
        part_size=batch_size,  # parts as often as batches: their times give the steady rate
        progress=False,
    )
    started = time.perf_counter()
    summary = run_batch(options)
    wall_s = time.perf_counter() - started
    assert summary.processed == summary.documents and summary.errors == 0, summary
    steady = steady_rate(output)
    shutil.rmtree(output)
    return Measurement(actors, threads, run, load_s, wall_s, steady)


def table(results: list[Measurement], docs: int, tokens: int) -> list[str]:
    lines = [
        "| actors | threads per actor | run | wall s | docs/s | tokens/s | actor start + model load s (each) "
        "| steady docs/s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for m in results:
        loads = ", ".join(f"{s:.1f}" for s in m.load_s)
        lines.append(
            f"| {m.actors} | {m.threads} | {m.run} | {m.wall_s:.1f} | {docs / m.wall_s:.2f} | "
            f"{tokens / m.wall_s:.0f} | {loads} | {m.steady_docs_per_s:.2f} |"
        )
    return lines


def means(results: list[Measurement], docs: int) -> list[str]:
    lines = []
    for actors in sorted({m.actors for m in results}):
        runs = [m for m in results if m.actors == actors]
        end_to_end = sum(docs / m.wall_s for m in runs) / len(runs)
        steady = sum(m.steady_docs_per_s for m in runs) / len(runs)
        lines.append(
            f"- {actors} actor(s) × {runs[0].threads} thread(s), mean of {len(runs)} run(s): "
            f"**{end_to_end:.2f} docs/s** end to end, {steady:.2f} docs/s steady."
        )
    return lines


def section(results: list[Measurement], docs: int, tokens: int, batch_size: int, cores: int) -> str:
    lines = [
        SECTION,
        "",
        f"Measured {dt.date.today().isoformat()} by `python -m bench.batch_throughput --record` on {cpu_model()}, "
        f"{cores} cores available, torch {torch.__version__}, Ray {ray.__version__}, Python "
        f"{platform.python_version()}. Input: the first {docs} White House releases (with distinct ids) of "
        f"`shared/data/whitehouse/releases.jsonl` as one JSONL file ({tokens} tokens, {tokens // docs} per "
        f"document); `newsevents batch` on a local Ray (`ray.init(num_cpus={cores})`), batch size {batch_size}, "
        "JSONL output.",
        "",
        *table(results, docs, tokens),
        "",
        *means(results, docs),
        '- "wall s", "docs/s" and "tokens/s" are end to end: Ray Data start, actor start, model load, '
        'extraction and writing the parts. "actor start + model load" is measured before each run with the same '
        'actors created together and timed to ready. "steady docs/s" counts the documents written between the '
        "first and the last output part (one part per batch here), once the models are loaded.",
        "- Two actors with one thread each against one actor with two threads: both use the two cores; two "
        "actors also load the model twice and hold it twice in memory (about 0.5 GB each).",
        "- The machine was shared with other CPU-heavy work while this ran, so the figures are noisy; compare "
        "runs made together, not with the table above.",
        "",
    ]
    return "\n".join(lines)


def record(path: Path, text: str) -> None:
    """Replace (or append) our section below the notes marker; above the marker stays as it is."""
    content = path.read_text(encoding="utf-8")
    head, marker, notes = content.partition(NOTES_MARKER)
    if not marker:
        raise SystemExit(f"{path} has no line {NOTES_MARKER!r}")
    before, found, after = notes.partition(SECTION)
    if found:
        following = after.find("\n## ")
        after = after[following + 1 :] if following >= 0 else ""
        notes = before + text + ("\n" + after if after else "")
    else:
        notes = notes.rstrip("\n") + "\n\n" + text
    path.write_text(head + marker + notes, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--actors", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--record", action="store_true", help="write the section into docs/performance.md")
    args = parser.parse_args()
    cores = len(os.sched_getaffinity(0))
    work = Path(tempfile.mkdtemp(prefix="nb-bench-"))
    try:
        archive = work / "archive.jsonl"
        rows = write_archive(archive, args.docs)
        tokenizer = load_model(DEFAULT_ARTIFACT).tokenizer
        tokens = sum(len(tokenize(tokenizer, row["text"]).ids) for row in rows)
        os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
        ray.init(num_cpus=cores, include_dashboard=False, _temp_dir=str(work / "ray"), log_to_driver=False)
        results = [
            measure(archive, work, actors, max(1, cores // actors), run, args.batch_size)
            for run in range(1, args.repeat + 1)
            for actors in args.actors
        ]
    finally:
        ray.shutdown()
        shutil.rmtree(work, ignore_errors=True)
    print("\n".join(table(results, args.docs, tokens)))
    if args.record:
        record(ROOT / "docs" / "performance.md", section(results, args.docs, tokens, args.batch_size, cores))


if __name__ == "__main__":
    main()
