from __future__ import annotations

import re
from pathlib import Path

import msgspec
import pytest

from ai.settings import AiSettings
from concierge_common.errors import ConfigError
from concierge_common.settings import BusSettings, load
from gateway.settings import GatewaySettings
from handoff.settings import HandoffSettings
from router.settings import RouterSettings
from store.settings import StoreSettings


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
    "CONVERSATION_ID_KEY": "k" * 32,
    "WAHA_URL": "http://waha",
    "WAHA_API_KEY": "a" * 32,
}
_JWT_SECRET = "j" * 32


def test_gateway_api_refuses_to_start_without_a_webhook_hmac_key() -> None:
    with pytest.raises(ConfigError, match="WAHA_WEBHOOK_HMAC_KEY"):
        load(GatewaySettings, _GATEWAY_ENV)


def test_unsigned_webhooks_are_an_explicit_opt_in() -> None:
    env = {**_GATEWAY_ENV, "GATEWAY_ALLOW_UNSIGNED_WEBHOOKS": "true", "JWT_SECRET": _JWT_SECRET}
    config = load(GatewaySettings, env)
    assert config.gateway_allow_unsigned_webhooks is True


def test_gateway_api_names_every_missing_secret_at_once() -> None:
    with pytest.raises(ConfigError) as caught:
        load(GatewaySettings, _GATEWAY_ENV)
    assert "WAHA_WEBHOOK_HMAC_KEY" in str(caught.value)
    assert "JWT_SECRET" in str(caught.value)


def test_gateway_api_refuses_a_short_jwt_secret() -> None:
    env = {**_GATEWAY_ENV, "WAHA_WEBHOOK_HMAC_KEY": "h" * 32, "JWT_SECRET": "too-short"}
    with pytest.raises(ConfigError, match="JWT_SECRET must be at least 32 bytes"):
        load(GatewaySettings, env)


def test_api_token_settings_have_defaults_but_the_secret() -> None:
    env = {**_GATEWAY_ENV, "WAHA_WEBHOOK_HMAC_KEY": "h" * 32, "JWT_SECRET": _JWT_SECRET}
    config = load(GatewaySettings, {**env, "GATEWAY_CORS_ORIGINS": "https://a.example, ,https://b"})
    assert (config.jwt_audience, config.jwt_issuer) == ("concierge-api", "")
    assert config.cors_origins == ("https://a.example", "https://b")


def test_outbound_only_gateway_needs_no_webhook_key_nor_jwt_secret() -> None:
    config = load(GatewaySettings, {**_GATEWAY_ENV, "GATEWAY_ROLES": "outbound"})
    assert config.roles == frozenset({"outbound"})


def test_unknown_gateway_role_is_rejected() -> None:
    with pytest.raises(ConfigError, match="GATEWAY_ROLES"):
        load(GatewaySettings, {**_GATEWAY_ENV, "GATEWAY_ROLES": "api,webhooks"})


@pytest.mark.parametrize(
    "settings",
    [GatewaySettings, RouterSettings, AiSettings, HandoffSettings, StoreSettings],
    ids=lambda kind: kind.__name__,
)
def test_env_example_documents_every_setting(settings: type[msgspec.Struct]) -> None:
    text = (Path(__file__).resolve().parents[2] / ".env.example").read_text(encoding="utf-8")
    missing = [
        field.name.upper()
        for field in msgspec.structs.fields(settings)
        if not re.search(rf"^(# )?{field.name.upper()}=", text, re.MULTILINE)
    ]
    assert missing == []
