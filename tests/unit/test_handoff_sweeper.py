"""Timers: no staff answer -> a notice, once; no activity -> back to the bot."""

from __future__ import annotations

from concierge_common.errors import BusUnavailable, DownstreamUnavailable
from handoff.desk import Actor
from support.handoff_fakes import assemble, relayed, staff_says


async def test_no_staff_answer_in_time_tells_the_person_once_with_the_hours() -> None:
    parts = assemble()
    handoff = parts.store.open()
    sweeper = parts.sweeper(no_staff=600)

    parts.clock.advance(599)
    await sweeper.sweep()
    assert parts.publisher.to_person() == []

    parts.clock.advance(1)
    await sweeper.sweep()
    await sweeper.sweep()

    [notice] = parts.publisher.to_person()
    assert "votre demande reste bien en attente" in notice.text
    assert "du lundi au vendredi de 9h30 à 12h" in notice.text
    after = parts.store.handoffs[handoff.id]
    assert after.notice_sent_at == parts.clock()
    assert after.state == "requested"  # still queued for staff


async def test_two_replicas_sweeping_together_send_the_notice_once() -> None:
    parts = assemble()
    parts.store.open()
    one, other = parts.sweeper(no_staff=60), parts.sweeper(no_staff=60)
    parts.clock.advance(120)

    await one.sweep()
    await other.sweep()

    assert len(parts.publisher.to_person()) == 1
    assert parts.store.calls.count("notice") == 1


async def test_a_notice_whose_recording_failed_is_not_sent_twice() -> None:
    parts = assemble()
    handoff = parts.store.open()
    sweeper = parts.sweeper(no_staff=60)
    parts.clock.advance(120)
    parts.store.failing["notice"] = DownstreamUnavailable("store down")

    await sweeper.sweep()
    del parts.store.failing["notice"]
    await sweeper.sweep()

    assert len(parts.publisher.to_person()) == 1
    assert parts.store.handoffs[handoff.id].notice_sent_at is not None


async def test_no_notice_once_staff_answered() -> None:
    parts = assemble()
    handoff = parts.store.open()
    await parts.staff_chat(staff_says(f"{handoff.reference} Je regarde"))
    parts.publisher.clear()
    parts.clock.advance(900)

    await parts.sweeper(no_staff=600, idle=3600).sweep()

    assert parts.publisher.published == []


async def test_an_idle_active_handoff_returns_to_the_bot_by_timeout() -> None:
    parts = assemble()
    handoff = parts.store.open()
    await parts.staff_chat(staff_says(f"{handoff.reference} Bonjour"))
    parts.publisher.clear()
    sweeper = parts.sweeper(idle=1800)

    parts.clock.advance(1799)
    await sweeper.sweep()
    assert parts.store.handoffs[handoff.id].state == "active"

    parts.clock.advance(1)
    await sweeper.sweep()

    assert parts.store.handoffs[handoff.id].state == "returned"
    assert parts.store.history[handoff.id][-1].actor == "timeout"
    [ended] = parts.publisher.to_person()
    assert "est terminée" in ended.text
    [staff] = parts.publisher.to_staff()
    assert "faute d'activité" in staff.text


async def test_the_person_writing_keeps_the_handoff_alive() -> None:
    parts = assemble()
    handoff = parts.store.open()
    await parts.desk.assign(handoff, Actor("staff", "Anne"), correlation_id="c")
    parts.clock.advance(1500)
    await parts.relay(relayed("Vous êtes là ?"))
    parts.clock.advance(1500)

    await parts.sweeper(idle=1800).sweep()

    assert parts.store.handoffs[handoff.id].state == "assigned"


async def test_a_requested_handoff_never_times_out() -> None:
    parts = assemble()
    handoff = parts.store.open()
    parts.clock.advance(24 * 3600)

    await parts.sweeper(no_staff=600, idle=1800).sweep()

    assert parts.store.handoffs[handoff.id].state == "requested"


async def test_two_replicas_return_an_idle_handoff_once() -> None:
    parts = assemble()
    handoff = parts.store.open()
    await parts.desk.assign(handoff, Actor("staff", "Anne"), correlation_id="c")
    parts.publisher.clear()
    parts.clock.advance(4000)
    one, other = parts.sweeper(no_staff=10**6), parts.sweeper(no_staff=10**6)
    listed = await parts.store.list_handoffs()

    await one.sweep()
    # The other replica listed before the first one moved it: its move is a 409, skipped.
    await other._check(listed[0], parts.clock())

    assert parts.store.handoffs[handoff.id].state == "returned"
    assert len(parts.publisher.to_person()) == 1


async def test_a_failing_store_step_does_not_stop_the_sweep() -> None:
    parts = assemble()
    first = parts.store.open()
    second = parts.store.open()
    parts.clock.advance(700)
    parts.store.failing["notice"] = DownstreamUnavailable("store down")
    sweeper = parts.sweeper(no_staff=600)

    await sweeper.sweep()  # every handoff is tried despite the first failure
    assert parts.store.calls.count("notice") == 2

    del parts.store.failing["notice"]
    parts.publisher.broken = BusUnavailable("bus down")
    await sweeper.sweep()  # nothing recorded while the notice cannot be published
    assert parts.store.calls.count("notice") == 2

    parts.publisher.broken = None
    await sweeper.sweep()  # the same notices again: dropped as duplicates, then recorded
    assert len(parts.publisher.to_person()) == 2
    assert parts.store.handoffs[first.id].notice_sent_at is not None
    assert parts.store.handoffs[second.id].notice_sent_at is not None
