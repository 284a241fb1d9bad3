"""Tokens by kind and the estimated cost of a request."""

from __future__ import annotations

import pytest
from anthropic.types import Usage

from ai.claude.costs import Prices, Tokens, cost
from support.claude_store import settings


def test_usage_without_cache_counters_counts_zero_for_them() -> None:
    tokens = Tokens.of(Usage(input_tokens=10, output_tokens=5))
    assert tokens.by_kind() == {"input": 10, "output": 5, "cache_read": 0, "cache_write": 0}


def test_the_cost_uses_each_kinds_price_per_million_tokens() -> None:
    prices = Prices(input=0.10, output=0.50, cache_write=0.125, cache_read=0.01)
    tokens = Tokens(input=2_000_000, output=1_000_000, cache_read=10_000_000, cache_write=800_000)
    assert cost(tokens, prices) == pytest.approx(0.2 + 0.5 + 0.1 + 0.1)


def test_default_prices_are_haiku_5_5s() -> None:
    assert Prices.from_settings(settings("http://127.0.0.1:9")) == Prices(0.10, 0.50, 0.125, 0.01)
