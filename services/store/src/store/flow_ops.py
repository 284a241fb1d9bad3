"""The conversation-flow operations the store answers over request/reply (``store_api``):
code claims and family records (CODE_CLAIM, FAMILY_GET), handoffs (HANDOFF_*) and the
conversation so far (INTERACTION_LIST)."""

from __future__ import annotations

from concierge_common.bus.rpc import Operation
from concierge_common.contracts import store_api as api
from store.claims import Claims
from store.handoff_reads import HandoffReads
from store.handoffs import Handoffs
from store.interactions import Interactions


def claim_operations(claims: Claims) -> list[Operation]:
    """code.claim and family.get, answered by ``claims``."""
    return [
        Operation(api.CODE_CLAIM, api.CodeClaim, claims.claim),
        Operation(api.FAMILY_GET, api.FamilyQuery, claims.family),
    ]


def handoff_operations(handoffs: Handoffs, reads: HandoffReads) -> list[Operation]:
    """Every handoff.* operation: writes by ``handoffs``, reads by ``reads``."""

    async def get(request: api.ById) -> api.HandoffView:
        return await reads.get(request.id)

    async def notice(request: api.ById) -> api.HandoffView:
        return await handoffs.notice(request.id)

    async def events(request: api.ById) -> list[api.HandoffEventView]:
        return await reads.events(request.id)

    return [
        Operation(api.HANDOFF_OPEN, api.HandoffOpen, handoffs.open),
        Operation(api.HANDOFF_GET, api.ById, get),
        Operation(api.HANDOFF_FIND, api.HandoffQuery, reads.find),
        Operation(api.HANDOFF_LIST, api.HandoffListQuery, reads.listing),
        Operation(api.HANDOFF_MOVE, api.HandoffMove, handoffs.move),
        Operation(api.HANDOFF_TOUCH, api.HandoffTouch, handoffs.touch),
        Operation(api.HANDOFF_NOTICE, api.ById, notice),
        Operation(api.HANDOFF_EVENTS, api.ById, events),
    ]


def interaction_operations(interactions: Interactions) -> list[Operation]:
    """interaction.list: the last messages of a session (ai's conversation history)."""
    return [Operation(api.INTERACTION_LIST, api.InteractionQuery, interactions.recent)]
