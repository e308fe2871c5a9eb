"""The view's filters: the values and their URL form, without Streamlit (the leadership report,
run from the CLI, counts a view too). The sidebar's widgets, which keep them across pages
(session_state) and in the URL (st.query_params), are app/filter_sidebar.py.

API:
- `Filters`: the chosen period (whole months) and the case filters; frozen and hashable, so it is
  part of every cache key. Empty tuples mean "all". `previous_period()` is the equal-length period
  just before. `app.data.run` turns it into $parameters of the `scoped_cases` CTE.
- `FilterOptions`: the allowed values (built by `app.data.filter_options(scope)`); a value from
  the URL or the session that is not among them is dropped, never trusted.
- `app.filter_sidebar.sidebar(options, show_workers) -> Filters`: renders the widgets (called by
  the router only); pages read the result with `app.data.current_filters()`.
- `from_params(params, options) -> Filters` / `to_params(filters, options) -> dict`: the URL form
  (`from=2025-01&to=2025-12&muni=101&type=mentor&gender=female&age=18-24&worker=W1`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

DEFAULT_MONTHS = 12

# field name -> (URL parameter, widget key of app/filter_sidebar.py)
MULTI = {
    "municipalities": ("muni", "f_muni"),
    "case_types": ("type", "f_type"),
    "genders": ("gender", "f_gender"),
    "age_bands": ("age", "f_age"),
    "workers": ("worker", "f_worker"),
}
FROM = ("from", "f_from")
TO = ("to", "f_to")
WIDGET_KEYS = (FROM[1], TO[1], *(key for _, key in MULTI.values()))


def add_months(value: date, months: int) -> date:
    """The first day of the month `months` after (or before) `value`'s month."""
    index = value.year * 12 + value.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_end(value: date) -> date:
    return add_months(value, 1) - timedelta(days=1)


@dataclass(frozen=True)
class Filters:
    """The view's period (from_month..to_month, whole months) and case filters ("" tuple = all)."""

    from_month: date | None = None
    to_month: date | None = None
    municipalities: tuple[str, ...] = ()
    case_types: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    workers: tuple[str, ...] = ()

    @property
    def period_start(self) -> date | None:
        return self.from_month

    @property
    def period_end(self) -> date | None:
        return month_end(self.to_month) if self.to_month else None

    @property
    def months(self) -> int:
        """Number of months in the period (0 without a period)."""
        if not (self.from_month and self.to_month):
            return 0
        return (
            (self.to_month.year - self.from_month.year) * 12
            + (self.to_month.month - self.from_month.month)
            + 1
        )

    def previous_period(self) -> tuple[date | None, date | None]:
        """The period of equal length (in months) just before this one."""
        if not self.months:
            return None, None
        start = add_months(self.from_month, -self.months)
        return start, self.from_month - timedelta(days=1)


@dataclass(frozen=True)
class FilterOptions:
    """Allowed filter values: months (first days, oldest first), code -> label maps, and the
    codes of the warehouse's code lists (ref.code_lists, ref.age_bands), in their order."""

    months: tuple[date, ...] = ()
    municipalities: Mapping[str, str] = field(default_factory=dict)
    workers: Mapping[str, str] = field(default_factory=dict)
    case_types: tuple[str, ...] = ()
    genders: tuple[str, ...] = ()
    age_bands: tuple[str, ...] = ()
    # where the view opens: a coordinator's own municipalities (app.data.default_municipalities)
    default_municipalities: tuple[str, ...] = ()

    def default(self) -> Filters:
        """The view a session opens with, and the reset button returns to."""
        return validated(Filters(municipalities=self.default_municipalities), self)

    def allowed(self, name: str) -> tuple[str, ...]:
        values = getattr(self, name)
        return tuple(values.keys()) if isinstance(values, Mapping) else tuple(values)

    def default_period(self) -> tuple[date | None, date | None]:
        """The last twelve months of data (fewer when there are fewer)."""
        if not self.months:
            return None, None
        return self.months[max(0, len(self.months) - DEFAULT_MONTHS)], self.months[-1]


def _parse_month(text: object, options: FilterOptions) -> date | None:
    try:
        value = date.fromisoformat(f"{str(text)[:7]}-01")
    except ValueError:
        return None
    return value if value in options.months else None


def _clean(values: object, allowed: tuple[str, ...]) -> tuple[str, ...]:
    """Keep allowed values only, in the allowed order (so equal choices give equal cache keys)."""
    chosen = {values} if isinstance(values, str) else set(values or ())
    return tuple(value for value in allowed if value in chosen)


def validated(filters: Filters, options: FilterOptions) -> Filters:
    """Drop every value that is not allowed; fill in and order the period."""
    start = filters.from_month if filters.from_month in options.months else None
    end = filters.to_month if filters.to_month in options.months else None
    default_start, default_end = options.default_period()
    start, end = start or default_start, end or default_end
    if start and end and start > end:
        start, end = end, start
    return Filters(
        start,
        end,
        *(_clean(getattr(filters, name), options.allowed(name)) for name in MULTI),
    )


def from_params(params: Mapping[str, list[str]], options: FilterOptions) -> Filters:
    """Filters from URL parameters (each a list of strings); invalid values are ignored."""
    first = {key: (values[0] if values else None) for key, values in params.items()}
    raw = Filters(
        _parse_month(first.get(FROM[0]), options),
        _parse_month(first.get(TO[0]), options),
        *(tuple(params.get(param, ())) for param, _ in MULTI.values()),
    )
    return validated(raw, options)


def to_params(filters: Filters, options: FilterOptions) -> dict[str, str | list[str]]:
    """The URL form of the filters; the default period and empty filters are left out."""
    params: dict[str, str | list[str]] = {}
    if (filters.from_month, filters.to_month) != options.default_period():
        if filters.from_month and filters.to_month:
            params[FROM[0]] = filters.from_month.isoformat()[:7]
            params[TO[0]] = filters.to_month.isoformat()[:7]
    for name, (param, _) in MULTI.items():
        if getattr(filters, name):
            params[param] = list(getattr(filters, name))
    return params
