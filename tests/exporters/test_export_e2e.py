"""End to end: `dbt build` the export marts on a small upload file, then
`rfm-export <destination> --dry-run` on the result, as a scheduler would."""

from __future__ import annotations

import csv
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from upload_data import write_uploads

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse built by dbt (only the export marts and what they need)."""
    root = tmp_path_factory.mktemp("e2e")
    write_uploads(root / "data" / "uploads")
    env = {
        **os.environ,
        "DBT_PROFILES_DIR": str(REPO),
        "RFM_DUCKDB_PATH": str(root / "rfm.duckdb"),
        "RFM_DUCKDB_TEMP_DIRECTORY": str(root / "spill"),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    result = subprocess.run(
        [str(BIN / "dbt"), "build", "--quiet", "--select", "+path:models/marts/exports",
         "--indirect-selection", "cautious",
         "--target-path", str(root / "target"), "--log-path", str(root / "logs"),
         # No clickstream: the default glob would read the repo's data/,
         # where `make demo` leaves 1M lines.
         "--vars", f"{{raw_events_path: '{root}/data/uploads/*.csv',"
                   f" clickstream_path: '{root}/data/clickstream/*.jsonl'}}"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return root


def export(root: Path, destination: str) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    env |= {"RFM_DUCKDB_PATH": str(root / "rfm.duckdb"),
            "AWS_CONFIG_FILE": str(root / "none"),
            "AWS_SHARED_CREDENTIALS_FILE": str(root / "none")}
    return subprocess.run(
        [str(BIN / "rfm-export"), destination, "--dry-run", "--output-dir",
         str(root / "out"), "--state-path", str(root / "state.duckdb")],
        env=env, capture_output=True, text=True, timeout=120,
    )


def count(root: Path, table: str) -> int:
    con = duckdb.connect(str(root / "rfm.duckdb"), read_only=True)
    try:
        return con.execute(f"select count(*) from main.{table}").fetchone()[0]
    finally:
        con.close()


def test_pinpoint_dry_run_on_the_demo_data(built: Path) -> None:
    result = export(built, "pinpoint")
    assert result.returncode == 0, result.stderr
    with (built / "out/pinpoint/endpoints.csv").open() as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == count(built, "pinpoint_endpoints") == 58  # 2 unusable left out
    customers = {row["User.UserId"] for row in rows}
    assert "C00007" not in customers and "C00008" not in customers
    for row in rows:
        if row["ChannelType"] == "SMS":
            assert re.fullmatch(r"\+[1-9]\d{6,14}", row["Address"]), row["Address"]
        assert row["Location.Country"] in {"NZ", "AU", "US", "GB"}
    segments = json.loads((built / "out/pinpoint/segments.json").read_text())
    names = [segment["Name"] for segment in segments]
    assert len(names) == count(built, "rfm_audiences") and "_RFM_Cant_Lose_Them" in names
    assert f"wrote {built}/out/pinpoint/endpoints.csv: 58 rows" in result.stdout
    assert f"segments to create ({len(names)})" in result.stdout


def test_personalize_dry_run_holds_no_contact_data(built: Path) -> None:
    result = export(built, "personalize")
    assert result.returncode == 0, result.stderr
    out = built / "out/personalize"
    con = duckdb.connect(str(built / "rfm.duckdb"), read_only=True)
    contacts = con.execute(
        "select address, username from main.customer_contacts").fetchall()
    con.close()
    texts = {name: (out / name).read_text() for name in
             ("interactions.csv", "users.csv", "items.csv")}
    for text in texts.values():
        assert "@" not in text
        for address, username in contacts:
            assert address not in text
            assert not re.search(rf"\b{re.escape(username)}\b", text)
    lines = texts["interactions.csv"].splitlines()
    assert lines[0] == "USER_ID,ITEM_ID,TIMESTAMP,EVENT_TYPE"
    assert len(lines) - 1 == count(built, "personalize_interactions")
    assert re.fullmatch(r"C\d{5},P\d{3},1[67]\d{8},(viewed|processed|purchased)", lines[1])
    assert len(texts["users.csv"].splitlines()) - 1 == count(built, "personalize_users")


def test_connect_dry_run_on_the_demo_data(built: Path) -> None:
    result = export(built, "connect")
    assert result.returncode == 0, result.stderr
    lines = (built / "out/connect/profiles.jsonl").read_text().splitlines()
    assert len(lines) == count(built, "connect_profiles") == 60
    requests = [json.loads(line) for line in lines]
    assert all("ProfileId" not in request for request in requests)  # first sync: creates
    assert {"rfm_segment", "rfm_score"} <= set(requests[0]["Attributes"])
    definitions = json.loads((built / "out/connect/segment_definitions.json").read_text())
    assert len(definitions) == count(built, "rfm_audiences")
