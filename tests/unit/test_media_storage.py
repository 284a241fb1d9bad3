"""The local media storage, the storage URL and the media keys."""

from __future__ import annotations

import hashlib
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from concierge_common.errors import ConfigError, InvalidRequest, NotFound
from concierge_common.storage.media_storage import (
    DEFAULT_DIR,
    LocalMediaStorage,
    S3Location,
    S3MediaStorage,
    media_key,
    open_storage,
)

SHA = hashlib.sha256(b"photo").hexdigest()


async def test_a_file_is_stored_read_back_and_deleted(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path / "media")
    key = f"in/2026/11/{SHA}.jpg"

    await storage.put(key, b"photo", "image/jpeg")
    assert (tmp_path / "media" / key).read_bytes() == b"photo"
    assert await storage.get(key) == b"photo"
    assert await storage.delete(key) is True
    assert await storage.delete(key) is False
    with pytest.raises(NotFound):
        await storage.get(key)


async def test_a_rewrite_replaces_the_file_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    storage = LocalMediaStorage(tmp_path)
    await storage.put("in/a.jpg", b"first", "image/jpeg")
    await storage.put("in/a.jpg", b"second", "image/jpeg")
    assert await storage.get("in/a.jpg") == b"second"
    assert os.listdir(tmp_path / "in") == ["a.jpg"]


@pytest.mark.parametrize("key", ["../a.jpg", "/etc/passwd", "in/../../a.jpg", ".", "", "in/.."])
async def test_a_key_escaping_the_root_is_refused(tmp_path: Path, key: str) -> None:
    root = tmp_path / "media"
    root.mkdir()
    storage = LocalMediaStorage(root)
    with pytest.raises(InvalidRequest):
        await storage.put(key, b"x", "text/plain")
    with pytest.raises(InvalidRequest):
        await storage.delete(key)
    assert os.listdir(tmp_path) == ["media"]


async def test_a_symlink_pointing_away_is_not_followed(tmp_path: Path) -> None:
    root = tmp_path / "media"
    root.mkdir()
    precious = tmp_path / "precious.txt"
    precious.write_text("not the person's")
    (root / "link.txt").symlink_to(precious)
    storage = LocalMediaStorage(root)
    with pytest.raises(InvalidRequest):
        await storage.delete("link.txt")
    with pytest.raises(InvalidRequest):
        await storage.get("link.txt")
    assert precious.read_text() == "not the person's"


def test_media_keys_are_content_addressed_by_direction_and_month() -> None:
    november = datetime(2026, 11, 26, tzinfo=UTC)
    assert media_key("in", SHA, ".jpg", at=november) == f"in/2026/11/{SHA}.jpg"
    assert media_key("out", SHA, ".ICS", at=november) == f"out/2026/11/{SHA}.ics"
    assert media_key("in", SHA, "", at=november) == f"in/2026/11/{SHA}"
    assert media_key("in", SHA, "./../x", at=november) == f"in/2026/11/{SHA}"
    with pytest.raises(ValueError, match="sha256"):
        media_key("in", "../../etc", ".jpg")
    with pytest.raises(ValueError, match="direction"):
        media_key("../", SHA, ".jpg")


def test_the_storage_url_chooses_local_folders(tmp_path: Path) -> None:
    default = open_storage("")
    assert isinstance(default, LocalMediaStorage)
    assert default.root == Path(DEFAULT_DIR)
    folder = open_storage(str(tmp_path))
    assert isinstance(folder, LocalMediaStorage)
    assert folder.root == tmp_path
    relative = open_storage("data/media")
    assert isinstance(relative, LocalMediaStorage)
    assert relative.root == Path("data/media")
    as_url = open_storage(f"file://{tmp_path}")
    assert isinstance(as_url, LocalMediaStorage)
    assert as_url.root == tmp_path


def test_an_s3_url_names_endpoint_path_bucket_region_and_keys() -> None:
    storage = open_storage(
        "s3://KEY:se%2Fcret@project.supabase.co/storage/v1/s3/media?region=eu-west-3"
    )
    assert isinstance(storage, S3MediaStorage)
    location = S3Location.parse(
        "s3://KEY:se%2Fcret@project.supabase.co/storage/v1/s3/media?region=eu-west-3"
    )
    assert location.endpoint == "https://project.supabase.co/storage/v1/s3"
    assert location.bucket == "media"
    assert location.region == "eu-west-3"
    assert location.credentials.access_key == "KEY"
    assert location.credentials.secret_key == "se/cret"
    assert location.url_of("in/2026/11/a b.jpg") == (
        "https://project.supabase.co/storage/v1/s3/media/in/2026/11/a%20b.jpg"
    )
    minio = S3Location.parse("s3+http://k:s@127.0.0.1:9000/bucket")
    assert (minio.endpoint, minio.bucket, minio.region) == (
        "http://127.0.0.1:9000",
        "bucket",
        "us-east-1",
    )
    assert "se/cret" not in repr(storage)
    assert "se/cret" not in repr(location)


@pytest.mark.parametrize(
    "url",
    [
        "ftp://host/media",
        "https://host/media",
        "s3://host/bucket",  # no key pair
        "s3://KEY:s3cr3tValue@host",  # no bucket
        "s3://KEY:s3cr3tValue@host/bucket?regoin=eu-west-1",
        "s3://KEY:s3cr3tValue@host:port/bucket",
    ],
)
def test_an_unusable_storage_url_is_a_config_error_without_the_secret(url: str) -> None:
    with pytest.raises(ConfigError) as caught:
        open_storage(url)
    assert "s3cr3tValue" not in str(caught.value)
