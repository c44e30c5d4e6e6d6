"""TLS, mutual TLS and bearer tokens, with certificates made here."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import grpc
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2, health_pb2_grpc

from newsevents.client import EventsClient, TLSConfig, UnauthenticatedError, UnavailableError

TEXT = "Blinken met Wang in Beijing."


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _cert(subject: str, key, issuer_cert=None, issuer_key=None, ca: bool = False):  # type: ignore[no-untyped-def]
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)])
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(issuer_cert.subject if issuer_cert else name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if not ca:
        builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
    return builder.sign(issuer_key or key, hashes.SHA256())


def _pem(obj) -> bytes:  # type: ignore[no-untyped-def]
    if isinstance(obj, x509.Certificate):
        return obj.public_bytes(serialization.Encoding.PEM)
    return obj.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> dict[str, Path]:  # type: ignore[no-untyped-def]
    folder = tmp_path_factory.mktemp("pki")
    ca_key = _key()
    ca = _cert("test-ca", ca_key, ca=True)
    files = {"ca.pem": _pem(ca), "ca.key": _pem(ca_key)}
    for who in ("server", "client"):
        key = _key()
        files[f"{who}.pem"] = _pem(_cert("localhost", key, ca, ca_key))
        files[f"{who}.key"] = _pem(key)
    paths = {}
    for name, data in files.items():
        (folder / name).write_bytes(data)
        paths[name] = folder / name
    return paths


def _localhost(server) -> str:  # type: ignore[no-untyped-def]
    return f"localhost:{server.port}"


def test_tls(start_server, pki) -> None:  # type: ignore[no-untyped-def]
    server = start_server(tls_cert_file=str(pki["server.pem"]), tls_key_file=str(pki["server.key"]))
    tls = TLSConfig(root_certificates=pki["ca.pem"].read_bytes())
    with EventsClient(_localhost(server), tls=tls) as client:
        assert client.extract(TEXT).events
    with EventsClient(_localhost(server), timeout=3, retries=0) as plain, pytest.raises(UnavailableError):
        plain.extract(TEXT)


def test_mutual_tls_requires_a_client_certificate(start_server, pki) -> None:  # type: ignore[no-untyped-def]
    server = start_server(
        tls_cert_file=str(pki["server.pem"]), tls_key_file=str(pki["server.key"]), tls_client_ca_file=str(pki["ca.pem"])
    )
    ca = pki["ca.pem"].read_bytes()
    mutual = TLSConfig(ca, pki["client.key"].read_bytes(), pki["client.pem"].read_bytes())
    with EventsClient(_localhost(server), tls=mutual) as client:
        assert client.extract(TEXT).events
    anonymous = EventsClient(_localhost(server), tls=TLSConfig(ca), timeout=3, retries=0)
    with anonymous, pytest.raises(UnavailableError):
        anonymous.extract(TEXT)


def test_bearer_tokens(start_server, tmp_path) -> None:  # type: ignore[no-untyped-def]
    tokens = tmp_path / "tokens"
    tokens.write_text("second-token\n", encoding="utf-8")
    server = start_server(auth_tokens="first-token", auth_tokens_file=str(tokens))
    for token in ("first-token", "second-token"):
        with EventsClient(server.target, token=token) as client:
            assert client.extract(TEXT).events
            assert next(iter(client.extract_many([TEXT]))).events
    for token in (None, "wrong"):
        with EventsClient(server.target, token=token) as client:
            with pytest.raises(UnauthenticatedError) as caught:
                client.extract(TEXT)
            assert caught.value.reason == "UNAUTHENTICATED"
            with pytest.raises(UnauthenticatedError):
                list(client.extract_many([TEXT]))
    health = health_pb2_grpc.HealthStub(grpc.insecure_channel(server.target))
    assert health.Check(health_pb2.HealthCheckRequest(), timeout=5).status == health_pb2.HealthCheckResponse.SERVING
