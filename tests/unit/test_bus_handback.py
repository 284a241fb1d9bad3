"""How a flow consumer's stopped partition was handed back, without a bus: clean only when
nothing of it can still be pending on the server without being due again."""

from __future__ import annotations

import time

from concierge_common.bus.consumer import _hand_back, _Lane
from concierge_common.bus.ownership import HandBack


async def test_a_partition_with_nothing_left_pending_is_handed_back_clean() -> None:
    assert _hand_back(_Lane(0)) is HandBack.CLEAN


async def test_a_partition_stopped_while_deliveries_may_still_be_pending_is_unsettled() -> None:
    # Its own wait for a dead owner's deliveries (or an unconfirmed ack) is not over.
    lane = _Lane(0, unsettled_until=time.monotonic() + 3600)
    assert _hand_back(lane) is HandBack.UNSETTLED


async def test_a_partition_whose_wait_was_over_is_handed_back_clean() -> None:
    lane = _Lane(0, unsettled_until=time.monotonic() - 1)
    assert _hand_back(lane) is HandBack.CLEAN


async def test_an_abandoned_partition_is_abandoned_whatever_else() -> None:
    lane = _Lane(0, unsettled_until=time.monotonic() + 3600)
    lane.abandoned.set()
    assert _hand_back(lane) is HandBack.ABANDONED
