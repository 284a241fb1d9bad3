"""A family's form in the console, read back into the store's record.

The page has no script to add rows, so it shows every child of the family and one
empty child more, and under each child its dated sessions and two empty rows more
(:data:`BLANK_SESSIONS`). Fields are named by position: ``c0_first_name``,
``c0_s1_date``... An empty row is left out; a child is removed by its "retirer"
box or by emptying it. What the store checks (dates that exist, ``HH:MM`` times,
lengths) it checks again; here only what the form alone can tell is refused: a
child's details without a first name, a session's time or place without a date.
"""

from __future__ import annotations

from concierge_common.contracts.store_api import FamilyChild, FamilySession
from concierge_common.errors import InvalidRequest

BLANK_SESSIONS = 2
CHILD_FIELDS = ("first_name", "last_name", "group", "catechist", "schedule")
SESSION_FIELDS = ("date", "time", "end", "place")
MAX_ROWS = 250  # past the store's own bounds: a longer form is not the console's


def parents_of(form: dict[str, str]) -> list[str]:
    """One parent a line."""
    return [line.strip() for line in form.get("parents", "").splitlines() if line.strip()]


def children_of(form: dict[str, str]) -> list[FamilyChild]:
    """The children the form describes, in its order, without the empty or removed ones."""
    children = []
    for index in range(MAX_ROWS):
        prefix = f"c{index}_"
        if prefix + "first_name" not in form:
            break
        child = _child(form, prefix)
        if child is not None and form.get(prefix + "remove") != "on":
            children.append(child)
    return children


def _child(form: dict[str, str], prefix: str) -> FamilyChild | None:
    values = {name: form.get(prefix + name, "").strip() for name in CHILD_FIELDS}
    sessions = _sessions(form, prefix)
    if not values["first_name"]:
        if any(values.values()) or sessions:
            raise InvalidRequest("un enfant sans prénom", status=422)
        return None
    return FamilyChild(
        first_name=values["first_name"],
        last_name=values["last_name"],
        group=values["group"],
        catechist=values["catechist"],
        schedule=values["schedule"],
        next_sessions=sessions,
    )


def _sessions(form: dict[str, str], prefix: str) -> list[FamilySession]:
    sessions = []
    for index in range(MAX_ROWS):
        row = f"{prefix}s{index}_"
        if row + "date" not in form:
            break
        values = {name: form.get(row + name, "").strip() for name in SESSION_FIELDS}
        if not values["date"]:
            if any(values.values()):
                raise InvalidRequest("une séance sans date", status=422)
            continue
        sessions.append(
            FamilySession(
                date=values["date"],
                time=values["time"] or None,
                end=values["end"] or None,
                place=values["place"] or None,
            )
        )
    return sessions


def rows_of(children: list[FamilyChild]) -> list[tuple[FamilyChild, list[FamilySession | None]]]:
    """What the form shows: each child with its sessions and empty rows, and an empty child."""
    blank = [None] * BLANK_SESSIONS
    shown: list[tuple[FamilyChild, list[FamilySession | None]]] = [
        (child, [*child.next_sessions, *blank]) for child in children
    ]
    shown.append((FamilyChild(first_name=""), list(blank)))
    return shown
