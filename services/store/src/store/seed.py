"""Starting content: the services, prompts and facts of a parish, and two demo families.

``python -m store seed`` loads ``seed_data/parish.json`` into the database
(``python -m store seed --file PATH``: another parish's file, same format). The
parish (Paroisse Saint-Martin de Lyon-Vaise), its address, telephone number,
e-mail and people are invented, as are the two families of the catechism.

Demo data: the parent codes of those families are ``SM-4821`` (Famille
Lefèvre, two children) and ``SM-7390`` (Famille Nguyen, one child); their
records name the parents and the children's full names, and a session may carry
its own time and place (``{"date", "time", "end", "place"}``, see ``ai.family``). They are
stored hashed under ``INTRINSIC_ID_KEY`` like real codes; replace or delete
them before real families use the concierge.

Seeding is idempotent, so it can run at every deployment: a service is upserted
by name (``is_active`` is left to the administrators), a new prompt version is
added only when the current one differs, a fact is keyed by (service, title),
a family by its hashed code. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, fields
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import Any

import asyncpg
import msgspec

from concierge_common.contracts.store_api import ProcessingType, Role
from concierge_common.errors import ConfigError
from store.codes import hash_code
from store.contexts import insert_next_version
from store.db import init_connection, rows_affected, translated
from store.infos import as_utc

log = logging.getLogger(__name__)

_LOCK_KEY = 0x73656564  # "seed": one seeder at a time


class SeedInfo(msgspec.Struct, kw_only=True, frozen=True):
    title: str
    content: str
    valid_from: datetime | None = None
    valid_to: datetime | None = None


class SeedContext(msgspec.Struct, kw_only=True, frozen=True):
    system_prompt: str
    prompts: dict[str, str] = msgspec.field(default_factory=dict)


class SeedService(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    description: str
    trigger_keywords: list[str]
    processing_type: ProcessingType
    required_role: Role | None = None
    display_order: int = 0
    context: SeedContext
    infos: list[SeedInfo] = msgspec.field(default_factory=list)


class SeedFamily(msgspec.Struct, kw_only=True, frozen=True):
    service: str
    role: Role
    code: str
    attributes: dict[str, Any]


class SeedData(msgspec.Struct, kw_only=True, frozen=True):
    services: list[SeedService]
    families: list[SeedFamily] = msgspec.field(default_factory=list)


@dataclass
class SeedReport:
    """What one run changed (all zero when the database already held the seed)."""

    services_created: int = 0
    services_updated: int = 0
    contexts_created: int = 0
    infos_created: int = 0
    infos_updated: int = 0
    families_created: int = 0
    families_updated: int = 0

    @property
    def changed(self) -> bool:
        return any(getattr(self, field.name) for field in fields(self))

    def __str__(self) -> str:
        return ", ".join(f"{field.name}={getattr(self, field.name)}" for field in fields(self))


def load(raw: bytes | None = None) -> SeedData:
    """The seed (the packaged parish when ``raw`` is None), checked for ambiguities."""
    if raw is None:
        raw = resources.files("store.seed_data").joinpath("parish.json").read_bytes()
    try:
        data = msgspec.json.decode(raw, type=SeedData)
    except msgspec.ValidationError as exc:
        raise ConfigError(f"invalid seed data: {exc}") from exc
    _check(data)
    return data


def load_file(path: Path) -> SeedData:
    """The seed in the JSON file ``path`` (another parish), checked like the packaged one."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read the seed file {path}: {exc.strerror}") from exc
    try:
        return load(raw)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def _check(data: SeedData) -> None:
    """Titles key the facts and names the services: a repeat would make seeding ambiguous."""
    names = [service.name for service in data.services]
    if len(set(names)) != len(names):
        raise ConfigError("seed data: a service appears twice")
    for service in data.services:
        titles = [info.title for info in service.infos]
        if len(set(titles)) != len(titles):
            raise ConfigError(f"seed data: a title appears twice in {service.name}")
    unknown = {family.service for family in data.families} - set(names)
    if unknown:
        raise ConfigError(f"seed data: families of unknown services {sorted(unknown)}")


async def seed_database(database_url: str, intrinsic_id_key: str, data: SeedData) -> SeedReport:
    """Connect, seed ``data`` in one transaction, disconnect."""
    with translated("seed"):
        conn = await asyncpg.connect(database_url)
        try:
            await init_connection(conn)
            async with conn.transaction():
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _LOCK_KEY)
                return await _seed(conn, data, intrinsic_id_key)
        finally:
            await conn.close()


async def _seed(conn: asyncpg.Connection, data: SeedData, key: str) -> SeedReport:
    report = SeedReport()
    service_ids: dict[str, str] = {}
    for service in data.services:
        service_id = await _upsert_service(conn, service, report)
        service_ids[service.name] = service_id
        await _ensure_context(conn, service_id, service.context, report)
        for info in service.infos:
            await _upsert_info(conn, service_id, info, report)
    for family in data.families:
        await _upsert_family(conn, service_ids[family.service], family, key, report)
    log.info("seed applied", extra={"changed": report.changed})
    return report


_UPSERT_SERVICE = """
INSERT INTO services AS s (name, description, trigger_keywords, processing_type, required_role,
                           display_order)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (name) DO UPDATE SET
    description = EXCLUDED.description,
    trigger_keywords = EXCLUDED.trigger_keywords,
    processing_type = EXCLUDED.processing_type,
    required_role = EXCLUDED.required_role,
    display_order = EXCLUDED.display_order,
    updated_at = now()
WHERE (s.description, s.trigger_keywords, s.processing_type, s.required_role, s.display_order)
      IS DISTINCT FROM (EXCLUDED.description, EXCLUDED.trigger_keywords,
                        EXCLUDED.processing_type, EXCLUDED.required_role, EXCLUDED.display_order)
RETURNING id, xmax = 0 AS inserted
"""


async def _upsert_service(
    conn: asyncpg.Connection, service: SeedService, report: SeedReport
) -> str:
    row = await conn.fetchrow(
        _UPSERT_SERVICE,
        service.name,
        service.description,
        service.trigger_keywords,
        service.processing_type,
        service.required_role,
        service.display_order,
    )
    if row is None:  # already as seeded
        return str(await conn.fetchval("SELECT id FROM services WHERE name = $1", service.name))
    if row["inserted"]:
        report.services_created += 1
    else:
        report.services_updated += 1
    return str(row["id"])


async def _ensure_context(
    conn: asyncpg.Connection, service_id: str, context: SeedContext, report: SeedReport
) -> None:
    """Add a version only when the current one says something else."""
    current = await conn.fetchrow(
        "SELECT system_prompt, prompts FROM service_contexts WHERE service_id = $1"
        " ORDER BY version DESC LIMIT 1",
        service_id,
    )
    if current is not None and (current["system_prompt"], current["prompts"]) == (
        context.system_prompt,
        context.prompts,
    ):
        return
    await insert_next_version(conn, service_id, context.system_prompt, context.prompts)
    report.contexts_created += 1


_UPDATE_INFO = """
UPDATE service_infos SET content = $3, valid_from = $4, valid_to = $5, updated_at = now()
WHERE service_id = $1 AND title = $2
  AND (content, valid_from, valid_to) IS DISTINCT FROM ($3::text, $4::timestamptz, $5::timestamptz)
"""
_INSERT_INFO = """
INSERT INTO service_infos (service_id, title, content, valid_from, valid_to)
SELECT $1, $2, $3, $4, $5
WHERE NOT EXISTS (SELECT 1 FROM service_infos WHERE service_id = $1 AND title = $2)
"""


async def _upsert_info(
    conn: asyncpg.Connection, service_id: str, info: SeedInfo, report: SeedReport
) -> None:
    values = (service_id, info.title, info.content, as_utc(info.valid_from), as_utc(info.valid_to))
    report.infos_updated += rows_affected(await conn.execute(_UPDATE_INFO, *values))
    report.infos_created += rows_affected(await conn.execute(_INSERT_INFO, *values))


# A family's rows share its hashed code: the provisioned one, and one per parent
# who proved the code (store.claims). A change reaches all of them.
_UPDATE_FAMILY = """
UPDATE user_services SET role = $3, attributes = $4
WHERE service_id = $1 AND intrinsic_id = $2
  AND (role, attributes) IS DISTINCT FROM ($3::text, $4::jsonb)
"""
_INSERT_FAMILY = """
INSERT INTO user_services (service_id, role, intrinsic_id, attributes)
SELECT $1, $3, $2, $4
WHERE NOT EXISTS (SELECT 1 FROM user_services WHERE service_id = $1 AND intrinsic_id = $2)
"""


async def _upsert_family(
    conn: asyncpg.Connection, service_id: str, family: SeedFamily, key: str, report: SeedReport
) -> None:
    """Provision a family's code (no person yet: a parent claims it by proving the code)."""
    values = (service_id, hash_code(key, service_id, family.code), family.role, family.attributes)
    if rows_affected(await conn.execute(_UPDATE_FAMILY, *values)):
        report.families_updated += 1
    report.families_created += rows_affected(await conn.execute(_INSERT_FAMILY, *values))
