"""The naive peer, served: the same model behind the same gRPC method, the way it is often served first.

usage: python -m bench.naive_server --port PORT [--workers 16] [--backend torch|int8|onnx|cuda]

A synchronous `grpc.server` with a thread pool; every call runs the engine on its own document in
its own handler thread (one forward per request over the article's windows, float32, torch's
default threads, no queue and no batching across requests), then converts the result with the
service's own conversion, so its answers are the real server's (same accuracy). Used by
`bench.service_benchmark`; not part of the product.
"""

from __future__ import annotations

import argparse
from concurrent import futures

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc
from newsevents_service.api import convert
from newsevents_service.api.validation import to_engine_request
from newsevents_service.engine.extractor import Extractor
from newsevents_service.model.backends import BACKENDS

MAX_TEXT_LENGTH = 1_000_000


class NaiveServicer(pb_grpc.EventExtractionServiceServicer):
    def __init__(self, extractor: Extractor) -> None:
        self.extractor = extractor

    def ExtractEvents(
        self, request: pb.ExtractEventsRequest, context: grpc.ServicerContext
    ) -> pb.ExtractEventsResponse:
        engine_request = to_engine_request(request, MAX_TEXT_LENGTH)
        result = self.extractor.extract_many([engine_request])[0]
        return convert.response(request.document.id, result)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--backend", choices=BACKENDS, default="torch", help="runtime of the encoder (float32: torch)")
    args = parser.parse_args()
    extractor = Extractor(backend=args.backend)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=args.workers))
    servicer = NaiveServicer(extractor)  # type: ignore[abstract]  # only ExtractEvents is benchmarked
    pb_grpc.add_EventExtractionServiceServicer_to_server(servicer, server)
    health_servicer = health.HealthServicer()
    health_servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    server.add_insecure_port(f"127.0.0.1:{args.port}")
    server.start()
    server.wait_for_termination()


if __name__ == "__main__":
    main()
