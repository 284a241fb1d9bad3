"""The families page in a real browser: an admin writes a family's record with a child and a
dated session, issues its parent code (shown once), a parent gives the code on WhatsApp and
reads the child's next session; once the admin revokes the code, it opens nothing."""

from __future__ import annotations

import re
from datetime import date, timedelta

from playwright.async_api import Page, expect

from support.console_browser import ADMIN_NAME, browser, console_env, signed_in
from support.conversation import STAFF_GROUP, Conversation
from support.stack import running_stack

ALWAYS_OPEN = "mon-sun 00:00-24:00"
CODE = re.compile(r"^[2-9A-Z]{4}-[2-9A-Z]{4}-[2-9A-Z]{4}$")
MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
PLACE = "salle Saint-Joseph"
QUESTION = "Bonjour, quelle est la prochaine séance de caté de Jules ?"


def a_session_day() -> date:
    """A day a month ahead (not a 1st, which the answer writes "1er")."""
    day = date.today() + timedelta(days=30)
    return day + timedelta(days=1) if day.day == 1 else day


async def create_family(page: Page, day: date) -> None:
    await page.get_by_role("link", name="Familles et codes").click()
    await page.get_by_role("link", name="Familles du service CATECHESE").click()
    await page.get_by_label("Nom de la famille").fill("Famille Durand")
    await page.get_by_label("Parents (un par ligne)").fill("Sophie Durand")
    await page.get_by_label("Prénom").fill("Jules")
    await page.get_by_label("Nom de l'enfant").fill("Durand")
    await page.get_by_label("Groupe").fill("CM1")
    first = page.get_by_role("group", name="Séance 1 (nouvelle, facultative)")
    await first.get_by_label("Date").fill(day.isoformat())
    await first.get_by_label("Début").fill("10:30")
    await first.get_by_label("Fin").fill("11:45")
    await first.get_by_label("Lieu").fill(PLACE)
    await page.get_by_role("button", name="Créer la famille").click()
    await expect(page.get_by_role("status")).to_have_text("Enregistré.")
    await expect(page.get_by_role("heading", name="Famille Durand")).to_be_visible()


async def issue_code(page: Page) -> str:
    await page.get_by_role("button", name="Émettre un code").click()
    await expect(page.get_by_role("alert")).to_contain_text("plus jamais affiché")
    code = (await page.locator("#parent-code").inner_text()).strip()
    assert CODE.match(code)
    # Reloading the page that showed it issues nothing (the code stays the one a parent
    # uses below) and shows it no more: it leads back to the record.
    await page.reload()
    await expect(page.get_by_text("Un code est actif depuis")).to_be_visible()
    assert code not in await page.content()  # shown once: the record's page never has it
    await expect(page.get_by_role("link", name=re.compile("retour à la fiche"))).to_have_count(0)
    return code


async def test_an_admin_issues_a_family_code_a_parent_uses_it_then_it_is_revoked(
    env: dict[str, str],
) -> None:
    flow = {**env, **console_env(), "STAFF_CHAT_ID": STAFF_GROUP}
    flow["HANDOFF_BUSINESS_HOURS"] = ALWAYS_OPEN
    day = a_session_day()
    async with running_stack(flow) as stack, browser() as chromium:
        page = await signed_in(chromium, f"http://127.0.0.1:{stack.gateway.api_port}", ADMIN_NAME)
        await create_family(page, day)
        code = await issue_code(page)

        parent = Conversation(stack, "33610000092@c.us")
        await parent.send(QUESTION)
        assert "code parent" in (await parent.expect(1))[0]
        await parent.send(f"mon code : {code.lower()}")
        replies = await parent.expect(3)
        assert "bien reconnu" in replies[1]
        assert f"{day.day} {MONTHS[day.month - 1]}" in replies[2]
        assert "10h30" in replies[2]
        assert PLACE in replies[2]

        await page.get_by_role("button", name="Révoquer le code").click()
        await expect(page.get_by_role("status")).to_contain_text("Code révoqué")
        await expect(page.get_by_text("Cette famille n'a pas de code")).to_be_visible()

        newcomer = Conversation(stack, "33610000093@c.us")
        await newcomer.send(QUESTION)
        await newcomer.expect(1)
        await newcomer.send(code)
        refused = (await newcomer.expect(2))[-1]
        assert "Il vous reste 2 essais" in refused
        assert not any(PLACE in text for text in newcomer.received())
