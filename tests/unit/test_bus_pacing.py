"""Fetch pacing: one message at a time while a partition is idle, full batches while it flows."""

from __future__ import annotations

from concierge_common.bus.pacing import BATCH, BURST_WAIT, Fetch, FetchPacing


def test_an_idle_partition_asks_for_one_message_and_waits_the_whole_fetch_timeout() -> None:
    pacing = FetchPacing(idle_wait=2.0)
    assert pacing.next(room=1000) == Fetch(1, 2.0)


def test_a_fetch_that_got_what_it_asked_for_is_followed_by_a_full_batch_and_a_short_wait() -> None:
    pacing = FetchPacing(idle_wait=2.0)
    pacing.fetched(pacing.next(room=1000), got=1)
    assert pacing.next(room=1000) == Fetch(BATCH, BURST_WAIT)
    pacing.fetched(Fetch(BATCH, BURST_WAIT), got=BATCH)
    assert pacing.next(room=1000) == Fetch(BATCH, BURST_WAIT)


def test_less_than_asked_or_nothing_makes_the_partition_idle_again() -> None:
    pacing = FetchPacing(idle_wait=2.0)
    pacing.fetched(Fetch(1, 2.0), got=1)
    pacing.fetched(Fetch(BATCH, BURST_WAIT), got=7)
    assert pacing.next(room=1000) == Fetch(1, 2.0)
    pacing.fetched(Fetch(1, 2.0), got=1)
    pacing.fetched(Fetch(BATCH, BURST_WAIT), got=0)  # timed out
    assert pacing.next(room=1000) == Fetch(1, 2.0)


def test_a_batch_never_asks_for_more_than_the_flow_has_room_for() -> None:
    pacing = FetchPacing(idle_wait=2.0)
    pacing.fetched(Fetch(1, 2.0), got=1)
    assert pacing.next(room=3).batch == 3
    assert pacing.next(room=0).batch == 1  # the fetch loop waits for room before asking


def test_the_short_wait_never_exceeds_the_fetch_timeout() -> None:
    pacing = FetchPacing(idle_wait=0.01)
    pacing.fetched(Fetch(1, 0.01), got=1)
    assert pacing.next(room=1000).timeout == 0.01


def test_a_full_fetch_with_nothing_waiting_behind_it_leaves_the_partition_idle() -> None:
    pacing = FetchPacing(idle_wait=2.0)
    pacing.fetched(Fetch(1, 2.0), got=1, waiting=0)
    assert pacing.next(room=1000) == Fetch(1, 2.0)


def test_a_full_fetch_with_messages_waiting_behind_it_asks_for_a_batch() -> None:
    pacing = FetchPacing(idle_wait=2.0)
    pacing.fetched(Fetch(1, 2.0), got=1, waiting=40)
    assert pacing.next(room=1000) == Fetch(BATCH, BURST_WAIT)
    pacing.fetched(Fetch(BATCH, BURST_WAIT), got=BATCH, waiting=0)
    assert pacing.next(room=1000) == Fetch(1, 2.0)
