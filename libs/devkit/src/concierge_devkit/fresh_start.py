"""A fresh run: an empty database of the runner's own, and the previous run's streams gone.

New secrets and a new bus namespace (:mod:`concierge_devkit.run_state`) already
make new conversation ids, streams and Redis keys. The database is what remains:
people, their sessions (an open handoff holds a person's conversation), roles. So
the runner drops and recreates its own database; the migrations and the demo
parish follow (``python -m store seed``). A database DATABASE_URL names is the
developer's and is never dropped.
"""

from __future__ import annotations

import logging

from concierge_devkit.infra import Infrastructure
from concierge_devkit.namespaces import forget_namespace
from concierge_devkit.postgres import recreate_database, redact
from concierge_devkit.run_state import RunState

log = logging.getLogger(__name__)


async def start_afresh(infra: Infrastructure, previous: RunState | None) -> None:
    """Empty the runner's database; remove the streams of the run that saved ``previous``."""
    if infra.own_database:
        await recreate_database(infra.database_url)
    else:
        log.warning(
            "PostgreSQL: %s comes from DATABASE_URL, so it is kept as it is: people, "
            "sessions and open handoffs of earlier runs remain (see the README)",
            redact(infra.database_url),
        )
    if previous is not None:
        await forget_previous_namespace(infra.nats_url, previous.bus_namespace)


async def forget_previous_namespace(nats_url: str, namespace: str) -> None:
    """Delete the streams and buckets of a namespace an earlier run generated (best effort)."""
    if not namespace:
        return  # never the un-namespaced production names
    try:
        await forget_namespace(nats_url, namespace)
    except Exception as exc:  # leftovers are harmless: the run goes on
        log.warning("could not remove the previous run's streams: %r", exc)
        return
    log.info("removed the streams and buckets of the previous run (namespace %s)", namespace)
