"""The coordinators' console over real HTTP: the process started with `python -m console serve`."""
from __future__ import annotations

import csv
import io
import json
import time
from datetime import date, datetime, timedelta, timezone
from urllib.parse import urlsplit

import pytest
import requests
from cachelib.file import FileSystemCache
from markupsafe import escape
from sqlalchemy import select

import referrals
from console.sessions import SESSION_KEY_PREFIX
from referrals import Inquiry
from referrals.transcript import events

from conftest import SESSION_MINUTES, csrf_token, sample_inquiry  # tests/console/conftest.py


def assert_sent_to_sign_in(response: requests.Response) -> None:
    assert response.status_code in (302, 303), (response.request.method, response.url, response.status_code)
    assert urlsplit(response.headers["Location"]).path == "/login"


def audit_rows(console, reference: str | None = None) -> list[tuple[str, str]]:
    with console.session() as session:
        return [(e.actor, e.action) for e in reversed(referrals.audit_entries(session, reference))]


def inquiry_in_db(console, reference: str) -> Inquiry:
    with console.session() as session:
        inquiry = referrals.get_inquiry(session, reference)
        session.expunge_all()
        return inquiry


def seed(console, now: datetime | None = None, **overrides) -> str:
    return referrals.submit_inquiry(console.engine, sample_inquiry(**overrides), now=now)


# --- sign-in ----------------------------------------------------------------------------------------------

def test_every_page_and_action_requires_sign_in(console):
    reference = seed(console)
    anonymous = requests.Session()
    login = anonymous.get(console.url("/login"))
    assert login.status_code == 200 and csrf_token(login.text)
    assert anonymous.get(console.url("/static/console.css")).status_code == 200
    for path in ("/", "/?status=new&q=dorj", f"/inquiries/{reference}", "/export.csv", "/export.csv?country=MN",
                 "/audit", "/no-such-page"):
        assert_sent_to_sign_in(anonymous.get(console.url(path), allow_redirects=False))
    token = csrf_token(login.text)  # even with a valid token of the anonymous session
    for path, data in ((f"/inquiries/{reference}/status", {"status-status": "in_review"}),
                       (f"/inquiries/{reference}/assign", {"assign-assignee": "ben"}),
                       (f"/inquiries/{reference}/notes", {"note-text": "sneaky"}),
                       (f"/inquiries/{reference}/reply", {"reply-text": "sneaky"}),
                       (f"/inquiries/{reference}/erase", {"erase-confirm": "y"}),
                       ("/logout", {}), ("/", {})):
        assert_sent_to_sign_in(anonymous.post(console.url(path), data={"csrf_token": token, **data},
                                              allow_redirects=False))
    inquiry = inquiry_in_db(console, reference)
    assert (inquiry.status, inquiry.assigned_to_id, inquiry.reply_text, inquiry.patient_name) == (
        "new", None, None, "Dorj Bold")
    assert [action for _actor, action in audit_rows(console, reference)] == ["submitted"]


def test_sign_in_rejects_a_wrong_password_and_sets_safe_cookies(console):
    client = requests.Session()
    for username, password in (("anna", "wrong password!"), ("nobody", "correct horse battery")):
        page = client.get(console.url("/login"))
        response = client.post(console.url("/login"), data={
            "csrf_token": csrf_token(page.text), "username": username, "password": password}, allow_redirects=False)
        assert response.status_code == 401
        assert "Wrong username or password." in response.text
        assert_sent_to_sign_in(client.get(console.url("/"), allow_redirects=False))

    page = client.get(console.url("/login?next=//evil.example/steal"))
    response = client.post(console.url("/login?next=//evil.example/steal"), data={
        "csrf_token": csrf_token(page.text), "username": "Anna", "password": "correct horse battery"},
        allow_redirects=False)
    assert response.status_code == 303 and response.headers["Location"] == "/"  # no open redirect
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    inbox = client.get(console.url("/"))
    assert inbox.status_code == 200 and "Anna Kim" in inbox.text
    assert inbox.headers["Cache-Control"] == "no-store" and inbox.headers["X-Frame-Options"] == "DENY"
    actions = audit_rows(console)
    assert ("anna", "sign_in_failed") in actions and ("unknown-user", "sign_in_failed") in actions
    assert ("anna", "signed_in") in actions

    signed_out = console.post_form(client, "/", "/logout", {}, allow_redirects=False)
    assert_sent_to_sign_in(signed_out)
    assert_sent_to_sign_in(client.get(console.url("/"), allow_redirects=False))


def test_sign_in_returns_to_the_page_asked_for(console):
    reference = seed(console)
    client = requests.Session()
    first = client.get(console.url(f"/inquiries/{reference}"))  # follows the redirect to the sign-in page
    assert urlsplit(first.url).path == "/login"
    response = client.post(first.url, data={"csrf_token": csrf_token(first.text), "username": "anna",
                                            "password": "correct horse battery"}, allow_redirects=False)
    assert response.headers["Location"] == f"/inquiries/{reference}"


def test_posts_without_a_valid_csrf_token_are_rejected(console):
    reference = seed(console)
    client = console.sign_in()
    for data in ({"status-status": "in_review"}, {"status-status": "in_review", "csrf_token": "forged"},
                 {"status-status": "in_review", "status-csrf_token": "forged"}):
        response = client.post(console.url(f"/inquiries/{reference}/status"), data=data, allow_redirects=False)
        assert response.status_code == 400
        assert "security token" in response.text
    assert client.post(console.url(f"/inquiries/{reference}/notes"), data={"note-text": "x"}).status_code == 400
    assert client.post(console.url("/logout"), data={}).status_code == 400
    assert inquiry_in_db(console, reference).status == "new"
    with console.session() as session:
        assert referrals.get_inquiry(session, reference).notes == []
    # a token from another signed-in session is not valid either
    other = console.sign_in("ben", "another long password")
    foreign = csrf_token(other.get(console.url(f"/inquiries/{reference}")).text)
    response = client.post(console.url(f"/inquiries/{reference}/status"),
                           data={"status-csrf_token": foreign, "status-status": "in_review"})
    assert response.status_code == 400
    # and signing in needs one
    anonymous = requests.Session()
    response = anonymous.post(console.url("/login"), data={"username": "anna", "password": "correct horse battery"})
    assert response.status_code == 400


def test_a_session_ends_after_inactivity(console):
    client = console.sign_in()
    assert client.get(console.url("/"), allow_redirects=False).status_code == 200
    store = FileSystemCache(str(console.session_dir))
    key = SESSION_KEY_PREFIX + client.cookies["carebot_console"]
    data = store.get(key)
    assert isinstance(data.get("seen"), int) and "_user_id" in data  # kept on the server, not in the cookie

    def with_last_request(seconds_ago: int) -> requests.Session:
        store.set(key, {**data, "seen": int(time.time()) - seconds_ago}, timeout=SESSION_MINUTES * 60)
        return client

    assert with_last_request(SESSION_MINUTES * 60 - 30).get(console.url("/"), allow_redirects=False).status_code == 200
    stale_cookie = client.cookies["carebot_console"]
    stale = with_last_request(SESSION_MINUTES * 60 + 30)
    assert_sent_to_sign_in(stale.get(console.url("/"), allow_redirects=False))
    assert "without activity" in stale.get(console.url("/login")).text
    assert_sent_to_sign_in(stale.get(console.url("/"), allow_redirects=False))  # the session is gone for good
    assert store.get(key) is None
    store.set(key, {**data, "seen": int(time.time())}, timeout=60)  # even if written back by a late request
    replay = requests.Session()
    replay.cookies.set("carebot_console", stale_cookie, domain="127.0.0.1", path="/")
    assert_sent_to_sign_in(replay.get(console.url("/"), allow_redirects=False))

    made_up = requests.Session()  # a session id the console never gave out
    made_up.cookies.set("carebot_console", "x" * 43, domain="127.0.0.1", path="/")
    assert_sent_to_sign_in(made_up.get(console.url("/"), allow_redirects=False))


# --- inbox, filters, export --------------------------------------------------------------------------------

@pytest.fixture()
def inbox_refs(console) -> dict[str, str]:
    now = datetime.now(timezone.utc)
    refs = {
        "mn": seed(console, now=now - timedelta(hours=3, minutes=5)),
        "kz": seed(console, conversation_id="conv-kz", patient_name="Aigerim Nurlanova", country="KZ",
                   language="ru", diagnosis="Ovarian cancer", condition_id="ovarian_cancer",
                   recommended_unit_id="smc_gynecologic_cancer_center", contact_email="aigerim@mail.kz",
                   contact_phone="+7 701 234 5678", now=now - timedelta(minutes=12)),
        "uz": seed(console, conversation_id="conv-uz", patient_name="Dilnoza Karimova", country="Uzbekistan",
                   language="Uzbek", recommended_unit_id=None, contact_email="dilnoza@example.uz",
                   now=now - timedelta(days=8, hours=1)),  # overdue whatever the weekday
    }
    with console.session() as session:
        referrals.set_status(session, refs["kz"], "in_review", by="anna")
        referrals.assign(session, refs["kz"], "anna", by="anna")
    return refs


def listed(html: str, refs: dict[str, str]) -> list[str]:
    positions = sorted((html.find(f'data-reference="{ref}"'), name) for name, ref in refs.items()
                       if f'data-reference="{ref}"' in html)
    return [name for _position, name in positions]


def test_inbox_lists_by_time_left_with_age_and_filters(console, inbox_refs):
    client = console.sign_in()
    page = client.get(console.url("/")).text
    assert listed(page, inbox_refs) == ["uz", "mn", "kz"]  # open ones, the least time left first
    assert listed(client.get(console.url("/?sort=newest")).text, inbox_refs) == ["kz", "mn", "uz"]
    assert "12 min ago" in page and "3 h ago" in page and "8 d ago" in page
    assert page.count("overdue by") == 1  # the 8-day-old new inquiry
    assert 'class="overdue" data-reference="' + inbox_refs["uz"] in page
    cases = {
        "?status=new": ["uz", "mn"],
        "?status=in_review": ["kz"],
        "?country=MN": ["mn"],
        "?country=Uzbekistan": ["uz"],
        "?language=ru": ["kz"],
        "?unit=snuh_hmo": ["mn"],
        "?assigned=me": ["kz"],
        "?assigned=-": ["uz", "mn"],
        "?q=aigerim": ["kz"],
        "?q=LYMPHOMA+relapsed": ["uz", "mn"],
        "?q=dilnoza%40example": ["uz"],
        f"?q={inbox_refs['mn'].lower()}": ["mn"],
        "?status=new&country=MN&language=mn": ["mn"],
        "?q=nobody-has-this": [],
    }
    for query, expected in cases.items():
        response = client.get(console.url("/" + query))
        assert response.status_code == 200
        assert listed(response.text, inbox_refs) == expected, query
    bad = client.get(console.url("/?country=Atlantis&status=new"))
    assert "Filter country ignored" in bad.text and listed(bad.text, inbox_refs) == ["uz", "mn"]


def test_csv_export_of_the_filtered_list(console, inbox_refs):
    client = console.sign_in()
    response = client.get(console.url("/export.csv?status=new&q=example"))
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert tuple(csv.reader(io.StringIO(text)).__next__()) == referrals.CSV_COLUMNS
    assert [row["reference"] for row in rows] == [inbox_refs["mn"], inbox_refs["uz"]]
    assert rows[0]["patient_name"] == "Dorj Bold" and rows[0]["contact_phone"] == "+97699112233"
    assert rows[1]["country"] == "UZ" and rows[1]["status"] == "new"
    everything = list(csv.DictReader(io.StringIO(client.get(console.url("/export.csv")).content.decode("utf-8-sig"))))
    assert len(everything) == 3
    exports = [e for e in referrals.audit_entries(console.session(), actor="anna") if e.action == "exported"]
    assert [e.details for e in exports] == ["3 inquiries; no filter", "2 inquiries; status=new, search=(hidden)"]


# --- the inquiry page and the workflow ------------------------------------------------------------------------

def seed_transcript(console, sender_id: str) -> None:
    events.create(console.engine, checkfirst=True)
    start = datetime.now(timezone.utc).timestamp() - 3600
    rows = [
        (sender_id, "action", None, {"event": "action", "name": "action_session_start"}),
        (sender_id, "user", "referral", {"event": "user", "text": "My father has lymphoma <script>alert(1)</script>"}),
        (sender_id, "bot", None, {"event": "bot", "text": "I am sorry to hear that. Which country do you live in?",
                                  "data": {"buttons": [{"title": "Mongolia", "payload": "/inform"}]}}),
        ("someone-else", "user", "greet", {"event": "user", "text": "A message from another conversation"}),
        (sender_id, "user", "inform", {"event": "user", "text": "Mongolia, Ulaanbaatar"}),
    ]
    with console.engine.begin() as connection:
        for number, (sender, type_name, intent, data) in enumerate(rows):
            connection.execute(events.insert().values(sender_id=sender, type_name=type_name, intent_name=intent,
                                                      timestamp=start + number, data=json.dumps(data)))


def test_inquiry_page_shows_fields_transcript_and_records_the_view(console):
    reference = seed(console, patient_name="Dorj <b>Bold</b>", questions="Is CAR-T possible?")
    seed_transcript(console, "conv-mn")
    client = console.sign_in()
    page = client.get(console.url(f"/inquiries/{reference.lower()}"))  # a typed reference is redirected
    assert page.status_code == 200 and urlsplit(page.url).path == f"/inquiries/{reference}"
    html = page.text
    for shown in ("Dorj &lt;b&gt;Bold&lt;/b&gt;", "bat.dorj@example.mn", "+97699112233", "Mongolia", "Mongolian",
                  "Diffuse large B-cell lymphoma, relapsed", "CAR-T cell therapy", "Is CAR-T possible?",
                  "May, with my mother", "Son or daughter", "snuh_hmo", "66 years (born 1960-03-02)"):
        assert shown in html, shown
    assert "<b>Bold</b>" not in html
    transcript = html[html.index('id="h-transcript"'):html.index('id="workflow"')]
    assert "My father has lymphoma &lt;script&gt;alert(1)&lt;/script&gt;" in transcript
    assert "<script>" not in html
    assert transcript.index("My father has lymphoma") < transcript.index("Which country do you live in?") \
        < transcript.index("Mongolia, Ulaanbaatar")
    assert "Buttons: Mongolia" in transcript
    assert "another conversation" not in html
    assert audit_rows(console, reference)[-1] == ("anna", "viewed")
    client.get(console.url(f"/inquiries/{reference}"))
    assert audit_rows(console, reference).count(("anna", "viewed")) == 2
    assert client.get(console.url("/inquiries/KR-0000000000")).status_code == 404
    assert client.get(console.url("/inquiries/not-a-reference")).status_code == 404


def test_inquiry_page_shows_the_language_the_chat_was_written_in(console):
    """The patient chatted in Russian and prefers the reply in English: the coordinator sees both."""
    client = console.sign_in()
    written = client.get(console.url(f"/inquiries/{seed(console, chat_language='ru', language='English')}")).text
    shown = written[written.index('id="chat-language"'):]
    assert shown.split("</dd>")[0].endswith("Russian (ru)")
    older = client.get(console.url(f"/inquiries/{seed(console, conversation_id='older')}")).text
    assert older[older.index('id="chat-language"'):].split("</dd>")[0].endswith("—")


def test_workflow_status_assign_notes_and_reply(console):
    reference = seed(console)
    client = console.sign_in()
    page = f"/inquiries/{reference}"

    response = console.post_form(client, page, f"{page}/status", {"status-status": "in_review"})
    assert response.status_code == 200 and "Status changed." in response.text
    assert inquiry_in_db(console, reference).status == "in_review"

    response = console.post_form(client, page, f"{page}/status", {"status-status": "new"})
    assert "cannot be set to new" in response.text
    response = console.post_form(client, page, f"{page}/status", {"status-status": "answered"})
    assert "Write the reply to the patient first" in response.text
    assert inquiry_in_db(console, reference).status == "in_review"

    response = console.post_form(client, page, f"{page}/assign", {"assign-assignee": "ben"})
    assert "Assignment saved." in response.text and 'id="assignee">Ben Park<' in response.text
    response = console.post_form(client, page, f"{page}/assign", {"assign-assignee": "mallory"})
    assert "no active coordinator" in response.text

    response = console.post_form(client, page, f"{page}/notes", {"note-text": "Asked for the PET-CT <images>"})
    assert "Note added." in response.text and "Asked for the PET-CT &lt;images&gt;" in response.text
    response = console.post_form(client, page, f"{page}/notes", {"note-text": "   "})
    assert "Write the note first." in response.text

    reply = "Dear Bat-Erdene, our haematologists can review the slides. Please send the pathology report."
    response = console.post_form(client, page, f"{page}/reply", {"reply-text": reply})
    assert "Reply saved" in response.text

    with console.session() as session:
        inquiry = referrals.get_inquiry(session, reference)
        assert (inquiry.status, inquiry.assigned_to.username, inquiry.replied_by.username) == ("answered", "ben", "anna")
        assert [note.text for note in inquiry.notes] == ["Asked for the PET-CT <images>"]
    status = referrals.status_for_patient(console.engine, reference, "bat.dorj@example.mn")
    assert status.status is referrals.Status.ANSWERED and status.reply == reply and status.replied_by == "Anna Kim"
    assert referrals.status_for_patient(console.engine, reference, "someone@example.mn") is None

    response = console.post_form(client, page, f"{page}/status", {"status-status": "closed"})
    assert inquiry_in_db(console, reference).status == "closed"
    assert 'name="reply-text"' not in response.text  # a closed inquiry is reopened before replying

    changes = [row for row in audit_rows(console, reference) if row[1] not in ("viewed",)]
    assert changes == [("patient", "submitted"), ("anna", "status_changed"), ("anna", "assigned"),
                       ("anna", "note_added"), ("anna", "replied"), ("patient", "status_checked"),
                       ("patient", "status_check_refused"), ("anna", "status_changed")]
    audit_page = client.get(console.url(f"/audit?reference={reference}")).text
    assert "status changed" in audit_page and "note added" in audit_page


def test_deleting_personal_data_from_the_console(console):
    reference = seed(console)
    seed_transcript(console, "conv-mn")
    client = console.sign_in()
    page = f"/inquiries/{reference}"
    response = console.post_form(client, page, f"{page}/erase", {})
    assert "Tick the confirmation box" in response.text
    assert inquiry_in_db(console, reference).patient_name == "Dorj Bold"
    response = console.post_form(client, page, f"{page}/erase", {"erase-confirm": "y"})
    assert "personal data and chat transcript were deleted" in response.text
    html = response.text
    assert "Dorj Bold" not in html and "bat.dorj@example.mn" not in html and "My father has lymphoma" not in html
    assert 'name="note-text"' not in html and 'name="status-status"' not in html
    with console.session() as session:
        assert session.execute(select(events.c.id).where(events.c.sender_id == "conv-mn")).first() is None
        assert session.execute(select(events.c.id).where(events.c.sender_id == "someone-else")).first() is not None
    assert ("anna", "personal_data_deleted") in audit_rows(console, reference)


def test_inquiry_page_routes_the_inquirys_condition_by_the_chats_rules(console):
    """The unit section shows where the chat's routing (knowledge.routing) sends the inquiry's condition
    at the patient's age, and says so when the recommended unit is not one of those units."""
    pytest.importorskip("knowledge.routing")
    from knowledge.loader import build

    agreeing = seed(console, condition_id="lymphoma", recommended_unit_id="snuh_hmo")
    differing = seed(console, conversation_id="conv-2", condition_id="lymphoma",
                     recommended_unit_id="snuch_skin_cancer_center")
    build(console.database_url)
    client = console.sign_in()
    html = client.get(console.url(f"/inquiries/{agreeing}")).text
    section = html[html.index('id="h-unit"'):html.index('id="h-transcript"')]
    today = date.today()
    age = today.year - 1960 - ((today.month, today.day) < (3, 2))  # the sample patient was born 2 March 1960
    assert f"The chat's routing for lymphoma, age {age}:" in section
    assert "Hematology" in section and "Seoul National University Hospital" in section
    assert "not one of these" not in section
    other = client.get(console.url(f"/inquiries/{differing}")).text
    assert "The recommended unit is not one of these" in other


def test_inquiry_page_shows_the_recommended_unit_with_its_sourced_facts(console):
    pytest.importorskip("knowledge.queries")
    from knowledge import queries
    from knowledge.loader import build

    reference = seed(console, recommended_unit_id="snuh_hmo")
    renamed = seed(console, conversation_id="conv-2", recommended_unit_id="unit_that_was_renamed")
    client = console.sign_in()
    before = client.get(console.url(f"/inquiries/{reference}")).text
    assert "snuh_hmo" in before and "not built in this database" in before  # degrades to the id

    build(console.database_url)
    with console.session() as session:
        offerings = queries.unit_offerings(session, "snuh_hmo")
        facts = queries.facts_by_topic(session, "about", unit_id="snuh_hmo")
    html = client.get(console.url(f"/inquiries/{reference}")).text
    unit_section = html[html.index('id="h-unit"'):html.index('id="h-transcript"')]
    assert offerings.unit.full_name in unit_section and "snuh_hmo" not in unit_section  # a name, not the id
    assert "What the unit offers" in unit_section and "Facts" in unit_section
    for item in list(offerings.items)[:3] + facts[:2]:
        assert str(escape(item.text)) in unit_section
        assert str(escape(item.source.sentence)) in unit_section
        assert f"<cite>{item.source.file}</cite>" in unit_section
    other = client.get(console.url(f"/inquiries/{renamed}")).text
    assert "unit_that_was_renamed" in other and "no unit with this id" in other
