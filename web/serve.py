"""The patients' page and the chat widget's files, served by the Python standard library.

    python web/serve.py --port 8080 [--host $BIND_HOST] [--bot-url http://127.0.0.1:5005]

Pages (`site/*.html`) are rendered with the bot's address (default: the Rasa server of the project's
settings, so test ports work) and the chat's language chosen with `?lang=<code>` (the widget's `data-lang`;
empty without one, so that the bot detects the patient's language), and sent with a strict
Content-Security-Policy: scripts and styles only from this server, network requests only to the bot. The widget's files (`widget/`, including the deep-chat
bundle that `scripts/web_deps.sh` copies into `widget/vendor/`) may be loaded by other sites that embed the
widget, so they are sent with `Access-Control-Allow-Origin: *` (public files, no credentials).
"""
from __future__ import annotations

import argparse
import hashlib
import html
import os
import sys
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

WEB_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = WEB_ROOT.parent
SITE_DIR = WEB_ROOT / "site"
WIDGET_DIR = WEB_ROOT / "widget"
VENDOR_BUNDLE = WIDGET_DIR / "vendor" / "deep-chat.js"

# the languages of the widget and the bot (languages/__init__.py: LANGUAGES), for `?lang=` on a page
CHAT_LANGUAGES = ("en", "ko", "ru", "zh", "mn", "ar")

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8",
}

COMMON_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
}

PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def default_bot_url() -> str:
    """The Rasa server of the project's settings (RASA_PORT), or of the environment alone without them."""
    sys.path.insert(0, str(PROJECT_ROOT))
    try:
        from settings import load_settings
    except ImportError:  # run by a Python without the project's dependencies
        return f"http://127.0.0.1:{os.environ.get('RASA_PORT', '').strip() or 5005}"
    return load_settings().rasa_url


def default_max_message_chars() -> int:
    """MAX_MESSAGE_CHARS of the settings, which the page passes to the widget (data-max-chars)."""
    sys.path.insert(0, str(PROJECT_ROOT))
    try:
        from settings import load_settings
    except ImportError:
        return int(os.environ.get("MAX_MESSAGE_CHARS", "").strip() or 2000)
    return load_settings().max_message_chars


def default_web_port() -> int:
    sys.path.insert(0, str(PROJECT_ROOT))
    try:
        from settings import load_settings
    except ImportError:
        return int(os.environ.get("WEB_PORT", "").strip() or 8080)
    return load_settings().web_port


def default_bind_host() -> str:
    """The address of the project's settings (BIND_HOST, 127.0.0.1 unless set)."""
    sys.path.insert(0, str(PROJECT_ROOT))
    try:
        from settings import load_settings
    except ImportError:
        return os.environ.get("BIND_HOST", "").strip() or "127.0.0.1"
    return load_settings().bind_host


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f"not an http(s) URL: {url!r}")
    return f"{parts.scheme}://{parts.netloc}"


def content_security_policy(bot_url: str) -> str:
    return "; ".join([
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        f"connect-src {origin_of(bot_url)}",
        "base-uri 'none'",
        "form-action 'none'",
        "frame-ancestors 'none'",
        "object-src 'none'",
    ])


def chat_language(query: str) -> str:
    """The chat language a page was asked for (`?lang=ko`), or "" for none or one the widget does not
    speak."""
    wanted = (parse_qs(query).get("lang") or [""])[0].strip().lower()
    return wanted if wanted in CHAT_LANGUAGES else ""


def render_page(body: bytes, bot_url: str, max_message_chars: int, language: str) -> bytes:
    """A page with its placeholders filled in: the bot's address, the message limit, the chat language
    (`{{LANG}}`, the widget's data-lang), and the page's language link for it marked as the current one
    (`data-chat-lang="<code>"`, "" for automatic)."""
    body = body.replace(b"{{BOT_URL}}", html.escape(bot_url, quote=True).encode())
    body = body.replace(b"{{MAX_MESSAGE_CHARS}}", str(max_message_chars).encode())
    body = body.replace(b"{{LANG}}", language.encode())
    current = f'data-chat-lang="{language}"'.encode()
    return body.replace(current, current + b' aria-current="true"', 1)


def resolve(path: str) -> tuple[Path, bool] | None:
    """The file for a URL path and whether it is a widget file; None where nothing may be served."""
    path = unquote(path)
    if path in {"/", ""}:
        return SITE_DIR / "index.html", False
    if path.startswith("/widget/"):
        base, rest, is_widget = WIDGET_DIR, path[len("/widget/"):], True
    else:
        base, rest, is_widget = SITE_DIR, path.lstrip("/"), False
    if not rest or any(part.startswith(".") or part == "" for part in rest.split("/")):
        return None
    candidate = (base / rest).resolve()
    if base.resolve() not in candidate.parents or candidate.suffix not in CONTENT_TYPES or not candidate.is_file():
        return None
    return candidate, is_widget


class Handler(BaseHTTPRequestHandler):
    server_version = "carebot-web"
    sys_version = ""
    bot_url = "http://127.0.0.1:5005"
    max_message_chars = 2000

    def do_GET(self) -> None:  # noqa: N802 - http.server's naming
        self.respond(send_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self.respond(send_body=False)

    def respond(self, send_body: bool) -> None:
        url = urlsplit(self.path)
        found = resolve(url.path)
        if found is None:
            self.send_plain(HTTPStatus.NOT_FOUND, "Not found\n", send_body)
            return
        file, is_widget = found
        body = file.read_bytes()
        is_page = file.suffix == ".html"
        if is_page:
            body = render_page(body, self.bot_url, self.max_message_chars, chat_language(url.query))
        etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
        headers = {**COMMON_HEADERS, "Content-Type": CONTENT_TYPES[file.suffix], "Cache-Control": "no-cache",
                   "ETag": etag}
        if is_page:
            headers.update(PAGE_HEADERS)
            headers["Content-Security-Policy"] = content_security_policy(self.bot_url)
        else:
            headers["Content-Security-Policy"] = "default-src 'none'; frame-ancestors 'none'"
        if is_widget:
            headers["Access-Control-Allow-Origin"] = "*"
            headers["Cross-Origin-Resource-Policy"] = "cross-origin"
        if etag in (self.headers.get("If-None-Match") or ""):
            self.send_response(HTTPStatus.NOT_MODIFIED)
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def send_plain(self, status: HTTPStatus, text: str, send_body: bool) -> None:
        body = text.encode()
        self.send_response(status)
        for name, value in {**COMMON_HEADERS, "Content-Type": "text/plain; charset=utf-8",
                            "Content-Security-Policy": "default-src 'none'"}.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - http.server's signature
        sys.stderr.write(f"{self.address_string()} {format % args}\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Serve the patients' page and the chat widget.")
    parser.add_argument("--port", type=int, default=None, help="port (default: WEB_PORT of the settings, 8080)")
    parser.add_argument("--host", default=None, help="address to listen on (default: BIND_HOST, 127.0.0.1)")
    parser.add_argument("--bot-url", default=None,
                        help="the Rasa server's address as browsers reach it (default: http://127.0.0.1:RASA_PORT)")
    args = parser.parse_args(argv)
    bot_url = (args.bot_url or default_bot_url()).rstrip("/")
    try:
        origin_of(bot_url)
    except ValueError as error:
        parser.error(f"--bot-url: {error}")
    port = args.port if args.port is not None else default_web_port()
    host = args.host or default_bind_host()
    if not VENDOR_BUNDLE.is_file():
        print(f"warning: {VENDOR_BUNDLE.relative_to(PROJECT_ROOT)} is missing, so the chat cannot open; "
              "run scripts/web_deps.sh (make web-deps).", file=sys.stderr)
    Handler.bot_url = bot_url
    Handler.max_message_chars = default_max_message_chars()
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True
    print(f"serving the patients' page on http://{host}:{port}/ (bot: {bot_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
