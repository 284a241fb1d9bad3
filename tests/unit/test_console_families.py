"""The console's families pages: the form read back into a family's record, and who may
use the pages (admins only, forms with their CSRF token)."""

from __future__ import annotations

import httpx
import pytest

from concierge_common.contracts.store_api import FamilyChild, FamilySession
from concierge_common.errors import InvalidRequest
from gateway.console.accounts import hash_password
from gateway.console.family_forms import BLANK_SESSIONS, children_of, parents_of, rows_of
from support.edge_app import edge_client, edge_settings

PASSWORD = "mot-de-passe-de-test"
BASE = "http://gateway"
FAMILY = "/console/families/00000000-0000-4000-8000-000000000001"


def blank_child(index: int, sessions: int = BLANK_SESSIONS) -> dict[str, str]:
    fields = {f"c{index}_{name}": "" for name in ("first_name", "last_name", "group")}
    fields |= {f"c{index}_{name}": "" for name in ("catechist", "schedule")}
    for row in range(sessions):
        fields |= {f"c{index}_s{row}_{name}": "" for name in ("date", "time", "end", "place")}
    return fields


def test_a_child_with_a_dated_session_is_read_and_empty_rows_are_left_out() -> None:
    form = {
        "parents": "Claire Lefèvre\n\n  Marc Lefèvre  \n",
        **blank_child(0),
        **blank_child(1),
        "c0_first_name": " Léa ",
        "c0_group": "CE2",
        "c0_s1_date": "2027-03-13",
        "c0_s1_time": "10:30",
        "c0_s1_place": "salle Saint-Joseph",
    }
    assert parents_of(form) == ["Claire Lefèvre", "Marc Lefèvre"]
    assert children_of(form) == [
        FamilyChild(
            first_name="Léa",
            group="CE2",
            next_sessions=[
                FamilySession(date="2027-03-13", time="10:30", place="salle Saint-Joseph")
            ],
        )
    ]


def test_a_removed_child_is_left_out() -> None:
    form = {**blank_child(0), "c0_first_name": "Léa", "c0_remove": "on"}
    assert children_of(form) == []


@pytest.mark.parametrize(
    "filled",
    [
        {"c0_group": "CE2"},
        {"c0_s0_time": "10:30"},
        {"c0_first_name": "Léa", "c0_s1_place": "église"},
    ],
)
def test_details_without_a_first_name_or_a_session_without_a_date_are_refused(
    filled: dict[str, str],
) -> None:
    with pytest.raises(InvalidRequest):
        children_of({**blank_child(0), **filled})


def test_the_form_shows_each_child_with_empty_rows_and_one_empty_child_more() -> None:
    lea = FamilyChild(first_name="Léa", next_sessions=[FamilySession(date="2027-03-13")])
    shown = rows_of([lea])
    assert [child.first_name for child, _ in shown] == ["Léa", ""]
    assert shown[0][1] == [FamilySession(date="2027-03-13"), *[None] * BLANK_SESSIONS]


def accounts() -> dict[str, str]:
    encoded = hash_password(PASSWORD)
    return {"CONSOLE_ACCOUNTS": f"Anne:agent:{encoded},Paul:admin:{encoded}"}


async def signed_in(http: httpx.AsyncClient, name: str) -> None:
    form = {"name": name, "password": PASSWORD}
    response = await http.post("/console/login", data=form, headers={"Origin": BASE})
    assert response.status_code == 303


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/console/families"),
        ("GET", FAMILY),
        ("POST", f"{FAMILY}/code"),
        ("POST", f"{FAMILY}/code/revoke"),
        ("POST", f"{FAMILY}/delete"),
    ],
)
async def test_an_agent_may_not_open_nor_change_a_family(method: str, path: str) -> None:
    async with edge_client(edge_settings(**accounts())) as http:
        await signed_in(http, "Anne")
        response = await http.request(method, path, headers={"Origin": BASE})
    assert response.status_code == 403
    assert "administrateurs" in response.text


async def test_issuing_a_code_without_the_forms_token_is_refused() -> None:
    async with edge_client(edge_settings(**accounts())) as http:
        await signed_in(http, "Paul")
        response = await http.post(f"{FAMILY}/code", data={"csrf": "x"}, headers={"Origin": BASE})
    assert response.status_code == 403
    assert "formulaire expiré" in response.text


async def test_without_a_session_the_families_page_sends_to_sign_in() -> None:
    async with edge_client(edge_settings(**accounts())) as http:
        response = await http.get("/console/families")
    assert response.status_code == 303
    assert response.headers["location"] == "/console/login"
