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
``DownstreamUnavailable``, other 5xx -> ``DownstreamRejected``).

Outages cross the boundary as outages. An operation that raises an
:class:`~concierge_common.errors.Outage` (the store's database is down) answers
503 with ``RpcError.outage`` naming its class, and the caller raises that class
again (``DatabaseUnavailable``): its bus handler is retried for as long as the
outage lasts instead of being dead-lettered after a few attempts. The field is
optional and left out when empty, so a caller or an answerer of before it
still understands the other (an outage is then a plain 503).

A service that does not answer at all (no replica subscribed, or no answer
within the timeout) is ``DownstreamUnavailable``, except for the services a
client is told are essential (``RpcClient(essential=...)``, the store by
default), for which it is an :class:`~concierge_common.errors.Outage`. The
store is the system of record: every inbound message needs it (a session is
opened for each one), nothing else can answer in its place, and when no store
replica answers, the cause is never the request - the store is restarting,
cut off from the bus, or stuck waiting for PostgreSQL (a database that does
not answer, rather than refuses, makes the store's own call wait past the
caller's timeout). Dead-lettering every message of that window after a few
retries is the failure an outage exists to prevent, so the caller waits and
retries for as long as it lasts, as it does when the store answers that its
database is down. A request that times out because of itself (a store
operation that could never finish in time) would then be retried without end
rather than dead-lettered: the store's operations are short by design, and an
outage that lasts is visible (logs and metrics of the retries) rather than
silent, which is the better failure. Other services (ai, the handoff desk) are
optional for their callers, who degrade instead (an answer without the
classifier, a 503 to the staff app).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

import msgspec
import nats.errors
from nats import micro
from nats.aio.client import Client as NATS
from nats.micro.request import Request
from nats.micro.service import Service

from concierge_common import context, tracing
from concierge_common.bus.topology import Topology
from concierge_common.contracts import store_api
from concierge_common.errors import (
    BusUnavailable,
    ConciergeError,
    Conflict,
    DatabaseUnavailable,
    DownstreamRejected,
    DownstreamUnavailable,
    Erased,
    InvalidRequest,
    NotFound,
    Outage,
    RetryableError,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
Req = TypeVar("Req")

CORRELATION_HEADER = "Correlation-Id"
# The micro service version every replica reports ($SRV.INFO): the wire contract's.
_VERSION = "1.0.0"

# The services whose silence is an outage for their callers (see the module's docstring).
ESSENTIAL = frozenset({store_api.SERVICE})

# The outage classes a reply may name; another name is an Outage still.
_OUTAGES: dict[str, type[Outage]] = {
    kind.__name__: kind for kind in (Outage, BusUnavailable, DatabaseUnavailable)
}

# A request that got no answer: nobody listens, nobody answered in time, or this
# side's own connection to NATS is closed or full.
_UNANSWERED = (
    nats.errors.NoRespondersError,
    nats.errors.TimeoutError,
    nats.errors.ConnectionClosedError,
    nats.errors.ConnectionDrainingError,
    nats.errors.ConnectionReconnectingError,
    nats.errors.OutboundBufferLimitError,
    nats.errors.StaleConnectionError,
    OSError,
)


class RpcError(msgspec.Struct, frozen=True, omit_defaults=True):
    """Why a request failed; ``detail`` never carries a message body or a phone number.

    ``outage``: the class name of the :class:`Outage` the operation raised ("" when
    it raised none); optional on the wire.
    """

    status: int
    detail: str
    outage: str = ""


_NULL = msgspec.Raw(b"null")


class Reply(msgspec.Struct, frozen=True):
    """The envelope of every answer: the result's JSON, or an error."""

    result: msgspec.Raw = _NULL
    error: RpcError | None = None


_encoder = msgspec.json.Encoder()
_reply_decoder = msgspec.json.Decoder(Reply)


def error_from(status: int, detail: str, outage: str = "") -> ConciergeError:
    """The error class of ``status``, so that a remote failure keeps its meaning.

    ``outage`` names the :class:`Outage` the remote side raised: raised again here.
    """
    if outage:
        return _OUTAGES.get(outage, Outage)(detail)
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
    """Calls operations of other services and decodes their results.

    ``essential``: the services that not answering at all is an :class:`Outage`
    for (the store by default); for the others it is ``DownstreamUnavailable``.

    ``max_in_flight``: requests of this process waiting for an answer at once, per
    service asked. Many conversations run at once (:mod:`concierge_common.bus.consumer`),
    and a burst of them would otherwise send the store hundreds of requests at a time,
    more than its connections can answer before the callers' timeouts: the requests
    past the limit wait here, and the timeout counts only once a request is sent.
    """

    def __init__(
        self,
        nc: NATS,
        topology: Topology,
        *,
        timeout: float = 5.0,
        essential: Collection[str] = ESSENTIAL,
        max_in_flight: int = 64,
    ) -> None:
        self._nc = nc
        self._topology = topology
        self._timeout = timeout
        self._essential = frozenset(essential)
        self._max_in_flight = max_in_flight
        self._slots: dict[str, asyncio.Semaphore] = {}

    def _slots_for(self, service: str) -> asyncio.Semaphore:
        slots = self._slots.get(service)
        if slots is None:
            slots = self._slots[service] = asyncio.Semaphore(self._max_in_flight)
        return slots

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
        headers = {CORRELATION_HEADER: context.correlation_id_var.get() or ""}
        with tracing.calling(service, operation, headers):  # adds the trace context when on
            return await self._call(service, operation, request, result_type, headers, timeout)

    async def _call(
        self,
        service: str,
        operation: str,
        request: msgspec.Struct,
        result_type: type[T],
        headers: dict[str, str],
        timeout: float | None,
    ) -> T:
        subject = self._topology.rpc_subject(service, operation)
        try:
            async with self._slots_for(service):
                msg = await self._nc.request(
                    subject,
                    _encoder.encode(request),
                    timeout=timeout or self._timeout,
                    headers=headers,
                )
        except _UNANSWERED as exc:
            raise self._unanswered(service, operation, exc) from exc
        except nats.errors.Error as exc:  # the request itself cannot be sent (too large...)
            raise DownstreamUnavailable(
                f"cannot ask {service} {operation}: {type(exc).__name__}"
            ) from exc
        reply = _reply_decoder.decode(msg.data)
        if reply.error is not None:
            raise error_from(reply.error.status, reply.error.detail, reply.error.outage)
        try:
            return msgspec.json.decode(reply.result, type=result_type)
        except msgspec.ValidationError as exc:
            raise DownstreamRejected(f"{service} answered {operation} unexpectedly: {exc}") from exc

    def _unanswered(self, service: str, operation: str, exc: Exception) -> RetryableError:
        if isinstance(exc, nats.errors.NoRespondersError):
            why = f"no {service} replica answers {operation}"
        else:
            why = f"{service} did not answer {operation} ({type(exc).__name__})"
        if service in self._essential:
            return Outage(why)
        return DownstreamUnavailable(why)


Handler = Callable[[Any], Awaitable[Any]]


@dataclass(frozen=True)
class Operation:
    """One operation a service answers: its request type and its handler."""

    name: str
    request_type: type[Any]
    handler: Handler


class RpcServer:
    """Answers a service's operations; replicas share the load through a queue group.

    It is a NATS micro service (``nats.micro``): ``$SRV.PING``, ``$SRV.INFO`` and
    ``$SRV.STATS`` find and describe every replica (``nats micro ls``), with one
    endpoint taking ``rpc.v1.<service>.>`` (operation names may have several
    tokens, ``session.open``; an unknown one is answered 404). Requests are
    answered concurrently, up to ``concurrency`` at once per replica: a subscription
    alone would answer one at a time, and one slow query would hold up every other
    caller. Beyond that, requests wait in the subscription's queue.
    """

    def __init__(
        self, service: str, operations: list[Operation], *, concurrency: int = 256
    ) -> None:
        self._service = service
        self._operations = {op.name: op for op in operations}
        self._decoders = {op.name: msgspec.json.Decoder(op.request_type) for op in operations}
        self._micro: Service | None = None
        self._prefix = ""
        self._slots = asyncio.Semaphore(concurrency)
        self._answering: set[asyncio.Task[None]] = set()

    async def start(self, nc: NATS, topology: Topology) -> None:
        self._prefix = topology.rpc_subject(self._service, "")
        name = f"{topology.namespace}_{self._service}" if topology.namespace else self._service
        self._micro = await micro.add_service(
            nc,
            name=f"concierge_{name}",
            version=_VERSION,
            description=f"the concierge's {self._service} operations",
            queue_group=f"rpc-{self._service}",
        )
        await self._micro.add_endpoint(
            name="operations",
            subject=topology.rpc_subject(self._service, ">"),
            handler=self._on_request,
        )
        await nc.flush()  # the server knows the subscription: a request sent now finds it

    async def stop(self) -> None:
        """Stop taking requests, then let those being answered finish."""
        if self._micro is not None:
            await self._micro.stop()
            self._micro = None
        await asyncio.gather(*self._answering, return_exceptions=True)

    async def _on_request(self, request: Request) -> None:
        await self._slots.acquire()  # past the limit, requests wait in the subscription
        task = asyncio.create_task(self._serve(request))
        self._answering.add(task)
        task.add_done_callback(self._answered)

    def _answered(self, task: asyncio.Task[None]) -> None:
        self._answering.discard(task)
        self._slots.release()

    async def _serve(self, request: Request) -> None:
        name = request.subject.removeprefix(self._prefix)
        headers = request.headers or {}
        correlation = headers.get(CORRELATION_HEADER, "")
        with (
            context.bound(correlation_id=correlation),
            tracing.serving(self._service, name, headers) as span,
        ):
            reply = await self._answer(name, request.data)
            if reply.error is not None and reply.error.status >= 500:
                tracing.failed(span, reply.error.outage or f"status {reply.error.status}")
        with contextlib.suppress(nats.errors.Error):  # the caller is gone: it retries
            await request.respond(_encoder.encode(reply))

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
        except Outage as exc:
            kind = type(exc).__name__
            log.warning("operation %s unavailable: %s", name, kind)
            return Reply(error=RpcError(503, f"{name} is unavailable: {kind}", outage=kind))
        except RetryableError as exc:
            log.warning("operation %s unavailable: %s", name, type(exc).__name__)
            return Reply(error=RpcError(503, f"{name} is temporarily unavailable"))
        except Exception:
            log.exception("operation %s failed", name)
            return Reply(error=RpcError(500, f"{name} failed"))
        return Reply(result=msgspec.Raw(_encoder.encode(result)))
