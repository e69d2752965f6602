"""Rasa's check of each action server answer, with its JSON schema compiled once instead of per call.

Rasa 3.6's `RemoteAction._validate_action_result` calls `jsonschema.validate(result, schema)` for every
custom action call, and `jsonschema.validate` first checks the schema itself against the JSON Schema
meta-schema. Rasa's event schema is large and never changes, so that self-check is pure waste: the
profile of a loaded Rasa server (`make bench`, issue #14) showed about a fifth of the server's busy time
in `check_schema`, under every custom action call. `install()` replaces the method with one that
validates against a validator built (and its schema checked) once, raising the same `ValidationError`
with the same message as Rasa's.

Installed by server/tracker_store.py, which every Rasa server of this project loads from its endpoints
file; tests/server/test_action_response_check.py checks the pinned Rasa still does what this replaces.
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_ORIGINAL = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def _validator() -> Any:
    from jsonschema.validators import validator_for

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)  # once, as jsonschema.validate would on every call
    return validator_class(schema)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """Rasa's `_validate_action_result` with the validator built once."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(result))
    if error is not None:
        error.message += (
            f". Failed to validate Action server response from API, "
            f"make sure your response from the Action endpoint is valid. "
            f"For more information about the format visit "
            f"{DOCS_BASE_URL}/custom-actions"
        )
        raise error
    return True


def install() -> None:
    """Use the compiled validator for every RemoteAction of this process (idempotent)."""
    RemoteAction._validate_action_result = validate_action_result


def installed() -> bool:
    return RemoteAction._validate_action_result is validate_action_result
