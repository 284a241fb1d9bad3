"""With NATS down the webhook answers 503 (WAHA retries); once NATS is back the retry works."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from concierge_devkit.ports import free_port
from support import fixtures
from support.conversation import texts_to
from support.infra import PrivateNats
from support.polling import eventually, wait_until
from support.settling import settled
from support.stack import Stack, running_stack


@pytest.fixture
def private_nats(tmp_path: Path) -> Iterator[PrivateNats]:
    server = PrivateNats(port=free_port(), store_dir=tmp_path / "jetstream")
    server.start()
    yield server
    server.stop()


async def test_webhook_is_503_while_nats_is_down_and_the_retry_succeeds_after(
    env: dict[str, str], private_nats: PrivateNats
) -> None:
    env = {**env, "NATS_URL": private_nats.url}
    body = fixtures.text_message("33600000020@c.us", "Bonjour")
    async with running_stack(env, only=()) as stack:
        private_nats.stop()
        down = await stack.post(body)
        assert down.status_code == 503
        assert down.headers["retry-after"] == "2"
        private_nats.start()
        retried = None

        async def accepted() -> bool:  # WAHA retries until it gets a 2xx
            nonlocal retried
            retried = await stack.post(body)
            return retried.status_code == 200

        with contextlib.suppress(AssertionError):  # the last answer is shown below
            await eventually(accepted)
        assert retried is not None
        assert retried.status_code == 200, retried.text
        info = await stack.stream_info()
        assert info.state.messages == 1


async def test_a_server_restarted_without_its_store_gets_the_bus_declared_again_and_answers(
    env: dict[str, str], private_nats: PrivateNats
) -> None:
    env = {**env, "NATS_URL": private_nats.url}
    chat = "33600000021@c.us"
    async with running_stack(env) as stack:
        first = fixtures.text_message(chat, "Quels sont les horaires des messes ?")
        await _posted_until_accepted(stack, first)
        await wait_until(lambda: bool(texts_to(stack, chat)))
        await settled(stack)  # every reply to the first message is out
        before = len(texts_to(stack, chat))

        private_nats.stop()
        shutil.rmtree(private_nats.store_dir)  # streams, buckets and consumers all gone
        private_nats.start()

        question = "Quand est ouvert l'accueil ?"
        await _posted_until_accepted(stack, fixtures.text_message(chat, question))
        await wait_until(lambda: any("9h30" in text for text in texts_to(stack, chat)[before:]))


async def _posted_until_accepted(stack: Stack, body: dict[str, Any]) -> None:
    """As WAHA does: the same webhook again until it gets a 2xx."""

    async def accepted() -> bool:
        return (await stack.post(body)).status_code == 200

    await eventually(accepted)
