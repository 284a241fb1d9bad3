"""The gateway split as production deploys it: an ``api`` edge and an ``outbound`` sender."""

from __future__ import annotations

import nats
from nats.js.errors import NotFoundError

from concierge_common import settings as settings_module
from gateway.service import GatewayService
from gateway.settings import GatewaySettings
from support import fixtures
from support.polling import HANG_GUARD, eventually
from support.stack import Stack, running_stack


async def _waiting_pulls_on_outbound(stack: Stack) -> int:
    """Pull requests waiting on the gateway's outbound consumers (0: nobody consumes)."""
    nc = await nats.connect(stack.env["NATS_URL"])
    try:
        js = nc.jetstream()
        total = 0
        for part in range(stack.topology.partitions):
            try:
                info = await js.consumer_info(stack.topology.stream, f"gateway-outbound-{part:03d}")
            except NotFoundError:
                continue  # not even declared: nobody ever consumed it
            total += info.num_waiting or 0
        return total
    finally:
        await nc.close()


async def test_api_edge_and_outbound_sender_run_apart_and_reply_once(env: dict[str, str]) -> None:
    async with running_stack({**env, "GATEWAY_ROLES": "api"}) as stack:
        assert await _waiting_pulls_on_outbound(stack) == 0  # the edge does not send

        outbound_env = {**stack.env, "GATEWAY_ROLES": "outbound", "WAHA_WEBHOOK_HMAC_KEY": ""}
        sender = GatewayService(settings_module.load(GatewaySettings, outbound_env), health_port=0)
        await sender.start()
        try:
            response = await stack.post(fixtures.text_message("33600000900@c.us", "Bonjour"))
            assert response.status_code == 200
            texts = await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
            # The sender's loops pull (a loop between two fetches has no request waiting).
            assert await eventually(lambda: _waiting_pulls_on_outbound(stack)) > 0
        finally:
            await sender.stop()
    assert [t.body["chatId"] for t in texts] == ["33600000900@c.us"]
