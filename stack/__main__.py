"""`python -m stack run`: start the whole bot and keep it running until Ctrl-C or SIGTERM.
`python -m stack run-cluster`: the same with RASA_REPLICAS Rasa servers and ACTION_REPLICAS action
servers behind nginx, on PostgreSQL and Redis (stack/cluster.py; `make run-cluster`).
`python -m stack health`: is each part up? (exit 1 when any is down)

`run` starts the action server, the Rasa server (REST channel), the patients' widget page and the
coordinators' console on BIND_HOST, waits until each answers, prints where to reach them, then
supervises them: a service that dies is restarted with a back-off and the others keep running
(stack/supervisor.py). `make run` builds the knowledge database and trains the model before calling it.
"""
from __future__ import annotations

import signal
import subprocess
import sys

from sqlalchemy.engine import make_url

from settings import PROJECT_ROOT, load_settings
from stack.processes import Service, all_services, service_environment
from stack.supervisor import Supervisor, timestamped

USAGE = "usage: python -m stack run | python -m stack run-cluster | python -m stack health"


def print_addresses(settings, services: list[Service]) -> None:
    rasa = settings.rasa_url
    print()
    print("The bot is running. Talk to it:")
    print(f"  {'REST channel:':<23}POST {rasa}/webhooks/rest/webhook")
    print(f'{"":<25}curl -s -XPOST {rasa}/webhooks/rest/webhook '
          f"-H 'Content-Type: application/json' -d '{{\"sender\": \"me\", \"message\": \"hello\"}}'")
    for service in services[2:]:
        print(f"  {service.name + ':':<23}{service.ready_url.rsplit('/', 1)[0]}/")
    print(f"  {'database:':<23}{make_url(settings.database_url).render_as_string(hide_password=True)}")
    print(f"  {'listening on:':<23}{settings.bind_host} (BIND_HOST)")
    print("A service that stops is restarted; `make health` shows each part. Press Ctrl-C to stop.", flush=True)


def has_model() -> bool:
    if any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        return True
    print("No trained model in models/: run `make run`, which trains one first.", file=sys.stderr)
    return False


def run() -> int:
    settings = load_settings()
    if not has_model():
        return 1
    services = all_services(settings, service_environment(settings))
    return supervise(services, lambda: print_addresses(settings, services))


def run_cluster() -> int:
    """Check nginx, PostgreSQL and Redis, build the knowledge store into the cluster's database, then
    start and supervise the replicas, the balancer, the widget page and the console."""
    from stack import cluster

    if not has_model():
        return 1
    try:
        plan = cluster.plan(load_settings())
    except cluster.ClusterError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    problems = cluster.missing_requirements(plan)
    if problems:
        print("`make run-cluster` cannot start on this machine:", file=sys.stderr)
        for problem in problems:
            print(f"  - {problem}", file=sys.stderr)
        return 1
    environment = cluster.cluster_environment(plan)
    built = subprocess.run([sys.executable, "-m", "knowledge", "build"], cwd=PROJECT_ROOT, env=environment)
    if built.returncode != 0:
        return built.returncode
    services = cluster.cluster_services(plan)
    return supervise(services, lambda: print_cluster_addresses(plan, services))


def print_cluster_addresses(plan, services: list[Service]) -> None:
    settings = plan.settings
    print()
    print(f"The cluster is running: {len(plan.rasa_ports)} Rasa servers and {len(plan.action_ports)} action "
          "servers behind nginx.")
    print(f"  {'REST channel:':<23}POST {settings.rasa_url}/webhooks/rest/webhook (the load balancer)")
    print(f"  {'Rasa replicas:':<23}ports {', '.join(map(str, plan.rasa_ports))}")
    print(f"  {'action servers:':<23}port {settings.action_port} (balancer), replicas on "
          f"{', '.join(map(str, plan.action_ports))}")
    for service in services:
        if service.name in ("widget page", "coordinators' console"):
            print(f"  {service.name + ':':<23}{service.ready_url.rsplit('/', 1)[0]}/")
    print(f"  {'database:':<23}{make_url(settings.database_url).render_as_string(hide_password=True)}")
    print(f"  {'lock store:':<23}Redis, {plan.redis_url.rsplit('@', 1)[-1]}")
    print("A service that stops is restarted; `make health` shows each part. Press Ctrl-C to stop.", flush=True)


def supervise(services: list[Service], print_ready) -> int:
    """Start `services` under a supervisor, call `print_ready()` once all answer, restart what dies
    until Ctrl-C or SIGTERM, then stop them all."""
    supervisor = Supervisor(services)

    def _stop(_signum, _frame):
        supervisor.stopping.set()

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    for service in services:
        log = service.log_path.relative_to(PROJECT_ROOT) if service.log_path.is_relative_to(PROJECT_ROOT) \
            else service.log_path
        print(f"starting {service.name} (log: {log})", flush=True)
    try:
        supervisor.start_all(on_ready=lambda service, seconds: print(
            f"  {service.name} ready after {seconds:.1f} s", flush=True))
    except KeyboardInterrupt:
        print("stopped before everything was up.", flush=True)
        return 1
    except (RuntimeError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print_ready()
    supervisor.run_until_stopped()
    timestamped("stopping...")
    supervisor.stop()
    return 0


def main(argv: list[str]) -> int:
    if argv == ["run"]:
        return run()
    if argv == ["run-cluster"]:
        return run_cluster()
    if argv == ["health"]:
        from stack.health import main as health

        return health()
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
