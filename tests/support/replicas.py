"""A concierge deployed as processes, with several replicas of each service.

The WAHA stand-in runs in the test (a :class:`~support.waha_gate.GatedWaha`, it
records every send); the database is the test's fresh one, migrated and seeded
before anything starts; every service runs as ``python -m <service>``
(:mod:`support.service_processes`) in the test's bus namespace:

* one gateway with the ``api`` role, the webhook URL the test posts to;
* ``replicas`` processes of each of the gateway's ``outbound`` role, router,
  ai, handoff and store, sharing the partitions (concierge_common.bus.ownership).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import nats

from concierge_common.bus import assignment
from concierge_common.bus.health import HttpServer
from concierge_common.bus.topology import Topology
from concierge_devkit.waha_fake import serve_fake
from gateway.signature import sign
from store import migrations, seed
from support.polling import HANG_GUARD, eventually
from support.service_processes import (
    ServiceProcess,
    start_service,
    stop_all,
    tails,
)
from support.stack import HMAC_KEY, delete_namespace
from support.waha_gate import GatedWaha

# The consumers of these services share partitions (the gateway: its outbound role).
CONSUMING = ("gateway", "router", "ai", "handoff", "store")
OWNED = "concierge_bus_partitions_owned"


@dataclass
class Deployment:
    env: dict[str, str]
    waha: GatedWaha
    log_dir: Path
    http: httpx.AsyncClient  # to the gateway API, and to the processes' health ports
    api: ServiceProcess | None = None
    replicas: dict[str, list[ServiceProcess]] = field(default_factory=dict)

    @property
    def topology(self) -> Topology:
        return Topology(self.env["BUS_NAMESPACE"], int(self.env["BUS_PARTITIONS"]))

    @property
    def partitions(self) -> int:
        return self.topology.partitions

    def processes(self) -> list[ServiceProcess]:
        every = [process for group in self.replicas.values() for process in group]
        return ([self.api] if self.api is not None else []) + every

    async def post(self, body: Mapping[str, Any]) -> httpx.Response:
        """POST a signed WAHA webhook to the gateway API."""
        assert self.api is not None
        raw = json.dumps(body).encode()
        headers = {
            "content-type": "application/json",
            "x-webhook-hmac": sign(HMAC_KEY, raw),
            "x-webhook-hmac-algorithm": "sha512",
        }
        url = f"http://127.0.0.1:{self.api.port('GATEWAY_PORT')}/webhook"
        try:
            return await self.http.post(url, content=raw, headers=headers)
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # A kept-alive connection the server closed as idle just as it was reused (a
            # loaded machine makes the pause long enough): sent again, as WAHA would, on a
            # new connection. A webhook is idempotent (its message id is deduplicated).
            return await self.http.post(url, content=raw, headers=headers)

    async def add_replica(self, service: str) -> ServiceProcess:
        """Start one more replica of ``service`` (returns once it is started, not ready)."""
        group = self.replicas.setdefault(service, [])
        settings = {"GATEWAY_ROLES": "outbound"} if service == "gateway" else {}
        process = await start_service(
            service,
            self.env,
            self.log_dir,
            label=f"{service}-{len(group) + 1}",
            settings=settings,
        )
        group.append(process)
        return process

    async def owned(self, process: ServiceProcess) -> int:
        """How many partitions ``process`` holds the lease of, by its own metrics."""
        metrics = await process.metrics(self.http)
        return int(metrics.value(OWNED, service=process.service))

    async def shares(self, service: str) -> dict[str, int]:
        """Partitions owned by each running replica of ``service``."""
        return {
            process.label: await self.owned(process)
            for process in self.replicas[service]
            if process.running
        }

    async def wait_assigned(self, service: str, instances: set[str] | None = None) -> set[str]:
        """Wait until the partitions of ``service`` are where rendezvous hashing puts them.

        ``instances`` are the replicas expected to share them (default: the
        running replicas, known by the leases they hold, one instance each).
        Then every lease is held, by the instance
        :func:`~concierge_common.bus.assignment.owner` names, and the running
        replicas' own metrics add up to the partition count. Returns the instances.
        """
        running = [process for process in self.replicas[service] if process.running]

        async def assigned() -> set[str] | None:
            held = await self.lease_holders(service)
            expected = instances if instances is not None else set(held.values())
            if len(expected) != len(running) or len(held) != self.partitions:
                return None
            for part, holder in held.items():
                if holder != assignment.owner(service, part, expected):
                    return None
            shares = [await self.owned(process) for process in running]
            return expected if sum(shares) == self.partitions else None

        return await eventually(assigned)

    async def lease_holders(self, service: str) -> dict[int, str]:
        """Partition -> the instance holding its lease (free or expired leases left out)."""
        nc = await nats.connect(self.env["NATS_URL"])
        try:
            kv = await nc.jetstream().key_value(self.topology.lease_bucket)
            held = {}
            for part in range(self.partitions):
                with contextlib.suppress(Exception):
                    entry = await kv.get(f"{service}.{part}")
                    value = (entry.value or b"").decode()
                    if value.startswith("held:"):
                        held[part] = value.removeprefix("held:")
            return held
        finally:
            await nc.close()

    async def instances(self, service: str) -> set[str]:
        """The instances of ``service`` whose heartbeat is in the health bucket (the gateway's
        API process too)."""
        nc = await nats.connect(self.env["NATS_URL"])
        try:
            kv = await nc.jetstream().key_value(self.topology.health_bucket)
            keys = await kv.keys()
        finally:
            await nc.close()
        return {key.removeprefix(f"{service}.") for key in keys if key.startswith(f"{service}.")}

    async def dead_letters(self) -> int:
        """Messages in the namespace's DLQ stream."""
        nc = await nats.connect(self.env["NATS_URL"])
        try:
            info = await nc.jetstream().stream_info(self.topology.dlq_stream)
            return int(info.state.messages)
        finally:
            await nc.close()

    async def pending_of(self, service: str, partitions: set[int]) -> int:
        """Deliveries of ``service``'s consumers on ``partitions`` not acknowledged yet."""
        nc = await nats.connect(self.env["NATS_URL"])
        try:
            infos = await nc.jetstream().consumers_info(self.topology.stream)
        finally:
            await nc.close()
        total = 0
        for info in infos:
            name = info.name  # <service>-<flow>-<partition>
            owner, _, rest = name.partition("-")
            if owner == service and int(rest.rsplit("-", 1)[-1]) in partitions:
                total += info.num_ack_pending or 0
        return total


def owned_by_log(process: ServiceProcess) -> set[int]:
    """The partitions ``process`` held when it last logged (its log of takes and hand-backs)."""
    owned: set[int] = set()
    for record in process.log_records():
        message, part = record.get("msg"), record.get("partition")
        if not isinstance(part, int):
            continue
        if message == "partition taken":
            owned.add(part)
        elif message in ("partition handed back", "partition lease lost"):
            owned.discard(part)
    return owned


async def _prepare_database(env: Mapping[str, str]) -> None:
    """Migrations, then the demo parish, before any store starts."""
    await migrations.migrate(env["DATABASE_URL"], migrations.default_dir())
    await seed.seed_database(env["DATABASE_URL"], env["INTRINSIC_ID_KEY"], seed.load())


@contextlib.asynccontextmanager
async def running_deployment(
    env: Mapping[str, str],
    log_dir: Path,
    *,
    replicas: int = 2,
    settings: Mapping[str, str] | None = None,
) -> AsyncIterator[Deployment]:
    """Start everything, wait until every process is ready; stop it all after.

    On a failure the last lines of every process's output are printed (pytest
    shows them with the failure); the full logs stay in ``log_dir``.
    """
    waha = GatedWaha(api_key=env["WAHA_API_KEY"])
    waha_server: HttpServer = await serve_fake(waha)
    service_env = {
        **env,
        "WAHA_URL": waha.base_url,
        "GATEWAY_HOST": "127.0.0.1",
        "MEDIA_STORAGE_URL": str(log_dir / "media"),
        **(settings or {}),
    }
    async with httpx.AsyncClient(timeout=30.0) as http:
        deployment = Deployment(service_env, waha, log_dir, http)
        failed = False
        try:
            await _prepare_database(service_env)
            await _start(deployment, replicas)
            yield deployment
        except BaseException:
            failed = True
            print(tails(deployment.processes()))
            raise
        finally:
            waha.open()
            # A hang guard: a service's own stop is bounded by SHUTDOWN_GRACE_SECONDS and a
            # few seconds of NATS drain and HTTP grace.
            hung = await stop_all(deployment.processes(), grace=HANG_GUARD / 2)
            await waha_server.stop()
            await delete_namespace(env["NATS_URL"], deployment.topology)
        if hung and not failed:
            _hung_at_the_end([p for p in deployment.processes() if p.label in hung], log_dir)


def _hung_at_the_end(processes: list[ServiceProcess], log_dir: Path) -> None:
    labels = ", ".join(process.label for process in processes)
    raise AssertionError(
        f"did not stop after SIGTERM: {labels} (killed; their stacks are at the end "
        f"of their logs in {log_dir}):\n{tails(processes, 80)}"
    )


async def _start(deployment: Deployment, replicas: int) -> None:
    deployment.api = await start_service(
        "gateway",
        deployment.env,
        deployment.log_dir,
        label="gateway-api",
        settings={"GATEWAY_ROLES": "api"},
        port_variables=("GATEWAY_PORT",),
    )
    for service in CONSUMING:
        for _ in range(replicas):
            await deployment.add_replica(service)
    await asyncio.gather(
        *(process.wait_ready(deployment.http) for process in deployment.processes())
    )
