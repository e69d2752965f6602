#!/usr/bin/env bash
# Create .venv with a Python 3.10 interpreter and install the project into it.
# Re-running is quick: nothing is reinstalled unless pyproject.toml or requirements.lock changed.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=.venv
STAMP="$VENV/.installed"

is_python310() {
  [ -n "$1" ] && "$1" -c 'import sys, venv; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1
}

find_python310() {
  local candidates=("${PYTHON310:-}" python3.10)
  if command -v pyenv >/dev/null 2>&1; then
    candidates+=("$(pyenv root)"/versions/3.10*/bin/python3.10)
  fi
  candidates+=("$HOME"/.pyenv/versions/3.10*/bin/python3.10 /usr/local/bin/python3.10 /usr/bin/python3.10 python3 python)
  for candidate in "${candidates[@]}"; do
    if is_python310 "$candidate"; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 1
}

if [ ! -x "$VENV/bin/python" ] || ! is_python310 "$VENV/bin/python"; then
  if ! PYTHON=$(find_python310); then
    cat >&2 <<'MSG'
error: Rasa Open Source 3.6 needs Python 3.10 (it refuses 3.11 and newer), and no Python 3.10 was found.
Install one, then run the command again:
  - with pyenv:            pyenv install 3.10.13
  - on Debian or Ubuntu:   sudo apt install python3.10 python3.10-venv   (Ubuntu: from the deadsnakes PPA)
  - on macOS (Homebrew):   brew install python@3.10
  - or point to one:       PYTHON310=/path/to/python3.10 make run
MSG
    exit 1
  fi
  echo "setup: creating $VENV with $PYTHON ($("$PYTHON" --version 2>&1))"
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
fi

wanted=$(cat pyproject.toml requirements.lock | sha256sum | cut -d' ' -f1)
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$wanted" ]; then
  exit 0
fi

echo "setup: installing the project and its pinned dependencies into $VENV (first run takes a few minutes)"
# setuptools and wheel at the versions Rasa's tree accepts (a newer wheel drags in a newer packaging,
# which breaks Rasa's pin); pip below 25 for Python 3.10's resolver behaviour the lock was made with.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "pip<25" "setuptools==70.3.0" "wheel==0.45.1"
# requirements.lock pins every transitive version, so pip does not backtrack through Rasa's tree.
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check -c requirements.lock -e ".[test]"
echo "$wanted" > "$STAMP"
echo "setup: done"
