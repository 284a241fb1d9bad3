"""The alerting rules are valid PromQL and name metrics and labels the services export.

A rule about a metric that was renamed never fires: each ``concierge_*`` metric in
``infra/prometheus/alerts.yml``, each label it is filtered on and each label it is
grouped by must exist in the services' metric registries.
"""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "infra" / "prometheus" / "alerts.yml"
METRIC_MODULES = (
    "concierge_common.metrics",
    "gateway.metrics",
    "router.metrics",
    "ai.metrics",
    "handoff.metrics",
    "store.metrics",
)
_SELECTOR = re.compile(r"\b(concierge_\w+)(\{[^}]*\})?")
_MATCHER = re.compile(r"(\w+)\s*(?:=~|!~|!=|=)")
_GROUPING = re.compile(r"\bby\s*\(([^)]*)\)")
_SUFFIXES = ("_bucket", "_count", "_sum")
# Labels Prometheus adds to every scraped series, and the histogram bucket label.
_TARGET_LABELS = frozenset({"job", "instance", "le"})


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def _label_names(metric: str) -> set[str]:
    for module in METRIC_MODULES:
        importlib.import_module(module)
    names = REGISTRY._names_to_collectors  # the registry's index of sample names
    collector = names.get(metric) or names.get(metric.removesuffix("_total"))
    if collector is None:
        for suffix in _SUFFIXES:
            collector = collector or names.get(metric.removesuffix(suffix))
    assert collector is not None, f"no service exports {metric}"
    return set(getattr(collector, "_labelnames", ()))


def test_the_rules_file_is_referenced_by_prometheus() -> None:
    config = yaml.safe_load((ALERTS.parent / "prometheus.yml").read_text(encoding="utf-8"))
    assert "alerts.yml" in config["rule_files"]


@pytest.mark.parametrize("rule", _rules(), ids=lambda rule: rule["alert"])
def test_every_rule_is_valid_promql(rule: dict[str, Any]) -> None:
    promql_parser.parse(rule["expr"])  # ValueError, with the position, when it is not


@pytest.mark.parametrize("rule", _rules(), ids=lambda rule: rule["alert"])
def test_every_rule_names_exported_metrics_and_labels(rule: dict[str, Any]) -> None:
    expr = rule["expr"]
    assert rule["labels"]["severity"] in ("critical", "warning")
    assert rule["annotations"]["summary"]
    known: set[str] = set(_TARGET_LABELS)
    for metric, matchers in _SELECTOR.findall(expr):
        labels = _label_names(metric)
        known |= labels
        for label in _MATCHER.findall(matchers):
            assert label in labels, f"{metric} has no label {label!r}"
    for grouping in _GROUPING.findall(expr):
        for label in (part.strip() for part in grouping.split(",")):
            assert label in known, f"{rule['alert']} groups by unknown label {label!r}"
