"""`python -m stack.container ROLE`: one process of the cluster inside a container (deploy/Dockerfile's
entry point, used by deploy/compose.yaml and deploy/k8s/).

    python -m stack.container run rasa | actions | console     one replica of that role
    python -m stack.container run web --bot-url URL             the widget page, the bot at its public URL
    python -m stack.container knowledge-build                   build the knowledge store into DATABASE_URL
    python -m stack.container ready ROLE                        exit 0 when the role answers (health checks)

The command lines are those of `make run-cluster` (stack/processes.py, stack/cluster.py): the Rasa
server with endpoints.cluster.yml (SQL tracker store, Redis lock store) and the model in models/, the
authenticated action server, the console, the widget page. A container runs one of them, listening on
BIND_HOST (0.0.0.0 in the image: the container's network is private) at the role's own port, with its
output redacted by settings/logging.py onto standard output for the container runtime.

DATABASE_URL (PostgreSQL) and REDIS_URL are required: several containers share them. ACTION_HOST is
where the Rasa replicas reach the action servers (the balancer's or a Kubernetes Service's name).
"""
from __future__ import annotations

import argparse
import dataclasses
import os
import sys

from settings import Settings, load_settings
from stack.cluster import (CLUSTER_ENDPOINTS, ClusterError, ClusterPlan, cluster_database_url,
                           cluster_environment)
from stack.processes import Service, action_server, console, http_status, rasa_server, web_page

ROLES = ("rasa", "actions", "web", "console")
# Rasa loads the newest model of this folder (the image's models/, a volume in deploy/compose.yaml) unless
# the endpoints name a model server (deploy/k8s/), which Rasa asks first.
MODEL_DIR = "models"
KNOWLEDGE_BUILD = [sys.executable, "-m", "knowledge", "build"]


class ContainerError(RuntimeError):
    """The container's environment lacks what its role needs; the message says what to set."""


def container_settings(settings: Settings) -> Settings:
    """The settings with DATABASE_URL checked: set, and PostgreSQL."""
    if not os.environ.get("DATABASE_URL", "").strip():
        raise ContainerError("DATABASE_URL is not set: every container of the deployment shares one PostgreSQL "
                             "database (postgresql+psycopg2://USER:PASSWORD@HOST:5432/NAME).")
    if not settings.redis_url:
        raise ContainerError("REDIS_URL is not set: the Rasa replicas' lock store and the console's sessions "
                             "live in Redis (redis://:PASSWORD@HOST:6379/0).")
    try:
        return dataclasses.replace(settings, database_url=cluster_database_url(settings))
    except ClusterError as error:
        raise ContainerError(str(error)) from error


def container_environment(settings: Settings) -> dict[str, str]:
    """`make run-cluster`'s environment for one container: the settings, REDIS_URL's parts for the lock
    store, the conversation lock's lifetime; ACTION_HOST from the container's environment."""
    plan = ClusterPlan(settings=settings, redis_url=settings.redis_url,
                       rasa_ports=(settings.rasa_port,), action_ports=(settings.action_port,))
    environment = cluster_environment(plan)
    environment["ACTION_HOST"] = os.environ.get("ACTION_HOST", "").strip() or environment["ACTION_HOST"]
    return environment


def role_service(role: str, settings: Settings, bot_url: str | None = None) -> Service:
    """The `stack.processes` service of `role`, as `make run-cluster` starts it."""
    environment = container_environment(settings)
    if role == "rasa":
        return rasa_server(settings, environment, MODEL_DIR, name="Rasa server", endpoints=CLUSTER_ENDPOINTS)
    if role == "actions":
        return action_server(settings, environment)
    if role == "console":
        return console(settings, environment)
    if role == "web":
        service = web_page(settings, environment)
        if bot_url:
            service.command = [*service.command, "--bot-url", bot_url]
        return service
    raise ContainerError(f"unknown role {role!r}: one of {', '.join(ROLES)}")


def service_command(service: Service) -> list[str]:
    """The service's own command line, without the log writer the stack puts around it (a container's
    writer sends to standard output instead of a file)."""
    if service.writes_log and "--" in service.command:
        return service.command[service.command.index("--") + 1:]
    return list(service.command)


def run(command: list[str], environment: dict[str, str]) -> int:
    """Run `command` with `environment`, its output redacted onto standard output; its exit code."""
    from settings.logging import STANDARD_OUTPUT, run_logged

    os.environ.clear()
    os.environ.update(environment)
    return run_logged(command, STANDARD_OUTPUT)


def ready(service: Service) -> bool:
    """Does the service answer its ready URL (2xx or 3xx)? One look, for the container's health check."""
    status = http_status(service.ready_url, timeout=5)
    return status is not None and status < 400


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m stack.container", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    run_parser = commands.add_parser("run", help="run one role in the foreground")
    run_parser.add_argument("role", choices=ROLES)
    run_parser.add_argument("--bot-url", help="web: the bot's public address, as the patients' browsers reach it")
    ready_parser = commands.add_parser("ready", help="exit 0 when the role answers")
    ready_parser.add_argument("role", choices=ROLES)
    commands.add_parser("knowledge-build", help="build the knowledge store into DATABASE_URL")
    args = parser.parse_args(argv)
    try:
        # the widget page serves files only: it gets neither the database nor Redis
        needs_stores = getattr(args, "role", None) != "web"
        settings = container_settings(load_settings()) if needs_stores else load_settings()
        if args.command == "knowledge-build":
            return run(KNOWLEDGE_BUILD, container_environment(settings))
        service = role_service(args.role, settings, getattr(args, "bot_url", None))
    except ContainerError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.command == "ready":
        return 0 if ready(service) else 1
    return run(service_command(service), service.env)


if __name__ == "__main__":
    sys.exit(main())
