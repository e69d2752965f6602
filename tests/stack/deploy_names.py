"""What the deployment files may name, learnt from the project itself rather than copied: the environment
variables settings/ reads (recorded while `load_settings()` runs), the ones the cluster's endpoints
substitute, and which of them hold secrets."""
from __future__ import annotations

import os
import re
from collections.abc import Iterable
from pathlib import Path
from unittest import mock

import yaml

import settings
from settings import PROJECT_ROOT
from stack.cluster import CLUSTER_ENDPOINTS

SUBSTITUTION = re.compile(r"\$\{(\w+)")
# a name that says it holds a secret; DATABASE_URL and REDIS_URL carry passwords inside them
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET|KEY$")
SECRET_URLS = {"DATABASE_URL", "REDIS_URL"}


class RecordingEnvironment(dict):
    """A stand-in for os.environ that remembers every name looked up."""

    def __init__(self, values: dict[str, str]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key, default=None):  # noqa: ANN001, ANN201 - dict's signature
        self.read.add(key)
        return super().get(key, default)

    def __getitem__(self, key):  # noqa: ANN001, ANN204
        self.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key) -> bool:  # noqa: ANN001
        self.read.add(key)
        return super().__contains__(key)


def names_settings_reads() -> set[str]:
    """Every environment variable `settings.load_settings()` looks at."""
    recorder = RecordingEnvironment({})
    with mock.patch.object(settings.os, "environ", recorder):
        settings.load_settings()
    return recorder.read


def substituted_names(text: str) -> set[str]:
    """The `${NAME}` (and `${NAME:-default}`) names in a text."""
    return set(SUBSTITUTION.findall(text))


def names_endpoints_substitute(extra_endpoints: Iterable[str] = ()) -> set[str]:
    """The names Rasa substitutes in endpoints.cluster.yml (and in `extra_endpoints` texts)."""
    names = substituted_names((PROJECT_ROOT / CLUSTER_ENDPOINTS).read_text(encoding="utf-8"))
    for text in extra_endpoints:
        names |= substituted_names(text)
    return names


def is_secret(name: str) -> bool:
    return bool(SECRET_NAME.search(name)) or name in SECRET_URLS


def yaml_documents(path: Path) -> list[dict]:
    return [document for document in yaml.safe_load_all(path.read_text(encoding="utf-8")) if document]


def environment_without_secrets() -> dict[str, str]:
    """This process's environment less anything a developer's shell may hold for the bot, for the
    validators' child processes (they must see only what a test gives them)."""
    return {key: value for key, value in os.environ.items()
            if key in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "DOCKER_CONFIG"}}
