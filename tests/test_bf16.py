"""The bf16 runtime (model.bf16) and how `auto` chooses between it and int8 (model.backends)."""

from __future__ import annotations

import logging

import pytest
import torch
from torch import nn
from transformers import BertConfig, BertModel

from newsevents_service.model import backends
from newsevents_service.model.artifacts import torch_threads
from newsevents_service.model.bf16 import CHUNK, ChunkedLinear, has_amx, to_bf16
from newsevents_service.model.int8 import Int8Linear


def _linear(inputs: int, outputs: int = 96, seed: int = 0) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(inputs, outputs)


def test_a_chunked_linear_computes_the_linear_layer() -> None:
    linear = _linear(4 * CHUNK + 50)  # a last chunk narrower than the others
    x = torch.randn(3, 7, linear.in_features)
    with torch.inference_mode():
        assert torch.allclose(ChunkedLinear(linear)(x), linear(x), atol=1e-4)


def test_to_bf16_chunks_only_the_wide_layers() -> None:
    model = nn.Sequential(nn.Linear(CHUNK, 4 * CHUNK), nn.GELU(), nn.Linear(4 * CHUNK, CHUNK))
    expected = model(torch.ones(2, CHUNK))
    to_bf16(model)
    assert type(model[0]) is nn.Linear and model[0].weight.dtype == torch.bfloat16
    assert isinstance(model[2], ChunkedLinear)
    with torch.inference_mode():
        got = model(torch.ones(2, CHUNK, dtype=torch.bfloat16))
    assert got.dtype == torch.bfloat16
    assert (got.float() - expected).norm() / expected.norm() < 0.02


@pytest.mark.skipif(not has_amx(), reason="the row-independence of bf16 products is checked where bf16 is used")
def test_a_chunked_bf16_rows_result_does_not_depend_on_its_batch_or_threads() -> None:
    layer = to_bf16(nn.Sequential(_linear(4 * CHUNK, CHUNK, seed=1)))
    x = torch.randn(4096, 4 * CHUNK).to(torch.bfloat16)
    with torch.inference_mode():
        with torch_threads(2):
            full = layer(x)
        for threads in (1, 2):
            with torch_threads(threads):
                for rows in (32, 64, 96, 128, 256, 448, 1024):
                    assert torch.equal(layer(x[:rows]), full[:rows]), (threads, rows)


def _row_wise(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return (ids * mask).float()[..., None].expand(-1, -1, 4)


def _batch_dependent(ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return _row_wise(ids, mask) + len(ids) * 1e-3


def test_batch_invariance_is_told_apart() -> None:
    assert backends.batch_invariant(_row_wise, threads=2)
    assert not backends.batch_invariant(_batch_dependent, threads=2)


def _tiny_network() -> nn.Module:
    torch.manual_seed(3)
    config = BertConfig(
        vocab_size=1200, hidden_size=CHUNK, num_hidden_layers=1, num_attention_heads=6, intermediate_size=4 * CHUNK
    )
    network = nn.Module()
    network.encoder = BertModel(config, add_pooling_layer=False).eval()
    return network


def _runtime(network: nn.Module) -> str:
    modules = list(network.encoder.modules())
    if any(isinstance(m, Int8Linear) for m in modules):
        return "int8"
    return "bf16" if any(isinstance(m, ChunkedLinear) for m in modules) else "float32"


@pytest.mark.parametrize(
    "amx, invariant, expected", [(False, True, "int8"), (True, False, "int8"), (True, True, "bf16")]
)
def test_auto_takes_bf16_only_with_amx_and_batch_invariant_results(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, amx: bool, invariant: bool, expected: str
) -> None:
    monkeypatch.setattr(backends, "has_amx", lambda: amx)
    monkeypatch.setattr(backends, "batch_invariant", lambda encode, threads: invariant)
    network = _tiny_network()
    ids = torch.randint(1000, 1200, (2, 40))
    with torch.inference_mode():
        reference = network.encoder(input_ids=ids).last_hidden_state
        with caplog.at_level(logging.INFO, logger=backends.__name__):
            runtime = backends.make_encoder(network, "auto", threads=1)  # type: ignore[arg-type]
        hidden = runtime.encode(ids, torch.ones_like(ids))
    assert runtime.backend == _runtime(network) == expected
    assert f"encoder runtime: {expected}" in caplog.text
    assert ("change with the batch" in caplog.text) == (amx and not invariant)
    assert hidden.dtype == torch.float32
    assert (hidden - reference).norm() / reference.norm() < 0.05
