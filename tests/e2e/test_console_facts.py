"""An admin closes a fact's validity window in the console; the assistant stops serving it."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from playwright.async_api import expect

from support.api import as_role
from support.console_browser import ADMIN_NAME, browser, console_env, signed_in
from support.conversation import Conversation
from support.stack import Stack, running_stack

FACT = "Messes du dimanche"
QUESTION = "Quels sont les horaires des messes du dimanche ?"
# A sentence of that fact only (the other facts say other things about Sunday).
ONLY_IN_FACT = "messe anticipée du dimanche"


async def service_of(stack: Stack, title: str) -> str:
    """The id of the service that holds the fact ``title`` (read through the HTTP API)."""
    assert stack.http is not None
    admin = as_role("admin")
    services = (await stack.http.get("/admin/services", headers=admin)).json()
    for service in services:
        infos = await stack.http.get(f"/admin/services/{service['id']}/infos", headers=admin)
        if any(info["title"] == title for info in infos.json()):
            return str(service["id"])
    raise AssertionError(f"no service holds {title!r}")


async def test_a_fact_whose_window_an_admin_closes_in_the_console_is_no_longer_served(
    env: dict[str, str],
) -> None:
    flow = {**env, **console_env(), "AI_FACTS_CACHE_SECONDS": "0"}
    async with running_stack(flow) as stack, browser() as chromium:
        before = Conversation(stack, "33610000092@c.us")
        await before.send(QUESTION)
        assert ONLY_IN_FACT in (await before.expect(1))[-1]

        page = await signed_in(chromium, f"http://127.0.0.1:{stack.gateway.api_port}", ADMIN_NAME)
        await page.goto(f"/console/services/{await service_of(stack, FACT)}")
        await expect(page.locator("#served-now")).to_contain_text(FACT)
        await page.get_by_role("link", name=FACT, exact=True).click()
        await expect(page.get_by_text("valide maintenant")).to_be_visible()

        zone = ZoneInfo("Europe/Paris")
        yesterday = datetime.now(zone) - timedelta(days=1)
        await page.get_by_label("Valide jusqu'au, exclu").fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
        await page.get_by_role("button", name="Enregistrer").click()
        await expect(page.get_by_role("status")).to_have_text("Enregistré.")
        await expect(page.get_by_text("expirée")).to_be_visible()

        await page.get_by_role("link", name="← Le service").click()
        await expect(page.locator("#served-now")).not_to_contain_text(FACT)

        after = Conversation(stack, "33610000093@c.us")
        await after.send(QUESTION)
        answer = (await after.expect(1))[-1]
        assert ONLY_IN_FACT not in answer
