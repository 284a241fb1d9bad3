"""An in-memory stand-in for the store service, answering ``store_api`` over real NATS.

It keeps just enough rules to exercise the gateway's HTTP contract (unknown ids
are ``NotFound``, illegal session transitions and duplicate service names are
``Conflict``) and records every request it receives, so that a test can assert
the exact store request the gateway sent.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import msgspec
from nats.aio.client import Client as NATS

from concierge_common.bus.rpc import Operation, RpcServer
from concierge_common.bus.topology import Topology
from concierge_common.contracts import store_api as api
from concierge_common.errors import Conflict, NotFound

V = TypeVar("V", bound=msgspec.Struct)
NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)


def new_id() -> str:
    return str(uuid.uuid4())


@dataclass
class FakeStore:
    """The store's state as plain dicts of views, and the requests received, in order."""

    received: list[tuple[str, Any]] = field(default_factory=list)
    sessions: dict[str, api.SessionView] = field(default_factory=dict)
    users: dict[str, api.UserView] = field(default_factory=dict)
    services: dict[str, api.ServiceView] = field(default_factory=dict)
    contexts: dict[str, api.ContextView] = field(default_factory=dict)
    infos: dict[str, api.InfoView] = field(default_factory=dict)
    roles: dict[str, api.RoleView] = field(default_factory=dict)
    # operation -> what to do instead: an exception to raise or a raw result to answer
    broken: dict[str, Exception | object] = field(default_factory=dict)
    _server: RpcServer | None = None

    def last(self, operation: str) -> Any:
        """The last request of ``operation``; fails the test when there was none."""
        for name, request in reversed(self.received):
            if name == operation:
                return request
        raise AssertionError(f"the store received no {operation} request")

    def operations_received(self) -> list[str]:
        return [name for name, _ in self.received]

    async def start(self, nc: NATS, topology: Topology) -> None:
        self._server = RpcServer(api.SERVICE, self._operations())
        await self._server.start(nc, topology)

    async def stop(self) -> None:
        if self._server is not None:
            await self._server.stop()

    # --- seeding ----------------------------------------------------------------------

    def add_user(self, name: str = "Marie") -> api.UserView:
        user = api.UserView(
            id=new_id(),
            name=name,
            is_active=True,
            whatsapp_ids=["33600000001@c.us"],
            created_at=NOW,
            updated_at=NOW,
        )
        self.users[user.id] = user
        return user

    def add_session(self, user_id: str, status: api.SessionStatus = "active") -> api.SessionView:
        session = api.SessionView(
            id=new_id(),
            user_id=user_id,
            service_id=None,
            status=status,
            state={},
            metadata={},
            created_at=NOW,
            last_activity_at=NOW,
            expires_at=NOW + timedelta(hours=1),
        )
        self.sessions[session.id] = session
        return session

    def add_service(self, name: str = "RENSEIGNEMENT") -> api.ServiceView:
        return self._create_service(api.ServiceWrite(name=name))

    # --- operations -------------------------------------------------------------------

    def _operations(self) -> list[Operation]:
        handlers: dict[str, tuple[type[Any], Callable[[Any], Any]]] = {
            api.SESSION_GET: (api.ById, lambda r: _get(self.sessions, r.id, "session")),
            api.SESSION_UPDATE: (api.SessionUpdate, self._update_session),
            api.USER_GET: (api.ById, lambda r: _get(self.users, r.id, "user")),
            api.USER_ERASE: (api.ById, self._erase_user),
            api.SERVICE_LIST: (api.ListQuery, self._list_services),
            api.SERVICE_GET: (api.ById, lambda r: _get(self.services, r.id, "service")),
            api.SERVICE_CREATE: (api.ServiceWrite, self._create_service),
            api.SERVICE_UPDATE: (api.ServiceUpdate, self._update_service),
            api.SERVICE_DELETE: (api.ById, lambda r: _delete(self.services, r.id, "service")),
            api.CONTEXT_LIST: (api.ListQuery, self._list_contexts),
            api.CONTEXT_GET: (api.ById, lambda r: _get(self.contexts, r.id, "context")),
            api.CONTEXT_CREATE: (api.ContextWrite, self._create_context),
            api.CONTEXT_DELETE: (api.ById, lambda r: _delete(self.contexts, r.id, "context")),
            api.INFO_LIST: (api.ListQuery, self._list_infos),
            api.INFO_GET: (api.ById, lambda r: _get(self.infos, r.id, "info")),
            api.INFO_CREATE: (api.InfoWrite, self._create_info),
            api.INFO_UPDATE: (api.InfoUpdate, self._update_info),
            api.INFO_DELETE: (api.ById, lambda r: _delete(self.infos, r.id, "info")),
            api.ROLE_LIST: (api.ListQuery, self._list_roles),
            api.ROLE_GRANT: (api.RoleWrite, self._grant_role),
            api.ROLE_REVOKE: (api.ById, lambda r: _delete(self.roles, r.id, "role")),
        }
        return [
            Operation(name, request_type, self._recording(name, handler))
            for name, (request_type, handler) in handlers.items()
        ]

    def _recording(
        self, name: str, handler: Callable[[Any], Any]
    ) -> Callable[[Any], Awaitable[Any]]:
        async def handle(request: Any) -> Any:
            self.received.append((name, request))
            if name in self.broken:
                failure = self.broken[name]
                if isinstance(failure, Exception):
                    raise failure
                return failure
            return handler(request)

        return handle

    def _update_session(self, request: api.SessionUpdate) -> api.SessionView:
        session = _get(self.sessions, request.id, "session")
        status = request.status or session.status
        if status != session.status and status not in api.SESSION_TRANSITIONS[session.status]:
            raise Conflict(f"illegal transition {session.status} -> {status}")
        if request.service_id is not None:
            _get(self.services, request.service_id, "service")
        changes = {
            "status": status,
            "service_id": request.service_id or session.service_id,
            "state": session.state if request.state is None else request.state,
            "metadata": session.metadata if request.metadata is None else request.metadata,
        }
        return _save(self.sessions, msgspec.structs.replace(session, **changes))

    def _erase_user(self, request: api.ById) -> api.ErasureReport:
        _delete(self.users, request.id, "user")
        sessions = [s.id for s in self.sessions.values() if s.user_id == request.id]
        for session_id in sessions:
            del self.sessions[session_id]
        rows = {"users": 1, "sessions": len(sessions)}
        return api.ErasureReport(
            user_id=request.id,
            rows=rows,
            media_files=0,
            streams={"chat": 2, "dlq": 1},
            buckets={"wa_lids": 1, "sent_replies": 0},
            redis_keys=1,
        )

    def _list_services(self, query: api.ListQuery) -> list[api.ServiceView]:
        services = self.services.values()
        return [s for s in services if query.include_inactive or s.is_active]

    def _create_service(self, write: api.ServiceWrite) -> api.ServiceView:
        if any(s.name == write.name for s in self.services.values()):
            raise Conflict(f"service {write.name!r} exists")
        view = api.ServiceView(
            id=new_id(), created_at=NOW, updated_at=NOW, **msgspec.structs.asdict(write)
        )
        return _save(self.services, view)

    def _update_service(self, update: api.ServiceUpdate) -> api.ServiceView:
        service = _get(self.services, update.id, "service")
        changes = _changes(update, exclude=("id", "clear_required_role"))
        if update.clear_required_role:
            changes["required_role"] = None
        return _save(self.services, msgspec.structs.replace(service, **changes))

    def _list_contexts(self, query: api.ListQuery) -> list[api.ContextView]:
        _get(self.services, query.service_id or "", "service")
        return [c for c in self.contexts.values() if c.service_id == query.service_id]

    def _create_context(self, write: api.ContextWrite) -> api.ContextView:
        _get(self.services, write.service_id, "service")
        version = 1 + len(self._list_contexts(api.ListQuery(service_id=write.service_id)))
        view = api.ContextView(
            id=new_id(), version=version, created_at=NOW, **msgspec.structs.asdict(write)
        )
        return _save(self.contexts, view)

    def _list_infos(self, query: api.ListQuery) -> list[api.InfoView]:
        _get(self.services, query.service_id or "", "service")
        infos = [i for i in self.infos.values() if i.service_id == query.service_id]
        at = query.valid_at
        if at is None:
            return infos
        return [
            i
            for i in infos
            if (i.valid_from is None or i.valid_from <= at)
            and (i.valid_to is None or at < i.valid_to)
        ]

    def _create_info(self, write: api.InfoWrite) -> api.InfoView:
        _get(self.services, write.service_id, "service")
        view = api.InfoView(
            id=new_id(), created_at=NOW, updated_at=NOW, **msgspec.structs.asdict(write)
        )
        return _save(self.infos, view)

    def _update_info(self, update: api.InfoUpdate) -> api.InfoView:
        info = _get(self.infos, update.id, "info")
        changes = _changes(update, exclude=("id", "clear_valid_from", "clear_valid_to"))
        if update.clear_valid_from:
            changes["valid_from"] = None
        if update.clear_valid_to:
            changes["valid_to"] = None
        return _save(self.infos, msgspec.structs.replace(info, **changes))

    def _list_roles(self, query: api.ListQuery) -> list[api.RoleView]:
        _get(self.users, query.user_id or "", "user")
        return [r for r in self.roles.values() if r.user_id == query.user_id]

    def _grant_role(self, write: api.RoleWrite) -> api.RoleView:
        _get(self.users, write.user_id, "user")
        _get(self.services, write.service_id, "service")
        view = api.RoleView(
            id=new_id(),
            user_id=write.user_id,
            service_id=write.service_id,
            role=write.role,
            has_intrinsic_id=write.intrinsic_id is not None,
            created_at=NOW,
        )
        return _save(self.roles, view)


def _get(table: dict[str, V], entity_id: str, kind: str) -> V:
    try:
        return table[entity_id]
    except KeyError:
        raise NotFound(f"{kind} {entity_id} not found") from None


def _save(table: dict[str, V], view: V) -> V:
    table[view.id] = view  # type: ignore[attr-defined]
    return view


def _delete(table: dict[str, Any], entity_id: str, kind: str) -> api.Deleted:
    _get(table, entity_id, kind)
    del table[entity_id]
    return api.Deleted(id=entity_id)


def _changes(update: msgspec.Struct, *, exclude: tuple[str, ...]) -> dict[str, Any]:
    """The fields an update sets (``None`` means: keep)."""
    values = msgspec.structs.asdict(update)
    return {k: v for k, v in values.items() if k not in exclude and v is not None}
