"""Tokens a Claude request used, by kind, and what they cost (an estimate in USD).

The prices come from the settings (defaults: Claude Haiku 5.5, per million
tokens). Cache writes are priced at the 5-minute rate: the service only asks for
ephemeral caching without a TTL. The estimate is for the metrics; the invoice
stays the reference.
"""

from __future__ import annotations

from dataclasses import dataclass

from anthropic.types import Usage

from ai.settings import AiSettings

MILLION = 1_000_000


@dataclass(frozen=True)
class Prices:
    """USD per million tokens."""

    input: float
    output: float
    cache_write: float
    cache_read: float

    @classmethod
    def from_settings(cls, settings: AiSettings) -> Prices:
        return cls(
            input=settings.ai_price_input_per_mtok,
            output=settings.ai_price_output_per_mtok,
            cache_write=settings.ai_price_cache_write_per_mtok,
            cache_read=settings.ai_price_cache_read_per_mtok,
        )


@dataclass(frozen=True)
class Tokens:
    """One request's tokens: ``input`` excludes what was read from or written to the cache."""

    input: int
    output: int
    cache_read: int
    cache_write: int

    @classmethod
    def of(cls, usage: Usage) -> Tokens:
        return cls(
            input=usage.input_tokens,
            output=usage.output_tokens,
            cache_read=usage.cache_read_input_tokens or 0,
            cache_write=usage.cache_creation_input_tokens or 0,
        )

    def by_kind(self) -> dict[str, int]:
        return {
            "input": self.input,
            "output": self.output,
            "cache_read": self.cache_read,
            "cache_write": self.cache_write,
        }


def cost(tokens: Tokens, prices: Prices) -> float:
    """The estimated price of ``tokens`` in USD."""
    return (
        tokens.input * prices.input
        + tokens.output * prices.output
        + tokens.cache_read * prices.cache_read
        + tokens.cache_write * prices.cache_write
    ) / MILLION
