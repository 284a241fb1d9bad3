"""Correlation data carried through a delivery, for logs and outgoing headers."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar

conversation_id_var: ContextVar[str | None] = ContextVar("conversation_id", default=None)
message_id_var: ContextVar[str | None] = ContextVar("message_id", default=None)
correlation_id_var: ContextVar[str | None] = ContextVar("correlation_id", default=None)


@contextlib.contextmanager
def bound(
    *,
    conversation_id: str | None = None,
    message_id: str | None = None,
    correlation_id: str | None = None,
) -> Iterator[None]:
    """Bind the ids of the message being handled for the duration of the block."""
    tokens = [
        conversation_id_var.set(conversation_id),
        message_id_var.set(message_id),
        correlation_id_var.set(correlation_id),
    ]
    try:
        yield
    finally:
        correlation_id_var.reset(tokens[2])
        message_id_var.reset(tokens[1])
        conversation_id_var.reset(tokens[0])


def current() -> dict[str, str]:
    """The ids bound in this context, without the unset ones."""
    values = {
        "conversation_id": conversation_id_var.get(),
        "message_id": message_id_var.get(),
        "correlation_id": correlation_id_var.get(),
    }
    return {key: value for key, value in values.items() if value}
