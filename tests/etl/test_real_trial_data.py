"""Real pre/post data through the whole pipeline: Claus, Scherbaum & Bonnet (2020), WHO-5.

The published trial data (../shared/reference/external/claus_2020.csv, 43 patients, four time
points, `who` = WHO-5 raw score 0-25) are turned into a platform export by this test: WHO-5 at
time 1 is the pre measurement, time 4 the post. Patients without a time-4 score keep only their
pre measurement (a missing follow-up, as on the platform). The change categories in
mart.case_outcomes are then checked against a computation written here, straight from the
Jacobson-Truax definitions, with no code shared with the warehouse.
"""

from __future__ import annotations

import csv
import json
import math
from datetime import date, timedelta
from pathlib import Path

import pytest

from etl.load import load_exports
from tests.support.shared_files import shared_path
from warehouse.db import Reader

START = date(2024, 1, 8)
TRIAL_WEEKS = 12


def _trial_rows() -> list[dict[str, str]]:
    with shared_path("reference", "external", "claus_2020.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write_export(rows: list[dict[str, str]], folder: Path) -> dict[str, tuple[int, int | None]]:
    """Write forloeb.csv + maalinger.csv; return patient -> (pre raw, post raw or None)."""
    by_patient: dict[str, dict[int, str]] = {}
    for row in rows:
        by_patient.setdefault(row["id"], {})[int(row["time"])] = row["who"].strip()
    pairs: dict[str, tuple[int, int | None]] = {}
    end = START + timedelta(weeks=TRIAL_WEEKS)
    folder.mkdir()
    with (folder / "forloeb.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "forloeb_id",
                "kommunekode",
                "forloebstype",
                "borger_id",
                "startdato",
                "slutdato",
                "status",
            ]
        )
        for patient in by_patient:
            out.writerow(
                [f"claus-{patient}", "101", "mentor", f"P{patient}", START, end, "afsluttet"]
            )
    with (folder / "maalinger.csv").open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["forloeb_id", "instrument", "tidspunkt", "dato", "raw_score"])
        for patient, scores in by_patient.items():
            pre, post = scores.get(1, ""), scores.get(4, "")
            if not pre:
                continue
            out.writerow([f"claus-{patient}", "WHO5", "foer", START, pre])
            if post:
                out.writerow([f"claus-{patient}", "WHO5", "efter", end, post])
            pairs[f"claus-{patient}"] = (int(pre), int(post) if post else None)
    (folder / "eksport.json").write_text(json.dumps({"exported_at": "2024-06-30"}))
    return pairs


def _expected_category(pre_raw: int, post_raw: int) -> tuple[str, str]:
    """Jacobson & Truax (1991) with the WHO-5 defaults: sd 20, reliability .85, cutoff 50."""
    pre, post = pre_raw * 4, post_raw * 4  # WHO-5 scoring instructions: raw x 4 = 0-100
    standard_error = 20 * math.sqrt(1 - 0.85)
    rc = (post - pre) / (math.sqrt(2) * standard_error)
    reliable = "improved" if rc > 1.959964 else "deteriorated" if rc < -1.959964 else "unchanged"
    recovered = reliable == "improved" and pre <= 50 < post
    return reliable, "recovered" if recovered else reliable


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory):
    rows = _trial_rows()
    home = tmp_path_factory.mktemp("claus")
    pairs = _write_export(rows, home / "export")
    db = home / "warehouse.duckdb"
    load_exports([str(home / "export")], db)
    return pairs, Reader(db)


def test_every_trial_patient_is_loaded_without_rejections(loaded):
    pairs, reader = loaded
    assert reader.rows("select count(*) from mart.cases") == [(43,)]
    assert reader.rows("select count(*) from etl.rejected_rows") == [(0,)]
    complete = sum(post is not None for _, post in pairs.values())
    assert reader.rows("select count(*) from mart.case_outcomes") == [(complete,)]
    assert 0 < complete < 43, "the trial has missing follow-ups"


def test_change_categories_agree_with_an_independent_computation(loaded):
    pairs, reader = loaded
    held = {
        case_id: (pre, post, reliable, clinical)
        for case_id, pre, post, reliable, clinical in reader.rows(
            "select case_id, pre_score, post_score, reliable_change, clinical_change "
            "from mart.case_outcomes where instrument = 'WHO5'"
        )
    }
    for case_id, (pre_raw, post_raw) in pairs.items():
        if post_raw is None:
            assert case_id not in held
            continue
        reliable, clinical = _expected_category(pre_raw, post_raw)
        assert held[case_id] == (pre_raw * 4, post_raw * 4, reliable, clinical), case_id


def test_the_trial_separates_recovered_from_merely_improved(loaded):
    """Reliable improvers split by the cutoff: some cross 50 (recovered), some stay below."""
    _, reader = loaded
    categories = dict(
        reader.rows(
            "select clinical_change, count(*) from mart.case_outcomes "
            "where reliable_change = 'improved' group by all"
        )
    )
    assert categories.get("recovered", 0) > 0
    assert categories.get("improved", 0) > 0
