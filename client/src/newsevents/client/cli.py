"""`newsevents extract FILE|- [--date YYYY-MM-DD] [--server HOST:PORT]`: print the events as JSON.

`newsevents batch --input ARCHIVE --output FOLDER ...` runs the engine over an archive with Ray; it
lives in the service distribution (`newsevents-service[batch]`), imported only when called.
"""

from __future__ import annotations

import argparse
import json
import sys

from .errors import NewsEventsError
from .sync_client import EventsClient

# Top-level modules whose absence means the batch extra is not installed (not a bug to show).
_BATCH_REQUIREMENTS = {"newsevents_service", "ray", "pyarrow"}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="newsevents", description="NewsEvents command line")
    commands = parser.add_subparsers(dest="command", required=True)
    extract = commands.add_parser("extract", help="extract the events of one article")
    extract.add_argument("file", help="article text file, or - for standard input")
    extract.add_argument("--date", help="publication date, YYYY-MM-DD")
    extract.add_argument("--title", help="headline")
    extract.add_argument("--id", default="", help="document id to echo")
    extract.add_argument("--server", default="localhost:50051", help="HOST:PORT (default %(default)s)")
    extract.add_argument("--timeout", type=float, default=60.0, help="seconds (default %(default)s)")
    extract.add_argument("--token", help="bearer token, if the server requires one")
    commands.add_parser(
        "batch",
        add_help=False,  # its options, --help included, belong to newsevents_service.batch
        help="extract the events of a JSONL/Parquet archive with Ray (needs newsevents-service[batch])",
    )
    args, rest = parser.parse_known_args(argv)
    if args.command == "batch":
        return _batch(rest)
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    return _extract(args)


def _batch(argv: list[str]) -> int:
    try:
        from newsevents_service.batch.cli import main as batch_main
    except ModuleNotFoundError as missing:
        if (missing.name or "").split(".")[0] not in _BATCH_REQUIREMENTS:
            raise
        print(
            f"newsevents batch needs the service with Ray ({missing.name} is missing): "
            "pip install 'newsevents-service[batch]'",
            file=sys.stderr,
        )
        return 2
    return batch_main(argv)


def _extract(args: argparse.Namespace) -> int:
    if args.file == "-":
        text = sys.stdin.read()
    else:
        with open(args.file, encoding="utf-8") as f:
            text = f.read()
    try:
        with EventsClient(args.server, timeout=args.timeout, token=args.token) as client:
            result = client.extract(text, publication_date=args.date, title=args.title, document_id=args.id)
    except NewsEventsError as error:
        print(
            json.dumps(
                {
                    "error": {
                        "code": error.code.name,
                        "reason": error.reason,
                        "message": error.message,
                        "metadata": error.metadata,
                    }
                }
            ),
            file=sys.stderr,
        )
        return 1
    print(json.dumps(result.to_dict(), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
