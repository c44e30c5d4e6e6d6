"""Which runtime runs the encoder's forward passes: torch (the default) or ONNX Runtime (the
optional `onnx` extra). The heads and decoding always run in torch."""

from __future__ import annotations

from .inference import Encode
from .network import EventModel

BACKENDS = ("torch", "onnx")
DEFAULT_BACKEND = "torch"


def make_encoder(network: EventModel, backend: str = DEFAULT_BACKEND, threads: int = 1) -> Encode:
    """The encoder for `backend`, running on `threads` intra-op threads (torch's are set globally)."""
    if backend == "torch":
        return network.encode
    if backend == "onnx":
        try:
            from .onnx_backend import onnx_encoder
        except ImportError as error:
            raise RuntimeError(
                f"backend 'onnx' needs onnxruntime and onnx: pip install 'newsevents-service[onnx]' ({error})"
            ) from error
        return onnx_encoder(network.encoder, threads)
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")
