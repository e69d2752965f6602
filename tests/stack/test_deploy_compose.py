"""deploy/compose.yaml, deploy/nginx.compose.conf and deploy/Dockerfile: the topology of `make run-cluster`
(stack/cluster.py) in containers, checked without running Docker.

The compose file is validated by Docker Compose itself (`docker compose config`, or the standalone
`docker-compose`); without either the validator test skips with the reason, and fails in CI.
"""
from __future__ import annotations

import dataclasses
import json
import re
import secrets
import shutil
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from settings import PROJECT_ROOT, load_settings
from stack import balancer, compose, container
from stack.cluster import CLUSTER_ENDPOINTS
from tests.conftest import skip_or_fail
from tests.stack.deploy_names import (environment_without_secrets, is_secret, names_endpoints_substitute,
                                      names_settings_reads, substituted_names)

DEPLOY = PROJECT_ROOT / "deploy"
ENV_EXAMPLE = DEPLOY / "production.env.example"
DOCKERFILE = DEPLOY / "Dockerfile"
# the secrets compose must be given (each a `${NAME:?...}` in the file)
REQUIRED_SECRETS = ("POSTGRES_PASSWORD", "REDIS_PASSWORD", "ACTION_SERVER_TOKEN", "CONSOLE_SECRET_KEY")


@pytest.fixture(scope="module")
def spec() -> dict:
    return compose.load()


@pytest.fixture(scope="module")
def services(spec) -> dict:
    return spec["services"]


def container_settings():
    """Settings as a container of the compose file gets them (PostgreSQL, Redis)."""
    return dataclasses.replace(load_settings(), database_url="postgresql+psycopg2://carebot@postgres:5432/carebot",
                               redis_url="redis://redis:6379/0")


INTERPOLATION = re.compile(r"\$\{[^}]*\}")


def url_parts(value: str) -> tuple:
    """urlsplit() of a compose value whose `${...}` are replaced by placeholders (urlsplit cannot read
    them), and the interpolations in order: placeholder i is `interpolated{i}`."""
    expressions = INTERPOLATION.findall(value)
    for number, expression in enumerate(expressions):
        value = value.replace(expression, f"interpolated{number}", 1)
    return urlsplit(value), expressions


def bot_services(services: dict) -> dict[str, dict]:
    return {name: service for name, service in services.items() if compose.service_role(service)}


def example_values() -> dict[str, str]:
    """deploy/production.env.example as a mapping (comments and blank lines left out)."""
    lines = ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
    pairs = [line.split("=", 1) for line in lines if line.strip() and not line.lstrip().startswith("#")]
    return {name.strip(): value.strip() for name, value in pairs}


def test_every_part_of_the_cluster_is_a_service(spec, services):
    roles = compose.roles(spec)
    assert len(roles.get("rasa", [])) >= 2
    assert len(roles.get("actions", [])) >= 2
    assert len(roles.get("web", [])) == 1 and len(roles.get("console", [])) == 1
    assert roles.get("knowledge-build") == ["knowledge-build"]
    assert services["balancer"]["image"].startswith("nginx:")
    assert services["postgres"]["image"].startswith("postgres:")
    assert services["redis"]["image"].startswith("redis:")
    assert set(roles) - {"knowledge-build"} <= set(container.ROLES)


def test_every_long_running_service_has_a_health_check_the_others_wait_for(spec, services):
    for name, service in services.items():
        if name != "knowledge-build":
            assert service.get("healthcheck", {}).get("test"), f"{name} has no health check"
    roles = compose.roles(spec)
    for name in roles["rasa"]:
        assert services[name]["depends_on"]["redis"]["condition"] == "service_healthy"
    for name in [*roles["rasa"], *roles["actions"], *roles["console"]]:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["knowledge-build"]["condition"] == "service_completed_successfully"
    assert set(services["balancer"]["depends_on"]) == {*roles["rasa"], *roles["actions"]}
    for name in [*roles["rasa"], *roles["actions"], *roles["web"], *roles["console"]]:
        role = compose.service_role(services[name])
        assert services[name]["healthcheck"]["test"] == ["CMD", *compose.ENTRY_POINT, "ready", role]


def test_the_balancer_file_is_the_template_filled_with_the_compose_replicas(spec):
    written = compose.NGINX_CONFIG.read_text(encoding="utf-8")
    assert written == compose.balancer_config(spec), \
        "deploy/nginx.compose.conf is stale: run `python -m stack.compose nginx-config`"
    roles = compose.roles(spec)
    for name in [*roles["rasa"], *roles["actions"]]:
        assert re.search(rf"server {re.escape(name)}:\d+ ", written)
    assert "{{" not in written


def test_nginx_accepts_the_balancer_file(spec, tmp_path):
    if balancer.nginx_executable() is None:
        skip_or_fail("nginx is not installed (Debian: apt-get install nginx), so `nginx -t` cannot check "
                     "deploy/nginx.compose.conf")
    # `nginx -t` resolves the upstreams' names and creates the temporary folders: the compose services'
    # names become this machine's address and /tmp this test's folder, the rest is checked as written
    text = compose.NGINX_CONFIG.read_text(encoding="utf-8")
    roles = compose.roles(spec)
    for name in [*roles["rasa"], *roles["actions"]]:
        text = text.replace(f"server {name}:", "server 127.0.0.1:")
    text = text.replace(f"{balancer.CONTAINER_PREFIX}/", f"{tmp_path}/")
    checked = tmp_path / "nginx.conf"
    checked.write_text(text, encoding="utf-8")
    valid, said = balancer.check_config(checked)
    assert valid, said


def test_ports_agree_with_the_template_and_the_settings(spec, services):
    nginx = compose.NGINX_CONFIG.read_text(encoding="utf-8")
    listened = [int(port) for port in re.findall(r"listen [^:;]+:(\d+);", nginx)]
    rasa_service = services[compose.roles(spec)["rasa"][0]]
    rasa_port = compose.port_of(rasa_service, "RASA_PORT")
    action_port = compose.port_of(rasa_service, "ACTION_PORT")
    assert listened == [rasa_port, action_port]
    published = [str(mapping).rsplit(":", 1)[1] for mapping in services["balancer"]["ports"]]
    assert published == [str(rasa_port)], "only the REST channel is published; the action servers stay private"
    assert f"{balancer.CONTAINER_PREFIX}" in nginx and "/etc/nginx/nginx.conf:ro" in \
        " ".join(services["balancer"]["volumes"])
    # the balancer's health check asks the route the template answers itself
    health_url = services["balancer"]["healthcheck"]["test"][-1]
    assert f"location = {urlsplit(health_url).path} " in balancer.TEMPLATE.read_text(encoding="utf-8")
    assert urlsplit(health_url).port == rasa_port
    for role, variable in (("web", "WEB_PORT"), ("console", "CONSOLE_PORT")):
        service = services[compose.roles(spec)[role][0]]
        published_port = str(service["ports"][0]).rsplit(":", 1)[1]
        assert published_port == compose.service_environment(service)[variable]
    web_command = services["web"]["command"]
    bot_url = web_command[web_command.index("--bot-url") + 1]
    assert re.sub(r"\$\{\w+:-([^}]*)\}", r"\1", bot_url).endswith(f":{rasa_port}")


def test_the_rasa_replicas_use_the_cluster_endpoints_and_the_models_volume(spec, services):
    for name in compose.roles(spec)["rasa"]:
        environment = compose.service_environment(services[name])
        # endpoints.cluster.yml's ACTION_HOST:ACTION_PORT is the balancer, as in `make run-cluster`
        assert environment["ACTION_HOST"] == "balancer"
        assert compose.port_of(services[name], "ACTION_PORT") == compose.port_of(
            services[compose.roles(spec)["actions"][0]], "ACTION_PORT")
        assert f"../models:/app/{container.MODEL_DIR}:ro" in services[name]["volumes"]
    service = container.role_service("rasa", container_settings())
    command = container.service_command(service)
    assert command[command.index("--endpoints") + 1] == CLUSTER_ENDPOINTS
    assert command[command.index("--model") + 1] == container.MODEL_DIR


def test_the_stores_are_the_postgres_and_redis_services(services):
    for name, service in bot_services(services).items():
        environment = compose.service_environment(service)
        if name == "web":
            assert "DATABASE_URL" not in environment and "REDIS_URL" not in environment
            continue
        database, _ = url_parts(environment["DATABASE_URL"])
        assert (database.scheme, database.hostname, database.port) == ("postgresql+psycopg2", "postgres", 5432), name
        redis, _ = url_parts(environment["REDIS_URL"])
        assert (redis.scheme, redis.hostname, redis.port) == ("redis", "redis", 6379), name


def test_bot_services_set_only_names_the_project_reads(services):
    allowed = names_settings_reads() | names_endpoints_substitute()
    for name, service in bot_services(services).items():
        unknown = set(compose.service_environment(service)) - allowed
        assert not unknown, f"{name} sets {sorted(unknown)}, which neither settings/ nor the endpoints read"


def test_no_secret_is_written_in_the_file(services):
    for name, service in services.items():
        for variable, value in compose.service_environment(service).items():
            if variable in {"DATABASE_URL", "REDIS_URL"}:
                parts, expressions = url_parts(value)
                number = re.fullmatch(r"interpolated(\d+)", parts.password or "")
                assert number, f"{name}: {variable}'s password is written out"
                assert re.fullmatch(r"\$\{\w+:\?[^}]+\}", expressions[int(number.group(1))]), \
                    f"{name}: {variable}'s password has a default"
            elif is_secret(variable):
                assert re.fullmatch(r"\$\{\w+(:[?-][^}]*)?\}", value), f"{name}: {variable} is written out"
    text = compose.COMPOSE_FILE.read_text(encoding="utf-8")
    for secret in REQUIRED_SECRETS:
        assert f"${{{secret}:?" in text, f"compose does not refuse to start without {secret}"


def test_the_env_file_example_documents_every_variable_and_holds_no_secret():
    used = substituted_names(compose.COMPOSE_FILE.read_text(encoding="utf-8"))
    example = example_values()
    assert used <= set(example), f"not in {ENV_EXAMPLE.name}: {sorted(used - set(example))}"
    for name, value in example.items():
        if is_secret(name):
            assert value == "", f"{ENV_EXAMPLE.name} gives {name} a value"
    assert "deploy/production.env" in (PROJECT_ROOT / ".gitignore").read_text(encoding="utf-8").splitlines()


def test_the_image_is_python_310_slim_from_the_lock_as_an_unprivileged_user():
    text = DOCKERFILE.read_text(encoding="utf-8")
    stages = re.findall(r"^FROM (\S+)", text, flags=re.MULTILINE)
    assert stages[-1] == "python:3.10-slim"
    assert re.search(r"^RUN pip install -r requirements\.lock$", text, flags=re.MULTILINE)
    user = re.findall(r"^USER (\S+)", text, flags=re.MULTILINE)
    assert user and user[-1].split(":")[0] not in {"0", "root"}
    entry_point = re.search(r"^ENTRYPOINT (\[.*\])$", text, flags=re.MULTILINE)
    assert entry_point and json.loads(entry_point.group(1)) == compose.ENTRY_POINT
    ignored = (PROJECT_ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
    for local_state in (".env", ".venv", "var", "models", ".git"):
        assert local_state in ignored, f".dockerignore lets {local_state} into the image"


def compose_validator() -> list[str] | None:
    """`docker compose` (the plugin) where it runs, else the standalone `docker-compose`, else None."""
    docker = shutil.which("docker")
    if docker and subprocess.run([docker, "compose", "version"], capture_output=True, timeout=30).returncode == 0:
        return [docker, "compose"]
    standalone = shutil.which("docker-compose")
    return [standalone] if standalone else None


def compose_config(validator: list[str], path: Path, secrets_given: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([*validator, "--file", str(path), "config", "--quiet"], capture_output=True, text=True,
                          timeout=60, env={**environment_without_secrets(), **secrets_given}, cwd=path.parent)


@pytest.fixture(scope="module")
def validator() -> list[str]:
    found = compose_validator()
    if found is None:
        skip_or_fail("neither `docker compose` nor `docker-compose` is installed (Debian: apt-get install "
                     "docker-compose), so Docker Compose cannot validate deploy/compose.yaml")
    return found


def test_docker_compose_accepts_the_file(validator):
    given = {name: secrets.token_hex(16) for name in REQUIRED_SECRETS}
    result = compose_config(validator, compose.COMPOSE_FILE, given)
    assert result.returncode == 0, result.stderr


def test_docker_compose_refuses_to_start_without_a_secret(validator):
    given = {name: secrets.token_hex(16) for name in REQUIRED_SECRETS if name != "ACTION_SERVER_TOKEN"}
    result = compose_config(validator, compose.COMPOSE_FILE, given)
    assert result.returncode != 0 and "ACTION_SERVER_TOKEN" in result.stderr


def test_docker_compose_rejects_what_the_specification_lacks(validator, tmp_path):
    # the same validator on a copy with one misspelt key: proves the check above checks something
    broken = tmp_path / "compose.yaml"
    text = compose.COMPOSE_FILE.read_text(encoding="utf-8")
    broken.write_text(text.replace("    healthcheck:\n", "    healthchek:\n", 1), encoding="utf-8")
    given = {name: secrets.token_hex(16) for name in REQUIRED_SECRETS}
    result = compose_config(validator, broken, given)
    assert result.returncode != 0 and "healthchek" in result.stderr
