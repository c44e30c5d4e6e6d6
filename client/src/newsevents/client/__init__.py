"""Python SDK for the NewsEvents gRPC service."""

from ._common import TLSConfig
from .async_client import AsyncEventsClient
from .errors import (
    DeadlineExceededError,
    InvalidArgumentError,
    NewsEventsError,
    ResourceExhaustedError,
    UnauthenticatedError,
    UnavailableError,
)
from .sync_client import EventsClient
from .types import Event, ExtractionResult, ModelInfo, Participant, TextSpan

__all__ = [
    "AsyncEventsClient",
    "DeadlineExceededError",
    "Event",
    "EventsClient",
    "ExtractionResult",
    "InvalidArgumentError",
    "ModelInfo",
    "NewsEventsError",
    "Participant",
    "ResourceExhaustedError",
    "TLSConfig",
    "TextSpan",
    "UnauthenticatedError",
    "UnavailableError",
]
