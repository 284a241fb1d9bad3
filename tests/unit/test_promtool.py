"""Prometheus's own checker accepts the scrape config and the alerting rules, and the
rules' unit tests pass: the alerts in ``infra/prometheus/alerts_test.yml`` fire on the
series they are about and stay quiet otherwise.

``promtool`` comes with Debian's ``prometheus`` package (.ci/run installs it when apt
is available; the package starts no daemon in a container). Without it these tests
skip, saying so; the rules are still parsed and checked against the services'
metrics by test_prometheus_alerts.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

PROMETHEUS = Path(__file__).resolve().parents[2] / "infra" / "prometheus"
PROMTOOL = shutil.which("promtool")

pytestmark = pytest.mark.skipif(
    PROMTOOL is None,
    reason="promtool is not installed (Debian: apt-get install prometheus); "
    "the rules' structural checks in test_prometheus_alerts.py still run",
)


def _promtool(*args: str) -> subprocess.CompletedProcess[str]:
    assert PROMTOOL is not None
    return subprocess.run(
        [PROMTOOL, *args], cwd=PROMETHEUS, capture_output=True, text=True, check=False
    )


def test_promtool_accepts_the_scrape_config_and_finds_its_rules() -> None:
    result = _promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS: 1 rule files found" in result.stdout


def test_promtool_accepts_every_alerting_rule() -> None:
    result = _promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_alerts_fire_on_the_series_they_watch_and_only_then() -> None:
    result = _promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout
