"""The fake Claude Messages API the answerer's contract tests talk to (through the real SDK)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from support import fake_claude as fake


@pytest.fixture
def server() -> Iterator[fake.FakeClaude]:
    with fake.FakeClaude() as running:
        yield running
