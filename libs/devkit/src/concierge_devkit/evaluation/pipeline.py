"""The pipeline ``concierge eval`` runs the cases through, started like ``concierge run``.

Infrastructure as ``concierge run`` finds or starts it (configured NATS,
PostgreSQL and Redis, else embedded servers), but a database and a bus
namespace of the run's own, removed afterwards, so that an evaluation never
touches a developer's data and always starts from the seeded parish. Then the
WAHA stand-in, the parish seeded with its dates moved to today, and the five
services (free ports, a staff chat for the alerts, a short burst window).
Every stop is registered on the caller's exit stack.

Several sets (each its own parish) share the infrastructure
(:func:`start_infrastructure`, once) and get a pipeline each, one after the
other: database, bus namespace, fake and services of their own.
"""

from __future__ import annotations

import logging
import uuid
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from pathlib import Path

import asyncpg

from concierge_devkit.dev_secrets import DevSecrets
from concierge_devkit.endpoints import database_name, with_database
from concierge_devkit.evaluation.driver import Target
from concierge_devkit.evaluation.parish import seed_parish
from concierge_devkit.evaluation.session import Prepared
from concierge_devkit.infra import InfraConfig, Infrastructure, ensure_infrastructure
from concierge_devkit.namespaces import forget_namespace
from concierge_devkit.postgres import create_database
from concierge_devkit.service_env import RunEnvironment, service_environment
from concierge_devkit.services import start_services, stop_services, wait_ready
from concierge_devkit.stack_config import resolve_ports
from concierge_devkit.waha_fake import WahaFake, serve_fake

log = logging.getLogger(__name__)

STAFF_CHAT_ID = "120363900000000001@g.us"  # the run's staff group: alerts land there


@dataclass(frozen=True)
class PipelineOptions:
    data_dir: Path
    burst_window: float = 1.0  # ROUTER_BURST_WINDOW_SECONDS
    offline: bool = False  # no ANTHROPIC_* for the services: the offline answerer
    ready_timeout: float = 90.0
    log_name: str = ""  # a folder of its own under logs/eval (several sets in one run)

    @property
    def log_dir(self) -> Path:
        folder = self.data_dir / "logs" / "eval"
        return folder / self.log_name if self.log_name else folder


async def start_infrastructure(options: PipelineOptions, stack: AsyncExitStack) -> Infrastructure:
    """NATS, PostgreSQL and Redis as ``concierge run`` finds or starts them."""
    return await ensure_infrastructure(InfraConfig.from_env(options.data_dir), stack)


async def start_pipeline(
    options: PipelineOptions,
    prepared: Prepared,
    stack: AsyncExitStack,
    infra: Infrastructure | None = None,
) -> tuple[Target, WahaFake]:
    """Everything up to ready services; where to post webhooks and the fake to read.

    ``infra``: the servers to use (None: found or started here, stopped with ``stack``).
    """
    secrets = DevSecrets.generate()
    if infra is None:
        infra = await start_infrastructure(options, stack)
    run_id = uuid.uuid4().hex[:10]
    database = await _own_database(infra.database_url, f"concierge_eval_{run_id}", stack)
    namespace = f"eval{run_id}"
    stack.push_async_callback(_delete_namespace, infra.nats_url, namespace)
    fake = WahaFake(api_key=secrets.waha_api_key)
    waha = await serve_fake(fake)
    stack.push_async_callback(waha.stop)
    ports = resolve_ports(gateway=None, health_base=None, waha=0, free=True)
    run = RunEnvironment(
        replace(infra, database_url=database),
        secrets,
        ports,
        f"http://127.0.0.1:{waha.port}",
        STAFF_CHAT_ID,
    )
    env = _eval_environment(service_environment(run), namespace, options)
    await seed_parish(database, secrets.intrinsic_id_key, prepared.seed)
    processes = await start_services(env, options.log_dir)
    stack.push_async_callback(stop_services, processes)
    log.info("services starting; their logs go to %s/<service>.log", options.log_dir)
    await wait_ready(processes, ports.health, options.ready_timeout)
    webhook = f"http://127.0.0.1:{ports.gateway}/webhook"
    return Target(webhook, secrets.webhook_hmac_key, STAFF_CHAT_ID), fake


def _eval_environment(
    env: dict[str, str], namespace: str, options: PipelineOptions
) -> dict[str, str]:
    env = {**env, "BUS_NAMESPACE": namespace}
    env["ROUTER_BURST_WINDOW_SECONDS"] = f"{options.burst_window:g}"
    if options.offline:
        env = {name: value for name, value in env.items() if not name.startswith("ANTHROPIC_")}
    return env


async def _own_database(server_url: str, name: str, stack: AsyncExitStack) -> str:
    """A new database on the server of ``server_url``, dropped when ``stack`` unwinds."""
    url = with_database(server_url, name)
    await create_database(url)
    stack.push_async_callback(_drop_database, url)
    return url


async def _drop_database(url: str) -> None:
    admin = await asyncpg.connect(with_database(url, "postgres"), timeout=5.0)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{database_name(url)}" WITH (FORCE)')
    finally:
        await admin.close()
    log.info("evaluation database dropped")


async def _delete_namespace(nats_url: str, namespace: str) -> None:
    """Remove the run's streams and buckets (what is already gone is fine)."""
    await forget_namespace(nats_url, namespace, connect_timeout=10.0)
    log.info("evaluation bus namespace removed")
