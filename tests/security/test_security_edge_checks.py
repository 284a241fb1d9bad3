"""Issue 14 item 7: the smaller checks of the public edge and of the secrets.

A WAHA media path that leaves ``/api/files/`` (``..``, encoded or not) is never
requested; media keys are checked alike on the disk and in S3; every secret setting
shorter than 32 bytes stops its service at start; a webhook older than the replay
window is refused; ``/docs`` loads nothing from another origin; the public
``/health`` says up or down only.
"""

from __future__ import annotations

import json
import re
import time
from dataclasses import asdict
from pathlib import Path

import httpx
import msgspec
import pytest

from concierge_common import settings as settings_module
from concierge_common.contracts.messages import MEDIA_UNAVAILABLE, MediaRef, MessageReceived
from concierge_common.errors import ConfigError, InvalidRequest
from concierge_common.settings import MIN_SECRET_BYTES
from concierge_common.storage.media_storage import LocalMediaStorage, S3MediaStorage
from concierge_devkit.dev_secrets import DevSecrets
from gateway.media_fetch import MediaFetcher, in_files
from gateway.settings import GatewaySettings, JwtSettings
from gateway.waha_client import WahaClient
from handoff.settings import HandoffSettings
from store.settings import SeedSettings, StoreSettings
from support.api import as_role
from support.edge_app import RecordingPublisher, edge_client, edge_settings, post_webhook
from support.fixtures import text_message
from support.stack import base_env

CHAT = "33612345678@c.us"

# --- media paths and keys ----------------------------------------------------------------

ESCAPES = [
    "http://waha:3000/api/files/../api/sessions",
    "http://waha:3000/api/files/default/../../api/default/auth/qr",
    "http://waha:3000/api/files/%2e%2e/api/sessions",
    "http://waha:3000/api/files/default%2F..%2F..%2Fapi%2Fsessions",
    "http://waha:3000/api/files//etc/passwd",
    "http://waha:3000/api/files/a%5c..%5cb",
    "http://waha:3000/api/files/./default/x.jpg",
    "http://waha:3000/api/server/status",
]


@pytest.mark.parametrize("url", ESCAPES)
def test_a_media_path_leaving_waha_files_is_refused(url: str) -> None:
    assert not in_files(url)


def test_waha_own_file_paths_are_accepted() -> None:
    assert in_files("http://waha:3000/api/files/default/false_33612345678@c.us_3EB0.jpeg")


@pytest.mark.parametrize("url", ESCAPES[:4])
async def test_a_message_with_an_escaping_media_path_is_published_without_a_request(
    url: str, tmp_path: Path
) -> None:
    requested: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        requested.append(request.url.path)
        return httpx.Response(200, content=b"secret")

    waha = WahaClient("http://waha:3000", "k" * 32, transport=httpx.MockTransport(answer))
    fetcher = MediaFetcher(waha, LocalMediaStorage(tmp_path), max_bytes=1000, types=("image/",))
    try:
        enriched = await fetcher.enrich(_photo(url))
    finally:
        await waha.aclose()
    assert isinstance(enriched, MessageReceived)
    assert enriched.media is not None
    assert enriched.media.error == MEDIA_UNAVAILABLE
    assert requested == []


def _photo(url: str) -> MessageReceived:
    return MessageReceived(
        message_id="m-1",
        conversation_id="c-1",
        correlation_id="m-1",
        session="default",
        chat_id=CHAT,
        sender_id=CHAT,
        provider_message_id="false_x",
        kind="image",
        media=MediaRef(url=url, mimetype="image/jpeg"),
    )


BAD_KEYS = ["", "../x", "in/../../x", "/etc/passwd", "in//x", "in/./x", "in\\..\\x", "in/\x00x"]


@pytest.mark.parametrize("key", BAD_KEYS)
async def test_s3_keys_get_the_checks_of_local_paths(key: str, tmp_path: Path) -> None:
    # Port 1: had the key been accepted, the call would fail as unavailable instead.
    s3 = S3MediaStorage.from_url("s3+http://key:secret@127.0.0.1:1/bucket")
    with pytest.raises(InvalidRequest):
        await s3.get(key)
    with pytest.raises(InvalidRequest):
        LocalMediaStorage(tmp_path).path_of(key)


# --- secrets -----------------------------------------------------------------------------

SHORT = "s" * (MIN_SECRET_BYTES - 1)
LONG = "s" * MIN_SECRET_BYTES


def _env() -> dict[str, str]:
    return base_env(
        nats_url="nats://127.0.0.1:1",
        namespace="edge",
        database_url="postgresql://unused",
        redis_url="redis://unused",
    )


SECRET_SETTINGS: list[tuple[type[msgspec.Struct], str]] = [
    (GatewaySettings, "CONVERSATION_ID_KEY"),
    (GatewaySettings, "WAHA_API_KEY"),
    (GatewaySettings, "WAHA_WEBHOOK_HMAC_KEY"),
    (GatewaySettings, "JWT_SECRET"),
    (JwtSettings, "JWT_SECRET"),
    (HandoffSettings, "CONVERSATION_ID_KEY"),
    (StoreSettings, "INTRINSIC_ID_KEY"),
    (StoreSettings, "CONVERSATION_ID_KEY"),
    (SeedSettings, "INTRINSIC_ID_KEY"),
]


@pytest.mark.parametrize(
    ("kind", "name"), SECRET_SETTINGS, ids=lambda item: getattr(item, "__name__", item)
)
def test_every_secret_shorter_than_32_bytes_stops_the_service_at_start(
    kind: type[msgspec.Struct], name: str
) -> None:
    with pytest.raises(ConfigError, match=f"{name} must be at least 32 bytes") as refused:
        settings_module.load(kind, {**_env(), name: SHORT})
    assert SHORT not in str(refused.value)  # named, never shown
    settings_module.load(kind, {**_env(), name: LONG})  # 32 bytes: fine


def test_a_short_secret_in_multibyte_characters_counts_its_bytes() -> None:
    eleven_euros = "€" * 11  # 11 characters, 33 bytes
    settings_module.load(HandoffSettings, {**_env(), "CONVERSATION_ID_KEY": eleven_euros})


def test_the_developer_kit_draws_secrets_that_pass() -> None:
    drawn = asdict(DevSecrets.generate())
    assert min(len(value.encode()) for value in drawn.values()) >= MIN_SECRET_BYTES


# --- replayed webhooks -------------------------------------------------------------------


def _dated(seconds_ago: float) -> dict[str, object]:
    event = text_message(CHAT, "Bonjour")
    event["timestamp"] = int((time.time() - seconds_ago) * 1000)
    return event


async def test_a_webhook_older_than_the_window_is_refused_and_a_recent_one_accepted() -> None:
    publisher = RecordingPublisher()
    settings = edge_settings(GATEWAY_WEBHOOK_MAX_AGE_SECONDS="600")
    async with edge_client(settings, publisher) as http:
        old = await post_webhook(http, _dated(601 + 60))
        future = await post_webhook(http, _dated(-3600))
        retried = await post_webhook(http, _dated(590))  # a retry of WAHA, within the window
        undated = _dated(0)
        undated.pop("timestamp")  # older WAHA versions: accepted
        plain = await post_webhook(http, undated)
    assert (old.status_code, future.status_code) == (400, 400)
    assert "replay window" in old.json()["detail"]
    assert (retried.status_code, plain.status_code) == (200, 200)
    assert len(publisher.published) == 2


def test_the_window_must_stay_within_the_bus_duplicate_window() -> None:
    with pytest.raises(ConfigError, match="GATEWAY_WEBHOOK_MAX_AGE_SECONDS"):
        edge_settings(GATEWAY_WEBHOOK_MAX_AGE_SECONDS="7200", BUS_DUPLICATE_WINDOW_SECONDS="3600")


# --- /docs and /health -------------------------------------------------------------------


async def test_docs_load_nothing_from_another_origin() -> None:
    async with edge_client(edge_settings()) as http:
        page = await http.get("/docs")
        sources = re.findall(r'(?:src|href)="([^"]+)"', page.text)
        assets = [await http.get(source) for source in sources]
    assert sources
    assert all(source.startswith("/docs/assets/") for source in sources)
    assert [asset.status_code for asset in assets] == [200] * len(sources)
    policy = page.headers["content-security-policy"]
    assert "http" not in policy
    assert "script-src 'self' 'sha256-" in policy


async def test_public_health_says_up_or_down_only_and_the_details_need_an_admin() -> None:
    async with edge_client(edge_settings()) as http:
        public = await http.get("/health")
        anonymous = await http.get("/health/details")
        admin = await http.get("/health/details", headers=as_role("admin"))
    assert (public.status_code, public.json()) == (503, {"status": "unavailable"})
    assert anonymous.status_code == 401
    assert admin.status_code == 503
    assert "components" in admin.json()
    assert "replicas" in json.dumps(admin.json())
