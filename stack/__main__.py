"""`python -m stack run`: start the whole bot and keep it running until Ctrl-C or SIGTERM.
`python -m stack health`: is each part up? (exit 1 when any is down)

`run` starts the action server, the Rasa server (REST channel), the patients' widget page and the
coordinators' console on BIND_HOST, waits until each answers, prints where to reach them, then
supervises them: a service that dies is restarted with a back-off and the others keep running
(stack/supervisor.py). `make run` builds the knowledge database and trains the model before calling it.
"""
from __future__ import annotations

import signal
import sys

from sqlalchemy.engine import make_url

from settings import PROJECT_ROOT, load_settings
from stack.processes import Service, all_services, service_environment
from stack.supervisor import Supervisor, timestamped

USAGE = "usage: python -m stack run | python -m stack health"


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


def run() -> int:
    settings = load_settings()
    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        print("No trained model in models/: run `make run`, which trains one first.", file=sys.stderr)
        return 1
    services = all_services(settings, service_environment(settings))
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
    print_addresses(settings, services)
    supervisor.run_until_stopped()
    timestamped("stopping...")
    supervisor.stop()
    return 0


def main(argv: list[str]) -> int:
    if argv == ["run"]:
        return run()
    if argv == ["health"]:
        from stack.health import main as health

        return health()
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
