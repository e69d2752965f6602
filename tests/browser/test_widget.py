"""The patients' page and chat widget in a real browser (Debian's Chromium through Playwright), against the
real bot (`running_bot`) and `web/serve.py` on the test ports (fixtures in conftest.py).

Replies that the bot cannot give yet (quick replies, HTML in a reply, a given text) come from
`page.route`; everything else goes to the real Rasa server. Screenshots go to test-artifacts/screenshots/.
The widget's handling of errors, limits and an unavailable bot is in test_widget_errors.py.
"""
from __future__ import annotations

import json
import re
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from tests.browser.widget_page import (
    AI_BUBBLES,
    DEEP_ACTIVE,
    DESKTOP,
    ERROR_TEXT,
    LAUNCHER,
    LIVE_TEXT,
    PHONE,
    TEXT_INPUT,
    TITLE,
    TYPING,
    USER_BUBBLES,
    WEBHOOK,
    ask,
    bubble_texts,
    expect,
    fake_bot,
    is_webhook_post,
    open_widget,
    reply_texts,
    screenshot,
    session_value,
    type_and_send,
    visible_text,
    wait_for_requests,
)

pytestmark = [pytest.mark.browser, pytest.mark.servers]


# --- the server and CORS ---------------------------------------------------------------------------

def http_get(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode()


def test_page_is_served_with_a_strict_csp_and_the_bot_address(site):
    status, headers, body = http_get(site.base_url + "/")
    assert status == 200
    csp = headers["Content-Security-Policy"]
    directives = dict((part.strip().split(" ", 1) + [""])[:2] for part in csp.split(";"))
    assert directives["script-src"] == "'self'", "no inline or foreign scripts"
    assert directives["connect-src"] == site.bot_url, "network requests only to the bot"
    assert directives["default-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in csp
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert f'data-bot-url="{site.bot_url}"' in body, "the page learns the bot's address from the settings"
    assert 'data-max-chars="2000"' in body, "and the message limit (MAX_MESSAGE_CHARS)"
    assert re.search(r"<script(?![^>]*\bsrc=)", body) is None, "every script is a file"
    for topic in ("Stem-cell transplants", "CAR-T", "Childhood cancers", "Skin cancer", "Ovarian cancer surgery",
                  "Clinical trials", "Follow-up care"):
        assert topic in body
    assert "not medical advice" in body and "119" in body

    status, headers, _ = http_get(site.base_url + "/widget/widget.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert headers["Access-Control-Allow-Origin"] == "*", "other sites may load the widget's files"
    status, headers, _ = http_get(site.base_url + "/widget/vendor/deep-chat.js")
    assert status == 200 and headers["X-Content-Type-Options"] == "nosniff"
    for path in ("/../serve.py", "/widget/../serve.py", "/%2e%2e/serve.py", "/.gitignore", "/package.json",
                 "/widget/vendor/", "/node_modules/deep-chat/package.json"):
        assert http_get(site.base_url + path)[0] == 404, path


def cors_headers(url: str, origin: str, method: str) -> dict:
    data = json.dumps({"sender": "cors-check", "message": "hello"}).encode() if method == "POST" else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        "Origin": origin, "Content-Type": "application/json",
        "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return dict(response.headers)
    except urllib.error.HTTPError as error:
        return dict(error.headers)


def test_rasa_cors_allows_the_page_origin_and_not_others(site, running_bot):
    webhook = f"{running_bot.rasa_url}/webhooks/rest/webhook"
    for origin in (site.base_url, site.base_url.replace("127.0.0.1", "localhost")):
        for method in ("OPTIONS", "POST"):
            headers = cors_headers(webhook, origin, method)
            assert headers.get("Access-Control-Allow-Origin") == origin, (origin, method, headers)
    for origin in ("http://evil.example", "null", site.base_url.replace(str(running_bot.settings.web_port), "9")):
        for method in ("OPTIONS", "POST"):
            headers = cors_headers(webhook, origin, method)
            assert headers.get("Access-Control-Allow-Origin") not in {origin, "*"}, (origin, method, headers)


# --- the conversation ------------------------------------------------------------------------------

def test_asking_shows_the_real_answer_and_announces_it(page, site):
    open_widget(page, site)
    page.wait_for_function(f"() => ({DEEP_ACTIVE})() === 'text-input'")  # opening focuses the message box
    body, replies = ask(page, "hello")
    assert body["message"] == "hello"
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}", body["sender"])
    expect(page.locator(USER_BUBBLES).last).to_have_text("hello")
    expected = reply_texts(replies)
    expect(page.locator(AI_BUBBLES).filter(has_text=expected[-1][:40])).to_have_count(1)
    shown = " ".join(bubble_texts(page, AI_BUBBLES))
    for text in expected:
        assert text in shown, f"{text!r} not shown in {shown!r}"
    live = page.evaluate(LIVE_TEXT)
    assert live["politeness"] == "polite"
    assert " ".join(live["text"].split()).find(" ".join(expected[0].split())[:40]) >= 0, live
    for reply in replies:  # custom-only replies (metadata for machines) are not shown
        if "custom" in reply and not reply.get("text"):
            assert json.dumps(reply["custom"])[:20] not in shown
    buttons = [b for r in replies for b in r.get("buttons") or []]
    if buttons:  # once the real greeting offers quick replies, click the first one for real
        with page.expect_request(lambda r: r.url.endswith("/webhook") and r.method == "POST") as sent:
            page.get_by_role("button", name=buttons[0]["title"], exact=True).click()
        assert sent.value.post_data_json["message"] == buttons[0]["payload"]
        expect(page.locator(USER_BUBBLES).last).to_have_text(buttons[0]["title"])
        expect(page.locator(TYPING)).to_have_count(0)
    # a real routing question: the answer names the unit and cites its page
    _, replies = ask(page, "my 6 year old son has leukemia, where should we go?")
    answer = visible_text(next(r["text"] for r in replies if r.get("text")))
    expect(page.locator(AI_BUBBLES).filter(has_text=answer[:40])).to_have_count(1)
    expect(page.locator(AI_BUBBLES).filter(has_text="Pediatric Hematology-Oncology").last).to_be_visible()
    expect(page.locator(AI_BUBBLES).filter(has_text="001_2893836f267d3b1c.txt").last).to_be_visible()
    screenshot(page, "desktop-conversation")


def test_typing_indicator_shows_while_waiting(page, site):
    held = []
    page.route(WEBHOOK, lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    open_widget(page, site)
    type_and_send(page, "hello")
    expect(page.locator(TYPING)).to_be_visible()
    page.wait_for_timeout(300)
    assert len(held) == 1
    screenshot(page, "desktop-typing")
    held[0].fulfill(status=200, content_type="application/json",
                    headers={"Access-Control-Allow-Origin": site.base_url},
                    body=json.dumps([{"text": "Here is the answer."}]))
    expect(page.locator(AI_BUBBLES).filter(has_text="Here is the answer.")).to_be_visible()
    expect(page.locator(TYPING)).to_have_count(0)


def test_quick_replies_send_the_payload_and_show_the_title(page, site):
    def replies_for(body):
        if body["message"] == "hello":
            return [
                {"recipient_id": body["sender"], "text": "What would you like to know?", "buttons": [
                    {"title": "Stem-cell transplants", "payload": "/ask_transplant"},
                    {"title": "A child <b>or</b> teenager", "payload": '/inform_patient{"age_group": "child"}'},
                ]},
                {"recipient_id": body["sender"], "custom": {"meta": {"topic": "GREETING-META", "sources": ["S-1"]}}},
            ]
        return [{"recipient_id": body["sender"], "text": f"Answer to {body['message']}"},
                {"recipient_id": body["sender"], "custom": {"meta": {"topic": "ANSWER-META"}}}]

    bodies = fake_bot(page, replies_for)
    open_widget(page, site)
    type_and_send(page, "hello")
    transplant = page.get_by_role("button", name="Stem-cell transplants", exact=True)
    expect(transplant).to_be_visible()
    child = page.get_by_role("button", name="A child <b>or</b> teenager", exact=True)
    expect(child).to_be_visible()
    expect(page.get_by_role("group", name="Suggested replies")).to_be_visible()
    screenshot(page, "desktop-quick-replies")

    transplant.click()
    expect(page.locator(USER_BUBBLES).last).to_have_text("Stem-cell transplants")
    expect(page.locator(AI_BUBBLES).filter(has_text="Answer to /ask_transplant")).to_be_visible()
    child.focus()
    page.keyboard.press("Enter")  # quick replies work from the keyboard too
    expect(page.locator(USER_BUBBLES).last).to_have_text("A child <b>or</b> teenager")
    expect(page.locator(AI_BUBBLES).filter(has_text="/inform_patient")).to_be_visible()

    assert [b["message"] for b in bodies] == ["hello", "/ask_transplant", '/inform_patient{"age_group": "child"}']
    assert len({b["sender"] for b in bodies}) == 1
    shown = " ".join(page.locator("#messages").all_inner_texts())
    assert "META" not in shown and "S-1" not in shown, "custom (metadata) replies are not shown"
    assert "/ask_transplant" not in " ".join(bubble_texts(page, USER_BUBBLES)), "the payload is not shown"


def test_reload_continues_the_same_conversation(make_page, site):
    page = make_page()
    open_widget(page, site)
    first, replies = ask(page, "hello")
    sender = first["sender"]
    assert session_value(page, "sender", site) == sender
    reply_text = reply_texts(replies)[0]
    expect(page.locator(AI_BUBBLES).filter(has_text=reply_text[:40])).to_have_count(1)

    page.reload()
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()  # it was open: it stays open
    expect(page.locator(USER_BUBBLES)).to_have_text(["hello"])
    expect(page.locator(AI_BUBBLES).filter(has_text=reply_text[:40])).to_have_count(1)
    second, _ = ask(page, "thank you")
    assert second["sender"] == sender, "a reload continues the conversation"
    expect(page.locator(USER_BUBBLES)).to_have_text(["hello", "thank you"])
    screenshot(page, "desktop-after-reload")

    other = make_page()  # another visitor gets another, unguessable id
    open_widget(other, site)
    third, _ = ask(other, "hello")
    assert third["sender"] != sender
    expect(other.locator(USER_BUBBLES)).to_have_text(["hello"])


def test_unreachable_bot_shows_an_error_and_retry_keeps_the_message(page, site):
    page.route(WEBHOOK, lambda route: route.abort("connectionrefused"))
    open_widget(page, site)
    typed = "Which hospital treats childhood leukemia?"
    type_and_send(page, typed)
    error = page.locator(".cw-error")
    expect(error).to_contain_text(ERROR_TEXT)
    retry = page.get_by_role("button", name="Retry")
    expect(retry).to_be_visible()
    expect(page.locator(USER_BUBBLES)).to_have_text([typed])
    assert ERROR_TEXT in page.evaluate(LIVE_TEXT)["text"]
    screenshot(page, "desktop-error-retry")

    retry.click()  # still unreachable: the error comes back, nothing is lost
    expect(retry).to_be_visible()
    page.wait_for_function(f"() => ({DEEP_ACTIVE})() === 'cw-retry'")  # the focus stays on Retry
    page.reload()  # the kept message and its Retry survive a reload
    expect(page.locator(USER_BUBBLES)).to_have_text([typed])
    expect(retry).to_be_visible()

    page.unroute(WEBHOOK)
    with page.expect_response(is_webhook_post) as info:
        retry.click()
    response = info.value
    assert response.request.post_data_json["message"] == typed
    texts = reply_texts(response.json())
    expect(page.locator(AI_BUBBLES).filter(has_text=texts[0][:40])).to_have_count(1)
    expect(error).to_have_count(0)
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    expect(page.locator(USER_BUBBLES)).to_have_text([typed])  # sent again, not typed again
    page.wait_for_function(f"() => ({DEEP_ACTIVE})() === 'text-input'")
    assert session_value(page, "failed", site) is None


def test_bot_html_is_shown_as_text_and_never_runs(page, site):
    hostile = ('<img src=x onerror="window.__xss=1"> <script>window.__xss=2</script> '
               '<a href="javascript:window.__xss=3">tap</a> [click me](javascript:window.__xss=4) '
               '![pic](https://tracker.example/p.png) <iframe src="https://example.org"></iframe>')
    formatted = ("**Important:** see https://example.org/care?a=1&b=2 or call +82-2-1234-5678.\n"
                 "- first point\n- second point\nThe end.")

    def replies_for(body):
        return [{"text": hostile}, {"text": formatted},
                {"text": "Pick:", "buttons": [{"title": "<img src=y onerror=window.__xss=5>", "payload": "/x"}]}]

    fake_bot(page, replies_for)
    open_widget(page, site)
    type_and_send(page, "<b>my</b> question <img src=z onerror=window.__xss=6>")
    messages = page.locator("#messages")
    expect(page.locator(AI_BUBBLES).filter(has_text="The end.")).to_be_visible()
    expect(page.locator(USER_BUBBLES).last).to_have_text("<b>my</b> question <img src=z onerror=window.__xss=6>")
    hostile_bubble = page.locator(AI_BUBBLES).filter(has_text="onerror")
    expect(hostile_bubble.first).to_contain_text('<img src=x onerror="window.__xss=1">')
    expect(hostile_bubble.first).to_contain_text("<script>window.__xss=2</script>")
    expect(page.get_by_role("button", name="<img src=y onerror=window.__xss=5>")).to_be_visible()
    page.wait_for_timeout(500)
    assert page.evaluate("window.__xss") is None, "no injected script ran"
    assert messages.locator("img, script, iframe").count() == 0
    assert messages.locator("a[href^='javascript:' i]").count() == 0
    hostile_bubble.first.get_by_text("click me").click()  # shown as text, does nothing
    assert page.evaluate("window.__xss") is None

    formatted_bubble = page.locator(AI_BUBBLES).filter(has_text="The end.")
    expect(formatted_bubble.locator("strong")).to_have_text("Important:")
    expect(formatted_bubble.locator("li")).to_have_text(["first point", "second point"])
    link = formatted_bubble.locator("a[href^='https://example.org/care']")
    expect(link).to_have_attribute("href", "https://example.org/care?a=1&b=2")
    expect(link).to_have_attribute("rel", re.compile("noopener"))
    expect(formatted_bubble.locator("a[href='tel:+82212345678']")).to_have_text("+82-2-1234-5678")
    screenshot(page, "desktop-html-as-text")


# --- keyboard, screen readers, IME -----------------------------------------------------------------

def test_keyboard_only_use(page, site):
    page.goto(site.base_url + "/")
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate(DEEP_ACTIVE) == "cw-launcher":
            break
    else:
        pytest.fail("Tab never reached the chat launcher")
    launcher = page.get_by_role("button", name=LAUNCHER)
    expect(launcher).to_have_attribute("aria-expanded", "false")
    screenshot(page, "desktop-launcher-focused")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()
    expect(launcher).to_have_attribute("aria-expanded", "true")
    page.wait_for_function(f"() => ({DEEP_ACTIVE})() === 'text-input'")
    page.keyboard.type("hello")
    with page.expect_response(is_webhook_post) as info:
        page.keyboard.press("Enter")
    replies = info.value.json()
    text = reply_texts(replies)[0]
    expect(page.locator(AI_BUBBLES).filter(has_text=text[:40])).to_have_count(1)

    # the Send button and the close button can be reached and used from the keyboard
    send = page.get_by_role("button", name="Send", exact=True)
    expect(send).to_be_visible()
    page.locator(TEXT_INPUT).focus()
    page.keyboard.type("thank you")
    send.focus()
    with page.expect_request(lambda r: r.url.endswith("/webhook") and r.method == "POST") as sent:
        page.keyboard.press("Enter")
    assert sent.value.post_data_json["message"] == "thank you"
    expect(page.locator(USER_BUBBLES).last).to_have_text("thank you")

    page.keyboard.press("Escape")
    expect(page.get_by_role("dialog", name=TITLE)).to_be_hidden()
    assert page.evaluate(DEEP_ACTIVE) == "cw-launcher", "closing returns the focus to the launcher"
    expect(launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name=TITLE)).to_be_visible()
    page.get_by_role("button", name="Close chat").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("dialog", name=TITLE)).to_be_hidden()
    assert page.evaluate(DEEP_ACTIVE) == "cw-launcher"


def test_live_region_announces_each_new_bot_message(page, site):
    fake_bot(page, lambda body: [{"text": f"**Answer** number {body['message']}"},
                                 {"custom": {"meta": {"topic": "HIDDEN"}}}])
    open_widget(page, site)
    before = page.evaluate(LIVE_TEXT)
    assert before["politeness"] == "polite" and "Answer number" not in before["text"]
    type_and_send(page, "one")
    expect(page.locator(AI_BUBBLES).filter(has_text="Answer number one")).to_be_visible()
    assert "Answer number one" in page.evaluate(LIVE_TEXT)["text"]
    type_and_send(page, "two")
    expect(page.locator(AI_BUBBLES).filter(has_text="Answer number two")).to_be_visible()
    live = page.evaluate(LIVE_TEXT)["text"]
    assert "Answer number two" in live and "HIDDEN" not in live and "**" not in live


def test_enter_while_composing_with_an_ime_does_not_send(page, site):
    bodies = fake_bot(page, lambda body: [{"text": f"Got {body['message']}"}])
    open_widget(page, site)
    box = page.locator(TEXT_INPUT)
    box.fill("안녕하세")

    def enter(**init):
        box.evaluate("""(el, init) => {
            const event = new KeyboardEvent('keydown', {key: 'Enter', code: 'Enter', bubbles: true,
                                                        composed: true, cancelable: true, ...init});
            if ('keyCode' in init) Object.defineProperty(event, 'keyCode', {get: () => init.keyCode});
            el.dispatchEvent(event);
        }""", init)

    # Chrome/Firefox order: compositionstart ... keydown Enter (isComposing) ... compositionend
    box.dispatch_event("compositionstart")
    enter(isComposing=True, keyCode=229)
    box.dispatch_event("compositionend")
    # Safari order: compositionend comes first, then keydown Enter with keyCode 229
    box.dispatch_event("compositionstart")
    box.dispatch_event("compositionend")
    enter(isComposing=False, keyCode=229)
    # a real IME composition through the DevTools protocol, confirmed with Enter
    cdp = page.context.new_cdp_session(page)
    box.focus()
    cdp.send("Input.imeSetComposition", {"text": "요", "selectionStart": 1, "selectionEnd": 1})
    cdp.send("Input.dispatchKeyEvent", {"type": "rawKeyDown", "key": "Enter", "code": "Enter",
                                        "windowsVirtualKeyCode": 229, "nativeVirtualKeyCode": 229})
    cdp.send("Input.insertText", {"text": "요"})
    page.wait_for_timeout(500)
    assert bodies == [], "Enter during an IME composition sent the message"
    expect(page.locator(USER_BUBBLES)).to_have_count(0)
    expect(box).to_have_text(re.compile("안녕하세"))

    enter()  # a plain Enter (no composition) does send: the check above can fail
    expect(page.locator(USER_BUBBLES)).to_have_count(1)
    wait_for_requests(page, bodies, 1)
    assert len(bodies) == 1 and bodies[0]["message"].startswith("안녕하세")


def test_controls_are_labelled_and_have_enough_contrast(page, site):
    fake_bot(page, lambda body: [{"text": "Reply", "buttons": [{"title": "Clinical trials", "payload": "/t"}]}])
    open_widget(page, site)
    type_and_send(page, "hello")
    page.get_by_role("button", name="Clinical trials").wait_for()
    report = page.evaluate("""() => {
      const all = [];
      const walk = (root) => root.querySelectorAll('*').forEach((el) => { all.push(el); if (el.shadowRoot) walk(el.shadowRoot); });
      walk(document.getElementById('carebot-widget').shadowRoot);
      const visible = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
      const controls = all.filter((el) => visible(el) && (el.matches('button, [role=button], [role=textbox], a, input, textarea')));
      const unlabelled = controls.filter((el) => !(el.getAttribute('aria-label') || el.textContent.trim()))
                                 .map((el) => el.outerHTML.slice(0, 120));
      const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
      const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; })
                                        .reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
      const background = (el) => {
        for (let e = el; e; e = e.parentElement || (e.getRootNode() && e.getRootNode().host)) {
          const c = rgb(getComputedStyle(e).backgroundColor);
          if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
        }
        return [255, 255, 255];
      };
      const low = [];
      for (const el of all) {
        if (!visible(el)) continue;
        const own = Array.from(el.childNodes).some((n) => n.nodeType === 3 && n.textContent.trim());
        if (!own) continue;
        const fg = rgb(getComputedStyle(el).color).slice(0, 3), bg = background(el);
        const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
        const ratio = (a + 0.05) / (b + 0.05);
        if (ratio < 4.5) low.push(`${ratio.toFixed(2)} ${el.tagName}.${el.className} ${el.textContent.trim().slice(0, 40)}`);
      }
      return {controls: controls.length, unlabelled, low};
    }""")
    assert report["controls"] >= 5
    assert report["unlabelled"] == [], report["unlabelled"]
    assert report["low"] == [], "text below WCAG AA contrast (4.5:1): " + "; ".join(report["low"])


# --- sizes and embedding ---------------------------------------------------------------------------

@pytest.mark.parametrize("name,viewport", [("phone", PHONE), ("desktop", DESKTOP)])
def test_layout_fits_phone_and_desktop(make_page, site, name, viewport):
    page = make_page(viewport)
    fake_bot(page, lambda body: [{"text": "Hello, and welcome. I can tell you which unit to contact.",
                                  "buttons": [{"title": "Stem-cell transplants", "payload": "/a"},
                                              {"title": "Childhood cancers", "payload": "/b"}]}])
    page.goto(site.base_url + "/")
    launcher = page.get_by_role("button", name=LAUNCHER)
    expect(launcher).to_be_visible()
    box = launcher.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
    assert box["y"] >= 0 and box["y"] + box["height"] <= viewport["height"]
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"], "no sideways scrolling"
    screenshot(page, f"{name}-page")

    launcher.click()
    type_and_send(page, "hello")
    expect(page.get_by_role("button", name="Childhood cancers")).to_be_visible()
    panel = page.get_by_role("dialog", name=TITLE).bounding_box()
    assert panel["x"] >= 0 and panel["y"] >= 0
    assert panel["x"] + panel["width"] <= viewport["width"] + 0.5
    assert panel["y"] + panel["height"] <= viewport["height"] + 0.5
    if name == "phone":
        assert panel["width"] == viewport["width"] and panel["height"] == viewport["height"], "full screen on a phone"
    else:
        assert 320 <= panel["width"] <= 420
    for control in (page.locator(TEXT_INPUT), page.get_by_role("button", name="Send", exact=True),
                    page.get_by_role("button", name="Close chat")):
        expect(control).to_be_in_viewport()
    screenshot(page, f"{name}-chat-open")


@dataclass
class OtherSite:
    url: str


@pytest.fixture()
def other_site(site, tmp_path) -> Iterator[OtherSite]:
    """A page of another site (another port) that embeds the widget with the one script tag."""
    import functools
    import threading
    from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

    (tmp_path / "index.html").write_text(
        '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Other site</title></head><body>'
        '<h1>Another hospital page</h1>'
        f'<script src="{site.base_url}/widget/widget.js" data-bot-url="{site.bot_url}" data-title="Elsewhere"'
        ' data-lang="en"></script></body></html>')
    class Quiet(SimpleHTTPRequestHandler):
        def log_message(self, *args) -> None:
            pass

    handler = functools.partial(Quiet, directory=str(tmp_path))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield OtherSite(url=f"http://127.0.0.1:{server.server_address[1]}/index.html")
    finally:
        server.shutdown()
        server.server_close()


def test_one_script_tag_embeds_the_widget_in_korean(make_page, site, other_site):
    page = make_page()
    # another origin that the bot allows (localhost instead of 127.0.0.1)
    page.goto(site.base_url.replace("127.0.0.1", "localhost") + "/embed-example.html")
    page.get_by_role("button", name="채팅 상담").click()
    expect(page.get_by_role("dialog", name="암 진료 안내 도우미")).to_be_visible()
    expect(page.get_by_role("textbox", name="질문을 입력하세요")).to_be_visible()
    expect(page.get_by_role("button", name="보내기")).to_be_visible()
    body, replies = ask(page, "hello")
    assert body["metadata"] == {"language": "ko"}, "the embed's data-lang is sent as the chosen language"
    expect(page.locator(USER_BUBBLES)).to_have_text(["hello"])
    screenshot(page, "desktop-embed-korean")

    # embedded in a page of another site, which the bot does not allow: the widget's files load (they are
    # public), and the bot refuses the origin, so the patient sees the error, not a silent failure
    foreign = make_page()
    foreign.goto(other_site.url)
    foreign.get_by_role("button", name=LAUNCHER).click()
    expect(foreign.get_by_role("dialog", name="Elsewhere")).to_be_visible()
    type_and_send(foreign, "hello")
    expect(foreign.locator(".cw-error")).to_contain_text(ERROR_TEXT)
