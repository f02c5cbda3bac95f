"""End to end: incremental clickstream runs end where a full refresh does.

The fixture (tests/fixtures/clickstream) has uploads for four customers in June
2025 (as-of date 2025-06-15) and clickstream capture files in two loads:

  first_load/events-0001.jsonl  c1's session on 10 Jun (impression, click,
      add_to_cart and a PURCHASE at 11:02 +02:00 = 09:02 UTC), an anonymous
      impression at 23:30 -02:00 on 11 Jun (= 12 Jun UTC), a redelivery of e02,
      a blank line and six bad lines.
  first_load/events-0002.jsonl  c2 on 12 Jun (impression, click), c3 on 13 Jun.
  second_load/events-0003.jsonl  a new click (14 Jun), a third delivery of e02,
      a late purchase (11 Jun, inside the 3-day lookback), a very late
      impression (1 May, far outside it), a truncated line, and an event on
      15 Jun (counted in the clicks marts, after the as-of date for affinity).
  second_load/events-0000.jsonl  a redelivery of e10, stamped ten seconds
      later, in a file whose name sorts before the one it was first loaded
      from, so it wins on a full refresh (and replaces the stored interaction,
      whose time differs).

The warehouse is built with no file landed yet (the clickstream marts build
empty), after the first load and after the second; a copy is kept and the same
files are built again with --full-refresh. Every mart must match.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "clickstream"
DBT = Path(sys.executable).with_name("dbt")

MARTS = [
    "clicks_by_user",
    "clicks_by_product",
    "clicks_by_offer",
    "user_product_affinity",
    "cold_start_products",
    "next_best_offers",
    "rejected_events",
]
# The marts and everything upstream, plus segment_summary for a relationships
# test: the rest of the project (exports, history) is not needed here.
SELECTION = [f"+{mart}" for mart in MARTS] + [
    "segment_summary", "+int_interactions_identified"
]

pytestmark = pytest.mark.e2e


def dbt_build(tmp: Path, *flags: str) -> subprocess.CompletedProcess:
    """`dbt build` of the selection into tmp/rfm.duckdb, reading tmp/landing.

    Every run has the same vars, profile and target path, so all but the first
    parse partially.
    """
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO),
        "RFM_DUCKDB_PATH": str(tmp / "rfm.duckdb"),
        "RFM_DUCKDB_TEMP_DIRECTORY": str(tmp / "spill"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    variables = (
        f"{{raw_events_path: '{FIXTURE}/uploads/*.csv',"
        f" clickstream_path: '{tmp}/landing/*.jsonl'}}"
    )
    result = subprocess.run(
        [
            str(DBT), "build",
            "--target-path", str(tmp / "target"),
            "--log-path", str(tmp / "logs"),
            "--select", *SELECTION,
            # Only the tests whose every parent is selected.
            "--indirect-selection", "cautious",
            "--vars", variables,
            *flags,
        ],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return result


def land(load: str, tmp: Path) -> None:
    for path in sorted((FIXTURE / load).glob("*.jsonl")):
        shutil.copy(path, tmp / "landing" / path.name)


def counts(database: Path, tables: list[str]) -> dict[str, int]:
    con = duckdb.connect(str(database), read_only=True)
    try:
        return {
            table: con.execute(f"select count(*) from {table}").fetchone()[0]
            for table in tables
        }
    finally:
        con.close()


@pytest.fixture(scope="module")
def history(tmp_path_factory):
    """Run 0 on an empty landing folder, run 1 after the first load, run 2
    after the second; then the run-2 warehouse is kept and the same folder is
    built again with --full-refresh."""
    tmp = tmp_path_factory.mktemp("clickstream")
    (tmp / "landing").mkdir()
    empty = dbt_build(tmp)
    empty_counts = counts(tmp / "rfm.duckdb", MARTS)

    # Unit tests do not depend on the data: run 0 ran them. Data tests run on
    # the empty and on the final incremental state.
    land("first_load", tmp)
    dbt_build(tmp, "--exclude-resource-type", "unit_test", "test")
    land("second_load", tmp)
    dbt_build(tmp, "--exclude-resource-type", "unit_test")
    # Under the same file name: the marts that are views name their tables
    # through the catalog, the file's stem.
    (tmp / "incremental").mkdir()
    shutil.copy(tmp / "rfm.duckdb", tmp / "incremental" / "rfm.duckdb")
    dbt_build(tmp, "--exclude-resource-type", "unit_test", "test", "--full-refresh")

    con = duckdb.connect()
    con.execute(f"attach '{tmp / 'incremental' / 'rfm.duckdb'}' as incremental (read_only)")
    con.execute(f"attach '{tmp / 'rfm.duckdb'}' as refreshed (read_only)")
    yield {
        "empty": empty, "empty_counts": empty_counts, "con": con,
        "incremental": tmp / "incremental" / "rfm.duckdb", "refreshed": tmp / "rfm.duckdb",
    }
    con.close()


@pytest.fixture(scope="module")
def warehouses(history):
    return history["con"]


def rows(con, sql):
    return con.execute(sql).fetchall()


def mart_rows(path, mart):
    """Every row of a mart, counted, read with the file opened directly (a
    view resolves its tables only under the catalog it was built in)."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return Counter(con.execute(f"select * from {mart}").fetchall())
    finally:
        con.close()


@pytest.mark.parametrize("mart", MARTS)
def test_incremental_run_matches_full_refresh(history, mart):
    refreshed = mart_rows(history["refreshed"], mart)
    assert refreshed
    incremental = mart_rows(history["incremental"], mart)
    assert incremental - refreshed == Counter(), f"{mart}: rows only in the incremental build"
    assert refreshed - incremental == Counter(), f"{mart}: rows only in the full refresh"


def test_incremental_interactions_match_full_refresh(warehouses):
    """Interactions are added run by run, by each feed's load watermark."""
    columns = "event_id, user_id, item_id, event_timestamp, event_type, session_id"
    for this, other in (("incremental", "refreshed"), ("refreshed", "incremental")):
        assert rows(
            warehouses,
            f"select {columns} from {this}.int_interactions_identified except all"
            f" select {columns} from {other}.int_interactions_identified",
        ) == [], f"interactions only in the {this} build"
    assert rows(
        warehouses, "select count(*) from incremental.int_interactions_identified"
    )[0][0] > 0


# The accepted lines (stg_clickstream__events is a view, bound to the
# warehouse's own catalog name, so it is rebuilt here from its tables).
KEPT = (
    "select lines.* from incremental.base_clickstream__events as lines"
    " anti join incremental.base_clickstream__redeliveries as redeliveries"
    " on lines.source_file = redeliveries.source_file"
    " and lines.source_row_number = redeliveries.source_row_number"
    " where lines.rejection_reason is null"
)


def test_every_line_is_accepted_or_rejected_once(warehouses):
    accepted = rows(
        warehouses,
        f"select source_file, source_row_number from ({KEPT})",
    )
    rejected = rows(
        warehouses,
        "select rejection_reason, source_file, source_row_number"
        " from incremental.rejected_events where source_name = 'clickstream'"
        " order by source_file, source_row_number",
    )
    # 11 + 3 + 6 + 1 non-empty lines; the blank line 4 of events-0001 is neither.
    assert len(accepted) + len(rejected) == 21
    assert [(reason, Path(file).name, line) for reason, file, line in rejected] == [
        ("invalid_json", "events-0001.jsonl", 5),
        ("redelivered_event", "events-0001.jsonl", 8),
        ("unknown_event_type", "events-0001.jsonl", 9),
        ("missing_event_id", "events-0001.jsonl", 10),
        ("unparseable_occurred_at", "events-0001.jsonl", 11),
        ("unparseable_occurred_at", "events-0001.jsonl", 12),
        ("redelivered_event", "events-0002.jsonl", 2),
        ("redelivered_event", "events-0003.jsonl", 2),
        ("invalid_json", "events-0003.jsonl", 5),
    ]


def test_a_redelivery_in_an_earlier_file_wins_and_counts_once(warehouses):
    kept = rows(
        warehouses,
        f"select event_id, source_file from ({KEPT})"
        " where event_id in ('e02', 'e10') order by event_id",
    )
    assert [(event, Path(file).name) for event, file in kept] == [
        ("e02", "events-0001.jsonl"),
        ("e10", "events-0000.jsonl"),
    ]


def test_clicks_by_user_counts_late_events(warehouses):
    result = rows(
        warehouses,
        "select customer_id, event_date, impressions, clicks, add_to_carts, purchases,"
        " ctr, conversion_rate from incremental.clicks_by_user order by 1, 2",
    )
    assert result == [
        ("c1", date(2025, 6, 10), 1, 1, 1, 1, 1.0, 1.0),
        # Late, inside the lookback window.
        ("c1", date(2025, 6, 11), 0, 0, 0, 1, None, None),
        # Six weeks late: outside the window, found as part of the latest load.
        ("c2", date(2025, 5, 1), 1, 0, 0, 0, 0.0, None),
        ("c2", date(2025, 6, 12), 1, 1, 0, 0, 1.0, 0.0),
        ("c3", date(2025, 6, 13), 1, 0, 0, 0, 0.0, None),
        ("c3", date(2025, 6, 14), 0, 1, 0, 0, None, 0.0),
        ("c4", date(2025, 6, 15), 0, 1, 0, 0, None, 0.0),
    ]


def test_anonymous_events_count_for_products_not_users(warehouses):
    result = rows(
        warehouses,
        "select event_date, impressions, clicks, ctr from incremental.clicks_by_product"
        " where product_id = 'e85a4b163a42d373304a1228d9127f5b' order by 1",
    )
    # c1's late purchase on 11 Jun; on 12 Jun the anonymous impression (23:30
    # -02:00 on 11 Jun) and c2's impression and click.
    assert result == [(date(2025, 6, 11), 0, 0, None), (date(2025, 6, 12), 2, 1, 0.5)]


def test_the_second_run_parsed_only_new_files(warehouses):
    loads = rows(
        warehouses,
        "select regexp_extract(source_file, '[^/]+$'), count(distinct loaded_at)"
        " from incremental.base_clickstream__events group by 1 order by 1",
    )
    runs = rows(
        warehouses,
        "select count(distinct loaded_at) from incremental.base_clickstream__events",
    )
    # Two runs; each file's lines are written once, by the run that read it
    # (redeliveries are ranked after the load, in base_clickstream__redeliveries).
    assert runs == [(2,)]
    assert loads == [
        ("events-0000.jsonl", 1),
        ("events-0001.jsonl", 1),
        ("events-0002.jsonl", 1),
        ("events-0003.jsonl", 1),
    ]


def test_one_offer_per_customer(warehouses):
    result = rows(
        warehouses,
        "select customer_id, rfm_segment, offer_id, reason"
        " from incremental.next_best_offers order by 1",
    )
    customers = rows(
        warehouses, "select customer_id from incremental.customer_segments order by 1"
    )
    assert [row[0] for row in result] == [row[0] for row in customers]
    assert all(offer is not None for _, _, offer, _ in result)
    assert {reason for *_, reason in result} <= {"affinity", "cold_start"}


def test_no_clickstream_file_builds_empty_with_a_warning(history):
    assert "No file matches clickstream_path" in history["empty"].stdout
    empty = history["empty_counts"]
    assert [empty[mart] for mart in MARTS[:3]] == [0, 0, 0]
    # Affinity and offers still come from the uploads.
    assert empty["next_best_offers"] == 4
    assert empty["user_product_affinity"] > 0
