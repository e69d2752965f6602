"""The international coordinators' console (Flask), run as its own process: `python -m console serve`."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(*args: Any, **kwargs: Any) -> "Flask":
    """See `console.app.create_app` (imported on use, so the command line starts without Flask)."""
    from console.app import create_app as _create_app  # noqa: PLC0415

    return _create_app(*args, **kwargs)


__all__ = ["create_app"]
