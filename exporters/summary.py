"""Print the per-segment summary of a built warehouse (the end of `make demo`)."""

from __future__ import annotations

import os
import sys

import duckdb

QUERY = """
select
    rfm_segment,
    customers,
    round(100 * customer_share, 1) as customer_pct,
    revenue,
    round(100 * coalesce(revenue_share, 0), 1) as revenue_pct,
    round(average_recency_days, 1) as avg_recency_days,
    round(average_frequency, 2) as avg_frequency,
    round(average_monetary, 2) as avg_monetary
from main.segment_summary
order by revenue desc, customers desc
"""


def main() -> int:
    path = os.environ.get("RFM_DUCKDB_PATH", "warehouse/rfm.duckdb")
    if not os.path.exists(path):
        print(f"error: no warehouse at {path}; run `make demo` first", file=sys.stderr)
        return 1
    con = duckdb.connect(path, read_only=True)
    try:
        as_of = con.execute("select max(as_of_date) from main.segment_summary")
        print(f"RFM segments as of {as_of.fetchone()[0]} ({path})")
        con.sql(QUERY).show(max_width=200)
        rejected = con.execute(
            "select rejection_reason, count(*) from main.rejected_events"
            " group by 1 order by 2 desc"
        ).fetchall()
    finally:
        con.close()
    if rejected:
        print("rejected rows: " + ", ".join(f"{r} {n}" for r, n in rejected))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
