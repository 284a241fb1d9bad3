"""Where received files and produced artifacts are kept.

``MEDIA_STORAGE_URL`` chooses the storage (:func:`open_storage`):

* empty: the local folder :data:`DEFAULT_DIR`;
* a folder path, or a ``file:`` URL: that local folder;
* ``s3://KEY:SECRET@host[:port]/path/prefix/bucket?region=eu-west-1``: an
  S3-compatible storage over HTTPS (``s3+http://`` for plain HTTP: MinIO, tests).
  The last path segment is the bucket, what comes before it the endpoint's path:
  Supabase Storage's endpoint is ``https://<project>.supabase.co/storage/v1/s3``,
  so its URL is ``s3://KEY:SECRET@<project>.supabase.co/storage/v1/s3/media?region=...``.
  KEY and SECRET are percent-encoded when they hold ``/``, ``:``, ``@``...

Keys are relative paths such as ``in/2026/11/<sha256>.jpg`` (:func:`media_key`):
content-addressed, so the same file received twice in a month is stored once.
Keys are checked alike for both storages (:func:`check_key`): a relative path
without empty, ``.`` or ``..`` segments, backslashes or control characters, of at
most 1,024 bytes; on the disk, a key that would still leave the root (a symlink
pointing away) is refused too. Either way with :class:`InvalidRequest`, whatever
a database row says. Secrets never appear in logs, reprs or error messages.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import NoReturn, Protocol
from urllib.parse import parse_qsl, unquote, urlsplit

import httpx

from concierge_common.errors import (
    ConfigError,
    DownstreamRejected,
    DownstreamUnavailable,
    InvalidRequest,
    NotFound,
)
from concierge_common.storage.sigv4 import Credentials, sign, uri_encode

DEFAULT_DIR = ".concierge/media"
DEFAULT_REGION = "us-east-1"
DIRECTIONS = frozenset({"in", "out"})
MAX_KEY_BYTES = 1024  # S3's own limit on an object key
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_EXTENSION = re.compile(r"^\.[a-z0-9]{1,10}$")
_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]*):")
_S3_SCHEMES = {"s3": "https", "s3+http": "http"}


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes, mimetype: str) -> None:
        """Store ``data`` under ``key`` (replacing what was there)."""
        ...

    async def get(self, key: str) -> bytes:
        """The bytes stored under ``key``; :class:`NotFound` when there are none."""
        ...

    async def delete(self, key: str) -> bool:
        """Remove ``key``; False when it was already absent."""
        ...


def media_key(direction: str, sha256: str, extension: str, *, at: datetime | None = None) -> str:
    """``in/2026/11/<sha256>.jpg``: where a file of this content is kept.

    ``extension`` carries its dot (``".jpg"``); an unusual one is dropped.
    """
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {sorted(DIRECTIONS)}")
    if not _SHA256.match(sha256):
        raise ValueError("sha256 must be 64 lowercase hexadecimal characters")
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    suffix = extension.lower() if _EXTENSION.match(extension.lower()) else ""
    return f"{direction}/{moment:%Y}/{moment:%m}/{sha256}{suffix}"


def open_storage(url: str) -> MediaStorage:
    """The storage ``MEDIA_STORAGE_URL`` names; :class:`ConfigError` when it names none."""
    if not url:
        return LocalMediaStorage(Path(DEFAULT_DIR))
    scheme = _scheme_of(url)
    if scheme is None:
        return LocalMediaStorage(Path(url))
    if scheme == "file":
        return LocalMediaStorage(Path(unquote(urlsplit(url).path)))
    if scheme in _S3_SCHEMES:
        return S3MediaStorage.from_url(url)
    raise ConfigError(
        f"MEDIA_STORAGE_URL: unsupported scheme {scheme!r}"
        " (use a folder path, file:, s3:// or s3+http://)"
    )


def _scheme_of(url: str) -> str | None:
    match = _SCHEME.match(url)
    return match.group(1).lower() if match else None


def check_key(key: str) -> None:
    """Refuse a key that is no plain relative path, on the disk and in a bucket alike.

    Segments are separated by ``/``; none may be empty, ``.`` or ``..``, and no
    character may be a backslash or a control character. An S3 storage would keep
    ``a/../b`` as it is, but a proxy, a tool or a later copy to a disk may not.
    """
    if not key or len(key.encode()) > MAX_KEY_BYTES:
        raise InvalidRequest("media key empty or too long")
    if any(ch == "\\" or ord(ch) < 32 or ord(ch) == 127 for ch in key):
        raise InvalidRequest("media key with a refused character")
    if any(segment in ("", ".", "..") for segment in key.split("/")):
        raise InvalidRequest("media key must be a relative path without '.' or '..'")


# --- the local disk ---------------------------------------------------------------------


class LocalMediaStorage:
    """Files under one root folder; writes are atomic (a temporary file, then a rename)."""

    def __init__(self, root: Path) -> None:
        self._root = root

    @property
    def root(self) -> Path:
        return self._root

    def path_of(self, key: str) -> Path:
        """The file's absolute path; :class:`InvalidRequest` when ``key`` escapes the root."""
        check_key(key)
        root = self._root.resolve()
        candidate = (root / key).resolve()
        if not key or candidate == root or not candidate.is_relative_to(root):
            raise InvalidRequest("media key outside the media storage refused")
        return candidate

    async def put(self, key: str, data: bytes, mimetype: str) -> None:
        path = self.path_of(key)
        await asyncio.to_thread(_write_atomically, path, data)

    async def get(self, key: str) -> bytes:
        path = self.path_of(key)
        try:
            return await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError as exc:
            raise NotFound("media file not found") from exc

    async def delete(self, key: str) -> bool:
        path = self.path_of(key)
        return await asyncio.to_thread(_unlink, path)


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the whole new one, never a partial write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".partial-")
    try:
        with os.fdopen(descriptor, "wb") as output:
            output.write(data)
            output.flush()
            os.fsync(output.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise


def _unlink(path: Path) -> bool:
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    return True


# --- S3-compatible storage ----------------------------------------------------------------


@dataclass(frozen=True)
class S3Location:
    """Where the objects are: ``{endpoint}/{bucket}/{key}`` (path-style URLs)."""

    endpoint: str  # scheme, host, port and path prefix, no trailing slash, no credentials
    bucket: str
    region: str = DEFAULT_REGION
    credentials: Credentials = field(default_factory=lambda: Credentials("", ""))

    @classmethod
    def parse(cls, url: str) -> S3Location:
        """From ``s3://KEY:SECRET@host[:port]/path/prefix/bucket?region=...``."""
        parts = urlsplit(url)
        scheme = _S3_SCHEMES.get(parts.scheme.lower())
        problem = "MEDIA_STORAGE_URL: an S3 URL reads s3://KEY:SECRET@host/[path/]bucket"
        try:
            host, port = parts.hostname, parts.port
        except ValueError:
            raise ConfigError(problem) from None
        if scheme is None or not host or not parts.username or not parts.password:
            raise ConfigError(problem)
        *prefix, bucket = [unquote(s) for s in parts.path.strip("/").split("/")]
        if not bucket:
            raise ConfigError(problem)
        options = dict(parse_qsl(parts.query, keep_blank_values=True))
        unknown = set(options) - {"region"}
        if unknown:
            raise ConfigError(f"MEDIA_STORAGE_URL: unknown S3 option(s) {sorted(unknown)}")
        netloc = f"[{host}]" if ":" in host else host
        if port is not None:
            netloc += f":{port}"
        path = "".join(f"/{uri_encode(segment)}" for segment in prefix if segment)
        return cls(
            endpoint=f"{scheme}://{netloc}{path}",
            bucket=bucket,
            region=options.get("region") or DEFAULT_REGION,
            credentials=Credentials(unquote(parts.username), unquote(parts.password)),
        )

    def url_of(self, key: str) -> str:
        return f"{self.endpoint}/{uri_encode(self.bucket)}/{uri_encode(key, keep_slash=True)}"


class S3MediaStorage:
    """Objects in a bucket of an S3-compatible storage, signed with AWS Signature V4.

    One short-lived HTTP client per call: files are few and the storage has no
    lifecycle hook to close a long-lived one.
    """

    def __init__(self, location: S3Location, *, timeout: float = 30.0) -> None:
        self._location = location
        self._timeout = timeout

    @classmethod
    def from_url(cls, url: str) -> S3MediaStorage:
        return cls(S3Location.parse(url))

    def __repr__(self) -> str:
        return f"S3MediaStorage({self._location.endpoint}, bucket={self._location.bucket!r})"

    async def put(self, key: str, data: bytes, mimetype: str) -> None:
        headers = {"content-type": mimetype or "application/octet-stream"}
        response = await self._call("PUT", key, data, headers)
        if response.status_code >= 300:
            _refused(response.status_code, "put")

    async def get(self, key: str) -> bytes:
        response = await self._call("GET", key)
        if response.status_code == 404:
            raise NotFound("media file not found")
        if response.status_code >= 300:
            _refused(response.status_code, "get")
        return response.content

    async def delete(self, key: str) -> bool:
        """S3 answers a DELETE the same whether the object existed: a HEAD tells first."""
        head = await self._call("HEAD", key)
        if head.status_code == 404:
            return False
        if head.status_code >= 300:
            _refused(head.status_code, "head")
        response = await self._call("DELETE", key)
        if response.status_code == 404:
            return False
        if response.status_code >= 300:
            _refused(response.status_code, "delete")
        return True

    async def _call(
        self, method: str, key: str, data: bytes = b"", headers: dict[str, str] | None = None
    ) -> httpx.Response:
        check_key(key)
        location = self._location
        url = location.url_of(key)
        signed = sign(
            method,
            url,
            headers or {},
            payload_sha256=hashlib.sha256(data).hexdigest(),
            credentials=location.credentials,
            region=location.region,
        )
        try:
            async with httpx.AsyncClient(timeout=httpx.Timeout(self._timeout)) as client:
                body = data if method == "PUT" else None
                return await client.request(method, url, content=body, headers=signed)
        except httpx.HTTPError as exc:
            raise DownstreamUnavailable(f"media storage {method}: {type(exc).__name__}") from exc


def _refused(status: int, action: str) -> NoReturn:
    message = f"media storage {action} answered {status}"
    if status >= 500 or status in (408, 429):
        raise DownstreamUnavailable(message, status=status)
    raise DownstreamRejected(message, status=status)
