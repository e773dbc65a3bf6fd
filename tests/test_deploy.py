"""What can be checked of the compose deployment without a Docker engine."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from petitionflow.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]


def test_services_present() -> None:
    assert {
        "postgresql",
        "temporal-schema",
        "temporal",
        "temporal-namespace",
        "temporal-ui",
        "migrate",
        "worker",
        "api",
    } <= set(SERVICES)


def test_images_are_pinned() -> None:
    for name, service in SERVICES.items():
        image = service.get("image")
        assert image, name
        assert re.search(r":\d+(\.\d+)+$", image), f"{name}: {image} is not pinned"
    assert "auto-setup" not in (ROOT / "docker-compose.yml").read_text()


def test_app_services_get_every_setting_they_need() -> None:
    raw = (ROOT / "docker-compose.yml").read_text()
    known = {f"PETITIONFLOW_{n.upper()}" for n in Settings.model_fields}
    for name in ("migrate", "worker", "api"):
        env = SERVICES[name]["environment"]
        assert set(env) <= known, set(env) - known
        for needed in (
            "PETITIONFLOW_ENV",
            "PETITIONFLOW_DATABASE_URL",
            "PETITIONFLOW_TEMPORAL_ADDRESS",
            "PETITIONFLOW_SECRET_KEY",
            "PETITIONFLOW_CODEC_KEYS",
        ):
            assert needed in env, (name, needed)
        assert SERVICES[name]["environment"]["PETITIONFLOW_ENV"] == "prod"
    assert "${PETITIONFLOW_SECRET_KEY:?" in raw and "${POSTGRES_PASSWORD:?" in raw
    assert "${PETITIONFLOW_CODEC_KEYS:?" in raw


def test_namespace_job_registers_every_search_attribute() -> None:
    from workflows import search_attributes

    script = (ROOT / "deploy/temporal/create-namespace.sh").read_text()
    kinds = {"KEYWORD": "Keyword", "DATETIME": "Datetime", "BOOL": "Bool"}
    for key in search_attributes.ALL:
        kind = kinds[key.indexed_value_type.name]
        assert f"{key.name}:{kind}" in script


def test_health_and_order() -> None:
    for name in ("postgresql", "temporal", "api"):
        assert "healthcheck" in SERVICES[name], name
    assert SERVICES["temporal"]["environment"]["NUM_HISTORY_SHARDS"] >= 4
    assert SERVICES["temporal"]["depends_on"]["temporal-schema"]["condition"] == (
        "service_completed_successfully"
    )
    for name in ("worker", "api"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == (
            "service_completed_successfully"
        )
    assert SERVICES["temporal-namespace"]["environment"]["NAMESPACE_RETENTION"] == "30d"
    assert SERVICES["api"]["ports"] == ["8000:8000"]


def test_dockerfile_builds_the_package_make_dev_runs() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    packages = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "packages"
    ]["find"]["include"]
    for pattern in packages:
        assert f"COPY {pattern.rstrip('*')} " in dockerfile, pattern
    assert 'ENTRYPOINT ["petitionflow"]' in dockerfile
    for script in ("setup-postgres.sh", "create-namespace.sh"):
        assert (ROOT / "deploy/temporal" / script).stat().st_mode & 0o111
