"""Server settings: each command-line flag also reads an environment variable NEWSEVENTS_<FLAG>."""

from __future__ import annotations

import argparse
import os
from dataclasses import dataclass, fields
from pathlib import Path

from newsevents_service.model.artifacts import DEFAULT_ARTIFACT

ENV_PREFIX = "NEWSEVENTS_"


@dataclass(frozen=True)
class ServerConfig:
    host: str = "[::]"
    port: int = 50051
    model_dir: Path = DEFAULT_ARTIFACT
    threads: int = 0  # 0: the CPUs this process may use
    backend: str = "auto"  # the encoder's runtime: auto, int8, bf16, torch, onnx or cuda (model.backends)
    max_text_length: int = 1_000_000
    max_message_bytes: int = 8 * 1024 * 1024
    max_batch: int = 4
    batch_wait_ms: float = 5.0
    inference_workers: int = 2
    max_pending: int = 64
    grace_seconds: float = 30.0
    default_timeout_seconds: float = 120.0
    log_level: str = "INFO"
    max_connection_age_seconds: float = 0.0  # 0: connections live until the client closes them
    metrics_port: int = 9464  # -1: no metrics endpoint; 0: any free port
    metrics_host: str = "0.0.0.0"
    otlp_endpoint: str = ""  # set: OpenTelemetry traces go there (OTLP/gRPC)
    trace_exporter: str = ""  # "": otlp when otlp_endpoint is set, else off; or "off", "otlp", "console"
    tls_cert_file: str = ""
    tls_key_file: str = ""
    tls_client_ca_file: str = ""
    auth_tokens: str = ""
    auth_tokens_file: str = ""

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"


_HELP = {
    "host": "address to listen on",
    "port": "port to listen on",
    "model_dir": "model artifact folder",
    "threads": "torch threads; 0 uses the CPUs available to the process",
    "backend": "runtime of the encoder's forward passes: auto (bf16 on a CPU with AMX, else int8), "
    "int8 (CPU, int8 linear layers), bf16 (CPU, bfloat16), torch (CPU, float32), "
    "onnx (ONNX Runtime, float32, needs the onnx extra) or cuda (a GPU, needs a CUDA build of torch)",
    "max_text_length": "largest accepted document.text, in characters",
    "max_message_bytes": "largest accepted request message, in bytes",
    "max_batch": "most documents in one forward batch",
    "batch_wait_ms": "how long the first document of a batch waits for others",
    "inference_workers": "batches computed at once; a lone call uses every torch thread, batches under load one each",
    "max_pending": "documents allowed to wait; more get RESOURCE_EXHAUSTED",
    "grace_seconds": "how long SIGTERM lets in-flight calls finish",
    "default_timeout_seconds": "work budget of a call that sets no deadline",
    "log_level": "DEBUG, INFO, WARNING or ERROR",
    "max_connection_age_seconds": "close client connections after this age (with the grace period to finish calls) "
    "so that clients reconnect and spread over new replicas; 0 keeps them",
    "metrics_port": "Prometheus /metrics HTTP port; -1 turns it off, 0 picks a free port",
    "metrics_host": "address of the metrics endpoint",
    "otlp_endpoint": "OTLP/gRPC collector for OpenTelemetry traces, e.g. http://otel-collector:4317; "
    "setting it turns tracing on (needs the tracing extra)",
    "trace_exporter": "off, otlp or console (spans as JSON on stdout, for debugging); "
    "empty: otlp when --otlp-endpoint is set, else off",
    "tls_cert_file": "PEM certificate chain of the server; with --tls-key-file turns TLS on",
    "tls_key_file": "PEM private key of the server",
    "tls_client_ca_file": "PEM CA bundle; client certificates signed by it are required (mutual TLS)",
    "auth_tokens": "comma-separated bearer tokens; when set, calls need 'authorization: Bearer <token>'",
    "auth_tokens_file": "file with one bearer token per line (kept out of the process list)",
}


def parse_config(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> ServerConfig:
    env = os.environ if environ is None else environ
    parser = argparse.ArgumentParser(prog="newsevents-server", description="Serve the NewsEvents gRPC API.")
    defaults = ServerConfig()
    for f in fields(ServerConfig):
        env_name = ENV_PREFIX + f.name.upper()
        kind = type(getattr(defaults, f.name))
        default = kind(env[env_name]) if env_name in env else getattr(defaults, f.name)
        parser.add_argument(
            "--" + f.name.replace("_", "-"),
            type=kind,
            default=default,
            help=f"{_HELP[f.name]} (env {env_name}; default %(default)s)",
        )
    args = parser.parse_args(argv)
    return ServerConfig(**vars(args))
