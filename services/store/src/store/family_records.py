"""A family's record: checked, written as the JSON object parents read, and read back.

The record is what ``family.get`` gives a parent who proved the family's code and
what ``ai.family`` answers from: ``{"family", "parents", "children": [{"first_name",
"last_name", "group", "catechist", "schedule", "next_sessions": [...]}]}``. A
session is written as an object with only the keys it has (``{"date": "2027-03-14",
"time": "10:30", "place": "salle Saint-Joseph"}``).

The rules here are those a request may break (422): a name, at most 20 children each
with a first name, at most 10 parents, dates that exist, times ``HH:MM``.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import msgspec

from concierge_common.contracts.store_api import FamilyChild, FamilySession
from concierge_common.errors import InvalidRequest

MAX_NAME = 200
MAX_PARENTS = 10
MAX_CHILDREN = 20
MAX_SESSIONS = 200
MAX_TEXT = 500
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _invalid(what: str) -> InvalidRequest:
    return InvalidRequest(f"family: {what}", status=422)


def _text(value: str, what: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if required and not value:
        raise _invalid(f"{what} is empty")
    if len(value) > limit:
        raise _invalid(f"{what} is longer than {limit} characters")
    return value


def checked_name(name: str) -> str:
    return _text(name, "the name", required=True, limit=MAX_NAME)


def checked_parents(parents: list[str]) -> list[str]:
    if len(parents) > MAX_PARENTS:
        raise _invalid(f"more than {MAX_PARENTS} parents")
    return [_text(parent, "a parent's name", required=True, limit=MAX_NAME) for parent in parents]


def checked_children(children: list[FamilyChild]) -> list[FamilyChild]:
    if len(children) > MAX_CHILDREN:
        raise _invalid(f"more than {MAX_CHILDREN} children")
    return [_checked_child(child) for child in children]


def _checked_child(child: FamilyChild) -> FamilyChild:
    if len(child.next_sessions) > MAX_SESSIONS:
        raise _invalid(f"more than {MAX_SESSIONS} sessions for a child")
    return FamilyChild(
        first_name=_text(child.first_name, "a child's first name", required=True, limit=MAX_NAME),
        last_name=_text(child.last_name, "a child's last name", limit=MAX_NAME),
        group=_text(child.group, "a group"),
        catechist=_text(child.catechist, "a catechist"),
        schedule=_text(child.schedule, "a schedule"),
        next_sessions=sorted(
            (checked_session(session) for session in child.next_sessions),
            key=lambda session: (session.date, session.time or ""),
        ),
    )


def checked_session(session: FamilySession) -> FamilySession:
    """The session with its text trimmed; 422 for a day that does not exist or a bad time."""
    try:
        day = date.fromisoformat(session.date.strip())
    except ValueError:
        raise _invalid(f"the session date {session.date[:40]!r} is not YYYY-MM-DD") from None
    times = [_time(session.time, "time"), _time(session.end, "end")]
    if times[0] and times[1] and times[1] <= times[0]:
        raise _invalid("a session ends before it starts")
    place = _text(session.place, "a place") if session.place else None
    return FamilySession(date=day.isoformat(), time=times[0], end=times[1], place=place or None)


def _time(value: str | None, what: str) -> str | None:
    if value is None or not value.strip():
        return None
    value = value.strip()
    if len(value) == 4 and value[1] == ":":  # 9:30
        value = f"0{value}"
    if not _TIME.match(value):
        raise _invalid(f"the session {what} {value[:20]!r} is not HH:MM")
    return value


def record(name: str, parents: list[str], children: list[FamilyChild]) -> dict[str, Any]:
    """The JSON object a verified parent reads (sessions without their empty keys)."""
    return {
        "family": name,
        "parents": parents,
        "children": [msgspec.to_builtins(child) for child in children],
    }


def parents_of(stored: dict[str, Any]) -> list[str]:
    return [str(parent) for parent in stored.get("parents", [])]


def children_of(stored: dict[str, Any]) -> list[FamilyChild]:
    """The children of a stored record; a bare day as a session (the seed's) is read too."""
    children = []
    for child in stored.get("children", []):
        sessions = [
            {"date": item} if isinstance(item, str) else item
            for item in child.get("next_sessions", [])
        ]
        children.append(msgspec.convert({**child, "next_sessions": sessions}, FamilyChild))
    return children
