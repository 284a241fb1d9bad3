"""Issue 14 item 8: the HTTP API under a schema-driven fuzzer (schemathesis) keeps its contract.

The gateway's real app is served by uvicorn on a local port, in a thread of its own
(its event loop, its NATS connection), with the fake store answering over the real
NATS (:mod:`support.fake_store`). Schemathesis reads the *served* ``/openapi.json``
and, for every operation, sends schema-valid and schema-violating requests with an
admin token (a short, derandomized profile). Each answer must be no 5xx, a status
code the operation documents, with the documented content type and schema; a
schema-valid request is not refused as invalid, a schema-violating one is, and an
undocumented method is a 405 naming the allowed ones.
"""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Iterator
from typing import Any

import nats
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
    unsupported_method,
)

from concierge_common import settings as settings_module
from concierge_common.bus.heartbeat import HeartbeatReader
from concierge_common.bus.publisher import Publisher
from concierge_common.bus.rpc import RpcClient
from concierge_common.bus.topology import Topology
from gateway.app import create_app
from gateway.settings import GatewaySettings
from support import infra
from support.api import api_env, as_role
from support.fake_store import FakeStore
from support.polling import HANG_GUARD


@schemathesis.check
def no_crash(
    ctx: schemathesis.CheckContext, response: schemathesis.Response, case: schemathesis.Case[Any]
) -> None:
    """No 5xx but 503, which ``/health``, ``/health/details`` and ``POST /orchestrate`` answer
    when what they need is away (documented; :func:`status_code_conformance` checks it)."""
    if response.status_code >= 500 and response.status_code != 503:
        raise AssertionError(f"server error {response.status_code}")


CHECKS = [
    no_crash,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    positive_data_acceptance,
    negative_data_rejection,
    unsupported_method,
]
ADMIN = as_role("admin")
MAX_EXAMPLES = 10  # per operation and mode: a short profile, about 1,000 requests in all


class ServedGateway:
    """The app behind uvicorn on ``socket_``, run by a thread until :meth:`stop`."""

    def __init__(self, env: dict[str, str]) -> None:
        self._settings = settings_module.load(GatewaySettings, env)
        self._socket = socket.socket()
        self._socket.bind(("127.0.0.1", 0))
        self._socket.listen(64)  # connections wait in the backlog until uvicorn accepts
        self.url = f"http://127.0.0.1:{self._socket.getsockname()[1]}"
        self._ready = threading.Event()
        self._server: uvicorn.Server | None = None
        self._failure: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="served-gateway", daemon=True)

    def start(self) -> None:
        self._thread.start()
        self._ready.wait()
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        self._thread.join()
        self._socket.close()

    def _run(self) -> None:
        try:
            asyncio.run(self._serve())
        except BaseException as exc:  # reported by start()
            self._failure = exc
            self._ready.set()

    async def _serve(self) -> None:
        topology = Topology.from_settings(self._settings)
        nc = await nats.connect(self._settings.nats_url)
        store = FakeStore()
        await store.start(nc, topology)
        app = create_app(
            self._settings,
            Publisher(nc, topology),
            RpcClient(nc, topology, timeout=HANG_GUARD),
            HeartbeatReader(nc, topology.health_bucket, max_age=15.0),
        )
        config = uvicorn.Config(app, log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._ready.set()
        try:
            await self._server.serve(sockets=[self._socket])
        finally:
            await store.stop()
            await nc.close()


@pytest.fixture(scope="module")
def served_gateway() -> Iterator[ServedGateway]:
    served = ServedGateway(api_env(infra.unique_namespace()))
    served.start()
    try:
        yield served
    finally:
        served.stop()


def _fuzz(operation: schemathesis.APIOperation[Any, Any, Any, Any], mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: schemathesis.Case[Any]) -> None:
        case.call_and_validate(headers=ADMIN, checks=CHECKS)

    fuzz()


def test_the_api_keeps_its_contract_under_fuzzing(served_gateway: ServedGateway) -> None:
    schema = schemathesis.openapi.from_url(f"{served_gateway.url}/openapi.json")
    failures: list[str] = []
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) > 20
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _fuzz(operation, mode)
            except Unsatisfiable:
                pass  # nothing of the operation's request can be made schema-violating
            except (
                Exception,
                BaseExceptionGroup,
            ) as exc:  # every operation fuzzed, failures listed
                failures.append(f"{operation.label} [{mode.value}]: {exc}")
    assert not failures, "\n\n".join(failures)
