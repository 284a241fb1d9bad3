"""Writes the concierge's Grafana dashboard (infra/grafana/dashboards/concierge.json).

    uv run python infra/grafana/concierge_dashboard.py > infra/grafana/dashboards/concierge.json

The panels are declared here, in order, with their PromQL; a unit test
(tests/unit/test_dashboard_queries.py) fails while the committed JSON differs from
what this prints, and checks every query names metrics and labels that are exported.
Labels stay bounded: service, flow, outcome, reason, kind... never a person,
a conversation or a message.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from typing import Any

DATASOURCE = {"type": "prometheus", "uid": "prometheus"}
WIDTH = 24  # Grafana's grid


@dataclass(frozen=True)
class Query:
    expr: str
    legend: str = ""


@dataclass(frozen=True)
class Panel:
    title: str
    description: str
    queries: tuple[Query, ...]
    kind: str = "timeseries"  # or stat, table
    unit: str = "short"
    width: int = 8
    height: int = 8
    extra: dict[str, Any] = field(default_factory=dict)


def q(expr: str, legend: str = "") -> Query:
    return Query(" ".join(expr.split()), legend)


def quantiles(metric: str, by: str = "") -> tuple[Query, ...]:
    """p50, p95 and p99 of the histogram ``metric`` (its _bucket series)."""
    group = f"le, {by}" if by else "le"
    suffix = f" {{{{{by}}}}}" if by else ""
    return tuple(
        q(
            f"histogram_quantile({p}, sum by ({group}) (rate({metric}_bucket[$__rate_interval])))",
            f"p{round(p * 100)}{suffix}",
        )
        for p in (0.5, 0.95, 0.99)
    )


# Consumers are named <service>-<flow>-<partition> (concierge_common.bus.topology): the
# consumers of the conversation stream, per flow.
_FLOW_OF_CONSUMER = '"flow", "$2", "consumer_name", "(.+)-([a-z]+)-[0-9]+"'


def per_flow(metric: str) -> str:
    """``metric`` of the conversation stream's consumers, summed by flow."""
    selector = f'{metric}{{stream_name=~".*CHAT"}}'
    return f"sum by (flow) (label_replace({selector}, {_FLOW_OF_CONSUMER}))"


PANELS: tuple[Panel, ...] = (
    # --- Conversations -----------------------------------------------------------------
    Panel(
        "Conversations per hour",
        "Conversations started (a session created for a person who had none open).",
        (q("sum(increase(concierge_store_sessions_started_total[1h]))", "started"),),
    ),
    Panel(
        "Containment (24 h)",
        "Share of the conversations started in the last 24 h that no human took: 1 - "
        "handoffs opened / conversations started (both counted by the store).",
        (
            q(
                """1 - sum(increase(concierge_store_handoffs_opened_total[24h]))
                / clamp_min(sum(increase(concierge_store_sessions_started_total[24h])), 1)"""
            ),
        ),
        kind="stat",
        unit="percentunit",
        width=4,
    ),
    Panel(
        "Handoffs (24 h)",
        "Handoffs to a human opened in the last 24 h.",
        (q("sum(increase(concierge_store_handoffs_opened_total[24h]))"),),
        kind="stat",
        width=4,
    ),
    Panel(
        "Handoffs by reason",
        "Handoffs opened per hour, by the reason code the opener gave.",
        (
            q(
                "sum by (reason) (increase(concierge_store_handoff_reasons_total[1h]))",
                "{{reason}}",
            ),
        ),
        extra={"stack": True},
    ),
    Panel(
        "Handoffs by who asked",
        "Handoffs opened per hour: the person, the assistant, an error, a code lockout, "
        "or staff answering from the phone (operator).",
        (
            q(
                "sum by (requested_by) (increase(concierge_store_handoffs_opened_total[1h]))",
                "{{requested_by}}",
            ),
        ),
        extra={"stack": True},
    ),
    Panel(
        "Time to first human answer",
        "From a handoff's opening to the first staff answer relayed by the desk.",
        quantiles("concierge_handoff_first_staff_reply_seconds"),
        unit="s",
    ),
    Panel(
        "Answer latency (message in, reply sent)",
        "From a person's message reaching the gateway to its reply sent through WAHA "
        "(typing pauses and retries included).",
        quantiles("concierge_gateway_reply_latency_seconds"),
        unit="s",
    ),
    Panel(
        "Assistant answers by outcome",
        "Turns handled by ai per hour, by outcome.",
        (q("sum by (outcome) (increase(concierge_ai_answers_total[1h]))", "{{outcome}}"),),
        extra={"stack": True},
    ),
    Panel(
        "Router decisions",
        "Turns per hour by what the router decided.",
        (
            q(
                "sum by (decision) (increase(concierge_router_decisions_total[1h]))",
                "{{decision}}",
            ),
        ),
        extra={"stack": True},
    ),
    # --- The bus -----------------------------------------------------------------------
    Panel(
        "Queue depth per flow (JetStream)",
        "Messages stored and not yet delivered, per flow, summed over its partitions' "
        "consumers (nats-exporter).",
        (
            q(
                per_flow("jetstream_consumer_num_pending"),
                "{{flow}}",
            ),
        ),
    ),
    Panel(
        "Held by the replicas per flow",
        "Deliveries waiting in a conversation's mailbox, and handlers running.",
        (
            q("sum by (flow) (concierge_bus_mailbox_depth)", "waiting {{flow}}"),
            q("sum by (flow) (concierge_bus_in_flight)", "running {{flow}}"),
        ),
    ),
    Panel(
        "Oldest waiting per flow",
        "Age of the delivery that has waited longest in a mailbox (alert above 60 s).",
        (
            q(
                "max by (service, flow) (concierge_bus_oldest_waiting_seconds)",
                "{{service}} {{flow}}",
            ),
        ),
        unit="s",
    ),
    Panel(
        "Redeliveries per flow",
        "Deliveries retried after a failure (per second), and JetStream's count of "
        "redelivered messages still pending.",
        (
            q(
                """sum by (flow) (rate(
                concierge_bus_messages_handled_total{outcome="retried"}[$__rate_interval]))""",
                "retried {{flow}}",
            ),
            q(
                per_flow("jetstream_consumer_num_redelivered"),
                "redelivered {{flow}}",
            ),
        ),
    ),
    Panel(
        "Dead letters",
        "Deliveries moved to the dead-letter stream per hour, by service, flow and reason.",
        (
            q(
                """sum by (service, flow, reason) (
                increase(concierge_bus_dead_letters_total[1h]))""",
                "{{service}} {{flow}} {{reason}}",
            ),
        ),
        extra={"stack": True},
    ),
    Panel(
        "Dead-letter stream depth",
        "Messages kept in the dead-letter stream (DLQ), read or not.",
        (q('sum(jetstream_stream_total_messages{stream_name=~".*DLQ"})'),),
        kind="stat",
        width=4,
    ),
    Panel(
        "Replicas up",
        "Replicas Prometheus scrapes, per job (each scaled replica is one target).",
        (q("sum by (job) (up)", "{{job}}"),),
        kind="stat",
        width=4,
    ),
    # --- WhatsApp ----------------------------------------------------------------------
    Panel(
        "WAHA session status",
        "The status each WhatsApp session last reported (WORKING is the only good one).",
        (q("max by (session, status) (concierge_waha_session_status) == 1", "{{session}}"),),
        kind="table",
        extra={"instant": True},
    ),
    Panel(
        "Send failures by kind",
        "Replies WAHA refused for good per hour (timelock, rejected...), by origin.",
        (
            q(
                """sum by (reason, origin) (
                increase(concierge_gateway_send_failures_total[1h]))""",
                "{{reason}} ({{origin}})",
            ),
        ),
        extra={"stack": True},
    ),
    Panel(
        "WAHA requests by status",
        "Requests to WAHA's API per second, by status (error: no response).",
        (
            q(
                "sum by (status) (rate(concierge_waha_requests_total[$__rate_interval]))",
                "{{status}}",
            ),
        ),
    ),
    # --- The language model ------------------------------------------------------------
    Panel(
        "LLM latency",
        "One Claude request, the SDK's retries included.",
        quantiles("concierge_ai_claude_request_seconds"),
        unit="s",
    ),
    Panel(
        "Tokens by kind",
        "Claude tokens per hour: input (not from the cache), output, cache reads, cache writes.",
        (q("sum by (kind) (increase(concierge_ai_claude_tokens_total[1h]))", "{{kind}}"),),
        extra={"stack": True},
    ),
    Panel(
        "Prompt cache hit share",
        "Share of the input tokens read from Claude's prompt cache over the last hour.",
        (
            q(
                """sum(increase(concierge_ai_claude_tokens_total{kind="cache_read"}[1h]))
                / clamp_min(sum(increase(
                concierge_ai_claude_tokens_total{kind=~"input|cache_read|cache_write"}[1h])), 1)"""
            ),
        ),
        kind="stat",
        unit="percentunit",
        width=4,
    ),
    Panel(
        "Estimated cost per day",
        "Claude's estimated cost over the last 24 h, from the configured prices (USD).",
        (q("sum(increase(concierge_ai_claude_cost_usd_total[1d]))"),),
        kind="stat",
        unit="currencyUSD",
        width=4,
    ),
    Panel(
        "Claude turns by outcome",
        "Turns Claude handled per hour: answered, handoff, rejected (a failed check), error.",
        (
            q(
                "sum by (outcome) (increase(concierge_ai_claude_turns_total[1h]))",
                "{{outcome}}",
            ),
        ),
        extra={"stack": True},
    ),
)


def _target(query: Query, ref: int, *, instant: bool) -> dict[str, Any]:
    target: dict[str, Any] = {
        "datasource": DATASOURCE,
        "expr": query.expr,
        "legendFormat": query.legend or "__auto",
        "refId": chr(ord("A") + ref),
    }
    if instant:
        target |= {"instant": True, "range": False, "format": "table"}
    return target


def _panel(panel: Panel, panel_id: int, x: int, y: int) -> dict[str, Any]:
    instant = bool(panel.extra.get("instant")) or panel.kind == "stat"
    custom: dict[str, Any] = {}
    if panel.kind == "timeseries":
        custom = {"fillOpacity": 10, "lineWidth": 1}
        if panel.extra.get("stack"):
            custom["stacking"] = {"mode": "normal", "group": "A"}
    return {
        "id": panel_id,
        "type": panel.kind,
        "title": panel.title,
        "description": panel.description,
        "datasource": DATASOURCE,
        "gridPos": {"h": panel.height, "w": panel.width, "x": x, "y": y},
        "fieldConfig": {"defaults": {"unit": panel.unit, "custom": custom}, "overrides": []},
        "options": {"reduceOptions": {"calcs": ["lastNotNull"]}} if panel.kind == "stat" else {},
        "targets": [_target(query, i, instant=instant) for i, query in enumerate(panel.queries)],
    }


def dashboard() -> dict[str, Any]:
    """The dashboard, panels laid out left to right, then row after row."""
    panels, x, y, row_height = [], 0, 0, 0
    for panel_id, panel in enumerate(PANELS, start=1):
        if x + panel.width > WIDTH:
            x, y, row_height = 0, y + row_height, 0
        panels.append(_panel(panel, panel_id, x, y))
        x, row_height = x + panel.width, max(row_height, panel.height)
    return {
        "uid": "concierge",
        "title": "Concierge",
        "description": "Conversations, handoffs, latency, the bus, WhatsApp and the LLM.",
        "tags": ["concierge"],
        "timezone": "browser",
        "editable": False,
        "schemaVersion": 39,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-24h", "to": "now"},
        "panels": panels,
        "templating": {"list": []},
        "annotations": {"list": []},
    }


def render() -> str:
    return json.dumps(dashboard(), indent=2, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    sys.stdout.write(render())
