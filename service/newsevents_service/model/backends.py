"""Which runtime runs the encoder's forward passes: torch on the CPU with int8 linear layers (the
default, model.int8), torch in float32, ONNX Runtime (float32, the optional `onnx` extra), or torch on
a CUDA GPU (float32). The heads and decoding always run in torch on the CPU, in float32."""

from __future__ import annotations

import torch

from .inference import Encode
from .int8 import quantise_linears
from .network import EventModel

BACKENDS = ("int8", "torch", "onnx", "cuda")
DEFAULT_BACKEND = "int8"


def make_encoder(network: EventModel, backend: str = DEFAULT_BACKEND, threads: int = 1) -> Encode:
    """The encoder for `backend`, running on `threads` intra-op threads (torch's are set globally)."""
    if backend == "int8":
        quantise_linears(network.encoder.encoder)  # the transformer layers; embeddings stay float32
        return network.encode
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
    if backend == "cuda":
        return cuda_encoder(network)
    raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(BACKENDS)}")


def cuda_encoder(network: EventModel) -> Encode:
    """The encoder moved to the GPU (float32, as on the CPU); hidden states come back to the CPU,
    where the heads and decoding run."""
    if not torch.cuda.is_available():
        raise RuntimeError("backend 'cuda' needs a CUDA build of torch and a visible GPU")
    device = torch.device("cuda")
    encoder = network.encoder
    encoder.to(device)  # type: ignore[arg-type]  # transformers' typed wrapper of Module.to

    def encode(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        ids, mask = input_ids.to(device, non_blocking=True), attention_mask.to(device, non_blocking=True)
        return encoder(input_ids=ids, attention_mask=mask).last_hidden_state.float().cpu()

    return encode
