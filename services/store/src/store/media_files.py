"""The media files on disk, under ``STORE_MEDIA_DIR``.

``media.file_path`` is relative to that root. A path that would resolve outside
it (``../``, an absolute path, a symlink pointing away) is refused: whatever a
row says, deleting a person's media never touches another file of the host.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path

log = logging.getLogger(__name__)


class MediaFiles:
    """Locates and removes media files inside one root folder."""

    def __init__(self, root: Path) -> None:
        self._root = root

    def path_of(self, file_path: str) -> Path | None:
        """The file's absolute path, or None when ``file_path`` escapes the root."""
        root = self._root.resolve()
        candidate = (root / file_path).resolve()
        if candidate == root or not candidate.is_relative_to(root):
            return None
        return candidate

    def remove(self, file_paths: Iterable[str]) -> int:
        """Delete the files; return how many were deleted.

        A file already gone counts as nothing to do; a refused path or a failed
        deletion is logged (without the path, which may name a person) and skipped,
        so that one bad row cannot stop the others from being erased.
        """
        removed = 0
        for file_path in file_paths:
            path = self.path_of(file_path)
            if path is None:
                log.error("media path outside the media folder refused")
                continue
            try:
                path.unlink()
            except FileNotFoundError:
                continue
            except OSError as exc:
                log.error("media file not deleted: %s", type(exc).__name__)
                continue
            removed += 1
        return removed
