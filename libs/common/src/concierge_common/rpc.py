"""Request/reply between services over core NATS, with msgspec payloads.

Queries and synchronous commands (the HTTP API asking store for a session, an
admin creating a service) use request/reply: the caller needs the answer now,
and retries itself when it gets none. Writes that must never be lost travel on
JetStream instead (:mod:`concierge_common.bus`).

Subjects are ``rpc.v1.<service>.<operation>``; replicas of the answering
service share them through a queue group, so each request is answered once.
Every reply is a :class:`Reply` envelope: ``result`` on success, ``error`` with
an HTTP-like status otherwise. The caller turns the status back into the same
class of :mod:`concierge_common.errors` (404 -> ``NotFound``, 409 ->
``Conflict``, 410 -> ``Erased``, other 4xx -> ``InvalidRequest``, 503 ->
``DownstreamUnavailable``).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
import nats.errors
from nats.aio.client import Client as NATS
from nats.aio.msg import Msg
from nats.aio.subscription import Subscription

from concierge_common import context
from concierge_common.bus.topology import Topology
from concierge_common.errors import (
    Conflict,
    DownstreamRejected,
    DownstreamUnavailable,
    Erased,
    InvalidRequest,
    NotFound,
    RetryableError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
Req = TypeVar("Req")

CORRELATION_HEADER = "Correlation-Id"


class RpcError(msgspec.Struct, frozen=True):
    """Why a request failed; ``detail`` never carries a message body or a phone number."""

    status: int
    detail: str


_NULL = msgspec.Raw(b"null")


class Reply(msgspec.Struct, frozen=True):
    """The envelope of every answer: the result's JSON, or an error."""

    result: msgspec.Raw = _NULL
    error: RpcError | None = None


_encoder = msgspec.json.Encoder()
_reply_decoder = msgspec.json.Decoder(Reply)


def error_from(status: int, detail: str) -> Exception:
    """The error class of ``status``, so that a remote failure keeps its meaning."""
    if status == 404:
        return NotFound(detail)
    if status == 409:
        return Conflict(detail)
    if status == 410:
        return Erased(detail)
    if 400 <= status < 500:
        return InvalidRequest(detail, status=status)
    if status in (502, 503, 504):
        return DownstreamUnavailable(detail, status=status)
    return DownstreamRejected(detail, status=status)


class RpcClient:
    """Calls operations of other services and decodes their results."""

    def __init__(self, nc: NATS, topology: Topology, *, timeout: float = 5.0) -> None:
        self._nc = nc
        self._topology = topology
        self._timeout = timeout

    async def call(
        self,
        service: str,
        operation: str,
        request: msgspec.Struct,
        result_type: type[T],
        *,
        timeout: float | None = None,
    ) -> T:
        """Send ``request`` and return the decoded result, or raise the remote error."""
        subject = self._topology.rpc_subject(service, operation)
        headers = {CORRELATION_HEADER: context.correlation_id_var.get() or ""}
        try:
            msg = await self._nc.request(
                subject, _encoder.encode(request), timeout=timeout or self._timeout, headers=headers
            )
        except nats.errors.NoRespondersError as exc:
            raise DownstreamUnavailable(f"no {service} replica answers {operation}") from exc
        except (nats.errors.TimeoutError, nats.errors.Error, OSError) as exc:
            raise DownstreamUnavailable(f"{service} did not answer {operation} in time") from exc
        reply = _reply_decoder.decode(msg.data)
        if reply.error is not None:
            raise error_from(reply.error.status, reply.error.detail)
        try:
            return msgspec.json.decode(reply.result, type=result_type)
        except msgspec.ValidationError as exc:
            raise DownstreamRejected(f"{service} answered {operation} unexpectedly: {exc}") from exc


Handler = Callable[[Any], Awaitable[Any]]


@dataclass(frozen=True)
class Operation:
    """One operation a service answers: its request type and its handler."""

    name: str
    request_type: type[Any]
    handler: Handler


class RpcServer:
    """Answers a service's operations; replicas share the load through a queue group."""

    def __init__(self, service: str, operations: list[Operation]) -> None:
        self._service = service
        self._operations = {op.name: op for op in operations}
        self._decoders = {op.name: msgspec.json.Decoder(op.request_type) for op in operations}
        self._subscription: Subscription | None = None
        self._prefix = ""

    async def start(self, nc: NATS, topology: Topology) -> None:
        # ``>``: operation names may have several tokens (``session.open``).
        self._prefix = topology.rpc_subject(self._service, "")
        subject = topology.rpc_subject(self._service, ">")
        self._subscription = await nc.subscribe(
            subject, queue=f"rpc-{self._service}", cb=self._on_request
        )

    async def stop(self) -> None:
        if self._subscription is not None:
            await self._subscription.drain()  # type: ignore[no-untyped-call]
            self._subscription = None

    async def _on_request(self, msg: Msg) -> None:
        name = msg.subject.removeprefix(self._prefix)
        correlation = (msg.headers or {}).get(CORRELATION_HEADER, "")
        with context.bound(correlation_id=correlation):
            reply = await self._answer(name, msg.data)
        if msg.reply:
            await msg.respond(_encoder.encode(reply))

    async def _answer(self, name: str, data: bytes) -> Reply:
        operation = self._operations.get(name)
        if operation is None:
            return Reply(error=RpcError(404, f"unknown operation {name!r}"))
        try:
            request = self._decoders[name].decode(data)
        except (msgspec.DecodeError, msgspec.ValidationError) as exc:
            return Reply(error=RpcError(422, f"invalid {name} request: {exc}"))
        try:
            result = await operation.handler(request)
        except InvalidRequest as exc:
            return Reply(error=RpcError(exc.status, str(exc)))
        except RetryableError as exc:
            log.warning("operation %s unavailable: %s", name, type(exc).__name__)
            return Reply(error=RpcError(503, f"{name} is temporarily unavailable"))
        except Exception:
            log.exception("operation %s failed", name)
            return Reply(error=RpcError(500, f"{name} failed"))
        return Reply(result=msgspec.Raw(_encoder.encode(result)))
