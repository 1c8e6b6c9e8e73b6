"""The container setup: docker-compose.yml and the Dockerfile, read as files.

No Docker engine is needed: these tests parse the files and check the properties production
relies on (one beat, health checks, start-up order, no secrets in the repository).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"

APP_SERVICES = ("web", "worker", "beat")
LONG_RUNNING_SERVICES = ("web", "worker", "beat", "postgres", "redis")
ALL_SERVICES = (*LONG_RUNNING_SERVICES, "migrate")

# ${NAME:?message}: Compose refuses to start when NAME is unset or empty.
REQUIRED_REFERENCE = re.compile(r"\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|TOKEN|_KEY$")


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    with COMPOSE_FILE.open(encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    result: dict[str, dict[str, Any]] = compose["services"]
    return result


@pytest.fixture(scope="module")
def dockerfile() -> str:
    return DOCKERFILE.read_text(encoding="utf-8")


def command_of(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    if isinstance(command, str):
        return command.split()
    return [str(part) for part in command]


def environment_of(service: dict[str, Any]) -> dict[str, str | None]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        pairs = (entry.partition("=") for entry in environment)
        return {name: (value if sep else None) for name, sep, value in pairs}
    return {name: None if value is None else str(value) for name, value in environment.items()}


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, with continuation lines joined and comments dropped."""
    logical_lines: list[str] = []
    current = ""
    for raw_line in text.splitlines():
        line = raw_line.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical_lines.append(current + line)
        current = ""
    instructions = []
    for line in logical_lines:
        keyword, _, arguments = line.partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
    return instructions


def test_it_defines_every_service_of_the_stack(services: dict[str, dict[str, Any]]) -> None:
    assert set(ALL_SERVICES) <= set(services)


def test_it_runs_gunicorn_with_the_project_wsgi_application_in_web(
    services: dict[str, dict[str, Any]],
) -> None:
    command = command_of(services["web"])

    assert command[0] == "gunicorn"
    assert "infusion_portal.wsgi:application" in command
    assert "0.0.0.0:8000" in command
    assert "8000:8000" in [str(port) for port in services["web"]["ports"]]


def test_it_runs_a_celery_worker_for_the_project_app(services: dict[str, dict[str, Any]]) -> None:
    command = command_of(services["worker"])

    assert command[:4] == ["celery", "-A", "infusion_portal", "worker"]


def test_it_runs_celery_beat_with_a_schedule_file_outside_the_code(
    services: dict[str, dict[str, Any]],
) -> None:
    command = command_of(services["beat"])

    assert command[:4] == ["celery", "-A", "infusion_portal", "beat"]
    schedule = command[command.index("--schedule") + 1]
    # The code in the image is root-owned and read-only to the app user; /tmp is writable.
    assert schedule == "/tmp/celerybeat-schedule"  # noqa: S108 - the path beat is given


def test_it_runs_exactly_one_beat_replica(services: dict[str, dict[str, Any]]) -> None:
    assert services["beat"]["deploy"]["replicas"] == 1


def test_it_runs_migrations_once_before_the_app_starts(services: dict[str, dict[str, Any]]) -> None:
    migrate = services["migrate"]

    assert command_of(migrate) == ["python", "manage.py", "migrate", "--noinput"]
    assert migrate.get("restart", "no") == "no"
    assert migrate["depends_on"]["postgres"]["condition"] == "service_healthy"


@pytest.mark.parametrize("name", LONG_RUNNING_SERVICES)
def test_it_gives_every_long_running_service_a_healthcheck(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    healthcheck = services[name].get("healthcheck") or {}

    assert not healthcheck.get("disable", False)
    assert healthcheck.get("test"), f"{name} has no healthcheck test"


def test_it_checks_web_health_through_the_healthz_endpoint(
    services: dict[str, dict[str, Any]],
) -> None:
    test = services["web"]["healthcheck"]["test"]

    assert "http://127.0.0.1:8000/healthz" in " ".join(test)


@pytest.mark.parametrize(("name", "node"), [("worker", "celery@"), ("beat", "celerybeat@")])
def test_it_checks_celery_health_by_pinging_the_containers_own_node(
    services: dict[str, dict[str, Any]], name: str, node: str
) -> None:
    probe = " ".join(services[name]["healthcheck"]["test"])

    assert "celery -A infusion_portal inspect ping" in probe
    assert f"{node}$$HOSTNAME" in probe


def test_it_lets_beat_answer_pings_only_with_remote_control_enabled(
    services: dict[str, dict[str, Any]],
) -> None:
    assert "--enable-remote-control" in command_of(services["beat"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_it_starts_app_services_after_healthy_stores_and_completed_migrations(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    depends_on = services[name]["depends_on"]

    assert depends_on["postgres"]["condition"] == "service_healthy"
    assert depends_on["redis"]["condition"] == "service_healthy"
    assert depends_on["migrate"]["condition"] == "service_completed_successfully"


def test_it_persists_redis_with_an_append_only_file(services: dict[str, dict[str, Any]]) -> None:
    redis = services["redis"]
    command = command_of(redis)

    assert "--appendonly" in command
    assert command[command.index("--appendonly") + 1] == "yes"
    assert any(str(volume).endswith(":/data") for volume in redis["volumes"])


def test_it_keeps_postgres_data_in_a_named_volume(
    compose: dict[str, Any], services: dict[str, dict[str, Any]]
) -> None:
    volume = next(str(v) for v in services["postgres"]["volumes"] if ":/var/lib/postgresql" in v)

    assert volume.split(":")[0] in compose["volumes"]


@pytest.mark.parametrize("name", ["migrate", *APP_SERVICES])
def test_it_runs_the_app_with_debug_off(services: dict[str, dict[str, Any]], name: str) -> None:
    assert environment_of(services[name])["DJANGO_DEBUG"] == "0"


@pytest.mark.parametrize("name", ["migrate", *APP_SERVICES])
def test_it_requires_the_production_settings_from_the_environment(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    environment = environment_of(services[name])

    for variable in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "EMAIL_URL"):
        value = environment[variable]
        assert value is not None
        assert REQUIRED_REFERENCE.fullmatch(value), f"{variable} must be ${{{variable}:?...}}"
    assert environment["REDIS_URL"] == "redis://redis:6379/0"
    assert environment["DATABASE_URL"] is not None
    assert environment["DATABASE_URL"].startswith("postgres://infusion:")
    assert environment["DATABASE_URL"].endswith("@postgres:5432/infusion")


@pytest.mark.parametrize("name", ALL_SERVICES)
def test_it_keeps_literal_secrets_out_of_the_compose_file(
    services: dict[str, dict[str, Any]], name: str
) -> None:
    for variable, value in environment_of(services[name]).items():
        if value is None:
            continue  # passed through from the environment Compose runs in
        if SECRET_NAME.search(variable):
            assert REQUIRED_REFERENCE.fullmatch(value), f"{name}: {variable} is a literal"
        password = urlsplit(value).password if "://" in value else None
        if password:
            assert REQUIRED_REFERENCE.fullmatch(password), f"{name}: {variable} has a password"


def test_it_installs_the_locked_dependencies_with_hash_checking(dockerfile: str) -> None:
    runs = [args for keyword, args in dockerfile_instructions(dockerfile) if keyword == "RUN"]

    assert any(
        "pip install" in run and "--require-hashes" in run and "-r requirements.lock" in run
        for run in runs
    )


def test_it_runs_the_image_as_a_non_root_user(dockerfile: str) -> None:
    users = [args for keyword, args in dockerfile_instructions(dockerfile) if keyword == "USER"]

    assert users, "the Dockerfile has no USER instruction"
    assert users[-1].split(":")[0] not in {"root", "0"}


def test_it_gives_the_image_a_healthcheck_against_healthz(dockerfile: str) -> None:
    healthchecks = [
        args for keyword, args in dockerfile_instructions(dockerfile) if keyword == "HEALTHCHECK"
    ]

    assert len(healthchecks) == 1
    assert "urllib" in healthchecks[0]
    assert "http://127.0.0.1:8000/healthz" in healthchecks[0]


def test_it_serves_with_gunicorn_by_default(dockerfile: str) -> None:
    commands = [args for keyword, args in dockerfile_instructions(dockerfile) if keyword == "CMD"]

    assert commands, "the Dockerfile has no CMD"
    assert "gunicorn" in commands[-1]
    assert "infusion_portal.wsgi:application" in commands[-1]
    assert "0.0.0.0:8000" in commands[-1]


def test_it_collects_static_files_at_build_time_with_the_production_storage(
    dockerfile: str,
) -> None:
    runs = [args for keyword, args in dockerfile_instructions(dockerfile) if keyword == "RUN"]
    collectstatic = [run for run in runs if "manage.py collectstatic --noinput" in run]

    assert len(collectstatic) == 1
    # DJANGO_DEBUG=1 would select plain StaticFilesStorage and write no manifest, and
    # CompressedManifestStaticFilesStorage would then fail on every {% static %} in production.
    assert "DJANGO_DEBUG=0" in collectstatic[0]
    assert "DJANGO_DEBUG=1" not in collectstatic[0]
