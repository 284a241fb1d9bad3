"""``concierge infra up``: make NATS, PostgreSQL and Redis answer and print the URLs."""

from __future__ import annotations

import logging
import shlex
import sys
from contextlib import AsyncExitStack
from pathlib import Path

from concierge_devkit.infra import InfraConfig, ensure_infrastructure
from concierge_devkit.signals import wait_for_stop

log = logging.getLogger(__name__)


async def infra_up(data_dir: Path) -> int:
    """Print ``export`` lines; keep embedded servers running until Ctrl-C or SIGTERM."""
    async with AsyncExitStack() as stack:
        infra = await ensure_infrastructure(InfraConfig.from_env(data_dir), stack)
        for name, value in infra.exports().items():
            sys.stdout.write(f"export {name}={shlex.quote(value)}\n")
        sys.stdout.flush()
        if infra.embedded:
            log.info("embedded %s running until Ctrl-C", ", ".join(infra.embedded))
            await wait_for_stop()
            log.info("stopping embedded servers")
    return 0
