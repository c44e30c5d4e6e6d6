"""Build the ModelInfo message from an artifact's metadata and card."""

from __future__ import annotations

from typing import Any

from newsevents.v1 import event_extraction_service_pb2 as pb


def _score(figures: dict[str, Any]) -> pb.Score:
    return pb.Score(precision=figures["precision"], recall=figures["recall"], f1=figures["f1"])


def model_info(meta: dict[str, Any], card: str, max_text_length: int) -> pb.ModelInfo:
    info = pb.ModelInfo(
        name=meta.get("name", ""),
        version=meta.get("version", ""),
        base_model=meta.get("base_model", ""),
        model_card=card,
        max_text_length=max_text_length,
    )
    for event_type in meta.get("event_types", []):
        value = pb.EventType.Value(f"EVENT_TYPE_{event_type}")
        info.event_types.append(value)
        info.roles.append(pb.EventTypeRoles(event_type=value, roles=meta.get("roles", {}).get(event_type, [])))
    evaluation = meta.get("evaluation")
    if evaluation:
        info.evaluations.append(
            pb.Evaluation(
                dataset=evaluation["dataset"],
                events=_score(evaluation["events"]),
                arguments=_score(evaluation["arguments"]),
                dates=_score(evaluation["dates"]),
                amounts=_score(evaluation["amounts"]),
                per_type={k: _score(v) for k, v in evaluation.get("per_type", {}).items()},
            )
        )
    return info
