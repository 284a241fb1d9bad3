"""A hand-off whose store reply was lost still reaches staff and the person, once.

The real stack, but the router's store client loses the reply of its first
``handoff.open``: the store executed it (the handoff is open, the session is
in ``handoff``), then the call fails as a timeout does. The bus redelivers the
person's message; the router must finish the hand-off (one staff alert, one
"a human will answer you") instead of only relaying the message to staff.
"""

from __future__ import annotations

import pytest

import router.service
from concierge_common.contracts import store_api as api
from concierge_common.errors import Outage
from router.store_client import StoreClient
from support.conversation import REFERENCE, STAFF_GROUP, Conversation
from support.settling import settled
from support.stack import running_stack


class LosingFirstOpenReply(StoreClient):
    """The first ``handoff.open`` runs in the store, then its reply is lost."""

    lost = 0

    async def open_handoff(self, request: api.HandoffOpen) -> api.HandoffView:
        opened = await super().open_handoff(request)
        if LosingFirstOpenReply.lost == 0:
            LosingFirstOpenReply.lost += 1
            raise Outage("store did not answer handoff.open (TimeoutError)")
        return opened


async def test_a_lost_handoff_open_reply_still_alerts_staff_and_tells_the_person_once(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(router.service, "StoreClient", LosingFirstOpenReply)
    monkeypatch.setattr(LosingFirstOpenReply, "lost", 0)
    env = {**env, "STAFF_CHAT_ID": STAFF_GROUP, "HANDOFF_BUSINESS_HOURS": "mon-sun 00:00-24:00"}
    async with running_stack(env) as stack:
        person = Conversation(stack, "33610000031@c.us")
        await person.send("Je voudrais parler à quelqu'un")
        [told] = await person.expect(1)
        assert "Je transmets votre demande" in told
        [alert] = await person.expect_staff(1)
        assert REFERENCE.search(alert)
        assert "parler à quelqu'un" in alert
        await settled(stack)
        assert LosingFirstOpenReply.lost == 1
        assert person.received() == [told]
        assert person.staff_received() == [alert]
