"""The dev runner's infrastructure choices: URL parsing, probes, ports, service environment."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from concierge_devkit.dev_secrets import DevSecrets
from concierge_devkit.endpoints import Endpoint, database_name, endpoint, with_database
from concierge_devkit.errors import DevkitError
from concierge_devkit.infra import InfraConfig, Infrastructure, ensure_infrastructure
from concierge_devkit.pacing import DEMO_PACING
from concierge_devkit.ports import check_ports_free, free_port, port_is_free
from concierge_devkit.postgres import PgState, postgres_state, redact
from concierge_devkit.probe import nats_answers, redis_answers
from concierge_devkit.service_env import RunEnvironment, service_environment
from concierge_devkit.stack_config import resolve_ports


@pytest.fixture
def closed_port() -> int:
    return free_port()


@asynccontextmanager
async def speaking(first_line: bytes) -> AsyncIterator[Endpoint]:
    """A local server that greets every client with ``first_line``."""

    async def greet(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.write(first_line)
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(greet, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield Endpoint("127.0.0.1", port)
    finally:
        server.close()
        await server.wait_closed()


def test_endpoint_of_urls() -> None:
    assert endpoint("nats://127.0.0.1:14222", 4222) == Endpoint("127.0.0.1", 14222)
    assert endpoint("nats://a:1, nats://b:2", 4222) == Endpoint("a", 1)
    assert endpoint("redis://localhost/0", 6379) == Endpoint("localhost", 6379)
    socket_url = "postgresql://postgres:@/concierge?host=/srv/pg"
    assert endpoint(socket_url, 5432) == Endpoint("/srv/pg", 5432)
    assert endpoint(socket_url, 5432).is_local
    assert not endpoint("nats://nats.internal:4222", 4222).is_local


def test_database_name_and_replacement() -> None:
    url = "postgresql://u:p@127.0.0.1:5432/concierge?sslmode=disable"
    assert database_name(url) == "concierge"
    assert (
        with_database(url, "postgres") == "postgresql://u:p@127.0.0.1:5432/postgres?sslmode=disable"
    )
    assert database_name("postgresql://127.0.0.1:5432") == "concierge"
    assert redact(url) == "postgresql://u:***@127.0.0.1:5432/concierge?sslmode=disable"


async def test_probes_report_nothing_at_a_closed_port(closed_port: int) -> None:
    where = Endpoint("127.0.0.1", closed_port)
    assert not await nats_answers(where)
    assert not await redis_answers(where)
    url = f"postgresql://postgres@127.0.0.1:{closed_port}/concierge"
    assert await postgres_state(url) is PgState.DOWN


async def test_nats_probe_reads_the_info_line() -> None:
    async with speaking(b'INFO {"server_id":"x","jetstream":true}\r\n') as where:
        assert await nats_answers(where)
    async with speaking(b'INFO {"server_id":"x"}\r\n') as where:
        with pytest.raises(DevkitError, match="without JetStream"):
            await nats_answers(where)
    async with speaking(b"+PONG\r\n") as where:
        with pytest.raises(DevkitError, match="not NATS"):
            await nats_answers(where)


async def test_redis_probe_accepts_any_redis_reply() -> None:
    async with speaking(b"-NOAUTH Authentication required.\r\n") as where:
        assert await redis_answers(where)
    async with speaking(b"INFO {}\r\n") as where:
        with pytest.raises(DevkitError, match="not Redis"):
            await redis_answers(where)


async def test_a_remote_url_that_does_not_answer_is_an_error(tmp_path: Path) -> None:
    config = InfraConfig(
        nats_url="nats://nats.invalid:4222",
        database_url="postgresql://postgres@127.0.0.1:1/concierge",
        redis_url="redis://127.0.0.1:1/0",
        data_dir=tmp_path,
    )
    async with AsyncExitStack() as stack:
        with pytest.raises(DevkitError, match="nothing answers at NATS_URL"):
            await ensure_infrastructure(config, stack)


def test_port_check_names_the_taken_port() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        assert not port_is_free(port)
        with pytest.raises(DevkitError, match=f"ai health port {port}"):
            check_ports_free({"gateway API": free_port(), "ai health": port})


def test_free_ports_are_distinct_bindable_and_below_the_outgoing_connections_range() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(port < low for port in ports)  # no outgoing connection can take one first
    assert all(port_is_free(port) for port in ports)


def test_ports_command_line_wins_over_environment() -> None:
    env = {"GATEWAY_PORT": "8100", "ROUTER_HEALTH_PORT": "9300"}
    from_env = resolve_ports(gateway=None, health_base=None, waha=0, free=False, environ=env)
    assert from_env.gateway == 8100
    assert from_env.health == {
        "gateway": 9101,
        "router": 9300,
        "ai": 9103,
        "handoff": 9104,
        "store": 9105,
    }
    given = resolve_ports(gateway=8200, health_base=9500, waha=3000, free=False, environ=env)
    assert given.gateway == 8200
    assert list(given.health.values()) == [9500, 9501, 9502, 9503, 9504]
    assert given.waha == 3000


def test_service_environment_has_what_every_settings_class_requires() -> None:
    ports = resolve_ports(gateway=8001, health_base=9601, waha=0, free=False, environ={})
    secrets = DevSecrets.generate()
    infra = Infrastructure("nats://n:4222", "postgresql://p/db", "redis://r:6379/0")
    run = RunEnvironment(infra, secrets, ports, "http://127.0.0.1:3999", "33699999999@c.us")
    env = service_environment(run, {"LOG_LEVEL": "DEBUG", "WAHA_URL": "http://real-waha"})
    assert env["NATS_URL"] == "nats://n:4222"
    assert env["DATABASE_URL"] == "postgresql://p/db"
    assert env["REDIS_URL"] == "redis://r:6379/0"
    assert env["WAHA_URL"] == "http://127.0.0.1:3999"
    assert env["WAHA_API_KEY"] == secrets.waha_api_key
    assert env["WAHA_WEBHOOK_HMAC_KEY"] == secrets.webhook_hmac_key
    assert env["CONVERSATION_ID_KEY"] == secrets.conversation_id_key
    assert env["JWT_SECRET"] == secrets.jwt_secret
    assert env["GATEWAY_PORT"] == "8001"
    assert env["STORE_HEALTH_PORT"] == "9605"
    assert env["STAFF_CHAT_ID"] == "33699999999@c.us"
    assert env["GATEWAY_HOST"] == "127.0.0.1"
    assert env["LOG_LEVEL"] == "DEBUG"


def test_callers_jwt_secret_is_kept_so_that_tokens_can_be_minted() -> None:
    ports = resolve_ports(gateway=8001, health_base=9601, waha=0, free=False, environ={})
    infra = Infrastructure("nats://n:4222", "postgresql://p/db", "redis://r:6379/0")
    run = RunEnvironment(infra, DevSecrets.generate(), ports, "http://127.0.0.1:3999")
    assert service_environment(run, {"JWT_SECRET": "mine" * 8})["JWT_SECRET"] == "mine" * 8
    assert service_environment(run, {"JWT_SECRET": ""})["JWT_SECRET"] == run.secrets.jwt_secret


def test_service_environment_of_a_run_names_its_namespace_media_and_short_pauses(
    tmp_path: Path,
) -> None:
    ports = resolve_ports(gateway=8001, health_base=9601, waha=0, free=False, environ={})
    infra = Infrastructure("nats://n:4222", "postgresql://p/db", "redis://r:6379/0")
    run = RunEnvironment(
        infra,
        DevSecrets.generate(),
        ports,
        "http://127.0.0.1:3999",
        bus_namespace="dev0123456789",
        media_dir=tmp_path / "media",
        demo_pacing=True,
    )
    env = service_environment(run, {"GATEWAY_TYPING_MAX_SECONDS": "4"})
    assert env["BUS_NAMESPACE"] == "dev0123456789"
    assert env["MEDIA_STORAGE_URL"] == str(tmp_path / "media")
    assert env["ROUTER_BURST_WINDOW_SECONDS"] == DEMO_PACING["ROUTER_BURST_WINDOW_SECONDS"]
    assert env["GATEWAY_TYPING_MAX_SECONDS"] == "4"  # the caller's own choice
    callers = service_environment(run, {"BUS_NAMESPACE": "mine", "MEDIA_STORAGE_URL": "/m"})
    assert (callers["BUS_NAMESPACE"], callers["MEDIA_STORAGE_URL"]) == ("mine", "/m")


def test_production_pacing_leaves_the_services_defaults() -> None:
    ports = resolve_ports(gateway=8001, health_base=9601, waha=0, free=False, environ={})
    infra = Infrastructure("nats://n:4222", "postgresql://p/db", "redis://r:6379/0")
    run = RunEnvironment(infra, DevSecrets.generate(), ports, "http://127.0.0.1:3999")
    env = service_environment(run, {})
    assert not set(DEMO_PACING) & set(env)
