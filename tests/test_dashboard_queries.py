"""The dashboard's query, chart, page-map and screenshot helpers, without Streamlit.

Queries run on the hand-made warehouse of test_dashboard.py.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import duckdb
import plotly.graph_objects as go
import pytest

from tests.test_dashboard import build_warehouse

DASHBOARD = Path(__file__).resolve().parents[1] / "dashboard"
if str(DASHBOARD) not in sys.path:
    sys.path.insert(0, str(DASHBOARD))

import charts  # noqa: E402
import queries  # noqa: E402
import screenshots  # noqa: E402
import sitemap  # noqa: E402
from warehouse import WarehouseMissingError, database_path, read  # noqa: E402

OCTOBER = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))
AS_OF_DATES = (dt.date(2026, 8, 1), dt.date(2026, 11, 1))
HOSTILE = "Champions') or true; drop table offers; --"


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_warehouse(tmp_path_factory.mktemp("queries") / "rfm.duckdb")


def test_database_path_defaults_to_the_profiles_path(monkeypatch):
    monkeypatch.delenv("RFM_DUCKDB_PATH", raising=False)
    assert database_path() == Path("warehouse/rfm.duckdb").absolute()
    monkeypatch.setenv("RFM_DUCKDB_PATH", "/data/other.duckdb")
    assert database_path() == Path("/data/other.duckdb")


def test_read_of_a_missing_file_raises_and_creates_nothing(tmp_path):
    with pytest.raises(WarehouseMissingError):
        read(tmp_path / "rfm.duckdb", "select 1")
    assert not (tmp_path / "rfm.duckdb").exists()


def test_read_leaves_no_connection_open(warehouse):
    assert len(read(warehouse, "select * from segment_summary")) == 7
    writer = duckdb.connect(str(warehouse))
    writer.close()


def test_segment_filter_is_a_parameter_not_sql(warehouse):
    assert queries.segment_overview(warehouse, (HOSTILE,)).empty
    assert len(queries.segment_overview(warehouse, ("Champions", "Lost"))) == 2
    assert len(queries.segment_overview(warehouse, ())) == 7
    assert len(queries.offer_names(warehouse)) == 3


def test_rf_grid_counts_only_scored_customers(warehouse):
    grid = queries.rf_grid(warehouse, ())
    assert grid["customers"].sum() == 7
    champions = queries.rf_grid(warehouse, ("Champions",))
    assert champions[["r_score", "f_score"]].values.tolist() == [[5, 4], [5, 5]]
    assert champions["average_monetary"].tolist() == [610.0, 950.0]


def test_cluster_sample_is_bounded_and_stable(warehouse):
    first = queries.cluster_sample(warehouse, (), 4)
    assert len(first) == 4
    assert first["cluster_id"].notna().all()
    assert first.equals(queries.cluster_sample(warehouse, (), 4))
    assert len(queries.cluster_sample(warehouse, (), 100)) == 7


def test_transitions_keep_moves_into_or_out_of_the_chosen_segments(warehouse):
    pairs = queries.transition_date_pairs(warehouse)
    assert len(pairs) == 1
    moves = queries.transitions(warehouse, *AS_OF_DATES, ("Champions",))
    assert sorted(moves["from_segment"]) == ["Champions", "Loyal Customers"]
    assert queries.transitions(warehouse, *AS_OF_DATES, (HOSTILE,)).empty


def test_click_totals_sum_the_window_and_compute_rates(warehouse):
    totals = queries.click_totals(warehouse, "offer", *OCTOBER)
    assert totals["impressions"].sum() == 6510
    row = totals.iloc[0]
    assert row["ctr"] == pytest.approx(row["clicks"] / row["impressions"])
    one_day = queries.click_totals(warehouse, "product", OCTOBER[0], OCTOBER[0])
    assert one_day["impressions"].tolist() == [34, 33, 32, 31]


def test_click_trend_keeps_the_top_entities_per_period(warehouse):
    trend = queries.click_trend(warehouse, "product", *OCTOBER, "week", 2)
    assert trend["entity_id"].nunique() == 2
    assert trend["period_date"].dt.day_of_week.eq(0).all()  # ISO weeks start Monday
    monthly = queries.click_trend(warehouse, "offer", *OCTOBER, "month", 10)
    assert len(monthly) == 3


@pytest.mark.parametrize(
    ("dimension", "grain"), [("customer; drop table offers", "week"), ("offer", "x")]
)
def test_click_queries_accept_only_known_marts_and_grains(warehouse, dimension, grain):
    with pytest.raises(ValueError):
        queries.click_trend(warehouse, dimension, *OCTOBER, grain, 5)


def test_offer_mix_counts_customers_per_segment_offer_and_reason(warehouse):
    mix = queries.offer_mix(warehouse, ())
    assert mix["customers"].sum() == 9
    prospects = mix[mix["rfm_segment"] == "Prospects"]
    assert prospects["offer_id"].isna().all()
    assert prospects["reason"].tolist() == ["no_eligible_offer"]


def test_every_chart_builds_from_the_query_frames(warehouse):
    overview = queries.segment_overview(warehouse, ())
    flows = queries.transitions(warehouse, *AS_OF_DATES, ())
    trend = queries.click_trend(warehouse, "offer", *OCTOBER, "day", 3)
    mix = queries.offer_mix(warehouse, ()).assign(offer=lambda f: f["offer_id"])
    figures = [
        charts.segment_treemap(overview),
        charts.share_bars(overview),
        charts.rf_heatmap(queries.rf_grid(warehouse, ()), "average_monetary"),
        charts.cluster_scatter(
            queries.cluster_sample(warehouse, (), 50),
            queries.clusters(warehouse),
            "recency_days",
            "monetary",
            log_y=True,
        ),
        charts.migration_sankey(flows),
        charts.migration_matrix(flows),
        charts.click_trend(trend.assign(label=trend["entity_id"]), "ctr", "Offer"),
        charts.offer_heatmap(mix.dropna(subset=["offer"])),
        charts.reason_bars(mix),
    ]
    assert all(isinstance(figure, go.Figure) and figure.data for figure in figures)


def test_sankey_keeps_sides_apart_and_colours_a_segment_alike(warehouse):
    flows = queries.transitions(warehouse, *AS_OF_DATES, ())
    sankey = charts.migration_sankey(flows).data[0]
    labels = list(sankey.node.label)
    assert labels.count("Champions") == 2  # once on each side
    first, second = (i for i, label in enumerate(labels) if label == "Champions")
    assert sankey.node.color[first] == sankey.node.color[second]
    assert sum(sankey.link.value) == flows["customers"].sum()


def test_every_page_has_a_script_and_its_own_url():
    assert len({page.url_path for page in sitemap.PAGES}) == len(sitemap.PAGES)
    for page in sitemap.PAGES:
        assert (DASHBOARD / page.script).is_file(), page.script
    base = "http://127.0.0.1:8501"
    assert sitemap.page_url(base, sitemap.PAGES[0]) == f"{base}/"
    assert sitemap.page_url(base, sitemap.PAGES[1]) == f"{base}/rf-grid"


def test_screenshots_without_chromium_is_a_one_line_error(tmp_path, capsys):
    code = screenshots.main(
        ["--out", str(tmp_path), "--chromium", str(tmp_path / "no-chromium")]
    )
    assert code == 2
    error = capsys.readouterr().err
    assert error.count("\n") == 1
    assert "no-chromium not found" in error
    assert not list(tmp_path.iterdir())
