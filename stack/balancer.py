"""The cluster's load balancer: nginx, configured from deploy/nginx.conf.template.

`render_config()` fills the template with the replicas' addresses and writes it under var/cluster/;
`balancer_service()` is the `Service` that runs nginx in the foreground with that file, so the stack's
supervisor starts, watches and restarts it like any other service.
"""
from __future__ import annotations

import re
import shutil
from pathlib import Path

from settings import PROJECT_ROOT, Settings
from stack.processes import Service, make_service

TEMPLATE = PROJECT_ROOT / "deploy" / "nginx.conf.template"
PLACEHOLDER = re.compile(r"\{\{\s*(\w+)\s*\}\}")
# A replica that refused a connection is left out for this long before nginx tries it again: short,
# so a restarted replica gets traffic soon after it answers.
FAIL_TIMEOUT_SECONDS = 2


def nginx_executable() -> str | None:
    """nginx on PATH, or in the sbin folders a non-root PATH often lacks (Debian installs it there)."""
    return shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/usr/local/sbin:/opt/homebrew/bin")


def listen_address(host: str) -> str:
    """BIND_HOST as nginx's `listen` wants it (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def server_lines(addresses: list[str]) -> str:
    """An upstream's `server` lines, one per replica address (host:port)."""
    return "\n".join(f"        server {address} max_fails=1 fail_timeout={FAIL_TIMEOUT_SECONDS}s;"
                     for address in addresses)


def upstream_lines(connect_host: str, ports: list[int]) -> str:
    return server_lines([f"{connect_host}:{port}" for port in ports])


def render(template: str, values: dict[str, object]) -> str:
    """`template` with each {{ name }} replaced; a name without a value is an error, not an empty hole."""
    def value(match: re.Match) -> str:
        name = match.group(1)
        if name not in values:
            raise KeyError(f"{TEMPLATE.name}: no value for {{{{ {name} }}}}")
        return str(values[name])

    return PLACEHOLDER.sub(value, template)


def render_config(settings: Settings, rasa_ports: list[int], action_ports: list[int], prefix: Path) -> Path:
    """Write `prefix`/nginx.conf: RASA_PORT spread over `rasa_ports`, ACTION_PORT over `action_ports`."""
    prefix.mkdir(parents=True, exist_ok=True)
    text = render(TEMPLATE.read_text(encoding="utf-8"), {
        "prefix": prefix,
        "access_log": prefix / "access.log",
        "listen_host": listen_address(settings.bind_host),
        "rasa_port": settings.rasa_port,
        "action_port": settings.action_port,
        "rasa_servers": upstream_lines(settings.connect_host, rasa_ports),
        "action_servers": upstream_lines(settings.connect_host, action_ports),
        "rasa_tries": len(rasa_ports),
        "action_tries": len(action_ports),
        "max_request_bytes": settings.max_request_bytes,
    })
    path = prefix / "nginx.conf"
    path.write_text(text, encoding="utf-8")
    return path


# In a container: nginx's pid and temporary files under /tmp (the only writable place the image promises),
# the access log on standard output, which the container runtime collects and rotates.
CONTAINER_PREFIX = "/tmp"
CONTAINER_ACCESS_LOG = "/dev/stdout"
CONTAINER_LISTEN_HOST = "0.0.0.0"


def container_config(rasa_addresses: list[str], action_addresses: list[str], rasa_port: int, action_port: int,
                     max_request_bytes: int) -> str:
    """The template filled for the balancer's container (deploy/nginx.compose.conf): the replicas by
    their service names (host:port), nginx listening on every interface of its own container."""
    return render(TEMPLATE.read_text(encoding="utf-8"), {
        "prefix": CONTAINER_PREFIX,
        "access_log": CONTAINER_ACCESS_LOG,
        "listen_host": CONTAINER_LISTEN_HOST,
        "rasa_port": rasa_port,
        "action_port": action_port,
        "rasa_servers": server_lines(rasa_addresses),
        "action_servers": server_lines(action_addresses),
        "rasa_tries": len(rasa_addresses),
        "action_tries": len(action_addresses),
        "max_request_bytes": max_request_bytes,
    })


def balancer_service(settings: Settings, config: Path, env: dict[str, str], log_dir: Path) -> Service:
    """nginx in the foreground (`daemon off`) with `config`; ready when its own health route answers."""
    executable = nginx_executable()
    if executable is None:
        raise FileNotFoundError("nginx is not installed")
    command = [executable, "-p", str(config.parent), "-c", str(config), "-e", "stderr", "-g", "daemon off;"]
    return make_service("load balancer", command,
                        f"http://{settings.connect_host}:{settings.rasa_port}/balancer/health",
                        log_dir / "balancer.log", env)


def check_config(config: Path) -> tuple[bool, str]:
    """`nginx -t` on the rendered file: (valid, nginx's own words)."""
    import subprocess

    executable = nginx_executable()
    if executable is None:
        return False, "nginx is not installed"
    result = subprocess.run([executable, "-t", "-p", str(config.parent), "-c", str(config), "-e", "stderr"],
                            capture_output=True, text=True, timeout=30)
    return result.returncode == 0, (result.stderr or result.stdout).strip()
