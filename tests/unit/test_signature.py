from __future__ import annotations

from gateway.signature import sign, verify

# The test vector from WAHA's documentation (events/index.md, HMAC section).
BODY = b'{"event":"message","session":"default","engine":"WEBJS"}'
KEY = "my-secret-key"
DIGEST = (
    "208f8a55dde9e05519e898b10b89bf0d0b3b0fdf11fdbf09b6b90476301b98d8"
    "097c462b2b17a6ce93b6b47a136cf2e78a33a63f6752c2c1631777076153fa89"
)


def test_signature_matches_waha_documented_vector() -> None:
    assert sign(KEY, BODY) == DIGEST


def test_valid_signature_is_accepted_in_any_case() -> None:
    assert verify(KEY, BODY, DIGEST, "sha512")
    assert verify(KEY, BODY, DIGEST.upper(), "SHA512")
    assert verify(KEY, BODY, DIGEST, None)


def test_tampered_body_missing_signature_or_other_algorithm_are_refused() -> None:
    assert not verify(KEY, BODY + b" ", DIGEST, "sha512")
    assert not verify(KEY, BODY, None, "sha512")
    assert not verify(KEY, BODY, "", "sha512")
    assert not verify(KEY, BODY, DIGEST, "sha256")
    assert not verify("other-key", BODY, DIGEST, "sha512")
