"""AWS Signature Version 4 for S3-compatible storage (AWS S3, Supabase Storage, MinIO).

Only what :mod:`concierge_common.storage.media_storage` needs: header-based signing of
one request whose payload hash is known (``x-amz-content-sha256``). The
canonical request follows AWS's rules for S3: the path is used as sent (S3
signs the URI-encoded path once, without normalising it), query parameters
are sorted and URI-encoded, header names are lower-cased and sorted, their
values trimmed with inner runs of spaces collapsed.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlsplit

ALGORITHM = "AWS4-HMAC-SHA256"
EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_DEFAULT_PORTS = {"http": 80, "https": 443}
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class Credentials:
    """An access key pair; the secret never appears in a repr."""

    access_key: str
    secret_key: str = field(repr=False)


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    *,
    payload_sha256: str,
    credentials: Credentials,
    region: str,
    service: str = "s3",
    at: datetime | None = None,
) -> dict[str, str]:
    """``headers`` plus ``Host``, ``x-amz-date``, ``x-amz-content-sha256`` and ``Authorization``.

    ``url`` must carry its path already URI-encoded, exactly as it is sent.
    """
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    amz_date = moment.strftime("%Y%m%dT%H%M%SZ")
    scope = f"{moment:%Y%m%d}/{region}/{service}/aws4_request"
    signed = {
        **dict(headers),
        "host": host_of(url),
        "x-amz-date": amz_date,
        "x-amz-content-sha256": payload_sha256,
    }
    names, canonical = canonical_request(method, url, signed, payload_sha256)
    to_sign = "\n".join((ALGORITHM, amz_date, scope, _hex_sha256(canonical.encode())))
    key = signing_key(credentials.secret_key, moment.strftime("%Y%m%d"), region, service)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    authorization = (
        f"{ALGORITHM} Credential={credentials.access_key}/{scope},"
        f" SignedHeaders={names}, Signature={signature}"
    )
    return {**signed, "authorization": authorization}


def canonical_request(
    method: str, url: str, headers: Mapping[str, str], payload_sha256: str
) -> tuple[str, str]:
    """The signed header names (``a;b;c``) and the canonical request of AWS's documentation."""
    parts = urlsplit(url)
    lowered = {name.lower(): _trimmed(value) for name, value in headers.items()}
    names = sorted(lowered)
    canonical_headers = "".join(f"{name}:{lowered[name]}\n" for name in names)
    signed_names = ";".join(names)
    canonical = "\n".join(
        (
            method.upper(),
            parts.path or "/",
            _canonical_query(parts.query),
            canonical_headers,
            signed_names,
            payload_sha256,
        )
    )
    return signed_names, canonical


def signing_key(secret_key: str, day: str, region: str, service: str) -> bytes:
    """``kSigning``: the secret derived for one day, region and service."""
    key = _hmac(f"AWS4{secret_key}".encode(), day)
    for part in (region, service, "aws4_request"):
        key = _hmac(key, part)
    return key


def host_of(url: str) -> str:
    """The ``Host`` header a client sends for ``url`` (the port only when not the default)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    port = parts.port
    if port is not None and port != _DEFAULT_PORTS.get(parts.scheme):
        return f"{host}:{port}"
    return host


def uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """AWS's UriEncode: every byte but the unreserved characters percent-encoded."""
    return quote(value, safe="-_.~/" if keep_slash else "-_.~")


def _canonical_query(query: str) -> str:
    pairs = [
        (uri_encode(name), uri_encode(value))
        for name, value in parse_qsl(query, keep_blank_values=True)
    ]
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _trimmed(value: str) -> str:
    return _SPACES.sub(" ", value.strip())


def _hmac(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode(), hashlib.sha256).digest()


def _hex_sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
