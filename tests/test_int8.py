"""The int8 linear layers of the default runtime (model.int8)."""

from __future__ import annotations

import torch
from torch import nn

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
