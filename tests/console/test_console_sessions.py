"""Console sessions that end, over real HTTP: sign-out, password change, deactivation and sign-in each
end or replace the server-side session, so a copied cookie stops working; the same with Redis; the
console listens on BIND_HOST."""
from __future__ import annotations

from urllib.parse import urlsplit

import pytest
import requests
from cachelib.file import FileSystemCache

import referrals
from console.sessions import SESSION_KEY_PREFIX
from console.sign_in_attempts import LIMITER_KEY_PREFIX

from tests.conftest import skip_or_fail

from conftest import ANNA_PASSWORD, SESSION_MINUTES, csrf_token, started_console  # tests/console/conftest.py

COOKIE = "carebot_console"
NEW_PASSWORD = "a brand new long password"


def copy_of(console, client: requests.Session) -> requests.Session:
    """Another client holding the same session cookie (as someone who copied it would)."""
    copy = requests.Session()
    copy.cookies.set(COOKIE, client.cookies[COOKIE], domain=urlsplit(console.base_url).hostname, path="/")
    return copy


def is_signed_in(console, client: requests.Session) -> bool:
    response = client.get(console.url("/"), allow_redirects=False)
    if response.status_code == 200:
        return True
    assert response.status_code in (302, 303) and urlsplit(response.headers["Location"]).path == "/login"
    return False


def test_a_cookie_copied_before_sign_out_is_refused_after_it(console):
    client = console.sign_in()
    copy = copy_of(console, client)
    assert is_signed_in(console, copy)  # the copy works while the session lives
    store = FileSystemCache(str(console.session_dir))
    key = SESSION_KEY_PREFIX + client.cookies[COOKIE]
    before = store.get(key)
    assert before and "_user_id" in before

    signed_out = console.post_form(client, "/", "/logout", {}, allow_redirects=False)
    assert signed_out.status_code == 303
    assert store.get(key) is None  # deleted on the server
    assert not is_signed_in(console, copy)
    assert not is_signed_in(console, client)

    # a request that read the session just before the sign-out writes it back just after: still refused
    store.set(key, before, timeout=300)
    assert not is_signed_in(console, copy)
    assert ("anna", "signed_out") in audit_actions(console)


def test_a_password_change_ends_every_session_of_that_account(console):
    anna_desk, anna_laptop, ben = console.sign_in(), console.sign_in(), console.sign_in("ben", "another long password")
    copies = [copy_of(console, anna_desk), copy_of(console, anna_laptop)]
    assert all(is_signed_in(console, c) for c in (anna_desk, anna_laptop, ben, *copies))

    changed = console.cli("set-password", "anna", "--password-stdin", input=NEW_PASSWORD + "\n")
    assert changed.returncode == 0, changed.stderr
    for client in (anna_desk, anna_laptop, *copies):
        assert not is_signed_in(console, client)
    assert is_signed_in(console, ben)  # another account's session goes on

    failed = requests.Session()
    page = failed.get(console.url("/login"))
    response = failed.post(console.url("/login"), data={"csrf_token": csrf_token(page.text), "username": "anna",
                                                        "password": ANNA_PASSWORD}, allow_redirects=False)
    assert response.status_code == 401
    assert is_signed_in(console, console.sign_in("anna", NEW_PASSWORD))

    assert console.cli("deactivate-user", "ben").returncode == 0
    assert not is_signed_in(console, ben)


def test_signing_in_gives_a_new_session_id(console):
    """No session fixation: an id planted before the sign-in is worth nothing after it."""
    victim = requests.Session()
    page = victim.get(console.url("/login"))
    planted = victim.cookies[COOKIE]
    attacker = copy_of(console, victim)
    response = victim.post(console.url("/login"), data={
        "csrf_token": csrf_token(page.text), "username": "anna", "password": ANNA_PASSWORD}, allow_redirects=False)
    assert response.status_code == 303
    assert victim.cookies[COOKIE] != planted
    assert is_signed_in(console, victim)
    assert not is_signed_in(console, attacker)
    assert FileSystemCache(str(console.session_dir)).get(SESSION_KEY_PREFIX + planted) is None


def audit_actions(console) -> list[tuple[str, str]]:
    with console.session() as session:
        return [(e.actor, e.action) for e in referrals.audit_entries(session)]


# --- Redis --------------------------------------------------------------------------------------------

REDIS_TEST_URL = "redis://127.0.0.1:6379/11"  # a database of its own, away from anything else on the server


@pytest.fixture()
def redis_client():
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url(REDIS_TEST_URL)
    try:
        client.ping()
    except redis.RedisError as error:
        skip_or_fail(f"Redis is not reachable at {REDIS_TEST_URL}: {error.__class__.__name__}")
    yield client
    client.close()


def test_sessions_and_the_rate_limit_live_in_redis_when_redis_url_is_set(sqlite_url, tmp_path, redis_client):
    for old in redis_client.scan_iter(f"*{LIMITER_KEY_PREFIX}*"):  # earlier runs' counts
        redis_client.delete(old)
    with started_console(sqlite_url, tmp_path, REDIS_URL=REDIS_TEST_URL) as console:
        client = console.sign_in()
        key = SESSION_KEY_PREFIX + client.cookies[COOKIE]
        assert redis_client.exists(key) and 0 < redis_client.ttl(key) <= SESSION_MINUTES * 60
        assert not (console.session_dir.exists() and any(console.session_dir.iterdir()))  # nothing in files
        assert list(redis_client.scan_iter(f"*{LIMITER_KEY_PREFIX}*")), "the sign-in rate limit counts in Redis"
        copy = copy_of(console, client)
        assert is_signed_in(console, copy)

        console.post_form(client, "/", "/logout", {}, allow_redirects=False)
        assert not redis_client.exists(key)
        assert not is_signed_in(console, copy)

        again = console.sign_in()
        changed = console.cli("set-password", "anna", "--password-stdin", input=NEW_PASSWORD + "\n")
        assert changed.returncode == 0, changed.stderr
        assert not is_signed_in(console, again)


# --- where the console listens ---------------------------------------------------------------------------

def test_the_console_listens_on_bind_host(sqlite_url, tmp_path):
    other_loopback = "127.0.0.2"  # any 127/8 address is this machine, but a server bound to one is not on another
    with started_console(sqlite_url, tmp_path, host=other_loopback) as console:
        assert requests.get(console.url("/login"), timeout=5).status_code == 200
        port = urlsplit(console.base_url).port
        with pytest.raises(requests.ConnectionError):
            requests.get(f"http://127.0.0.1:{port}/login", timeout=5)
        assert f"http://{other_loopback}:{port}/" in console.log()
