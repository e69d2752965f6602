"""The cluster of `make run-cluster` started for `make bench`: the same services (stack/cluster.py) under
the stack's supervisor, on free ports, in a PostgreSQL database of its own that is dropped afterwards.

    with start_cluster(model, workdir, rasa_replicas=2, action_replicas=2, sanic_workers=1) as cluster:
        loadclient.play(cluster.url, ...)

`sanic_workers` above 1 runs every Rasa server (SANIC_WORKERS, which Rasa 3.6 allows only with a lock
store other than the in-memory one: the cluster's Redis) and every action server (`--workers`) with that
many Sanic worker processes.

`start_cluster` raises `ClusterUnavailable` (with what to install) where nginx, PostgreSQL or Redis is
missing, so the bench can report the cluster as skipped and go on.
"""
from __future__ import annotations

import dataclasses
import socket
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url

from evaluation.reports import log
from evaluation.resources import rss_bytes
from evaluation.training import PYTHON, run_logged
from settings import load_settings
from stack import cluster
from stack.supervisor import Supervisor


READY_TIMEOUT_SECONDS = 1200


class ClusterUnavailable(RuntimeError):
    """nginx, PostgreSQL or Redis is missing here; the message says which and what to install."""


@dataclass
class RunningCluster:
    """The supervised services of one cluster and where its balancer answers."""

    plan: cluster.ClusterPlan
    supervisor: Supervisor
    ready_seconds: float = 0.0   # from the first start until every service answered

    @property
    def url(self) -> str:
        return f"{self.plan.balancer_url}/webhooks/rest/webhook"

    def pids(self) -> dict[str, int]:
        """Each service's process (with its children: the log writer's service) by a short name."""
        return {service.name.lower().replace(" ", "_"): service.process.pid for service in self.supervisor.services
                if service.process is not None}

    def rss(self) -> dict[str, int]:
        """Each service's resident memory now (children included), by the names of `pids()`."""
        return {name: rss_bytes(pid) for name, pid in self.pids().items()}


def _free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port_run(length: int, start: int = 20000, stop: int = 30000) -> int:
    """The first port of `length` consecutive free ports (the cluster's replicas follow the balancer's)."""
    # from a random place in the range, so two benches starting at once rarely pick the same ports
    span = stop - start - length
    first = uuid.uuid4().int % span
    for step in range(0, span, length + 1):
        base = start + (first + step) % span
        if all(_free(port) for port in range(base, base + length)):
            return base
    raise RuntimeError(f"no {length} consecutive free ports between {start} and {stop}")


def with_sanic_workers(service, workers: int) -> None:
    """Give a Rasa server (SANIC_WORKERS) or an action server (`--workers`) `workers` Sanic workers."""
    if service.name.startswith("Rasa server"):
        service.env["SANIC_WORKERS"] = str(workers)
    elif service.name.startswith("action server"):
        service.command = [*service.command, "--workers", str(workers)]


def drop_database(database_url: str) -> None:
    """Drop the bench's own PostgreSQL database (its connections ended first)."""
    from settings.database import make_engine

    url = make_url(database_url)
    admin = make_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text("select pg_terminate_backend(pid) from pg_stat_activity where datname = :name"),
                               {"name": url.database})
            connection.execute(text(f'drop database if exists "{url.database}"'))
    finally:
        admin.dispose()


@contextmanager
def start_cluster(model: Path, workdir: Path, rasa_replicas: int = 2, action_replicas: int = 2,
                  sanic_workers: int = 1) -> Iterator[RunningCluster]:
    """Start the cluster (no widget page or console) and wait until every service answers."""
    rasa_base = free_port_run(rasa_replicas + 1)
    action_base = free_port_run(action_replicas + 1, start=30000, stop=32000)
    base_url = make_url(load_settings().database_url)
    if base_url.get_backend_name() != "postgresql":
        base_url = make_url(cluster.DEFAULT_DATABASE_URL)
    database_url = base_url.set(database=f"carebot_bench_{uuid.uuid4().hex[:10]}").render_as_string(
        hide_password=False)
    settings = dataclasses.replace(load_settings(), database_url=database_url, bind_host="127.0.0.1",
                                   rasa_port=rasa_base, action_port=action_base)
    try:
        plan = cluster.plan(settings, rasa_replicas, action_replicas)
    except cluster.ClusterError as error:
        raise ClusterUnavailable(str(error)) from error
    problems = cluster.missing_requirements(plan)   # creates the database when the server answers
    if problems:
        raise ClusterUnavailable("; ".join(problems))
    try:
        env = {**cluster.cluster_environment(plan), "RASA_TELEMETRY_ENABLED": "false"}
        run_logged([PYTHON, "-m", "knowledge", "build"], workdir / "logs" / "cluster-knowledge-build.log", env=env)
        services = cluster.cluster_services(plan, model=model, log_dir=workdir / "logs", var_dir=workdir / "var",
                                            with_extras=False)
        for service in services:
            service.env["RASA_TELEMETRY_ENABLED"] = "false"
            if sanic_workers > 1:
                with_sanic_workers(service, sanic_workers)
        # Several models load at once (one per Rasa process or Sanic worker): on a busy 2-core machine
        # that takes longer than the supervisor's usual wait for one
        supervisor = Supervisor(services, say=log, ready_timeout=READY_TIMEOUT_SECONDS)
        started = time.monotonic()
        supervisor.start_all()
        try:
            ready_seconds = time.monotonic() - started
            log(f"cluster ready after {ready_seconds:.0f} s: {rasa_replicas} Rasa servers, {action_replicas} action "
                f"servers behind nginx on port {rasa_base}" + (f", {sanic_workers} Sanic workers each"
                                                               if sanic_workers > 1 else ""))
            yield RunningCluster(plan, supervisor, ready_seconds)
        finally:
            supervisor.stop()
    finally:
        drop_database(database_url)
