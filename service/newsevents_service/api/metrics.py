"""Prometheus metrics, served on their own HTTP port (`--metrics-port`, 0 = off)."""

from __future__ import annotations

from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)


class Metrics:
    """One registry per server, so that several servers (tests) never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._http: Any = None
        r = self.registry
        self.requests = Counter(
            "newsevents_requests_total",
            "Calls and stream documents by method and status code",
            ["method", "code"],
            registry=r,
        )
        self.latency = Histogram(
            "newsevents_request_latency_seconds",
            "Latency per document by method",
            ["method"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.documents = Counter("newsevents_documents_total", "Documents processed", registry=r)
        self.tokens = Counter("newsevents_tokens_total", "Model tokens processed", registry=r)
        self.events = Counter("newsevents_events_total", "Events extracted by type", ["type"], registry=r)
        self.batch_size = Histogram(
            "newsevents_batch_size", "Documents per forward batch", buckets=(1, 2, 4, 8, 16, 32), registry=r
        )
        self.queue_depth = Gauge("newsevents_queue_depth", "Documents waiting for the model", registry=r)
        self.model_load_seconds = Gauge("newsevents_model_load_seconds", "Time the model took to load", registry=r)

    def serve(self, port: int, host: str = "0.0.0.0") -> int:
        """Start the HTTP exporter; returns the bound port."""
        self._http, _ = start_http_server(port, addr=host, registry=self.registry)
        return int(self._http.server_port)

    def close(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None
