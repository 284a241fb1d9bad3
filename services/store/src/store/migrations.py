"""SQL migrations: ordered files, applied once, safe to run from several replicas at once.

Files named ``NNNN_description.sql`` in the migrations folder are applied in
order, each in its own transaction, and recorded in ``schema_migrations``
with a checksum. A session-level advisory lock serialises concurrent runners:
the second one waits, then finds everything applied. Editing a file that was
already applied is refused (write a new migration instead).
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from concierge_common.errors import ConfigError

log = logging.getLogger(__name__)

_LOCK_KEY = 0x636F6E63  # "conc"
_CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    version    text PRIMARY KEY,
    checksum   text NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)
"""


@dataclass(frozen=True)
class Migration:
    version: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def default_dir() -> Path:
    """``infra/migrations`` of the source tree this package runs from."""
    for parent in Path(__file__).resolve().parents:
        candidate = parent / "infra" / "migrations"
        if candidate.is_dir():
            return candidate
    raise ConfigError("migrations folder not found; set STORE_MIGRATIONS_DIR")


def discover(folder: Path) -> list[Migration]:
    files = sorted(folder.glob("*.sql"))
    if not files:
        raise ConfigError(f"no migrations in {folder}")
    return [Migration(path.stem, path.read_text(encoding="utf-8")) for path in files]


async def apply(conn: asyncpg.Connection, migrations: list[Migration]) -> list[str]:
    """Apply the pending ``migrations``; return the versions applied by this call."""
    applied_now: list[str] = []
    await conn.execute("SELECT pg_advisory_lock($1)", _LOCK_KEY)
    try:
        await conn.execute(_CREATE_TABLE)
        rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
        done = {row["version"]: row["checksum"] for row in rows}
        for migration in migrations:
            if migration.version in done:
                if done[migration.version] != migration.checksum:
                    raise ConfigError(f"migration {migration.version} changed after it was applied")
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)",
                    migration.version,
                    migration.checksum,
                )
            applied_now.append(migration.version)
            log.info("migration applied", extra={"version": migration.version})
    finally:
        await conn.execute("SELECT pg_advisory_unlock($1)", _LOCK_KEY)
    return applied_now


async def migrate(database_url: str, folder: Path) -> list[str]:
    """Connect, apply what is pending, disconnect."""
    conn = await asyncpg.connect(database_url)
    try:
        return await apply(conn, discover(folder))
    finally:
        await conn.close()
