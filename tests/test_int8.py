"""The int8 linear layers of the default runtime (model.int8), and its traced encoder (model.backends)."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from transformers import BertConfig, BertModel

from newsevents_service.model.backends import traced_encoder
from newsevents_service.model.int8 import Int8Linear, quantise_linears


def _linear(seed: int = 0) -> nn.Linear:
    torch.manual_seed(seed)
    return nn.Linear(384, 96)


def test_int8_linear_is_close_to_float32() -> None:
    linear = _linear()
    x = torch.randn(2, 50, 384) * 3 + 0.5  # off-centre rows: the asymmetric steps matter
    x[:, :, 7] *= 20  # an outlier channel, as transformer activations have
    expected = linear(x)
    got = Int8Linear(linear)(x)
    assert got.shape == expected.shape
    relative = (got - expected).norm() / expected.norm()
    assert relative < 0.02


def test_a_rows_result_does_not_depend_on_the_rows_batched_with_it() -> None:
    layer = Int8Linear(_linear(1))
    row = torch.randn(1, 384)
    batch = torch.cat([row, torch.randn(20, 384) * 100])  # neighbours with far larger values
    assert torch.equal(layer(batch)[:1], layer(row))


def test_quantise_linears_replaces_every_linear_and_nothing_else() -> None:
    model = nn.Sequential(nn.Linear(8, 8), nn.LayerNorm(8), nn.Sequential(nn.Linear(8, 4), nn.GELU()))
    quantise_linears(model)
    assert not any(type(m) is nn.Linear for m in model.modules())
    assert sum(isinstance(m, Int8Linear) for m in model.modules()) == 2
    assert isinstance(model[1], nn.LayerNorm)
    assert model(torch.randn(3, 8)).shape == (3, 4)


def _tiny_int8_bert() -> nn.Module:
    torch.manual_seed(2)
    config = BertConfig(
        vocab_size=1200, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, intermediate_size=64
    )
    bert = BertModel(config, add_pooling_layer=False).eval()
    quantise_linears(bert.encoder)
    return bert


@pytest.mark.parametrize("rows, width, padded", [(1, 32, False), (1, 96, False), (5, 160, True), (2, 256, True)])
def test_the_traced_encoder_gives_the_eager_encoders_states_at_any_shape(rows: int, width: int, padded: bool) -> None:
    bert = _tiny_int8_bert()
    ids = torch.randint(1000, 1200, (rows, width))
    mask = torch.ones_like(ids)
    if padded:
        mask[-1, width // 3 :] = 0
    encode = traced_encoder(bert)
    assert isinstance(encode, torch.jit.ScriptModule)
    with torch.inference_mode():
        assert torch.equal(encode(ids, mask), bert(input_ids=ids, attention_mask=mask).last_hidden_state)


def test_a_trace_that_differs_from_the_eager_encoder_is_not_used(monkeypatch: pytest.MonkeyPatch) -> None:
    bert = _tiny_int8_bert()
    monkeypatch.setattr(torch.jit, "trace", lambda module, example, **_: lambda ids, mask: module(ids, mask) + 1)
    encode = traced_encoder(bert)
    ids = torch.randint(1000, 1200, (2, 40))
    with torch.inference_mode():
        assert torch.equal(encode(ids, torch.ones_like(ids)), bert(input_ids=ids).last_hidden_state)
