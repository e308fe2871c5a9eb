"""Running the dashboard in Streamlit's AppTest: signed in as any role, and reading what it shows.

Shared by the tests (tests/support/app_fixtures.py builds their warehouse) and the benchmarks
(benchmarks/pages.py), which must not import from the tests."""

from __future__ import annotations

import time
from pathlib import Path

import polars as pl
import pyarrow as pa
from streamlit.testing.v1 import AppTest

ROUTER = str(Path(__file__).resolve().parents[1] / "app" / "streamlit_app.py")


def signed_in_app(
    role: str = "national",
    *,
    municipalities: tuple[str, ...] = (),
    worker_id: str | None = None,
    name: str | None = None,
) -> AppTest:
    """The router as a signed-in user of `role` would open it (not yet run).

    The session carries what `app.auth` keeps after a successful sign-in; the sign-in form
    itself is tested in tests/pages/test_sign_in.py.
    """
    import secrets

    from app import auth
    from app.accounts import Account, AccountStore, accounts_path

    # a real account with a live store session, as a sign-in leaves them (checked every run)
    account = Account(name or f"test-{role}", role, tuple(municipalities), worker_id)
    store = AccountStore(accounts_path())
    if store.get(account.name) != account:
        store.remove(account.name)
        store.add(account, secrets.token_urlsafe(16))
    at = AppTest.from_file(ROUTER, default_timeout=60)
    now = time.time()
    at.session_state[auth.TOKEN_KEY] = store.open_session(account.name)
    at.session_state[auth.ACCOUNT_KEY] = {
        "name": account.name,
        "role": role,
        "municipalities": list(municipalities),
        "worker_id": worker_id,
    }
    at.session_state[auth.SIGNED_IN_AT_KEY] = now
    at.session_state[auth.LAST_SEEN_KEY] = now
    at.session_state[auth.METHOD_KEY] = "local"
    return at


def element_frames(element) -> list[pl.DataFrame]:
    """The datasets of one chart element (Streamlit ships them as Arrow)."""
    return [
        pl.from_arrow(pa.ipc.open_stream(dataset.data.data).read_all())
        for dataset in element.proto.datasets
    ]


def chart_frames(at: AppTest) -> list[pl.DataFrame]:
    """The data of every chart on the page."""
    return [frame for element in at.get("vega_lite_chart") for frame in element_frames(element)]


def everything_shown(at: AppTest) -> str:
    """All text and data the page sends to the browser: texts, figures, tables, chart specs and
    the data inside the charts."""
    parts = [
        e.value for kind in ("markdown", "caption", "title", "subheader") for e in getattr(at, kind)
    ]
    parts += [e.body for e in [*at.info, *at.warning]]
    parts += [str(metric.value) for metric in at.metric]
    parts += [frame.value.to_csv() for frame in at.dataframe]
    parts += [element.proto.spec for element in at.get("vega_lite_chart")]
    parts += [frame.write_csv() for frame in chart_frames(at)]
    return "\n".join(str(part) for part in parts)


def metrics(at: AppTest) -> dict[str, str]:
    """The headline figures shown: label -> value as text."""
    return {metric.label: metric.value for metric in at.metric}
