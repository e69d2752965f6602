"""What the browser tests share: the widget's names and selectors, and helpers to drive the page and to
fake the bot's replies with `page.route`."""
from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

try:
    from playwright.sync_api import expect
except ImportError:  # reported by the `chromium` fixture (skip there, failure in CI)
    expect = None

TESTS_DIR = Path(__file__).resolve().parents[1]
PROJECT_ROOT = TESTS_DIR.parent
SCREENSHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 375, "height": 667}
WEBHOOK = "**/webhooks/rest/webhook"

LAUNCHER = "Chat with us"
TITLE = "Cancer care assistant"
ERROR_TEXT = "the assistant is unavailable right now"
TOO_LONG_TEXT = "Your message is too long"

# deep-chat renders into open shadow roots, which Playwright's CSS selectors pierce
TEXT_INPUT = "#text-input"
USER_BUBBLES = ".user-message-text"
AI_BUBBLES = ".ai-message-text"
TYPING = ".deep-chat-loading-message-bubble, .cw-typing"

# the innermost focused element across shadow roots, described by id or class
DEEP_ACTIVE = """() => {
  let a = document.activeElement;
  while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
  return a ? (a.id || a.getAttribute('class') || a.tagName) : null;
}"""
LIVE_TEXT = """() => {
  const host = document.getElementById('carebot-widget');
  const live = host && host.shadowRoot.querySelector('[aria-live]');
  return live ? {politeness: live.getAttribute('aria-live'), text: live.textContent} : null;
}"""


# the widget's state in its language: the panel's lang/dir and computed direction, deep-chat's, the first
# bubble's bidi rule, the language menu and its options, the fonts asked for
WIDGET_LANGUAGE_STATE = """() => {
  const root = document.getElementById('carebot-widget').shadowRoot;
  const panel = root.querySelector('[role=dialog]');
  const chat = root.querySelector('deep-chat');
  const messages = chat && chat.shadowRoot && chat.shadowRoot.getElementById('messages');
  const bubble = chat && chat.shadowRoot && chat.shadowRoot.querySelector('.ai-message-text');
  const menu = root.querySelector('select');
  return {
    lang: panel.getAttribute('lang'), dir: panel.getAttribute('dir'), direction: getComputedStyle(panel).direction,
    hostLang: document.getElementById('carebot-widget').getAttribute('lang'),
    launcherLang: root.querySelector('.cw-launcher').getAttribute('lang'),
    messagesDirection: messages ? getComputedStyle(messages).direction : null,
    bubbleBidi: bubble ? getComputedStyle(bubble).unicodeBidi : null,
    panelFont: getComputedStyle(panel).fontFamily, chatFont: chat ? getComputedStyle(chat).fontFamily : null,
    menu: menu.value,
    options: [...menu.options].map((o) => ({value: o.value, text: o.textContent, lang: o.lang})),
  };
}"""


@dataclass
class Site:
    """The patients' page served by web/serve.py, and the bot it points at."""

    base_url: str
    bot_url: str
    log_path: Path


def screenshot(page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def open_widget(page, site: Site, path: str = "/") -> None:
    page.goto(site.base_url + path)
    page.get_by_role("button", name=LAUNCHER).click()
    expect(page.locator(TEXT_INPUT)).to_be_visible()


def type_and_send(page, text: str) -> None:
    box = page.locator(TEXT_INPUT)
    box.fill(text)
    box.press("Enter")


def is_webhook_post(response) -> bool:
    return response.url.endswith("/webhooks/rest/webhook") and response.request.method == "POST"


def ask(page, text: str) -> tuple[dict, list[dict]]:
    """Send `text` through the widget; return the request body and the bot's (real or routed) replies."""
    with page.expect_response(is_webhook_post) as info:
        type_and_send(page, text)
    response = info.value
    return response.request.post_data_json, response.json()


def visible_text(markdownish: str) -> str:
    """What a reply text looks like on screen: no ** markers, list dashes or repeated whitespace."""
    text = re.sub(r"^\s*- ", "", markdownish.replace("**", ""), flags=re.M)
    return " ".join(text.split())


def reply_texts(replies: list[dict]) -> list[str]:
    """The real bot's text replies as they look on screen. The bot always answers with text: when Rasa
    gives no reply at all, the channel sends its "briefly unavailable" reply."""
    texts = [visible_text(r["text"]) for r in replies if r.get("text")]
    assert texts, f"the bot gave no text: {replies!r}"
    return texts


def bubble_texts(page, selector: str) -> list[str]:
    return [" ".join(t.split()) for t in page.locator(selector).all_inner_texts()]


def fake_bot(page, replies_for: Callable[[dict], list[dict] | int]) -> list[dict]:
    """Answer the widget's webhook requests with `replies_for(request body)`: the replies (HTTP 200), or an
    HTTP status for an error answer. Return the request bodies seen."""
    bodies: list[dict] = []

    def handle(route):
        request = route.request
        cors = {"Access-Control-Allow-Origin": request.headers.get("origin", "*"),
                "Access-Control-Allow-Headers": "content-type", "Access-Control-Allow-Methods": "POST"}
        if request.method == "OPTIONS":
            route.fulfill(status=204, headers=cors)
            return
        body = request.post_data_json
        bodies.append(body)
        answer = replies_for(body)
        if isinstance(answer, int):
            route.fulfill(status=answer, headers=cors, content_type="application/json",
                          body=json.dumps({"error": "fake", "detail": f"HTTP {answer} from the fake bot"}))
            return
        route.fulfill(status=200, headers=cors, content_type="application/json", body=json.dumps(answer))

    page.route(WEBHOOK, handle)
    return bodies


def wait_for_requests(page, bodies: list[dict], count: int, timeout_ms: int = 5000) -> list[dict]:
    """`bodies` once the fake bot has seen `count` requests: the widget shows the user's bubble before its
    request leaves, and the route handler only runs while Playwright dispatches events."""
    waited = 0
    while len(bodies) < count and waited < timeout_ms:
        page.wait_for_timeout(50)
        waited += 50
    return bodies


def session_value(page, suffix: str, site: Site):
    return page.evaluate("key => sessionStorage.getItem(key)", f"carebot:{site.bot_url}:{suffix}")

