"""The cluster's configuration without starting it (stack/cluster.py, stack/balancer.py,
endpoints.cluster.yml): ports, database and Redis settings, the rendered nginx file, and what
`make run-cluster` says on a machine that lacks nginx, PostgreSQL or Redis."""
from __future__ import annotations

import dataclasses
import re

import pytest
import yaml

from settings import PROJECT_ROOT, default_database_url, load_settings
from stack import balancer, cluster
from tests.conftest import skip_or_fail

POSTGRES = "postgresql+psycopg2://carebot@db.example.org:5432/carebot"


def settings_for(**changes):
    base = dataclasses.replace(load_settings(), rasa_port=5405, action_port=5455, web_port=8405,
                               console_port=8415, database_url=POSTGRES, redis_url="")
    return dataclasses.replace(base, **changes)


def test_replicas_take_the_ports_after_the_balancers():
    plan = cluster.plan(settings_for(), rasa_replicas=3, action_replicas=2)
    assert plan.rasa_ports == (5406, 5407, 5408)
    assert plan.action_ports == (5456, 5457)
    assert plan.balancer_url == "http://127.0.0.1:5405"


def test_replica_counts_come_from_the_settings(monkeypatch):
    monkeypatch.setenv("RASA_REPLICAS", "3")
    monkeypatch.setenv("ACTION_REPLICAS", "1")
    settings = load_settings()
    assert (settings.rasa_replicas, settings.action_replicas) == (3, 1)
    monkeypatch.setenv("RASA_REPLICAS", "0")
    with pytest.raises(SystemExit, match="RASA_REPLICAS"):
        load_settings()


def test_ports_used_twice_are_refused():
    with pytest.raises(cluster.ClusterError, match="5455"):
        cluster.plan(settings_for(action_port=5455, rasa_port=5453), rasa_replicas=3)


def test_the_database_must_be_postgresql():
    assert cluster.plan(settings_for()).settings.database_url == POSTGRES
    assert cluster.plan(settings_for(database_url=default_database_url())).settings.database_url \
        == cluster.DEFAULT_DATABASE_URL
    with pytest.raises(cluster.ClusterError, match="PostgreSQL"):
        cluster.plan(settings_for(database_url="sqlite:////tmp/elsewhere.db"))


def test_redis_url_gives_the_lock_stores_settings():
    assert cluster.redis_environment("redis://:s%40cret@cache.example.org:6380/3") == {
        "REDIS_HOST": "cache.example.org", "REDIS_PORT": "6380", "REDIS_DB": "3", "REDIS_PASSWORD": "s@cret"}
    assert cluster.redis_environment(cluster.DEFAULT_REDIS_URL)["REDIS_DB"] == "0"
    assert cluster.plan(settings_for()).redis_url == cluster.DEFAULT_REDIS_URL


def test_every_process_gets_the_clusters_settings():
    plan = cluster.plan(settings_for(redis_url="redis://127.0.0.1:6379/2"))
    env = cluster.cluster_environment(plan)
    assert env["DATABASE_URL"] == POSTGRES
    assert (env["RASA_PORT"], env["ACTION_PORT"]) == ("5405", "5455")   # the balancer's
    assert (env["REDIS_HOST"], env["REDIS_PORT"], env["REDIS_DB"]) == ("127.0.0.1", "6379", "2")
    assert int(env["TICKET_LOCK_LIFETIME"]) < 30


def test_the_cluster_endpoints_add_only_the_lock_store():
    single = yaml.safe_load((PROJECT_ROOT / "endpoints.yml").read_text())
    replicated = yaml.safe_load((PROJECT_ROOT / cluster.CLUSTER_ENDPOINTS).read_text())
    assert replicated["action_endpoint"] == single["action_endpoint"]
    assert replicated["tracker_store"] == single["tracker_store"]
    assert replicated["nlg"] == single["nlg"]   # every replica says the catalog's words
    assert replicated["lock_store"]["type"] == "redis"
    assert set(replicated) - set(single) == {"lock_store"}
    assert "lock_store" not in single   # `make run` stays one process without Redis


def test_services_are_the_replicas_then_the_balancer(tmp_path, monkeypatch):
    monkeypatch.setattr(balancer, "nginx_executable", lambda: "/usr/sbin/nginx")
    plan = cluster.plan(settings_for(), rasa_replicas=2, action_replicas=2)
    services = cluster.cluster_services(plan, log_dir=tmp_path / "logs", var_dir=tmp_path / "var",
                                        with_extras=False)
    assert [s.name for s in services] == ["action server 1", "action server 2", "Rasa server 1", "Rasa server 2",
                                          "load balancer"]
    rasa = services[2].command
    assert rasa[rasa.index("--endpoints") + 1] == "endpoints.cluster.yml"
    assert rasa[rasa.index("--port") + 1] == "5406"
    assert services[1].ready_url == "http://127.0.0.1:5457/health"
    assert services[4].ready_url == "http://127.0.0.1:5405/balancer/health"


def test_the_rendered_nginx_file_lists_every_replica(tmp_path):
    config = balancer.render_config(settings_for(), [5406, 5407], [5456, 5457], tmp_path)
    text = config.read_text()
    assert "{{" not in text
    for port in (5406, 5407, 5456, 5457):
        assert f"server 127.0.0.1:{port} " in text
    assert "listen 127.0.0.1:5405;" in text and "listen 127.0.0.1:5455;" in text
    assert f"client_max_body_size {load_settings().max_request_bytes};" in text
    # nginx drops idle upstream connections before the action server's Sanic does (else a reused one
    # can be reset mid-request, and nginx never re-sends a POST)
    from sanic.config import DEFAULT_CONFIG

    timeouts = [int(value) for value in re.findall(r"keepalive_timeout (\d+)s;", text)]
    assert len(timeouts) == 2 and max(timeouts) < DEFAULT_CONFIG["KEEP_ALIVE_TIMEOUT"]
    if balancer.nginx_executable() is None:
        skip_or_fail("nginx is not installed (Debian: apt-get install nginx), so `nginx -t` cannot check the file")
    valid, said = balancer.check_config(config)
    assert valid, said


def test_a_template_placeholder_without_a_value_is_an_error():
    with pytest.raises(KeyError, match="missing"):
        balancer.render("listen {{ missing }};", {})


def test_what_is_missing_is_said_with_what_to_install(monkeypatch):
    monkeypatch.setattr(cluster, "nginx_executable", lambda: None)
    # nothing listens on port 9 (discard) of this machine: neither PostgreSQL nor Redis answers there
    plan = cluster.plan(settings_for(database_url="postgresql+psycopg2://postgres@127.0.0.1:9/carebot",
                                     redis_url="redis://127.0.0.1:9/0"))
    problems = cluster.missing_requirements(plan)
    assert len(problems) == 3
    nginx, postgres, redis = problems
    assert "apt-get install nginx" in nginx
    assert "PostgreSQL" in postgres and "apt-get install postgresql" in postgres and "DATABASE_URL" in postgres
    assert "Redis" in redis and "apt-get install redis-server" in redis and "REDIS_URL" in redis


def test_make_run_cluster_refuses_sqlite_with_what_to_set(tmp_path):
    import os
    import subprocess
    import sys

    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        skip_or_fail("no trained model in models/ (`make test` trains one before running pytest)")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'cluster.db'}", "PYTHONPATH": str(PROJECT_ROOT)}
    result = subprocess.run([sys.executable, "-m", "stack", "run-cluster"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    assert "DATABASE_URL is not PostgreSQL" in result.stderr and "postgresql+psycopg2://" in result.stderr
    assert not (tmp_path / "cluster.db").exists()   # nothing was started or built
