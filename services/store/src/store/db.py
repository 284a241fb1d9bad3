"""PostgreSQL access helpers shared by the store's repositories.

:func:`translated` turns asyncpg's exceptions into the concierge's error
hierarchy, so that callers (bus handlers, request/reply operations) settle or
answer correctly: PostgreSQL down, restarting or dropping the connection is a
:class:`DatabaseUnavailable` outage (:mod:`store.outages` decides which
failures are), retried for as long as it lasts; a deadlock between concurrent
transactions or a cancelled statement is retryable a few times; a unique or
foreign key violation is a conflict; any other refusal is permanent.

Every database call of the store runs inside :func:`translated` (a unit test
checks it), and the pool opens its connections with :func:`store.outages.connect`:
a connection that cannot be opened is an outage too.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any, TypeVar

import asyncpg
import msgspec

from concierge_common.errors import (
    ConciergeError,
    Conflict,
    DatabaseUnavailable,
    DownstreamUnavailable,
    InvalidRequest,
    PermanentError,
)
from store import outages

# Retryable a few times, not an outage: a statement cancelled (timeout), a protocol
# violation, a configuration limit reached, asyncpg refusing a call on a live connection.
_UNAVAILABLE = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.OperatorInterventionError,
)


V = TypeVar("V", bound=msgspec.Struct)


def view(kind: type[V], row: asyncpg.Record, **extra: Any) -> V:
    """The ``store_api`` view of a row: columns by name, UUIDs as strings, plus ``extra``.

    Columns the view does not have are ignored; a missing or mistyped one fails
    loudly (msgspec.ValidationError), which a test catches.
    """
    values = {k: str(v) if isinstance(v, uuid.UUID) else v for k, v in row.items()}
    return msgspec.convert({**values, **extra}, kind)


@contextlib.contextmanager
def translated(what: str) -> Iterator[None]:
    """Run a database call, re-raising its failure as a concierge error about ``what``."""
    try:
        yield
    except ConciergeError:
        raise
    except Exception as exc:
        error = concierge_error(what, exc)
        if error is None:
            raise
        raise error from exc


def concierge_error(what: str, exc: Exception) -> ConciergeError | None:
    """The concierge error of a database failure during ``what``; None for anything else."""
    kind = type(exc).__name__
    if outages.is_outage(exc):
        return DatabaseUnavailable(f"postgres unavailable during {what}: {kind}")
    if isinstance(exc, _UNAVAILABLE):
        return DownstreamUnavailable(f"postgres could not run {what}: {kind}")
    if isinstance(exc, asyncpg.exceptions.TransactionRollbackError):
        # A deadlock or serialization failure: the same call succeeds when tried again.
        return DownstreamUnavailable(f"{what} collided with a concurrent change, try again: {kind}")
    if isinstance(exc, asyncpg.UniqueViolationError):
        return Conflict(f"{what}: already exists")
    if isinstance(exc, asyncpg.ForeignKeyViolationError):
        return Conflict(f"{what}: refers to something that does not exist")
    if isinstance(exc, asyncpg.CheckViolationError | asyncpg.NotNullViolationError):
        return InvalidRequest(f"{what}: value not allowed ({exc.constraint_name})", status=422)
    if isinstance(exc, asyncpg.DataError):
        return InvalidRequest(f"{what}: invalid value", status=422)
    if isinstance(exc, asyncpg.PostgresError):
        return PermanentError(f"{what}: refused by postgres ({kind})")
    return None


def rows_affected(status: str) -> int:
    """The row count of a command status: ``"DELETE 3"`` -> 3, ``"INSERT 0 1"`` -> 1."""
    return int(status.rsplit(" ", 1)[-1])


async def init_connection(conn: asyncpg.Connection) -> None:
    """Decode json/jsonb columns to Python objects (pass to ``create_pool(init=...)``)."""
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def keep_session(conn: asyncpg.Connection) -> None:
    """What the pool does to a connection given back: nothing more (``create_pool(reset=)``).

    asyncpg's default runs ``pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *;
    RESET ALL`` on every release: one more round trip (four statements) for each
    use of the pool, several per message. The store leaves nothing in a session to
    undo: its advisory locks are transaction-level (``pg_advisory_xact_lock``), its
    cursors live in transactions, it never LISTENs nor SETs (timeouts are asyncpg's
    ``command_timeout``); the migrations' session lock is taken on a connection of
    their own. An open transaction is still rolled back by asyncpg before this runs.
    """


async def create_pool(
    dsn: str,
    *,
    max_size: int,
    connect_timeout: float = 10.0,
    statement_timeout: float | None = 60.0,
) -> asyncpg.Pool:
    """The store's connection pool, with the codecs every repository relies on.

    ``connect_timeout`` bounds opening a connection and ``statement_timeout``
    each statement (asyncpg's ``command_timeout``), so a server that stops
    answering without closing the connection is noticed as an outage.
    """
    with translated("connect"):
        return await asyncpg.create_pool(
            dsn,
            min_size=1,
            max_size=max_size,
            init=init_connection,
            reset=keep_session,
            connect=outages.connect,
            timeout=connect_timeout,
            command_timeout=statement_timeout,
        )
