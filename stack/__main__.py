"""`python -m stack run`: start the whole bot and keep it running until Ctrl-C.

Starts the action server, the Rasa server (REST channel), the patients' widget page and the
coordinators' console, waits until each answers, prints where to reach them, and stops them all on
exit. `make run` builds the knowledge database and trains the model before calling this.
"""
from __future__ import annotations

import signal
import sys
import time

from settings import PROJECT_ROOT, load_settings
from stack.processes import LOG_DIR, VENV_BIN, Service, action_server, rasa_server, service_environment, stop_all


def extra_services(settings, env) -> list[Service]:
    """The widget site and the console, each started only where its part of the project exists."""
    services = []
    if (PROJECT_ROOT / "web" / "serve.py").exists():
        services.append(Service(
            name="widget page", command=[str(VENV_BIN / "python"), "web/serve.py", "--port", str(settings.web_port)],
            ready_url=f"http://127.0.0.1:{settings.web_port}/", log_path=LOG_DIR / "web.log", env=env))
    if (PROJECT_ROOT / "console" / "__main__.py").exists():
        services.append(Service(
            name="coordinators' console",
            command=[str(VENV_BIN / "python"), "-m", "console", "serve", "--port", str(settings.console_port)],
            ready_url=f"http://127.0.0.1:{settings.console_port}/login", log_path=LOG_DIR / "console.log", env=env))
    return services


def run() -> int:
    settings = load_settings()
    if not any((PROJECT_ROOT / "models").glob("*.tar.gz")):
        print("No trained model in models/: run `make run`, which trains one first.", file=sys.stderr)
        return 1
    env = service_environment(settings)
    services = [action_server(settings, env), rasa_server(settings, env), *extra_services(settings, env)]
    stopping = False

    def _stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)
    try:
        for service in services:
            print(f"starting {service.name} (log: {service.log_path.relative_to(PROJECT_ROOT)})", flush=True)
            service.start()
        for service in services:
            seconds = service.wait_ready()
            print(f"  {service.name} ready after {seconds:.1f} s", flush=True)
    except (RuntimeError, TimeoutError) as error:
        print(f"error: {error}", file=sys.stderr)
        stop_all(services)
        return 1

    print()
    print("The bot is running. Talk to it:")
    print(f"  {'REST channel:':<23}POST http://127.0.0.1:{settings.rasa_port}/webhooks/rest/webhook")
    print(f'{"":<25}curl -s -XPOST localhost:{settings.rasa_port}/webhooks/rest/webhook '
          f"-d '{{\"sender\": \"me\", \"message\": \"hello\"}}'")
    for service in services[2:]:
        print(f"  {service.name + ':':<23}{service.ready_url.rsplit('/', 1)[0]}/")
    print(f"  {'database:':<23}{settings.database_url}")
    print("Press Ctrl-C to stop.", flush=True)
    while not stopping:
        for service in services:
            if service.process and service.process.poll() is not None:
                print(f"error: {service.name} stopped (exit {service.process.returncode}); "
                      f"last lines of its log:\n{service.log_tail()}", file=sys.stderr)
                stopping = True
        time.sleep(0.5)
    print("stopping...", flush=True)
    stop_all(services)
    return 0


if __name__ == "__main__":
    if sys.argv[1:] != ["run"]:
        print("usage: python -m stack run", file=sys.stderr)
        sys.exit(2)
    sys.exit(run())
