"""Which database failures are an outage: PostgreSQL is down, not the message wrong.

An outage (:class:`~concierge_common.errors.DatabaseUnavailable`) is retried for
as long as it lasts and never dead-lettered, so this module says yes only when
nothing about the message or the request can be the cause:

* opening a connection failed, whatever the reason (:func:`connect`, the pool's
  way to connect): the server is down, restarting, closed to new connections,
  out of connection slots, or its database or role is missing during a restore.
  The DSN worked when the store started, so none of it is about a message;
* the connection broke: a socket error or timeout (:class:`OSError`), asyncpg's
  ``ConnectionDoesNotExistError`` and the other errors of SQLSTATE class 08
  (connection exception), or asyncpg telling that the connection or the pool
  it was using is closed (an ``InterfaceError``: ``connection is closed``,
  ``released back to the pool`` - the pool takes back a connection the server
  dropped -, ``pool is closing``);
* the server said it is going away or cannot serve anyone: 57P01 admin shutdown
  (``pg_terminate_backend``, a fast shutdown), 57P02 crash shutdown, 57P03
  cannot connect now (starting, recovering), 57P04 database dropped (a
  restore), 57P05 idle session timeout, and class 53 but 53400 (too many
  connections, disk full, out of memory: nothing a retry of the same statement
  changes by itself, but an operator does);
* asyncpg lost track of the protocol (``InternalClientError``): seen when the
  server killed the backend under a running statement. The fault is the
  connection's, not the statement's: given back to the pool, a connection that
  is closed or fails its reset is replaced, and the next try runs on a new one.

Not outages: what one statement or one transaction caused. 08P01 protocol
violation (a malformed statement), 53400 configuration limit exceeded (one
transaction took too many locks), 57014 query canceled (a statement timeout),
deadlocks and serialization failures, constraint and data errors: those keep
the classes :func:`store.db.translated` gives them.
"""

from __future__ import annotations

from typing import Any

import asyncpg

from concierge_common.errors import DatabaseUnavailable

# SQLSTATE codes (and classes: the first two characters) the server uses to say it
# cannot serve anyone right now.
_OUTAGE_CLASSES = frozenset({"08", "53"})
_NOT_OUTAGES = frozenset({"08P01", "53400"})
_OUTAGE_CODES = frozenset({"57P01", "57P02", "57P03", "57P04", "57P05"})

# What asyncpg's InterfaceError says when the connection or the pool under a call is gone.
_CLOSED_MARKERS = (
    "connection is closed",
    "released back to the pool",
    "pool is closing",
    "pool is closed",
)


def is_outage(exc: BaseException) -> bool:
    """True when ``exc``, raised by a database call, means PostgreSQL is unavailable."""
    if isinstance(exc, OSError | asyncpg.InternalClientError):
        return True
    if isinstance(exc, asyncpg.PostgresError):
        return _outage_state(str(getattr(exc, "sqlstate", "") or ""))
    if isinstance(exc, asyncpg.InterfaceError):
        message = str(exc)
        return any(marker in message for marker in _CLOSED_MARKERS)
    return False


def _outage_state(sqlstate: str) -> bool:
    if sqlstate in _NOT_OUTAGES:
        return False
    return sqlstate in _OUTAGE_CODES or sqlstate[:2] in _OUTAGE_CLASSES


async def connect(*args: Any, **kwargs: Any) -> asyncpg.Connection:
    """``asyncpg.connect``, every failure being a :class:`DatabaseUnavailable`.

    Given to the pool (``create_pool(connect=...)``): a pool opens connections
    when it starts, after the server dropped one, and when it grows.
    """
    try:
        return await asyncpg.connect(*args, **kwargs)
    except Exception as exc:
        raise DatabaseUnavailable(f"cannot connect to postgres: {type(exc).__name__}") from exc
