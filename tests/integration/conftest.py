"""The store's sessions and recorder on a migrated database, for the store's tests.

A module that needs another ``store`` (the whole store service, say) defines its own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from store.recorder import Recorder
from support.store_recording import recorder_of
from support.store_sessions import SessionStore, session_store


@pytest.fixture
async def store(database_url: str) -> AsyncIterator[SessionStore]:
    async with session_store(database_url) as wired:
        yield wired


@pytest.fixture
def recorder(store: SessionStore) -> Recorder:
    return recorder_of(store)
