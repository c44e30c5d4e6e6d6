"""Which runtime runs the encoder's forward passes: torch on the CPU with int8 linear layers
(model.int8), torch in bfloat16 (model.bf16), torch in float32, ONNX Runtime (float32, the optional
`onnx` extra), or torch on a CUDA GPU (float32). The default, `auto`, takes bf16 on a CPU with AMX
where its results do not depend on the batch, and int8 elsewhere. The heads and decoding always run
in torch on the CPU, in float32."""

from __future__ import annotations

import copy
import logging
import warnings
from typing import NamedTuple

import torch
from torch import nn

from .artifacts import torch_threads
from .bf16 import has_amx, to_bf16
from .inference import Encode
from .int8 import quantise_linears
from .network import EventModel

BACKENDS = ("auto", "int8", "bf16", "torch", "onnx", "cuda")
DEFAULT_BACKEND = "auto"
# bf16 keeps 8 bits of mantissa; its traced and eager encoders round in another order (0.07 apart here)
_BF16_TRACE_TOLERANCE = 0.25

log = logging.getLogger(__name__)


class Runtime(NamedTuple):
    backend: str  # one of BACKENDS other than "auto": what runs
    encode: Encode


def make_encoder(network: EventModel, backend: str = DEFAULT_BACKEND, threads: int = 1) -> Runtime:
    """The encoder for `backend`, running on `threads` intra-op threads (torch's are set globally)."""
    if backend == "auto":
        return auto_encoder(network, threads)
    return Runtime(backend, _encoder(network, backend, threads))


def _encoder(network: EventModel, backend: str, threads: int) -> Encode:
    if backend == "bf16":
        if not has_amx():
            log.warning("this CPU has no AMX: bf16 is emulated and slower than int8 here")
        return bf16_encoder(network.encoder)
    if backend == "int8":
        quantise_linears(network.encoder.encoder)  # the transformer layers; embeddings stay float32
        return traced_encoder(network.encoder)
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


def auto_encoder(network: EventModel, threads: int) -> Runtime:
    """bf16 on a CPU with AMX, if a window gets the same hidden states there alone and batched; else int8."""
    if has_amx():
        encoder = copy.deepcopy(network.encoder)  # the int8 fallback needs the float32 weights
        encode = bf16_encoder(encoder)
        if batch_invariant(encode, threads):
            network.encoder = encoder
            log.info("encoder runtime: bf16 (the CPU has AMX)")
            return Runtime("bf16", encode)
        log.warning("bf16 results on this CPU change with the batch; running the int8 encoder instead")
    log.info("encoder runtime: int8")
    return make_encoder(network, "int8", threads)


def bf16_encoder(encoder: nn.Module) -> Encode:
    """`encoder` turned to bf16 (model.bf16) and traced; hidden states come back in float32 for the heads."""
    traced = traced_encoder(to_bf16(encoder), tolerance=_BF16_TRACE_TOLERANCE)

    def encode(input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return traced(input_ids, attention_mask).float()

    return encode


def batch_invariant(encode: Encode, threads: int) -> bool:
    """Whether each window of a few example batches gets the same hidden states computed alone on one
    thread as in its batch on `threads` threads (the batcher runs batches either way)."""
    with torch.inference_mode():
        for rows, width in ((4, 64), (3, 256)):
            ids, mask = _example(rows, width)
            with torch_threads(threads):
                batch = encode(ids, mask)
            with torch_threads(1):
                alone = [encode(ids[i : i + 1], mask[i : i + 1])[0] for i in range(rows)]
            if not all(torch.equal(row, batch[i]) for i, row in enumerate(alone)):
                return False
    return True


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


class _LastHidden(nn.Module):
    def __init__(self, encoder: nn.Module) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def _example(rows: int, width: int) -> tuple[torch.Tensor, torch.Tensor]:
    ids = torch.arange(rows * width).reshape(rows, width) % 100 + 1
    mask = torch.ones_like(ids)
    mask[-1, width // 2 :] = 0  # padding, so the trace keeps the attention mask for every input
    return ids, mask


def traced_encoder(encoder: nn.Module, tolerance: float = 1e-5) -> Encode:
    """The encoder as a TorchScript trace. Its forward runs without the GIL and without Python's
    dispatch of each of the int8 layers' ~700 small ops, so two batches computed side by side (and
    the server's own threads) no longer queue for the interpreter: short articles 138 vs 111-121/s
    in-process (docs/performance.md). The trace is checked against the eager encoder on another
    shape; if they differ (a transformers release that branches on shapes, say), the eager one is used."""
    eager = _LastHidden(encoder).eval()
    with torch.inference_mode(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # tracer and deprecation notices about transformers' code
        traced = torch.jit.trace(eager, _example(2, 64), check_trace=False)
        probe = _example(3, 96)
        if not torch.allclose(traced(*probe), eager(*probe), atol=tolerance):
            log.warning("the traced encoder differs from the eager one; running the eager encoder")
            return eager
    return traced
