"""The Streamlit dashboard, run page by page with AppTest on a hand-made warehouse.

`build_warehouse` writes the marts the dashboard reads as plain tables with the
marts' columns and a handful of rows (fast; no dbt run): nine customers as of
2026-11-01, two of them non-buyers, in six segments and three clusters; a month
of clicks for three offers and four products; one migration between two dates.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"
if str(DASHBOARD) not in sys.path:
    # The pages import their sibling modules the way `streamlit run` lets them.
    sys.path.insert(0, str(DASHBOARD))

import ui  # noqa: E402
from sitemap import PAGES, PageSpec  # noqa: E402

APP = DASHBOARD / "app.py"
TIMEOUT_SECONDS = 30

SEGMENTATION_SQL = """
create table customer_segments as
with scored as (
    select * from (values
        ('c1', 3, 9, 950.00, 5, 5, 5, 'Champions', 2),
        ('c2', 10, 7, 610.00, 5, 4, 5, 'Champions', 2),
        ('c3', 40, 4, 320.00, 4, 3, 4, 'Loyal Customers', 1),
        ('c4', 65, 2, 120.00, 3, 2, 2, 'Need Attention', 1),
        ('c5', 200, 3, 410.00, 1, 3, 4, 'At Risk', 0),
        ('c6', 300, 1, 35.50, 1, 1, 1, 'Lost', 0),
        ('c7', 15, 1, 60.00, 5, 1, 2, 'New Customers', 1),
        ('c8', null, 0, 0.00, null, null, null, 'Prospects', null),
        ('c9', null, 0, 0.00, null, null, null, 'Prospects', null)
    ) as t (
        customer_id, recency_days, frequency, monetary,
        r_score, f_score, m_score, rfm_segment, cluster_id
    )
)
select
    customer_id,
    date '2026-11-01' as as_of_date,
    cast(recency_days as integer) as recency_days,
    cast(frequency as integer) as frequency,
    cast(monetary as decimal(18, 2)) as monetary,
    cast(r_score as integer) as r_score,
    cast(f_score as integer) as f_score,
    cast(m_score as integer) as m_score,
    cast(r_score as varchar) || f_score || m_score as rfm_score,
    rfm_segment,
    cast(cluster_id as integer) as cluster_id,
    cast(monetary / nullif(frequency, 0) as decimal(18, 2)) as average_order_value,
    timestamp '2025-01-01' as first_order_at,
    timestamp '2026-11-01' - to_days(cast(recency_days as integer)) as last_order_at,
    timestamp '2024-12-01' as first_event_at,
    timestamp '2026-10-30' as last_event_at,
    2 as days_since_last_event,
    700 as tenure_days,
    cast(frequency * 4 + 3 as integer) as event_count
from scored;

create table segment_summary as
select
    rfm_segment,
    any_value(as_of_date) as as_of_date,
    count(*) as customers,
    count(*) / sum(count(*)) over () as customer_share,
    cast(sum(monetary) as decimal(18, 2)) as revenue,
    sum(monetary) / sum(sum(monetary)) over () as revenue_share,
    avg(recency_days) as average_recency_days,
    avg(frequency) as average_frequency,
    cast(avg(monetary) as double) as average_monetary
from customer_segments
group by 1;

create table rfm_clusters as
select
    cluster_id,
    3 as cluster_count,
    count(*) as customers,
    count(*) / sum(count(*)) over () as customer_share,
    cast(sum(monetary) as decimal(18, 2)) as revenue,
    avg(recency_days) as centroid_recency_days,
    avg(frequency) as centroid_frequency,
    cast(avg(monetary) as double) as centroid_monetary,
    avg(recency_days) as average_recency_days,
    avg(frequency) as average_frequency,
    cast(avg(monetary) as double) as average_monetary,
    0.61 as silhouette,
    1234.5 as inertia,
    cast(7 as bigint) as sample_customers,
    count(*) as sample_cluster_customers,
    '3:0.61,4:0.55' as fitted_k_candidates
from customer_segments
where cluster_id is not null
group by 1;
"""

HISTORY_SQL = """
create table segment_transitions (
    from_as_of_date date,
    to_as_of_date date,
    from_segment varchar,
    to_segment varchar,
    customers bigint,
    has_moved boolean
);
insert into segment_transitions values
    ('2026-08-01', '2026-11-01', 'Loyal Customers', 'Champions', 1, true),
    ('2026-08-01', '2026-11-01', 'Champions', 'Champions', 1, false),
    ('2026-08-01', '2026-11-01', 'Promising', 'Need Attention', 1, true),
    ('2026-08-01', '2026-11-01', 'At Risk', 'Lost', 1, true),
    ('2026-08-01', '2026-11-01', '(new)', 'New Customers', 1, true),
    ('2026-08-01', '2026-11-01', 'Hibernating', '(gone)', 2, true);
"""

EMPTY_HISTORY_SQL = """
create table segment_transitions (
    from_as_of_date date,
    to_as_of_date date,
    from_segment varchar,
    to_segment varchar,
    customers bigint,
    has_moved boolean
);
"""

# Clicks for day d (0-30 of October 2026) and entity number n: deterministic
# counts with clicks <= impressions and purchases <= clicks.
CLICKS_SQL = """
create table offers as
select * from (values
    ('OFF-001', 'Champions early access', 'p1', 10.0, 'Champions', '2024-11-01',
     '2026-12-31'),
    ('OFF-003', 'Welcome back', 'p2', 25.0, 'At Risk|Lost', '2025-01-01',
     '2026-12-31'),
    ('OFF-008', 'Free shipping', 'p3', 5.0, 'all', '2024-11-01', '2026-12-31')
) as t (
    offer_id, offer_name, product_id, discount_percent, eligible_segments,
    starts_on, ends_on
);

create table click_days as
select
    cast(date '2026-10-01' + cast(day_number as integer) as date) as event_date,
    day_number,
    entity_number
from range(31) as days (day_number)
cross join range(1, 5) as entities (entity_number);

create table clicks_by_offer as
select
    'OFF-00' || case entity_number when 1 then '1' when 2 then '3' else '8' end
        as offer_id,
    event_date,
    cast(40 + day_number * entity_number as bigint) as impressions,
    cast(4 + (day_number % 5) * entity_number as bigint) as clicks,
    cast(1 + day_number % 3 as bigint) as add_to_carts,
    cast(day_number % 2 as bigint) as purchases
from click_days
where entity_number <= 3;

create table clicks_by_product as
select
    'p' || entity_number as product_id,
    event_date,
    cast(30 + day_number + entity_number as bigint) as impressions,
    cast(3 + day_number % 4 as bigint) as clicks,
    cast(1 as bigint) as add_to_carts,
    cast(day_number % 3 = 0 as bigint) as purchases
from click_days;

alter table clicks_by_offer add column ctr double;
alter table clicks_by_offer add column conversion_rate double;
update clicks_by_offer set
    ctr = clicks / impressions,
    conversion_rate = purchases / clicks;
alter table clicks_by_product add column ctr double;
alter table clicks_by_product add column conversion_rate double;
update clicks_by_product set
    ctr = clicks / impressions,
    conversion_rate = purchases / clicks;
drop table click_days;

create table next_best_offers as
select
    customer_id,
    as_of_date,
    rfm_segment,
    case
        when rfm_segment = 'Champions' then 'OFF-001'
        when rfm_segment in ('At Risk', 'Lost') then 'OFF-003'
        when rfm_segment = 'Prospects' then null
        else 'OFF-008'
    end as offer_id,
    cast(null as varchar) as offer_name,
    cast(null as varchar) as product_id,
    cast(null as decimal(5, 2)) as discount_percent,
    case when frequency > 2 then 1.5 when frequency > 0 then 0.2 end as offer_score,
    case
        when rfm_segment = 'Prospects' then 'no_eligible_offer'
        when frequency > 2 then 'affinity'
        else 'cold_start'
    end as reason
from customer_segments;
"""


def build_warehouse(path: Path, *, history: bool = True, clicks: bool = True) -> Path:
    """Write the marts into a new DuckDB file at `path` and close it."""
    connection = duckdb.connect(str(path))
    try:
        connection.execute(SEGMENTATION_SQL)
        connection.execute(HISTORY_SQL if history else EMPTY_HISTORY_SQL)
        if clicks:
            connection.execute(CLICKS_SQL)
    finally:
        connection.close()
    return path


@pytest.fixture(scope="session")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The full warehouse, built once for the session."""
    return build_warehouse(tmp_path_factory.mktemp("dashboard") / "rfm.duckdb")


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    """Every test queries the warehouse itself, not an earlier test's results."""
    st.cache_data.clear()
    yield
    st.cache_data.clear()


def run_page(
    spec: PageSpec, database: Path, monkeypatch: pytest.MonkeyPatch
) -> AppTest:
    """Render `page` of the dashboard against `database`."""
    monkeypatch.setenv("RFM_DUCKDB_PATH", str(database))
    app = AppTest.from_file(str(APP), default_timeout=TIMEOUT_SECONDS).run()
    return app.switch_page(spec.script).run()


def page(url_path: str) -> PageSpec:
    """The page served at `url_path`."""
    return next(spec for spec in PAGES if spec.url_path == url_path)


def metric_values(app: AppTest) -> dict[str, str]:
    """The page's metrics, label -> displayed value."""
    return {metric.label: metric.value for metric in app.metric}


def texts(elements) -> str:
    """The text of a list of message elements (info, error, warning), joined."""
    return " ".join(element.value for element in elements)


# (metrics, plotly charts, dataframes) each page must show on the full warehouse.
EXPECTED_ELEMENTS = {
    "segments": (4, 2, 1),
    "rf-grid": (3, 1, 0),
    "clusters": (3, 1, 1),
    "migration": (3, 2, 1),
    "clicks": (4, 1, 1),
    "offers": (4, 2, 0),
}


def test_expected_elements_cover_every_page():
    assert set(EXPECTED_ELEMENTS) == {spec.url_path for spec in PAGES}


@pytest.mark.parametrize("spec", PAGES, ids=lambda spec: spec.url_path)
def test_every_page_renders(spec, warehouse, monkeypatch):
    app = run_page(spec, warehouse, monkeypatch)

    assert not app.exception, [error.value for error in app.exception]
    assert not app.error, texts(app.error)
    metrics, charts, frames = EXPECTED_ELEMENTS[spec.url_path]
    assert len(app.metric) == metrics
    assert len(app.get("plotly_chart")) == charts
    assert len(app.dataframe) == frames


def test_overview_shows_the_totals_and_follows_the_segment_filter(
    warehouse, monkeypatch
):
    app = run_page(page("segments"), warehouse, monkeypatch)
    assert metric_values(app) == {
        "Customers": "9",
        "Revenue": "2,506",
        "Segments": "7",
        "As of": "2026-11-01",
    }

    app.sidebar.multiselect(key="segment_filter").set_value(["Champions", "Lost"]).run()

    assert not app.exception
    assert metric_values(app)["Customers"] == "3"
    assert metric_values(app)["Segments"] == "2"


def test_segment_filter_is_kept_across_pages(warehouse, monkeypatch):
    app = run_page(page("segments"), warehouse, monkeypatch)
    app.sidebar.multiselect(key="segment_filter").set_value(["Champions"]).run()

    app.switch_page(page("rf-grid").script).run()

    assert not app.exception
    assert app.sidebar.multiselect(key="segment_filter").value == ["Champions"]
    assert metric_values(app)["Scored customers"] == "2"


def test_clicks_page_by_product(warehouse, monkeypatch):
    app = run_page(page("clicks"), warehouse, monkeypatch)
    assert metric_values(app)["Impressions"] == "6,510"

    app.sidebar.button_group(key="clicks_dimension").set_value("product").run()

    assert not app.exception
    assert len(app.get("plotly_chart")) == 1
    assert metric_values(app)["Impressions"] == "5,890"


def test_migration_page_without_stayers(warehouse, monkeypatch):
    app = run_page(page("migration"), warehouse, monkeypatch)
    assert metric_values(app)["Customers"] == "7"

    app.sidebar.checkbox(key="migration_stayers").uncheck().run()

    assert not app.exception
    assert metric_values(app)["Customers"] == "6"
    assert metric_values(app)["Share that moved"] == "100.0%"


def test_dashboard_holds_no_connection_after_rendering(warehouse, monkeypatch):
    for spec in PAGES:
        app = run_page(spec, warehouse, monkeypatch)
        assert not app.exception
        assert app.metric, spec.url_path

    # dbt's side: a read-write connection in this same process. DuckDB refuses it
    # while any read-only connection to the file is still open here.
    writer = duckdb.connect(str(warehouse))
    try:
        writer.execute("create table written_while_dashboard_is_up as select 1 as x")
        writer.execute("drop table written_while_dashboard_is_up")
    finally:
        writer.close()


def test_rebuilt_warehouse_shows_up_without_restart(tmp_path, monkeypatch):
    database = build_warehouse(tmp_path / "rfm.duckdb")
    app = run_page(page("segments"), database, monkeypatch)
    assert metric_values(app)["Customers"] == "9"

    writer = duckdb.connect(str(database))
    try:
        writer.execute("update segment_summary set customers = customers * 10")
    finally:
        writer.close()
    stamp = database.stat().st_mtime + 5
    os.utime(database, (stamp, stamp))
    app.run()

    assert metric_values(app)["Customers"] == "90"


def test_missing_warehouse_tells_to_run_make_demo(tmp_path, monkeypatch):
    for spec in PAGES:
        app = run_page(spec, tmp_path / "nowhere.duckdb", monkeypatch)

        assert not app.exception, spec.url_path
        assert "make demo" in texts(app.error), spec.url_path
        assert not app.get("plotly_chart")


@pytest.mark.parametrize(
    ("url_path", "message"),
    [
        ("migration", "single as-of date"),
        ("clicks", "`clicks_by_offer`, which is not in the warehouse"),
        ("offers", "`next_best_offers`, which is not in the warehouse"),
    ],
)
def test_missing_or_empty_mart_is_explained(url_path, message, tmp_path, monkeypatch):
    database = build_warehouse(tmp_path / "rfm.duckdb", history=False, clicks=False)

    app = run_page(page(url_path), database, monkeypatch)

    assert not app.exception
    assert message in texts(app.info)
    assert not app.get("plotly_chart")


def test_segment_pages_still_render_without_clickstream_and_history(
    tmp_path, monkeypatch
):
    database = build_warehouse(tmp_path / "rfm.duckdb", history=False, clicks=False)
    for url_path in ("segments", "rf-grid", "clusters"):
        app = run_page(page(url_path), database, monkeypatch)

        assert not app.exception, url_path
        assert app.get("plotly_chart"), url_path


def test_locked_warehouse_shows_a_rebuild_message(warehouse, monkeypatch):
    monkeypatch.setattr(ui, "BUSY_RETRIES", 2)
    monkeypatch.setattr(ui, "BUSY_RETRY_SECONDS", 0.05)
    # A second process holds the write lock, as `dbt build` does.
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys; c = duckdb.connect(sys.argv[1]); print('locked',"
            " flush=True); sys.stdin.read()",
            str(warehouse),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        app = run_page(page("segments"), warehouse, monkeypatch)
    finally:
        holder.communicate(input="", timeout=30)

    assert not app.exception
    assert "still being rebuilt" in texts(app.warning)
    assert not app.metric
