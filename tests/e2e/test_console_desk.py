"""The staff console in a real browser: a person's message appears live, the agent answers
it, the answer reaches WhatsApp (the WAHA stand-in) and shows in the transcript as the
team's, the agent gives the conversation back to the assistant, and the assistant answers
the person's next question."""

from __future__ import annotations

import re

from playwright.async_api import expect

from support.console_browser import AGENT_NAME, browser, console_env, signed_in
from support.conversation import STAFF_GROUP, Conversation, wait_for
from support.polling import HANG_GUARD
from support.stack import running_stack

ALWAYS_OPEN = "mon-sun 00:00-24:00"
ANSWER = "Bonjour, ici Anne du secrétariat : je regarde votre demande."


async def test_an_agent_sees_a_handoff_live_answers_it_and_returns_it_to_the_assistant(
    env: dict[str, str],
) -> None:
    flow = {
        **env,
        **console_env(),
        "STAFF_CHAT_ID": STAFF_GROUP,
        "HANDOFF_BUSINESS_HOURS": ALWAYS_OPEN,
    }
    async with running_stack(flow) as stack, browser() as chromium:
        page = await signed_in(chromium, f"http://127.0.0.1:{stack.gateway.api_port}", AGENT_NAME)
        await expect(page.get_by_text("Aucune demande en attente.")).to_be_visible()

        person = Conversation(stack, "33610000091@c.us")
        await person.send("je voudrais parler à une vraie personne")
        # Live: the queue redraws itself, nobody reloads the page.
        link = page.get_by_role("link", name=re.compile(r"^Demande H"))
        await expect(link).to_be_visible()
        await link.click()
        await expect(page.locator("#transcript")).to_contain_text("une vraie personne")

        await person.send("C'est pour le baptême de ma fille")
        await expect(page.locator("#transcript")).to_contain_text("baptême de ma fille")

        await page.get_by_role("button", name=re.compile("^Bonjour, je suis")).click()
        await page.get_by_label("Votre réponse").fill(ANSWER)
        await page.get_by_role("button", name="Envoyer la réponse").click()
        await expect(page.get_by_role("status")).to_have_text("Réponse envoyée.")
        await wait_for(lambda: ANSWER in person.received(), HANG_GUARD, person.received)
        # The store records the reply from the ``sent`` flow once WAHA accepted it, in the
        # person's session with origin ``staff``: the page redraws itself when it lands.
        reply = page.locator("#transcript li.to-person").filter(has_text=ANSWER)
        await expect(reply.locator(".who")).to_have_text("Équipe")

        await page.get_by_role("button", name="Rendre à l'assistant").click()
        await expect(page.get_by_role("status")).to_have_text("Conversation rendue à l'assistant.")
        told = len(person.received())

        await person.send("Quels sont les horaires des messes du dimanche ?")
        answers = await person.expect(told + 1)
        assert "9h30" in answers[-1]
