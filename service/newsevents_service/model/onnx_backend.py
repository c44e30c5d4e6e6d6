"""ONNX Runtime as the encoder's backend (the optional `onnx` extra: onnxruntime, and onnx for the
exporter).

The fine-tuned encoder is exported at load time from the loaded torch network into memory and
handed to ONNX Runtime as bytes: no ONNX file is written or shipped. The heads and decoding stay
in torch. ONNX Runtime's int8 dynamic quantisation was measured too and not kept
(docs/performance.md, "Backends").
"""

from __future__ import annotations

import io
import warnings

import onnxruntime as ort
import torch
from torch import nn
from transformers import BertModel

INPUTS = ("input_ids", "attention_mask")
OUTPUT = "last_hidden_state"
OPSET = 17


class _EncoderOnly(nn.Module):
    """The encoder with tensors in and the last hidden states out, as the exporter wants it."""

    def __init__(self, encoder: BertModel) -> None:
        super().__init__()
        self.encoder = encoder

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state


def export_encoder(encoder: BertModel) -> bytes:
    """The encoder as an ONNX model (fp32), with batch size and sequence length left dynamic."""
    ids = torch.full((2, 8), 1000, dtype=torch.long)
    mask = torch.ones_like(ids)
    mask[1, 5:] = 0  # trace the padded case too
    axes = {0: "batch", 1: "positions"}
    buffer = io.BytesIO()
    with warnings.catch_warnings(), torch.no_grad():
        warnings.simplefilter("ignore")  # tracer warnings about Python-side shape checks
        torch.onnx.export(
            _EncoderOnly(encoder).eval(),
            (ids, mask),
            buffer,  # type: ignore[arg-type]  # the TorchScript exporter takes a file-like object too
            input_names=list(INPUTS),
            output_names=[OUTPUT],
            dynamic_axes={name: axes for name in (*INPUTS, OUTPUT)},
            opset_version=OPSET,
            dynamo=False,
        )
    return buffer.getvalue()


class OnnxEncoder:
    """Callable like `EventModel.encode` (ids, mask -> hidden states) on an ONNX Runtime session;
    safe for concurrent callers."""

    def __init__(self, model: bytes, threads: int) -> None:
        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
        # Idle pool threads sleep instead of spinning: they would take the cores from decoding and
        # other requests between forward passes (faster on the busy 2-core machine, docs/performance.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self.session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        feed = {INPUTS[0]: input_ids.numpy(), INPUTS[1]: attention_mask.numpy()}
        (hidden,) = self.session.run([OUTPUT], feed)
        return torch.from_numpy(hidden)


def onnx_encoder(encoder: BertModel, threads: int) -> OnnxEncoder:
    return OnnxEncoder(export_encoder(encoder), threads)
