"""The one error hierarchy of the concierge.

Every error the services raise on purpose derives from :class:`ConciergeError`.
The bus settles a delivery from the class of the error a handler raised:

* :class:`RetryableError` - the same input may succeed later (a downstream is
  down, a timeout). The delivery is tried again after a delay, then
  dead-lettered once the attempts are spent.
* :class:`Outage` - a dependency every message needs (the bus, the database,
  the store that owns the database) is down or dropped the connection. Nothing
  is wrong with the message: it is tried again, with a growing delay capped at
  a minute, for as long as the outage lasts, and never dead-lettered; the
  person is answered late.
* :class:`PermanentError` - retrying cannot help (the input is invalid, a
  downstream rejected it for good). The delivery is dead-lettered at once.

Any other exception escaping a handler is treated as retryable: a bug is
retried a few times and then dead-lettered with its traceback summary, never
dropped.

::

    ConciergeError
    +-- ConfigError              missing or invalid setting (fail fast at start)
    +-- RetryableError
    |   +-- Outage               the bus, the database or the store is down: retried without limit
    |   |   +-- BusUnavailable       NATS cannot take or confirm a publish
    |   |   +-- DatabaseUnavailable  PostgreSQL refuses connections or dropped one
    |   +-- DownstreamUnavailable  an HTTP dependency is down or timed out
    +-- PermanentError
        +-- InvalidMessage       a bus message that cannot be decoded
        +-- InvalidRequest       a request (webhook, API call, RPC) that cannot be accepted
        |   +-- NotFound         what the request names does not exist (404)
        |   +-- Conflict         the request contradicts the current state (409)
        |   +-- Erased           it belongs to a person erased since it was written (410)
        +-- DownstreamRejected   an HTTP dependency refused the request for good

Errors that cross a request/reply boundary (:mod:`concierge_common.bus.rpc`) keep
their class through their HTTP-like ``status``: a ``NotFound`` raised in store
is a ``NotFound`` again in the gateway, which answers 404. An outage keeps its
class too (the reply names it): a ``DatabaseUnavailable`` raised in store is a
``DatabaseUnavailable`` again in the router. A store that does not answer at
all is an ``Outage`` (the class itself) for its caller: it may be the store or
its database that is down, and either way every message waits for it.

:class:`Erased` is raised on purpose and caught on purpose: a message or a
request of a person who was erased after it was written is dropped (acked and
counted) by whoever handles it, never retried nor dead-lettered.
"""

from __future__ import annotations


class ConciergeError(Exception):
    """Base class of every error raised on purpose by the concierge."""


class ConfigError(ConciergeError):
    """A setting is missing or invalid; the process must not start."""


class RetryableError(ConciergeError):
    """The operation may succeed if tried again later."""


class PermanentError(ConciergeError):
    """The operation will fail again whatever the number of attempts."""


class Outage(RetryableError):
    """A dependency that every message needs is down; retried for as long as it lasts."""


class BusUnavailable(Outage):
    """NATS JetStream could not take a message or did not confirm it in time."""


class DatabaseUnavailable(Outage):
    """PostgreSQL refused a connection, is starting or shutting down, or dropped one."""


class DownstreamUnavailable(RetryableError):
    """An HTTP dependency (WAHA, Claude) is unreachable, overloaded or timed out."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class InvalidMessage(PermanentError):
    """A bus message could not be decoded into its schema."""


class InvalidRequest(PermanentError):
    """An HTTP request that cannot be accepted; ``status`` is the 4xx to answer."""

    def __init__(self, message: str, *, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


class DownstreamRejected(PermanentError):
    """An HTTP dependency refused the request in a way retries cannot fix."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class NotFound(InvalidRequest):
    """The entity a request names does not exist."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=404)


class Conflict(InvalidRequest):
    """The request contradicts the current state (an illegal transition, a duplicate)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, status=409)


class Erased(InvalidRequest):
    """What a message or request names is a person erased (privacy) after it was written.

    The store refuses to bring them back (:mod:`store.tombstones`); a handler that
    gets this drops what it was doing for that person: the erasure wins.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message, status=410)
