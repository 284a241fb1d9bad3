"""A photo a person sends during a handoff shows in the console's transcript, as a picture
and a link that serves the file to signed-in staff and to nobody else."""

from __future__ import annotations

import copy
import re
import uuid
from pathlib import Path

import httpx
from playwright.async_api import expect

from support import fixtures
from support.console_browser import AGENT_NAME, browser, console_env, signed_in
from support.conversation import STAFF_GROUP, Conversation
from support.stack import running_stack

PHOTO = b"\xff\xd8\xff\xe0 the photo of a baptism certificate"
PERSON = "33610000094@c.us"


async def test_a_received_photo_shows_and_downloads_for_signed_in_staff_only(
    env: dict[str, str], tmp_path: Path
) -> None:
    flow = {
        **env,
        **console_env(),
        "STAFF_CHAT_ID": STAFF_GROUP,
        "HANDOFF_BUSINESS_HOURS": "mon-sun 00:00-24:00",
        "MEDIA_STORAGE_URL": str(tmp_path / "media"),
    }
    async with running_stack(flow) as stack, browser() as chromium:
        base = f"http://127.0.0.1:{stack.gateway.api_port}"
        page = await signed_in(chromium, base, AGENT_NAME)
        person = Conversation(stack, PERSON)
        await person.send("je voudrais parler à une vraie personne")
        await page.get_by_role("link", name=re.compile(r"^Demande H")).click()
        await expect(page.locator("#transcript")).to_contain_text("une vraie personne")

        # A photo without a caption: a message with no text, only its file.
        event = copy.deepcopy(fixtures.text_message(PERSON, ""))
        payload = event["payload"]
        url = stack.waha.add_file(f"{payload['id']}.jpg", PHOTO, "image/jpeg")
        media = {"url": url, "mimetype": "image/jpeg", "filename": "photo.jpg"}
        payload.update({"hasMedia": True, "media": media})
        assert (await stack.post(event)).status_code == 200

        link = page.get_by_role("link", name=re.compile(r"^Image : photo\.jpg \(\d+ o\)$"))
        await expect(link).to_be_visible()
        await expect(page.get_by_role("img", name="Image envoyée : photo.jpg")).to_be_visible()
        href = await link.get_attribute("href")
        assert href is not None

        served = await page.request.get(href)  # the signed-in page's own cookie
        assert served.status == 200
        assert await served.body() == PHOTO
        assert served.headers["content-type"] == "image/jpeg"
        assert served.headers["x-content-type-options"] == "nosniff"
        # Only the files this conversation's transcript lists are served.
        elsewhere = re.sub(r"/files/[^/]+$", f"/files/{uuid.uuid4()}", href)
        assert (await page.request.get(elsewhere)).status == 404

        async with httpx.AsyncClient(base_url=base) as anonymous:
            refused = await anonymous.get(href)
        assert refused.status_code == 303
        assert refused.headers["location"] == "/console/login"
        assert PHOTO not in refused.content
