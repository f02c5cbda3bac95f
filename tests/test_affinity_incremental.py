"""Upload aggregates added to run by run end where a full refresh does.

int_product_interactions_weighted keeps each customer and product's weights
decayed to an anchor date and adds each run's new events to them;
int_customer_contacts_picked compares each touched customer's stored contact
with the new events; int_orders_grouped, int_customer_events_summed and
int_products_priced add the new events to the stored orders, per-customer
figures and prices. A run that finds them stale (half-life changed, counted
events gone) recomputes them from every event. Sample data is split in two by
event time, so that the second load touches customers of the first and moves
the as-of date.
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from email.utils import parsedate_to_datetime
from pathlib import Path

import duckdb
import pytest

from tests.test_pipeline_e2e import dbt_build

pytestmark = pytest.mark.e2e

SAMPLE_DATA = Path(sys.executable).with_name("rfm-sample-data")
SELECTION = [
    "--select", "+user_product_affinity", "+cold_start_products", "+next_best_offers",
    "+customer_contacts", "+personalize_items",
    # Only the tests whose every parent is selected; no unit tests.
    "--indirect-selection", "cautious", "--exclude-resource-type", "unit_test",
]
RECOMPUTING = "recomputing every pair"
# The columns a full refresh reproduces: not the bookkeeping of when and by
# which run a row was written.
SUMS = (
    "select * exclude (as_of_date, uploads_loaded_through,"
    " clickstream_loaded_through, generation)"
    " from int_product_interactions_weighted"
)
CONTACTS = (
    "select * exclude (as_of_date, loaded_through, generation)"
    " from int_customer_contacts_picked"
)
ORDERS = (
    "select * exclude (as_of_date, loaded_through, generation) from int_orders_grouped"
)
CUSTOMER_EVENTS = (
    "select * exclude (as_of_date, loaded_through, generation)"
    " from int_customer_events_summed"
)
PRODUCTS = "select * exclude (loaded_through, generation) from int_products_priced"
# What the upload aggregates log when they start again from every event.
REAGGREGATING = (
    "picking every contact again", "grouping every purchase again",
    "summing every event again", "pricing every product again",
)
MARTS = [
    "user_product_affinity", "cold_start_products", "next_best_offers",
    "customer_contacts", "personalize_items",
]


def split_sample(tmp: Path) -> tuple[Path, Path]:
    """Sample events in two landing sets: the earlier 85% and the rest."""
    subprocess.run(
        [str(SAMPLE_DATA), "--events", "3000", "--seed", "11", "--out", str(tmp / "gen"),
         "--start", "2026-01-01", "--end", "2026-06-30"],
        check=True, capture_output=True,
    )
    first, second = tmp / "first", tmp / "second"
    for folder in (first, second):
        folder.mkdir()
    with open(next((tmp / "gen" / "uploads").glob("*.csv")), newline="",
              encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = sorted(reader, key=lambda row: parsedate_to_datetime(row[-1]))
    cut = len(rows) * 85 // 100
    for folder, part in ((first, rows[:cut]), (second, rows[cut:])):
        with open(folder / f"{folder.name}.csv", "w", newline="",
                  encoding="utf-8") as handle:
            csv.writer(handle).writerows([header, *part])
    lines = next((tmp / "gen" / "clickstream").glob("*.jsonl")).read_text(
        encoding="utf-8"
    ).splitlines(keepends=True)
    cut = len(lines) * 85 // 100
    (first / "first.jsonl").write_text("".join(lines[:cut]), encoding="utf-8")
    (second / "second.jsonl").write_text("".join(lines[cut:]), encoding="utf-8")
    return first, second


def build(tmp: Path, landing: Path, *flags: str, **extra_vars: str) -> str:
    result = dbt_build(
        tmp,
        {
            "raw_events_path": f"{landing}/*.csv",
            "clickstream_path": f"{landing}/*.jsonl",
            **extra_vars,
        },
        *SELECTION, *flags,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout


def rows(database: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return sorted(con.execute(sql).fetchall(), key=repr)
    finally:
        con.close()


def assert_matches_full_refresh(tmp: Path, landing: Path, *flags: str) -> None:
    """The warehouse in tmp/run equals a full refresh of a copy of it."""
    (tmp / "full").mkdir(exist_ok=True)
    shutil.copy(tmp / "run" / "rfm.duckdb", tmp / "full" / "rfm.duckdb")
    build(tmp / "full", landing, "--full-refresh", *flags)
    for sql in [
        SUMS, CONTACTS, ORDERS, CUSTOMER_EVENTS, PRODUCTS,
        *(f"select * from {mart}" for mart in MARTS),
    ]:
        incremental = rows(tmp / "run" / "rfm.duckdb", sql)
        assert incremental, sql
        assert incremental == rows(tmp / "full" / "rfm.duckdb", sql), sql


@pytest.fixture(scope="module")
def landed(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("affinity")
    first, second = split_sample(tmp)
    landing = tmp / "landing"
    landing.mkdir()
    for path in first.iterdir():
        shutil.copy(path, landing / path.name)
    build(tmp / "run", landing)
    before = rows(
        tmp / "run" / "rfm.duckdb",
        "select customer_key, product_id, event_count, as_of_date"
        " from int_product_interactions_weighted",
    )
    for path in second.iterdir():
        shutil.copy(path, landing / path.name)
    output = build(tmp / "run", landing)
    for message in REAGGREGATING:
        assert message not in output
    return tmp, landing, before, output


def test_new_events_are_added_to_the_stored_sums(landed):
    tmp, landing, before, output = landed
    assert RECOMPUTING not in output
    database = tmp / "run" / "rfm.duckdb"
    after = {
        (customer, product): count
        for customer, product, count in rows(
            database,
            "select customer_key, product_id, event_count"
            " from int_product_interactions_weighted",
        )
    }
    # Stored pairs gained events, and pairs no new event touched are kept.
    grown = [key for *key, count, _ in before if after.get(tuple(key), 0) > count]
    kept = [key for *key, count, _ in before if after.get(tuple(key)) == count]
    assert grown and kept
    # Clickstream events of the first load that its as-of date left out, and
    # that the second's takes in: added by the as-of date, not by a watermark.
    first_as_of = before[0][3]
    assert rows(
        database,
        "select count(*) > 0 from stg_clickstream__events"
        " where product_id is not null"
        " and loaded_at = (select min(loaded_at) from stg_clickstream__events)"
        f" and event_at >= '{first_as_of}'"
        " and event_at < (select max(as_of_date) from int_product_interactions_weighted)",
    ) == [(True,)]
    assert_matches_full_refresh(tmp, landing)


def test_a_changed_half_life_recomputes_every_pair(landed):
    tmp, landing, _, _ = landed
    output = build(tmp / "run", landing, affinity_half_life_days="12")
    assert f"{RECOMPUTING}, affinity_half_life_days changed" in output
    assert rows(
        tmp / "run" / "rfm.duckdb",
        "select distinct half_life_days, generation from int_product_interactions_weighted",
    )[0][0] == 12
    # Back to the default: recomputed again.
    assert RECOMPUTING in build(tmp / "run", landing)


def test_events_gone_from_staging_recompute_every_pair(landed):
    tmp, landing, _, _ = landed
    # The second upload file changes: its earlier half is gone, so events the
    # sums counted are no longer staged (and the as-of date stays).
    path = landing / "second.csv"
    header, *lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join([header, *lines[len(lines) // 2:]]), encoding="utf-8")
    output = build(tmp / "run", landing)
    assert f"{RECOMPUTING}, the staged events the sums cover number" in output
    assert "picking every contact again, the staged events with an address" in output
    assert "grouping every purchase again, the staged purchases number" in output
    assert "summing every event again, the staged events number" in output
    assert "pricing every product again, the staged events with a product number" in output
    assert rows(
        tmp / "run" / "rfm.duckdb",
        "select count(distinct generation) from int_product_interactions_weighted",
    ) == [(1,)]
    assert_matches_full_refresh(tmp, landing)
