"""A reply WAHA answers after the gateway's timeout reaches the person once, retries included.

The gateway's outbound role runs on the real bus (its consumer retries a failed
delivery after ``BUS_RETRY_DELAYS`` and dead-letters it past
``BUS_MAX_DELIVER``) against the WAHA stand-in, whose sends the test holds
(:mod:`support.waha_hold`) with the client's timeout set to 0.2 s. A hold is
released on an event that proves the client gave up (the retry's lookup), and
"nothing more is sent" is asserted once the bus is drained (:mod:`support.settling`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass

import nats
from nats.aio.client import Client as NATS
from prometheus_client import REGISTRY

from concierge_common import ids
from concierge_common import settings as settings_module
from concierge_common.bus.topology import Topology
from concierge_common.contracts.messages import Codec, ProcessingFailed, ReplySent, SendReply
from concierge_devkit.waha_fake import serve_fake
from gateway.service import GatewayService
from gateway.settings import GatewaySettings
from support.bus_reading import stored_on
from support.polling import HANG_GUARD, eventually, guarded
from support.settling import drained
from support.stack import delete_namespace
from support.waha_hold import HoldingWaha

PERSON = "33600000721@c.us"
SENTENCES = [
    "Le baptême se prépare avec l'équipe paroissiale.",
    "Deux rencontres ont lieu avant la célébration.",
    "Merci de prendre contact avec le secrétariat.",
]


def replies(result: str) -> float:
    value = REGISTRY.get_sample_value("concierge_gateway_replies_total", {"result": result})
    return value or 0.0


@dataclass
class Outbound:
    gateway: GatewayService
    waha: HoldingWaha
    nc: NATS
    env: dict[str, str]

    @property
    def topology(self) -> Topology:
        return self.gateway.runtime.topology

    async def publish(self, text: str) -> SendReply:
        key = self.gateway.settings.conversation_id_key
        reply = SendReply(
            message_id=ids.new_id(),
            conversation_id=ids.conversation_id(key, "default", PERSON),
            correlation_id="corr-slow",
            session="default",
            chat_id=PERSON,
            text=text,
            in_reply_to="inbound-1",
        )
        await self.gateway.runtime.publisher.publish("outbound", reply)
        return reply

    async def on(self, flow: str, reply: SendReply, codec: Codec) -> list[object]:
        subject = self.topology.subject(flow, reply.conversation_id)
        return await stored_on(self.nc, self.topology.stream, subject, codec.decode)

    async def settled(self) -> None:
        await drained(self.env["NATS_URL"], self.topology)

    def texts(self) -> list[str]:
        return [str(r.body["text"]) for r in self.waha.sent_texts]


@contextlib.asynccontextmanager
async def outbound_gateway(env: dict[str, str], **overrides: str) -> AsyncIterator[Outbound]:
    waha = HoldingWaha(api_key=env["WAHA_API_KEY"])
    server = await serve_fake(waha)
    env = {
        **env,
        "WAHA_URL": waha.base_url,
        "WAHA_TIMEOUT_SECONDS": "0.2",
        "GATEWAY_ROLES": "outbound",
        **overrides,
    }
    gateway = GatewayService(settings_module.load(GatewaySettings, env), health_port=0)
    nc = await nats.connect(env["NATS_URL"])
    try:
        await guarded(gateway.start(), "the gateway's start")
        yield Outbound(gateway, waha, nc, env)
        assert waha.invalid == []
    finally:
        waha.release_all()
        await guarded(gateway.stop(), "the gateway's stop")
        await nc.close()
        await server.stop()
        await delete_namespace(env["NATS_URL"], Topology(env["BUS_NAMESPACE"], 1))


async def test_a_reply_waha_answers_after_the_timeout_is_received_once(
    env: dict[str, str],
) -> None:
    async with outbound_gateway(env) as gateway:
        hold = gateway.waha.hold_next(stored_first=True)
        reply = await gateway.publish("La messe est à 10 h 30.")
        await gateway.waha.wait_for("getMessage", 1, timeout=HANG_GUARD)  # the client gave up
        hold.release()
        await hold.answered.wait()
        [sent] = await eventually(lambda: gateway.on("sent", reply, Codec(ReplySent)))
        await gateway.settled()
        [text] = gateway.waha.sent_texts
        assert isinstance(sent, ReplySent)
        assert sent.provider_message_id == f"true_{PERSON}_{text.body['id']}"


async def test_a_part_still_in_flight_at_waha_is_not_resent(env: dict[str, str]) -> None:
    not_confirmed = replies("not_confirmed")
    async with outbound_gateway(env, GATEWAY_PART_MAX_CHARS="60") as gateway:
        hold = gateway.waha.hold_next(stored_first=False, let_through=1)  # the second part
        reply = await gateway.publish(" ".join(SENTENCES))
        # The retry's last lookup was answered "not there": it is not sent again.
        await gateway.waha.wait_for("chatMessages", 1, timeout=HANG_GUARD)
        hold.release()  # the phone session sends it at last
        await eventually(lambda: gateway.on("sent", reply, Codec(ReplySent)))
        await gateway.settled()
        assert gateway.texts() == SENTENCES
        assert replies("not_confirmed") == not_confirmed + 1


async def test_a_reply_waha_never_shows_is_dead_lettered_not_resent(
    env: dict[str, str],
) -> None:
    async with outbound_gateway(env, BUS_MAX_DELIVER="3") as gateway:
        hold = gateway.waha.hold_next(stored_first=False)
        reply = await gateway.publish("La messe est à 10 h 30.")
        [failed] = await eventually(lambda: gateway.on("failed", reply, Codec(ProcessingFailed)))
        await gateway.settled()
        assert isinstance(failed, ProcessingFailed)
        assert (failed.flow, failed.error_type) == ("outbound", "SendInDoubt")
        assert await gateway.on("sent", reply, Codec(ReplySent)) == []
        assert gateway.waha.calls("getMessage")  # each retry looked it up
        hold.release()
        await hold.answered.wait()
        assert len(gateway.waha.sent_texts) == 1  # the held send, and no other
