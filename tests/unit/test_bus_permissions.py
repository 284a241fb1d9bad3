"""The NATS users and their subjects, as generated from the topology and the contracts."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

from concierge_common.bus.connection import url_user
from concierge_common.bus.permissions import (
    GATEWAY,
    GATEWAY_API,
    GATEWAY_OUTBOUND,
    HANDOFF,
    ROUTER,
    STORE,
    USERS,
    inbox_prefix,
    password_variable,
    permissions,
    server_config,
)
from concierge_common.bus.topology import Topology
from concierge_common.contracts import store_api
from concierge_devkit.bus_access import BusAccess, password, user_of, with_user
from concierge_devkit.run_state import FILENAME, RunState

TOPO = Topology("ns", 2)


def test_the_outbound_gateway_calls_no_operation_and_serves_none() -> None:
    granted = permissions(TOPO, GATEWAY_OUTBOUND)
    assert not [s for s in granted.publish if ".rpc." in s]
    assert not [s for s in granted.subscribe if ".rpc." in s]
    assert not granted.allow_responses


def test_only_the_api_gateway_may_ask_for_admin_operations() -> None:
    grant = TOPO.rpc_subject("store", store_api.ROLE_GRANT)
    erase = TOPO.rpc_subject("store", store_api.USER_ERASE)
    assert {grant, erase} <= set(permissions(TOPO, GATEWAY_API).publish)
    for other in (GATEWAY_OUTBOUND, ROUTER, HANDOFF, STORE):
        assert not {grant, erase} & set(permissions(TOPO, other).publish)


FAMILY_OPERATIONS = (
    store_api.FAMILY_LIST,
    store_api.FAMILY_READ,
    store_api.FAMILY_CREATE,
    store_api.FAMILY_UPDATE,
    store_api.FAMILY_DELETE,
    store_api.FAMILY_ISSUE_CODE,
    store_api.FAMILY_REVOKE_CODE,
)


def test_only_the_api_gateway_may_manage_families_and_their_codes() -> None:
    """The admin API and the console's families pages call them; no service does."""
    subjects = {TOPO.rpc_subject("store", operation) for operation in FAMILY_OPERATIONS}
    assert subjects <= set(permissions(TOPO, GATEWAY_API).publish)
    assert subjects <= set(permissions(TOPO, GATEWAY).publish)
    for other in (GATEWAY_OUTBOUND, ROUTER, HANDOFF, STORE):
        assert not subjects & set(permissions(TOPO, other).publish)


def test_a_service_publishes_only_its_own_flows_and_dead_letter_announcements() -> None:
    published = {s for s in permissions(TOPO, ROUTER).publish if s.startswith("ns.chat.")}
    assert published == {"ns.chat.v1.ai.>", "ns.chat.v1.handoff.>", "ns.chat.v1.failed.>"}
    assert not {s for s in permissions(TOPO, GATEWAY_API).publish if "chat.v1.failed" in s}


def test_a_consumer_gets_its_own_durables_per_partition_and_no_others() -> None:
    granted = permissions(TOPO, ROUTER).publish
    assert "$JS.API.CONSUMER.MSG.NEXT.NS_CHAT.router-inbound-001" in granted
    assert "$JS.ACK.NS_CHAT.router-inbound-000.>" in granted
    assert not [s for s in granted if "store-inbound" in s or "MSG.NEXT.NS_CHAT.*" in s]
    assert "$KV.NS_bus_leases.router.>" in granted
    assert "$KV.NS_service_health.router.>" in granted


def test_each_user_reads_replies_in_its_own_inbox_only() -> None:
    assert permissions(TOPO, STORE).subscribe[0] == "_INBOX.store.>"
    assert inbox_prefix("") == "_INBOX"
    assert permissions(TOPO, STORE).allow_responses


def test_the_developer_gateway_is_both_roles() -> None:
    both = set(permissions(TOPO, GATEWAY).publish)
    roles = set(permissions(TOPO, GATEWAY_API).publish) | set(
        permissions(TOPO, GATEWAY_OUTBOUND).publish
    )
    assert both == roles
    assert "ns.orchestrate.v1.reply.*" in permissions(TOPO, GATEWAY).subscribe


def test_the_config_names_every_user_with_a_password_variable_or_the_given_one() -> None:
    text = server_config(TOPO)
    for user in USERS:
        assert f'user: "{user}"' in text
        assert f"password: ${password_variable(user)}" in text
    assert password_variable("gateway-api") == "NATS_PASSWORD_GATEWAY_API"
    written = server_config(TOPO, {user: f"pw-{user}" for user in USERS})
    assert 'password: "pw-router"' in written
    assert "$NATS_PASSWORD" not in written


def test_a_runs_users_have_derived_passwords_and_an_admin_url() -> None:
    access = BusAccess("seed", "dev1", 16)
    assert password("seed", "router") != password("seed", "store")
    assert access.service_env("gateway")["NATS_USER"] == user_of("gateway") == "gateway"
    url = access.admin_url("nats://127.0.0.1:4222,nats://other:4223")
    assert url.count("admin:") == 2
    assert url_user(url) == "admin"
    assert with_user("nats://x:y@h:1", "u", "p/q") == "nats://u:p%2Fq@h:1"
    assert url_user("nats://127.0.0.1:4222") == ""


def test_the_committed_compose_config_is_the_generated_one() -> None:
    committed = Path(__file__).parents[2] / "infra" / "nats" / "auth.conf"
    assert committed.read_text() == server_config(Topology("", 16))


def test_a_state_saved_before_the_bus_seed_gets_one(tmp_path: Path) -> None:
    state = RunState.fresh()
    saved = dataclasses.asdict(state.secrets)
    del saved["bus_password_seed"]
    (tmp_path / FILENAME).write_text(json.dumps({"secrets": saved, "bus_namespace": "x"}))
    loaded = RunState.load(tmp_path)
    assert loaded is not None
    assert loaded.secrets.jwt_secret == state.secrets.jwt_secret
    assert loaded.secrets.bus_password_seed
