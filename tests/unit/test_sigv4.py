"""The SigV4 signer reproduces AWS's documented example, and signs what is sent."""

from __future__ import annotations

from datetime import UTC, datetime

from concierge_common.storage.sigv4 import (
    EMPTY_SHA256,
    Credentials,
    canonical_request,
    host_of,
    sign,
)

# The S3 "GET Object" example of AWS's Signature Version 4 documentation.
EXAMPLE_CREDENTIALS = Credentials(
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)
EXAMPLE_AT = datetime(2013, 5, 24, tzinfo=UTC)
EXAMPLE_SIGNATURE = "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"


def test_the_get_object_example_of_the_aws_documentation_is_reproduced() -> None:
    headers = sign(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        {"Range": "bytes=0-9"},
        payload_sha256=EMPTY_SHA256,
        credentials=EXAMPLE_CREDENTIALS,
        region="us-east-1",
        at=EXAMPLE_AT,
    )

    assert headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request,"
        " SignedHeaders=host;range;x-amz-content-sha256;x-amz-date,"
        f" Signature={EXAMPLE_SIGNATURE}"
    )
    assert headers["x-amz-date"] == "20130524T000000Z"
    assert headers["x-amz-content-sha256"] == EMPTY_SHA256
    assert headers["host"] == "examplebucket.s3.amazonaws.com"


def test_the_canonical_request_sorts_query_and_headers_and_trims_values() -> None:
    names, canonical = canonical_request(
        "put",
        "http://minio:9000/prefix/bucket/in/a%20b.jpg?uploads=&b=2&a=1",
        {"X-Amz-Date": "20260101T000000Z", "Host": "minio:9000", "Content-Type": " image/jpeg  x "},
        EMPTY_SHA256,
    )
    assert names == "content-type;host;x-amz-date"
    assert canonical.split("\n") == [
        "PUT",
        "/prefix/bucket/in/a%20b.jpg",
        "a=1&b=2&uploads=",
        "content-type:image/jpeg x",
        "host:minio:9000",
        "x-amz-date:20260101T000000Z",
        "",
        "content-type;host;x-amz-date",
        EMPTY_SHA256,
    ]


def test_the_host_header_names_the_port_only_when_it_is_not_the_default() -> None:
    assert host_of("https://h.example:443/x") == "h.example"
    assert host_of("http://127.0.0.1:9000/x") == "127.0.0.1:9000"
    assert host_of("http://h.example/x") == "h.example"


def test_the_secret_never_shows_in_a_repr() -> None:
    assert "EXAMPLEKEY" not in repr(EXAMPLE_CREDENTIALS)
