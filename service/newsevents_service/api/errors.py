"""Domain errors and their gRPC rich status (google.rpc.Status with an ErrorInfo detail)."""

from __future__ import annotations

from dataclasses import dataclass, field

import grpc
from google.protobuf import any_pb2
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status

DOMAIN = "newsevents.v1"


@dataclass
class ServiceError(Exception):
    """An error a caller can act on: a status code, an UPPER_SNAKE reason and a message."""

    code: grpc.StatusCode
    reason: str
    message: str
    metadata: dict[str, str] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.reason}: {self.message}"

    def to_status(self) -> status_pb2.Status:
        info = error_details_pb2.ErrorInfo(reason=self.reason, domain=DOMAIN, metadata=self.metadata)
        detail = any_pb2.Any()
        detail.Pack(info)
        return status_pb2.Status(code=self.code.value[0], message=self.message, details=[detail])

    def to_grpc_status(self) -> grpc.Status:
        return rpc_status.to_status(self.to_status())


def invalid(reason: str, field_name: str, message: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.INVALID_ARGUMENT, reason, message, {"field": field_name})


def model_not_ready() -> ServiceError:
    return ServiceError(grpc.StatusCode.UNAVAILABLE, "MODEL_NOT_READY", "the model is still loading; retry shortly")


def shutting_down() -> ServiceError:
    return ServiceError(grpc.StatusCode.UNAVAILABLE, "SHUTTING_DOWN", "the server is shutting down; retry elsewhere")


def overloaded(limit: int) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.RESOURCE_EXHAUSTED,
        "OVERLOADED",
        f"more than {limit} documents are waiting; retry with backoff",
        {"max_pending": str(limit)},
    )


def deadline_exceeded(seconds: float) -> ServiceError:
    return ServiceError(
        grpc.StatusCode.DEADLINE_EXCEEDED,
        "DEADLINE_EXCEEDED",
        f"the document waited past its deadline ({seconds:g} s) before a worker was free; "
        "retry later or allow more time",
    )


def internal(message: str) -> ServiceError:
    return ServiceError(grpc.StatusCode.INTERNAL, "INTERNAL", message)
