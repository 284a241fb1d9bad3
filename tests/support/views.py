"""The store's views as the tests' stand-ins answer them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from concierge_common.contracts import store_api as api

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def service_view(
    name: str,
    *,
    service_id: str = "",
    order: int = 0,
    keywords: Sequence[str] = (),
    description: str = "",
    processing_type: api.ProcessingType = "ai",
    required_role: api.Role | None = None,
    at: datetime = EPOCH,
) -> api.ServiceView:
    """An active service (its id is its name unless given)."""
    return api.ServiceView(
        id=service_id or name,
        name=name,
        description=description,
        trigger_keywords=list(keywords),
        processing_type=processing_type,
        required_role=required_role,
        is_active=True,
        display_order=order,
        created_at=at,
        updated_at=at,
    )
