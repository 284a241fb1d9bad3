"""``concierge chat``: the terminal chat against a gateway that already runs.

The gateway sends its replies to WAHA; for them to show here, its
``WAHA_URL`` must point at the stand-in this command serves (``--waha-port``)
with the same ``WAHA_API_KEY``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx

from concierge_devkit.chat import ScriptTiming, interactive, scripted
from concierge_devkit.conversation import Conversation
from concierge_devkit.signals import cancel_on_sigterm
from concierge_devkit.waha_fake import WahaFake, serve_fake

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ChatOptions:
    gateway_url: str
    hmac_key: str
    waha_api_key: str
    waha_host: str
    waha_port: int
    chat_id: str
    timing: ScriptTiming  # of --script lines
    staff_chat_id: str = ""
    scripts: tuple[str, ...] = ()


async def chat_only(options: ChatOptions) -> int:
    """Serve the WAHA stand-in, then chat through ``options.gateway_url``."""
    cancel_on_sigterm()
    fake = WahaFake(api_key=options.waha_api_key)
    server = await serve_fake(fake, host=options.waha_host, port=options.waha_port)
    log.info(
        "WAHA stand-in on http://%s:%d (the gateway's WAHA_URL)", options.waha_host, server.port
    )
    try:
        async with httpx.AsyncClient(timeout=10.0) as http:
            conversation = Conversation(
                http,
                webhook_url=options.gateway_url.rstrip("/") + "/webhook",
                hmac_key=options.hmac_key,
                chat_id=options.chat_id,
                staff_chat_id=options.staff_chat_id,
                offer_file=fake.add_file,
            )
            fake.on_send = conversation.on_send
            if options.scripts:
                return await scripted(conversation, options.scripts, options.timing)
            return await interactive(conversation)
    finally:
        await server.stop()
