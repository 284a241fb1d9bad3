"""SIGTERM during traffic: in-flight messages finish or are redelivered; none lost or doubled."""

from __future__ import annotations

import asyncio
from pathlib import Path

import nats

from support import fixtures
from support.polling import HANG_GUARD, eventually
from support.service_processes import start_service
from support.settling import settled
from support.stack import Stack, running_stack


async def _router_has_taken_a_message(stack: Stack) -> bool:
    """True once the router's consumers delivered at least one message (it is at work)."""
    nc = await nats.connect(stack.env["NATS_URL"])
    try:
        js = nc.jetstream()
        for info in await js.consumers_info(stack.topology.stream):
            delivered = info.delivered.consumer_seq if info.delivered else 0
            if info.name.startswith("router-inbound-") and delivered:
                return True
        return False
    finally:
        await nc.close()


# Questions the seeded parish answers (each gets exactly one reply from the bot).
ANSWERABLE = (
    "Quels sont les horaires des messes ?",
    "Quand est ouvert l'accueil ?",
    "baptême de mon bébé",
    "je voudrais me marier",
    "confessions",
)


async def test_sigterm_during_traffic_loses_and_doubles_nothing(
    env: dict[str, str], tmp_path: Path
) -> None:
    bodies = [
        fixtures.text_message(f"336200000{index % 12:02d}@c.us", ANSWERABLE[index // 12])
        for index in range(60)
    ]
    async with running_stack(env, only=("ai", "handoff", "store")) as stack:
        router = await start_service("router", env, tmp_path, label="router")
        try:
            await router.wait_ready()
            first_half = asyncio.gather(*(stack.post(body) for body in bodies[:30]))
            await eventually(lambda: _router_has_taken_a_message(stack))
            router.terminate()
            responses = list(await first_half)
            assert await router.wait_exit() == 0, router.output()[-2000:]
            assert router.logged("stop signal received")
        finally:
            await router.stop()
        responses += await asyncio.gather(*(stack.post(body) for body in bodies[30:]))
        assert all(response.status_code == 200 for response in responses)
        replacement = await start_service("router", env, tmp_path, label="replacement")
        try:
            await replacement.wait_ready()
            sent = await stack.waha.wait_for_texts(60, timeout=HANG_GUARD)
            await settled(stack)
            assert len(stack.waha.sent_texts) == 60
            assert {item.body["chatId"] for item in sent} == {
                body["payload"]["from"] for body in bodies
            }
        finally:
            await replacement.stop()
