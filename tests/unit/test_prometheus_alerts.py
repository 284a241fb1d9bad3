"""The alerting rules are valid PromQL and name metrics and labels the services export.

A rule about a metric that was renamed never fires: each metric in
``infra/prometheus/alerts.yml``, each label it is filtered on and each label it is
grouped or matched by must exist in the services' metric registries (or, for JetStream's
own metrics, infra/prometheus/external_metrics.yml): support.promql_catalogue, which
checks the Grafana dashboard's queries the same way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import promql_parser
import pytest
import yaml

from support.promql_catalogue import problems

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "infra" / "prometheus" / "alerts.yml"


def _rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(ALERTS.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


def test_the_rules_file_is_referenced_by_prometheus() -> None:
    config = yaml.safe_load((ALERTS.parent / "prometheus.yml").read_text(encoding="utf-8"))
    assert "alerts.yml" in config["rule_files"]


@pytest.mark.parametrize("rule", _rules(), ids=lambda rule: rule["alert"])
def test_every_rule_is_valid_promql(rule: dict[str, Any]) -> None:
    promql_parser.parse(rule["expr"])  # ValueError, with the position, when it is not


@pytest.mark.parametrize("rule", _rules(), ids=lambda rule: rule["alert"])
def test_every_rule_names_exported_metrics_and_labels(rule: dict[str, Any]) -> None:
    assert rule["labels"]["severity"] in ("critical", "warning")
    assert rule["annotations"]["summary"]
    assert problems(rule["expr"]) == [], rule["alert"]
