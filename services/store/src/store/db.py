"""PostgreSQL access helpers shared by the store's repositories.

:func:`translated` turns asyncpg's exceptions into the concierge's error
hierarchy, so that callers (bus handlers, request/reply operations) settle or
answer correctly: a lost connection or an overloaded server is retryable, a
deadlock between concurrent transactions is retryable too, a unique or foreign
key violation is a conflict, any other refusal is permanent.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Iterator
from typing import Any, TypeVar

import asyncpg
import msgspec

from concierge_common.errors import Conflict, DownstreamUnavailable, InvalidRequest, PermanentError

_UNAVAILABLE = (
    OSError,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.exceptions.InsufficientResourcesError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.CannotConnectNowError,
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
    except _UNAVAILABLE as exc:
        raise DownstreamUnavailable(
            f"postgres unavailable during {what}: {type(exc).__name__}"
        ) from exc
    except asyncpg.exceptions.TransactionRollbackError as exc:
        # A deadlock or serialization failure: the same call succeeds when tried again.
        raise DownstreamUnavailable(
            f"{what} collided with a concurrent change, try again: {type(exc).__name__}"
        ) from exc
    except asyncpg.UniqueViolationError as exc:
        raise Conflict(f"{what}: already exists") from exc
    except asyncpg.ForeignKeyViolationError as exc:
        raise Conflict(f"{what}: refers to something that does not exist") from exc
    except (asyncpg.CheckViolationError, asyncpg.NotNullViolationError) as exc:
        raise InvalidRequest(
            f"{what}: value not allowed ({exc.constraint_name})", status=422
        ) from exc
    except asyncpg.DataError as exc:
        raise InvalidRequest(f"{what}: invalid value", status=422) from exc
    except asyncpg.PostgresError as exc:
        raise PermanentError(f"{what}: refused by postgres ({type(exc).__name__})") from exc


def rows_affected(status: str) -> int:
    """The row count of a command status: ``"DELETE 3"`` -> 3, ``"INSERT 0 1"`` -> 1."""
    return int(status.rsplit(" ", 1)[-1])


async def init_connection(conn: asyncpg.Connection) -> None:
    """Decode json/jsonb columns to Python objects (pass to ``create_pool(init=...)``)."""
    for kind in ("json", "jsonb"):
        await conn.set_type_codec(kind, encoder=json.dumps, decoder=json.loads, schema="pg_catalog")


async def create_pool(dsn: str, *, max_size: int) -> asyncpg.Pool:
    """The store's connection pool, with the codecs every repository relies on."""
    with translated("connect"):
        return await asyncpg.create_pool(dsn, min_size=1, max_size=max_size, init=init_connection)
