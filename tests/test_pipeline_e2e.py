"""End to end: `dbt build` on a small hand-checked fixture with dirty rows.

The fixture (tests/fixtures/uploads) has four customers and seven bad rows.
The default as-of date is the latest accepted event's UTC date plus one day:
010's purchase at 2024-01-10 08:00 UTC makes it 2024-01-11.

Hand-computed RFM (as of 2024-01-11):
  007  last order Fri 05 Jan 23:30 -0700 = 06 Jan UTC -> recency 5; orders: a
       basket of two rows on 01 Jan (25.00) and 1,531.10 -> frequency 2,
       monetary 1556.10.
  008  one order 01 Dec 2023 (3 x 100.00) -> recency 41, 1, 300.00.
  009  views only -> Prospects.
  010  orders 10 Jan 00:30 +0100 (= 09 Jan 23:30 UTC, 50.00) and 10 Jan 08:00
       UTC (20.00) -> recency 1, 2, 70.00.
Scores (5 bins, 1 + floor(5 x percent_rank), capped at 5):
  recency 41, 5, 1 -> 1, 3, 5; frequency 1, 2, 2 -> 1, 3, 3;
  monetary 300, 1556.10, 70 -> 3, 5, 1.
"""

from __future__ import annotations

import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURE = REPO / "tests" / "fixtures" / "uploads"
DBT = Path(sys.executable).with_name("dbt")

pytestmark = pytest.mark.e2e


def dbt_build(
    tmp: Path, extra_vars: dict[str, str], *args: str
) -> subprocess.CompletedProcess:
    """`dbt build` into tmp/rfm.duckdb with the given vars and extra arguments.

    Without a --select, the ci selector: every test, the ci_only ones too.
    Without a clickstream_path, a glob that matches nothing: the default
    would read the repo's data/, where `make demo` leaves its sample.
    """
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO),
        "RFM_DUCKDB_PATH": str(tmp / "rfm.duckdb"),
        "RFM_DUCKDB_TEMP_DIRECTORY": str(tmp / "spill"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    extra_vars = {"clickstream_path": f"{tmp}/no-clickstream/*.jsonl", **extra_vars}
    variables = ", ".join(f"{key}: '{value}'" for key, value in extra_vars.items())
    return subprocess.run(
        [
            str(DBT), "build", "--no-partial-parse",
            "--target-path", str(tmp / "target"),
            "--log-path", str(tmp / "logs"),
            "--vars", "{" + variables + "}",
            *(args if "--select" in args else ("--selector", "ci", *args)),
        ],
        cwd=REPO, env=env, capture_output=True, text=True, check=False,
    )


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    result = dbt_build(
        tmp,
        {
            "raw_events_path": f"{FIXTURE}/*.csv",
            "clickstream_path": f"{tmp}/no-clickstream-here/*.jsonl",
        },
    )
    assert result.returncode == 0, result.stdout[-4000:]
    con = duckdb.connect(str(tmp / "rfm.duckdb"), read_only=True)
    yield con
    con.close()


def rows(con, sql):
    return con.execute(sql).fetchall()


def test_every_input_row_is_accepted_or_rejected(warehouse):
    accepted = rows(warehouse, "select count(*) from stg_uploads__events")[0][0]
    rejected = rows(
        warehouse,
        "select rejection_reason, source_file, source_row_number from rejected_events"
        " where source_name = 'uploads' order by source_file, source_row_number",
    )
    assert accepted == 9
    assert [(reason, Path(file).name, row) for reason, file, row in rejected] == [
        ("duplicate_row", "b.csv", 2),
        ("duplicate_row", "b.csv", 3),
        ("missing_customer_id", "b.csv", 4),
        ("unparseable_date", "b.csv", 5),
        ("unknown_event_name", "b.csv", 6),
        ("invalid_unit_price", "b.csv", 7),
        ("negative_quantity", "b.csv", 8),
    ]


def test_rejected_rows_keep_their_raw_values(warehouse):
    raw = rows(
        warehouse,
        "select raw_customer_id, raw_unit_price, raw_event_time from rejected_events"
        " where rejection_reason in ('unparseable_date', 'invalid_unit_price')"
        " order by source_row_number",
    )
    assert raw == [
        ("011", "10.00", "yesterday"),
        ("011", "abc", "Wed, 03 Jan 2024 08:00:00 +0000"),
    ]


def test_duplicates_show_the_values_they_repeat(warehouse):
    """A duplicate is a valid row, stored parsed: the quarantine shows its
    trimmed, typed values (here of ' 007 ', ' purchased ')."""
    raw = rows(
        warehouse,
        "select raw_customer_id, raw_event_name, raw_unit_price from rejected_events"
        " where rejection_reason = 'duplicate_row' and raw_customer_id like '%007%'",
    )
    assert raw == [("007", "purchased", "10.00")]


def test_times_are_converted_to_utc(warehouse):
    times = rows(
        warehouse,
        "select customer_id, strftime(event_at, '%Y-%m-%d %H:%M:%S')"
        " from stg_uploads__events where event_type = 'purchased'"
        " and customer_id in ('008', '010') order by event_at",
    )
    assert times == [
        ("008", "2023-12-01 06:30:00"),
        ("010", "2024-01-09 23:30:00"),
        ("010", "2024-01-10 08:00:00"),
    ]


def test_customer_segments_match_hand_computed_values(warehouse):
    result = rows(
        warehouse,
        "select customer_id, cast(as_of_date as varchar), recency_days, frequency,"
        " monetary, r_score, f_score, m_score, rfm_score, rfm_segment"
        " from customer_segments order by customer_id",
    )
    assert result == [
        ("007", "2024-01-11", 5, 2, Decimal("1556.10"), 3, 3, 5, "335",
         "Loyal Customers"),
        ("008", "2024-01-11", 41, 1, Decimal("300.00"), 1, 1, 3, "113", "Lost"),
        ("009", "2024-01-11", None, 0, Decimal("0.00"), None, None, None, None,
         "Prospects"),
        ("010", "2024-01-11", 1, 2, Decimal("70.00"), 5, 3, 1, "531",
         "Potential Loyalist"),
    ]


def test_other_features(warehouse):
    result = rows(
        warehouse,
        "select customer_id, event_count, average_order_value, tenure_days,"
        " days_since_last_event from customer_segments order by customer_id",
    )
    assert result == [
        ("007", 4, Decimal("778.05"), 10, 3),
        ("008", 1, Decimal("300.00"), 41, 41),
        ("009", 2, None, 8, 8),
        ("010", 2, Decimal("35.00"), 2, 1),
    ]


def test_buyers_get_clusters_and_browsers_do_not(warehouse):
    result = dict(rows(warehouse, "select customer_id, cluster_id from customer_segments"))
    assert result["009"] is None
    assert sorted(result[c] for c in ("007", "008", "010")) == [1, 2, 3]
    # The lapsed one-order buyer is the lowest-value cluster, 007 the highest.
    assert result["008"] == 1
    assert result["007"] == 3
    clusters = rows(warehouse, "select cluster_id, customers from rfm_clusters order by 1")
    assert clusters == [(1, 1), (2, 1), (3, 1)]


def test_contacts_are_the_latest_before_as_of(warehouse):
    result = rows(
        warehouse,
        "select customer_id, channel_type, address from customer_contacts"
        " order by customer_id",
    )
    assert result == [
        ("007", "EMAIL", "new@example.com"),
        ("008", "SMS", "+6421555123"),
        ("009", "EMAIL", "cy@example.com"),
        ("010", "EMAIL", "di2@example.com"),
    ]


def test_contact_details_stay_out_of_customer_segments(warehouse):
    columns = {
        name
        for (name,) in rows(
            warehouse,
            "select column_name from information_schema.columns"
            " where table_name = 'customer_segments'",
        )
    }
    assert not columns & {"address", "username", "channel_type", "city"}


def test_segment_summary_adds_up(warehouse):
    result = rows(
        warehouse,
        "select rfm_segment, customers, revenue from segment_summary order by 1",
    )
    assert result == [
        ("Lost", 1, Decimal("300.00")),
        ("Loyal Customers", 1, Decimal("1556.10")),
        ("Potential Loyalist", 1, Decimal("70.00")),
        ("Prospects", 1, Decimal("0.00")),
    ]
