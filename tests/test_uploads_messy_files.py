"""Messy landing folders load: encodings, missing columns, empty and ragged files.

One folder holds one file of each kind; two more builds cover folders where
no file has an optional column, and where the only file is empty.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_pipeline_e2e import dbt_build
from tests.test_uploads_incremental import query

pytestmark = pytest.mark.e2e

HEADER = (
    "EventName,ProductCode,ProductName,ProductDescription,UnitPrice,Quantity,"
    "CustomerID,Username,ChannelType,Address,City,State,Country,Date"
)
DATE = '"Mon, 02 Nov 2026 10:00:00 +0000"'


def row(customer: str, username: str = "u", product_name: str = "Hub") -> str:
    return (
        f"PURCHASED,p1,{product_name},d,10.00,1,{customer},{username},EMAIL,"
        f"{customer}@example.com,X,Y,NZL,{DATE}"
    )


def write(folder: Path, name: str, lines: list[str], encoding: str = "utf-8") -> None:
    (folder / name).write_bytes(("\n".join(lines) + "\n").encode(encoding))


def build(tmp: Path, landing: Path):
    result = dbt_build(
        tmp,
        {
            "raw_events_path": f"{landing}/*.csv",
            "clickstream_path": f"{tmp}/none/*.jsonl",
            "as_of_date": "2026-11-10",
        },
    )
    assert result.returncode == 0, result.stdout[-4000:]
    return tmp / "rfm.duckdb"


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("messy")
    landing = tmp / "landing"
    landing.mkdir()
    write(landing, "01_utf8.csv", [HEADER, row("c1", "Zoë", "Crème Brûlée")])
    (landing / "02_bom.csv").write_bytes(
        b"\xef\xbb\xbf" + (HEADER + "\n" + row("c2", "Łukasz") + "\n").encode()
    )
    # Windows-1252: curly quotes and the euro sign are bytes 0x80-0x9f.
    write(landing, "03_cp1252.csv", [HEADER, row("c3", "José", "“Café” €5")], "cp1252")
    # Code page 437: ü is 0x81, which Windows-1252 leaves undefined.
    write(landing, "04_cp437.csv", [HEADER, row("c4", "Müller", "╔Box╗")], "cp437")
    # No Date column: the file loads, its rows are quarantined, others are not.
    write(
        landing,
        "05_no_date.csv",
        [HEADER.rsplit(",", 1)[0], row("c5").rsplit(",", 1)[0].rsplit(",", 1)[0]],
    )
    (landing / "06_empty.csv").write_bytes(b"")
    write(landing, "07_header_only.csv", [HEADER])
    write(
        landing,
        "08_ragged.csv",
        [
            HEADER,
            row("c8"),
            # A short row (no Date), a long row, a stray quote in a name.
            row("c8").rsplit(",", 2)[0],
            row("c9") + ",extra",
            row("c10", product_name='Hub "Pro'),
        ],
    )
    return build(tmp, landing)


def test_each_file_is_read_in_its_encoding(messy):
    assert query(
        messy,
        "select regexp_extract(source_file, '[^/]+$'), file_encoding, customer_id,"
        " username, product_name from base_uploads__events"
        " where customer_id in ('c1', 'c2', 'c3', 'c4') order by 1",
    ) == [
        ("01_utf8.csv", "utf-8", "c1", "Zoë", "Crème Brûlée"),
        ("02_bom.csv", "utf-8", "c2", "Łukasz", "Hub"),
        ("03_cp1252.csv", "cp1252", "c3", "José", "“Café” €5"),
        ("04_cp437.csv", "cp437", "c4", "Müller", "╔Box╗"),
    ]


def test_a_file_missing_a_required_column_is_quarantined_with_its_name(messy):
    assert query(
        messy,
        "select regexp_extract(source_file, '[^/]+$'), source_row_number,"
        " rejection_reason, raw_customer_id from rejected_events"
        " where source_name = 'uploads' order by 1, 2",
    ) == [
        ("05_no_date.csv", 1, "missing_column_date", "c5"),
        ("08_ragged.csv", 2, "missing_column_date", "c8"),
    ]


def test_the_rest_of_the_folder_loads(messy):
    # c8's good row, the long row (extra field ignored) and the stray quote
    # (kept as text) are accepted with the four encoded files.
    assert query(
        messy,
        "select customer_id, frequency, monetary from customer_segments"
        " where frequency > 0 order by 1",
    ) == [
        (customer, 1, pytest.approx(10))
        for customer in ("c1", "c10", "c2", "c3", "c4", "c8", "c9")
    ]
    assert query(
        messy,
        "select product_name from stg_uploads__events where customer_id = 'c10'",
    ) == [('Hub "Pro',)]


def test_empty_and_header_only_files_add_nothing_and_fail_nothing(messy):
    assert query(
        messy,
        "select count(*) from base_uploads__events"
        " where source_file similar to '.*(06_empty|07_header_only).csv'",
    ) == [(0,)]


def test_an_optional_column_no_file_has_is_null(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    columns = HEADER.split(",")
    values = row("c1").replace(DATE, "DATE").split(",")
    keep = [i for i, name in enumerate(columns) if name not in ("ProductDescription", "Username")]
    write(
        landing,
        "partial.csv",
        [
            ",".join(columns[i] for i in keep),
            ",".join(values[i] for i in keep).replace("DATE", DATE),
        ],
    )
    warehouse = build(tmp_path / "run", landing)
    assert query(
        warehouse,
        "select customer_id, product_description, username from stg_uploads__events",
    ) == [("c1", None, None)]


def test_a_folder_whose_only_file_is_empty_builds_empty(tmp_path):
    landing = tmp_path / "landing"
    landing.mkdir()
    (landing / "empty.csv").write_bytes(b"")
    warehouse = build(tmp_path / "run", landing)
    assert query(warehouse, "select count(*) from customer_segments") == [(0,)]


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("upload_encoding", "utf-8, header = false", "upload_encoding var"),
        ("as_of_date", "2026-11-10' or 1=1 --", "var as_of_date must look like"),
    ],
)
def test_a_var_that_reaches_sql_is_checked_first(tmp_path, var, value, message):
    landing = tmp_path / "landing"
    landing.mkdir()
    write(landing, "a.csv", [HEADER, row("c1")])
    result = dbt_build(
        tmp_path,
        {"raw_events_path": f"{landing}/*.csv", var: value.replace("'", "''")},
        "--select", "base_uploads__events+", "--exclude-resource-type", "unit_test",
    )
    assert result.returncode != 0
    assert message in result.stdout
    assert "Traceback" not in result.stdout
