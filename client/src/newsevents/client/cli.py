"""`newsevents extract FILE|- [--date YYYY-MM-DD] [--server HOST:PORT]`: print the events as JSON."""

from __future__ import annotations

import argparse
import json
import sys

from .errors import NewsEventsError
from .sync_client import EventsClient


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
    args = parser.parse_args(argv)
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
