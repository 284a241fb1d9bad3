"""A privacy erasure purges the erased person's linked ids from the gateway's bucket."""

from __future__ import annotations

from collections.abc import AsyncIterator

import nats
import pytest
from nats.js.api import KeyValueConfig
from nats.js.errors import KeyNotFoundError
from nats.js.kv import KeyValue

from concierge_common.ids import lid_key
from store.linked_ids import LinkedIds
from support import infra

ERASED_LID = "111222333444555@lid"
KEPT_LID = "999888777666555@lid"


@pytest.fixture
async def bucket(namespace: str) -> AsyncIterator[KeyValue]:
    nc = await nats.connect(infra.setting("NATS_URL"))
    js = nc.jetstream()
    name = f"{namespace.upper()}_wa_lids"
    try:
        yield await js.create_key_value(KeyValueConfig(bucket=name, history=1))
    finally:
        await js.delete_key_value(name)
        await nc.close()


async def test_the_erased_persons_linked_ids_are_purged_and_no_one_elses(
    bucket: KeyValue,
) -> None:
    await bucket.put(lid_key(ERASED_LID), b"33600000701@c.us")
    await bucket.put(lid_key(KEPT_LID), b"33600000702@c.us")

    async def opened() -> KeyValue:
        return bucket

    purged = await LinkedIds(opened).forget([ERASED_LID, "33600000701@c.us"])

    assert purged == 1
    with pytest.raises(KeyNotFoundError):
        await bucket.get(lid_key(ERASED_LID))
    assert (await bucket.get(lid_key(KEPT_LID))).value == b"33600000702@c.us"


async def test_an_unreachable_bucket_leaves_the_entries_to_expire() -> None:
    async def missing() -> KeyValue:
        raise nats.errors.TimeoutError

    assert await LinkedIds(missing).forget([ERASED_LID]) == 0
