"""The engine's Python API: `Extractor().extract(text, publication_date=..., title=...)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import torch

from newsevents_service.model.artifacts import DEFAULT_ARTIFACT, LoadedModel, load_model, set_threads
from newsevents_service.model.backends import DEFAULT_BACKEND, make_encoder
from newsevents_service.model.inference import Encode, Predictor
from newsevents_service.model.memory import keep_freed_memory
from newsevents_service.normalize.dates import find_dateline

from .assemble import Assembler, event_participants
from .sentences import split_sentences
from .types import EventType, ExtractionResult, ReferenceDateSource


@dataclass(frozen=True)
class Request:
    """One document for `extract_many`."""

    text: str
    publication_date: dt.date | None = None
    title: str | None = None
    event_types: frozenset[EventType] = frozenset()
    min_confidence: float = 0.0


class Extractor:
    """Loads the shipped model once; `extract` is thread-safe for concurrent callers."""

    def __init__(
        self,
        model_dir: Path | str = DEFAULT_ARTIFACT,
        *,
        threads: int | None = None,
        batch_size: int = 16,
        window: int = 254,
        stride: int = 192,
        backend: str = DEFAULT_BACKEND,
    ) -> None:
        """`backend`: "auto" (default: bf16 on a CPU with AMX, else int8), "int8", "bf16", "torch"
        (float32), "onnx" for ONNX Runtime (the `onnx` extra) or "cuda" (model.backends); `runtime`
        says which one runs. Tunes this process's malloc for inference (model.memory)."""
        keep_freed_memory()
        self.threads = set_threads(threads)
        model = load_model(Path(model_dir))
        runtime = make_encoder(model.network, backend, self.threads)
        self.runtime = runtime.backend
        self._init(model, batch_size, window, stride, runtime.encode)

    @classmethod
    def from_loaded(
        cls, model: LoadedModel, *, batch_size: int = 16, window: int = 254, stride: int = 192
    ) -> Extractor:
        """An extractor around an already loaded model (training's per-epoch evaluation)."""
        extractor = cls.__new__(cls)
        extractor.threads = torch.get_num_threads()
        extractor.runtime = "torch"
        extractor._init(model, batch_size, window, stride)
        return extractor

    def _init(
        self, model: LoadedModel, batch_size: int, window: int, stride: int, encode: Encode | None = None
    ) -> None:
        self.model = model
        self.predictor = Predictor(model, window=window, stride=stride, batch_size=batch_size, encode=encode)

    @property
    def version(self) -> str:
        return str(self.model.meta.get("version", ""))

    def extract(
        self,
        text: str,
        publication_date: dt.date | None = None,
        title: str | None = None,
        event_types: Iterable[EventType] = (),
        min_confidence: float = 0.0,
    ) -> ExtractionResult:
        request = Request(text, publication_date, title, frozenset(event_types), min_confidence)
        return self.extract_many([request])[0]

    def extract_many(self, requests: Sequence[Request]) -> list[ExtractionResult]:
        """Extract several documents with their windows batched together."""
        sentences = [split_sentences(r.text) for r in requests]
        predictions = self.predictor.predict([(r.text, s) for r, s in zip(requests, sentences, strict=False)])
        results = []
        for request, sents, prediction in zip(requests, sentences, predictions, strict=False):
            reference, source = _reference_date(request)
            events, entities = (
                Assembler(request.text, sents, prediction, reference).events()
                if prediction.triggers
                else ([], [])  # no trigger, no event, and only entities of events are returned
            )
            kept = [
                e
                for e in events
                if (not request.event_types or e.type in request.event_types) and e.confidence >= request.min_confidence
            ]
            kept = [replace(e, id=f"ev{i + 1}") for i, e in enumerate(kept)]
            used = {p.entity_id for e in kept for p in event_participants(e)}
            results.append(
                ExtractionResult(
                    events=tuple(kept),
                    entities=tuple(e for e in entities if e.id in used),
                    reference_date=reference,
                    reference_date_source=source,
                    model_version=self.version,
                    stats={"tokens": prediction.n_tokens, "windows": prediction.n_windows},
                )
            )
        return results


def _reference_date(request: Request) -> tuple[dt.date | None, ReferenceDateSource]:
    if request.publication_date is not None:
        return request.publication_date, ReferenceDateSource.REQUEST
    found = find_dateline(request.text) or (find_dateline(request.title) if request.title else None)
    if found:
        return found, ReferenceDateSource.DATELINE
    return None, ReferenceDateSource.NONE
