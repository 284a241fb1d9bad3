"""What happens to a delivery after its handler ran: ack, try again, or dead-letter."""

from __future__ import annotations

from concierge_common.bus.settle import Outcome, RetryPolicy, decide
from concierge_common.errors import (
    BusUnavailable,
    DatabaseUnavailable,
    DownstreamUnavailable,
    InvalidMessage,
)

POLICY = RetryPolicy(max_deliver=3, delays=(1.0, 3.0, 10.0))


def test_a_handler_that_returned_is_acked() -> None:
    assert decide(None, 1, POLICY).outcome is Outcome.ACKED


def test_a_retryable_error_is_tried_again_with_growing_delays_then_dead_lettered() -> None:
    error = DownstreamUnavailable("waha down")
    assert [decide(error, n, POLICY).delay for n in (1, 2)] == [1.0, 3.0]
    exhausted = decide(error, 3, POLICY)
    assert (exhausted.outcome, exhausted.reason) == (Outcome.DEAD_LETTERED, "exhausted")


def test_an_unexpected_exception_is_retried_like_a_retryable_error() -> None:
    assert decide(RuntimeError("bug"), 1, POLICY).outcome is Outcome.RETRIED
    assert decide(RuntimeError("bug"), 3, POLICY).outcome is Outcome.DEAD_LETTERED


def test_a_permanent_error_is_dead_lettered_at_the_first_attempt() -> None:
    decision = decide(InvalidMessage("garbage"), 1, POLICY)
    assert (decision.outcome, decision.reason) == (Outcome.DEAD_LETTERED, "permanent")


def test_an_outage_is_tried_again_long_after_the_attempts_are_spent() -> None:
    for error in (DatabaseUnavailable("pg down"), BusUnavailable("nats down")):
        late = decide(error, 50, POLICY)
        assert late.outcome is Outcome.RETRIED
        assert late.delay == 10.0  # the last delay repeats
