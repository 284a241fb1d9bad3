"""A stopping service's HTTP server lets requests finish for its grace period, then cancels them."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import FastAPI

from concierge_common.bus.health import HttpServer
from support.polling import HANG_GUARD, guarded


def _app_that_never_answers(entered: asyncio.Event) -> FastAPI:
    app = FastAPI()

    @app.get("/slow")
    async def slow() -> dict[str, str]:
        entered.set()
        await asyncio.Event().wait()  # a handler stuck for good
        return {}

    return app


async def test_stop_ends_even_while_a_request_never_finishes() -> None:
    entered = asyncio.Event()
    server = HttpServer(_app_that_never_answers(entered), "127.0.0.1", 0, grace_seconds=1)
    await server.start()
    async with httpx.AsyncClient(timeout=HANG_GUARD) as client:
        request = asyncio.create_task(client.get(f"http://127.0.0.1:{server.port}/slow"))
        await entered.wait()
        # Without the grace period uvicorn waits for that connection for ever.
        await guarded(server.stop(), "stopping a server with a stuck request")
        outcome = (await asyncio.gather(request, return_exceptions=True))[0]
    # The stuck request was cut: the client got an error, never a normal answer.
    if isinstance(outcome, httpx.Response):
        assert outcome.status_code >= 500, outcome
    else:
        assert isinstance(outcome, httpx.HTTPError), outcome
