"""The concierge's Grafana dashboard is provisioned, well formed, and asks Prometheus
only for metrics and labels that are exported.

A panel whose query names a renamed metric or a label nobody exports stays empty
without any error: every query is parsed as PromQL and checked against the
services' registries and the NATS exporter's catalogue (support.promql_catalogue).
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import yaml

from support.promql_catalogue import labels_of, metric_names, problems

ROOT = Path(__file__).resolve().parents[2]
GRAFANA = ROOT / "infra" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "concierge.json"
GENERATOR = GRAFANA / "concierge_dashboard.py"


def _dashboard() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    return loaded


def _panels() -> list[dict[str, Any]]:
    return list(_dashboard()["panels"])


def _targets() -> list[tuple[str, str]]:
    return [
        (f"{panel['title']} {target['refId']}", target["expr"])
        for panel in _panels()
        for target in panel["targets"]
    ]


def _generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("concierge_dashboard", GENERATOR)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _provisioning(kind: str) -> dict[str, Any]:
    [path] = (GRAFANA / "provisioning" / kind).glob("*.yml")
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def test_the_committed_dashboard_is_what_the_generator_writes() -> None:
    assert DASHBOARD.read_text(encoding="utf-8") == _generator().render(), (
        "run: uv run python infra/grafana/concierge_dashboard.py"
        " > infra/grafana/dashboards/concierge.json"
    )


def test_every_panel_has_a_unique_id_a_title_and_the_provisioned_datasource() -> None:
    datasources = {source["uid"]: source for source in _provisioning("datasources")["datasources"]}
    panels = _panels()
    assert len({panel["id"] for panel in panels}) == len(panels)
    for panel in panels:
        assert panel["title"].strip()
        uid = panel["datasource"]["uid"]
        assert datasources[uid]["type"] == panel["datasource"]["type"] == "prometheus"
        assert panel["targets"], f"{panel['title']} queries nothing"
        for target in panel["targets"]:
            assert target["datasource"]["uid"] == uid
        assert len({target["refId"] for target in panel["targets"]}) == len(panel["targets"])


def test_panels_do_not_overlap_on_the_grid() -> None:
    taken: set[tuple[int, int]] = set()
    for panel in _panels():
        grid = panel["gridPos"]
        assert grid["x"] + grid["w"] <= 24
        cells = {
            (x, y)
            for x in range(grid["x"], grid["x"] + grid["w"])
            for y in range(grid["y"], grid["y"] + grid["h"])
        }
        assert not cells & taken, f"{panel['title']} overlaps another panel"
        taken |= cells


@pytest.mark.parametrize(("panel", "expr"), _targets(), ids=[name for name, _ in _targets()])
def test_every_query_is_promql_naming_exported_metrics_and_labels(panel: str, expr: str) -> None:
    assert problems(expr) == [], f"{panel}: {expr}"


def test_the_dashboard_shows_the_concierge_kpis() -> None:
    """The issue's list: each KPI is read from the metric that measures it."""
    wanted = {
        "concierge_store_sessions_started_total",  # conversations per hour, containment
        "concierge_store_handoffs_opened_total",  # containment
        "concierge_store_handoff_reasons_total",  # handoffs by reason
        "concierge_handoff_first_staff_reply_seconds_bucket",  # time to first human answer
        "concierge_gateway_reply_latency_seconds_bucket",  # answer latency
        "jetstream_consumer_num_pending",  # queue depth per flow
        "concierge_bus_messages_handled_total",  # redeliveries per flow
        "concierge_bus_dead_letters_total",  # dead letters
        "jetstream_stream_total_messages",  # the dead-letter stream's depth
        "concierge_waha_session_status",
        "concierge_gateway_send_failures_total",
        "concierge_ai_claude_request_seconds_bucket",  # LLM latency
        "concierge_ai_claude_tokens_total",  # tokens by kind, cache hit share
        "concierge_ai_claude_cost_usd_total",  # estimated cost per day
    }
    shown = set().union(*(metric_names(expr) for _, expr in _targets()))
    assert wanted <= shown, sorted(wanted - shown)


def test_no_query_groups_by_a_person_a_conversation_or_a_message() -> None:
    for _, expr in _targets():
        for metric in metric_names(expr):
            labels = labels_of(metric) or frozenset()
            assert not {"chat_id", "conversation_id", "message_id", "phone", "user_id"} & labels


def test_grafana_provisions_prometheus_jaeger_and_the_dashboard_folder() -> None:
    sources = {source["uid"]: source for source in _provisioning("datasources")["datasources"]}
    assert sources["prometheus"]["url"] == "http://prometheus:9090"
    assert sources["prometheus"]["isDefault"] is True
    assert (sources["jaeger"]["type"], sources["jaeger"]["url"]) == (
        "jaeger",
        "http://jaeger:16686",
    )
    [provider] = _provisioning("dashboards")["providers"]
    assert provider["type"] == "file"
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
    mounts = compose["services"]["grafana"]["volumes"]
    assert f"./infra/grafana/dashboards:{provider['options']['path']}:ro" in mounts
    assert "./infra/grafana/provisioning:/etc/grafana/provisioning:ro" in mounts
    assert _dashboard()["uid"] == "concierge"
