"""`lat report`: the handover summary and the leadership report, checked through their text.

One tiny export (two municipalities, eight cases) is loaded through the real ETL; the PDFs are
read back with pypdf and the PNG pages are written under the test's tmp dir as artefacts.
"""

from __future__ import annotations

import io
import struct
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
from pypdf import PdfReader

from cli.main import main as lat
from etl import load
from privacy.cpr import looks_like_cpr
from reports import ReportError, handover_pdf, handover_pngs, leadership_pdf, leadership_pngs
from reports.leadership import resolve_period
from tests.support.exports import case, progress, who5, worker, write_export

AS_OF = "2024-12-31"
MARKUP_NAME = "Anna #emph[Hansen] *fed*"  # Typst syntax in data must print as itself
CPR = "010190-1234"


def gse(case_id: str, phase: str, when: str, item: str) -> dict:
    row = {"forloeb_id": case_id, "instrument": "GSE", "tidspunkt": phase, "dato": when}
    row.update({f"item_{i}": item for i in range(1, 11)})
    return row


def _cases() -> list[dict]:
    rows = [
        # F-1: active, a 111-day gap between 20 Feb and 10 Jun 2024, the citizen's id a CPR number
        case("F-1", borger_id=CPR, koen="k", henvist_af="jobcenter"),
        case(
            "F-2",
            startdato="2024-02-01",
            slutdato="2024-09-30",
            status="afsluttet",
            afslutningsaarsag="maal_naaet",
            henvist_af="skole",
        ),
    ]
    rows += [case(f"F-{i}", startdato="2024-03-01", koen="k") for i in range(3, 7)]
    rows += [case(f"F-{i}", koen="m", forloebstype="forældrecoach") for i in (7, 8)]
    rows += [case(f"G-{i}", kommunekode="147", medarbejder_id="W2") for i in (1, 2)]
    return rows


def _measurements() -> tuple[list[dict], list[dict]]:
    assessments = [
        who5("F-1", "foer", "2024-01-12", "2"),
        gse("F-1", "foer", "2024-01-12", "2"),
        who5("F-2", "foer", "2024-02-03", "2"),
        gse("F-2", "foer", "2024-02-03", "2"),
        who5("F-2", "efter", "2024-09-28", "4"),
        gse("F-2", "efter", "2024-09-28", "3"),
    ]
    dates = ["2024-01-15", "2024-02-20", "2024-06-10", "2024-07-20", "2024-09-01",
             "2024-10-15", "2024-12-01"]  # fmt: skip
    progression = [progress("F-1", d, str(4 + i // 2)) for i, d in enumerate(dates)]
    progression += [progress("F-2", "2024-03-01", "3"), progress("F-2", "2024-04-20", "5")]
    progression.append(progress("F-1", "2024-11-01", "11"))  # out of range: one rejected row
    return assessments, progression


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reports")
    assessments, progression = _measurements()
    export = write_export(
        root / "export",
        AS_OF,
        cases=_cases(),
        workers=[
            worker("W1", navn=MARKUP_NAME, koen="k"),
            worker("W2", kommunekode="147", navn="Bo Berg", koen="m"),
        ],
        assessments=assessments,
        progression=progression,
    )
    db = root / "warehouse.duckdb"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LAT_PSEUDONYM_KEY", "test-key-not-secret")
        load.load_exports([export], db)
    return db


def pdf_pages(data: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(data)).pages]


def png_size(data: bytes) -> tuple[int, int]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def citizen_key(db: Path, case_id: str) -> str:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(
            "select citizen_key from mart.cases where case_id = $c", {"c": case_id}
        ).fetchall()[0][0]
    finally:
        con.close()


# --- handover -------------------------------------------------------------------------------


def test_handover_names_the_case_its_facts_and_danish_dates(warehouse: Path):
    pages = pdf_pages(handover_pdf(warehouse, "F-2"))
    text = "\n".join(pages)
    assert 1 <= len(pages) <= 2
    assert "Overdragelse af forløb F-2" in text
    assert "København" in text and "Jobcenter" not in text  # F-2 was referred by a school
    assert "Skole" in text and "Mål nået" in text and "Afsluttet" in text
    # Danish dates as the dashboard writes them: day, abbreviated month with a dot, year
    assert "1. feb. 2024" in text and "30. sep. 2024" in text
    assert "Data pr.: 31. dec. 2024" in text
    assert f"Dannet: {date.today().day}." in text
    # pre/post with the change category and the constants used
    assert "WHO-5" in text and "+40" in text and "Restitueret" in text
    assert "SD 20,0" in text and "reliabilitet 0,85" in text


def test_handover_shows_the_worker_name_as_text_even_when_it_holds_markup(warehouse: Path):
    text = "\n".join(pdf_pages(handover_pdf(warehouse, "F-1")))
    assert "W1" in text
    assert "#emph[Hansen]" in text and "*fed*" in text


def test_handover_never_carries_the_citizen_key_or_a_cpr_number(warehouse: Path):
    text = "\n".join(pdf_pages(handover_pdf(warehouse, "F-1")))
    assert citizen_key(warehouse, "F-1") not in text
    assert not looks_like_cpr(text)
    assert "0101901234" not in text.replace("-", "").replace(" ", "")


def test_handover_marks_the_gap_longer_than_61_days(warehouse: Path):
    text = "\n".join(pdf_pages(handover_pdf(warehouse, "F-1")))
    assert "Huller over 61 dage" in text
    assert "20. feb. 2024 – 10. jun. 2024 (111 dage)" in text


def test_handover_gives_the_attention_reasons_of_an_active_case_only(warehouse: Path):
    active = " ".join(" ".join(pdf_pages(handover_pdf(warehouse, "F-3"))).split())
    assert "Kræver opmærksomhed" in active
    # in the queue's order: overdue, no_score, missing_pre
    assert "Måling forsinket (over 61 dage); ingen progressionsscore; mangler førmåling" in active
    assert "Forløbet har ingen progressionsscorer." in active
    closed = "\n".join(pdf_pages(handover_pdf(warehouse, "F-2")))
    assert "Kræver opmærksomhed" not in closed


def test_handover_in_english(warehouse: Path):
    text = "\n".join(pdf_pages(handover_pdf(warehouse, "F-2", "en")))
    assert "Handover of case F-2" in text and "1 Feb 2024" in text and "Goals met" in text


def test_handover_pages_render_as_png(warehouse: Path, tmp_path: Path):
    pages = handover_pngs(warehouse, "F-1")
    for number, page in enumerate(pages, 1):
        (tmp_path / f"handover-{number}.png").write_bytes(page)
    assert png_size(pages[0]) == (1240, 1754)  # A4 portrait at 150 dpi


def test_unknown_case_is_a_report_error(warehouse: Path):
    with pytest.raises(ReportError, match="ukendt forløb NOPE"):
        handover_pdf(warehouse, "NOPE")


# --- leadership -----------------------------------------------------------------------------


def test_leadership_pages_carry_title_period_scope_as_of_and_made(warehouse: Path):
    pages = pdf_pages(leadership_pdf(warehouse, "101"))
    assert len(pages) == 4
    for page in pages:
        assert "Ledelsesrapport" in page and "København" in page
        # default period: the last 6 whole months up to the as-of date (31 Dec 2024)
        assert "Periode: 1. jul. 2024 – 31. dec. 2024" in page
        assert "Data pr.: 31. dec. 2024" in page and "Dannet:" in page


def test_leadership_suppresses_small_counts(warehouse: Path):
    text = "\n".join(pdf_pages(leadership_pdf(warehouse, "101")))
    # 8 active cases (shown); 2 men and 2 parent-coach cases are small: "<5", never the 2
    assert "8\nAktive forløb" in text
    assert "Mand <5 <5" in text
    assert "Forældrecoach <5 <5" in text
    # one rejected progression row about a case of 101 is counted as "<5" too
    assert "Værdi uden for gyldigt interval <5 <5" in text


def test_leadership_of_a_small_municipality_shows_only_marks(warehouse: Path):
    text = "\n".join(pdf_pages(leadership_pdf(warehouse, "0147")))
    assert "Frederiksberg" in text
    assert "<5\nAktive forløb" in text
    assert "2\nAktive forløb" not in text


def test_leadership_compares_with_the_country_naming_no_other_municipality(warehouse: Path):
    """The dashboard's funnel (app.funnel.fit): Frederiksberg's 2 cases are hidden, and with
    them København, the only other unit: its exact share beside the country's would give
    Frederiksberg's away (the complement rule, docs/suppression.md). The report said
    'København ligger inden for grænserne' and drew its dot."""
    # one line: the note's sentences wrap wherever their words fall
    text = " ".join("\n".join(pdf_pages(leadership_pdf(warehouse, "101"))).split())
    assert "København ligger inden for grænserne." not in text
    assert "1 kommune med små tal er skjult." in text  # Frederiksberg's 2 cases
    assert "København vises ikke: tallene er for små, eller en anden kommunes" in text
    assert "Frederiksberg" not in text
    assert "Seneste måned:" in text  # the control chart's status of the last month
    # the funnel's counts carry the dashboard's cell-key noise, and the note says so
    assert "Tragtens antal forløb kan afvige op til 2 fra det talte" in text


def test_leadership_holds_no_case_id_citizen_key_or_cpr_number(warehouse: Path):
    text = "\n".join(pdf_pages(leadership_pdf(warehouse, "101")))
    assert "F-1" not in text and "F-2" not in text
    assert citizen_key(warehouse, "F-1") not in text
    assert not looks_like_cpr(text)
    assert MARKUP_NAME not in text  # no worker names either


def test_leadership_png_pages_are_a4_landscape_at_150_dpi(warehouse: Path, tmp_path: Path):
    pages = leadership_pngs(warehouse, "101", "2024-01", "2024-12", "en")
    for number, page in enumerate(pages, 1):
        (tmp_path / f"leadership-{number}.png").write_bytes(page)
    assert len(pages) == 4
    assert all(png_size(page) == (1754, 1240) for page in pages)


def test_leadership_in_english_with_a_given_period(warehouse: Path):
    text = "\n".join(pdf_pages(leadership_pdf(warehouse, "101", "2024-01", "2024-03", "en")))
    assert "Leadership report" in text and "Period: 1 Jan 2024 – 31 Mar 2024" in text


@pytest.mark.parametrize(
    ("as_of", "start", "end", "period"),
    [
        (date(2024, 12, 31), None, None, (date(2024, 7, 1), date(2024, 12, 31))),
        (date(2024, 12, 15), None, None, (date(2024, 6, 1), date(2024, 11, 30))),
        (date(2024, 12, 15), None, "2024-03", (date(2023, 10, 1), date(2024, 3, 31))),
        (date(2024, 12, 15), "2024-11", "2024-12", (date(2024, 11, 1), date(2024, 12, 15))),
    ],
)
def test_period_defaults_to_the_last_six_whole_months(as_of, start, end, period):
    assert resolve_period(as_of, start, end) == period


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        ("2024-06", "2024-03", "--from jun. 2024 ligger efter --to mar. 2024"),
        ("2025-02", None, "efter lagerets opgørelsesdato"),
        ("2024-13", None, "--from skal være en måned som ÅÅÅÅ-MM"),
    ],
)
def test_impossible_periods_are_report_errors(start, end, message):
    with pytest.raises(ReportError, match=message):
        resolve_period(date(2024, 12, 31), start, end)


# --- the command line -----------------------------------------------------------------------


def test_cli_writes_the_pdf_and_one_png_per_page(warehouse: Path, tmp_path: Path, capsys):
    out, pngs = tmp_path / "ledelse.pdf", tmp_path / "slides"
    args = ["report", "leadership", "--municipality", "101", "--out", str(out)]
    assert lat([*args, "--png-dir", str(pngs), "--db", str(warehouse)]) == 0
    assert out.read_bytes().startswith(b"%PDF")
    assert sorted(p.name for p in pngs.iterdir()) == [f"ledelse-{n}.png" for n in (1, 2, 3, 4)]
    assert (
        lat(["report", "handover", "F-1", "--out", str(tmp_path / "h.pdf"), "--db", str(warehouse)])
        == 0
    )
    assert (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["handover", "NOPE"], "ukendt forløb NOPE"),
        (["leadership", "--municipality", "999"], "ukendt kommune 999"),
        (["leadership", "--municipality", "751"], "kommune 751 (Aarhus) har ingen forløb"),
        (["leadership", "--municipality", "101", "--from", "2016-01", "--to", "2016-06"],
         "perioden er tom: København har ingen aktive forløb"),
        (["leadership", "--municipality", "101", "--from", "2024-1"], "ÅÅÅÅ-MM"),
    ],
)  # fmt: skip
def test_cli_refuses_with_exit_2_and_one_line(warehouse, tmp_path, capsys, args, message):
    out = tmp_path / "x.pdf"
    assert lat(["report", *args, "--out", str(out), "--db", str(warehouse)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("lat report: ") and message in err
    assert "Traceback" not in err and not out.exists()


def test_cli_without_a_warehouse_exits_2(tmp_path: Path, capsys):
    missing = tmp_path / "none.duckdb"
    assert (
        lat(["report", "handover", "F-1", "--out", str(tmp_path / "h.pdf"), "--db", str(missing)])
        == 2
    )
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "der er intet lager" in err and not missing.exists()


def test_reports_import_no_streamlit():
    """The dashboard calls these functions, but they must run without Streamlit (CLI, cron)."""
    import subprocess
    import sys

    code = "import sys, reports, cli.report; assert 'streamlit' not in sys.modules, 'streamlit'"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("content", [b"not a database at all\n", None])
def test_cli_with_a_file_that_is_no_warehouse_exits_2(tmp_path: Path, capsys, content):
    path = tmp_path / "other.duckdb"
    if content is None:
        duckdb.connect(str(path)).close()  # a DuckDB file, but without the warehouse's views
    else:
        path.write_bytes(content)
    args = ["report", "leadership", "--municipality", "101", "--out", str(tmp_path / "l.pdf")]
    assert lat([*args, "--db", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "kan ikke læses" in err and "Traceback" not in err


# --- claims of suppression ----------------------------------------------------------------------

# the leadership report's sentences that say small figures were hidden, in both languages
HIDING_CLAIMS = {
    "da": ("Tal under 5 tegnes ikke", "(små tal er skjult)"),
    "en": ("Figures under 5 are not drawn", "(small figures are hidden)"),
}


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_caseload_note_claims_hidden_months_only_where_a_month_was_hidden(warehouse, lang):
    """July-December: September's one ended case is hidden (and a complement with it), so the
    note says small figures are not drawn; October-December has 7 active cases every month and
    no new or ended one (0 is shown): nothing is hidden, and the note claimed it all the same."""
    claim = HIDING_CLAIMS[lang][0]
    hidden = "\n".join(pdf_pages(leadership_pdf(warehouse, "101", "2024-07", "2024-12", lang)))
    assert claim in hidden.replace("\n", " ")
    exact = "\n".join(pdf_pages(leadership_pdf(warehouse, "101", "2024-10", "2024-12", lang)))
    assert claim not in exact.replace("\n", " ")


@pytest.mark.parametrize("lang", ["da", "en"])
def test_the_control_chart_s_absence_blames_small_figures_only_where_they_were_hidden(
    warehouse, lang
):
    """Frederiksberg's two cases make every month small: the control chart is missing because
    its months are hidden, and says so. København's chart is drawn: no such sentence."""
    claim = HIDING_CLAIMS[lang][1]
    small = " ".join(pdf_pages(leadership_pdf(warehouse, "0147", lang=lang))).replace("\n", " ")
    assert claim in small
    drawn = " ".join(pdf_pages(leadership_pdf(warehouse, "101", lang=lang))).replace("\n", " ")
    assert claim not in drawn


def test_a_control_chart_missing_for_want_of_months_does_not_blame_small_figures():
    """Fewer than two months with a share, none of them hidden (a new municipality's first
    month): the sentence says too few months, not that small figures are hidden."""
    from app.suppression import Rule, apply
    from reports.leadership import spc_missing

    rule = Rule(count="n_cases", values=("share",), numerator="k_on_cadence")
    one = apply(pl.DataFrame({"n_cases": [12], "k_on_cadence": [6], "share": [0.5]}), rule)
    assert spc_missing(one, "da") == "For få måneder med tal til et kontrolkort."
    assert spc_missing(one, "en") == "Too few months with figures for a control chart."
    small = apply(pl.DataFrame({"n_cases": [12, 3], "k_on_cadence": [6, 1], "share": [0.5, 0.3]}),
                  rule)  # fmt: skip
    assert "små tal er skjult" in spc_missing(small, "da")


# --- the funnel's other municipalities, as the dashboard publishes them --------------------------


def _units(fitted) -> dict[str, tuple]:
    """Each unit of a funnel: (cases, on cadence, hidden), as fitted (hidden ones null)."""
    return {row["unit_code"]: (row["total"], row["events"], row["suppressed"])
            for row in fitted.units.iter_rows(named=True)}  # fmt: skip


@pytest.mark.parametrize("own", ["751", "101"])
def test_the_funnel_publishes_other_municipalities_with_the_dashboard_s_noise(app_db, own):
    """docs/suppression.md rule 5: a coordinator's funnel on the fidelity page carries the cell-key
    noise on every other municipality's unit. The report drew them as counted, so report beside
    dashboard gave each one's exact count. Its funnel is the dashboard's in presentation mode
    (what the leadership is shown): each other municipality as its coordinator reader sees it,
    the country's share (the target) as there."""
    from app.filters import Filters
    from app.queries import fidelity
    from app.scope import Scope
    from reports.leadership import fitted_funnel, report_scope
    from reports.source import open_warehouse

    with open_warehouse(app_db, "da") as reader:
        scope = report_scope(reader, own, None, None, "da")
        report = fitted_funnel(reader, scope)
    view = Filters(scope.start, scope.end.replace(day=1), municipalities=(own,))
    coordinator = Scope(role="coordinator", user="t", municipalities=frozenset({own}))
    dashboard = _units(fidelity.funnel_plot(coordinator, view))
    presentation = fidelity.funnel_plot(Scope(role="viewer"), view)
    ours = _units(report)
    assert {c: u for c, u in ours.items() if c != own} == {
        c: u for c, u in dashboard.items() if c != own
    }
    assert ours == _units(presentation) and report.target == pytest.approx(presentation.target)
    # the noise moved a shown unit off its count (or the test could not tell the two apart)
    exact = _units(fidelity.funnel_plot(Scope.everything(), view))
    assert any(ours[c] != exact[c] for c in ours if c != own and not ours[c][2])
