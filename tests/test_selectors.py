"""`dbt build` runs the daily selector; `make test` (--selector ci) runs everything.

The ci_only tests reconcile the pipeline with the raw files again; the default
build must leave them out and the ci selector must keep them, or the daily
build pays for a whole second read of the input.
"""

from __future__ import annotations

import os
import subprocess

from tests.test_pipeline_e2e import DBT, REPO

CI_ONLY = {
    "assert_clickstream_every_line_is_accepted_or_rejected",
    "assert_every_input_row_is_accepted_or_rejected",
    "assert_personalization_affinity_reconciles_with_staging",
}


def listed(tmp_path, *args: str) -> set[str]:
    result = subprocess.run(
        [
            str(DBT), "ls", "--quiet", "--output", "name", "--resource-type", "test",
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
    return set(result.stdout.split())


def test_default_build_leaves_out_only_the_ci_only_tests(tmp_path):
    daily = listed(tmp_path)
    everything = listed(tmp_path, "--selector", "ci")
    assert everything - daily == CI_ONLY
    assert daily < everything
    # Still far more than a handful: the data tests run on every build.
    assert len(daily) > 200
