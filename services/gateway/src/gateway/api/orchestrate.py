"""``POST /orchestrate``: a message of another channel (a web chat, a voice gateway, a
test), answered synchronously through the same pipeline as WhatsApp.

For roles ``channel`` and ``admin``. The person is the caller's opaque ``user``
id within the calling channel, the token's subject (the store knows them as
``<subject>:<user>@api``, never by a phone number): a channel cannot reach
another channel's person, and a token whose subject cannot name a channel is
answered 403. 200 with
the replies once they stopped coming (:mod:`gateway.orchestrator`); 503 with
``Retry-After`` when the bus cannot take the message (nothing was published);
504 when it was accepted but nothing answered in time (it may still be answered
and recorded: do not resend it blindly, the person would be answered twice).
"""

# No ``from __future__ import annotations`` here: FastAPI resolves string annotations in
# the module's globals, and the route's dependencies are built per app (closures).

import logging
import time
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException

from concierge_common.errors import BusUnavailable
from concierge_common.metrics import child
from gateway import metrics
from gateway.api.auth import CHANNEL, Authorizer, Principal
from gateway.api.errors import RETRY_AFTER_SECONDS, problem_responses
from gateway.api.models import OrchestrateIn, OrchestrateOut, ReplyOut
from gateway.api_channel import UnscopedChannel, api_person
from gateway.orchestrator import Exchange, NoReply, Orchestrator

log = logging.getLogger(__name__)

DESCRIPTION = (
    "The message goes through the router, ai and handoff exactly like a WhatsApp message"
    " of the person `user` of the calling channel (the token's subject: two channels never"
    " share a person; a subject other than letters, digits and `._-`, at most 64, is 403)."
    " The answer comes once a first reply came and no other followed"
    " for `GATEWAY_ORCHESTRATE_QUIET_SECONDS`; 504 when nothing came within"
    " `GATEWAY_ORCHESTRATE_TIMEOUT_SECONDS` (the message was accepted: it may still be"
    " answered later, do not resend it blindly). While a human owns the conversation the"
    " person's messages go to staff and their answers are not waited for (504)."
    " `handed_off` is true when a reply is a handoff notice: a human takes over."
)


def orchestrate_router(orchestrator: Orchestrator | None, auth: Authorizer) -> APIRouter:
    """The route; without an ``orchestrator`` (a process that cannot listen) it answers 503."""
    guard = auth.require(CHANNEL)
    router = APIRouter(
        tags=["orchestrate"], responses=problem_responses(400, 401, 403, 422, 503, 504)
    )

    @router.post(
        "/orchestrate",
        summary="Send a person's message and wait for the replies",
        description=DESCRIPTION,
    )
    async def orchestrate(
        body: OrchestrateIn, principal: Annotated[Principal, Depends(guard)]
    ) -> OrchestrateOut:
        person = _person(principal, body.user)
        if orchestrator is None:
            raise _unavailable("orchestration is not available in this process")
        started = time.perf_counter()
        try:
            exchange = await _exchange(orchestrator, person, body)
        finally:
            metrics.ORCHESTRATE_SECONDS.observe(time.perf_counter() - started)
        return OrchestrateOut(
            conversation_id=exchange.conversation_id,
            replies=[ReplyOut(text=r.text, origin=r.origin) for r in exchange.replies],
            handed_off=exchange.handed_off,
        )

    return router


def _person(principal: Principal, user: str) -> str:
    """``user`` within the caller's channel; 403 when the token names no usable channel."""
    try:
        return api_person(principal.subject, user)
    except UnscopedChannel as exc:
        log.warning("orchestrate refused: the token's subject cannot name a channel")
        raise HTTPException(403, str(exc)) from exc


async def _exchange(orchestrator: Orchestrator, person: str, body: OrchestrateIn) -> Exchange:
    message = orchestrator.message(person, body.text, body.name or "")
    try:
        exchange = await orchestrator.exchange(message)
    except BusUnavailable as exc:
        child(metrics.ORCHESTRATIONS, "unavailable").inc()
        log.warning("orchestrate answered 503: %s", exc)
        raise _unavailable("message bus unavailable") from exc
    except NoReply as exc:
        child(metrics.ORCHESTRATIONS, "timeout").inc()
        log.warning("orchestrate answered 504", extra={"conversation_id": message.conversation_id})
        raise HTTPException(504, "no reply in time; the message was accepted") from exc
    child(metrics.ORCHESTRATIONS, "handed_off" if exchange.handed_off else "answered").inc()
    log.info(
        "orchestrate answered",
        extra={"conversation_id": message.conversation_id, "replies": len(exchange.replies)},
    )
    return exchange


def _unavailable(detail: str) -> HTTPException:
    return HTTPException(503, detail, headers={"Retry-After": RETRY_AFTER_SECONDS})
