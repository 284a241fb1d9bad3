"""S3MediaStorage against a local S3-compatible server that checks every signature."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator

import pytest

from concierge_common.errors import DownstreamRejected, DownstreamUnavailable, NotFound
from concierge_common.storage.media_storage import S3MediaStorage, media_key, open_storage
from concierge_common.storage.sigv4 import Credentials
from store.erasure import Erasure
from store.users import Users
from support.fake_s3 import FakeS3, serve_s3
from support.store_db import TEST_TOMBSTONES, migrated_pool

ACCESS_KEY = "test-access-key"
# A secret with characters that must be percent-encoded in the URL.
SECRET = "se/cr+et:w@rd"
SECRET_IN_URL = "se%2Fcr%2Bet%3Aw%40rd"


@pytest.fixture
async def s3() -> AsyncIterator[tuple[FakeS3, str]]:
    """The fake, and the MEDIA_STORAGE_URL of its bucket behind a Supabase-like prefix."""
    fake = FakeS3(Credentials(ACCESS_KEY, SECRET), "eu-west-1", "/storage/v1/s3", "media")
    server = await serve_s3(fake)
    url = (
        f"s3+http://{ACCESS_KEY}:{SECRET_IN_URL}@127.0.0.1:{server.port}"
        "/storage/v1/s3/media?region=eu-west-1"
    )
    try:
        yield fake, url
    finally:
        await server.stop()


async def test_a_file_is_put_read_back_and_deleted_with_signed_requests(
    s3: tuple[FakeS3, str],
) -> None:
    fake, url = s3
    storage = open_storage(url)
    assert isinstance(storage, S3MediaStorage)
    data = b"\xff\xd8 a photo"
    key = media_key("in", hashlib.sha256(data).hexdigest(), ".jpg")

    await storage.put(key, data, "image/jpeg")
    assert fake.objects[key] == (data, "image/jpeg")
    assert await storage.get(key) == data
    assert await storage.delete(key) is True
    assert await storage.delete(key) is False

    assert key not in fake.objects
    assert fake.invalid == []
    assert [method for method, _ in fake.requests] == ["PUT", "GET", "HEAD", "DELETE", "HEAD"]


async def test_an_absent_object_is_not_found(s3: tuple[FakeS3, str]) -> None:
    fake, url = s3
    with pytest.raises(NotFound):
        await open_storage(url).get("in/2026/11/absent.jpg")
    assert fake.invalid == []


async def test_a_wrong_secret_is_refused_and_never_shown(s3: tuple[FakeS3, str]) -> None:
    fake, url = s3
    storage = open_storage(url.replace(SECRET_IN_URL, "wrong-secret"))
    with pytest.raises(DownstreamRejected) as caught:
        await storage.put("in/2026/11/x.jpg", b"x", "image/jpeg")
    assert caught.value.status == 403
    assert fake.invalid == ["signature does not match the request as received"]
    assert "wrong-secret" not in str(caught.value)
    assert "wrong-secret" not in repr(storage)
    assert SECRET not in repr(open_storage(url))


async def test_a_storage_outage_is_retryable(s3: tuple[FakeS3, str]) -> None:
    fake, url = s3
    fake.fail_status = 503
    with pytest.raises(DownstreamUnavailable):
        await open_storage(url).put("in/2026/11/x.jpg", b"x", "image/jpeg")


async def test_an_unreachable_storage_is_retryable() -> None:
    storage = open_storage("s3+http://k:s@127.0.0.1:1/media")
    with pytest.raises(DownstreamUnavailable) as caught:
        await storage.get("in/2026/11/x.jpg")
    assert "k:s" not in str(caught.value)


async def test_erasure_deletes_the_persons_files_from_the_s3_storage(
    s3: tuple[FakeS3, str], database_url: str
) -> None:
    fake, url = s3
    storage = open_storage(url)
    async with migrated_pool(database_url) as pool:
        user_id = await Users(pool, TEST_TOMBSTONES).resolve(pool, "33600000901@c.us")
        session_id = await pool.fetchval(
            "INSERT INTO sessions (user_id, expires_at) VALUES ($1, now()) RETURNING id", user_id
        )
        data = b"a photo of the person"
        digest = hashlib.sha256(data).hexdigest()
        key = media_key("in", digest, ".jpg")
        await storage.put(key, data, "image/jpeg")
        media_id = await pool.fetchval(
            "INSERT INTO media (file_path, mime_type, size, sha256)"
            " VALUES ($1, 'image/jpeg', $2, $3) RETURNING id",
            key,
            len(data),
            digest,
        )
        await pool.execute(
            "INSERT INTO interactions (session_id, direction, media_id, provider_message_id)"
            " VALUES ($1, 'in', $2, 'default:false_s3')",
            session_id,
            media_id,
        )

        report = await Erasure(pool, storage, TEST_TOMBSTONES).erase_user(user_id)

    assert report.media_files == 1
    assert fake.objects == {}
    assert fake.invalid == []
