"""A stand-in for one of the bot's services in the supervisor's tests: answers HTTP on a port, writes a
few log lines, and can die on its own (`--die-after` seconds, with `--exit-code`).

    python tests/stack/fake_service.py --port 8123 [--name web] [--die-after 0.5 --exit-code 3]
"""
from __future__ import annotations

import argparse
import os
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        body = b"ok\n"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args) -> None:
        pass


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", default="fake")
    parser.add_argument("--die-after", type=float, default=None)
    parser.add_argument("--exit-code", type=int, default=1)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    print(f"{args.name} pid {os.getpid()} listening on {args.port}", flush=True)
    print(f"{args.name} last words before dying", flush=True)
    if args.die_after is not None:
        threading.Timer(args.die_after, lambda: os._exit(args.exit_code)).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
