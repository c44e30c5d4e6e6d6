"""int8 linear layers for the CPU: the default runtime of the encoder.

Weights are int8 per output channel; activations are quantised per token (per row), asymmetric
(each row's own min..max onto -127..127), and multiplied with `torch._int_mm` (int32 accumulate).
Per-token scales keep a row's result independent of the other rows in the batch, so a document
gets the same answer alone or batched with others, which torch's dynamic quantisation (one scale
per batch) does not give; and they keep the dev figures of float32 within 0.01 where one scale
per batch lost 0.03 (docs/performance.md).
"""

from __future__ import annotations

import torch
from torch import nn

_LEVELS = 127


class Int8Linear(nn.Module):
    weight_t: torch.Tensor
    weight_scale: torch.Tensor
    weight_sum: torch.Tensor
    bias: torch.Tensor

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        weight = linear.weight.detach().float()
        scale = weight.abs().amax(1).clamp(min=1e-8) / _LEVELS
        quantised = (weight / scale[:, None]).round().clamp(-_LEVELS, _LEVELS).to(torch.int8)
        self.register_buffer("weight_t", quantised.t().contiguous())  # [in, out], as _int_mm wants
        self.register_buffer("weight_scale", scale)
        # x = mid + q * step per row, so x @ W.T = step * (q @ Wq.T) * scale + mid * (row sums of W)
        self.register_buffer("weight_sum", quantised.float().sum(1) * scale)
        bias = linear.bias.detach().float() if linear.bias is not None else torch.zeros(len(scale))
        self.register_buffer("bias", bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        rows = x.reshape(-1, x.shape[-1])
        low, high = rows.amin(1, keepdim=True), rows.amax(1, keepdim=True)  # aminmax is 15x slower here
        step = (high - low).clamp_(min=1e-8).div_(2 * _LEVELS)
        mid = (high + low).div_(2)
        quantised = (rows - mid).div_(step).round_().clamp_(-_LEVELS, _LEVELS).to(torch.int8)
        out = torch._int_mm(quantised, self.weight_t).float()
        out.mul_(step).mul_(self.weight_scale).add_(self.bias).addmm_(mid, self.weight_sum[None])
        return out.reshape(*x.shape[:-1], out.shape[-1])


def quantise_linears(module: nn.Module) -> nn.Module:
    """Replace every nn.Linear inside `module` by an Int8Linear, in place."""
    for name, child in list(module.named_children()):
        if isinstance(child, nn.Linear):
            setattr(module, name, Int8Linear(child))
        else:
            quantise_linears(child)
    return module
