"""What the four conversation-concurrency benchmarks share (issue 13).

``burst.py``, ``latency.py``, ``sustained.py`` and ``mixed.py`` drive the whole
concierge from outside, as WhatsApp and Claude would: signed WAHA webhooks in,
``sendText`` calls out, Messages API calls in between. This module holds:

- :class:`MiniHttpServer`, a small HTTP/1.1 keep-alive server on asyncio streams. The
  devkit's ``WahaFake`` (FastAPI) costs about 0.5 ms of CPU per request and a reply
  makes five WAHA calls; on a 2-core machine that competed with the services, so the
  stand-ins below use this server instead (110 to 140 us a request);
- :class:`LlmStandIn`, a Messages API stand-in for the real ``anthropic`` SDK: it
  answers with the ``answer`` tool citing the first fact of the prompt, after a fixed
  delay (or holds a request carrying :data:`HANG_MARKER` for longer), and counts calls,
  calls in flight and their peak;
- :class:`WahaStandIn`, the WAHA endpoints a reply uses (``sendSeen``,
  ``new-message-id``, ``startTyping``, ``stopTyping``, ``sendText``), bodies validated
  against the devkit's pinned WAHA OpenAPI subset; it records every ``sendText`` per chat
  with its time;
- :class:`Webhooks`, signed WAHA ``message`` webhooks (``concierge_devkit.webhook``)
  sent over keep-alive connections (``ack_load.RawConnection``);
- :class:`ConciergeStack`, the five services started as processes the way
  ``concierge run`` starts them (``concierge_devkit.service_env``/``services``), with
  any number of router and ai replicas, in a bus namespace and a database of the run's
  own, both removed at the end with the namespace's Redis keys;
- :class:`BaselinePipeline`, the minimal publish-consume-send pipeline the latency and
  throughput benchmarks compare against, run in a process of its own
  (``python bench/concurrency_kit.py pipeline ...``);
- the run's frame: one deadline (``--max-seconds``), SIGTERM and Ctrl-C ending in
  the same clean-up, percentiles, CPU use, exit codes.

Everything runs on 127.0.0.1; NATS, PostgreSQL and Redis are the ones the URLs name.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http
import json
import math
import os
import re
import shutil
import signal
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from contextlib import AsyncExitStack
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote

import asyncpg
import httpx
import msgspec
import nats
from nats.js.api import AckPolicy, ConsumerConfig, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from redis.asyncio import Redis

from ack_load import RawConnection
from ack_load import Request as WireRequest
from concierge_common import ids
from concierge_common.bus.topology import Topology
from concierge_devkit import webhook
from concierge_devkit.dev_secrets import DevSecrets
from concierge_devkit.endpoints import database_name, with_database
from concierge_devkit.infra import Infrastructure
from concierge_devkit.namespaces import forget_namespace
from concierge_devkit.ports import free_port
from concierge_devkit.postgres import create_database
from concierge_devkit.processes import ManagedProcess, spawn
from concierge_devkit.service_env import RunEnvironment, service_environment
from concierge_devkit.services import prepare_database, stop_services, wait_ready
from concierge_devkit.settling import drained
from concierge_devkit.stack_config import SERVICES, StackPorts, health_port_variable
from concierge_devkit.waha_fake import openapi
from webhook_ack import cpu_seconds, machine_busy_seconds, nats_server_cpu

KIT = Path(__file__).resolve()
# A question the demo parish's keywords route to a service whose facts ai sends.
QUESTION = "Quand peut-on se confesser ? (confessions)"
# What the Messages API stand-in answers; every reply the person gets should carry it.
ANSWER = "Les confessions ont lieu le samedi matin, à la chapelle de la Vierge."
# A request whose body holds this word is held for the hang time (mixed.py).
HANG_MARKER = "benchhangmarker"
FACT = re.compile(r'<fact id="([^"]*)"')
EXIT_OK, EXIT_BROKEN, EXIT_CAPPED, EXIT_INTERRUPTED = 0, 1, 3, 130

# Pauses and limits made for WhatsApp, not for measuring concurrency (see bench/README.md).
NO_PACING = {
    "ROUTER_BURST_WINDOW_SECONDS": "0",
    "GATEWAY_TYPING_MIN_SECONDS": "0",
    "GATEWAY_TYPING_MAX_SECONDS": "0",
    "GATEWAY_TYPING_JITTER_SECONDS": "0",
}
NO_RATE_LIMITS = {
    "GATEWAY_CHAT_MESSAGES_PER_MINUTE": "0",
    "GATEWAY_GLOBAL_MESSAGES_PER_MINUTE": "0",
    # The public port's limit per source (issue 14 item 3): every webhook comes from here.
    "GATEWAY_SOURCE_REQUESTS_PER_SECOND": "0",
    # The hourly budgets of issue 14 item 6 (a bench sends thousands of messages an hour).
    "ROUTER_PERSON_MESSAGES_PER_HOUR": "0",
    "ROUTER_CHANNEL_MESSAGES_PER_HOUR": "0",
    "ROUTER_PERSON_RELAYS_PER_HOUR": "0",
    "AI_PERSON_TOKENS_PER_HOUR": "0",
    "AI_CHANNEL_TOKENS_PER_HOUR": "0",
}
# Settings the caller's environment must not slip into the services (--env passes them).
_SERVICE_PREFIXES = (
    "ANTHROPIC_",
    "BUS_",
    "GATEWAY_",
    "ROUTER_",
    "AI_",
    "HANDOFF_",
    "STORE_",
    "WAHA_",
    "JWT_",
    "MEDIA_",
    "STAFF_",
)
_SERVICE_NAMES = frozenset(
    {
        "NATS_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "LOG_LEVEL",
        "SHUTDOWN_GRACE_SECONDS",
        "CONVERSATION_ID_KEY",
        "INTRINSIC_ID_KEY",
    }
)


# -- the run's frame ----------------------------------------------------------------------


class CapReached(Exception):
    """``--max-seconds`` ran out before what was awaited happened."""


@dataclass
class Deadline:
    """The one time limit of a run (``--max-seconds``), from its start."""

    seconds: float
    started: float = field(default_factory=time.monotonic)

    def remaining(self) -> float:
        return self.started + self.seconds - time.monotonic()

    def check(self, what: str) -> None:
        if self.remaining() <= 0:
            raise CapReached(f"--max-seconds ({self.seconds:g} s) reached {what}")

    async def wait_for(self, awaitable: Awaitable[Any], what: str) -> Any:
        """``awaitable``'s result, or :class:`CapReached` when the deadline comes first."""
        self.check(what)
        try:
            return await asyncio.wait_for(awaitable, self.remaining())
        except TimeoutError:
            raise CapReached(f"--max-seconds ({self.seconds:g} s) reached {what}") from None


def run(main: Callable[[], Awaitable[int]]) -> int:
    """Run ``main`` on a fresh loop and return its exit code.

    SIGTERM and Ctrl-C cancel it, so its clean-up runs (130); the cap ends it with
    :data:`EXIT_CAPPED` once what it started is removed.
    """

    async def guarded() -> int:
        task = asyncio.current_task()
        assert task is not None
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, task.cancel)
        try:
            return await main()
        except CapReached as exc:
            print(f"cap: {exc}")
            return EXIT_CAPPED
        except asyncio.CancelledError:
            print("\ninterrupted: everything this run started was stopped and removed")
            return EXIT_INTERRUPTED

    raise_open_files_limit()
    try:
        return asyncio.run(guarded())
    except KeyboardInterrupt:
        print("\ninterrupted: everything this run started was stopped and removed")
        return EXIT_INTERRUPTED


def raise_open_files_limit() -> None:
    """Thousands of concurrent connections need file descriptors (children inherit it)."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def add_common_arguments(parser: argparse.ArgumentParser, *, max_seconds: float) -> None:
    """Options every benchmark has: servers, cap, logs, pacing, extra settings."""
    parser.add_argument("--max-seconds", type=float, default=max_seconds, help="cap on the run")
    parser.add_argument("--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4222"))
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get(
            "BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL URL whose role may create databases (one is made for the run)",
    )
    parser.add_argument(
        "--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
    )
    parser.add_argument("--log-level", default="INFO", help="the services' LOG_LEVEL (prod: INFO)")
    parser.add_argument(
        "--production-pacing",
        action="store_true",
        help="keep the router's burst window and the gateway's typing pauses (off by default)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a setting for every service process (repeatable), e.g. --env BUS_PARTITIONS=16",
    )
    parser.add_argument(
        "--keep-logs", action="store_true", help="keep the services' logs (path printed)"
    )


def parse_env(pairs: Sequence[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SystemExit(f"--env wants NAME=VALUE, got {pair!r}")
        env[name] = value
    return env


# -- numbers ------------------------------------------------------------------------------


def percentile(values: Iterable[float], fraction: float) -> float:
    """The nearest-rank percentile (``nan`` without values)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    index = min(len(ordered) - 1, max(0, math.ceil(fraction * len(ordered)) - 1))
    return ordered[index]


def ratio(value: float, base: float) -> float:
    return value / base if base > 0 and not math.isnan(base) else math.nan


def seconds(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.3f} s"


def millis(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value * 1000:.1f} ms"


def load_line() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min) on {os.cpu_count()} cores"


@dataclass(frozen=True)
class CpuUse:
    """CPU seconds used during ``wall`` seconds, by who."""

    wall: float
    machine: float  # the whole machine
    services: float  # the concierge's (or the baseline pipeline's) processes
    postgres: float  # the backends connected to the run's database
    nats: float  # nats-server (shared with whatever else uses it)
    driver: float  # this process: load generator and stand-ins

    def line(self) -> str:
        if self.wall <= 0:
            return "cpu: n/a"
        known = self.services + self.postgres + self.nats + self.driver
        rest = max(0.0, self.machine - known)
        share = [
            ("machine", self.machine),
            ("services", self.services),
            ("postgres (run's db)", self.postgres),
            ("nats-server", self.nats),
            ("driver+stand-ins", self.driver),
            ("rest (Redis, other users)", rest),
        ]
        return "cpu (cores busy): " + ", ".join(f"{n} {v / self.wall:.2f}" for n, v in share)


async def postgres_backends(database_url: str) -> list[int]:
    """The server processes of the connections to ``database_url``'s database."""
    if not database_url:
        return []
    admin = await asyncpg.connect(with_database(database_url, "postgres"), timeout=10.0)
    try:
        rows = await admin.fetch(
            "SELECT pid FROM pg_stat_activity WHERE datname = $1", database_name(database_url)
        )
    finally:
        await admin.close()
    return [int(row["pid"]) for row in rows]


class CpuMeter:
    """CPU used while something ran: the machine, the services, their database, NATS, us."""

    def __init__(self, pids: Sequence[int], database_url: str = "") -> None:
        self._pids = list(pids)
        self._database_url = database_url
        self._before: dict[int, float] = {}
        self._backends: dict[int, float] = {}
        self._nats: dict[int, float] = {}
        self._machine = self._own = self._wall = 0.0

    async def start(self) -> CpuMeter:
        self._before = {pid: cpu_seconds(pid) for pid in self._pids}
        backends = await postgres_backends(self._database_url)
        self._backends = {pid: cpu_seconds(pid) for pid in backends}
        self._nats = nats_server_cpu()
        self._machine = machine_busy_seconds()
        self._own = time.process_time()
        self._wall = time.monotonic()
        return self

    async def stop(self) -> CpuUse:
        wall = time.monotonic() - self._wall
        machine = machine_busy_seconds() - self._machine
        driver = time.process_time() - self._own
        services = sum(cpu_seconds(pid) - used for pid, used in self._before.items())
        # A backend that appeared meanwhile counts whole; one that ended is lost.
        backends = await postgres_backends(self._database_url)
        postgres = sum(cpu_seconds(pid) - self._backends.get(pid, 0.0) for pid in backends)
        nats_now = nats_server_cpu()
        nats_used = sum(nats_now[pid] - used for pid, used in self._nats.items() if pid in nats_now)
        return CpuUse(wall, machine, max(0.0, services), max(0.0, postgres), nats_used, driver)


# -- a small HTTP/1.1 server --------------------------------------------------------------


@dataclass(frozen=True)
class HttpRequest:
    method: str
    path: str  # without the query, still percent-encoded
    headers: dict[str, str]  # lower-case names
    body: bytes
    query: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class HttpResponse:
    status: int
    body: bytes = b""

    @classmethod
    def json(cls, status: int, value: Any) -> HttpResponse:
        return cls(status, json.dumps(value, ensure_ascii=False).encode())

    def wire(self) -> bytes:
        phrase = http.HTTPStatus(self.status).phrase
        head = (
            f"HTTP/1.1 {self.status} {phrase}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(self.body)}\r\n\r\n"
        )
        return head.encode() + self.body


Route = Callable[[HttpRequest], Awaitable[HttpResponse]]


class MiniHttpServer:
    """HTTP/1.1 with keep-alive and ``content-length`` bodies, enough for httpx clients."""

    def __init__(self, route: Route) -> None:
        self._route = route
        self._server: asyncio.Server | None = None
        self._connections: set[asyncio.Task[Any]] = set()
        self.failures: list[str] = []  # requests the route raised on (answered 500)
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, backlog=4096)
        self.port = int(self._server.sockets[0].getsockname()[1])

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in list(self._connections):
            task.cancel()
        await asyncio.gather(*self._connections, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._connections.add(task)
        try:
            while True:
                try:
                    head = await reader.readuntil(b"\r\n\r\n")
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
                    return
                request = await _read_request(head, reader)
                if request is None:
                    writer.write(HttpResponse.json(411, {"message": "length required"}).wire())
                    return
                try:
                    response = await self._route(request)
                except Exception as exc:  # a stand-in's bug must show, not drop the connection
                    self.failures.append(f"{request.method} {request.path}: {exc!r}")
                    response = HttpResponse.json(500, {"message": "stand-in failure"})
                writer.write(response.wire())
                await writer.drain()
                if request.headers.get("connection", "").lower() == "close":
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            return  # stop(): a task ending cancelled would be logged by asyncio's streams
        finally:
            self._connections.discard(task)
            writer.close()


async def _read_request(head: bytes, reader: asyncio.StreamReader) -> HttpRequest | None:
    lines = head.decode("latin-1").split("\r\n")
    method, target, _ = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if sep:
            headers[name.strip().lower()] = value.strip()
    if "chunked" in headers.get("transfer-encoding", "").lower():
        return None
    length = int(headers.get("content-length") or 0)
    body = await reader.readexactly(length) if length else b""
    path, _, query = target.partition("?")
    return HttpRequest(method, path, headers, body, dict(parse_qsl(query)))


# -- the Messages API stand-in ------------------------------------------------------------


def _api_error(status: int, kind: str) -> HttpResponse:
    error = {"type": kind, "message": f"stand-in {kind}"}
    return HttpResponse.json(status, {"type": "error", "error": error, "request_id": "req_bench"})


class LlmStandIn:
    """Answers ``POST /v1/messages`` after ``delay`` seconds, counting calls in flight.

    The answer is a ``tool_use`` of ``answer`` with :data:`ANSWER`, citing the first
    fact of the system prompt (the checks of ``ai.claude.checks`` accept it); without
    any fact it is a ``handoff_to_human`` (counted in ``without_fact``). A request whose
    body contains ``hang_marker`` waits ``hang_seconds`` instead of ``delay``.
    """

    def __init__(self, *, delay: float, hang_marker: str = "", hang_seconds: float = 0.0) -> None:
        self.delay = delay
        self._marker = hang_marker.encode()
        self.hang_seconds = hang_seconds
        self.server = MiniHttpServer(self._answer)
        self.hang_started = asyncio.Event()
        self.reset()

    def reset(self) -> None:
        self.calls = 0
        self.in_flight = 0
        self.peak = 0
        self.hung = 0
        self.without_fact = 0
        self.refused = 0

    @property
    def url(self) -> str:
        return self.server.url

    async def _answer(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.path != "/v1/messages":
            self.refused += 1
            return _api_error(404, "not_found_error")
        auth = request.headers.get("authorization", "")
        if not (auth.startswith("Bearer ") or "x-api-key" in request.headers):
            self.refused += 1
            return _api_error(401, "authentication_error")
        try:
            body = json.loads(request.body)
        except ValueError:
            self.refused += 1
            return _api_error(400, "invalid_request_error")
        self.calls += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            if self._marker and self._marker in request.body:
                self.hung += 1
                self.hang_started.set()
                await asyncio.sleep(self.hang_seconds)
            elif self.delay > 0:
                await asyncio.sleep(self.delay)
        finally:
            self.in_flight -= 1
        return HttpResponse.json(200, self._message(body))

    def _message(self, body: dict[str, Any]) -> dict[str, Any]:
        system = body.get("system") or []
        text = "\n".join(b.get("text", "") for b in system if isinstance(b, dict))
        fact = FACT.search(text)
        if fact is not None:
            tool = {"name": "answer", "input": {"text": ANSWER, "cited_fact_ids": [fact[1]]}}
        else:
            self.without_fact += 1
            tool = {
                "name": "handoff_to_human",
                "input": {"reason": "not_in_facts", "summary": "Pas de fait."},
            }
        return {
            "id": "msg_" + uuid.uuid4().hex[:24],
            "type": "message",
            "role": "assistant",
            "model": body.get("model", "claude-haiku-5-5"),
            "content": [{"type": "tool_use", "id": "toolu_" + uuid.uuid4().hex[:20], **tool}],
            "stop_reason": "tool_use",
            "stop_sequence": None,
            "usage": {
                "input_tokens": 1200,
                "output_tokens": 40,
                "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0,
            },
        }


# -- the WAHA stand-in --------------------------------------------------------------------

_SEND = ("sendText", "sendSeen", "startTyping", "stopTyping")
_NEW_ID = re.compile(r"^/api/[^/]+/new-message-id$")
_CHAT_MESSAGES = re.compile(r"^/api/[^/]+/chats/([^/]+)/messages(?:/([^/]+))?$")


class WahaStandIn:
    """The WAHA calls of a reply; every ``sendText`` recorded per chat with its time.

    What was sent is kept as WAHA keeps a chat's history, so that the gateway can look
    a send in doubt up (``getMessage``, ``chatMessages``: ``gateway.send_check``).
    """

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.server = MiniHttpServer(self._answer)
        self.on_text: Callable[[str, float], None] | None = None
        self.history: dict[str, list[dict[str, Any]]] = {}  # chat -> WAMessage, oldest first
        self.reset()

    def reset(self) -> None:
        """Forget the counts (not the history: WAHA would not)."""
        self.texts: dict[str, list[float]] = {}  # chat -> monotonic time of each sendText
        self.bodies: dict[str, list[str]] = {}  # chat -> text of each sendText
        self.calls: Counter[str] = Counter()
        self.invalid: list[tuple[str, list[str]]] = []
        self.unknown: Counter[str] = Counter()

    @property
    def url(self) -> str:
        return self.server.url

    def sent(self, chat: str) -> int:
        return len(self.texts.get(chat, ()))

    async def _answer(self, request: HttpRequest) -> HttpResponse:
        if request.headers.get("x-api-key") != self.api_key:
            self.invalid.append((request.path, ["missing or wrong X-Api-Key"]))
            return HttpResponse.json(401, {"message": "Unauthorized", "statusCode": 401})
        name = request.path.removeprefix("/api/")
        if request.method == "POST" and name in _SEND:
            return self._send(name, request)
        if request.method == "GET" and _NEW_ID.match(request.path):
            self.calls["newMessageId"] += 1
            return HttpResponse.json(200, {"id": uuid.uuid4().hex[:20].upper()})
        found = _CHAT_MESSAGES.match(request.path) if request.method == "GET" else None
        if found is not None:
            chat, message = unquote(found[1]), found[2]
            if message is not None:
                return self._message(chat, unquote(message))
            return self._messages(chat, request.query)
        self.unknown[f"{request.method} {request.path}"] += 1
        return HttpResponse.json(404, {"message": "not in the stand-in", "statusCode": 404})

    def _send(self, name: str, request: HttpRequest) -> HttpResponse:
        try:
            body = json.loads(request.body)
        except ValueError:
            self.invalid.append((name, ["invalid JSON"]))
            return HttpResponse.json(400, {"message": "invalid JSON", "statusCode": 400})
        errors = openapi.body_errors("post", request.path, body)
        if errors:
            self.invalid.append((name, errors))
            return HttpResponse.json(400, {"message": errors, "statusCode": 400})
        self.calls[name] += 1
        if name != "sendText":
            return HttpResponse.json(201, {"result": True})
        now = time.monotonic()
        chat = str(body["chatId"])
        text = str(body.get("text", ""))
        self.texts.setdefault(chat, []).append(now)
        self.bodies.setdefault(chat, []).append(text)
        message_id = f"true_{chat}_{body.get('id') or uuid.uuid4().hex[:20].upper()}"
        self.history.setdefault(chat, []).append(
            {
                "id": message_id,
                "timestamp": int(time.time()),
                "from": chat,
                "fromMe": True,
                "body": text,
                "hasMedia": False,
            }
        )
        if self.on_text is not None:
            self.on_text(chat, now)
        return HttpResponse.json(201, {"id": message_id})

    def _message(self, chat: str, message_id: str) -> HttpResponse:
        self.calls["getMessage"] += 1
        for item in self.history.get(chat, ()):
            if item["id"] == message_id:
                return HttpResponse.json(200, item)
        return HttpResponse.json(404, {"message": "message not found", "statusCode": 404})

    def _messages(self, chat: str, query: Mapping[str, str]) -> HttpResponse:
        """``GET .../chats/{chatId}/messages``: WAHA's filters, order and paging."""
        self.calls["chatMessages"] += 1
        items = list(self.history.get(chat, ()))
        since = query.get("filter.timestamp.gte")
        if since is not None:
            items = [item for item in items if item["timestamp"] >= float(since)]
        if query.get("filter.fromMe") == "false":
            items = []  # only the concierge's own messages are kept
        if query.get("sortOrder") == "desc":
            items.reverse()
        offset = int(float(query.get("offset", "0")))
        limit = int(float(query.get("limit", "100")))
        return HttpResponse.json(200, items[offset : offset + limit])


# -- webhooks -----------------------------------------------------------------------------


def chat_of(phase: int, index: int) -> str:
    """A distinct WhatsApp chat per (phase, index): ``33<phase><8 digits>@c.us``."""
    return f"33{phase}{index:08d}@c.us"


_STALE = (asyncio.IncompleteReadError, ConnectionResetError, BrokenPipeError)


class Webhooks:
    """Signed WAHA ``message`` webhooks POSTed over a pool of keep-alive connections."""

    def __init__(self, url: str, hmac_key: str, *, connections: int) -> None:
        target = httpx.URL(url)
        self._host = target.host
        self._port = target.port or 80
        self._key = hmac_key
        self._pool: asyncio.Queue[RawConnection] = asyncio.Queue()
        self._all = [RawConnection(self._host, self._port) for _ in range(connections)]
        for connection in self._all:
            self._pool.put_nowait(connection)
        self.statuses: Counter[str] = Counter()
        self.chats: set[str] = set()  # every chat a webhook was made for

    def encode(self, chat: str, text: str) -> bytes:
        """The whole HTTP request, signed as WAHA signs it."""
        self.chats.add(chat)
        body = webhook.encode(webhook.message_event(chat, text))
        request = WireRequest(body, webhook.headers(self._key, body))
        return request.wire(f"{self._host}:{self._port}")

    async def post(self, wire: bytes) -> tuple[float, str]:
        """POST one encoded webhook: the monotonic time it started, and the status.

        A keep-alive connection the server closed while idle fails at once: the
        webhook is sent again on a new connection (the gateway drops a duplicate).
        """
        connection = await self._pool.get()
        started = time.monotonic()
        try:
            for attempt in (1, 2):
                try:
                    status = await connection.send(wire)
                    break
                except (OSError, ValueError, asyncio.IncompleteReadError) as exc:
                    status = type(exc).__name__
                    await connection.close()
                    if attempt == 2 or not isinstance(exc, _STALE):
                        break
        finally:
            self._pool.put_nowait(connection)
        self.statuses[status] += 1
        return started, status

    @property
    def failed(self) -> int:
        return sum(count for status, count in self.statuses.items() if status != "200")

    async def close(self) -> None:
        for connection in self._all:
            await connection.close()


# -- the concierge as processes -----------------------------------------------------------


@dataclass(frozen=True)
class StackOptions:
    nats_url: str
    postgres_url: str
    redis_url: str
    llm_url: str = ""  # the Messages API stand-in; empty: the offline answerer
    router_replicas: int = 1
    ai_replicas: int = 1
    log_level: str = "INFO"
    production_pacing: bool = False
    extra_env: Mapping[str, str] = field(default_factory=dict)
    keep_logs: bool = False
    ready_timeout: float = 120.0

    @classmethod
    def from_args(cls, args: argparse.Namespace, *, llm_url: str, **more: Any) -> StackOptions:
        return cls(
            nats_url=args.nats_url,
            postgres_url=args.postgres_url,
            redis_url=args.redis_url,
            llm_url=llm_url,
            log_level=args.log_level,
            production_pacing=args.production_pacing,
            extra_env={**more.pop("extra_env", {}), **parse_env(args.env)},
            keep_logs=args.keep_logs,
            **more,
        )


def setting_value(settings: type[msgspec.Struct], name: str, env: Mapping[str, str]) -> Any:
    """``name`` of a settings class, from ``env`` (converted as the services do) or default."""
    raw = env.get(name.upper())
    for item in msgspec.structs.fields(settings):
        if item.name == name:
            if raw:
                return msgspec.convert(raw, item.type, strict=False)
            return item.default
    raise KeyError(name)


def new_namespace() -> str:
    return "bench" + uuid.uuid4().hex[:8]


def _caller_environment() -> dict[str, str]:
    """The caller's environment without any concierge setting (the run decides those)."""
    return {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(_SERVICE_PREFIXES) and name not in _SERVICE_NAMES
    }


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def drop_database(url: str) -> None:
    admin = await asyncpg.connect(with_database(url, "postgres"), timeout=10.0)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {_quote(database_name(url))} WITH (FORCE)")
    finally:
        await admin.close()


async def forget_redis_keys(redis_url: str, namespace: str) -> None:
    """Delete the namespace's Redis keys (dedup, rate windows, budgets)."""
    client = Redis.from_url(redis_url)
    try:
        batch: list[Any] = []
        async for key in client.scan_iter(match=f"{namespace}:*", count=1000):
            batch.append(key)
            if len(batch) >= 1000:
                await client.delete(*batch)
                batch.clear()
        if batch:
            await client.delete(*batch)
    finally:
        await client.aclose()


async def forget_bus(nats_url: str, namespace: str) -> None:
    """The devkit's namespace removal, then every stream and bucket ``Topology`` names.

    ``Topology`` declares them all; a bucket added there after the devkit's list was
    written (``concierge_devkit.namespaces.buckets``) is removed too.
    """
    await forget_namespace(nats_url, namespace)
    topology = Topology(namespace, 1)
    members = [
        name for name in dir(Topology) if isinstance(getattr(Topology, name, None), property)
    ]
    buckets = [getattr(topology, name) for name in members if name.endswith("_bucket")]
    streams = [getattr(topology, name) for name in members if name.endswith("stream")]
    nc = await asyncio.wait_for(nats.connect(nats_url, max_reconnect_attempts=0), 10.0)
    try:
        js = nc.jetstream()
        for bucket in buckets:
            with contextlib.suppress(NotFoundError):
                await js.delete_key_value(bucket)
        for stream in streams:
            with contextlib.suppress(NotFoundError):
                await js.delete_stream(stream)
    finally:
        await nc.close()


class ConciergeStack:
    """The five services as processes, in a namespace and a database of their own."""

    def __init__(self, options: StackOptions, waha: WahaStandIn, secrets: DevSecrets) -> None:
        self.options = options
        self.waha = waha
        self.secrets = secrets
        self.namespace = new_namespace()
        self.database_url = with_database(options.postgres_url, f"concierge_{self.namespace}")
        self.topology = Topology(self.namespace, 1)
        self.processes: list[ManagedProcess] = []
        self.env: dict[str, str] = {}
        self.gateway_port = 0
        self.log_dir = Path()

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}/webhook"

    @property
    def pids(self) -> list[int]:
        return [process.process.pid for process in self.processes]

    def setting(self, settings: type[msgspec.Struct], name: str) -> Any:
        """A setting as the services read it: the run's environment, else the default."""
        return setting_value(settings, name, self.env)

    def partitions(self) -> int:
        from concierge_common.settings import BusSettings

        return int(self.setting(BusSettings, "bus_partitions"))

    def partition_of(self, chat: str) -> int:
        """The bus partition of ``chat``'s conversation (what the gateway computes)."""
        key = self.secrets.conversation_id_key
        return ids.partition(ids.conversation_id(key, "default", chat), self.partitions())

    async def start(self, exits: AsyncExitStack) -> None:
        """Database, services, readiness; every clean-up is registered on ``exits``."""
        options = self.options
        work = Path(tempfile.mkdtemp(prefix=f"concierge-{self.namespace}-"))
        self.log_dir = work / "logs"
        if options.keep_logs:
            exits.callback(print, f"services' logs kept in {self.log_dir}")
        else:
            exits.callback(shutil.rmtree, work, True)
        await create_database(self.database_url)
        exits.push_async_callback(drop_database, self.database_url)
        exits.push_async_callback(forget_redis_keys, options.redis_url, self.namespace)
        exits.push_async_callback(forget_bus, options.nats_url, self.namespace)
        self.env = self._environment(work / "media")
        await prepare_database(self.env, self.log_dir)
        exits.push_async_callback(stop_services, self.processes, 30.0)
        health = await self._spawn_all()
        await wait_ready(self.processes, health, options.ready_timeout)

    def _environment(self, media: Path) -> dict[str, str]:
        options = self.options
        self.gateway_port = free_port()
        run_env = RunEnvironment(
            Infrastructure(options.nats_url, self.database_url, options.redis_url),
            self.secrets,
            StackPorts(self.gateway_port, {name: free_port() for name in SERVICES}, 0),
            self.waha.url,
            bus_namespace=self.namespace,
            media_dir=media,
        )
        env = service_environment(run_env, _caller_environment())
        env["LOG_LEVEL"] = options.log_level
        env.update(NO_RATE_LIMITS)
        if not options.production_pacing:
            env.update(NO_PACING)
        if options.llm_url:
            env["ANTHROPIC_API_KEY"] = "sk-bench-stand-in"
            env["ANTHROPIC_BASE_URL"] = options.llm_url
        env.update(options.extra_env)
        return env

    def replicas(self, service: str) -> int:
        if service == "router":
            return self.options.router_replicas
        if service == "ai":
            return self.options.ai_replicas
        return 1

    async def _spawn_all(self) -> dict[str, int]:
        health: dict[str, int] = {}
        for service in SERVICES:
            for replica in range(1, self.replicas(service) + 1):
                name = service if replica == 1 else f"{service}-{replica}"
                port = free_port() if replica > 1 else int(self.env[health_port_variable(service)])
                env = {**self.env, health_port_variable(service): str(port)}
                process = await spawn(
                    name,
                    [sys.executable, "-m", service],
                    env=env,
                    log_path=self.log_dir / f"{name}.log",
                )
                self.processes.append(process)
                health[name] = port
        return health

    def dead(self) -> list[str]:
        return [
            f"{p.name} exited with {p.process.returncode}" for p in self.processes if not p.running
        ]

    def error_logs(self) -> Counter[str]:
        """ERROR (and CRITICAL) lines each service wrote."""
        found: Counter[str] = Counter()
        for (name, level, _), count in self.log_notes().items():
            if level in ("error", "critical"):
                found[name] += count
        return found

    def log_notes(self) -> Counter[tuple[str, str, str]]:
        """(process, level, message) of every WARNING or worse line the services wrote."""
        found: Counter[tuple[str, str, str]] = Counter()
        for process in self.processes:
            with contextlib.suppress(OSError):
                for line in process.log_path.read_text(errors="replace").splitlines():
                    if '"level": "info"' in line or '"level": "debug"' in line:
                        continue
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if isinstance(entry, dict) and entry.get("level") not in (None, "info"):
                        kind = entry.get("error_type") or entry.get("error") or ""
                        text = str(entry.get("msg", ""))[:70] + (f" ({kind})" if kind else "")
                        found[(process.name, str(entry["level"]), text)] += 1
        return found

    def print_log_notes(self, top: int = 6) -> None:
        """The most frequent warnings and errors, to explain slow or odd figures."""
        notes = self.log_notes()
        if not notes:
            print("services' logs: no warning")
            return
        print(f"services' logs: {sum(notes.values())} warning/error line(s), most frequent:")
        shown = notes.most_common(top)
        errors = [item for item in notes.most_common() if item[0][1] != "warning"]
        shown += [item for item in errors[:top] if item not in shown]
        for (name, level, text), count in shown:
            print(f"  {count:>6} {name} {level}: {text}")

    async def dead_letters(self) -> int:
        nc = await nats.connect(self.options.nats_url)
        try:
            info = await nc.jetstream().stream_info(self.topology.dlq_stream)
            return int(info.state.messages)
        finally:
            await nc.close()

    async def settle(self, deadline: Deadline, what: str) -> None:
        """Wait until every consumer acknowledged everything (the devkit's bus barrier)."""
        timeout = max(1.0, deadline.remaining())
        try:
            await drained(self.options.nats_url, self.topology, timeout=timeout)
        except Exception as exc:
            if deadline.remaining() <= 0:
                raise CapReached(f"--max-seconds reached {what}") from exc
            raise


async def start_stand_ins(exits: AsyncExitStack, *servers: MiniHttpServer) -> None:
    for server in servers:
        await server.start()
        exits.push_async_callback(server.stop)


# -- checks -------------------------------------------------------------------------------


@dataclass
class Problems:
    """What makes a run's numbers wrong: lost or doubled replies, errors."""

    lines: list[str] = field(default_factory=list)

    def add(self, line: str) -> None:
        self.lines.append(line)

    def replies(
        self,
        waha: WahaStandIn,
        expected: Mapping[str, int],
        *,
        answer: str = "",
        complete: bool = True,
    ) -> None:
        """Each chat got exactly its expected number of ``sendText`` (and the answer text).

        ``complete`` False: the wait was cut by the cap, so a missing reply may only be
        late; it is not counted as lost (the run exits with :data:`EXIT_CAPPED`).
        """
        lost = [chat for chat, count in expected.items() if waha.sent(chat) < count]
        doubled = [chat for chat, count in expected.items() if waha.sent(chat) > count]
        if lost and complete:
            self.add(f"{len(lost)} chat(s) got fewer replies than questions, e.g. {lost[0]}")
        elif lost:
            print(f"cap: {len(lost)} chat(s) not answered yet when the cap came")
        if doubled:
            self.add(f"{len(doubled)} chat(s) got more replies than questions, e.g. {doubled[0]}")
        if answer:
            other = Counter(
                text
                for chat in expected
                for text in waha.bodies.get(chat, ())
                if answer not in text
            )
            for text, count in other.most_common(3):
                self.add(f"{count} reply(ies) were not the stand-in's answer: {text[:80]!r}")

    def requests(self, waha: WahaStandIn, webhooks: Webhooks | None) -> None:
        for failure in waha.server.failures[:3]:
            self.add(f"the WAHA stand-in failed on {failure}")
        for endpoint, errors in waha.invalid[:3]:
            self.add(f"WAHA stand-in refused {endpoint}: {errors}")
        if len(waha.invalid) > 3:
            self.add(f"... {len(waha.invalid)} invalid WAHA requests in all")
        for path, count in list(waha.unknown.items())[:3]:
            self.add(f"{count} call(s) the WAHA stand-in does not serve: {path}")
        if len(waha.unknown) > 3:
            self.add(f"... {sum(waha.unknown.values())} calls the WAHA stand-in does not serve")
        strangers = [chat for chat in waha.texts if webhooks and chat not in webhooks.chats]
        if strangers:
            self.add(f"replies to {len(strangers)} chat(s) nobody wrote from, e.g. {strangers[0]}")
        if webhooks is not None and webhooks.failed:
            self.add(f"webhooks not answered 200 (sent again once): {dict(webhooks.statuses)}")

    async def stack(self, stack: ConciergeStack, llm: LlmStandIn | None) -> None:
        for line in stack.dead():
            self.add(line)
        letters = await stack.dead_letters()
        if letters:
            self.add(f"{letters} dead letter(s) in {stack.topology.dlq_stream}")
        for name, count in stack.error_logs().items():
            self.add(f"{name} logged {count} ERROR line(s) (see its log: --keep-logs)")
        if llm is not None and llm.server.failures:
            self.add(f"the Messages API stand-in failed: {llm.server.failures[0]}")
        if llm is not None and llm.refused:
            self.add(f"the Messages API stand-in refused {llm.refused} request(s)")
        if llm is not None and llm.without_fact:
            self.add(f"{llm.without_fact} Messages API request(s) carried no fact")

    def report(self) -> None:
        for line in self.lines:
            print(f"PROBLEM: {line}")
        if not self.lines:
            print("checks: every person got exactly one reply per question; no error seen")


# -- the minimal pipeline (baseline of latency.py and sustained.py) ------------------------


class BaselinePipeline:
    """Webhook -> JetStream -> pull consumer -> ``sendText``, in a process of its own."""

    def __init__(self, nats_url: str, waha: WahaStandIn) -> None:
        self.nats_url = nats_url
        self.waha = waha
        self.namespace = new_namespace()
        self.port = 0
        self.process: ManagedProcess | None = None

    @property
    def stream(self) -> str:
        return f"{self.namespace.upper()}_BASELINE"

    @property
    def webhook_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/webhook"

    @property
    def pids(self) -> list[int]:
        return [self.process.process.pid] if self.process is not None else []

    async def start(self, exits: AsyncExitStack) -> None:
        """Its stream, then the process; both removed through ``exits``."""
        work = Path(tempfile.mkdtemp(prefix=f"concierge-{self.namespace}-"))
        exits.callback(shutil.rmtree, work, True)
        nc = await nats.connect(self.nats_url)
        try:
            await nc.jetstream().add_stream(
                StreamConfig(
                    name=self.stream,
                    subjects=[f"{self.namespace}.baseline.>"],
                    retention=RetentionPolicy.LIMITS,
                    storage=StorageType.FILE,
                    max_age=3600,
                    duplicate_window=3600,
                )
            )
        finally:
            await nc.close()
        exits.push_async_callback(self._delete_stream)
        self.port = free_port()
        argv = [
            sys.executable,
            str(KIT),
            "pipeline",
            *("--port", str(self.port), "--nats-url", self.nats_url),
            *("--namespace", self.namespace, "--waha-url", self.waha.url),
        ]
        env = {**_caller_environment(), "BENCH_WAHA_API_KEY": self.waha.api_key}
        self.process = await spawn(
            "baseline", argv, env=env, log_path=work / "baseline-pipeline.log"
        )
        exits.push_async_callback(self._stop)
        await self._wait_serving()

    async def _stop(self) -> None:
        assert self.process is not None
        await self.process.stop(20.0)
        if self.process.process.returncode not in (0, -signal.SIGTERM):
            print(f"baseline pipeline: exit {self.process.process.returncode}, last lines:")
            print(self.process.log_tail())

    async def _wait_serving(self, timeout: float = 30.0) -> None:
        assert self.process is not None
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=1.0) as client:
            while time.monotonic() < deadline:
                if not self.process.running:
                    raise RuntimeError(f"baseline pipeline exited:\n{self.process.log_tail()}")
                with contextlib.suppress(httpx.HTTPError):
                    await client.get(f"http://127.0.0.1:{self.port}/ready")
                    return
                await asyncio.sleep(0.1)
        raise RuntimeError(f"baseline pipeline not serving after {timeout:.0f} s")

    async def _delete_stream(self) -> None:
        with contextlib.suppress(Exception):
            nc = await asyncio.wait_for(nats.connect(self.nats_url, max_reconnect_attempts=1), 5)
            try:
                await nc.jetstream().delete_stream(self.stream)
            finally:
                await nc.close()


class _Envelope(msgspec.Struct):
    class Payload(msgspec.Struct):
        from_: str = msgspec.field(default="", name="from")

    payload: Payload = msgspec.field(default_factory=Payload)


async def serve_pipeline(args: argparse.Namespace) -> None:
    """The baseline process: ``ack_servers.baseline_app`` plus one pull consumer."""
    from ack_servers import baseline_app
    from concierge_common.bus.health import HttpServer
    from concierge_common.bus.runtime import wait_for_signal

    subject = f"{args.namespace}.baseline.inbound"
    nc = await nats.connect(args.nats_url, name="bench-baseline-pipeline")
    js = nc.jetstream()
    config = ConsumerConfig(
        durable_name="baseline",
        ack_policy=AckPolicy.EXPLICIT,
        max_ack_pending=4096,
        ack_wait=60,
    )
    subscription = await js.pull_subscribe(subject, durable="baseline", config=config)
    app = baseline_app(nc, subject)

    @app.get("/ready")
    async def ready() -> dict[str, bool]:
        return {"ready": True}

    server = HttpServer(app, "127.0.0.1", args.port)
    waha = httpx.AsyncClient(
        base_url=args.waha_url,
        headers={"X-Api-Key": os.environ["BENCH_WAHA_API_KEY"]},
        limits=httpx.Limits(max_connections=100, max_keepalive_connections=100),
        timeout=30.0,
    )
    decoder = msgspec.json.Decoder(_Envelope)
    room = asyncio.Semaphore(256)
    tasks: set[asyncio.Task[None]] = set()

    async def send(msg: Any) -> None:
        try:
            chat = decoder.decode(msg.data).payload.from_
            body = {"session": "default", "chatId": chat, "text": ANSWER, "linkPreview": False}
            response = await waha.post("/api/sendText", json=body)
            if response.status_code < 300:
                await msg.ack()
            else:
                await msg.nak(delay=1)
        finally:
            room.release()

    async def consume() -> None:
        while True:
            try:
                messages = await subscription.fetch(64, timeout=1.0)
            except nats.errors.TimeoutError:
                continue
            for msg in messages:
                await room.acquire()
                task = asyncio.create_task(send(msg))
                tasks.add(task)
                task.add_done_callback(tasks.discard)

    await server.start()
    consumer = asyncio.create_task(consume())
    try:
        await wait_for_signal()
    finally:
        print("stopping", flush=True)
        consumer.cancel()
        await asyncio.gather(consumer, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(asyncio.gather(*tasks, return_exceptions=True), 5.0)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(server.stop(), 5.0)
        await waha.aclose()
        await nc.close()
        print("stopped", flush=True)


# -- what each benchmark does with a stack ------------------------------------------------


@dataclass
class Wave:
    """One question from each of many chats, all at once or at a fixed rate."""

    chats: list[str]
    sent_at: dict[str, float] = field(default_factory=dict)  # the chats whose POST got 200
    failed: list[str] = field(default_factory=list)
    started: float = 0.0
    posted: float = 0.0  # when the last webhook was answered
    lag: float = 0.0  # the latest a paced POST started after its planned time

    @property
    def expected(self) -> dict[str, int]:
        """One reply per chat whose webhook was accepted."""
        return dict.fromkeys(self.sent_at, 1)

    @property
    def rate(self) -> float:
        elapsed = self.posted - self.started
        return len(self.chats) / elapsed if elapsed > 0 else math.nan


async def send_wave(
    webhooks: Webhooks, chats: Sequence[str], text: str, *, rate: float = 0.0
) -> Wave:
    """POST one question per chat: all at once, or ``rate`` per second (planned times)."""
    wires = [(chat, webhooks.encode(chat, text)) for chat in chats]
    wave = Wave(list(chats))
    wave.started = time.monotonic()

    async def one(index: int, chat: str, wire: bytes) -> None:
        planned = wave.started + index / rate if rate else wave.started
        if planned > time.monotonic():
            await asyncio.sleep(planned - time.monotonic())
        started, status = await webhooks.post(wire)
        wave.lag = max(wave.lag, started - planned)
        if status == "200":
            wave.sent_at[chat] = started
        else:
            wave.failed.append(chat)

    await asyncio.gather(*(one(i, chat, wire) for i, (chat, wire) in enumerate(wires)))
    wave.posted = time.monotonic()
    return wave


async def wait_replies(
    waha: WahaStandIn, expected: Mapping[str, int], deadline: Deadline, what: str
) -> bool:
    """True once every chat got its expected replies; False when the deadline came first."""
    while any(waha.sent(chat) < count for chat, count in expected.items()):
        if deadline.remaining() <= 0:
            print(f"cap: --max-seconds reached {what}")
            return False
        await asyncio.sleep(0.02)
    return True


@dataclass(frozen=True)
class Latencies:
    """Webhook POST to first ``sendText`` of each chat that was answered."""

    values: list[float]
    last: float  # from the first webhook to the last first-reply
    answered: int
    asked: int

    @classmethod
    def of(cls, wave: Wave, waha: WahaStandIn) -> Latencies:
        values, ends = [], []
        for chat, sent in wave.sent_at.items():
            times = waha.texts.get(chat)
            if times:
                values.append(times[0] - sent)
                ends.append(times[0])
        last = max(ends) - wave.started if ends else math.nan
        return cls(values, last, len(values), len(wave.chats))

    @property
    def p50(self) -> float:
        return percentile(self.values, 0.5)

    @property
    def p99(self) -> float:
        return percentile(self.values, 0.99)

    @property
    def mean(self) -> float:
        return statistics.fmean(self.values) if self.values else math.nan


async def warm_up(
    stack: ConciergeStack,
    webhooks: Webhooks,
    count: int,
    deadline: Deadline,
    problems: Problems,
    *,
    answer: str = ANSWER,
    rate: float = 0.0,
) -> None:
    """``count`` chats (phase 9) ask once (at ``rate``); wait for the replies, a settled bus."""
    if count <= 0:
        return
    chats = [chat_of(9, index) for index in range(count)]
    wave = await send_wave(webhooks, chats, QUESTION, rate=rate)
    if not await wait_replies(stack.waha, wave.expected, deadline, "in the warm-up"):
        raise CapReached("in the warm-up")
    await stack.settle(deadline, "settling after the warm-up")
    problems.replies(stack.waha, wave.expected, answer=answer)
    stack.waha.reset()


# -- the baseline process's command line ---------------------------------------------------


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="the baseline pipeline process")
    commands = parser.add_subparsers(dest="command", required=True)
    pipeline = commands.add_parser("pipeline", help="webhook -> JetStream -> consumer -> WAHA")
    pipeline.add_argument("--port", type=int, required=True)
    pipeline.add_argument("--nats-url", required=True)
    pipeline.add_argument("--namespace", required=True)
    pipeline.add_argument("--waha-url", required=True)
    args = parser.parse_args(argv)
    asyncio.run(serve_pipeline(args))


if __name__ == "__main__":
    main()


def conclude(stack: ConciergeStack, problems: Problems, *, complete: bool) -> int:
    """The end of every run: the services' warnings, the load, the problems, the exit code."""
    stack.print_log_notes()
    print(f"after the run: {load_line()}\n")
    problems.report()
    if problems.lines:
        return EXIT_BROKEN
    return EXIT_OK if complete else EXIT_CAPPED
