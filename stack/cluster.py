"""`make run-cluster`: Rasa's documented replicated set-up on one machine, under the stack's supervisor.

RASA_REPLICAS Rasa servers and ACTION_REPLICAS action servers behind nginx (stack/balancer.py), the SQL
tracker store on PostgreSQL and Rasa's Redis lock store (endpoints.cluster.yml), plus the widget page
and the console, all started, watched and restarted like `make run`'s services (stack/supervisor.py).

Ports: the balancer takes the public ones, RASA_PORT (REST channel) and ACTION_PORT (the action servers,
for the Rasa replicas); replica i listens on RASA_PORT + i and ACTION_PORT + i. Every process listens on
BIND_HOST. The database is DATABASE_URL, which must be PostgreSQL (several processes share it); left
empty it is `DEFAULT_DATABASE_URL`, created when missing. Redis is REDIS_URL, or `DEFAULT_REDIS_URL`.

`missing_requirements()` says what to install or start where nginx, PostgreSQL or Redis is missing;
`cluster_services()` builds the services for the supervisor.
"""
from __future__ import annotations

import dataclasses
import os
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from settings import PROJECT_ROOT, Settings, default_database_url
from stack.balancer import balancer_service, nginx_executable, render_config
from stack.processes import LOG_DIR, Service, action_server, extra_services, rasa_server, service_environment

DEFAULT_DATABASE_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/carebot"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"
CLUSTER_ENDPOINTS = "endpoints.cluster.yml"
VAR_DIR = PROJECT_ROOT / "var" / "cluster"
# Rasa's conversation lock (a ticket) lives this long unless the environment says otherwise: longer than
# any turn under load, and short enough that a replica killed while holding one blocks that conversation
# only briefly (Rasa's default is 60 s, past the widget's 30 s wait).
TICKET_LOCK_LIFETIME_SECONDS = 20


class ClusterError(RuntimeError):
    """The cluster cannot run here; the message says what to install, start or set."""


@dataclass(frozen=True)
class ClusterPlan:
    """The settings every process of the cluster gets (PostgreSQL, Redis) and the replicas' ports."""

    settings: Settings
    redis_url: str
    rasa_ports: tuple[int, ...]
    action_ports: tuple[int, ...]

    @property
    def balancer_url(self) -> str:
        return self.settings.rasa_url


def cluster_database_url(settings: Settings) -> str:
    """DATABASE_URL when it is PostgreSQL, `DEFAULT_DATABASE_URL` when it was left empty."""
    if settings.database_url == default_database_url():
        return DEFAULT_DATABASE_URL
    if make_url(settings.database_url).get_backend_name() != "postgresql":
        raise ClusterError("DATABASE_URL is not PostgreSQL: the cluster's Rasa replicas, action servers and "
                           "console share one database, which SQLite cannot be. Set DATABASE_URL="
                           "postgresql+psycopg2://USER@HOST:5432/NAME, or leave it empty for "
                           f"{DEFAULT_DATABASE_URL}.")
    return settings.database_url


def plan(settings: Settings, rasa_replicas: int | None = None, action_replicas: int | None = None) -> ClusterPlan:
    """The cluster for `settings` (replica counts from RASA_REPLICAS / ACTION_REPLICAS by default)."""
    rasa_count = rasa_replicas or settings.rasa_replicas
    action_count = action_replicas or settings.action_replicas
    rasa_ports = tuple(settings.rasa_port + i for i in range(1, rasa_count + 1))
    action_ports = tuple(settings.action_port + i for i in range(1, action_count + 1))
    taken = [settings.rasa_port, settings.action_port, settings.web_port, settings.console_port,
             *rasa_ports, *action_ports]
    clashes = sorted({port for port in taken if taken.count(port) > 1})
    if clashes:
        raise ClusterError(f"port(s) {', '.join(map(str, clashes))} would be used twice: the replicas take the "
                           "ports after RASA_PORT and ACTION_PORT; move RASA_PORT, ACTION_PORT, WEB_PORT or "
                           "CONSOLE_PORT apart, or run fewer replicas.")
    database_url = cluster_database_url(settings)
    return ClusterPlan(settings=dataclasses.replace(settings, database_url=database_url),
                       redis_url=settings.redis_url or DEFAULT_REDIS_URL,
                       rasa_ports=rasa_ports, action_ports=action_ports)


def ensure_database(database_url: str) -> None:
    """Connect to the PostgreSQL database, creating it (from the server's `postgres` database) when
    the server answers but the database does not exist yet."""
    from settings.database import make_engine

    url = make_url(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        return
    except Exception as error:  # noqa: BLE001 - told apart below: a missing database, or no server
        if "does not exist" not in str(error):
            raise
    finally:
        engine.dispose()
    admin = make_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f'create database "{url.database}"'))
    finally:
        admin.dispose()


def check_redis(redis_url: str) -> None:
    """PING Redis; raises when it does not answer."""
    import redis

    client = redis.Redis.from_url(redis_url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    finally:
        client.close()


def missing_requirements(cluster: ClusterPlan) -> list[str]:
    """What the cluster needs that this machine lacks, each with what to install or set; [] when ready."""
    problems = []
    if nginx_executable() is None:
        problems.append("nginx is not installed (the cluster's load balancer): install it, e.g. "
                        "`sudo apt-get install nginx` on Debian or Ubuntu, `brew install nginx` on macOS. "
                        "The cluster runs it with its own configuration (var/cluster/nginx.conf), not the system's.")
    shown_database = make_url(cluster.settings.database_url).render_as_string(hide_password=True)
    try:
        ensure_database(cluster.settings.database_url)
    except Exception as error:  # noqa: BLE001 - any failure means the database cannot be used
        problems.append(f"PostgreSQL does not answer at {shown_database} ({error.__class__.__name__}): install "
                        "and start it (e.g. `sudo apt-get install postgresql`), or set DATABASE_URL to a "
                        "PostgreSQL database this user may create tables in.")
    parts = redis_environment(cluster.redis_url)
    shown_redis = f"redis://{parts['REDIS_HOST']}:{parts['REDIS_PORT']}/{parts['REDIS_DB']}"  # no password
    try:
        check_redis(cluster.redis_url)
    except Exception as error:  # noqa: BLE001 - any failure means the lock store cannot work
        problems.append(f"Redis does not answer at {shown_redis} ({error.__class__.__name__}): install and start "
                        "it (e.g. `sudo apt-get install redis-server`), or set REDIS_URL. Rasa's lock store "
                        "needs it so that two replicas never process one conversation at once.")
    return problems


def redis_environment(redis_url: str) -> dict[str, str]:
    """REDIS_HOST, REDIS_PORT, REDIS_DB and REDIS_PASSWORD for endpoints.cluster.yml, from REDIS_URL."""
    parts = urllib.parse.urlsplit(redis_url)
    database = parts.path.lstrip("/") or "0"
    return {"REDIS_HOST": parts.hostname or "127.0.0.1", "REDIS_PORT": str(parts.port or 6379),
            "REDIS_DB": database if database.isdigit() else "0",
            "REDIS_PASSWORD": urllib.parse.unquote(parts.password or "")}


def cluster_environment(cluster: ClusterPlan) -> dict[str, str]:
    """Every process's environment: the settings (DATABASE_URL of the cluster, the balancer's ports as
    RASA_PORT and ACTION_PORT), REDIS_URL and its parts, the conversation lock's lifetime."""
    return service_environment(
        cluster.settings, REDIS_URL=cluster.redis_url, **redis_environment(cluster.redis_url),
        TICKET_LOCK_LIFETIME=os.environ.get("TICKET_LOCK_LIFETIME", "").strip() or str(TICKET_LOCK_LIFETIME_SECONDS))


def cluster_services(cluster: ClusterPlan, model: str | Path = "models", log_dir: Path = LOG_DIR,
                     var_dir: Path = VAR_DIR, with_extras: bool = True) -> list[Service]:
    """The action servers, the Rasa replicas, the balancer, then (`with_extras`) the widget page and
    the console, in start order, for `stack.supervisor.Supervisor`."""
    settings = cluster.settings
    env = cluster_environment(cluster)
    services = [
        action_server(dataclasses.replace(settings, action_port=port), env, log_dir,
                      name=f"action server {number}", log_name=f"actions-{number}.log")
        for number, port in enumerate(cluster.action_ports, start=1)
    ]
    services += [
        rasa_server(dataclasses.replace(settings, rasa_port=port), env, model, log_dir,
                    name=f"Rasa server {number}", endpoints=CLUSTER_ENDPOINTS)
        for number, port in enumerate(cluster.rasa_ports, start=1)
    ]
    config = render_config(settings, list(cluster.rasa_ports), list(cluster.action_ports), var_dir)
    services.append(balancer_service(settings, config, env, log_dir))
    if with_extras:
        services += extra_services(settings, env, log_dir)
    return services
