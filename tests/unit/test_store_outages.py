"""Which database failures the store reports as an outage (retried without limit) and which
keep their own class: the classifier, its use by ``translated``, and that every database
call of the store goes through ``translated``."""

from __future__ import annotations

import ast
from pathlib import Path

import asyncpg
import pytest

from concierge_common.errors import (
    Conflict,
    DatabaseUnavailable,
    DownstreamUnavailable,
    InvalidRequest,
    Outage,
    PermanentError,
)
from store import outages
from store.db import translated

_exc = asyncpg.exceptions

OUTAGES: list[BaseException] = [
    ConnectionRefusedError(111, "Connect call failed ('127.0.0.1', 5432)"),
    ConnectionResetError(104, "Connection reset by peer"),
    OSError(113, "No route to host"),
    TimeoutError(),  # a connect or pool acquire timeout (asyncio's is the same class)
    _exc.CannotConnectNowError("the database system is starting up"),
    _exc.ConnectionDoesNotExistError("connection was closed in the middle of operation"),
    _exc.ConnectionFailureError("connection failure"),
    _exc.ClientCannotConnectError("cannot connect"),
    _exc.TooManyConnectionsError("sorry, too many clients already"),
    _exc.DiskFullError("could not extend file"),
    _exc.AdminShutdownError("terminating connection due to administrator command"),
    _exc.CrashShutdownError("terminating connection because of crash of another process"),
    _exc.DatabaseDroppedError("the database was dropped"),
    _exc.IdleSessionTimeoutError("terminating connection due to idle-session timeout"),
    asyncpg.PostgresError.new({"C": "08XYZ", "M": "a connection error asyncpg does not know"}),
    asyncpg.InterfaceError("connection is closed"),
    asyncpg.InterfaceError(
        "cannot call Transaction.__aexit__(): the underlying connection is closed"
    ),
    asyncpg.InterfaceError(
        "cannot call Connection.fetchval(): connection has been released back to the pool"
    ),
    asyncpg.InterfaceError("pool is closing"),
    asyncpg.InternalClientError("_on_result: waiter is done"),
    _exc._base.ProtocolError("unexpected message"),
]

NOT_OUTAGES: list[BaseException] = [
    _exc.UniqueViolationError("duplicate key"),
    _exc.ForeignKeyViolationError("violates foreign key"),
    _exc.CheckViolationError("violates check"),
    _exc.NotNullViolationError("null value"),
    _exc.DataError("invalid input"),
    _exc._base.DataError("invalid input for query argument $1"),  # asyncpg's own, client side
    _exc.DeadlockDetectedError("deadlock detected"),
    _exc.SerializationError("could not serialize access"),
    _exc.QueryCanceledError("canceling statement due to statement timeout"),
    _exc.ProtocolViolationError("bind message supplies 1 parameters, but 2 required"),
    _exc.ConfigurationLimitExceededError("out of shared memory"),
    _exc.PostgresSyntaxError("syntax error"),
    _exc.UndefinedTableError("relation does not exist"),
    asyncpg.InterfaceError("cannot perform operation: another operation is in progress"),
    ValueError("a bug"),
    KeyError("column"),
]


def _name(exc: BaseException) -> str:
    return type(exc).__name__


@pytest.mark.parametrize("exc", OUTAGES, ids=_name)
def test_a_database_that_is_down_or_dropped_the_connection_is_an_outage(
    exc: BaseException,
) -> None:
    assert outages.is_outage(exc)


@pytest.mark.parametrize("exc", NOT_OUTAGES, ids=_name)
def test_what_one_statement_caused_is_not_an_outage(exc: BaseException) -> None:
    assert not outages.is_outage(exc)


@pytest.mark.parametrize("exc", OUTAGES, ids=_name)
def test_translated_raises_an_outage_as_database_unavailable(exc: Exception) -> None:
    with pytest.raises(DatabaseUnavailable) as raised, translated("session.open"):
        raise exc
    assert isinstance(raised.value, Outage)
    assert raised.value.__cause__ is exc
    assert "session.open" in str(raised.value)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (_exc.UniqueViolationError("duplicate key"), Conflict),
        (_exc.ForeignKeyViolationError("violates foreign key"), Conflict),
        (_exc.CheckViolationError("violates check"), InvalidRequest),
        (_exc.DataError("invalid input"), InvalidRequest),
        (_exc.DeadlockDetectedError("deadlock detected"), DownstreamUnavailable),
        (_exc.QueryCanceledError("statement timeout"), DownstreamUnavailable),
        (_exc.ProtocolViolationError("bind message"), DownstreamUnavailable),
        (asyncpg.InterfaceError("another operation is in progress"), DownstreamUnavailable),
        (_exc.UndefinedTableError("relation does not exist"), PermanentError),
    ],
    ids=lambda value: value.__name__ if isinstance(value, type) else _name(value),
)
def test_translated_keeps_the_class_of_a_failure_that_is_not_an_outage(
    exc: Exception, kind: type[Exception]
) -> None:
    with pytest.raises(kind) as raised, translated("user.get"):
        raise exc
    assert not isinstance(raised.value, Outage)


def test_translated_lets_a_concierge_error_and_a_bug_through_unchanged() -> None:
    outage = DatabaseUnavailable("cannot connect to postgres: ConnectionRefusedError")
    with pytest.raises(DatabaseUnavailable) as raised, translated("user.get"):
        raise outage
    assert raised.value is outage
    with pytest.raises(KeyError), translated("user.get"):
        raise KeyError("column")


async def test_a_connection_that_cannot_be_opened_is_an_outage() -> None:
    # Port 1 on the loopback: nothing listens there, the kernel refuses at once.
    with pytest.raises(DatabaseUnavailable) as raised:
        await outages.connect("postgresql://postgres@127.0.0.1:1/postgres")
    assert isinstance(raised.value.__cause__, OSError)


# --- every database call of the store is classified ------------------------------------

STORE_SOURCES = Path(__file__).parents[2] / "services" / "store" / "src" / "store"
# Outside any operation or handler: the pool's own closing and the readiness probe.
NOT_TRANSLATED = {("service.py", "close"), ("service.py", "fetchval")}


def _is_translated(node: ast.AST) -> bool:
    return isinstance(node, ast.With | ast.AsyncWith) and any(
        isinstance(item.context_expr, ast.Call)
        and isinstance(item.context_expr.func, ast.Name)
        and item.context_expr.func.id == "translated"
        for item in node.items
    )


def _pool_calls(tree: ast.Module) -> list[tuple[ast.Attribute, list[ast.AST]]]:
    """Every ``<pool>.<method>`` with the nodes enclosing it, innermost last."""
    found: list[tuple[ast.Attribute, list[ast.AST]]] = []

    def visit(node: ast.AST, enclosing: list[ast.AST]) -> None:
        if isinstance(node, ast.Attribute) and _names_a_pool(node.value):
            found.append((node, enclosing))
        for child in ast.iter_child_nodes(node):
            visit(child, [*enclosing, node])

    visit(tree, [])
    return found


def _names_a_pool(node: ast.AST) -> bool:
    if isinstance(node, ast.Name):
        return node.id in {"pool", "conn_or_pool"}
    return isinstance(node, ast.Attribute) and node.attr == "_pool"


def test_every_database_call_of_the_store_runs_inside_translated() -> None:
    """A pool used outside ``translated`` would let a dropped connection escape as a
    raw asyncpg error: a 500 over request/reply, dead-lettered at once by the caller."""
    untranslated = []
    for path in sorted(STORE_SOURCES.glob("*.py")):
        for call, enclosing in _pool_calls(ast.parse(path.read_text())):
            function = next(
                (n for n in reversed(enclosing) if isinstance(n, ast.AsyncFunctionDef)), None
            )
            inside = enclosing[enclosing.index(function) :] if function else enclosing
            if any(_is_translated(node) for node in inside):
                continue
            if (path.name, call.attr) not in NOT_TRANSLATED:
                untranslated.append(f"{path.name}:{call.lineno} {ast.unparse(call)}")
    assert untranslated == []
