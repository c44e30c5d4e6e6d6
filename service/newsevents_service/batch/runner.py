"""The batch run: input rows not yet in the output -> Ray Data actors (one model each) -> output parts.

The driver reads the input, leaves out the ids that complete output parts already hold, hands the
rest to `map_batches` over a pool of ExtractBatch actors, and writes each `part_size` rows that come
back as one part. Stopping the run at any point loses at most the rows not yet in a part.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import pyarrow as pa
import ray
import ray.data

from newsevents_service.api.config import ServerConfig
from newsevents_service.api.errors import ServiceError, internal
from newsevents_service.api.validation import to_engine_request
from newsevents_service.engine.extractor import Extractor, Request
from newsevents_service.engine.types import ExtractionResult
from newsevents_service.model.artifacts import DEFAULT_ARTIFACT

from .io import OutputParts, Row, read_input
from .rows import error_row, request_message, result_row

log = logging.getLogger("newsevents.batch")


@dataclass(frozen=True)
class BatchOptions:
    input: Path
    output: Path
    output_format: str = "jsonl"
    actors: int = 1
    batch_size: int = 16  # documents per extract_many call (and per Ray Data block)
    threads_per_actor: int = 0  # 0: the cluster's CPUs shared out among the actors
    part_size: int = 500  # rows per output part: the most work an interruption can lose
    ray_address: str | None = None  # None: a local Ray; "auto", "ray://head:10001": a cluster
    model_dir: Path = DEFAULT_ARTIFACT
    max_text_length: int = ServerConfig.max_text_length
    progress: bool = True


@dataclass(frozen=True)
class BatchSummary:
    documents: int  # rows in the input
    done_before: int  # left out: their ids were already in complete output parts
    processed: int
    errors: int  # of the processed rows, those written with an `error`
    parts_written: int
    seconds: float


class ExtractBatch:
    """A Ray Data actor: loads the model once, then turns batches of input rows into output rows."""

    def __init__(self, model_dir: str, threads: int, max_text_length: int) -> None:
        started = time.monotonic()
        self.extractor = Extractor(model_dir, threads=threads)
        self.max_text_length = max_text_length
        log.info("model loaded in %.1fs with %d threads", time.monotonic() - started, threads)

    def __call__(self, batch: pa.Table) -> pa.Table:
        rows = extract_rows(self.extractor, batch.to_pylist(), self.max_text_length)
        # JSON text, not nested Arrow columns: the rows' shapes differ (event kinds, error or not).
        return pa.table({"row": [json.dumps(row, ensure_ascii=False) for row in rows]})


def extract_rows(extractor: Extractor, rows: Sequence[dict[str, Any]], max_text_length: int) -> list[dict[str, Any]]:
    """One output row per input row, in order: the response, or an error for a row the server would refuse."""
    output: list[dict[str, Any] | None] = [None] * len(rows)
    valid: list[tuple[int, Request]] = []
    for index, row in enumerate(rows):
        try:
            valid.append((index, to_engine_request(request_message(row), max_text_length)))
        except ServiceError as error:
            output[index] = error_row(row["id"], error)
    results = _extract(extractor, [(rows[i]["id"], request) for i, request in valid])
    for (index, _), result in zip(valid, results, strict=True):
        doc_id = rows[index]["id"]
        output[index] = error_row(doc_id, result) if isinstance(result, ServiceError) else result_row(doc_id, result)
    return [row for row in output if row is not None]


def _extract(extractor: Extractor, requests: list[tuple[str, Request]]) -> list[ExtractionResult | ServiceError]:
    """One batched call; if it fails, one call per document, so only the failing documents get an error."""
    if not requests:
        return []
    try:
        return list(extractor.extract_many([request for _, request in requests]))
    except Exception:
        log.exception("a batch of %d documents failed; extracting them one by one", len(requests))
    return [_extract_one(extractor, doc_id, request) for doc_id, request in requests]


def _extract_one(extractor: Extractor, doc_id: str, request: Request) -> ExtractionResult | ServiceError:
    try:
        return extractor.extract_many([request])[0]
    except Exception:
        log.exception("extraction failed for document id=%s", doc_id)
        return internal("extraction failed; see the batch log")


def run_batch(options: BatchOptions) -> BatchSummary:
    started = time.monotonic()
    rows = read_input(options.input)
    parts = OutputParts(options.output, options.output_format)
    done = parts.done_ids()
    todo = [row for row in rows if row["id"] not in done]
    processed = errors = written = 0
    if todo:
        with _ray(options.ray_address):
            for output in _output_batches(todo, options):
                parts.write(output)
                processed += len(output)
                errors += sum("error" in row for row in output)
                written += 1
    return BatchSummary(len(rows), len(rows) - len(todo), processed, errors, written, time.monotonic() - started)


@contextlib.contextmanager
def _ray(address: str | None) -> Iterator[None]:
    """Use the Ray this process is connected to, or connect (local when address is None) for the run."""
    if ray.is_initialized():
        yield
        return
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    ray.init(address=address, include_dashboard=False)
    try:
        yield
    finally:
        ray.shutdown()


def _output_batches(todo: list[Row], options: BatchOptions) -> Iterator[list[dict[str, Any]]]:
    ray.data.DataContext.get_current().enable_progress_bars = options.progress
    threads = options.threads_per_actor or _threads_per_actor(options.actors)
    # Blocks of one batch each, so that every actor of the pool gets work from the start. from_items
    # describes the blocks in this process (from_arrow starts a Ray task per block for that).
    blocks = math.ceil(len(todo) / options.batch_size)
    dataset = ray.data.from_items(todo, override_num_blocks=blocks).map_batches(
        ExtractBatch,
        fn_constructor_kwargs={
            "model_dir": str(options.model_dir),
            "threads": threads,
            "max_text_length": options.max_text_length,
        },
        batch_size=options.batch_size,
        batch_format="pyarrow",
        compute=ray.data.ActorPoolStrategy(size=options.actors),
        num_cpus=threads,
    )
    for batch in dataset.iter_batches(batch_size=options.part_size, batch_format="pyarrow"):
        yield [json.loads(text) for text in cast(pa.Table, batch).column("row").to_pylist()]


def _threads_per_actor(actors: int) -> int:
    cpus = int(ray.cluster_resources().get("CPU", 1))
    if cpus < actors:
        log.warning("%d actors asked for, but Ray has %d CPUs: some will wait for room", actors, cpus)
    return max(1, cpus // actors)
