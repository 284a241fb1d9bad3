"""A family's record: what staff write is checked, and written as the object parents read."""

from __future__ import annotations

import pytest

from concierge_common.contracts.store_api import FamilyChild, FamilySession
from concierge_common.errors import InvalidRequest
from store import family_records as records


def test_sessions_are_sorted_trimmed_and_written_without_their_empty_keys() -> None:
    child = FamilyChild(
        first_name=" Léa ",
        next_sessions=[
            FamilySession(date="2027-01-13"),
            FamilySession(date="2026-12-16", time="9:30", place=" église "),
        ],
    )
    [checked] = records.checked_children([child])
    written = records.record("Famille Lefèvre", ["Claire"], [checked])
    assert written == {
        "family": "Famille Lefèvre",
        "parents": ["Claire"],
        "children": [
            {
                "first_name": "Léa",
                "next_sessions": [
                    {"date": "2026-12-16", "time": "09:30", "place": "église"},
                    {"date": "2027-01-13"},
                ],
            }
        ],
    }
    assert records.children_of(written) == [checked]


def test_a_seed_record_with_bare_days_reads_back_as_sessions() -> None:
    stored = {"children": [{"first_name": "Hugo", "next_sessions": ["2026-12-13"]}]}
    [child] = records.children_of(stored)
    assert child.next_sessions == [FamilySession(date="2026-12-13")]


@pytest.mark.parametrize(
    "session",
    [
        FamilySession(date="2027-02-30"),
        FamilySession(date="13/01/2027"),
        FamilySession(date="2027-01-13", time="25:00"),
        FamilySession(date="2027-01-13", time="10:00", end="09:00"),
    ],
)
def test_a_session_that_cannot_be_is_refused_with_422(session: FamilySession) -> None:
    with pytest.raises(InvalidRequest) as caught:
        records.checked_session(session)
    assert caught.value.status == 422


def test_a_name_a_child_without_first_name_and_too_many_parents_are_refused() -> None:
    with pytest.raises(InvalidRequest):
        records.checked_name("  ")
    with pytest.raises(InvalidRequest):
        records.checked_children([FamilyChild(first_name=" ")])
    with pytest.raises(InvalidRequest):
        records.checked_parents([f"Parent {n}" for n in range(records.MAX_PARENTS + 1)])
