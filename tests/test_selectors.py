"""`dbt build` runs the daily selector; `make test` (--selector ci) runs everything.

The ci_only tests re-check the project's own invariants over every event, and
unit tests check SQL on fixed rows: the default build must leave them out (or
every daily run pays for a scan of the whole history), and the ci selector
must keep them.
"""

from __future__ import annotations

import os
import subprocess

from tests.test_pipeline_e2e import DBT, REPO

CI_ONLY = {
    "assert_clickstream_every_line_is_accepted_or_rejected",
    "assert_clickstream_marts_reconcile_with_staging",
    "assert_every_input_row_is_accepted_or_rejected",
    "assert_personalization_affinity_reconciles_with_staging",
    "assert_personalization_next_best_offers_are_eligible",
}


def listed(tmp_path, *args: str) -> set[str]:
    """dbt ls: unique ids of the sources, tests and unit tests selected."""
    result = subprocess.run(
        [
            str(DBT), "ls", "--quiet", "--output", "json", "--output-keys", "unique_id",
            "--resource-type", "test", "--resource-type", "unit_test",
            "--resource-type", "source",
            "--target-path", str(tmp_path / "target"), "--log-path", str(tmp_path / "logs"),
            *args,
        ],
        cwd=REPO,
        env={
            **os.environ,
            "DBT_PROFILES_DIR": str(REPO),
            "RFM_DUCKDB_PATH": str(tmp_path / "rfm.duckdb"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        },
        capture_output=True, text=True, check=True,
    )
    return {line.split('"')[3] for line in result.stdout.splitlines() if line}


def test_default_build_leaves_out_unit_tests_and_ci_only_tests(tmp_path):
    daily = listed(tmp_path)
    everything = listed(tmp_path, "--selector", "ci")
    left_out = everything - daily
    assert daily < everything
    assert not any(node.startswith("unit_test.") for node in daily)
    assert {node.split(".")[2] for node in left_out if node.startswith("test.")} >= CI_ONLY
    # Keys the models make unique over the whole history are checked in CI.
    assert any("unique_personalize_interactions_event_id" in node for node in left_out)
    # `dbt source freshness` with no --select checks both feeds.
    assert {"source.rfm.uploads.events", "source.rfm.clickstream.events"} <= daily
    # The data tests still run on every build: nulls, accepted values, marts.
    assert len(daily) > 180  # 191: 189 data tests and the two sources
    assert any("not_null_stg_uploads__events_customer_id" in node for node in daily)
    assert any("unique_customer_segments_customer_id" in node for node in daily)
