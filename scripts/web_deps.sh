#!/usr/bin/env bash
# Install the widget's npm dependencies (exactly the lockfile, `npm ci`) when web/package-lock.json changed
# since the last install, then copy the files the site serves into web/widget/vendor/.
# Called by `make web-deps` (before `make run` and `make test`); a re-run with nothing changed does nothing.
set -euo pipefail
cd "$(dirname "$0")/../web"

need_node_major=18
missing() {  # without Node.js the bot still runs, but the chat widget cannot open; in CI that is a failure
  echo "web-deps: $1" >&2
  echo "          The chat widget needs Node.js ${need_node_major}+ with npm to install its files (Debian/Ubuntu:" >&2
  echo "          apt-get install nodejs npm). Until then the page shows that the chat could not be loaded." >&2
  case "${CI:-}" in 1|true|TRUE|yes) exit 1 ;; *) exit 0 ;; esac
}
command -v node >/dev/null 2>&1 || missing "node was not found."
command -v npm >/dev/null 2>&1 || missing "npm was not found."
node_major="$(node -p 'process.versions.node.split(".")[0]')"
[ "$node_major" -ge "$need_node_major" ] || missing "Node.js $(node --version) is too old."

stamp=node_modules/.carebot-installed
wanted="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
  echo "web-deps: installing the widget's npm packages from web/package-lock.json"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$wanted" > "$stamp"
fi

# the assets the site serves: the deep-chat bundle (one ES module) and its licence
mkdir -p widget/vendor
copy() {  # copy only when different, so unchanged runs touch nothing
  if ! cmp -s "$1" "$2"; then cp "$1" "$2"; echo "web-deps: updated web/$2"; fi
}
copy node_modules/deep-chat/dist/deepChat.bundle.js widget/vendor/deep-chat.js
copy node_modules/deep-chat/LICENSE widget/vendor/LICENSE-deep-chat.txt
