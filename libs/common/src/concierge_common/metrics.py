"""Prometheus label children, memoised (every service's own metrics use them).

Labels are bounded: service, flow, outcome, status class. Never a conversation,
a phone number, a message id or a concrete subject.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TypeVar

from prometheus_client.metrics import MetricWrapperBase

M = TypeVar("M", bound=MetricWrapperBase)


@lru_cache(maxsize=4096)
def child(metric: M, *labels: str) -> M:
    """``metric.labels(*labels)``, memoised: the hot paths skip the lock and the lookup.

    Only for bounded label values (the cache is bounded too, as a safety net).
    """
    return metric.labels(*labels)
