"""The HTTP API's response models are derived from the store's views and must stay in step.

``gateway.api.models.to_api`` copies the fields a model names from a store view and
drops the rest, so a field added to a view and forgotten in its model would vanish
from the API without an error. These tests pin each pair: the model shows every
field of the view except the per-call flags listed here, and a view with a value in
every field comes out of the API model with the same values.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import msgspec
import pytest
from pydantic import BaseModel

from concierge_common.contracts import store_api as api
from gateway.api import models

# Fields of a view that describe one call, not the resource (not shown by the API):
# ``created``, ``roles`` (the person's roles) and ``recent`` (the session's last messages),
# for the router, are session.open's.
PER_CALL = {"created", "roles", "recent"}

PAIRS: list[tuple[type[BaseModel], type[msgspec.Struct]]] = [
    (models.SessionOut, api.SessionView),
    (models.UserOut, api.UserView),
    (models.ErasureReportOut, api.ErasureReport),
    (models.ServiceOut, api.ServiceView),
    (models.ContextOut, api.ContextView),
    (models.InfoOut, api.InfoView),
    (models.RoleOut, api.RoleView),
    (models.HandoffOut, api.HandoffView),
    (models.HandoffEventOut, api.HandoffEventView),
    (models.FamilyOut, api.FamilyRecordView),
    (models.IssuedCodeOut, api.IssuedCode),
]
WHEN = datetime(2026, 6, 30, 22, 0, tzinfo=UTC)


def _sample(name: str, info: msgspec.inspect.Type) -> Any:
    """A value of ``info``'s type; strings named like ids are UUIDs, as the store's are."""
    if isinstance(info, msgspec.inspect.UnionType):
        present = [t for t in info.types if not isinstance(t, msgspec.inspect.NoneType)]
        return _sample(name, present[0])
    if isinstance(info, msgspec.inspect.LiteralType):
        return info.values[-1]
    if isinstance(info, msgspec.inspect.StrType):
        return str(uuid.uuid4()) if name == "id" or name.endswith("_id") else f"{name}-value"
    if isinstance(info, msgspec.inspect.BoolType):
        return True
    if isinstance(info, msgspec.inspect.IntType):
        return 7
    if isinstance(info, msgspec.inspect.DateTimeType):
        return WHEN
    if isinstance(info, msgspec.inspect.ListType):
        return [_sample(name, info.item_type)]
    if isinstance(info, msgspec.inspect.DictType):
        return {"key": _sample("value", info.value_type)}
    if isinstance(info, msgspec.inspect.StructType):
        return info.cls(**{field.name: _sample(field.name, field.type) for field in info.fields})
    if isinstance(info, msgspec.inspect.AnyType):
        return {"nested": ["any", 1]}
    raise AssertionError(f"no sample for {name}: {info}")


def _full_view(view: type[msgspec.Struct]) -> msgspec.Struct:
    info = msgspec.inspect.type_info(view)
    assert isinstance(info, msgspec.inspect.StructType)
    return view(**{field.name: _sample(field.name, field.type) for field in info.fields})


@pytest.mark.parametrize(("model", "view"), PAIRS, ids=[m.__name__ for m, _ in PAIRS])
def test_each_api_model_shows_every_field_of_its_store_view(
    model: type[BaseModel], view: type[msgspec.Struct]
) -> None:
    shown = set(model.model_fields)
    resource = set(view.__struct_fields__) - PER_CALL
    assert shown == resource, (
        f"{model.__name__} lacks {sorted(resource - shown)}, has extra {sorted(shown - resource)}"
    )


@pytest.mark.parametrize(("model", "view"), PAIRS, ids=[m.__name__ for m, _ in PAIRS])
def test_a_store_view_reaches_the_api_with_the_same_values(
    model: type[BaseModel], view: type[msgspec.Struct]
) -> None:
    stored = _full_view(view)
    body = models.to_api(model, stored).model_dump(mode="json")
    expected = msgspec.to_builtins(stored)
    for name in body:
        assert body[name] == expected[name], f"{model.__name__}.{name} changed on the way"


def test_the_per_call_flags_exist_in_the_views_they_are_excluded_from() -> None:
    flagged = {name for _, view in PAIRS for name in view.__struct_fields__ if name in PER_CALL}
    assert flagged == PER_CALL
