"""``python -m store``: run the store; ``python -m store migrate``: apply migrations and exit."""

import asyncio
import sys

from concierge_common import logs, settings
from concierge_common.runtime import run_main
from store import migrations
from store.service import StoreService
from store.settings import StoreSettings


def _migrate() -> None:
    config = settings.load(StoreSettings)
    logs.configure("store", config.log_level)
    folder = StoreService(config, health_port=None).migrations_dir()
    applied = asyncio.run(migrations.migrate(config.database_url, folder))
    print(f"applied {len(applied)} migration(s): {', '.join(applied) or 'none pending'}")


if __name__ == "__main__":
    if sys.argv[1:] == ["migrate"]:
        _migrate()
    else:
        run_main("store", StoreSettings, StoreService)
