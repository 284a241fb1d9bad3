"""Does PostgreSQL answer at a URL, and does the database exist? Create it when missing."""

from __future__ import annotations

import enum
import logging
from urllib.parse import urlsplit

import asyncpg

from concierge_devkit.endpoints import database_name, with_database
from concierge_devkit.errors import DevkitError

log = logging.getLogger(__name__)


class PgState(enum.Enum):
    READY = "ready"
    MISSING_DATABASE = "missing database"
    DOWN = "down"


def redact(url: str) -> str:
    """``url`` without its password, for messages."""
    parsed = urlsplit(url)
    if not parsed.password:
        return url
    netloc = parsed.netloc.replace(f":{parsed.password}@", ":***@")
    return parsed._replace(netloc=netloc).geturl()


async def postgres_state(url: str, timeout: float = 3.0) -> PgState:
    """READY, MISSING_DATABASE or DOWN; raise when a server answers but refuses us."""
    try:
        conn = await asyncpg.connect(url, timeout=timeout)
    except asyncpg.InvalidCatalogNameError:
        return PgState.MISSING_DATABASE
    except (OSError, TimeoutError):
        return PgState.DOWN
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
        raise DevkitError(
            f"PostgreSQL at {redact(url)} answers but refuses the connection: {exc}"
        ) from exc
    await conn.close()
    return PgState.READY


def _quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


async def create_database(url: str) -> None:
    """Create the database ``url`` names, connecting to the server's ``postgres`` database."""
    name = database_name(url)
    admin = await asyncpg.connect(with_database(url, "postgres"), timeout=5.0)
    try:
        await admin.execute(f"CREATE DATABASE {_quote_identifier(name)}")
        log.info("PostgreSQL: created database %s", name)
    except (asyncpg.DuplicateDatabaseError, asyncpg.UniqueViolationError):
        # Another run created it first: PostgreSQL says so with the first error when that
        # run had committed, with the second when both were creating it at the same time.
        log.debug("database %s was created meanwhile", name)
    finally:
        await admin.close()


async def ensure_database(url: str) -> bool:
    """True when the server answers (creating the database if needed), False when down."""
    state = await postgres_state(url)
    if state is PgState.MISSING_DATABASE:
        await create_database(url)
    return state is not PgState.DOWN


async def recreate_database(url: str) -> None:
    """Drop the database ``url`` names and create it empty; refuse while others use it."""
    name = database_name(url)
    admin = await asyncpg.connect(with_database(url, "postgres"), timeout=5.0)
    try:
        await admin.execute(f"DROP DATABASE IF EXISTS {_quote_identifier(name)}")
        await admin.execute(f"CREATE DATABASE {_quote_identifier(name)}")
    except asyncpg.ObjectInUseError:
        raise DevkitError(
            f"database {name} is in use by other sessions (a psql, another run?): close them, "
            "or keep the previous run's state with --keep-state"
        ) from None
    finally:
        await admin.close()
    log.info("PostgreSQL: database %s dropped and created empty", name)
