"""A starting service's JetStream set-up is asked again while the API cannot answer yet."""

from __future__ import annotations

import nats.errors
import pytest
from nats.js.errors import APIError, ServiceUnavailableError

from concierge_common.bus.patience import patiently
from concierge_common.errors import ConfigError


class Step:
    """Fails with the given errors, one per call, then returns "declared"."""

    def __init__(self, *errors: Exception) -> None:
        self._errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self._errors:
            raise self._errors.pop(0)
        return "declared"


async def test_a_timeout_or_a_cluster_without_leader_is_asked_again_until_it_answers() -> None:
    step = Step(
        nats.errors.TimeoutError(),
        ServiceUnavailableError(code=503, description="JetStream system temporarily unavailable"),
        nats.errors.NoRespondersError(),
    )
    assert await patiently(step, "declaring", pause=0.0) == "declared"
    assert step.calls == 4


async def test_past_its_patience_the_api_s_silence_goes_up() -> None:
    step = Step(nats.errors.TimeoutError(), nats.errors.TimeoutError())
    with pytest.raises(nats.errors.TimeoutError):
        await patiently(step, "declaring", patience=0.0, pause=0.0)
    assert step.calls == 1


@pytest.mark.parametrize(
    "error",
    [
        ConfigError("BUS_PARTITIONS differs"),
        APIError(code=400, err_code=10058, description="stream name already in use"),
    ],
)
async def test_a_configuration_or_other_api_error_is_raised_at_once(error: Exception) -> None:
    step = Step(error)
    with pytest.raises(type(error)):
        await patiently(step, "declaring", pause=0.0)
    assert step.calls == 1
