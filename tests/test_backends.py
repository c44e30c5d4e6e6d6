"""Encoder backends and the batched decoding path give the same answers as the reference code.

Batched vs one-by-one extraction on the torch backend is tested in test_engine.py.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import fields, replace
from typing import Any

import pytest
import torch

from newsevents_service.engine.extractor import Extractor
from newsevents_service.engine.types import Event, ExtractionResult, Participant
from newsevents_service.evaluation.cli import gold_request
from newsevents_service.model.backends import make_encoder
from newsevents_service.model.inference import _Job, _WindowStates
from newsevents_service.model.network import EventModel
from newsevents_service.model.windows import TokenizedDocument, Window, owners

from .conftest import SAMPLE_ID


@pytest.fixture(scope="module")
def float32_extractor() -> Extractor:
    """The reference for the float32 runtimes (the default runtime is int8)."""
    return Extractor(backend="torch")


@pytest.fixture(scope="module")
def onnx_extractor() -> Iterator[Extractor]:
    pytest.importorskip("onnxruntime", reason="the onnx extra is not installed")
    pytest.importorskip("onnx", reason="the onnx extra is not installed")
    yield Extractor(backend="onnx")


def _unscored(event: Event) -> Event:
    """The event with every confidence zeroed (ONNX Runtime's float rounding differs from torch's)."""
    details = event.details
    participants: dict[str, Any] = {}
    for f in fields(details):
        value = getattr(details, f.name)
        if isinstance(value, tuple) and any(isinstance(p, Participant) for p in value):
            participants[f.name] = tuple(replace(p, confidence=0.0) for p in value)
    return replace(event, confidence=0.0, details=replace(details, **participants))


def _confidences(result: ExtractionResult) -> list[float]:
    return [e.confidence for e in result.events]


def test_onnx_backend_finds_the_same_events_as_torch(
    float32_extractor: Extractor, onnx_extractor: Extractor, gold_dev: list[dict]
) -> None:
    docs = [d for d in gold_dev if d["id"] == SAMPLE_ID or d["id"].startswith(("sd-", "wh-"))][:7]
    requests = [gold_request(d) for d in docs]
    with_torch = float32_extractor.extract_many(requests)
    with_onnx = onnx_extractor.extract_many(requests)
    unscored = [[_unscored(e) for e in r.events] for r in with_torch]
    assert [[_unscored(e) for e in r.events] for r in with_onnx] == unscored
    assert [r.entities for r in with_onnx] == [r.entities for r in with_torch]
    for onnx_result, torch_result in zip(with_onnx, with_torch, strict=True):
        assert _confidences(onnx_result) == pytest.approx(_confidences(torch_result), abs=1e-3)
    assert sum(len(r.events) for r in with_torch) >= 5


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA build of torch and a GPU")
def test_cuda_backend_finds_the_same_events_as_torch(float32_extractor: Extractor, gold_dev: list[dict]) -> None:
    docs = [d for d in gold_dev if d["id"] == SAMPLE_ID or d["id"].startswith(("sd-", "wh-"))][:7]
    requests = [gold_request(d) for d in docs]
    with_cuda = Extractor(backend="cuda").extract_many(requests)
    with_torch = float32_extractor.extract_many(requests)
    unscored = [[_unscored(e) for e in r.events] for r in with_torch]
    assert [[_unscored(e) for e in r.events] for r in with_cuda] == unscored
    for cuda_result, torch_result in zip(with_cuda, with_torch, strict=True):
        assert _confidences(cuda_result) == pytest.approx(_confidences(torch_result), abs=1e-3)


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is visible")
def test_cuda_backend_without_a_gpu_is_refused_clearly(extractor: Extractor) -> None:
    with pytest.raises(RuntimeError, match="needs a CUDA build of torch and a visible GPU"):
        make_encoder(extractor.model.network, "cuda")


def test_unknown_backend_is_refused(extractor: Extractor) -> None:
    with pytest.raises(ValueError, match="unknown backend"):
        make_encoder(extractor.model.network, "tensorrt")


def test_window_states_match_the_networks_span_vectors() -> None:
    """The one-gather decoding path equals EventModel.span_vectors, used in training."""
    torch.manual_seed(0)
    windows = [Window(0, 10), Window(6, 16), Window(12, 17)]
    hidden = [torch.randn(len(w) + 2, 8) for w in windows]
    doc = TokenizedDocument(list(range(17)), [(i, i + 1) for i in range(17)])
    job = _Job("x" * 17, doc, [(0, 17)], windows, owners(windows, 17), hidden)
    states = _WindowStates(job)
    spans = [(0, 1, 3), (1, 2, 5), (2, 4, 5), (0, 1, 2), (1, 1, 9)]
    for w_index, first, end in spans:
        expected = EventModel.span_vectors(hidden[w_index][None], torch.tensor([[0, first, end]]))
        assert torch.allclose(states.means([(w_index, first, end)]), expected, atol=1e-6)
    assert torch.allclose(states.means(spans)[1], states.means([spans[1]])[0], atol=1e-6)
    assert torch.equal(states.cls(spans), torch.stack([hidden[w][0] for w, _, _ in spans]))
    tokens = states.tokens(job.owner)
    for t, w_index in enumerate(job.owner):
        assert torch.equal(tokens[t], hidden[w_index][t - windows[w_index].start + 1])
