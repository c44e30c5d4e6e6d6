"""`newsevents-server`: the grpc.aio server with health, reflection and graceful shutdown.

The port opens at once with health NOT_SERVING; the model loads in a thread; health turns
SERVING when it is ready. SIGTERM/SIGINT: health NOT_SERVING, new calls refused, in-flight
calls finish within the grace period, exit 0.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from newsevents.v1 import event_extraction_service_pb2 as pb
from newsevents.v1 import event_extraction_service_pb2_grpc as pb_grpc

from . import tracing
from .batcher import Batcher, ExtractMany, SetThreads, inference_thread
from .config import ServerConfig, parse_config
from .metrics import Metrics
from .model_info import model_info
from .security import BearerTokenInterceptor, parse_tokens, server_credentials
from .servicer import EventExtractionServicer

if TYPE_CHECKING:
    from opentelemetry.sdk.trace import TracerProvider

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["EventExtractionService"].full_name
log = logging.getLogger("newsevents.server")


@dataclass(frozen=True)
class Engine:
    """What the server needs from the engine (the real Extractor, or a test double)."""

    extract_many: ExtractMany
    info: pb.ModelInfo
    threads: int = 1
    set_threads: SetThreads | None = None  # per inference thread (the batcher shares `threads` out)
    runtime: str = ""  # the encoder's backend (model.backends), for the log


def load_engine(config: ServerConfig) -> Engine:
    from newsevents_service.engine.extractor import Extractor
    from newsevents_service.model.artifacts import set_threads

    extractor = Extractor(config.model_dir, threads=config.threads or None, backend=config.backend)
    info = model_info(extractor.model.meta, extractor.model.card, config.max_text_length)
    return Engine(extractor.extract_many, info, extractor.threads, set_threads, extractor.runtime)


class NewsEventsServer:
    """One server instance; `start` returns once the port listens, `wait_ready` once SERVING."""

    def __init__(
        self,
        config: ServerConfig,
        engine_factory: Callable[[ServerConfig], Engine] = load_engine,
        tracer_provider: TracerProvider | None = None,
    ) -> None:
        self.config = config
        self.engine_factory = engine_factory
        # Tracing: the given provider (tests), else one from the settings (None: off; raises TracingError).
        self._owns_tracer_provider = tracer_provider is None
        self.tracer_provider = tracer_provider or tracing.tracer_provider(config)
        self.metrics = Metrics()
        self.metrics_port = 0
        self.servicer = EventExtractionServicer(
            config.max_text_length,
            config.default_timeout_seconds,
            # a batch computing on every worker and one more queued for each, so none waits on the stream
            stream_window=2 * config.max_batch * config.inference_workers,
            metrics=self.metrics,
        )
        self.batcher: Batcher | None = None
        self.port = 0
        self._load_task: asyncio.Task[None] | None = None

    async def start(self) -> int:
        # The aio server and health servicer belong to the loop that runs them: made here.
        options = [
            ("grpc.max_receive_message_length", self.config.max_message_bytes),
            ("grpc.max_send_message_length", self.config.max_message_bytes * 4),
        ]
        if self.config.max_connection_age_seconds > 0:
            options += [
                ("grpc.max_connection_age_ms", int(self.config.max_connection_age_seconds * 1000)),
                ("grpc.max_connection_age_grace_ms", int(self.config.grace_seconds * 1000)),
            ]
        tokens = parse_tokens(self.config.auth_tokens, self.config.auth_tokens_file)
        interceptors = tracing.interceptors(self.tracer_provider)  # outermost: failed auth is traced too
        if tokens:
            interceptors.append(BearerTokenInterceptor(tokens))
        self.server = grpc.aio.server(options=options, interceptors=interceptors)
        self.health = health.aio.HealthServicer()
        pb_grpc.add_EventExtractionServiceServicer_to_server(self.servicer, self.server)
        health_pb2_grpc.add_HealthServicer_to_server(self.health, self.server)
        reflection.enable_server_reflection([SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME], self.server)
        if self.config.tls_cert_file:
            credentials = server_credentials(
                self.config.tls_cert_file, self.config.tls_key_file, self.config.tls_client_ca_file
            )
            self.port = self.server.add_secure_port(self.config.address, credentials)
        else:
            self.port = self.server.add_insecure_port(self.config.address)
        if self.port == 0:
            raise RuntimeError(f"cannot listen on {self.config.address}")
        await self._set_health(health_pb2.HealthCheckResponse.NOT_SERVING)
        await self.server.start()
        if self.config.metrics_port >= 0:
            self.metrics_port = self.metrics.serve(self.config.metrics_port, self.config.metrics_host)
            log.info("metrics on http://%s:%d/metrics", self.config.metrics_host, self.metrics_port)
        log.info("listening on %s (port %d)", self.config.host, self.port)
        if self.tracer_provider is not None:
            endpoint = self.config.otlp_endpoint or "OTEL_EXPORTER_OTLP_ENDPOINT or localhost:4317"
            log.info("tracing on: exporter %s (OTLP endpoint %s)", tracing.exporter_kind(self.config), endpoint)
        self._load_task = asyncio.get_running_loop().create_task(self._load())
        return self.port

    async def _load(self) -> None:
        started = time.monotonic()
        # Loaded on the first inference thread: no other thread may form an OpenMP team (batcher.py).
        engine_thread = inference_thread(0)
        try:
            engine = await asyncio.get_running_loop().run_in_executor(engine_thread, self.engine_factory, self.config)
        except BaseException:
            engine_thread.shutdown(wait=False)
            raise
        self.metrics.model_load_seconds.set(time.monotonic() - started)
        elapsed = time.monotonic() - started
        log.info("model %s loaded in %.1fs, encoder runtime %s", engine.info.version, elapsed, engine.runtime or "n/a")
        self.batcher = Batcher(
            engine.extract_many,
            max_batch=self.config.max_batch,
            max_wait_ms=self.config.batch_wait_ms,
            max_pending=self.config.max_pending,
            workers=self.config.inference_workers,
            threads=engine.threads,
            set_threads=engine.set_threads,
            on_batch=self.metrics.batch_size.observe,
            engine_thread=engine_thread,
        )
        self.batcher.start()
        batcher = self.batcher
        self.metrics.queue_depth.set_function(lambda: batcher.pending)
        self.servicer.ready(self.batcher, engine.info)
        await self._set_health(health_pb2.HealthCheckResponse.SERVING)

    async def wait_ready(self) -> None:
        """Return once the model is loaded and health is SERVING; raise if loading failed."""
        assert self._load_task is not None, "start() first"
        await asyncio.shield(self._load_task)

    async def _set_health(self, status: health_pb2.HealthCheckResponse.ServingStatus.ValueType) -> None:
        await self.health.set("", status)
        await self.health.set(SERVICE_NAME, status)

    async def stop(self, grace: float | None = None) -> None:
        """Drain: NOT_SERVING, refuse new calls, let in-flight ones finish within `grace`."""
        await self.health.enter_graceful_shutdown()
        await self.server.stop(self.config.grace_seconds if grace is None else grace)
        if self.batcher is not None:
            await self.batcher.close()
        self.metrics.close()
        if self.tracer_provider is not None and self._owns_tracer_provider:
            self.tracer_provider.shutdown()  # exports the spans still buffered
        if self._load_task is not None and not self._load_task.done():
            self._load_task.cancel()


class _JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "call", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry)


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_JsonFormatter())
    logging.basicConfig(level=level.upper(), handlers=[handler], force=True)


async def serve(config: ServerConfig) -> int:
    server = NewsEventsServer(config)
    await server.start()
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    stopping = asyncio.ensure_future(stop.wait())
    ready = asyncio.ensure_future(server.wait_ready())
    await asyncio.wait([ready, stopping], return_when=asyncio.FIRST_COMPLETED)
    if ready.done() and ready.exception():
        log.error("model failed to load: %s", ready.exception())
        await server.stop(0)
        return 1
    await stopping
    log.info("shutting down: draining for up to %.0fs", config.grace_seconds)
    await server.stop()
    log.info("stopped")
    return 0


def main(argv: list[str] | None = None) -> int:
    config = parse_config(argv)
    configure_logging(config.log_level)
    try:
        return asyncio.run(serve(config))
    except tracing.TracingError as error:
        log.error("%s", error)
        return 2


if __name__ == "__main__":
    sys.exit(main())
