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
    }
    for name, value in exports.items():
        print(f"export {name}={shlex.quote(str(value))}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
