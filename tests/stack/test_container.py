"""stack/container.py, the image's entry point: each role runs `make run-cluster`'s own command line, refuses
to start without the shared stores, and logs redacted onto standard output; and, as processes on this
machine, the containers' topology short of Rasa (the knowledge build into PostgreSQL, the action server,
the console and the widget page through the entry point, each answering its health check).
The Rasa replicas behind nginx on PostgreSQL and Redis run in tests/integration/test_cluster.py."""
from __future__ import annotations

import dataclasses
import subprocess
import sys
import time

import pytest

from settings import PROJECT_ROOT, load_settings
from stack import cluster, container
from tests.conftest import _create_postgres_database, _drop_postgres_database, skip_or_fail
from tests.stack.deploy_names import environment_without_secrets

POSTGRES = "postgresql+psycopg2://carebot@db.example.org:5432/carebot"
REDIS = "redis://:s3cret@cache.example.org:6379/0"
# ports of this test's processes (the project's range for test servers)
PORTS = {"ACTION_PORT": 7450, "CONSOLE_PORT": 7451, "WEB_PORT": 7452, "RASA_PORT": 7453}


def stores_settings(**changes):
    return dataclasses.replace(load_settings(), database_url=POSTGRES, redis_url=REDIS, **changes)


def entry_point(*arguments: str, env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stack.container", *arguments], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=timeout)


def base_environment(**values: str) -> dict[str, str]:
    return {**environment_without_secrets(), "PYTHONPATH": str(PROJECT_ROOT), **values}


def test_each_role_runs_the_clusters_command_line(monkeypatch, tmp_path):
    monkeypatch.setattr(cluster, "nginx_executable", lambda: "/usr/sbin/nginx")
    monkeypatch.setattr("stack.balancer.nginx_executable", lambda: "/usr/sbin/nginx")
    settings = stores_settings()
    plan = cluster.plan(settings, rasa_replicas=1, action_replicas=1)
    replicas = {service.name: container.service_command(service) for service in cluster.cluster_services(
        plan, log_dir=tmp_path / "logs", var_dir=tmp_path / "var")}

    def on_port(command: list[str], port: int) -> list[str]:
        command = list(command)
        command[command.index("--port") + 1] = str(port)
        return command

    rasa = container.service_command(container.role_service("rasa", settings))
    assert rasa == on_port(replicas["Rasa server 1"], settings.rasa_port)
    actions = container.service_command(container.role_service("actions", settings))
    assert actions == on_port(replicas["action server 1"], settings.action_port)
    assert container.service_command(container.role_service("console", settings)) == \
        replicas["coordinators' console"]
    web = container.service_command(container.role_service("web", settings, "https://bot.example.org"))
    assert web == [*replicas["widget page"], "--bot-url", "https://bot.example.org"]
    assert "settings.logging" not in " ".join(rasa)   # the container's own writer goes to standard output


def test_the_rasa_replicas_get_the_lock_stores_settings_and_the_action_host(monkeypatch):
    monkeypatch.setenv("ACTION_HOST", "balancer")
    environment = container.role_service("rasa", stores_settings()).env
    assert (environment["REDIS_HOST"], environment["REDIS_PORT"], environment["REDIS_PASSWORD"]) == \
        ("cache.example.org", "6379", "s3cret")
    assert environment["ACTION_HOST"] == "balancer"
    assert environment["DATABASE_URL"] == POSTGRES
    assert int(environment["SANIC_REQUEST_MAX_SIZE"]) == load_settings().max_request_bytes


@pytest.mark.parametrize("missing, said", [
    ({"DATABASE_URL": ""}, "DATABASE_URL is not set"),
    ({"DATABASE_URL": "sqlite:////tmp/carebot.db"}, "DATABASE_URL is not PostgreSQL"),
    ({"REDIS_URL": ""}, "REDIS_URL is not set"),
])
def test_a_role_without_its_stores_refuses_to_start_and_says_what_to_set(missing, said):
    env = base_environment(**{"DATABASE_URL": POSTGRES, "REDIS_URL": REDIS, **missing})
    result = entry_point("run", "actions", env=env)
    assert result.returncode == 2
    assert said in result.stderr


def test_the_log_writer_sends_redacted_lines_to_standard_output(tmp_path):
    said = "please call me at kim.lee@example.org"
    result = subprocess.run([sys.executable, "-m", "settings.logging", "--log-file", "-", "--", sys.executable,
                             "-c", f"print({said!r})"], cwd=tmp_path, env=base_environment(),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "please call me at" in result.stdout and "kim.lee@example.org" not in result.stdout
    assert list(tmp_path.iterdir()) == []   # no file named "-"


@pytest.fixture(scope="module")
def stores() -> dict[str, str]:
    """A fresh PostgreSQL database and Redis, as the compose file's services give them."""
    import redis

    try:
        redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=3).ping()
    except Exception as error:  # noqa: BLE001 - any failure means no Redis here
        skip_or_fail(f"Redis does not answer at 127.0.0.1:6379 ({error.__class__.__name__})")
    database_url = _create_postgres_database()
    yield {"DATABASE_URL": database_url, "REDIS_URL": "redis://127.0.0.1:6379/0"}
    _drop_postgres_database(database_url)


@pytest.mark.servers
def test_the_containers_processes_build_the_knowledge_then_serve(stores, tmp_path):
    env = base_environment(**stores, **{name: str(port) for name, port in PORTS.items()},
                           BIND_HOST="127.0.0.1", ACTION_SERVER_TOKEN="test-token",
                           CONSOLE_SECRET_KEY="test-console-key")
    built = entry_point("knowledge-build", env=env, timeout=300)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    roles = {"actions": [], "console": [], "web": ["--bot-url", f"http://127.0.0.1:{PORTS['RASA_PORT']}"]}
    for role in roles:
        assert entry_point("ready", role, env=env).returncode == 1, f"something already answers for {role}"
    processes = {}
    try:
        for role, extra in roles.items():
            log = (tmp_path / f"{role}.log").open("w")
            processes[role] = subprocess.Popen([sys.executable, "-m", "stack.container", "run", role, *extra],
                                               cwd=PROJECT_ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
        waiting = set(roles)
        deadline = time.monotonic() + 120
        while waiting and time.monotonic() < deadline:
            for role in sorted(waiting):
                assert processes[role].poll() is None, (tmp_path / f"{role}.log").read_text()[-2000:]
                if entry_point("ready", role, env=env).returncode == 0:
                    waiting.discard(role)
            time.sleep(1)
        assert not waiting, f"not ready within 120 s: {sorted(waiting)}"
    finally:
        for process in processes.values():
            process.terminate()   # the entry point passes SIGTERM on to the service
        for role, process in processes.items():
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
                pytest.fail(f"{role} did not stop on SIGTERM")
    for role in roles:
        assert entry_point("ready", role, env=env).returncode == 1, f"{role} still answers after it stopped"
