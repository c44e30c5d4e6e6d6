"""Container health probe: one grpc.health.v1.Health/Check call; exit 0 only on SERVING.

Used by the image's HEALTHCHECK (and by scripts/container-smoke.sh). It reads the port the
server listens on from NEWSEVENTS_PORT (default 50051) and checks the overall status ("").

    python scripts/health_probe.py [--address HOST:PORT] [--service NAME] [--timeout SECONDS]

Exit status: 0 SERVING, 1 any other status or an error (connection refused, deadline).
"""

from __future__ import annotations

import argparse
import os
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def check(address: str, service: str = "", timeout: float = 3.0) -> str:
    """The serving status name the server reports for `service`."""
    with grpc.insecure_channel(address) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        response = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
    return health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)


def main(argv: list[str] | None = None) -> int:
    port = os.environ.get("NEWSEVENTS_PORT", "50051")
    parser = argparse.ArgumentParser(description="Exit 0 only when the NewsEvents server reports SERVING.")
    parser.add_argument("--address", default=f"127.0.0.1:{port}", help="server address (default %(default)s)")
    parser.add_argument("--service", default="", help='service name to check (default "": the whole server)')
    parser.add_argument("--timeout", type=float, default=3.0, help="seconds to wait (default %(default)s)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    args = parser.parse_args(argv)
    try:
        status = check(args.address, args.service, args.timeout)
    except grpc.RpcError as error:
        status = f"{error.code().name}: {error.details()}"
    if not args.quiet:
        print(status)
    return 0 if status == "SERVING" else 1


if __name__ == "__main__":
    sys.exit(main())
