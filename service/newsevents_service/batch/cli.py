"""`newsevents batch --input ARCHIVE --output FOLDER [...]`: extract events from an archive with Ray Data."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from newsevents_service.api.config import ServerConfig
from newsevents_service.model.artifacts import DEFAULT_ARTIFACT

from .io import FORMATS, format_of
from .runner import BatchOptions, run_batch


def parse_options(argv: list[str] | None = None) -> BatchOptions:
    parser = argparse.ArgumentParser(
        prog="newsevents batch",
        description="Extract events from a JSONL or Parquet archive with Ray Data; re-running resumes. "
        "See docs/batch.md.",
    )
    parser.add_argument("--input", type=Path, required=True, help="JSONL (.jsonl) or Parquet (.parquet) file")
    parser.add_argument("--output", type=Path, required=True, help="folder for the output parts")
    parser.add_argument(
        "--format",
        choices=FORMATS,
        help="output format (default: from the --output name's extension if it has one, else the input's format)",
    )
    parser.add_argument("--actors", type=int, default=1, help="extractor actors, one model each (default %(default)s)")
    parser.add_argument("--batch-size", type=int, default=16, help="documents per engine call (default %(default)s)")
    parser.add_argument(
        "--threads-per-actor", type=int, default=0, help="torch threads (and Ray CPUs) per actor; 0: CPUs / actors"
    )
    parser.add_argument(
        "--part-size", type=int, default=500, help="rows per output part, the unit of resuming (default %(default)s)"
    )
    parser.add_argument(
        "--ray-address", help="Ray cluster to use: 'auto', 'ray://HEAD:10001', ... (default: start a local Ray)"
    )
    parser.add_argument("--model-dir", type=Path, default=DEFAULT_ARTIFACT, help="model artifact folder")
    parser.add_argument(
        "--max-text-length",
        type=int,
        default=ServerConfig.max_text_length,
        help="longer texts get a TEXT_TOO_LONG error row, as on the server (default %(default)s)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    for name in ("actors", "batch_size", "part_size"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.threads_per_actor < 0:
        parser.error("--threads-per-actor must be 0 or more")
    return BatchOptions(
        input=args.input,
        output=args.output,
        output_format=args.format or format_of(args.output) or format_of(args.input) or "jsonl",
        actors=args.actors,
        batch_size=args.batch_size,
        threads_per_actor=args.threads_per_actor,
        part_size=args.part_size,
        ray_address=args.ray_address,
        model_dir=args.model_dir,
        max_text_length=args.max_text_length,
        progress=not args.no_progress,
    )


def main(argv: list[str] | None = None) -> int:
    options = parse_options(argv)
    logging.basicConfig(level=logging.INFO if options.progress else logging.WARNING, format="%(message)s")
    try:
        summary = run_batch(options)
    except (ValueError, FileNotFoundError) as error:
        print(f"newsevents batch: {error}", file=sys.stderr)
        return 2
    print(
        f"newsevents batch: {summary.documents} documents in {options.input}: {summary.done_before} done before, "
        f"{summary.processed} processed now ({summary.errors} with an error) in {summary.parts_written} parts "
        f"under {options.output}, {summary.seconds:.1f}s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
