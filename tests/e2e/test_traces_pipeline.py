"""One WhatsApp message is one trace, through the real pipeline.

The whole concierge runs in this process (:mod:`support.stack`) with tracing
on and an in-memory exporter (:mod:`support.spans`): the webhook's server span
starts the trace, and the router's, the ai's (with the Claude call, answered by
:mod:`support.fake_claude` through the real SDK) and the gateway's outbound
spans, down to the send to the WAHA stand-in, all belong to it, each the child
of the span that published or asked for what it handles.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.trace import SpanKind

from support import fake_claude as fake
from support.conversation import Conversation
from support.spans import Spans, named, parent_of, recording, spans_until, trace_of
from support.stack import running_stack

PHONE = "33611100007"
QUESTION = "Quand peut-on se confesser ? (confessions)"
REPLY = "Les confessions ont lieu le samedi matin, à la chapelle de la Vierge."


@pytest.fixture
def server() -> Iterator[fake.FakeClaude]:
    with fake.FakeClaude() as running:
        yield running


@pytest.fixture
def claude_env(env: dict[str, str], server: fake.FakeClaude) -> dict[str, str]:
    return {**env, "ANTHROPIC_API_KEY": "sk-test", "ANTHROPIC_BASE_URL": server.url}


def _cite_confession(request: fake.Recorded) -> fake.Scripted:
    cited = [key for key, title in request.facts().items() if title.startswith("Confession")]
    return fake.answer(REPLY, cited) if cited else fake.handoff("other", "fact missing")


def _ancestors(spans: Spans, span: ReadableSpan) -> list[ReadableSpan]:
    """``span``'s exported parents, nearest first, as far as they are exported."""
    chain = []
    parent = parent_of(spans, span)
    while parent is not None:
        chain.append(parent)
        parent = parent_of(spans, parent)
    return chain


def _attribute(span: ReadableSpan, key: str) -> object:
    return (span.attributes or {}).get(key)


def _reaches_the_webhook(spans: Spans, span: ReadableSpan) -> bool:
    chain = _ancestors(spans, span)
    return bool(chain) and chain[-1].name == "POST /webhook"


def _sent_to_waha(spans: Spans) -> list[ReadableSpan]:
    """The sendText spans whose whole chain up to the webhook is exported."""
    return [s for s in named(spans, "WAHA sendText") if _reaches_the_webhook(spans, s)]


async def test_one_whatsapp_message_is_one_trace_from_the_webhook_to_waha(
    claude_env: dict[str, str], server: fake.FakeClaude
) -> None:
    server.will(_cite_confession)
    with recording() as exporter:
        async with running_stack(claude_env) as stack:
            person = Conversation(stack, f"{PHONE}@c.us")
            await person.send(QUESTION)
            assert (await person.expect(1)) == [REPLY]
            await spans_until(exporter, lambda spans: bool(_sent_to_waha(spans)))
    spans = exporter.get_finished_spans()  # with those the services ended while stopping

    [send] = _sent_to_waha(spans)
    chain = _ancestors(spans, send)
    webhook = chain[-1]
    trace = trace_of(webhook)
    assert webhook.kind is SpanKind.SERVER
    assert webhook.parent is None
    assert _attribute(webhook, "http.response.status_code") == 200
    assert all(trace_of(span) == trace for span in chain)

    # webhook -> publish inbound -> router -> publish ai -> ai -> publish outbound -> gateway
    path = [(span.name, _attribute(span, "concierge.service")) for span in reversed(chain)]
    assert path == [
        ("POST /webhook", None),
        ("publish inbound", None),
        ("process inbound", "router"),
        ("publish ai", None),
        ("process ai", "ai"),
        ("publish outbound", None),
        ("process outbound", "gateway"),
    ]
    assert send.kind is SpanKind.CLIENT
    assert _attribute(send, "http.response.status_code") == 201  # WAHA's answer to a send
    for consumer in (span for span in chain if span.kind is SpanKind.CONSUMER):
        producer = parent_of(spans, consumer)
        assert producer is not None
        assert producer.kind is SpanKind.PRODUCER
        assert consumer.parent is not None
        assert consumer.parent.is_remote  # continued from the message's headers

    in_trace = [span for span in spans if trace_of(span) == trace]
    [llm] = [span for span in in_trace if span.name == f"chat {fake.MODEL}"]
    assert llm.kind is SpanKind.CLIENT
    assert _attribute(llm, "gen_ai.request.model") == fake.MODEL
    assert _attribute(llm, "gen_ai.usage.input_tokens") == 1200
    assert _attribute(llm, "gen_ai.usage.output_tokens") == 40
    assert "process ai" in [span.name for span in _ancestors(spans, llm)]

    # The router asks the store over RPC: the store's server span continues the client's.
    store_answers = [
        span for span in in_trace if span.kind is SpanKind.SERVER and span is not webhook
    ]
    assert store_answers
    for answer in store_answers:
        asking = parent_of(spans, answer)
        assert asking is not None
        assert asking.kind is SpanKind.CLIENT
        assert asking.name == answer.name

    # Nothing of the person (number, words) nor of the reply is in any span.
    for span in in_trace:
        said = " ".join(str(value) for value in (span.attributes or {}).values())
        assert PHONE not in said
        assert "confess" not in said.lower()
        assert "chapelle" not in said
