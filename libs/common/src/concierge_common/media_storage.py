"""Where received files and produced artifacts are kept (issue 6: H1 completes this).

``MEDIA_STORAGE_URL``: empty or a folder path for the local disk, or
``s3://KEY:SECRET@host/path/bucket?region=...`` for S3-compatible storage.
Keys are relative paths such as ``in/2026/11/<sha256>.jpg``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Protocol

from concierge_common.errors import NotFound

DEFAULT_DIR = ".concierge/media"


class MediaStorage(Protocol):
    async def put(self, key: str, data: bytes, mimetype: str) -> None: ...

    async def get(self, key: str) -> bytes: ...

    async def delete(self, key: str) -> bool: ...


class LocalMediaStorage:
    def __init__(self, root: Path) -> None:
        self._root = root

    async def put(self, key: str, data: bytes, mimetype: str) -> None:
        path = self._root / key
        await asyncio.to_thread(_write, path, data)

    async def get(self, key: str) -> bytes:
        try:
            return await asyncio.to_thread((self._root / key).read_bytes)
        except FileNotFoundError as exc:
            raise NotFound("media file not found") from exc

    async def delete(self, key: str) -> bool:
        try:
            (self._root / key).unlink()
        except FileNotFoundError:
            return False
        return True


def _write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def open_storage(url: str) -> MediaStorage:
    return LocalMediaStorage(Path(url or DEFAULT_DIR))
