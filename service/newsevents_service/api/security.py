"""Who may call: TLS / mutual TLS credentials and optional bearer-token authentication."""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from pathlib import Path

import grpc

from .errors import ServiceError

# Health and reflection stay open so that probes and grpcurl work without a token.
OPEN_PREFIXES = ("/grpc.health.v1.Health/", "/grpc.reflection.")


def server_credentials(cert_file: str, key_file: str, client_ca_file: str = "") -> grpc.ServerCredentials:
    """TLS with the server's certificate; with a client CA, mutual TLS (client certificates required)."""
    cert = Path(cert_file).read_bytes()
    key = Path(key_file).read_bytes()
    client_ca = Path(client_ca_file).read_bytes() if client_ca_file else None
    return grpc.ssl_server_credentials(
        [(key, cert)], root_certificates=client_ca, require_client_auth=client_ca is not None
    )


def parse_tokens(tokens: str, tokens_file: str = "") -> frozenset[str]:
    values = [t.strip() for t in tokens.split(",")]
    if tokens_file:
        values += [line.strip() for line in Path(tokens_file).read_text(encoding="utf-8").splitlines()]
    return frozenset(v for v in values if v)


class BearerTokenInterceptor(grpc.aio.ServerInterceptor):
    """Rejects calls without `authorization: Bearer <token>` for a configured token."""

    def __init__(self, tokens: frozenset[str]) -> None:
        self._tokens = [t.encode() for t in tokens]
        error = ServiceError(
            grpc.StatusCode.UNAUTHENTICATED,
            "UNAUTHENTICATED",
            "missing or invalid bearer token (metadata 'authorization: Bearer <token>')",
        )
        status = error.to_grpc_status()

        async def deny(request: object, context: grpc.aio.ServicerContext) -> None:
            await context.abort_with_status(status)

        self._deny_unary = grpc.unary_unary_rpc_method_handler(deny)  # type: ignore[arg-type]
        self._deny_stream = grpc.stream_stream_rpc_method_handler(deny)  # type: ignore[arg-type]

    def _allowed(self, metadata: tuple[tuple[str, str | bytes], ...]) -> bool:
        for key, value in metadata:
            if key == "authorization":
                raw = value.encode() if isinstance(value, str) else value
                scheme, _, token = raw.partition(b" ")
                return scheme.lower() == b"bearer" and any(hmac.compare_digest(token, t) for t in self._tokens)
        return False

    async def intercept_service(
        self,
        continuation: Callable[[grpc.HandlerCallDetails], Awaitable[grpc.RpcMethodHandler]],
        details: grpc.HandlerCallDetails,
    ) -> grpc.RpcMethodHandler:
        method = details.method or ""  # type: ignore[attr-defined]
        if method.startswith(OPEN_PREFIXES) or self._allowed(tuple(details.invocation_metadata or ())):  # type: ignore[attr-defined]
            return await continuation(details)
        return self._deny_stream if method.endswith("/StreamExtractEvents") else self._deny_unary
