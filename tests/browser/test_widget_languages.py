"""The widget in the patients' languages (issue #15), in a real browser against the real bot (fixtures in
conftest.py): Korean, Arabic right to left, the language menu and the language it sends to the bot.

The bot answers in the language the widget sends as the message metadata `language` (it wins over the
detected one, actions/conversation_language.py and server/nlg.py); without a choice the widget sends
none and the bot detects the language. Tests that need a given reply or a held answer use `page.route`.
Screenshots go to test-artifacts/screenshots/ (widget-*.png).
"""
from __future__ import annotations

import json
import re

import pytest

from tests.browser.widget_page import (
    AI_BUBBLES,
    LAUNCHER,
    TEXT_INPUT,
    TITLE,
    USER_BUBBLES,
    WEBHOOK,
    WIDGET_LANGUAGE_STATE,
    ask,
    expect,
    fake_bot,
    open_widget,
    reply_texts,
    screenshot,
    session_value,
    type_and_send,
    wait_for_requests,
)

pytestmark = [pytest.mark.browser, pytest.mark.servers]

HANGUL = re.compile(r"[\uac00-\ud7a3]")
ARABIC = re.compile(r"[\u0600-\u06ff]")
CYRILLIC = re.compile(r"[\u0400-\u04ff]")
LANGUAGE_MENU = [("en", "English"), ("ko", "한국어"), ("ru", "Русский"), ("zh", "中文"), ("mn", "Монгол"),
                 ("ar", "العربية")]
# the widget's own names in each language (web/widget/widget.js, STRINGS)
LABELS = {
    "en": {"launcher": "Chat with us", "title": "Cancer care assistant", "placeholder": "Type your question",
           "send": "Send", "close": "Close chat", "menu": "Language"},
    "ko": {"launcher": "채팅 상담", "title": "암 진료 안내 도우미", "placeholder": "질문을 입력하세요", "send": "보내기",
           "close": "채팅 닫기", "menu": "언어"},
    "ru": {"launcher": "Написать нам", "title": "Помощник по лечению рака", "placeholder": "Введите Ваш вопрос",
           "send": "Отправить", "close": "Закрыть чат", "menu": "Язык"},
    "zh": {"launcher": "在线咨询", "title": "癌症诊疗咨询助手", "placeholder": "请输入您的问题", "send": "发送",
           "close": "关闭对话", "menu": "语言"},
    "mn": {"launcher": "Чатаар асуух", "title": "Хорт хавдрын эмчилгээний туслах", "placeholder": "Асуултаа бичнэ үү",
           "send": "Илгээх", "close": "Чатыг хаах", "menu": "Хэл"},
    "ar": {"launcher": "تحدّث معنا", "title": "مساعد رعاية مرضى السرطان", "placeholder": "اكتب سؤالك",
           "send": "إرسال", "close": "إغلاق المحادثة", "menu": "اللغة"},
}
ISOLATES = re.compile("[\u2066-\u2069]")


def expect_labels(page, code: str, *, panel_open: bool = True) -> None:
    """Every name of the widget is the one of `code`."""
    labels = LABELS[code]
    expect(page.get_by_role("button", name=labels["launcher"], exact=True)).to_be_visible()
    if not panel_open:
        return
    expect(page.get_by_role("dialog", name=labels["title"])).to_be_visible()
    expect(page.get_by_role("textbox", name=labels["placeholder"])).to_be_visible()
    expect(page.get_by_role("button", name=labels["send"], exact=True)).to_be_visible()
    expect(page.get_by_role("button", name=labels["close"], exact=True)).to_be_visible()
    expect(page.get_by_role("combobox", name=labels["menu"], exact=True)).to_have_value(code)


def open_launcher(page, code: str) -> None:
    page.get_by_role("button", name=LABELS[code]["launcher"], exact=True).click()
    expect(page.locator(TEXT_INPUT)).to_be_visible()


def bubble_text(page, text: str):
    """The bot bubble that shows `text` (its first words, without the widget's bidi isolates)."""
    start = ISOLATES.sub("", text)[:20]
    return page.locator(AI_BUBBLES).filter(has_text=start)


# --- through the real bot ----------------------------------------------------------------------------

def test_korean_widget_through_the_real_bot(page, site):
    page.goto(site.base_url + "/?lang=ko")
    expect(page.locator('a[data-chat-lang="ko"]')).to_have_attribute("aria-current", "true")
    open_launcher(page, "ko")
    expect_labels(page, "ko")
    dialog = page.get_by_role("dialog", name=LABELS["ko"]["title"])
    expect(dialog).to_contain_text("응급 상황에서는 한국에서 119")  # the notice
    expect(page.locator(AI_BUBBLES).first).to_contain_text("안녕하세요. 해외 환자를 위한")  # the intro
    state = page.evaluate(WIDGET_LANGUAGE_STATE)
    assert (state["lang"], state["dir"], state["direction"]) == ("ko", "ltr", "ltr"), state
    assert state["hostLang"] == state["launcherLang"] == "ko", state
    assert [(o["value"], o["text"]) for o in state["options"]] == LANGUAGE_MENU, state["options"]
    assert all(o["lang"] == o["value"] for o in state["options"]), "each language's name is marked as such"
    assert "Noto Sans KR" in state["panelFont"] and "Noto Sans KR" in state["chatFont"], state

    body, replies = ask(page, "안녕하세요")
    assert body["metadata"] == {"language": "ko"}, body
    texts = reply_texts(replies)
    expect(bubble_text(page, texts[0]).last).to_be_visible()
    path = screenshot(page, "widget-korean")
    assert HANGUL.search(texts[0]), f"the bot's first reply is not Korean: {texts[0]!r} (screenshot {path})"


def test_arabic_widget_is_right_to_left_through_the_real_bot(page, site):
    page.goto(site.base_url + "/?lang=ar")
    open_launcher(page, "ar")
    expect_labels(page, "ar")
    dialog = page.get_by_role("dialog", name=LABELS["ar"]["title"])
    body, replies = ask(page, "مرحبا، أريد معلومات عن علاج السرطان في كوريا")
    assert body["metadata"] == {"language": "ar"}, body
    texts = reply_texts(replies)
    expect(bubble_text(page, texts[0]).last).to_be_visible()
    path = screenshot(page, "widget-arabic-rtl")

    state = page.evaluate(WIDGET_LANGUAGE_STATE)
    assert (state["lang"], state["dir"], state["direction"]) == ("ar", "rtl", "rtl"), f"{state} ({path})"
    assert state["messagesDirection"] == "rtl", f"the chat view inherits the direction: {state} ({path})"
    assert state["bubbleBidi"] == "plaintext", f"each paragraph takes its own direction: {state} ({path})"
    assert state["launcherLang"] == "ar"
    assert "Noto Sans Arabic" in state["chatFont"] and "Noto Sans SC" in state["chatFont"], state
    assert ARABIC.search(texts[0]), f"the bot's first reply is not Arabic: {texts[0]!r} ({path})"

    # mirrored: the patient's bubble at the left, the bot's at the right, the close button and Send at
    # the left of the title and the message box; the panel still opens from the page's corner and fits
    panel = dialog.bounding_box()
    user = page.locator(USER_BUBBLES).last.bounding_box()
    bot = page.locator(AI_BUBBLES).last.bounding_box()
    assert user["x"] - panel["x"] < 40, f"the patient's message is not at the left: {user} in {panel} ({path})"
    assert panel["x"] + panel["width"] - (bot["x"] + bot["width"]) < 40, f"{bot} in {panel} ({path})"
    close = page.get_by_role("button", name=LABELS["ar"]["close"]).bounding_box()
    title = dialog.get_by_role("heading").bounding_box()
    assert close["x"] + close["width"] <= title["x"], f"close {close} not left of the title {title} ({path})"
    send = page.get_by_role("button", name=LABELS["ar"]["send"], exact=True).bounding_box()
    box = page.locator(TEXT_INPUT).bounding_box()
    assert send["x"] + send["width"] <= box["x"], f"Send {send} not left of the message box {box} ({path})"
    viewport = page.viewport_size
    assert panel["x"] >= 0 and panel["x"] + panel["width"] <= viewport["width"], (panel, path)


def test_language_menu_relabels_at_once_and_sends_the_choice(page, site):
    open_widget(page, site)  # the English page without data-lang: the bot detects each message's language
    expect_labels(page, "en")
    first, _ = ask(page, "hello")
    assert "metadata" not in first, f"no language is sent before the patient chooses one: {first}"
    assert session_value(page, "language", site) is None

    page.locator(TEXT_INPUT).fill("draft not sent")
    page.get_by_role("combobox", name="Language").select_option("ru")
    expect_labels(page, "ru")  # at once, without a reload
    expect(page.get_by_role("dialog", name=LABELS["ru"]["title"])).to_contain_text("В экстренной ситуации звоните 119")
    expect(page.locator(AI_BUBBLES).first).to_contain_text("Здравствуйте! Я рассказываю")
    expect(page.locator(USER_BUBBLES)).to_have_text(["hello"])  # the conversation is still shown
    expect(page.locator(TEXT_INPUT)).to_have_text("draft not sent")  # and the typed text kept
    state = page.evaluate(WIDGET_LANGUAGE_STATE)
    assert (state["lang"], state["dir"], state["menu"]) == ("ru", "ltr", "ru"), state
    assert json.loads(session_value(page, "language", site))["code"] == "ru"

    # the next message carries the choice: seen on the way out, before it reaches the bot
    sent: list[dict] = []

    def watch(route):
        if route.request.method == "POST":
            sent.append(route.request.post_data_json)
        route.continue_()

    page.route(WEBHOOK, watch)
    body, replies = ask(page, "hello")
    assert sent and sent[-1]["metadata"] == {"language": "ru"}, sent
    assert body["metadata"] == {"language": "ru"}
    texts = reply_texts(replies)
    expect(bubble_text(page, texts[0]).last).to_be_visible()
    path = screenshot(page, "widget-menu-russian")
    assert CYRILLIC.search(texts[0]), f"the bot's first reply after choosing Russian: {texts[0]!r} ({path})"
    page.unroute(WEBHOOK, watch)

    page.reload()  # the choice is kept with the conversation
    expect_labels(page, "ru")
    expect(page.locator(USER_BUBBLES)).to_have_text(["hello", "hello"])
    page.get_by_role("combobox", name="Язык").select_option("en")
    expect_labels(page, "en")
    with page.expect_request(lambda r: r.url.endswith("/webhooks/rest/webhook") and r.method == "POST") as info:
        type_and_send(page, "thank you")
    assert info.value.post_data_json["metadata"] == {"language": "en"}, "a chosen English is sent too"


# --- the demo page, the embed's languages, the page's fallbacks (replies from `page.route`) --------

def test_demo_page_language_links_reload_the_embed_with_data_lang(page, site):
    bodies = fake_bot(page, lambda body: [{"text": f"Got {body['message']}"}])
    page.goto(site.base_url + "/")
    expect(page.locator('a[data-chat-lang=""]')).to_have_attribute("aria-current", "true")
    expect(page.locator("script[src='/widget/widget.js']")).to_have_attribute("data-lang", "")
    page.locator('a[data-chat-lang="zh"]').click()
    page.wait_for_url(re.compile(r"\?lang=zh$"))
    expect(page.locator("script[src='/widget/widget.js']")).to_have_attribute("data-lang", "zh")
    expect(page.locator('a[data-chat-lang="zh"]')).to_have_attribute("aria-current", "true")
    expect_labels(page, "zh", panel_open=False)
    open_launcher(page, "zh")
    expect_labels(page, "zh")
    state = page.evaluate(WIDGET_LANGUAGE_STATE)
    assert state["lang"] == "zh"
    fonts = state["chatFont"]
    assert fonts.index("Noto Sans SC") < fonts.index("Noto Sans KR"), "Chinese fonts before the Korean ones"
    type_and_send(page, "你好")
    wait_for_requests(page, bodies, 1)
    assert bodies[-1]["metadata"] == {"language": "zh"}

    # the patient's choice in the menu wins after a reload of the same page ...
    page.get_by_role("combobox", name="语言").select_option("mn")
    expect_labels(page, "mn")
    page.reload()
    expect_labels(page, "mn")
    # ... and a page that now embeds the widget with another data-lang sets that one
    page.goto(site.base_url + "/?lang=ar")
    expect_labels(page, "ar")
    screenshot(page, "widget-demo-page-arabic")
    page.goto(site.base_url + "/embed-example.html")
    expect(page.locator("table")).to_contain_text("data-lang")
    for code, name in LANGUAGE_MENU:
        expect(page.locator("table")).to_contain_text(name)
    expect_labels(page, "ko")


@pytest.mark.parametrize("html_attributes,locale,expected", [
    (' lang="ru"', "en-US", "ru"),  # the page's <html lang>
    ("", "mn-MN", "mn"),  # then the browser's language
    (' lang="fr"', "ar-EG", "ar"),  # a page language the widget does not speak
    ("", "fr-FR", "en"),  # neither: English
    (' lang="ar-SA" dir="rtl"', "en-US", "ar"),  # a right-to-left page: the widget in its bottom left corner
])
def test_without_data_lang_the_page_then_the_browser_decide_and_nothing_is_sent(
        browser, site, html_attributes, locale, expected):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale=locale)
    try:
        page = context.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.route(site.base_url + "/other-page.html", lambda route: route.fulfill(
            content_type="text/html; charset=utf-8",
            body=f'<!doctype html><html{html_attributes}><head><meta charset="utf-8"><title>A hospital page</title>'
                 f'</head><body><h1>A hospital page</h1><script src="/widget/widget.js" data-bot-url="{site.bot_url}">'
                 '</script></body></html>'))
        bodies = fake_bot(page, lambda body: [{"text": "An answer"}])
        page.goto(site.base_url + "/other-page.html")
        open_launcher(page, expected)
        expect_labels(page, expected)
        type_and_send(page, "hello")
        wait_for_requests(page, bodies, 1)
        assert bodies and "metadata" not in bodies[0], "the page's or browser's language is not a choice"
        assert errors == []
        launcher = page.get_by_role("button", name=LABELS[expected]["launcher"], exact=True).bounding_box()
        panel = page.get_by_role("dialog", name=LABELS[expected]["title"]).bounding_box()
        if 'dir="rtl"' in html_attributes:  # the page's end corner is its bottom left
            assert launcher["x"] <= 16.5 and panel["x"] <= 16.5, (launcher, panel)
            screenshot(page, "widget-rtl-page")
        else:
            assert launcher["x"] + launcher["width"] >= 1280 - 16.5 and panel["x"] + panel["width"] >= 1280 - 16.5
    finally:
        context.close()


def test_arabic_with_english_and_numbers_stays_readable(page, site):
    # the catalog's Arabic sentences (inquiry.ask.age, answer.sources.one) with a date, a source file and a
    # phone number in them, and a fact quoted in English
    replies = [
        {"text": "كم عمر المريض؟ يمكنك أيضًا كتابة تاريخ الميلاد (مثلًا 1979-03-02)."},
        {"text": "The hospital's page says: SNUH treats childhood leukemia.\n"
                 "المصدر: 001_2893836f267d3b1c.txt\nاتصل بالرقم +82-2-2072-0505."},
    ]
    fake_bot(page, lambda body: replies)
    page.goto(site.base_url + "/?lang=ar")
    open_launcher(page, "ar")
    type_and_send(page, "مرحبا")
    expect(page.locator(AI_BUBBLES).filter(has_text="SNUH")).to_be_visible()
    path = screenshot(page, "widget-arabic-mixed")
    # where the first and the last characters of each left-to-right run are drawn
    order = page.evaluate("""(needles) => {
      const root = document.getElementById('carebot-widget').shadowRoot.querySelector('deep-chat').shadowRoot;
      const result = {};
      for (const [needle, first, last] of needles) {
        const walker = document.createTreeWalker(root.getElementById('messages'), NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const at = node.textContent.indexOf(needle);
          if (at < 0) continue;
          const rect = (offset, length) => { const r = document.createRange(); r.setStart(node, at + offset);
            r.setEnd(node, at + offset + length); return r.getBoundingClientRect().x; };
          result[needle] = {first: rect(0, first.length), last: rect(needle.length - last.length, last.length)};
        }
      }
      return result;
    }""", [["1979-03-02", "1979", "02"], ["001_2893836f267d3b1c.txt", "001", "txt"],
           ["+82-2-2072-0505", "+82", "0505"]])
    assert set(order) == {"1979-03-02", "001_2893836f267d3b1c.txt", "+82-2-2072-0505"}, order
    for needle, at in order.items():
        assert at["first"] < at["last"], f"{needle} is drawn in reverse order in the Arabic text ({path})"
    english = page.locator(AI_BUBBLES).filter(has_text="SNUH").locator("p").first
    assert english.evaluate("p => getComputedStyle(p).unicodeBidi") == "plaintext"
    link = page.locator(AI_BUBBLES).locator("a[href^='tel:']")
    expect(link).to_have_attribute("dir", "ltr")


def test_changing_the_language_while_the_bot_answers_keeps_the_answer(page, site):
    held = []
    page.route(WEBHOOK, lambda route: held.append(route) if route.request.method == "POST" else route.continue_())
    open_widget(page, site)
    type_and_send(page, "hello")
    page.wait_for_timeout(300)
    assert len(held) == 1
    page.get_by_role("combobox", name="Language").select_option("mn")
    expect(page.get_by_role("dialog", name=LABELS["mn"]["title"])).to_be_visible()  # the header at once
    held[0].fulfill(status=200, content_type="application/json",
                    headers={"Access-Control-Allow-Origin": site.base_url},
                    body=json.dumps([{"text": "Сайн байна уу, тавтай морилно уу."}]))
    expect(page.locator(AI_BUBBLES).filter(has_text="Сайн байна уу, тавтай морилно уу.")).to_have_count(1)
    expect_labels(page, "mn")  # and the chat view once the answer is shown
    expect(page.locator(USER_BUBBLES)).to_have_text(["hello"])
    expect(page.locator(AI_BUBBLES).first).to_contain_text("Сайн байна уу. Би гадаадын")
    assert page.get_by_role("button", name=LAUNCHER).count() == 0
    assert page.get_by_role("dialog", name=TITLE).count() == 0
