"""`python -m settings shell` prints the effective settings as shell exports.

The run and test scripts evaluate it so that Rasa's `${VAR}` substitution in endpoints.yml and every
child process see the same values, defaults included.
"""
from __future__ import annotations

import shlex
import sys

from settings import load_settings


def main(argv: list[str]) -> int:
    if argv != ["shell"]:
        print("usage: python -m settings shell", file=sys.stderr)
        return 2
    settings = load_settings()
    exports = {
        "DATABASE_URL": settings.database_url,
        "RASA_PORT": settings.rasa_port,
        "ACTION_PORT": settings.action_port,
        "WEB_PORT": settings.web_port,
        "CONSOLE_PORT": settings.console_port,
        "ALLOWED_ORIGINS": ",".join(settings.allowed_origins),
        "CONSOLE_SESSION_MINUTES": settings.console_session_minutes,
        "BIND_HOST": settings.bind_host,
        # where this machine reaches the action server (endpoints.yml's ${ACTION_HOST})
        "ACTION_HOST": settings.connect_host,
        "MAX_MESSAGE_CHARS": settings.max_message_chars,
        "MAX_REQUEST_BYTES": settings.max_request_bytes,
    }
    if settings.action_server_token:  # never invent one here: both servers must get the same value
        exports["ACTION_SERVER_TOKEN"] = settings.action_server_token
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(str(value))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
