"""WAHA's session status: remembered per session, exposed, and a recovery when it works again.

Against an in-memory stand-in of the ``waha_sessions`` bucket (with NATS's key
rule) and a recovery that only records what it was asked to start.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import msgspec
import pytest

from gateway import metrics
from gateway.normalize import SessionStatusChange
from gateway.waha_session import (
    RECOVERY_MARGIN_SECONDS,
    SessionState,
    SessionWatch,
    state_key,
)
from support.manual_clock import ManualClock
from support.memory_kv import MemoryBucket

SESSION = "default"


@dataclass
class RecordingRecovery:
    started: list[tuple[str, float]] = field(default_factory=list)
    done: list[Callable[[float], Awaitable[None]]] = field(default_factory=list)

    def start(
        self, session: str, *, since: float = 0.0, done: Callable[[float], Awaitable[None]]
    ) -> bool:
        self.started.append((session, since))
        self.done.append(done)
        return True


@dataclass
class Setup:
    bucket: MemoryBucket
    recovery: RecordingRecovery
    clock: ManualClock
    watch: SessionWatch

    async def see(self, status: str, *previous: str, session: str = SESSION) -> None:
        await self.watch.observe(SessionStatusChange(session, status, tuple(previous)))

    async def recovered_once(self) -> float:
        """WORKING seen and its recovery finished (then forgotten by ``recovery``): when."""
        await self.see("WORKING")
        recovered = self.clock.now
        await self.recovery.done[0](recovered)
        self.recovery.started.clear()
        return recovered

    def state(self, session: str = SESSION) -> SessionState:
        return msgspec.json.decode(self.bucket.values[state_key(session)], type=SessionState)


@pytest.fixture
def setup() -> Setup:
    bucket, recovery = MemoryBucket("waha_sessions"), RecordingRecovery()
    clock = ManualClock(1_800_000_000.0)
    watch = SessionWatch(bucket, recovery, clock=clock)  # type: ignore[arg-type]
    return Setup(bucket, recovery, clock, watch)


async def test_the_first_working_ever_seen_recovers_as_far_back_as_allowed(setup: Setup) -> None:
    await setup.see("WORKING")
    assert setup.recovery.started == [(SESSION, 0.0)]
    assert setup.state().status == "WORKING"


async def test_working_again_after_an_outage_recovers_from_the_last_recovery(
    setup: Setup,
) -> None:
    recovered = await setup.recovered_once()
    setup.clock.now += 3600
    await setup.see("STOPPED")
    setup.clock.now += 600
    await setup.see("SCAN_QR_CODE")
    setup.clock.now += 600
    await setup.see("WORKING")
    # Everything since the last recovery, a little earlier for WAHA's clock.
    assert setup.recovery.started == [(SESSION, recovered - RECOVERY_MARGIN_SECONDS)]
    assert setup.state().down_since is None


async def test_an_outage_without_a_previous_recovery_is_read_from_its_start(setup: Setup) -> None:
    await setup.see("STOPPED")
    down = setup.clock.now
    setup.clock.now += 60
    await setup.see("STARTING")
    assert setup.state().down_since == down  # the outage's start is kept
    await setup.see("WORKING")
    assert setup.recovery.started == [(SESSION, down - RECOVERY_MARGIN_SECONDS)]


async def test_a_gateway_starting_while_waha_works_recovers_since_the_last_recovery(
    setup: Setup,
) -> None:
    recovered = await setup.recovered_once()
    setup.clock.now += 900  # the gateway was down; WAHA kept working (no status event)
    assert await setup.watch.resume(SESSION) is True
    assert setup.recovery.started == [(SESSION, recovered - RECOVERY_MARGIN_SECONDS)]


async def test_a_gateway_starting_without_a_working_session_recovers_nothing(
    setup: Setup,
) -> None:
    assert await setup.watch.resume(SESSION) is False  # nothing known yet
    await setup.see("SCAN_QR_CODE")
    setup.recovery.started.clear()
    assert await setup.watch.resume(SESSION) is False  # the next WORKING event will
    assert setup.recovery.started == []


async def test_working_repeated_does_not_recover_again(setup: Setup) -> None:
    await setup.see("WORKING")
    await setup.see("WORKING")
    await setup.see("WORKING", "STARTING")  # what the bucket knows wins
    assert len(setup.recovery.started) == 1


async def test_without_a_remembered_state_the_statuses_waha_lists_decide(setup: Setup) -> None:
    await setup.see("WORKING", "STOPPED", "WORKING")
    assert setup.recovery.started == []
    other = "other-session"
    await setup.see("WORKING", "STOPPED", "STARTING", session=other)
    assert setup.recovery.started == [(other, 0.0)]


async def test_a_finished_recovery_is_remembered_for_the_next_outage(setup: Setup) -> None:
    await setup.see("WORKING")
    started = setup.clock.now
    setup.clock.now += 5
    await setup.recovery.done[0](started)
    assert setup.state().last_recovery_at == started
    assert setup.state().status == "WORKING"


async def test_the_gauge_shows_only_the_current_status(setup: Setup) -> None:
    await setup.see("SCAN_QR_CODE")
    await setup.see("WORKING")

    def gauge(status: str) -> float:
        return float(metrics.WAHA_SESSION_STATUS.labels(SESSION, status)._value.get())

    assert (gauge("WORKING"), gauge("SCAN_QR_CODE"), gauge("FAILED")) == (1, 0, 0)


async def test_statuses_needing_a_human_are_warnings(
    setup: Setup, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="gateway.waha_session"):
        await setup.see("FAILED")
        await setup.see("STARTING")
    levels = [(record.levelno, getattr(record, "status", "")) for record in caplog.records]
    assert levels == [(logging.WARNING, "FAILED"), (logging.INFO, "STARTING")]


async def test_odd_session_names_get_a_valid_bucket_key(setup: Setup) -> None:
    name = "paroisse saint-jean/2"
    await setup.see("WORKING", session=name)
    assert setup.state(name).status == "WORKING"
    assert state_key(name) != state_key("paroisse saint-jean/3")
