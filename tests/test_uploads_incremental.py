"""Upload files are loaded once each; copies add nothing; changed files reload.

Runs `dbt build` on a landing folder as files arrive and compares the result
with a full refresh of the same folder.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from tests.test_pipeline_e2e import FIXTURE, dbt_build

pytestmark = pytest.mark.e2e

SEGMENTS = (
    "select customer_id, recency_days, frequency, monetary, rfm_score, rfm_segment"
    " from customer_segments order by customer_id"
)

CONTACTS = "select * from customer_contacts order by customer_id"
INTERACTIONS = (
    "select * exclude (loaded_at) from int_interactions_identified order by event_id"
)
DUPLICATES = "select * from base_uploads__duplicate_rows order by all"
RECHECKING = "comparing every row again"


def query(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def build_logged(tmp, landing, *flags):
    """dbt build of the landing folder into tmp/rfm.duckdb; its output."""
    result = dbt_build(
        tmp,
        {
            "raw_events_path": f"{landing}/*.csv",
            "clickstream_path": f"{tmp}/none/*.jsonl",
        },
        *flags,
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return result.stdout


def build(tmp, landing, *flags):
    build_logged(tmp, landing, *flags)
    return tmp / "rfm.duckdb"


def test_files_load_once_and_copies_change_nothing(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    shutil.copy(FIXTURE / "a.csv", landing / "a.csv")
    warehouse = build(tmp_path / "run", landing)
    first_load = query(warehouse, "select distinct loaded_at from base_uploads__events")

    # b.csv arrives, then a copy of a.csv under another name.
    shutil.copy(FIXTURE / "b.csv", landing / "b.csv")
    build(tmp_path / "run", landing)
    before_copy = query(warehouse, SEGMENTS)
    shutil.copy(FIXTURE / "a.csv", landing / "a_again.csv")
    build(tmp_path / "run", landing)

    assert query(warehouse, SEGMENTS) == before_copy
    per_file = query(
        warehouse,
        "select regexp_extract(loaded.source_file, '[^/]+$'), count(*),"
        " count(*) filter (where rejected.rejection_reason = 'duplicate_row'),"
        " count(distinct loaded.loaded_at)"
        " from base_uploads__events as loaded left join rejected_events as rejected"
        " on rejected.source_name = 'uploads'"
        " and loaded.source_file = rejected.source_file"
        " and loaded.source_row_number = rejected.source_row_number"
        " group by 1 order by 1",
    )
    assert per_file == [("a.csv", 8, 0, 1), ("a_again.csv", 8, 8, 1), ("b.csv", 8, 2, 1)]
    # a.csv was read by the first run only.
    assert query(
        warehouse,
        "select distinct loaded_at from base_uploads__events"
        " where source_file like '%/a.csv'",
    ) == first_load

    # A copy of b.csv under a name that sorts first: its rows become the ones
    # kept and b.csv's their repeats. The run compares only the rows sharing
    # a fingerprint with the new file's, and ends where a full refresh does.
    shutil.copy(FIXTURE / "b.csv", landing / "0_b.csv")
    assert RECHECKING not in build_logged(tmp_path / "run", landing)
    duplicates = query(warehouse, DUPLICATES)
    assert [row for row in duplicates if row[0].endswith("/b.csv")]
    assert duplicates == query(
        build(tmp_path / "copied", landing, "--full-refresh"), DUPLICATES
    )
    (landing / "0_b.csv").unlink()
    build(tmp_path / "run", landing, "--full-refresh")

    # A changed file replaces its earlier rows; its rows the duplicate search
    # had checked have left, so it compares every row again.
    with open(landing / "b.csv", "a", encoding="utf-8") as handle:
        handle.write(
            "PURCHASED,p9,Big Bag,a bag,40.00,1,008,bo,SMS,+6421555123,"
            'Wellington,Wellington,NZL,"Tue, 09 Jan 2024 10:00:00 +0000"\n'
        )
    assert RECHECKING in build_logged(tmp_path / "run", landing)
    assert query(
        warehouse,
        "select count(*) from base_uploads__events where source_file like '%/b.csv'"
        " union all select count(*) from rejected_events"
        " where source_file like '%/b.csv'",
    ) == [(9,), (7,)]
    incremental = query(warehouse, SEGMENTS)
    assert ("008", 2, 2) in [(c, f, r) for c, r, f, *_ in incremental]

    full = build(tmp_path / "full", landing, "--full-refresh")
    assert query(full, SEGMENTS) == incremental
    # The incremental intermediates (contacts by customer, interactions by
    # load, duplicates by fingerprint) end where a full refresh does.
    for sql in (CONTACTS, INTERACTIONS, DUPLICATES):
        assert query(warehouse, sql) == query(full, sql)


def test_no_file_then_a_header_only_file_build_empty(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    warehouse = build(tmp_path / "run", landing)
    assert query(warehouse, "select count(*) from customer_segments") == [(0,)]

    header = (FIXTURE / "a.csv").read_text(encoding="utf-8").splitlines()[0]
    (landing / "header_only.csv").write_text(header + "\n", encoding="utf-8")
    build(tmp_path / "run", landing)
    assert query(warehouse, "select count(*) from base_uploads__events") == [(0,)]
    assert query(warehouse, "select count(*) from rejected_events") == [(0,)]
