"""SIGTERM during traffic: in-flight messages finish or are redelivered; none lost or doubled."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys

import httpx
import nats

from support import fixtures
from support.infra import free_port
from support.polling import HANG_GUARD, eventually
from support.settling import settled
from support.stack import Stack, running_stack


def _start_router(env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "router"],
        env={**os.environ, **env, "ROUTER_HEALTH_PORT": str(port)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    return process, port


async def _wait_ready(process: subprocess.Popen[bytes], port: int) -> None:
    async with httpx.AsyncClient() as client:

        async def ready() -> bool:
            assert process.poll() is None, "the router subprocess exited before it was ready"
            try:
                return (await client.get(f"http://127.0.0.1:{port}/readyz")).status_code == 200
            except httpx.HTTPError:
                return False

        await eventually(ready)


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


async def test_sigterm_during_traffic_loses_and_doubles_nothing(env: dict[str, str]) -> None:
    bodies = [
        fixtures.text_message(f"336200000{index % 12:02d}@c.us", ANSWERABLE[index // 12])
        for index in range(60)
    ]
    async with running_stack(env, only=("ai", "handoff", "store")) as stack:
        router, port = _start_router(env)
        await _wait_ready(router, port)
        first_half = asyncio.gather(*(stack.post(body) for body in bodies[:30]))
        await eventually(lambda: _router_has_taken_a_message(stack))
        router.send_signal(signal.SIGTERM)
        responses = list(await first_half)
        output, _ = await asyncio.to_thread(router.communicate, timeout=HANG_GUARD)
        assert router.returncode == 0, output.decode()[-2000:]
        assert b"stop signal received" in output
        responses += await asyncio.gather(*(stack.post(body) for body in bodies[30:]))
        assert all(response.status_code == 200 for response in responses)
        replacement, port = _start_router(env)
        try:
            await _wait_ready(replacement, port)
            sent = await stack.waha.wait_for_texts(60, timeout=HANG_GUARD)
            await settled(stack)
            assert len(stack.waha.sent_texts) == 60
            assert {item.body["chatId"] for item in sent} == {
                body["payload"]["from"] for body in bodies
            }
        finally:
            replacement.send_signal(signal.SIGTERM)
            await asyncio.to_thread(replacement.communicate, timeout=HANG_GUARD)
