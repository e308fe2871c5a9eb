"""Pre/post (Før/efter): WHO-5 and GSE before vs after, per group, for cases ending in the period.

The population: cases in `scoped_cases` whose end date falls in the sidebar period and that have a
valid pre and a valid post of the instrument (`mart.case_outcomes`). Every query takes a `group`
from GROUPS (an allow-list of split columns) and returns a `group_value` column ('all' unsplit).

- `reference(scope, instrument)`: the constants in force (ref.instruments) and the reliable-change
  threshold the warehouse derives from them.
- `paired_stats(scope, filters, instrument, group)`: one row per group with `n` and the fields of
  `warehouse.stats.paired_change` (null when the group is hidden), plus an 'all' row when split.
- `distribution(...)`: quartiles of pre and post per group; `histogram(...)`: counts per score bin.
- `categories(...)`: reliable-change and clinical-change counts per group.
- `case_lines(...)`: pre and post per case, for case-level viewers only (a capped sample).
- `funnel_plot(scope, filters, indicator, unit, overdispersion)`: the funnel (app/funnel.py) of
  the share of WHO-5 outcomes reliably improved or recovered, by municipality (the whole
  country, the filter's municipalities marked: `app.queries.fit_funnel`) or worker.
- `jacobson(...)`: pre and post per case (case level, capped) or a 2-D histogram (aggregate).
"""

from __future__ import annotations

import polars as pl

from app import data, funnel
from app.filters import Filters
from app.queries import FUNNEL_SQL, FUNNEL_UNITS, fit_funnel, funnel_level, with_counts
from app.scope import Scope
from warehouse.stats import PairedChange, paired_change

INSTRUMENTS = ("WHO5", "GSE")
# split name -> SQL expression over scoped_cases `c` (identifiers only from here)
GROUPS = {
    "none": "'all'",
    "case_type": "c.case_type",
    "gender": "coalesce(c.gender, 'unknown')",
    "age_band": "coalesce(c.age_band, 'unknown')",
    # joint learning across cases (workflows.md section 1): by how cases ended, where they came from
    "end_reason": "c.end_reason",
    "referred_by": "c.referred_by",
    "municipality": "c.municipality_name",
}
# funnel indicator -> (instrument, event) over the paired outcomes `s` (indicators.md section 2)
FUNNEL_INDICATORS = {
    "who5_improved": ("WHO5", "s.reliable_change = 'improved'"),
    "who5_recovered": ("WHO5", "s.clinical_change = 'recovered'"),
}
CASE_LINE_LIMIT = 200
HISTOGRAM_BINS = 10
STAT_FIELDS = tuple(PairedChange.model_fields)

_PAIRED = """
paired as (
    -- cases ending in the period with a valid pre and post; grain: one row per case
    select
        c.case_id,
        c.record_key,
        c.is_exact,
        {group} as group_value,
        c.municipality_code,
        c.municipality_name,
        c.worker_id,
        o.pre_score,
        o.post_score,
        o.change,
        o.reliable_change,
        o.clinical_change,
    from scoped_cases as c
    inner join mart.case_outcomes as o on o.case_id = c.case_id
    where o.instrument = $instrument
        and ($period_start::date is null or c.end_date between $period_start and $period_end)
)"""


def _group_sql(group: str) -> str:
    if group not in GROUPS:
        raise ValueError(f"unknown split {group!r}")
    return GROUPS[group]


def _check_instrument(instrument: str) -> None:
    if instrument not in INSTRUMENTS:
        raise ValueError(f"unknown instrument {instrument!r}")


def _with_paired(group: str, body: str) -> str:
    return "with " + _PAIRED.strip().format(group=_group_sql(group)) + ",\n" + body.strip()


def reference(scope: Scope, instrument: str) -> dict:
    """The reference constants of the instrument and the derived reliable-change threshold."""
    _check_instrument(instrument)
    frame = data.run_meta(
        """
        -- the constants in force for one instrument; grain: one row
        select
            instrument,
            score_min,
            score_max,
            sd,
            reliability,
            cutoff,
            mcid,
            z,
            s_diff,
            reliable_change_threshold,
            sources,
        from mart.instruments
        where instrument = $instrument
        """,
        {"instrument": instrument},
    )
    return frame.to_dicts()[0]


_PAIRS_SQL = """
groups as (
    -- grain: one row per group (and one 'all' row when split)
    -- exact: only the viewer's own cases (their statistics are shown in full)
    select group_value, {n} list(pre_score) as pre, list(post_score) as post,
        bool_and(c.is_exact) as exact, 'groups' as total_group,
    from paired as c
    group by group_value
    union all
    select 'all', {n} list(pre_score), list(post_score), bool_and(c.is_exact), null
    from paired as c
    having $split
)
select * from groups order by group_value = 'all' desc, group_value
"""
_PAIRS_SQL = with_counts(_PAIRS_SQL, n="true")


# Hedges' correction J(n - 1) is 0 for two pairs, so warehouse.stats gives d = 0 with a 0-wide
# interval there (as R's effectsize does): an effect size needs three pairs at least to be
# shown ('0,00 (0,00 til 0,00)' beside a mean change of +32 read as "no effect")
MIN_EFFECT_PAIRS = 3
EFFECT_SIZES = ("d_av", "d_av_ci_low", "d_av_ci_high", "d_z", "d_z_ci_low", "d_z_ci_high")


@data.shared  # 10,000 score pairs take a while; each view asks three times (one per split view)
def paired_stats(scope: Scope, filters: Filters, instrument: str, group: str) -> pl.DataFrame:
    """Paired statistics per group; hidden groups keep only `n` (null) and `suppressed`."""
    _check_instrument(instrument)
    frame = data.run(
        _with_paired(group, _PAIRS_SQL),
        {"instrument": instrument, "split": group != "none"},
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n", values=("pre", "post"), total_group="total_group"),
    )
    perturbed = data.treatment(scope, filters).perturb
    rows = []
    for row in frame.iter_rows(named=True):
        shown = not row["suppressed"] and row["n"]
        stats = paired_change(row["pre"], row["post"]).as_dict() if shown else {}
        stats.pop("n", None)
        if shown and row["n"] < MIN_EFFECT_PAIRS:
            stats |= dict.fromkeys(EFFECT_SIZES)  # not estimable: shown as '–', not as 0,00
        if perturbed and row["exact"] is False:
            stats = _published(stats)
        rows.append(
            {
                "group_value": row["group_value"],
                "n": row["n"],
                **{f: stats.get(f) for f in STAT_FIELDS if f != "n"},
                "suppressed": row["suppressed"],
                "suppressed_by": row["suppressed_by"],
            }
        )
    schema = {"group_value": pl.String, "n": pl.Int64}
    schema |= {f: pl.Float64 for f in STAT_FIELDS if f != "n"}
    schema |= {"suppressed": pl.Boolean, "suppressed_by": pl.String}
    return pl.DataFrame(rows, schema=schema, orient="row")


# Beside a perturbed n, the statistics that carry the exact n are left out: the degrees of
# freedom (n - 1), t with d_z (t / d_z is sqrt(n) over Hedges' factor of n), t with its p
# (which give df), an interval with its mean and p, Wilcoxon's V with its p; and the means are
# whole points (a mean of whole scores to full precision divides out to one possible n).
PUBLISHED_STATS = {"mean_pre": 0, "mean_post": 0, "mean_change": 0, "d_av": 2}


def _published(stats: dict) -> dict:
    """A published group's statistics: rounded means and d_av, nothing that tells n."""
    return {
        field: None if stats.get(field) is None else round(stats[field], decimals)
        for field, decimals in PUBLISHED_STATS.items()
    }


def is_empty(stats: pl.DataFrame) -> bool:
    """No case with a pre and a post matches the filters (zero shows; it reveals no one)."""
    total = stats.filter(pl.col("group_value") == "all")
    return total.is_empty() or total["n"][0] == 0


_DISTRIBUTION_SQL = """
long as (
    -- grain: one row per case x phase
    select case_id, record_key, is_exact, group_value, 'pre' as phase, pre_score as score
    from paired
    union all
    select case_id, record_key, is_exact, group_value, 'post', post_score from paired
)
select
    group_value,
    phase,
    {n}
    quantile_cont(score, 0.1) as p10,
    quantile_cont(score, 0.25) as q1,
    quantile_cont(score, 0.5) as median,
    quantile_cont(score, 0.75) as q3,
    quantile_cont(score, 0.9) as p90,
    avg(score) as mean,
from long as c
group by group_value, phase
order by group_value, phase desc
"""
_DISTRIBUTION_SQL = with_counts(_DISTRIBUTION_SQL, n="true")


def distribution(scope: Scope, filters: Filters, instrument: str, group: str) -> pl.DataFrame:
    """Quantiles (10/25/50/75/90 %) and mean of the pre and post scores per group and phase."""
    _check_instrument(instrument)
    values = ("p10", "q1", "median", "q3", "p90", "mean")
    frame = data.run(
        _with_paired(group, _DISTRIBUTION_SQL),
        {"instrument": instrument},
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n", values=values, means=("mean",)),
    )
    return _hide_groups_hidden_in_stats(frame, scope, filters, instrument, group, ("n", *values))


_HISTOGRAM_SQL = """
long as (
    -- grain: one row per case x phase
    select case_id, record_key, is_exact, 'pre' as phase, pre_score as score from paired
    union all
    select case_id, record_key, is_exact, 'post', post_score from paired
),
binned as (
    -- the top of the scale joins the last bin; grain: one row per case x phase
    select
        case_id,
        record_key,
        is_exact,
        phase,
        least(floor((score - $score_min) / $bin_width), $bins - 1) as bin,
    from long
)
select
    phase,
    $score_min + bin * $bin_width as bin_start,
    $score_min + (bin + 1) * $bin_width as bin_end,
    {n}
    phase as total_group,
from binned as c
group by phase, bin
order by phase desc, bin
"""
_HISTOGRAM_SQL = with_counts(_HISTOGRAM_SQL, n="true")


def histogram(scope: Scope, filters: Filters, instrument: str) -> pl.DataFrame:
    """Counts of pre and post scores in ten equal bins over the instrument's scale."""
    ref = reference(scope, instrument)
    width = (ref["score_max"] - ref["score_min"]) / HISTOGRAM_BINS
    return data.run(
        _with_paired("none", _HISTOGRAM_SQL),
        {
            "instrument": instrument,
            "score_min": float(ref["score_min"]),
            "bin_width": width,
            "bins": HISTOGRAM_BINS,
        },
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n", total_group="total_group"),
    )


_CATEGORIES_SQL = """
long as (
    -- grain: one row per case x measure
    select case_id, record_key, is_exact, group_value, 'reliable_change' as measure,
        reliable_change as category
    from paired
    union all
    select case_id, record_key, is_exact, group_value, 'clinical_change', clinical_change
    from paired
)
select
    group_value,
    measure,
    category,
    {n}
    measure || '|' || group_value as total_group,
from long as c
group by group_value, measure, category
order by group_value, measure desc, category
"""
_CATEGORIES_SQL = with_counts(_CATEGORIES_SQL, n="true")


def categories(scope: Scope, filters: Filters, instrument: str, group: str) -> pl.DataFrame:
    """Cases per reliable-change and clinical-change category, per group (suppressed)."""
    _check_instrument(instrument)
    frame = data.run(
        _with_paired(group, _CATEGORIES_SQL),
        {"instrument": instrument},
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n", total_group="total_group"),
    )
    return _hide_groups_hidden_in_stats(frame, scope, filters, instrument, group, ("n",))


def _hide_groups_hidden_in_stats(
    frame: pl.DataFrame,
    scope: Scope,
    filters: Filters,
    instrument: str,
    group: str,
    columns: tuple[str, ...],
) -> pl.DataFrame:
    """Hide in `frame` every group the statistics table hides.

    The views of one split show the same groups: a group hidden there as the complement of a
    small one would otherwise give its size away here (its quantiles' n, its categories' sum).
    """
    stats = paired_stats(scope, filters, instrument, group)
    hidden = stats.filter(pl.col("suppressed") & (pl.col("group_value") != "all"))["group_value"]
    newly = pl.col("group_value").is_in(hidden.implode()) & ~pl.col("suppressed")
    return frame.with_columns(
        *(pl.when(newly).then(None).otherwise(pl.col(c)).alias(c) for c in columns),
        pl.when(newly).then(pl.lit("complement")).otherwise(pl.col("suppressed_by"))
        .alias("suppressed_by"),
        (pl.col("suppressed") | newly).alias("suppressed"),
    )  # fmt: skip


_CASE_LINES_SQL = """
sampled as (
    -- a stable sample: the same cases stay drawn while the data do not change
    select *, count(*) over () as cases_total
    from paired
    order by hash(case_id)
    limit $limit
)
select case_id, group_value, pre_score, post_score, change, cases_total
from sampled
order by case_id
"""


def case_lines(
    scope: Scope, filters: Filters, instrument: str, group: str, limit: int = CASE_LINE_LIMIT
) -> pl.DataFrame:
    """Pre and post per case (case level; at most `limit` cases, a stable sample)."""
    _check_instrument(instrument)
    return data.run(
        _with_paired(group, _CASE_LINES_SQL),
        {"instrument": instrument, "limit": limit},
        scope=scope,
        filters=filters,
        level="case",
    )


def funnel_plot(
    scope: Scope,
    filters: Filters,
    indicator: str = "who5_improved",
    unit: str = "municipality",
    overdispersion: bool = True,
) -> funnel.Funnel:
    """The funnel of one outcome share by municipality or worker (see module docstring)."""
    if indicator not in FUNNEL_INDICATORS:
        raise ValueError(f"unknown indicator {indicator!r}")
    funnel_level(unit)  # refuses an unknown unit
    code, label = FUNNEL_UNITS[unit]
    instrument, event = FUNNEL_INDICATORS[indicator]
    body = FUNNEL_SQL.format(code=code, label=label, denominator="true", event=event,
                             population="paired")  # fmt: skip
    return fit_funnel(_with_paired("none", body), {"instrument": instrument}, scope=scope,
                      filters=filters, unit=unit, overdispersion=overdispersion,
                      run=data.run)  # fmt: skip


JACOBSON_POINTS = 4000  # case points of the Jacobson plot (the reference lines add a handful)

_JACOBSON_POINTS_SQL = """
-- pre and post of each case (a stable sample), coloured by clinical change; grain: one row per case
select case_id, pre_score, post_score, clinical_change, count(*) over () as cases_total,
from paired
order by hash(case_id)
limit $limit
"""

_JACOBSON_CELLS_SQL = """
binned as (
    -- the top of the scale joins the last bin; grain: one row per case
    select
        least(floor((pre_score - $score_min) / $bin_width), $bins - 1) as pre_bin,
        least(floor((post_score - $score_min) / $bin_width), $bins - 1) as post_bin,
    from paired
)

-- cases per pre x post cell; grain: one row per cell with a case
select
    $score_min + pre_bin * $bin_width as pre_start,
    $score_min + (pre_bin + 1) * $bin_width as pre_end,
    $score_min + post_bin * $bin_width as post_start,
    $score_min + (post_bin + 1) * $bin_width as post_end,
    count(*) as n,
    -- the cells add up to the cases shown in the statistics
    'cells' as total_group,
from binned
group by pre_bin, post_bin
order by pre_bin, post_bin
"""


def jacobson(scope: Scope, filters: Filters, instrument: str) -> tuple[str, pl.DataFrame]:
    """The Jacobson plot's data: ('points', one row per case: `case_id, pre_score, post_score,
    clinical_change, cases_total`, a stable sample of at most JACOBSON_POINTS) for viewers who
    may see case rows, else ('cells', cases per pre x post cell of a 10 x 10 grid, suppressed)."""
    _check_instrument(instrument)
    if scope.case_level:
        frame = data.run(
            _with_paired("none", _JACOBSON_POINTS_SQL),
            {"instrument": instrument, "limit": JACOBSON_POINTS},
            scope=scope,
            filters=filters,
            level="case",
        )
        return "points", frame
    ref = reference(scope, instrument)
    frame = data.run(
        _with_paired("none", _JACOBSON_CELLS_SQL),
        {
            "instrument": instrument,
            "score_min": float(ref["score_min"]),
            "bin_width": (ref["score_max"] - ref["score_min"]) / HISTOGRAM_BINS,
            "bins": HISTOGRAM_BINS,
        },
        scope=scope,
        filters=filters,
        suppress=data.Rule(count="n", total_group="total_group"),
    )
    return "cells", frame
