"""How the console serves a conversation's file, and how it names its size."""

from __future__ import annotations

from concierge_common.contracts.store_api import InteractionFile
from gateway.console.file_pages import file_headers
from gateway.console.web import file_size


def a_file(mime_type: str, filename: str) -> InteractionFile:
    return InteractionFile(
        id="f1",
        kind="document",
        filename=filename,
        mime_type=mime_type,
        size=10,
        storage_key="in/2026/12/x.bin",
    )


def test_a_common_picture_is_shown_inline_and_anything_else_downloaded() -> None:
    assert file_headers(a_file("image/jpeg", "photo.jpg"))["Content-Disposition"].startswith(
        "inline;"
    )
    for mime_type in ("image/svg+xml", "text/html", "application/pdf"):
        headers = file_headers(a_file(mime_type, "x"))
        assert headers["Content-Disposition"].startswith("attachment;")


def test_a_served_file_is_sandboxed_never_sniffed_nor_cached() -> None:
    headers = file_headers(a_file("application/pdf", "certificat.pdf"))
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in headers["Content-Security-Policy"]
    assert "no-store" in headers["Cache-Control"]


def test_a_file_name_cannot_break_out_of_its_header() -> None:
    disposition = file_headers(a_file("application/pdf", 'baptême "x";\r\n.pdf'))[
        "Content-Disposition"
    ]
    assert "\r" not in disposition
    assert "\n" not in disposition
    assert 'filename="bapt_me__x____.pdf"' in disposition
    assert "filename*=UTF-8''bapt%C3%AAme%20%22x%22%3B%0D%0A.pdf" in disposition


def test_sizes_read_in_french_units() -> None:
    assert [file_size(n) for n in (850, 12_345, 3_400_000)] == ["850 o", "12 ko", "3,4 Mo"]
