"""A local fake of Anthropic's Messages API, for the real SDK to talk to.

A real HTTP server on 127.0.0.1 (a daemon thread), so the SDK's whole path runs:
headers, retries, ``retry-after-ms``, timeouts, response parsing. It records
every request (headers, lower-cased, and the JSON body) and plays a script of
responses, one per request, then :attr:`FakeClaude.otherwise` for the rest.

Either auth header is accepted (SDK 2.x sends ``Authorization: Bearer``, 1.x
``x-api-key``); without one the answer is a 401. Errors carry the API's error
body and ``retry-after-ms: 1``, so the SDK retries at once.
"""

from __future__ import annotations

import json
import re
import threading
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL = "claude-haiku-5-5"
INSTANT_RETRY = {"retry-after-ms": "1"}
FACT = re.compile(r'<fact id="([^"]*)" title="([^"]*)">')


@dataclass(frozen=True)
class Scripted:
    """One response: status, JSON body, headers, and how long to wait before sending it."""

    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


@dataclass(frozen=True)
class Recorded:
    headers: dict[str, str]  # lower-cased names
    body: dict[str, Any]

    def system_text(self) -> str:
        return "\n".join(block["text"] for block in self.body.get("system", []))

    def facts(self) -> dict[str, str]:
        """The facts sent: id -> title (as escaped in the prompt)."""
        return dict(FACT.findall(self.system_text()))

    def last_user_text(self) -> str:
        """The text of the last user message (its text blocks when it carries an image)."""
        last = self.body["messages"][-1]
        assert last["role"] == "user"
        content = last["content"]
        if isinstance(content, list):
            return "\n".join(block["text"] for block in content if block.get("type") == "text")
        return str(content)

    def images(self) -> list[dict[str, Any]]:
        """The image blocks of the last user message, in order."""
        content = self.body["messages"][-1]["content"]
        if not isinstance(content, list):
            return []
        return [block for block in content if block.get("type") == "image"]


# A response, or a function that builds it from the request (to cite the ids it was sent).
Step = Scripted | Callable[[Recorded], Scripted]


def usage(
    input_tokens: int = 1200, output_tokens: int = 40, cache_read: int = 0, cache_write: int = 0
) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "cache_creation_input_tokens": cache_write,
        "cache_read_input_tokens": cache_read,
        "cache_creation": {
            "ephemeral_5m_input_tokens": cache_write,
            "ephemeral_1h_input_tokens": 0,
        },
        "service_tier": "standard",
    }


def message(
    content: list[dict[str, Any]],
    stop_reason: str,
    *,
    tokens: dict[str, Any] | None = None,
    stop_details: dict[str, Any] | None = None,
) -> Scripted:
    return Scripted(
        200,
        {
            "id": "msg_" + uuid.uuid4().hex[:24],
            "type": "message",
            "role": "assistant",
            "model": MODEL,
            "content": content,
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "stop_details": stop_details,
            "usage": tokens or usage(),
        },
    )


def tool_call(name: str, arguments: dict[str, Any], **kwargs: Any) -> Scripted:
    block = {"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:20], "name": name}
    return message([{**block, "input": arguments}], "tool_use", **kwargs)


def answer(text: str, cited: list[str], **kwargs: Any) -> Scripted:
    return tool_call("answer", {"text": text, "cited_fact_ids": cited}, **kwargs)


def handoff(reason: str = "not_in_facts", summary: str = "Question sans réponse.") -> Scripted:
    return tool_call("handoff_to_human", {"reason": reason, "summary": summary})


def route(service: str, summary: str = "Question d'un autre service.") -> Scripted:
    return tool_call("route_to_service", {"service": service, "summary": summary})


def plain_text(text: str = "Je pense que oui.") -> Scripted:
    return message([{"type": "text", "text": text}], "end_turn")


def refusal() -> Scripted:
    details = {"type": "refusal", "category": None, "explanation": None}
    return message([], "refusal", stop_details=details)


def error(
    status: int,
    kind: str,
    *,
    error_code: str | None = None,
    headers: dict[str, str] | None = None,
) -> Scripted:
    body: dict[str, Any] = {"type": kind, "message": f"fake {kind}"}
    if error_code is not None:
        body["details"] = {"error_code": error_code}
    envelope = {"type": "error", "error": body, "request_id": "req_" + uuid.uuid4().hex[:20]}
    return Scripted(status, envelope, {**INSTANT_RETRY, **(headers or {})})


def overloaded() -> Scripted:
    return error(529, "overloaded_error")


def rate_limited() -> Scripted:
    return error(429, "rate_limit_error")


def slow(response: Scripted, seconds: float) -> Scripted:
    return Scripted(response.status, response.body, response.headers, delay=seconds)


class FakeClaude:
    """The fake server; use as a context manager (``with FakeClaude() as fake``)."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.otherwise: Step = error(500, "api_error", headers={"x-should-retry": "false"})
        self._script: deque[Step] = deque()
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def will(self, *responses: Step) -> None:
        """Answer the next requests with ``responses``, in order."""
        with self._lock:
            self._script.extend(responses)

    def bodies(self) -> list[dict[str, Any]]:
        return [request.body for request in self.requests]

    def __enter__(self) -> FakeClaude:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self, recorded: Recorded) -> Scripted:
        with self._lock:
            self.requests.append(recorded)
            step = self._script.popleft() if self._script else self.otherwise
        return step if isinstance(step, Scripted) else step(recorded)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                raw = self.rfile.read(length) if length else b"{}"
                headers = {name.lower(): value for name, value in self.headers.items()}
                if self.path.split("?")[0] != "/v1/messages":
                    self._send(error(404, "not_found_error", headers={"x-should-retry": "false"}))
                    return
                if not (
                    headers.get("authorization", "").startswith("Bearer ") or "x-api-key" in headers
                ):
                    self._send(error(401, "authentication_error"))
                    return
                response = fake._next(Recorded(headers, json.loads(raw)))
                if response.delay and fake._stopping.wait(response.delay):
                    return
                self._send(response)

            def _send(self, response: Scripted) -> None:
                payload = json.dumps(response.body).encode()
                try:
                    self.send_response(response.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.send_header("request-id", "req_" + uuid.uuid4().hex[:20])
                    for name, value in response.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(payload)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test): nobody to answer

            def log_message(self, format: str, *args: Any) -> None:
                pass  # quiet

        return Handler
