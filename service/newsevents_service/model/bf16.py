"""bfloat16 encoder for CPUs with AMX (Intel Xeon since Sapphire Rapids), where oneDNN multiplies
bf16 matrices on the tile units: the sample article's forward passes take a third of the int8
layers' time there (docs/performance.md). Elsewhere bf16 is emulated and slow, so `auto` picks it
only where `torch.cpu` reports AMX tiles (model.backends).

A bf16 product over 1536 input features (the feed-forward output layer) is summed in an order that
oneDNN picks from the number of rows and threads, so a window's hidden states would change with
the batch it shares. Products over 384 features come out the same for any rows and threads, so
wider layers are computed as a sum of 384-feature products, accumulated in place.
"""

from __future__ import annotations

import torch
from torch import nn

CHUNK = 384


class ChunkedLinear(nn.Module):
    """A linear layer computed as bias + sum over 384-input chunks of (inputs @ weight chunk). Made
    from a layer already in its final dtype: the chunks are plain tensors, which `.to()` leaves alone."""

    bias: torch.Tensor

    def __init__(self, linear: nn.Linear) -> None:
        super().__init__()
        self.chunks = [w.t().contiguous() for w in linear.weight.detach().split(CHUNK, 1)]  # [in, out] each
        bias = linear.bias.detach() if linear.bias is not None else linear.weight.new_zeros(linear.out_features)
        self.register_buffer("bias", bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        parts = x.reshape(-1, x.shape[-1]).split(CHUNK, -1)
        out = torch.addmm(self.bias, parts[0], self.chunks[0])
        for part, chunk in zip(parts[1:], self.chunks[1:], strict=True):
            out.addmm_(part, chunk)
        return out.reshape(*x.shape[:-1], out.shape[-1])


def to_bf16(module: nn.Module) -> nn.Module:
    """`module` in bfloat16, every linear layer wider than CHUNK inputs replaced by a ChunkedLinear."""
    module.to(torch.bfloat16)
    _chunk_wide_linears(module)
    return module


def _chunk_wide_linears(module: nn.Module) -> None:
    for name, child in list(module.named_children()):
        if isinstance(child, nn.Linear) and child.in_features > CHUNK:
            setattr(module, name, ChunkedLinear(child))
        else:
            _chunk_wide_linears(child)


def has_amx() -> bool:
    """Whether this CPU (and OS) let oneDNN use AMX tiles."""
    probe = getattr(torch.cpu, "_is_amx_tile_supported", None)
    return bool(probe and probe())
