"""The Anthropic SDK, built from the settings, and what its failures mean for a turn.

The async client gets an explicit timeout (below the bus's ack deadline) and a
small number of retries: the SDK retries 408, 409, 429, 5xx, timeouts and lost
connections itself, honouring ``retry-after-ms``/``retry-after``. What still
fails after that ends the turn in a handoff (:func:`failure_of`).

A spend limit (a 429 whose ``error.details.error_code`` is a spend limit) is
retried by the SDK like any 429 whatever ``x-should-retry`` says; waiting will
not lift it, so :class:`StopOnSpendLimit`, a client middleware, turns it into
:class:`SpendLimitReached` at the first attempt, which the SDK does not retry.
See docs/claude-api.md sections 2 and 7.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import anthropic
from anthropic import AsyncAnthropic, AsyncCallNext, Middleware
from anthropic.types import Message, MessageParam, MetadataParam, TextBlockParam, ToolParam
from opentelemetry.trace import Span, SpanKind

from ai.claude.tools import NO_THINKING, TOOL_CHOICE
from ai.settings import AiSettings
from concierge_common import tracing
from concierge_common.errors import ConfigError

log = logging.getLogger(__name__)

SPEND_LIMIT_CODES = frozenset(
    {
        "enforced_spend_limit_reached",
        "contract_spend_limit_reached",
        "linked_organization_spend_limit_reached",
    }
)
UNAVAILABLE, SPEND_LIMIT = "ai_unavailable", "ai_spend_limit"


class SpendLimitReached(anthropic.AnthropicError):
    """The organisation's spend limit is reached: no retry will help."""

    def __init__(self, code: str, request_id: str) -> None:
        super().__init__(f"spend limit reached ({code})")
        self.error_code = code
        self.request_id = request_id


class StopOnSpendLimit(Middleware):
    """Raises :class:`SpendLimitReached` on a spend-limit 429 instead of letting it retry."""

    async def handle_async(
        self, request: anthropic.APIRequest, call_next: AsyncCallNext
    ) -> anthropic.AsyncAPIResponse[object]:
        response = await call_next(request)
        http = response.http_response
        if http.status_code == 429:
            await http.aread()
            code = _error_code(http.content)
            if code in SPEND_LIMIT_CODES:
                raise SpendLimitReached(code, http.headers.get("request-id", ""))
        return response


def _error_code(body: bytes) -> str:
    try:
        parsed = json.loads(body)
    except ValueError:
        return ""
    error = parsed.get("error") if isinstance(parsed, dict) else None
    details = error.get("details") if isinstance(error, dict) else None
    code = details.get("error_code") if isinstance(details, dict) else None
    return code if isinstance(code, str) else ""


def check(settings: AiSettings) -> None:
    """Refuse settings that would make a turn outlive its delivery or never be tried."""
    if not 0 < settings.ai_claude_timeout_seconds < settings.bus_ack_wait_seconds:
        raise ConfigError(
            "invalid setting: AI_CLAUDE_TIMEOUT_SECONDS must be above 0 and below"
            f" BUS_ACK_WAIT_SECONDS ({settings.bus_ack_wait_seconds})"
        )
    if not 0 <= settings.ai_claude_max_retries <= 5:
        raise ConfigError("invalid setting: AI_CLAUDE_MAX_RETRIES must be between 0 and 5")
    if settings.ai_max_output_tokens < 1:
        raise ConfigError("invalid setting: AI_MAX_OUTPUT_TOKENS must be positive")


def build_sdk(settings: AiSettings, *, strict: bool = False) -> AsyncAnthropic:
    """The async SDK client of the settings (``strict``: validate responses, for tests)."""
    check(settings)
    return AsyncAnthropic(
        api_key=settings.anthropic_api_key,
        base_url=settings.anthropic_base_url or None,
        timeout=settings.ai_claude_timeout_seconds,
        max_retries=settings.ai_claude_max_retries,
        middleware=[StopOnSpendLimit()],
        # The SDK's own spans stay off: ClaudeClient.send has the call's span, and an
        # environment variable could make the SDK's record the messages' text.
        open_telemetry=False,
        _strict_response_validation=strict,
    )


@dataclass(frozen=True)
class Request:
    """What changes from one request to the next (the rest is configuration)."""

    system: list[TextBlockParam]
    messages: list[MessageParam]
    tools: list[ToolParam]
    user_ref: str  # an opaque hash of the person; never a name or a number


class ClaudeClient:
    """Sends one Messages API request per decision; tools forced, no thinking, no sampling."""

    def __init__(self, sdk: AsyncAnthropic, *, model: str, max_tokens: int) -> None:
        self._sdk = sdk
        self._model = model
        self._max_tokens = max_tokens
        self._span_name = f"chat {model}"
        self._span_attributes = _span_attributes(model, max_tokens)

    @property
    def model(self) -> str:
        return self._model

    async def send(self, request: Request) -> Message:
        metadata: MetadataParam | anthropic.Omit = (
            {"user_id": request.user_ref} if request.user_ref else anthropic.omit
        )
        with tracing.span(
            self._span_name, kind=SpanKind.CLIENT, attributes=self._span_attributes
        ) as span:
            message = await self._sdk.messages.create(
                model=self._model,
                max_tokens=self._max_tokens,
                system=request.system,
                messages=request.messages,
                tools=request.tools,
                tool_choice=TOOL_CHOICE,
                thinking=NO_THINKING,
                metadata=metadata,
            )
            _note_usage(span, message)
            return message

    async def close(self) -> None:
        await self._sdk.close()


def _span_attributes(model: str, max_tokens: int) -> dict[str, str | int]:
    """What the LLM call's span says before the call: never a prompt or a message."""
    return {
        "gen_ai.provider.name": "anthropic",
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": model,
        "gen_ai.request.max_tokens": max_tokens,
        "concierge.service": "ai",
    }


def _note_usage(span: Span | None, message: Message) -> None:
    """The model that answered, why it stopped and the tokens counted (no text)."""
    if span is None:
        return
    usage = message.usage
    span.set_attributes(
        {
            "gen_ai.response.model": message.model,
            "gen_ai.response.finish_reasons": [str(message.stop_reason or "")],
            "gen_ai.usage.input_tokens": usage.input_tokens,
            "gen_ai.usage.output_tokens": usage.output_tokens,
            "gen_ai.usage.cache_read.input_tokens": usage.cache_read_input_tokens or 0,
            "gen_ai.usage.cache_write.input_tokens": usage.cache_creation_input_tokens or 0,
        }
    )


@dataclass(frozen=True)
class Failure:
    """A request that failed for good: the handoff reason, the error class, and whether
    it is a configuration problem (a wrong key, a model that does not exist...)."""

    reason: str
    error: str
    config: bool = False


def failure_of(err: anthropic.AnthropicError) -> Failure:
    """What a failure after the SDK's retries means for the turn."""
    name = type(err).__name__
    code = getattr(err, "error_code", None)
    if isinstance(err, SpendLimitReached) or code in SPEND_LIMIT_CODES:
        return Failure(SPEND_LIMIT, name)
    if isinstance(err, anthropic.PaymentRequiredError):
        return Failure(SPEND_LIMIT, name, config=True)
    transient = (
        anthropic.RateLimitError,
        anthropic.InternalServerError,
        anthropic.APIConnectionError,  # APITimeoutError included
        anthropic.RequestTimeoutError,
        anthropic.ConflictError,
    )
    return Failure(UNAVAILABLE, name, config=not isinstance(err, transient))
