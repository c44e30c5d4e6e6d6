"""One exception hierarchy for every failure, keeping the gRPC code and the ErrorInfo reason."""

from __future__ import annotations

import grpc
from google.rpc import error_details_pb2, status_pb2
from grpc_status import rpc_status


class NewsEventsError(Exception):
    """A failed call or document: `code` (grpc.StatusCode), `reason` (ErrorInfo, e.g. "EMPTY_TEXT")."""

    def __init__(
        self, code: grpc.StatusCode, message: str, reason: str = "", metadata: dict[str, str] | None = None
    ) -> None:
        super().__init__(f"{code.name}: {reason + ': ' if reason else ''}{message}")
        self.code = code
        self.message = message
        self.reason = reason
        self.metadata = dict(metadata or {})


class InvalidArgumentError(NewsEventsError):
    """The request was rejected; `metadata["field"]` names the field."""


class UnavailableError(NewsEventsError):
    """The server is loading, draining or unreachable (retried automatically first)."""


class ResourceExhaustedError(NewsEventsError):
    """The server is overloaded or the message is too large."""


class DeadlineExceededError(NewsEventsError):
    """The call's deadline passed."""


class UnauthenticatedError(NewsEventsError):
    """Missing or wrong bearer token."""


_BY_CODE: dict[grpc.StatusCode, type[NewsEventsError]] = {
    grpc.StatusCode.INVALID_ARGUMENT: InvalidArgumentError,
    grpc.StatusCode.UNAVAILABLE: UnavailableError,
    grpc.StatusCode.RESOURCE_EXHAUSTED: ResourceExhaustedError,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceededError,
    grpc.StatusCode.UNAUTHENTICATED: UnauthenticatedError,
}
_CODES = {c.value[0]: c for c in grpc.StatusCode}


def make_error(
    code: grpc.StatusCode, message: str, reason: str = "", metadata: dict[str, str] | None = None
) -> NewsEventsError:
    return _BY_CODE.get(code, NewsEventsError)(code, message, reason, metadata)


def _error_info(status: status_pb2.Status | None) -> tuple[str, dict[str, str]]:
    for detail in status.details if status else []:
        if detail.Is(error_details_pb2.ErrorInfo.DESCRIPTOR):
            info = error_details_pb2.ErrorInfo()
            detail.Unpack(info)
            return info.reason, dict(info.metadata)
    return "", {}


def from_rpc_error(error: grpc.RpcError) -> NewsEventsError:
    """Map a failed call (sync or aio) to the hierarchy, unpacking the rich status if present."""
    try:
        status = rpc_status.from_call(error)  # type: ignore[arg-type]
    except (AttributeError, ValueError, TypeError):
        status = None
    reason, metadata = _error_info(status)
    code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN  # type: ignore[attr-defined]
    details = error.details() if hasattr(error, "details") else str(error)  # type: ignore[attr-defined]
    return make_error(code, details or "", reason, metadata)


def from_status_fields(code: int, message: str, reason: str, metadata: dict[str, str]) -> NewsEventsError:
    """The error of one document inside a stream (`ExtractEventsResponse.error`)."""
    return make_error(_CODES.get(code, grpc.StatusCode.UNKNOWN), message, reason, metadata)
