"""How the stack starts each service: listening address, request limits and the action server's secret.
No server is started here; the fault tests (tests/integration/test_faults.py) check the running ones."""
from __future__ import annotations

import dataclasses

import pytest

from settings import load_settings
from stack import processes
from stack.processes import (
    action_server, action_server_token, all_services, console, describe_exit, rasa_server,
    service_environment, web_page,
)


@pytest.fixture()
def settings(monkeypatch, tmp_path):
    """The settings of a machine where nothing is configured (no token, no BIND_HOST)."""
    for name in ("BIND_HOST", "MAX_REQUEST_BYTES", "SANIC_REQUEST_MAX_SIZE"):
        monkeypatch.delenv(name, raising=False)
    # set (empty) rather than deleted, so the token the stack puts there is removed after the test
    monkeypatch.setenv("ACTION_SERVER_TOKEN", "")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    return load_settings()


def option(command: list[str], flag: str) -> str:
    return command[command.index(flag) + 1]


def test_every_service_listens_on_the_bind_host(settings):
    for host in ("127.0.0.1", "127.0.0.2", "0.0.0.0"):
        bound = dataclasses.replace(settings, bind_host=host)
        env = service_environment(bound)
        assert option(rasa_server(bound, env).command, "-i") == host
        for service in (action_server(bound, env), web_page(bound, env), console(bound, env)):
            assert option(service.command, "--host") == host, service.name


def test_the_services_are_looked_for_where_they_listen(settings):
    bound = dataclasses.replace(settings, bind_host="127.0.0.2")
    for service in all_services(bound, service_environment(bound)):
        assert service.ready_url.startswith("http://127.0.0.2:"), service.ready_url
    everywhere = dataclasses.replace(settings, bind_host="0.0.0.0")
    assert everywhere.connect_host == "127.0.0.1"
    assert dataclasses.replace(settings, bind_host="::").connect_host == "[::1]"
    assert service_environment(bound)["ACTION_HOST"] == "127.0.0.2"


def test_the_action_server_is_ours_not_rasa_run_actions(settings):
    command = action_server(settings, service_environment(settings)).command
    assert command[command.index("actions.server") - 1] == "-m"
    assert not any(word.endswith("rasa") for word in command)


def test_every_service_writes_its_log_through_the_log_writer(settings, tmp_path):
    """One writer per file (settings/logging.py: redaction, rotation, retention); Rasa reads its logging
    configuration from settings/logging.yml."""
    if not processes.LOG_WRITER.exists():
        pytest.skip("settings/logging.py is not in this checkout")
    services = all_services(settings, service_environment(settings), log_dir=tmp_path)
    for service in services:
        assert service.writes_log, service.name
        assert service.command[1:5] == ["-m", "settings.logging", "--log-file", str(service.log_path)]
        assert service.command[5] == "--"
    rasa = services[1].command
    assert option(rasa, "--logging-config-file") == "settings/logging.yml"


def test_only_the_rasa_server_gets_the_request_limit(settings, monkeypatch):
    monkeypatch.setenv("SANIC_REQUEST_MAX_SIZE", "999")  # a stray value must not reach the action server
    limited = dataclasses.replace(settings, max_request_bytes=12345)
    env = service_environment(limited)
    assert rasa_server(limited, env).env["SANIC_REQUEST_MAX_SIZE"] == "12345"
    for service in (action_server(limited, env), web_page(limited, env), console(limited, env)):
        assert "SANIC_REQUEST_MAX_SIZE" not in service.env, service.name


def test_a_token_is_made_once_per_start_and_shared_by_both_servers(settings):
    first = service_environment(settings)["ACTION_SERVER_TOKEN"]
    assert len(first) >= 32
    # a second call in the same launcher (a restart, the knowledge build) gets the same token
    assert service_environment(settings)["ACTION_SERVER_TOKEN"] == first
    assert load_settings().action_server_token == first
    services = all_services(settings)
    assert {service.env["ACTION_SERVER_TOKEN"] for service in services[:2]} == {first}


def test_a_configured_token_wins(settings):
    configured = dataclasses.replace(settings, action_server_token="configured-secret-value")
    assert action_server_token(configured) == "configured-secret-value"
    assert service_environment(configured)["ACTION_SERVER_TOKEN"] == "configured-secret-value"


def test_tokens_differ_between_starts(settings, monkeypatch):
    first = action_server_token(settings)
    monkeypatch.delenv("ACTION_SERVER_TOKEN")
    assert action_server_token(settings) != first


def test_rasa_reads_the_token_and_the_address_from_endpoints_yml(settings):
    """Rasa's own reader: the header is sent with every action call, to the action server's address."""
    from rasa.core.utils import AvailableEndpoints

    bound = dataclasses.replace(settings, bind_host="127.0.0.2", action_port=5999,
                                action_server_token="a-token-for-the-test")
    env = service_environment(bound)
    with pytest.MonkeyPatch.context() as patch:
        for name in ("ACTION_HOST", "ACTION_PORT", "ACTION_SERVER_TOKEN", "DATABASE_URL"):
            patch.setenv(name, env[name])
        endpoints = AvailableEndpoints.read_endpoints(str(processes.PROJECT_ROOT / "endpoints.yml"))
    assert endpoints.action.url == "http://127.0.0.2:5999/webhook"
    assert endpoints.action.headers == {"X-Action-Token": "a-token-for-the-test"}


@pytest.mark.parametrize("returncode, text", [
    (0, "exit code 0"), (3, "exit code 3"), (-9, "killed by signal SIGKILL (9)"),
    (-15, "killed by signal SIGTERM (15)"), (None, "still running"),
    (137, "killed by signal SIGKILL (9), exit code 137"), (255, "exit code 255"),
])
def test_exits_are_described(returncode, text):
    assert describe_exit(returncode) == text
