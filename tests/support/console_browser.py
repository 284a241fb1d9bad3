"""A real headless Chromium (Debian's ``chromium``) driven by Playwright, for the staff console.

Playwright never downloads a browser here: it launches the system's Chromium by its
path. Tests that need it skip only when there is no ``chromium`` on the machine
(CI installs it, see ``.ci/run``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from gateway.console.accounts import hash_password

AGENT_NAME = "Anne Martin"
ADMIN_NAME = "Paul Admin"
PASSWORD = "un-mot-de-passe-de-test"
# Generous: a loaded machine answers slowly; these bound a hang, they time nothing.
WAIT_MS = 60_000


def console_env() -> dict[str, str]:
    """Two console accounts (an agent, an admin) with the test password."""
    encoded = hash_password(PASSWORD)
    return {
        "CONSOLE_ACCOUNTS": f"{AGENT_NAME}:agent:{encoded},{ADMIN_NAME}:admin:{encoded}",
        "CONSOLE_POLL_SECONDS": "0.2",
    }


def chromium_path() -> str:
    path = shutil.which("chromium")
    if path is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium; CI does)")
    return path


@contextlib.asynccontextmanager
async def browser() -> AsyncIterator[Browser]:
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    expect.set_options(timeout=WAIT_MS)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=chromium_path())
        try:
            yield launched
        finally:
            await launched.close()


async def signed_in(browser: Browser, base_url: str, name: str) -> Page:
    """A phone-sized page of the console, signed in as ``name``."""
    context = await browser.new_context(
        base_url=base_url, viewport={"width": 390, "height": 844}, locale="fr-FR"
    )
    context.set_default_timeout(WAIT_MS)
    page = await context.new_page()
    await page.goto("/console/")
    await page.get_by_label("Nom").fill(name)
    await page.get_by_label("Mot de passe").fill(PASSWORD)
    await page.get_by_role("button", name="Se connecter").click()
    await expect(page.get_by_role("heading", name="Demandes ouvertes")).to_be_visible()
    return page
