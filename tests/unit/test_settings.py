from __future__ import annotations

import pytest

from concierge_common.errors import ConfigError
from concierge_common.settings import BusSettings, load
from gateway.settings import GatewaySettings


def test_missing_required_variables_are_named() -> None:
    with pytest.raises(ConfigError, match="NATS_URL"):
        load(BusSettings, {})


def test_every_missing_gateway_secret_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        load(GatewaySettings, {"NATS_URL": "nats://x:4222"})
    message = str(caught.value)
    for key in ("CONVERSATION_ID_KEY", "WAHA_URL", "WAHA_API_KEY"):
        assert key in message


def test_values_are_converted_from_strings() -> None:
    config = load(BusSettings, {"NATS_URL": "nats://x", "BUS_PARTITIONS": "32"})
    assert config.bus_partitions == 32
    assert config.retry_delays() == (1.0, 3.0, 10.0, 30.0)


def test_invalid_value_names_the_variable() -> None:
    with pytest.raises(ConfigError, match="BUS_PARTITIONS"):
        load(BusSettings, {"NATS_URL": "nats://x", "BUS_PARTITIONS": "many"})


def test_empty_value_counts_as_missing() -> None:
    with pytest.raises(ConfigError, match="NATS_URL"):
        load(BusSettings, {"NATS_URL": ""})


_GATEWAY_ENV = {
    "NATS_URL": "nats://x:4222",
    "CONVERSATION_ID_KEY": "k",
    "WAHA_URL": "http://waha",
    "WAHA_API_KEY": "a",
}


def test_gateway_api_refuses_to_start_without_a_webhook_hmac_key() -> None:
    with pytest.raises(ConfigError, match="WAHA_WEBHOOK_HMAC_KEY"):
        load(GatewaySettings, _GATEWAY_ENV)


def test_unsigned_webhooks_are_an_explicit_opt_in() -> None:
    config = load(GatewaySettings, {**_GATEWAY_ENV, "GATEWAY_ALLOW_UNSIGNED_WEBHOOKS": "true"})
    assert config.gateway_allow_unsigned_webhooks is True


def test_outbound_only_gateway_needs_no_webhook_key() -> None:
    config = load(GatewaySettings, {**_GATEWAY_ENV, "GATEWAY_ROLES": "outbound"})
    assert config.roles == frozenset({"outbound"})


def test_unknown_gateway_role_is_rejected() -> None:
    with pytest.raises(ConfigError, match="GATEWAY_ROLES"):
        load(GatewaySettings, {**_GATEWAY_ENV, "GATEWAY_ROLES": "api,webhooks"})
