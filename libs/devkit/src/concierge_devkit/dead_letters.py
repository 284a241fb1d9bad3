"""``concierge dead-letters list|show|replay|discard``: the bus's dead letters.

The same command as ``python -m concierge_common.bus.dead_letter_cli`` (which
every service image holds, for production), reading the same environment
(``NATS_URL``, ``NATS_USER``/``NATS_PASSWORD`` of the ``admin`` user when the
server has users, ``BUS_NAMESPACE``, ``BUS_PARTITIONS``).
"""

from __future__ import annotations

import argparse
from typing import Any

from concierge_common import settings as settings_module
from concierge_common.bus import dead_letter_cli
from concierge_common.errors import ConciergeError
from concierge_common.settings import BusSettings
from concierge_devkit.errors import DevkitError


def add_parser(commands: Any) -> None:
    letters = commands.add_parser(
        "dead-letters",
        help="the bus's dead letters: list, show, replay, discard",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    dead_letter_cli.add_actions(letters)


async def run(args: argparse.Namespace) -> int:
    try:
        config = settings_module.load(BusSettings)
        return await dead_letter_cli.run(args, config)
    except ConciergeError as exc:
        raise DevkitError(f"dead letters: {exc}") from exc
