"""Upload edge cases: offsets, DST switches, the as-of boundary, copies, columns.

Two `dbt build`s with `as_of_date: 2026-11-10`, both with TZ=Pacific/Kiritimati
(UTC+14), so a conversion through the machine's zone would move days:

1. The landing folder `tests/fixtures/edge_cases/landing/` plus `orders.csv`
   and its byte-identical copy `orders (1).csv`, uploaded in the same run.
2. A copy of that warehouse, after four more copies of `orders.csv` land: under
   another name, with its rows reversed, with Windows line endings, and with its
   columns reversed plus an unknown column.

Hand-computed (UTC; recency = as-of date - UTC date of the last order):
  zone_p0530 .. zone_m1200  17:30 +0530, 04:00 -0800, 12:00 +0000, 02:00 +1400 the
      next day, 00:00 -1200: all 2026-03-15 12:00 -> recency 240, 1 order, 10.00.
  off_dup     that instant at +0530 and -0800, same row: the second (row 7) is a
      duplicate_row -> 1 order, 20.00.
  off_evening Sat 31 Oct 17:30 -0700 = Sun 01 Nov 00:30 -> recency 9 (local 10).
  off_morning Mon 02 Nov 08:00 +1400 = Sun 01 Nov 18:00 -> recency 9 (local 8).
  off_gmt, off_no_zone  'GMT' and no offset: unparseable_date (rows 10, 11).
  dst_us  08 Mar 01:30 -0800 (09:30) and 03:30 -0700 (10:30): 1 h apart, not 2;
          01 Nov 01:45 -0700 (08:45) and 01:15 -0800 (09:15): the later local
          clock is the earlier instant -> 4 orders, 100.00, last 01 Nov 09:15,
          recency 9, tenure 247.
  dst_eu  29 Mar 01:59:59 +0100 (00:59:59) and 03:00 +0200 (01:00:00): 1 s;
          25 Oct 02:30 +0200 (00:30) and 02:30 +0100 (01:30): one wall clock
          time, two orders -> 4 orders, 26.00, last 25 Oct 01:30, recency 16.
  asof_last_second      09 Nov 23:59:59 -> counted, recency 1.
  asof_midnight         01 Nov 12:00 and 10 Nov 00:00 (the as-of instant,
                        ignored) -> 1 order, 13.00, recency 9, 1 event.
  asof_future           view 05 Nov (old@), purchase 20 Nov (new@, ignored) ->
                        Prospects, days since last event 5, contact old@.
  asof_only_future      11 Nov 00:00:01 only -> no customer_segments row.
  asof_local_today      Tue 10 Nov 09:00 +1400 = 09 Nov 19:00 -> recency 1.
  asof_local_yesterday  view 08 Nov; Mon 09 Nov 20:00 -0800 = 10 Nov 04:00,
                        ignored -> Prospects, days since last event 2.
  col_shuffled     columns in another order plus Notes, Source System:
                   3 x 1,000.50 on 04 Nov 10:00 -> recency 6, 3001.50.
  col_header_case  lower/upper-case and padded header names:
                   2 x 25.00 on Tue 03 Nov 09:00 +1300 = 02 Nov 20:00 -> 8, 50.00.
  col_missing      no ProductDescription or Username column: 5 x 4.00 -> 8, 20.00.
  ord_a  a basket of 2 x 10.00 + 5.00 on 02 Nov 10:00, a view 03 Nov -> recency 8,
         1 order, 25.00; ord_b 1,200.00 on 16 Oct 18:00 -0400 and 3 x 30.00 on
         07 Nov 09:00 +0900 (= 07 Nov 00:00) -> recency 3, 2 orders, 1290.00;
         ord_c a view 08 Nov -> Prospects.
Rows: 43 in the first run (11 + 8 + 9 + 1 + 1 + 1 + 6 + 6), 34 accepted, 9
rejected: offsets.csv rows 7, 10, 11 and every row of `orders.csv`, whose copy
`orders (1).csv` sorts first (' ' < '.'), so the copy's rows are the ones kept.
"""

from __future__ import annotations

import csv
import io
import shutil
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.test_pipeline_e2e import REPO, dbt_build
from tests.test_uploads_incremental import query

pytestmark = pytest.mark.e2e

FIXTURE = REPO / "tests" / "fixtures" / "edge_cases"
AS_OF = "2026-11-10"
# UTC+14: a timestamp converted through the machine's zone lands on another day.
MACHINE_TZ = "Pacific/Kiritimati"

LATER_COPIES = [
    "orders again, it's a copy.csv",
    "orders_columns_shuffled.csv",
    "orders_reordered.csv",
    "orders_windows.csv",
]

FIGURES = (
    "select customer_id, recency_days, frequency, monetary,"
    " strftime(last_order_at, '%Y-%m-%d %H:%M:%S')"
    " from customer_segments where customer_id like '{}%' order by customer_id"
)


def build(tmp: Path, landing: Path) -> Path:
    result = dbt_build(
        tmp,
        {
            "raw_events_path": f"{landing}/*.csv",
            "clickstream_path": f"{tmp}/none/*.jsonl",
            "as_of_date": AS_OF,
        },
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return tmp / "rfm.duckdb"


def write_later_copies(orders: Path, landing: Path) -> None:
    """orders.csv again: renamed, rows reversed, CRLF, columns reversed + extra."""
    text = orders.read_text(encoding="utf-8")
    header, *lines = text.splitlines()
    shutil.copy(orders, landing / LATER_COPIES[0])
    (landing / "orders_reordered.csv").write_text(
        "\n".join([header, *reversed(lines)]) + "\n", encoding="utf-8"
    )
    (landing / "orders_windows.csv").write_bytes(
        text.replace("\n", "\r\n").encode("utf-8")
    )
    table = list(csv.reader(io.StringIO(text)))
    shuffled = io.StringIO()
    writer = csv.writer(shuffled, lineterminator="\n")
    for number, row in enumerate(table):
        writer.writerow([*reversed(row), "Imported By" if number == 0 else "ops"])
    (landing / "orders_columns_shuffled.csv").write_text(
        shuffled.getvalue(), encoding="utf-8"
    )


@pytest.fixture(scope="module")
def landing(tmp_path_factory):
    folder = tmp_path_factory.mktemp("edge_landing") / "landing"
    shutil.copytree(FIXTURE / "landing", folder)
    # The same file twice in one run.
    shutil.copy(FIXTURE / "orders.csv", folder / "orders.csv")
    shutil.copy(FIXTURE / "orders.csv", folder / "orders (1).csv")
    return folder


@pytest.fixture(scope="module")
def first_run(tmp_path_factory, landing):
    tmp = tmp_path_factory.mktemp("edge_first")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", MACHINE_TZ)
        return build(tmp, landing)


@pytest.fixture(scope="module")
def second_run(tmp_path_factory, landing, first_run):
    """A later run on a copy of the first warehouse, after four copies land."""
    tmp = tmp_path_factory.mktemp("edge_second")
    shutil.copy(first_run, tmp / "rfm.duckdb")
    write_later_copies(FIXTURE / "orders.csv", landing)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TZ", MACHINE_TZ)
        return build(tmp, landing)


def utc_times(warehouse: Path, customer_prefix: str) -> list[tuple[str, str]]:
    return query(
        warehouse,
        "select customer_id, strftime(event_at, '%Y-%m-%d %H:%M:%S')"
        f" from stg_uploads__events where customer_id like '{customer_prefix}%'"
        " order by event_at, customer_id",
    )


def rejects(warehouse: Path, file_name: str) -> list[tuple]:
    return query(
        warehouse,
        "select source_row_number, rejection_reason, raw_customer_id, raw_event_time"
        " from rejected_events where source_name = 'uploads'"
        f" and regexp_extract(source_file, '[^/]+$') = '{file_name}'"
        " order by source_row_number",
    )


# 1. Offsets -------------------------------------------------------------------


def test_one_instant_under_any_offset_is_one_utc_time(first_run):
    instant = "2026-03-15 12:00:00"
    customers = ["zone_m0800", "zone_m1200", "zone_p0000", "zone_p0530", "zone_p1400"]
    assert utc_times(first_run, "zone_") == [
        (customer, instant) for customer in customers
    ]
    assert query(first_run, FIGURES.format("zone_")) == [
        (customer, 240, 1, Decimal("10.00"), instant) for customer in customers
    ]


def test_the_same_event_under_another_offset_is_a_duplicate(first_run):
    row, reason, customer, raw_time = rejects(first_run, "offsets.csv")[0]
    assert (row, reason, customer) == (7, "duplicate_row", "off_dup")
    # A duplicate is a valid row: the quarantine shows its parsed UTC time.
    assert raw_time == "2026-03-15 12:00:00"
    assert query(first_run, FIGURES.format("off_dup")) == [
        ("off_dup", 240, 1, Decimal("20.00"), "2026-03-15 12:00:00")
    ]


def test_recency_counts_from_the_utc_date_not_the_local_one(first_run):
    assert query(first_run, FIGURES.format("off_evening")) + query(
        first_run, FIGURES.format("off_morning")
    ) == [
        # Local Sat 31 Oct (would be recency 10) and Mon 02 Nov (would be 8).
        ("off_evening", 9, 1, Decimal("30.00"), "2026-11-01 00:30:00"),
        ("off_morning", 9, 1, Decimal("30.00"), "2026-11-01 18:00:00"),
    ]


def test_a_time_without_a_numeric_offset_is_quarantined_not_guessed(first_run):
    assert rejects(first_run, "offsets.csv")[1:] == [
        (10, "unparseable_date", "off_gmt", "Sun, 15 Mar 2026 12:00:00 GMT"),
        (11, "unparseable_date", "off_no_zone", "Sun, 15 Mar 2026 12:00:00"),
    ]
    assert query(
        first_run,
        "select count(*) from customer_segments"
        " where customer_id in ('off_gmt', 'off_no_zone')",
    ) == [(0,)]


# 2. DST switches --------------------------------------------------------------


def test_events_around_dst_switches_order_by_their_utc_instant(first_run):
    times = {
        customer: query(
            first_run,
            "select product_code, strftime(event_at, '%Y-%m-%d %H:%M:%S')"
            f" from stg_uploads__events where customer_id = '{customer}'"
            " order by event_at",
        )
        for customer in ("dst_us", "dst_eu")
    }
    assert times["dst_us"] == [
        ("us1", "2026-03-08 09:30:00"),
        ("us2", "2026-03-08 10:30:00"),
        ("us3", "2026-11-01 08:45:00"),  # 01:45 -0700, before 01:15 -0800
        ("us4", "2026-11-01 09:15:00"),
    ]
    assert times["dst_eu"] == [
        ("eu1", "2026-03-29 00:59:59"),
        ("eu2", "2026-03-29 01:00:00"),
        ("eu3", "2026-10-25 00:30:00"),  # both 02:30 local
        ("eu4", "2026-10-25 01:30:00"),
    ]
    # Time between the two events of each switch, in real (UTC) time.
    gaps = {
        customer: [
            datetime.fromisoformat(later) - datetime.fromisoformat(earlier)
            for (_, earlier), (_, later) in zip(rows[::2], rows[1::2], strict=True)
        ]
        for customer, rows in times.items()
    }
    assert gaps == {
        "dst_us": [timedelta(hours=1), timedelta(minutes=30)],
        "dst_eu": [timedelta(seconds=1), timedelta(hours=1)],
    }


def test_dst_switches_give_hand_computed_recency_and_frequency(first_run):
    assert query(
        first_run,
        "select customer_id, recency_days, frequency, monetary,"
        " strftime(first_order_at, '%Y-%m-%d %H:%M:%S'),"
        " strftime(last_order_at, '%Y-%m-%d %H:%M:%S'), tenure_days"
        " from customer_segments where customer_id like 'dst_%' order by 1",
    ) == [
        ("dst_eu", 16, 4, Decimal("26.00"), "2026-03-29 00:59:59",
         "2026-10-25 01:30:00", 226),
        ("dst_us", 9, 4, Decimal("100.00"), "2026-03-08 09:30:00",
         "2026-11-01 09:15:00", 247),
    ]


# 3. The as-of boundary --------------------------------------------------------


def test_events_from_as_of_midnight_on_are_ignored(first_run):
    assert query(
        first_run,
        "select customer_id, cast(as_of_date as varchar), recency_days, frequency,"
        " monetary, rfm_segment, strftime(last_event_at, '%Y-%m-%d %H:%M:%S'),"
        " event_count, days_since_last_event"
        " from customer_segments where customer_id like 'asof_%' order by 1",
    ) == [
        ("asof_future", AS_OF, None, 0, Decimal("0.00"), "Prospects",
         "2026-11-05 10:00:00", 1, 5),
        ("asof_last_second", AS_OF, 1, 1, Decimal("12.00"), "New Customers",
         "2026-11-09 23:59:59", 1, 1),
        ("asof_local_today", AS_OF, 1, 1, Decimal("17.00"), "New Customers",
         "2026-11-09 19:00:00", 1, 1),
        ("asof_local_yesterday", AS_OF, None, 0, Decimal("0.00"), "Prospects",
         "2026-11-08 12:00:00", 1, 2),
        ("asof_midnight", AS_OF, 9, 1, Decimal("13.00"), "About To Sleep",
         "2026-11-01 12:00:00", 1, 9),
    ]  # asof_only_future has no row: its one event is after the as-of date.


def test_recency_is_never_zero(first_run):
    assert query(
        first_run,
        "select min(recency_days), min(days_since_last_event),"
        f" max(last_event_at) < timestamp '{AS_OF}' from customer_segments",
    ) == [(1, 1, True)]


def test_later_events_stay_accepted_and_out_of_the_picture(first_run):
    # Not quarantined: a later as-of date counts them.
    assert query(
        first_run,
        "select count(*),"
        f" count(*) filter (where event_at >= timestamp '{AS_OF}')"
        " from stg_uploads__events where source_file like '%/as_of.csv'",
    ) == [(9, 4)]
    assert rejects(first_run, "as_of.csv") == []
    # The contact is the latest before the as-of date, not the future one.
    assert query(
        first_run,
        "select address from customer_contacts where customer_id = 'asof_future'",
    ) == [("old@example.com",)]
    assert query(
        first_run,
        "select customer_id, product_id from user_product_affinity"
        f" where last_event_at >= timestamp '{AS_OF}'"
        " or customer_id = 'asof_only_future'",
    ) == []


# 4. Copies --------------------------------------------------------------------


def test_the_same_file_twice_in_one_run_keeps_the_first_by_name(first_run):
    assert query(
        first_run,
        "select regexp_extract(source_file, '[^/]+$'), count(*)"
        " from stg_uploads__events where customer_id like 'ord_%' group by 1",
    ) == [("orders (1).csv", 6)]
    assert [row[:2] for row in rejects(first_run, "orders.csv")] == [
        (row, "duplicate_row") for row in range(1, 7)
    ]
    assert query(first_run, FIGURES.format("ord_")) == [
        ("ord_a", 8, 1, Decimal("25.00"), "2026-11-02 10:00:00"),
        ("ord_b", 3, 2, Decimal("1290.00"), "2026-11-07 00:00:00"),
        ("ord_c", None, 0, Decimal("0.00"), None),
    ]


def test_every_first_run_row_is_accepted_or_rejected_once(first_run):
    assert query(first_run, "select count(*) from stg_uploads__events") == [(34,)]
    assert query(
        first_run,
        "select rejection_reason, count(*) from rejected_events group by 1 order by 1",
    ) == [("duplicate_row", 7), ("unparseable_date", 2)]


def test_later_copies_change_no_customer_and_are_duplicate_rows(
    first_run, second_run
):
    everything = "select * from customer_segments order by customer_id"
    before = query(first_run, everything)
    assert len(before) == 21
    assert query(second_run, everything) == before
    assert query(
        second_run,
        "select regexp_extract(source_file, '[^/]+$'), count(*),"
        " count(*) filter (where rejection_reason = 'duplicate_row')"
        " from rejected_events where source_file not like '%/offsets.csv'"
        " group by 1 order by 1",
    ) == [(name, 6, 6) for name in sorted(["orders.csv", *LATER_COPIES])]
    assert query(second_run, "select count(*) from stg_uploads__events") == [(34,)]


# 5. Columns -------------------------------------------------------------------


def test_columns_are_matched_by_name_whatever_their_order_case_or_padding(
    first_run,
):
    assert query(
        first_run,
        "select customer_id, event_type, strftime(event_at, '%Y-%m-%d %H:%M:%S'),"
        " product_code, product_name, product_description, unit_price, quantity,"
        " username, channel_type, address, city, state, country"
        " from stg_uploads__events where customer_id like 'col_%' order by 1",
    ) == [
        ("col_header_case", "purchased", "2026-11-02 20:00:00", "h1", "Hat",
         "a hat", Decimal("25.00"), 2, "hc", "SMS", "+6421000001", "Nelson",
         "Tasman", "NZL"),
        ("col_missing", "purchased", "2026-11-02 09:00:00", "m1", "Mug", None,
         Decimal("4.00"), 5, None, "EMAIL", "cm@example.com", "Napier", "HB",
         "NZL"),
        ("col_shuffled", "purchased", "2026-11-04 10:00:00", "r1", "Rug", "a rug",
         Decimal("1000.50"), 3, "cs", "EMAIL", "cs@example.com", "Dunedin",
         "Otago", "NZL"),
    ]
    assert query(first_run, FIGURES.format("col_")) == [
        ("col_header_case", 8, 1, Decimal("50.00"), "2026-11-02 20:00:00"),
        ("col_missing", 8, 1, Decimal("20.00"), "2026-11-02 09:00:00"),
        ("col_shuffled", 6, 1, Decimal("3001.50"), "2026-11-04 10:00:00"),
    ]
    for name in ("shuffled_columns.csv", "header_case.csv", "missing_columns.csv"):
        assert rejects(first_run, name) == []
