"""What the alerts and the dashboard read is what the running concierge serves, from the
processes Prometheus's jobs scrape.

The six deployables run as real processes, configured as ``docker-compose.yml``
configures them (:mod:`support.replicas`, one replica each: the gateway's ``api`` and
``outbound`` roles, router, ai, handoff, store). Each scrape job of
``infra/prometheus/prometheus.yml`` is mapped to the process it would scrape through the
compose service it names (its image says which service, its ``GATEWAY_ROLES`` which
role). The test drives traffic through them: a ``session.status`` webhook, one
message whose reply WhatsApp refuses (463) and one that is answered. Then it reads every
process's ``/metrics`` and checks, for every expression in ``alerts.yml`` and the
dashboard:

* **names**: each metric is declared (a ``# TYPE`` line) by at least one scraped
  process, or is JetStream's (``external_metrics.yml``). prometheus_client declares a
  family as soon as its module is imported, labelled or not, samples or not;
* **jobs**: the processes declaring a ``concierge_<service>_`` metric are all scraped
  by that service's jobs (``concierge_waha_``: the gateway's; ``concierge_bus_``: any),
  and the metrics in :data:`COUNTED_BY` count (a sample above 0) in the process of that
  one job only (e.g. refused replies in what ``gateway-outbound`` scrapes, not the API);
* **labels**: a labelled metric shows its labels only once it has a sample, so labels
  are checked on the metrics that have samples once the traffic went through (each
  label an expression filters, groups or matches that metric on is on every sample of
  it). The metrics still without a sample then (dead letters, Claude's calls...) have
  their labels checked against the code's definitions only (tests/unit/
  test_prometheus_alerts.py, test_dashboard_queries.py).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import promql_parser
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from support import fixtures
from support.polling import eventually
from support.promql_catalogue import EXTERNAL, grafana_free
from support.replicas import Deployment, running_deployment
from support.service_processes import ServiceProcess

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "infra" / "prometheus"
DASHBOARD = ROOT / "infra" / "grafana" / "dashboards" / "concierge.json"
COMPOSE = ROOT / "docker-compose.yml"
SUFFIXES = ("_total", "_bucket", "_count", "_sum")
TARGET_LABELS = frozenset({"job", "instance"})  # added by Prometheus, not by a process
SERVICES = ("gateway", "router", "ai", "handoff", "store")

# Metrics the alerts or the dashboard read that one process only counts, by the job
# scraping it; the traffic below gives each a sample.
COUNTED_BY = {
    "concierge_gateway_send_failures_total": "gateway-outbound",
    "concierge_gateway_reply_latency_seconds_bucket": "gateway-outbound",
    "concierge_gateway_webhook_duration_seconds_bucket": "gateway",
    "concierge_waha_session_status": "gateway",
    "concierge_router_decisions_total": "router",
    "concierge_store_sessions_started_total": "store",
    "concierge_store_handoffs_opened_total": "store",
}


@dataclass(frozen=True)
class Target:
    """A scrape job and the process it scrapes."""

    job: str
    service: str  # the Python service the compose service's image runs
    roles: str  # its GATEWAY_ROLES ("" when it sets none)


@dataclass(frozen=True)
class Page:
    """One process's /metrics: declared families and samples (name, labels)."""

    declared: frozenset[str]
    samples: tuple[tuple[str, frozenset[str], float], ...]

    @classmethod
    def parse(cls, text: str) -> Page:
        declared = {line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")}
        samples = tuple(
            (sample.name, frozenset(sample.labels), float(sample.value))
            for family in text_string_to_metric_families(text)
            for sample in family.samples
        )
        return cls(frozenset(declared), samples)

    def declares(self, metric: str) -> bool:
        candidates = {metric, *(metric.removesuffix(suffix) for suffix in SUFFIXES)}
        return bool(candidates & self.declared)

    def labels_of(self, metric: str) -> list[frozenset[str]]:
        """The label names of each sample of ``metric`` (a sample name: _total, _bucket...)."""
        return [labels for name, labels, _ in self.samples if name == metric]

    def counts(self, metric: str) -> bool:
        """Whether a sample of ``metric`` is above 0 (an unlabelled metric has a sample of
        0 in every process that imports it)."""
        return any(name == metric and value > 0 for name, _, value in self.samples)


def _targets() -> list[Target]:
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text(encoding="utf-8"))
    compose = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))["services"]
    targets = []
    for job in config["scrape_configs"]:
        for discovery in job.get("dns_sd_configs", []):
            for host in discovery["names"]:
                spec = compose[host]
                roles = (spec.get("environment") or {}).get("GATEWAY_ROLES", "")
                service = spec["image"].removeprefix("concierge-")
                targets.append(Target(job["job_name"], service, roles))
    return targets


def _expressions() -> list[str]:
    alerts = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text(encoding="utf-8"))
    rules = [rule["expr"] for group in alerts["groups"] for rule in group["rules"]]
    dashboard = json.loads(DASHBOARD.read_text(encoding="utf-8"))
    queries = [target["expr"] for panel in dashboard["panels"] for target in panel["targets"]]
    return rules + queries


def _external() -> set[str]:
    return set(yaml.safe_load(EXTERNAL.read_text(encoding="utf-8"))["metrics"])


def _reads(node: Any, labels: frozenset[str] = frozenset()) -> Iterator[tuple[str, frozenset[str]]]:
    """(metric, the labels the expression reads of it): its matchers, and the labels the
    aggregations and vector matchings above it group or match on (less those a
    label_replace/label_join makes, plus the ones they read)."""
    if isinstance(node, promql_parser.MatrixSelector):
        yield from _reads(node.vector_selector, labels)
    elif isinstance(node, promql_parser.VectorSelector):
        assert node.name, "a selector without a metric name"
        matched = {matcher.name for matcher in node.matchers.matchers}
        yield node.name, frozenset(labels | matched)
    elif isinstance(node, promql_parser.AggregateExpr):
        grouped = node.modifier.labels if node.modifier is not None else ()
        yield from _reads(node.expr, labels | frozenset(grouped))
    elif isinstance(node, promql_parser.BinaryExpr):
        matched = set()
        if node.modifier is not None:
            if node.modifier.matching is not None:
                matched.update(node.modifier.matching.labels)
            matched.update(node.modifier.group_labels or ())
        yield from _reads(node.lhs, labels | matched)
        yield from _reads(node.rhs, labels | matched)
    elif isinstance(node, promql_parser.Call):
        name = node.func.name
        if name in ("label_replace", "label_join"):
            read = [node.args[3]] if name == "label_replace" else node.args[3:]
            labels = (labels - {node.args[1].val}) | {arg.val for arg in read}
        for arg in node.args:
            yield from _reads(arg, labels)
    elif isinstance(
        node, promql_parser.ParenExpr | promql_parser.UnaryExpr | promql_parser.SubqueryExpr
    ):
        yield from _reads(node.expr, labels)


def _read_by_expressions() -> dict[str, frozenset[str]]:
    """Every metric the alerts and the dashboard read, with the labels they read of it."""
    reads: dict[str, frozenset[str]] = {}
    for expr in _expressions():
        for metric, labels in _reads(promql_parser.parse(grafana_free(expr))):
            reads[metric] = reads.get(metric, frozenset()) | (labels - TARGET_LABELS)
    return reads


def _owner_jobs(metric: str, targets: list[Target]) -> set[str]:
    """The jobs whose processes may declare ``metric``, by its name."""
    service = metric.removeprefix("concierge_").split("_", 1)[0]
    if service == "bus":
        return {target.job for target in targets}
    if service == "waha":
        service = "gateway"
    assert service in SERVICES, f"{metric} names no service"
    return {target.job for target in targets if target.service == service}


def _process_of(target: Target, deployment: Deployment) -> ServiceProcess:
    [process] = [
        process
        for process in deployment.processes()
        if process.service == target.service
        and (target.service != "gateway" or process.env.get("GATEWAY_ROLES") == target.roles)
    ]
    return process


async def _pages(
    deployment: Deployment, targets: list[Target], http: httpx.AsyncClient
) -> dict[str, Page]:
    pages = {}
    for target in targets:
        process = _process_of(target, deployment)
        response = await http.get(f"http://127.0.0.1:{process.health_port}/metrics")
        response.raise_for_status()
        pages[target.job] = Page.parse(response.text)
    return pages


def _counted_by(metric: str, pages: dict[str, Page]) -> set[str]:
    return {job for job, page in pages.items() if page.counts(metric)}


async def _drive(deployment: Deployment) -> None:
    """A session status, a reply WhatsApp refuses (463), a reply sent."""
    status = fixtures.fresh(fixtures.load("session-status-working-webjs-normalized.json"))
    assert (await deployment.post(status)).status_code == 200
    deployment.waha.fail_next(1, 463, {"message": "reachout timelock"})
    refused = fixtures.text_message("33600000811@c.us", "Quels sont les horaires des messes ?")
    assert (await deployment.post(refused)).status_code == 200
    # The refusal is counted before the next message may take the scripted failure.
    outbound = _process_of(Target("", "gateway", "outbound"), deployment)
    await eventually(
        lambda: _counted(outbound, deployment, "concierge_gateway_send_failures_total")
    )
    answered = fixtures.text_message("33600000812@c.us", "Quand est ouvert l'accueil ?")
    assert (await deployment.post(answered)).status_code == 200


async def _counted(process: ServiceProcess, deployment: Deployment, metric: str) -> bool:
    return (await process.metrics(deployment.http)).value(metric) > 0


async def test_the_alerts_and_dashboard_read_what_the_scraped_processes_export(
    env: dict[str, str], tmp_path: Path
) -> None:
    targets = _targets()
    reads = _read_by_expressions()
    external = _external()
    assert {target.job for target in targets} >= set(COUNTED_BY.values())
    assert set(COUNTED_BY) <= set(reads), "COUNTED_BY names a metric nothing reads"
    async with running_deployment(env, tmp_path, replicas=1) as deployment:
        await _drive(deployment)

        async def counted_everywhere() -> dict[str, Page] | None:
            pages = await _pages(deployment, targets, deployment.http)
            done = all(pages[job].counts(metric) for metric, job in COUNTED_BY.items())
            return pages if done else None

        pages = await eventually(counted_everywhere)

    own = {metric: labels for metric, labels in reads.items() if metric not in external}
    undeclared = [m for m in own if not any(page.declares(m) for page in pages.values())]
    assert undeclared == [], "read by an alert or a panel, served by no scraped process"

    for metric in own:
        declaring = {job for job, page in pages.items() if page.declares(metric)}
        assert declaring <= _owner_jobs(metric, targets), (metric, declaring)
    for metric, job in COUNTED_BY.items():
        assert _counted_by(metric, pages) == {job}, metric

    missing_labels: set[tuple[str, str]] = set()
    unsampled = []
    for metric, labels in sorted(own.items()):
        samples = [sample for page in pages.values() for sample in page.labels_of(metric)]
        if not samples:
            unsampled.append(metric)
        missing_labels |= {(metric, label) for sample in samples for label in labels - sample}
    assert missing_labels == set(), "labels an alert or a panel reads, absent from the samples"
    # What the labels were checked on, against the running processes: at least the traffic's.
    assert set(COUNTED_BY).isdisjoint(unsampled)
    print(f"labels not checked on running processes (no sample yet): {unsampled}")
