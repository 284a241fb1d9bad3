"""``python -m store``: run the store.

One-shot commands, which need the database only (not NATS):

* ``python -m store migrate``: apply the pending migrations and exit
  (``DATABASE_URL``, optional ``STORE_MIGRATIONS_DIR``);
* ``python -m store seed``: apply the migrations, then load the starting content
  of :mod:`store.seed` (``DATABASE_URL``, ``INTRINSIC_ID_KEY``). Idempotent.
  ``python -m store seed --file PATH`` loads another parish's seed file instead
  (same JSON format as ``seed_data/parish.json``).
"""

import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn, TypeVar

import msgspec

from concierge_common import logs, settings
from concierge_common.bus.runtime import run_main
from concierge_common.errors import ConfigError
from store import migrations, retention_command, seed
from store.service import StoreService
from store.settings import MigrateSettings, PurgeSettings, SeedSettings, StoreSettings

S = TypeVar("S", bound=msgspec.Struct)


def _configured(settings_type: type[S]) -> S:
    """The command's settings, or exit 2 naming what is missing."""
    try:
        return settings.load(settings_type)
    except ConfigError as exc:
        print(f"store: configuration error: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def _migrate_now(config: MigrateSettings) -> None:
    folder = (
        Path(config.store_migrations_dir)
        if config.store_migrations_dir
        else migrations.default_dir()
    )
    applied = asyncio.run(migrations.migrate(config.database_url, folder))
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


def _migrate(options: list[str]) -> None:
    if options:
        _usage()
    config = _configured(MigrateSettings)
    logs.configure("store", config.log_level)
    _migrate_now(config)


def _seed(options: list[str]) -> None:
    path = _seed_file(options)
    try:
        data = seed.load() if path is None else seed.load_file(path)
    except ConfigError as exc:  # a wrong file fails before the database is touched
        print(f"store: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc
    config = _configured(SeedSettings)
    logs.configure("store", config.log_level)
    _migrate_now(config)
    report = asyncio.run(seed.seed_database(config.database_url, config.intrinsic_id_key, data))
    print(f"seed {'applied' if report.changed else 'already up to date'}: {report}")


def _seed_file(options: list[str]) -> Path | None:
    """``--file PATH`` (or ``--file=PATH``), else None: the packaged parish."""
    if not options:
        return None
    if len(options) == 2 and options[0] == "--file":
        return Path(options[1])
    if len(options) == 1 and options[0].startswith("--file="):
        return Path(options[0].removeprefix("--file="))
    _usage()


def _purge(options: list[str]) -> None:
    if options not in ([], ["--dry-run"]):
        _usage()
    config = _configured(PurgeSettings)
    logs.configure("store", config.log_level)
    try:
        print(asyncio.run(retention_command.purge(config, dry_run=bool(options))))
    except ConfigError as exc:
        print(f"store: {exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def _usage() -> NoReturn:
    print(
        "usage: python -m store [migrate | seed [--file PATH] | purge [--dry-run]]",
        file=sys.stderr,
    )
    raise SystemExit(2)


COMMANDS: dict[str, Callable[[list[str]], None]] = {
    "migrate": _migrate,
    "seed": _seed,
    "purge": _purge,
}


if __name__ == "__main__":
    arguments = sys.argv[1:]
    if not arguments:
        run_main("store", StoreSettings, StoreService)
    elif arguments[0] in COMMANDS:
        COMMANDS[arguments[0]](arguments[1:])
    else:
        _usage()
