"""What Prometheus can know, and whether a PromQL expression names only that.

The catalogue is the services' own metric registries (every module that declares
metrics, imported) plus ``infra/prometheus/external_metrics.yml`` (the NATS exporter,
``up``). :func:`problems` parses an expression (Grafana's ``$__...`` variables given
a plain duration first) and walks it: each selector must name a known metric and
filter only on its labels; each ``by``/``without``/``on``/``ignoring``/``group_left``
label must be one of the selected metrics' labels, a target label (job, instance),
``le`` or a label ``label_replace`` creates.
"""

from __future__ import annotations

import importlib
import re
from functools import cache
from pathlib import Path
from typing import Any

import promql_parser
import yaml
from prometheus_client import REGISTRY

ROOT = Path(__file__).resolve().parents[2]
EXTERNAL = ROOT / "infra" / "prometheus" / "external_metrics.yml"
METRIC_MODULES = (
    "concierge_common.bus.metrics",
    "gateway.metrics",
    "router.metrics",
    "ai.metrics",
    "ai.language",
    "ai.ranking",
    "handoff.metrics",
    "store.metrics",
)
# Labels Prometheus adds to every scraped series, and the histogram bucket label.
TARGET_LABELS = frozenset({"job", "instance", "le"})
_SUFFIXES = ("_total", "_bucket", "_count", "_sum", "_created")
# Expressions that only wrap another one.
_WRAPPERS = (promql_parser.ParenExpr, promql_parser.UnaryExpr, promql_parser.SubqueryExpr)
_GRAFANA_VARIABLE = re.compile(r"\$__(rate_interval|interval|range)\b")


def grafana_free(expr: str) -> str:
    """``expr`` with Grafana's interval variables replaced by a plain duration."""
    return _GRAFANA_VARIABLE.sub("5m", expr)


@cache
def _external() -> dict[str, frozenset[str]]:
    document = yaml.safe_load(EXTERNAL.read_text(encoding="utf-8"))
    return {name: frozenset(labels) for name, labels in document["metrics"].items()}


@cache
def _registry() -> dict[str, Any]:
    for module in METRIC_MODULES:
        importlib.import_module(module)
    return dict(REGISTRY._names_to_collectors)  # the registry's index of sample names


def labels_of(metric: str) -> frozenset[str] | None:
    """The labels of ``metric`` (a sample name: _total, _bucket... accepted); None when
    nothing Prometheus scrapes exports it."""
    if metric in _external():
        return _external()[metric]
    names = _registry()
    for candidate in (metric, *(metric.removesuffix(s) for s in _SUFFIXES)):
        collector = names.get(candidate)
        if collector is not None:
            return frozenset(getattr(collector, "_labelnames", ()))
    return None


def metric_names(expr: str) -> set[str]:
    """The metric names ``expr`` selects."""
    found: set[str] = set()
    _walk(promql_parser.parse(grafana_free(expr)), found, set(), set())
    return found


def problems(expr: str) -> list[str]:
    """Why ``expr`` cannot work against what is exported (empty: it can)."""
    try:
        tree = promql_parser.parse(grafana_free(expr))
    except ValueError as exc:
        return [f"not PromQL: {exc}"]
    names: set[str] = set()
    known: set[str] = set(TARGET_LABELS)
    used: set[str] = set()
    issues = _walk(tree, names, known, used)
    issues += [f"no metric has the label {label!r}" for label in sorted(used - known)]
    return issues


def _walk(node: Any, names: set[str], known: set[str], used: set[str]) -> list[str]:
    """Collect selected metrics (``names``), their labels (``known``) and the labels the
    expression groups or matches on (``used``); return the selectors' problems."""
    issues: list[str] = []
    if isinstance(node, promql_parser.MatrixSelector):
        return _walk(node.vector_selector, names, known, used)
    if isinstance(node, promql_parser.VectorSelector):
        return _selector(node, names, known)
    if isinstance(node, promql_parser.AggregateExpr):
        if node.modifier is not None:
            used.update(node.modifier.labels)
        issues += _walk(node.expr, names, known, used)
    elif isinstance(node, promql_parser.BinaryExpr):
        modifier = node.modifier
        if modifier is not None and modifier.matching is not None:
            used.update(modifier.matching.labels)
        if modifier is not None:
            used.update(modifier.group_labels or ())
        issues += _walk(node.lhs, names, known, used)
        issues += _walk(node.rhs, names, known, used)
    elif isinstance(node, promql_parser.Call):
        if node.func.name == "label_replace":  # (vector, dst, replacement, src, regex)
            known.add(node.args[1].val)
            used.add(node.args[3].val)
        elif node.func.name == "label_join":  # (vector, dst, separator, src...)
            known.add(node.args[1].val)
            used.update(arg.val for arg in node.args[3:])
        for arg in node.args:
            issues += _walk(arg, names, known, used)
    elif isinstance(node, _WRAPPERS):
        issues += _walk(node.expr, names, known, used)
    return issues


def _selector(node: Any, names: set[str], known: set[str]) -> list[str]:
    if not node.name:
        return ["a selector without a metric name"]
    names.add(node.name)
    labels = labels_of(node.name)
    if labels is None:
        return [f"nothing exports {node.name}"]
    known.update(labels)
    allowed = labels | TARGET_LABELS
    return [
        f"{node.name} has no label {matcher.name!r}"
        for matcher in node.matchers.matchers
        if matcher.name not in allowed
    ]
