"""A conversation's files, served to signed-in staff from the media storage.

A file is asked for by its conversation (the handoff) and its id, and served only when
that conversation's transcript lists it: a signed-in agent reaches the files of the
conversations the desk shows, and nothing else of the storage (no key is ever taken
from the request). The person's file is not trusted: it is served with its own type,
``nosniff`` and a sandboxing policy, inline only when it is a common picture, as a
download otherwise, and never cached.
"""

from __future__ import annotations

import logging
import uuid
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response

from concierge_common.contracts import handoff_api as desk_api
from concierge_common.contracts.store_api import InteractionFile
from gateway.console.context import Console
from gateway.console.desk_pages import transcript

log = logging.getLogger(__name__)

INLINE_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})


def file_routes(router: APIRouter, console: Console) -> None:
    @router.get("/handoffs/{handoff_id}/files/{file_id}", include_in_schema=False)
    async def console_file(request: Request, handoff_id: uuid.UUID, file_id: uuid.UUID) -> Response:
        console.staff(request)
        found = await console.desk.call(
            desk_api.DESK_GET, desk_api.DeskAction(id=str(handoff_id)), desk_api.DeskHandoff
        )
        listed = [m.file for m in await transcript(console, found.handoff) if m.file]
        file = next((f for f in listed if f.id == str(file_id)), None)
        if file is None:
            raise HTTPException(404, "fichier introuvable dans cette conversation")
        data = await console.media.get(file.storage_key)
        log.info("console: a conversation's file served (%s)", file.kind)
        return Response(data, media_type=file.mime_type, headers=file_headers(file))


def file_headers(file: InteractionFile) -> dict[str, str]:
    disposition = "inline" if file.mime_type in INLINE_TYPES else "attachment"
    fallback = "".join(
        c if (c.isascii() and c.isalnum()) or c in "._-" else "_" for c in file.filename
    )
    named = f"; filename=\"{fallback or 'fichier'}\"; filename*=UTF-8''{quote(file.filename)}"
    return {
        "Content-Disposition": disposition + (named if file.filename else ""),
        "X-Content-Type-Options": "nosniff",
        "Content-Security-Policy": "default-src 'none'; sandbox",
        "Cache-Control": "private, no-store",
    }
