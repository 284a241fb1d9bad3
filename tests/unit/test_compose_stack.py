"""docker-compose.yml holds together, and Prometheus scrapes every replica of it.

There is no Docker engine on the project's machines: the file is read as YAML and its
structure checked (every service buildable or pulled, every network, volume, env file
and dependency it names declared, every bind mount present in the repository), and
each scrape job of infra/prometheus/prometheus.yml checked against the services (their
health port, their replicas found by DNS). Where `docker compose` exists, it also
checks the file with `docker compose config`, on throw-away .env files.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
PROMETHEUS = ROOT / "infra" / "prometheus" / "prometheus.yml"
# The compose services that run the concierge's code (one image per service, the
# gateway's in two roles), and the health port each serves /metrics on.
CONCIERGE = {
    "gateway": 9101,
    "gateway-outbound": 9101,
    "router": 9102,
    "ai": 9103,
    "handoff": 9104,
    "store": 9105,
}


def _load(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def _services() -> dict[str, dict[str, Any]]:
    return dict(_load(COMPOSE)["services"])


def _jobs() -> dict[str, dict[str, Any]]:
    return {job["job_name"]: job for job in _load(PROMETHEUS)["scrape_configs"]}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | dict) else [value]


def test_every_service_is_built_or_pulled_and_built_ones_have_their_dockerfile() -> None:
    for name, spec in _services().items():
        assert "image" in spec or "build" in spec, name
        build = spec.get("build")
        if build:
            assert (ROOT / build["context"] / build["dockerfile"]).is_file(), name
    images = {spec["image"] for spec in _services().values() if "build" in spec}
    for name, spec in _services().items():
        if spec["image"].startswith("concierge-"):
            assert spec["image"] in images, f"{name} runs an image no service builds"


def test_networks_volumes_env_files_and_dependencies_are_declared() -> None:
    document = _load(COMPOSE)
    networks, volumes = set(document["networks"]), set(document["volumes"])
    services = document["services"]
    for name, spec in services.items():
        assert set(_as_list(spec.get("networks"))) <= networks, name
        assert spec.get("networks"), f"{name} is on no declared network"
        for target in _as_list(spec.get("depends_on")):
            assert target in services, f"{name} depends on unknown {target}"
        for env_file in _as_list(spec.get("env_file")):
            assert env_file == ".env" or env_file.startswith(".nats/"), (name, env_file)
        for mount in _as_list(spec.get("volumes")):
            source = mount.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in volumes, f"{name} mounts undeclared volume {source}"


def test_every_concierge_service_has_its_health_port_and_a_scrape_job() -> None:
    services, jobs = _services(), _jobs()
    images = {
        spec["image"]: spec["build"]["args"]["HEALTH_PORT"]
        for spec in services.values()
        if "build" in spec
    }
    for name, port in CONCIERGE.items():
        assert int(images[services[name]["image"]]) == port, name
        [discovery] = jobs[name]["dns_sd_configs"]
        # DNS service discovery: every replica of a scaled service is one target.
        assert (discovery["names"], discovery["type"], discovery["port"]) == ([name], "A", port)


def test_the_outbound_role_is_scraped_since_only_it_counts_refused_replies() -> None:
    outbound = _services()["gateway-outbound"]
    assert outbound["environment"]["GATEWAY_ROLES"] == "outbound"
    assert "gateway-outbound" in _jobs()
    alerts = (PROMETHEUS.parent / "alerts.yml").read_text(encoding="utf-8")
    assert "concierge_gateway_send_failures_total" in alerts


def test_every_scrape_job_names_a_compose_service_on_a_network_prometheus_shares() -> None:
    services = _services()
    prometheus_networks = set(services["prometheus"]["networks"])
    for name, job in _jobs().items():
        targets = [f"{d['names'][0]}:{d['port']}" for d in job.get("dns_sd_configs", [])]
        for static in job.get("static_configs", []):
            targets += static["targets"]
        assert targets, name
        for target in targets:
            host = target.split(":")[0]
            assert host in services, f"job {name} scrapes unknown {host}"
            assert prometheus_networks & set(services[host]["networks"]), (name, host)


def test_prometheus_grafana_and_the_exporter_are_wired() -> None:
    services = _services()
    prometheus = services["prometheus"]
    assert "./infra/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    assert "bus" in prometheus["networks"]
    assert set(services["grafana"]["networks"]) & set(prometheus["networks"])
    assert services["grafana"]["depends_on"]["prometheus"] == {"condition": "service_healthy"}
    exporter = services["nats-exporter"]
    assert "http://nats:8222" in exporter["command"]
    assert "-jsz=all" in exporter["command"]
    # NATS serves its monitoring port (-m 8222) for the exporter and the healthcheck.
    assert "8222" in services["nats"]["command"]
    for name in ("prometheus", "grafana"):
        for port in services[name]["ports"]:
            assert port.startswith("127.0.0.1:"), f"{name} must stay on loopback"


def test_jaeger_is_optional_and_receives_otlp_over_http() -> None:
    jaeger = _services()["jaeger"]
    assert jaeger["profiles"] == ["tracing"]
    assert jaeger["environment"]["COLLECTOR_OTLP_ENABLED"] == "true"
    assert "bus" in jaeger["networks"]  # where the services send their spans
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    assert "# OTEL_EXPORTER_OTLP_ENDPOINT=http://jaeger:4318" in example


def _docker_compose() -> bool:
    if shutil.which("docker") is None:
        return False
    found = subprocess.run(
        ["docker", "compose", "version"], capture_output=True, check=False, timeout=60
    )
    return found.returncode == 0


def test_docker_compose_config_accepts_the_files(tmp_path: Path) -> None:
    if not _docker_compose():
        pytest.skip("no `docker compose` on this machine; the structural checks above ran")
    for name in ("docker-compose.yml", "docker-compose.cluster.yml"):
        shutil.copy(ROOT / name, tmp_path / name)
    secrets = "".join(
        f"{key}=not-a-real-secret-but-long-enough-000000\n"
        for key in (
            "CONVERSATION_ID_KEY",
            "WAHA_API_KEY",
            "WAHA_WEBHOOK_HMAC_KEY",
            "JWT_SECRET",
            "INTRINSIC_ID_KEY",
            "POSTGRES_PASSWORD",
            "REDIS_PASSWORD",
            "GRAFANA_ADMIN_PASSWORD",
        )
    )
    (tmp_path / ".env").write_text(secrets, encoding="utf-8")
    (tmp_path / ".nats").mkdir()
    for user in ("server", "gateway-api", "gateway-outbound", "router", "ai", "handoff", "store"):
        (tmp_path / ".nats" / f"{user}.env").write_text("", encoding="utf-8")
    for files in (["docker-compose.yml"], ["docker-compose.yml", "docker-compose.cluster.yml"]):
        command = ["docker", "compose", "--project-directory", str(tmp_path)]
        command += [arg for name in files for arg in ("-f", str(tmp_path / name))]
        checked = subprocess.run(
            [*command, "config", "--quiet"], capture_output=True, text=True, check=False
        )
        assert checked.returncode == 0, checked.stderr


def test_a_stopping_replica_is_given_longer_than_its_drain_before_sigkill() -> None:
    services = _services()
    grace = 20  # SHUTDOWN_GRACE_SECONDS' default (concierge_common.settings)
    for name in CONCIERGE:
        period = services[name]["stop_grace_period"]
        assert period.endswith("s")
        assert int(period.removesuffix("s")) > grace, name
