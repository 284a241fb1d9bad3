"""Outbound retries and rejections, side app endpoints, and what the logs may contain."""

from __future__ import annotations

import logging

import httpx
import nats
import pytest

from concierge_common import logs
from support import fixtures
from support.polling import HANG_GUARD, eventually
from support.settling import settled
from support.stack import running_stack


async def _dead_letter_count(nats_url: str, stream: str) -> int:
    nc = await nats.connect(nats_url)
    try:
        return int((await nc.jetstream().stream_info(stream)).state.messages)
    finally:
        await nc.close()


async def test_waha_unavailable_is_retried_and_the_reply_is_sent_once(env: dict[str, str]) -> None:
    async with running_stack(env) as stack:
        stack.waha.fail_next(2, 503)
        await stack.post(fixtures.text_message("33600000050@c.us", "Bonjour"))
        await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
        await settled(stack)
        assert len(stack.waha.sent_texts) == 1


async def test_waha_rejection_is_dead_lettered_not_retried(env: dict[str, str]) -> None:
    async with running_stack(env) as stack:
        stack.waha.fail_next(1, 400, {"message": ["chatId must be a string"]})
        await stack.post(fixtures.text_message("33600000051@c.us", "Bonjour"))

        async def dead_lettered() -> int:
            return await _dead_letter_count(env["NATS_URL"], stack.topology.dlq_stream)

        await eventually(dead_lettered)
        await settled(stack)
        assert await _dead_letter_count(env["NATS_URL"], stack.topology.dlq_stream) == 1
        assert stack.waha.sent_texts == []


async def test_every_service_serves_health_readiness_and_metrics(env: dict[str, str]) -> None:
    async with running_stack(env) as stack:
        await stack.post(fixtures.text_message("33600000052@c.us", "Bonjour"))
        await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
        runtimes = [stack.gateway.runtime] + [service.runtime for service in stack.services]
        async with httpx.AsyncClient() as client:
            for runtime in runtimes:
                base = f"http://127.0.0.1:{runtime.health_port}"
                assert (await client.get(f"{base}/healthz")).status_code == 200
                ready = await client.get(f"{base}/readyz")
                assert ready.status_code == 200, ready.text
                assert ready.json()["checks"]["nats"] == "ok"
                metrics = (await client.get(f"{base}/metrics")).text
                assert "concierge_bus_messages_handled_total" in metrics
            gateway_metrics = (
                await client.get(f"http://127.0.0.1:{stack.gateway.runtime.health_port}/metrics")
            ).text
        assert 'concierge_gateway_webhooks_total{event="message",result="accepted"}' in (
            gateway_metrics
        )
        assert "33600000052" not in gateway_metrics


async def test_readiness_fails_while_shutting_down(env: dict[str, str]) -> None:
    async with running_stack(env, only=()) as stack:
        stack.gateway.runtime.readiness.stopping = True
        ready, checks = await stack.gateway.runtime.readiness.report()
        assert not ready
        assert checks["shutdown"] == "in progress"
        stack.gateway.runtime.readiness.stopping = False


async def test_logs_carry_ids_but_never_phone_numbers_or_bodies(
    env: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # stricter than the INFO rule: not even DEBUG
    secret_body = "Mon numéro est le 0612345678, horaires des messes ?"
    async with running_stack(env) as stack:
        await stack.post(fixtures.text_message("33699887766@c.us", secret_body))
        await stack.waha.wait_for_texts(1, timeout=HANG_GUARD)
        await settled(stack)  # every service has logged its part of the turn
    formatter = logs.JsonFormatter("test")
    lines = [formatter.format(record) for record in caplog.records]
    text = "\n".join(lines)
    assert "webhook accepted" in text
    assert "33699887766" not in text
    assert "0612345678" not in text
    assert "horaires des messes" not in text
    accepted = next(line for line in lines if "webhook accepted" in line)
    assert '"conversation_id"' in accepted
    assert '"message_id"' in accepted
