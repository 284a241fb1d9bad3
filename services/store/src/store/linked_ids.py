"""An erased person's linked ids, forgotten by the gateway's resolver too.

The gateway keeps, per linked id (``...@lid``), the phone id WAHA told it is
behind it, in the ``wa_lids`` bucket (:mod:`gateway.identity`, thirty days).
That pairing names the person: a privacy erasure removes the entries of the
person's linked ids (every revision) once the rows are gone. A bucket that
cannot be reached is logged and left: the entries then expire on their own,
and the erasure stands.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable

from nats.errors import Error as NatsError
from nats.js.kv import KeyValue

from concierge_common.ids import lid_key

log = logging.getLogger(__name__)

LID_SUFFIX = "@lid"

OpenBucket = Callable[[], Awaitable[KeyValue]]
"""Returns the ``wa_lids`` bucket (asked at each erasure: it may appear after the start)."""


class LinkedIds:
    def __init__(self, bucket: OpenBucket) -> None:
        self._bucket = bucket

    async def forget(self, whatsapp_ids: Iterable[str]) -> int:
        """Purge the bucket's entries of the linked ids among ``whatsapp_ids``; how many."""
        lids = [whatsapp_id for whatsapp_id in whatsapp_ids if whatsapp_id.endswith(LID_SUFFIX)]
        if not lids:
            return 0
        try:
            bucket = await self._bucket()
            for lid in lids:
                await bucket.purge(lid_key(lid))
        except NatsError as exc:
            log.warning("linked ids of an erased person not purged: %s", type(exc).__name__)
            return 0
        log.info("linked ids of an erased person purged", extra={"count": len(lids)})
        return len(lids)
