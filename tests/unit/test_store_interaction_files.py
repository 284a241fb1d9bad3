"""What kind of file a message carries, as the staff console's transcript names it."""

from __future__ import annotations

from store.interactions import file_kind


def test_a_received_file_is_of_its_messages_type() -> None:
    assert file_kind("image", "image/jpeg") == "image"
    assert file_kind("audio", "audio/ogg") == "audio"
    assert file_kind("document", "image/png") == "document"


def test_a_replys_attachment_is_named_by_its_mime_type() -> None:
    assert file_kind("text", "text/calendar") == "document"
    assert file_kind("text", "image/png") == "image"
    assert file_kind("text", "video/mp4") == "video"
