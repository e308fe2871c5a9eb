"""The funnel's marked units (app/funnel.py) and the sentences under it (app/indicator_parts.py):
the reader's units are marked without a figure changing, named first, and said to be hidden
when they are."""

from __future__ import annotations

import polars as pl
import pytest

from app import funnel, i18n, indicator_parts
from tests.support.wording import da, en

COUNTS = pl.DataFrame({
    "unit_code": ["253", "101", "751", "461", "259"],
    "unit_label": ["Greve", "København", "Aarhus", "Odense", "Køge"],
    "events": [41, 760, 700, 3, 30], "total": [100, 1000, 1000, 4, 40],
})  # fmt: skip
TARGET = 1534 / 2144  # the hidden units still count


@pytest.mark.parametrize("treatment", [True, funnel.suppression.PROTECTED])
def test_marking_changes_no_figure(treatment):
    plain = funnel.fit(COUNTS, overdispersion=True, treatment=treatment)
    marked = funnel.fit(COUNTS, overdispersion=True, treatment=treatment, marked=("751", "461"))
    assert marked.units.drop("is_marked").equals(plain.units.drop("is_marked"))
    assert marked.curve.equals(plain.curve) and marked.target == plain.target
    assert marked.units.filter("is_marked")["unit_label"].sort().to_list() == ["Aarhus", "Odense"]


def test_the_reader_s_units_are_named_first_then_the_others_outside_the_limits():
    # Aarhus (marked) lies within the limits: named, and first; Greve and København outside
    fitted = funnel.fit(COUNTS, overdispersion=False, treatment=True, marked=("751",))
    target = i18n.fmt_pct(TARGET, 0, "da")
    where = da("indicator_parts.where.country")
    assert indicator_parts.outside_sentences(fitted, "municipality", "da") == [
        da("indicator_parts.inside", name="Aarhus", rate=i18n.fmt_pct(0.7, 0, "da"),
           target=target, where=where),
        da("indicator_parts.outside.low", name="Greve", rate=i18n.fmt_pct(0.41, 0, "da"),
           target=target, where=where),
        da("indicator_parts.outside.high", name="København", rate=i18n.fmt_pct(0.76, 0, "da"),
           target=target, where=where),
    ]  # fmt: skip
    # a marked unit outside the limits is named once, first
    fitted = funnel.fit(COUNTS, overdispersion=False, treatment=True, marked=("101",))
    said = indicator_parts.outside_sentences(fitted, "municipality", "en")
    assert len(said) == 2 and said[0].startswith("København lies above the control limit: 76%")
    assert said[1].startswith("Greve lies below")


def test_a_hidden_marked_unit_is_counted_as_hidden_and_said_so():
    # Odense rests on 4 cases, Køge is hidden as its complement: both count as hidden units
    fitted = funnel.fit(COUNTS, overdispersion=False, treatment=True, marked=("461", "999"))
    assert fitted.hidden == 2 and fitted.others_hidden() == 1
    assert "Odense" not in fitted.shown["unit_label"].to_list()
    assert fitted.marked_hidden() == ["Odense"] and fitted.marked_absent() == ["999"]
    said = indicator_parts.outside_sentences(fitted, "municipality", "en")
    assert said[0] == en("indicator_parts.marked_hidden", name="Odense")
    assert "4" not in said[0]  # no count of the hidden unit in the words
