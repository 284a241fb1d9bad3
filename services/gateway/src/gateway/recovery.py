"""After a WAHA outage, what people wrote meanwhile, from WAHA's history (H3 completes this)."""

from __future__ import annotations

from concierge_common.rpc import RpcClient
from gateway.ingest import Ingest
from gateway.settings import GatewaySettings
from gateway.waha_client import WahaClient


class KnownMessages:
    """Asks the store which WAHA messages it already recorded (``interaction.known``)."""

    def __init__(self, rpc: RpcClient) -> None:
        self._rpc = rpc


class Recovery:
    """Reads recently active chats' history and feeds unseen messages to :class:`Ingest`."""

    def __init__(
        self, waha: WahaClient, ingest: Ingest, known: KnownMessages, settings: GatewaySettings
    ) -> None:
        self._waha = waha
        self._ingest = ingest
        self._known = known
        self._settings = settings
