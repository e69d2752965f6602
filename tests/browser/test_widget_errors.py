"""The widget when the bot gives no answer (an empty reply, an HTTP error, a timeout, the channel's "briefly
unavailable" reply) and at the message limit, in a real browser (fixtures in conftest.py).

The failures come from a fake bot (`page.route`); Retry then reaches the real bot. The replies of the
strict REST channel are built with server/channel.py itself, so the widget and the channel agree on them.
"""
from __future__ import annotations

import json
import re

import pytest

from server.channel import TOO_LONG_REPLY, UNAVAILABLE_REPLY, bot_replies, unavailable_replies
from tests.browser.widget_page import (
    AI_BUBBLES,
    ERROR_TEXT,
    LIVE_TEXT,
    TEXT_INPUT,
    TOO_LONG_TEXT,
    TYPING,
    USER_BUBBLES,
    WEBHOOK,
    expect,
    fake_bot,
    is_webhook_post,
    open_widget,
    reply_texts,
    screenshot,
    session_value,
    type_and_send,
    wait_for_requests,
)

pytestmark = [pytest.mark.browser, pytest.mark.servers]

TYPED = "Which hospital treats childhood leukemia?"


def expect_unavailable_and_kept(page, site, typed: str = TYPED) -> None:
    """The patient sees the unavailable error with Retry, the message stays, and it is kept for Retry."""
    expect(page.locator(".cw-error")).to_contain_text(ERROR_TEXT)
    expect(page.get_by_role("button", name="Retry")).to_be_visible()
    expect(page.locator(USER_BUBBLES)).to_have_text([typed])
    assert ERROR_TEXT in page.evaluate(LIVE_TEXT)["text"]
    assert json.loads(session_value(page, "failed", site))["message"] == typed


NO_ANSWER = {
    "empty-list": lambda body: [],
    "custom-payload-only": lambda body: [{"recipient_id": body["sender"], "custom": {"meta": {"topic": "x"}}}],
    "channel-unavailable-reply": lambda body: unavailable_replies(body["sender"]),
    "http-400": lambda body: 400,
    "http-500": lambda body: 500,
    "http-503": lambda body: 503,
}


@pytest.mark.parametrize("kind", list(NO_ANSWER))
def test_no_answer_shows_unavailable_and_keeps_the_message(page, site, kind):
    bodies = fake_bot(page, NO_ANSWER[kind])
    open_widget(page, site)
    type_and_send(page, TYPED)
    expect_unavailable_and_kept(page, site)
    assert [body["message"] for body in wait_for_requests(page, bodies, 1)] == [TYPED]
    # the channel's own sentence is not shown as if it were an answer: the widget's error says it
    expect(page.locator(AI_BUBBLES).filter(has_text=UNAVAILABLE_REPLY[:30])).to_have_count(0)
    expect(page.locator(TYPING)).to_have_count(0)


def test_empty_reply_then_503_then_retry_works_once_the_bot_answers(page, site):
    outcomes = [[], 503]
    bodies = fake_bot(page, lambda body: outcomes.pop(0))
    open_widget(page, site)
    type_and_send(page, TYPED)
    expect_unavailable_and_kept(page, site)
    screenshot(page, "desktop-unavailable")

    page.get_by_role("button", name="Retry").click()  # HTTP 503 this time: still unavailable, still kept
    wait_for_requests(page, bodies, 2)
    expect_unavailable_and_kept(page, site)
    assert [body["message"] for body in bodies] == [TYPED, TYPED]

    page.unroute(WEBHOOK)  # the real bot answers again
    with page.expect_response(is_webhook_post) as info:
        page.get_by_role("button", name="Retry").click()
    assert info.value.request.post_data_json["message"] == TYPED
    answer = reply_texts(info.value.json())[0]
    expect(page.locator(AI_BUBBLES).filter(has_text=answer[:40])).to_have_count(1)
    expect(page.locator(".cw-error")).to_have_count(0)
    expect(page.locator(USER_BUBBLES)).to_have_text([TYPED])  # sent again, not typed again
    assert session_value(page, "failed", site) is None


def test_a_timeout_shows_unavailable_and_keeps_the_message(page, site):
    page.clock.install()  # the widget gives up after 30 s; the fake clock gets there at once
    held = []
    page.route(WEBHOOK, lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    open_widget(page, site)
    type_and_send(page, TYPED)
    expect(page.locator(TYPING)).to_be_visible()
    page.wait_for_timeout(300)
    assert len(held) == 1, "the request is held, never answered"
    page.clock.fast_forward(31_000)
    expect_unavailable_and_kept(page, site)


def test_too_long_is_explained_and_the_text_goes_back_into_the_box(page, site):
    fake_bot(page, lambda body: 413)
    open_widget(page, site)
    type_and_send(page, TYPED)
    notice = page.locator(AI_BUBBLES).filter(has_text=TOO_LONG_TEXT)
    expect(notice).to_contain_text("up to 2,000 characters")
    expect(page.locator(TEXT_INPUT)).to_have_text(TYPED)
    expect(page.get_by_role("button", name="Retry")).to_have_count(0)
    assert session_value(page, "failed", site) is None
    assert TOO_LONG_TEXT in page.evaluate(LIVE_TEXT)["text"]
    screenshot(page, "desktop-too-long")

    # the channel's own refusal with a lower limit than the page's: the notice and the counter use it
    page.unroute(WEBHOOK)
    limit = 30
    bodies = fake_bot(page, lambda body: bot_replies(
        body["sender"], TOO_LONG_REPLY.format(limit=limit, length=len(body["message"])),
        {"rejected": "too_long", "max_message_chars": limit}))
    page.locator(TEXT_INPUT).press("Enter")  # the restored text is sent as it is
    wait_for_requests(page, bodies, 1)
    assert bodies[0]["message"] == TYPED
    expect(page.locator(AI_BUBBLES).filter(has_text=f"up to {limit} characters")).to_have_count(1)
    expect(page.locator(TEXT_INPUT)).to_have_text(TYPED)
    expect(page.locator(".cw-counter")).to_contain_text(f"limit of {limit} characters")
    expect(page.locator(USER_BUBBLES)).to_have_text([TYPED, TYPED])


def test_the_counter_and_the_limit_follow_the_page(page, site):
    def lower_limit(route):  # the page passes MAX_MESSAGE_CHARS; here a page that says 50
        response = route.fetch()
        route.fulfill(response=response, body=response.text().replace('data-max-chars="2000"', 'data-max-chars="50"'))

    page.route(site.base_url + "/", lower_limit)
    bodies = fake_bot(page, lambda body: [{"text": f"Got {len(body['message'])} characters."}])
    open_widget(page, site)
    box, counter = page.locator(TEXT_INPUT), page.locator(".cw-counter")
    box.fill("a" * 39)
    expect(counter).to_be_hidden()  # shown from 80 % of the limit
    box.fill("a" * 45)
    expect(counter).to_have_text("45 of 50 characters")
    box.fill("b" * 80)  # pasted over the limit: cut at the limit, and the patient is told
    expect(box).to_have_text("b" * 50)
    expect(counter).to_have_text(re.compile("reached the limit of 50 characters"))
    assert "limit of 50 characters" in page.evaluate(LIVE_TEXT)["text"]
    box.press("Enter")
    expect(page.locator(AI_BUBBLES).filter(has_text="Got 50 characters.")).to_be_visible()
    assert [len(body["message"]) for body in bodies] == [50]
    expect(counter).to_be_hidden()  # the box is empty after sending
