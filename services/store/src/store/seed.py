"""Starting content: the services, prompts and facts of a parish, and two demo families.

``python -m store seed`` loads ``seed_data/parish.json`` into the database
(``python -m store seed --file PATH``: another parish's file, same format). The
parish (Paroisse Saint-Martin de Lyon-Vaise), its address, telephone number,
e-mail and people are invented, as are the two families of the catechism.

Demo data: the parent codes of those families are ``SM-4821`` (Famille
Lefèvre, two children) and ``SM-7390`` (Famille Nguyen, one child); their
records name the parents and the children's full names, and a session may carry
its own time and place (``{"date", "time", "end", "place"}``, see ``ai.family``).
Each family is a record of ``families`` written as the admin API writes it
(:mod:`store.families`: checked, shown by ``family.list`` and the console), and its
code is provisioned for it, stored hashed under ``INTRINSIC_ID_KEY`` like real
codes; replace or delete them before real families use the concierge.

Seeding is idempotent, so it can run at every deployment: a service is upserted
by name (``is_active`` is left to the administrators), a new prompt version is
added only when the current one differs, a fact is keyed by (service, title),
a family by its hashed code (else by its name among the service's families staff
wrote, so a revoked demo code is provisioned again for the same record). Running
it twice changes nothing the second time.
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

from concierge_common.contracts.store_api import (
    FamilyChild,
    FamilyUpdate,
    FamilyWrite,
    ProcessingType,
    Role,
)
from concierge_common.errors import ConfigError, InvalidRequest
from store import family_records as records
from store.codes import hash_code
from store.contexts import insert_next_version
from store.db import init_connection, rows_affected, translated
from store.families import insert_family, rewrite_family
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
    for family in data.families:
        family_record(family)  # a record the admin API would refuse is refused here


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


# A family's code rows share its hashed code: the provisioned one, and one per parent
# who proved the code (store.claims). Rows of a database seeded before families were
# records have no family_id: they are bound to the family's record here.
_FAMILY_OF_CODE = """
SELECT family_id FROM user_services
WHERE service_id = $1 AND intrinsic_id = $2 AND family_id IS NOT NULL
LIMIT 1
"""
_FAMILY_BY_NAME = """
SELECT id FROM families
WHERE service_id = $1 AND name = $2 AND import_source IS NULL
ORDER BY created_at, id
LIMIT 1
"""
_BIND_CODE = """
UPDATE user_services SET family_id = $3
WHERE service_id = $1 AND intrinsic_id = $2 AND family_id IS DISTINCT FROM $3
"""
_PROVISION_CODE = """
INSERT INTO user_services (service_id, role, intrinsic_id, attributes, family_id)
SELECT $1, $3, $2, f.record, f.id FROM families f
WHERE f.id = $4
  AND NOT EXISTS (SELECT 1 FROM user_services WHERE service_id = $1 AND intrinsic_id = $2)
"""
_COPY_CODE_RECORD = """
UPDATE user_services u SET attributes = f.record, role = $2
FROM families f
WHERE f.id = $1 AND u.family_id = f.id
  AND (u.attributes, u.role) IS DISTINCT FROM (f.record, $2::text)
"""


async def _upsert_family(
    conn: asyncpg.Connection, service_id: str, family: SeedFamily, key: str, report: SeedReport
) -> None:
    """The family as a record (as the admin API writes it) with its demo code provisioned
    (nobody yet: a parent claims it by proving the code)."""
    hashed = hash_code(key, service_id, family.code)
    name, parents, children = family_record(family)
    found_id = await conn.fetchval(_FAMILY_OF_CODE, service_id, hashed)
    if found_id is None:
        found_id = await conn.fetchval(_FAMILY_BY_NAME, service_id, name)
    changed = False
    if found_id is None:
        write = FamilyWrite(service_id=service_id, name=name, parents=parents, children=children)
        family_id = await insert_family(conn, write)
        report.families_created += 1
    else:
        family_id = str(found_id)
        update = FamilyUpdate(id=family_id, name=name, parents=parents, children=children)
        changed = await rewrite_family(conn, update)
    code_rows = rows_affected(await conn.execute(_BIND_CODE, service_id, hashed, family_id))
    code_rows += rows_affected(
        await conn.execute(_PROVISION_CODE, service_id, hashed, family.role, family_id)
    )
    code_rows += rows_affected(await conn.execute(_COPY_CODE_RECORD, family_id, family.role))
    if found_id is not None and (changed or code_rows):
        report.families_updated += 1


def family_record(family: SeedFamily) -> tuple[str, list[str], list[FamilyChild]]:
    """The seed's family as the admin API's fields: its name, parents and children
    (``parents`` may be one line of text; a session may be a bare day)."""
    attributes = family.attributes
    name = attributes.get("family")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError(f"seed data: a family of {family.service} has no 'family' name")
    parents = attributes.get("parents", [])
    if isinstance(parents, str):
        parents = [parents]
    try:
        children = records.children_of(attributes)
        checked = (
            records.checked_name(name),
            records.checked_parents([str(parent) for parent in parents]),
            records.checked_children(children),
        )
    except (msgspec.ValidationError, InvalidRequest, AttributeError, TypeError) as exc:
        raise ConfigError(f"seed data: the family {name[:60]!r}: {exc}") from exc
    return checked
