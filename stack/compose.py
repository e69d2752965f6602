"""deploy/compose.yaml as data, and the balancer configuration that follows from it.

`roles()` tells which compose services run which role of stack/container.py (two or more `rasa`, two
or more `actions`, ...); `balancer_config()` fills deploy/nginx.conf.template with those services'
names, so the balancer's file (deploy/nginx.compose.conf) never lists replicas the compose file lacks.

    python -m stack.compose nginx-config     rewrite deploy/nginx.compose.conf from deploy/compose.yaml
"""
from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

import yaml

from settings import PROJECT_ROOT
from stack.balancer import container_config

COMPOSE_FILE = PROJECT_ROOT / "deploy" / "compose.yaml"
NGINX_CONFIG = PROJECT_ROOT / "deploy" / "nginx.compose.conf"
ENTRY_POINT = ["python", "-m", "stack.container"]


def load(path: Path = COMPOSE_FILE) -> dict:
    """The compose file, YAML anchors and merge keys resolved."""
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def service_role(service: dict) -> str | None:
    """The stack.container role a service runs (`run ROLE`, or `knowledge-build`); None for other images."""
    command = service.get("command") or []
    if isinstance(command, str):
        command = command.split()
    if command[:1] == ["run"] and len(command) > 1:
        return command[1]
    if command[:1] == ["knowledge-build"]:
        return "knowledge-build"
    return None


def roles(compose: dict) -> dict[str, list[str]]:
    """Role -> the names of the services that run it, in file order."""
    found: dict[str, list[str]] = defaultdict(list)
    for name, service in compose["services"].items():
        role = service_role(service)
        if role:
            found[role].append(name)
    return dict(found)


def service_environment(service: dict) -> dict[str, str]:
    """A service's `environment`, as a mapping whichever of compose's two forms it uses."""
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def port_of(service: dict, variable: str) -> int:
    """The port a bot service listens on, from its environment (RASA_PORT, ACTION_PORT)."""
    return int(service_environment(service)[variable])


def balancer_config(compose: dict) -> str:
    """deploy/nginx.conf.template filled with the compose file's Rasa and action server services."""
    services = compose["services"]
    found = roles(compose)
    rasa_services, action_services = found.get("rasa", []), found.get("actions", [])
    if not rasa_services or not action_services:
        raise ValueError("the compose file has no Rasa or no action server service")
    rasa_port = port_of(services[rasa_services[0]], "RASA_PORT")
    action_port = port_of(services[action_services[0]], "ACTION_PORT")
    max_request_bytes = int(service_environment(services[rasa_services[0]])["MAX_REQUEST_BYTES"])
    return container_config([f"{name}:{rasa_port}" for name in rasa_services],
                            [f"{name}:{action_port}" for name in action_services],
                            rasa_port, action_port, max_request_bytes)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv != ["nginx-config"]:
        print(__doc__.split("\n\n")[-1].strip(), file=sys.stderr)
        return 2
    NGINX_CONFIG.write_text(balancer_config(load()), encoding="utf-8")
    print(f"wrote {NGINX_CONFIG.relative_to(PROJECT_ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
