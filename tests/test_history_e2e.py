"""Segment history: two builds on different as-of dates, then the transitions.

On the fixture (see test_pipeline_e2e.py), as of 2024-01-08 007 has bought twice
(most recent, most often, most spent: 555, Champions), 008 once (111, Lost), 009
only browsed and 010 has no event yet. As of 2024-01-11 (the default) 007 is
Loyal Customers, 008 Lost, 009 Prospects and 010 Potential Loyalist.
"""

from __future__ import annotations

import duckdb
import pytest

from tests.test_pipeline_e2e import FIXTURE, dbt_build

pytestmark = pytest.mark.e2e


def test_transitions_between_two_as_of_dates(tmp_path):
    paths = {
        "raw_events_path": f"{FIXTURE}/*.csv",
        "clickstream_path": f"{tmp_path}/none/*.jsonl",
    }
    first = dbt_build(tmp_path, {**paths, "as_of_date": "2024-01-08"})
    assert first.returncode == 0, first.stdout[-4000:]
    second = dbt_build(tmp_path, paths)
    assert second.returncode == 0, second.stdout[-4000:]
    # Looking back at an earlier date again records no new history.
    third = dbt_build(tmp_path, {**paths, "as_of_date": "2024-01-08"})
    assert third.returncode == 0, third.stdout[-4000:]

    con = duckdb.connect(str(tmp_path / "rfm.duckdb"), read_only=True)
    try:
        moves = con.execute(
            "select cast(from_as_of_date as varchar), cast(to_as_of_date as varchar),"
            " from_segment, to_segment, customers, has_moved"
            " from segment_transitions order by from_segment, to_segment"
        ).fetchall()
        versions = con.execute(
            "select count(*) from customer_segments_snapshot"
        ).fetchone()[0]
    finally:
        con.close()
    assert moves == [
        ("2024-01-08", "2024-01-11", "(new)", "Potential Loyalist", 1, True),
        ("2024-01-08", "2024-01-11", "Champions", "Loyal Customers", 1, True),
        ("2024-01-08", "2024-01-11", "Lost", "Lost", 1, False),
        ("2024-01-08", "2024-01-11", "Prospects", "Prospects", 1, False),
    ]
    assert versions == 3 + 4
