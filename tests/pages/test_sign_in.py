"""The sign-in page (AppTest on tests/support/auth_app.py), sessions, OIDC claims, the audit page."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from app.accounts import AccountError, AccountStore, accounts_path, make_account
from app.auth import account_from_claims, session_expired
from app.i18n import t
from privacy import audit
from tests.support.wording import da, da_pattern, en

REPO = Path(__file__).resolve().parents[2]
HERE = REPO / "tests" / "support"
PASSWORD = "korrekt-hest-batteri"


pytestmark = pytest.mark.usefixtures("fast_hashing")


@pytest.fixture
def store() -> AccountStore:
    # conftest points LAT_DB at a fresh folder per test; the app finds the accounts beside it
    s = AccountStore(accounts_path())
    s.add(make_account("anna", "coordinator", ["101"]), PASSWORD)
    s.add(make_account("boss", "viewer"), PASSWORD)
    s.add(make_account("nat", "national"), PASSWORD)
    return s


def _app() -> AppTest:
    return AppTest.from_file(str(HERE / "auth_app.py"), default_timeout=30).run()


def _content(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def _sign_in(at: AppTest, name: str, password: str) -> AppTest:
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    return at.button(key="auth_submit").click().run()


def test_sign_in_form_hides_the_content(store: AccountStore):
    at = _app()
    assert not at.exception
    assert "SECRET" not in _content(at)
    password_type = at.text_input(key="auth_password").proto.type
    assert password_type == at.text_input(key="auth_password").proto.Type.PASSWORD


def test_wrong_password_shows_an_error_and_no_content(store: AccountStore):
    at = _sign_in(_app(), "anna", "wrong-password-1")
    assert not at.exception
    assert [e.value for e in at.error] == [da("auth.wrong")]
    assert "SECRET" not in _content(at)
    events = audit.read_events()
    assert events["event"].to_list() == ["sign_in_failed"]
    assert events["user"][0] == "anna"


def test_unknown_user_is_not_written_to_the_audit_trail(store: AccountStore):
    _sign_in(_app(), "my-password-by-mistake", "whatever-123")
    assert audit.read_events()["user"].to_list() == ["(ukendt bruger)"]


def test_right_password_shows_content_and_audits_the_sign_in(store: AccountStore):
    at = _sign_in(_app(), "anna", PASSWORD)
    assert not at.exception
    assert "SECRET CONTENT for anna as coordinator" in _content(at)
    assert not at.error
    assert audit.read_events()["event"].to_list() == ["page_view", "sign_in"]
    # the sidebar says whose scope this is: the role and the municipality by name
    role = f"{da('auth.coordinator')}, København"
    assert da("auth.signed_in_as", name="anna", role=role) in [c.value for c in at.caption]


def test_lockout_message_after_five_failures(store: AccountStore):
    at = _app()
    for _ in range(5):
        at = _sign_in(at, "anna", "wrong-password-1")
    locked = da_pattern("auth.locked")
    assert locked.fullmatch(at.error[0].value)
    at = _sign_in(at, "anna", PASSWORD)  # the right password does not help while locked
    assert locked.fullmatch(at.error[0].value)
    assert "SECRET" not in _content(at)


def test_sign_out_ends_the_session_and_is_audited(store: AccountStore):
    at = _sign_in(_app(), "anna", PASSWORD)
    at = at.sidebar.button(key="auth_sign_out").click().run()
    assert not at.exception
    assert "SECRET" not in _content(at)
    assert audit.read_events()["event"].to_list() == ["sign_out", "page_view", "sign_in"]


def test_a_page_view_is_audited_once_not_on_every_rerun(store: AccountStore):
    at = _sign_in(_app(), "anna", PASSWORD)
    at = at.run()
    at = at.run()
    views = audit.read_events(event="page_view")
    assert views.height == 1
    assert views["user"][0] == "anna"
    assert '"page": "test-page"' in views["detail"][0]


def test_idle_session_expires(store: AccountStore):
    at = _sign_in(_app(), "anna", PASSWORD)
    at.session_state["auth_last_seen"] = time.time() - 31 * 60
    at = at.run()
    assert "SECRET" not in _content(at)
    assert at.info[0].value == da("auth.expired")


def test_presentation_switch_gives_a_presentation_scope_and_a_banner(store: AccountStore):
    at = _sign_in(_app(), "anna", PASSWORD)
    assert "presentation=False" in _content(at)
    at = at.sidebar.toggle(key="auth_presentation").set_value(True).run()
    assert "presentation=True" in _content(at)
    assert any(da("auth.banner") in i.value for i in at.info)


def test_viewer_is_always_in_presentation_mode(store: AccountStore):
    at = _sign_in(_app(), "boss", PASSWORD)
    assert "presentation=True" in _content(at)
    assert at.sidebar.toggle(key="auth_presentation_forced").disabled
    assert any(da("auth.banner") in i.value for i in at.info)


def test_english_texts_when_the_session_language_is_english(store: AccountStore):
    at = AppTest.from_file(str(HERE / "auth_app.py"), default_timeout=30)
    at.session_state["lang"] = "en"
    at = _sign_in(at.run(), "anna", "wrong-password-1")
    assert at.error[0].value == en("auth.wrong")


def test_session_limits():
    now = 1_000_000.0
    assert not session_expired(now - 60, now - 60, now)
    assert session_expired(now - 60, now - 31 * 60, now)
    assert session_expired(now - 8 * 3600 - 1, now - 10, now)


def test_oidc_claims_map_to_an_account():
    account = account_from_claims(
        {"email": "Kim@Kommune.dk", "lat_role": "coordinator", "lat_municipalities": "0101,147"}
    )
    assert (account.name, account.role, account.municipalities) == (
        "kim@kommune.dk",
        "coordinator",
        ("101", "147"),
    )
    mapped = account_from_claims(
        {"sub": "x1", "groups": ["Other", "LAT-Ledelse"]},
        {"role_claim": "groups", "role_values": {"LAT-Ledelse": "viewer"}},
    )
    assert mapped.role == "viewer" and mapped.name == "x1"


@pytest.mark.parametrize(
    "claims",
    [
        {"email": "a@b.dk"},
        {"email": "a@b.dk", "lat_role": "admin"},
        {"email": "a@b.dk", "lat_role": "coordinator"},
        {"email": "a@b.dk", "lat_role": "worker"},
    ],
)
def test_oidc_claims_without_a_usable_role_are_refused(claims: dict):
    with pytest.raises(AccountError):
        account_from_claims(claims)


# --- the audit page ---------------------------------------------------------------------------

AUDIT_PAGE = """
import runpy
from app.auth import require_sign_in
require_sign_in()
runpy.run_path({page!r})
"""


def _audit_page() -> AppTest:
    page = str(REPO / "pages" / "audit.py")
    return AppTest.from_string(AUDIT_PAGE.format(page=page), default_timeout=30).run()


def test_audit_page_lists_events_for_a_national_user(store: AccountStore):
    audit.record("erase", "cli:root", {"target": "case", "rows_removed": {"raw.cases": 1}})
    for page in ("data-quality", "case"):  # url paths: shown as the navigation's titles
        audit.record("page_view", "nat", {"page": page, "filters": {"case_id": "F1"}})
    at = _sign_in(_audit_page(), "nat", PASSWORD)
    assert not at.exception
    frame = at.dataframe[0].value
    event = t("audit.column.event", "da")
    assert set(frame[event]) >= {t("audit.event.erase", "da"), t("audit.event.sign_in", "da")}
    at = at.selectbox(key="audit_event").set_value("erase").run()
    assert list(at.dataframe[0].value[event]) == [t("audit.event.erase", "da")]


def test_audit_page_shows_words_danish_times_and_no_raw_codes(store: AccountStore):
    """Event kinds, column names and details in words; no JSON, no ISO/UTC timestamps."""
    audit.record("erase", "cli:root", {"target": "case", "rows_removed": {"raw.cases": 1}})
    for page in ("data-quality", "case"):  # url paths: shown as the navigation's titles
        audit.record("page_view", "nat", {"page": page, "filters": {"case_id": "F1"}})
    at = _sign_in(_audit_page(), "nat", PASSWORD)
    frame = at.dataframe[0].value
    assert list(frame.columns) == [t(f"audit.column.{c}", "da") for c in ("at", "event", "user",
                                                                          "detail")]  # fmt: skip
    cells = [str(v) for column in frame.columns for v in frame[column]]
    assert not [c for c in cells if re.search(r"[{}\[\]\"]|\d{4}-\d{2}-\d{2}T", c)]
    assert not set(cells) & set(audit.EVENTS)
    assert all(" kl. " in v for v in frame[t("audit.column.at", "da")])
    details = list(frame[t("audit.column.detail", "da")])
    assert any(t("audit.value.local", "da") in v for v in details)
    for title in ("page_data_quality", "page_case"):
        assert any(f"{t('audit.detail.page', 'da')}: {t(title, 'da')}" in v for v in details)
    assert not [v for v in details if "data-quality" in v or "case_id" in v]


def test_audit_page_refuses_a_coordinator(store: AccountStore):
    at = _sign_in(_audit_page(), "anna", PASSWORD)
    assert not at.exception
    assert at.error[0].value == t("audit.refused", "da")
    assert not at.dataframe


def test_audit_page_refuses_a_national_user_in_presentation_mode(store: AccountStore):
    """A shared screen must not show who looked at what."""
    at = _sign_in(_audit_page(), "nat", PASSWORD)
    at = at.sidebar.toggle(key="auth_presentation").set_value(True).run()
    assert not at.exception
    assert at.error and not at.dataframe


def test_app_never_reads_the_developers_data_folder():
    assert "lat-data" in os.environ["LAT_DB"]  # conftest isolation is in force for these tests


def test_the_dashboard_shows_only_the_sign_in_form_until_sign_in(store: AccountStore):
    """The real router: no page, no sidebar filter, no figure before a successful sign-in."""
    from harness.apptest import ROUTER
    from tests.support.app_fixtures import build_app_warehouse

    build_app_warehouse(Path(os.environ["LAT_DB"]))
    at = AppTest.from_file(ROUTER, default_timeout=60).run()
    assert not at.exception
    assert at.text_input(key="auth_password") is not None
    assert not at.metric and not at.get("vega_lite_chart") and not at.dataframe
    at = _sign_in(at, "anna", PASSWORD)
    assert not at.exception
    # a coordinator lands on the attention queue (the overview for national users and viewers)
    assert at.title[0].value == da("page_attention")
    assert at.get("vega_lite_chart"), "after sign-in the landing page shows its figures"


# --- sessions that outlive a reload, and end when the account's owner or an admin says so -------


def test_revoking_ends_the_live_session_at_its_next_run(store: AccountStore):
    at = _sign_in(_app(), "anna", PASSWORD)
    assert "SECRET" in _content(at)
    assert store.revoke("anna") == 1
    at.run()
    assert not at.exception
    assert "SECRET" not in _content(at)
    assert at.text_input(key="auth_password") is not None
    assert any("afsluttet" in i.value for i in at.info)
    assert audit.read_events()["detail"][0] == '{"reason": "revoked"}'


def test_a_new_password_or_a_removed_account_ends_the_live_session(store: AccountStore):
    at = _sign_in(_app(), "anna", PASSWORD)
    store.set_password("anna", "et-helt-nyt-kodeord")
    assert "SECRET" not in _content(at.run())
    at = _sign_in(_app(), "nat", PASSWORD)
    store.remove("nat")
    assert "SECRET" not in _content(at.run())


def _reload(monkeypatch: pytest.MonkeyPatch, token: str | None) -> AppTest:
    """A fresh session (F5) whose browser sends `token` as its session cookie."""
    from app import auth

    monkeypatch.setattr(auth, "_browser_cookie", lambda: token)
    return _app()


def test_a_reload_resumes_a_live_session_from_its_cookie(
    store: AccountStore, monkeypatch: pytest.MonkeyPatch
):
    from app import auth

    first = _sign_in(_app(), "anna", PASSWORD)
    token = first.session_state[auth.TOKEN_KEY]
    at = _reload(monkeypatch, token)
    assert not at.exception
    assert "SECRET CONTENT for anna as coordinator" in _content(at)
    resumed = audit.read_events().filter(audit.read_events()["event"] == "sign_in")
    assert '"resumed": true' in resumed["detail"][0]
    # a forged, a revoked and an expired cookie give the form
    session_id = token.partition(".")[0]
    assert "SECRET" not in _content(_reload(monkeypatch, session_id + ".00"))
    store.revoke("anna")
    assert "SECRET" not in _content(_reload(monkeypatch, token))
    old = store.open_session("anna", now=time.time() - 31 * 60)
    assert "SECRET" not in _content(_reload(monkeypatch, old))


def test_sign_out_ends_the_store_session_so_its_cookie_is_dead(
    store: AccountStore, monkeypatch: pytest.MonkeyPatch
):
    from app import auth

    at = _sign_in(_app(), "anna", PASSWORD)
    token = at.session_state[auth.TOKEN_KEY]
    at.button(key="auth_sign_out").click().run()
    assert store.session(token) is None
    reloaded = _reload(monkeypatch, token)
    assert "SECRET" not in _content(reloaded)
    # the sign-in page has the browser clear the dead cookie
    assert any("method: 'DELETE'" in h.proto.body for h in reloaded.get("html"))


def test_twenty_failures_from_one_client_lock_the_form_for_every_name(store: AccountStore):
    from app.accounts import MAX_CLIENT_FAILURES

    at = _app()
    for i in range(MAX_CLIENT_FAILURES):
        at = _sign_in(at, f"guess-{i % 4}", "wrong-password-1")
    at = _sign_in(at, "anna", PASSWORD)
    assert "SECRET" not in _content(at)
    assert [e.value for e in at.error] == [da("auth.client_locked", minutes=15)]


def test_after_sign_in_the_browser_gets_a_ticket_for_its_cookie(store: AccountStore):
    """The real router: the page posts a one-time ticket that redeems to the session's token."""
    import json
    import re

    from app import auth, session_cookie
    from harness.apptest import ROUTER
    from tests.support.app_fixtures import build_app_warehouse

    build_app_warehouse(Path(os.environ["LAT_DB"]))
    at = _sign_in(AppTest.from_file(ROUTER, default_timeout=60).run(), "anna", PASSWORD)
    assert not at.exception
    scripts = [h.proto.body for h in at.get("html") if session_cookie.PATH in h.proto.body]
    assert len(scripts) == 1
    ticket = json.loads(re.search(r"body: (\"[^\"]+\")", scripts[0]).group(1))
    assert session_cookie.redeem_ticket(ticket) == at.session_state[auth.TOKEN_KEY]
    assert session_cookie.redeem_ticket(ticket) is None  # once only
    assert auth.TICKET_KEY not in at.session_state


def test_a_page_and_query_asked_for_before_sign_in_open_after_it(store: AccountStore):
    """A deep link (…/progression?x=1) survives the sign-in form."""
    from harness.apptest import ROUTER
    from tests.support.app_fixtures import build_app_warehouse

    build_app_warehouse(Path(os.environ["LAT_DB"]))
    at = AppTest.from_file(ROUTER, default_timeout=60)
    at.query_params["x"] = "1"
    at.run()
    assert at.text_input(key="auth_password") is not None
    from app import auth

    path, params = at.session_state[auth.NEXT_KEY]
    assert params == {"x": "1"}
    at.session_state[auth.NEXT_KEY] = ("progression", params)  # AppTest has no URL path
    at = _sign_in(at, "anna", PASSWORD)
    assert not at.exception
    assert at.query_params["x"] == "1"
    from app import i18n

    assert [t.value for t in at.title] == [i18n.t("page_progression", "da")]
