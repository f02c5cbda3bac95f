"""rfm-sample-data: the upload and clickstream layouts, determinism, realism, and
every kind of malformed row --dirty promises."""

from __future__ import annotations

import csv
import hashlib
import json
import re
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import pytest

from exporters import sample_data

REPO = Path(__file__).resolve().parents[1]
OFFERS = REPO / "seeds" / "offers.csv"
EVENTS = 2000
DIRTY = 0.05
HEADER = (
    "EventName,ProductCode,ProductName,ProductDescription,UnitPrice,Quantity,"
    "CustomerID,Username,ChannelType,Address,City,State,Country,Date"
)
DATE_FORMAT = "%a, %d %b %Y %H:%M:%S %z"
E164 = re.compile(r"^\+[1-9]\d{7,14}$")
HEX_ID = re.compile(r"^[0-9a-f]{32}$")
EVENT_NAMES = {"VIEWED", "PROCESSED", "PURCHASED"}
EVENT_TYPES = {"impression", "click", "add_to_cart", "purchase"}
REQUIRED_KEYS = {"event_id", "event_type", "occurred_at"}
CLICKSTREAM_KEYS = REQUIRED_KEYS | {
    "customer_id", "session_id", "product_id", "offer_id", "channel",
}
CATALOG = {hashlib.md5(f"product-{i}".encode()).hexdigest(): i for i in range(500)}


def generate(out: Path, *flags: str, events: int = EVENTS) -> Path:
    argv = ["--events", str(events), "--out", str(out), "--offers", str(OFFERS)]
    assert sample_data.main([*argv, *flags]) == 0
    return out


def upload_files(out: Path) -> list[Path]:
    return sorted((out / "uploads").glob("*.csv"))


def read_uploads(out: Path) -> list[dict[str, str]]:
    """Every upload row, in file order, as text."""
    rows = []
    for path in upload_files(out):
        with path.open(newline="", encoding="utf-8") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def read_clickstream(out: Path) -> list[str]:
    """Every clickstream line, in file order, without its newline."""
    lines = []
    for path in sorted((out / "clickstream").glob("*.jsonl")):
        lines.extend(path.read_text(encoding="utf-8").split("\n")[:-1])
    return lines


def folder_bytes(out: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(out)): path.read_bytes()
        for path in sorted(out.rglob("*"))
        if path.is_file()
    }


def parses(text: str, parse) -> bool:
    try:
        parse(text)
    except ValueError:
        return False
    return True


def is_number(text: str) -> bool:
    return parses(text.replace(",", ""), float)


def normalised(row: dict[str, str]) -> tuple:
    """What the pipeline compares to find duplicates: trimmed, cased, parsed."""
    return (
        row["EventName"].strip().upper(),
        row["CustomerID"].strip(),
        row["ProductCode"].strip().lower(),
        row["UnitPrice"].replace(",", "").strip(),
        row["Quantity"].strip(),
        row["Address"].strip().lower(),
        datetime.strptime(row["Date"].strip(), DATE_FORMAT),
    )


def is_clean(row: dict[str, str]) -> bool:
    return (
        bool(row["CustomerID"].strip())
        and parses(row["Date"].strip(), lambda t: datetime.strptime(t, DATE_FORMAT))
        and row["EventName"].strip().upper() in EVENT_NAMES
        and is_number(row["UnitPrice"])
        and float(row["UnitPrice"].replace(",", "")) >= 0
        and row["Quantity"].strip().isdigit()
    )


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("clean"), "--seed", "3")


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dirty")
    return generate(out, "--seed", "3", "--dirty", str(DIRTY), "--files", "2")


@pytest.fixture(scope="module")
def uploads(clean) -> list[dict[str, str]]:
    return read_uploads(clean)


@pytest.fixture(scope="module")
def clicks(clean) -> list[dict]:
    return [json.loads(line) for line in read_clickstream(clean)]


# --- Layout and determinism -------------------------------------------------------


def test_upload_header_is_exact(clean, dirty):
    for path in upload_files(clean) + upload_files(dirty):
        assert path.read_text(encoding="utf-8").split("\n", 1)[0] == HEADER


def test_upload_row_count_is_events(uploads):
    assert len(uploads) == EVENTS


def test_rows_split_over_files_add_up(tmp_path):
    generate(tmp_path, "--files", "3", events=1234)
    assert [p.name for p in upload_files(tmp_path)] == [
        "events_0001.csv", "events_0002.csv", "events_0003.csv",
    ]
    assert len(read_uploads(tmp_path)) == 1234
    assert len(read_clickstream(tmp_path)) == 1234


def test_rerun_replaces_its_own_files_and_leaves_no_temporary_ones(tmp_path):
    generate(tmp_path, "--files", "3")
    generate(tmp_path, "--files", "1")
    assert sorted(folder_bytes(tmp_path)) == [
        "clickstream/events_0001.jsonl", "uploads/events_0001.csv",
    ]


def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path):
    flags = ("--seed", "7", "--dirty", str(DIRTY))
    first = folder_bytes(generate(tmp_path / "a", *flags))
    again = folder_bytes(generate(tmp_path / "b", *flags))
    other = folder_bytes(generate(tmp_path / "c", "--seed", "8", *flags[2:]))
    assert first == again
    assert first.keys() == other.keys()
    assert all(first[name] != other[name] for name in first)


def test_catalog_does_not_depend_on_the_seed(tmp_path, uploads):
    def catalog(rows):
        return {
            r["ProductCode"]: (r["ProductName"], r["ProductDescription"]) for r in rows
        }

    other = catalog(read_uploads(generate(tmp_path, "--seed", "99")))
    mine = catalog(uploads)
    shared = mine.keys() & other.keys()
    assert len(shared) > 20
    assert all(mine[code] == other[code] for code in shared)


def test_clickstream_can_be_turned_off(tmp_path):
    generate(tmp_path, "--clickstream-events", "0")
    assert not list((tmp_path / "clickstream").glob("*.jsonl"))
    assert len(read_uploads(tmp_path)) == EVENTS


def test_unreadable_offers_file_is_a_one_line_error(tmp_path, capsys):
    offers = tmp_path / "offers.csv"
    offers.write_text("offer_id,product_id,starts_on,ends_on\nOFF-1,x,soon,\n")
    argv = ["--events", "100", "--out", str(tmp_path / "out"), "--offers", str(offers)]
    assert sample_data.main(argv) == 1
    assert len(capsys.readouterr().err.strip().splitlines()) == 1


def test_end_before_start_is_rejected():
    with pytest.raises(SystemExit):
        sample_data.main([
            "--events", "10", "--out", "x", "--start", "2025-02-01",
            "--end", "2025-01-01",
        ])


# --- Upload rows ------------------------------------------------------------------


def test_every_clean_date_parses_inside_the_window(uploads):
    instants = [datetime.strptime(r["Date"], DATE_FORMAT) for r in uploads]
    assert min(instants) >= datetime(2024, 11, 1, tzinfo=timezone.utc)
    assert max(instants) < datetime(2026, 11, 1, tzinfo=timezone.utc)
    offsets = Counter(r["Date"][-5:] for r in uploads)
    assert len(offsets) >= 5
    assert any(not offset.endswith("00") for offset in offsets)


def test_every_clean_row_is_valid(uploads):
    assert all(is_clean(row) and row["EventName"] in EVENT_NAMES for row in uploads)
    assert {row["EventName"] for row in uploads} == EVENT_NAMES
    assert {int(row["Quantity"]) for row in uploads} <= set(range(1, 9))


def test_clean_rows_have_no_duplicates(uploads):
    assert len({normalised(row) for row in uploads}) == len(uploads)


def test_purchases_come_in_baskets(uploads):
    orders = Counter(
        (r["CustomerID"], r["Date"]) for r in uploads if r["EventName"] == "PURCHASED"
    )
    assert max(orders.values()) >= 2
    assert sum(size >= 2 for size in orders.values()) >= 5


def test_customer_ids_are_hex_or_numeric_with_leading_zeros(uploads):
    ids = {row["CustomerID"] for row in uploads}
    numeric = {i for i in ids if i.isdigit()}
    assert numeric and all(i.startswith("0") for i in numeric)
    assert all(HEX_ID.match(i) for i in ids - numeric)
    assert len(numeric) < len(ids) / 5


def test_large_prices_sometimes_have_thousands_separators(uploads):
    prices = [row["UnitPrice"] for row in uploads]
    assert all(re.fullmatch(r"\d{1,3}(,\d{3})*\.\d\d|\d+\.\d\d", p) for p in prices)
    separated = [p for p in prices if "," in p]
    assert separated
    assert any(float(p) >= 1000 for p in prices if "," not in p)


def test_contacts_are_emails_or_e164_numbers_constant_per_customer(uploads):
    by_customer: dict[str, set] = {}
    for row in uploads:
        if row["ChannelType"] == "SMS":
            assert E164.match(row["Address"]), row["Address"]
        else:
            assert row["ChannelType"] == "EMAIL" and "@" in row["Address"]
        fixed = (row["Username"], row["ChannelType"], row["City"], row["Country"])
        by_customer.setdefault(row["CustomerID"], set()).add(fixed)
    assert all(len(details) == 1 for details in by_customer.values())
    assert {row["Country"] for row in uploads} >= {"NZL", "AUS", "USA", "GBR", "IND"}


def test_some_customers_only_browse(uploads):
    customers = {row["CustomerID"] for row in uploads}
    buyers = {r["CustomerID"] for r in uploads if r["EventName"] == "PURCHASED"}
    assert 0.08 < 1 - len(buyers) / len(customers) < 0.35


def test_products_come_from_the_fixed_catalog_low_index_most_popular(uploads):
    counts = Counter(CATALOG[row["ProductCode"]] for row in uploads)
    assert counts.most_common(1)[0][0] == 0
    assert sum(n for i, n in counts.items() if i < 50) > len(uploads) / 2


# --- Clickstream ------------------------------------------------------------------


def test_clickstream_lines_are_json_with_every_key(clean, clicks):
    assert len(clicks) == EVENTS
    assert all(set(event) == CLICKSTREAM_KEYS for event in clicks)
    assert len({event["event_id"] for event in clicks}) == len(clicks)
    assert all(datetime.fromisoformat(event["occurred_at"]).tzinfo for event in clicks)
    assert {event["channel"] for event in clicks} <= {"web", "app", "email"}


def test_clickstream_funnel_narrows(clicks):
    counts = Counter(event["event_type"] for event in clicks)
    assert set(counts) == EVENT_TYPES
    assert (
        counts["impression"] > 3 * counts["click"]
        and counts["click"] > counts["add_to_cart"] > counts["purchase"]
    )


def test_clickstream_ids_join_to_uploads_catalog_and_offers(uploads, clicks):
    with OFFERS.open(newline="", encoding="utf-8") as handle:
        offer_ids = {row["offer_id"] for row in csv.DictReader(handle)}
    used_offers = {e["offer_id"] for e in clicks} - {None}
    assert used_offers and used_offers <= offer_ids
    customers = {e["customer_id"] for e in clicks}
    assert None in customers
    assert customers - {None} <= {row["CustomerID"] for row in uploads}
    assert {e["product_id"] for e in clicks} <= CATALOG.keys()
    anonymous = sum(e["customer_id"] is None for e in clicks) / len(clicks)
    assert 0.15 < anonymous < 0.45


# --- Dirty rows -------------------------------------------------------------------


def test_dirty_uploads_add_every_kind_of_malformed_row(dirty):
    rows = read_uploads(dirty)
    assert len(rows) == EVENTS + round(DIRTY * EVENTS)
    names = [row["EventName"] for row in rows]
    quantities = [row["Quantity"].strip() for row in rows]
    assert any(not row["CustomerID"].strip() for row in rows)
    assert any(
        not parses(row["Date"].strip(), lambda t: datetime.strptime(t, DATE_FORMAT))
        for row in rows
    )
    assert "CLICKED" in names
    assert any(not is_number(row["UnitPrice"]) for row in rows)
    prices = [row["UnitPrice"].replace(",", "") for row in rows]
    assert any(is_number(price) and float(price) < 0 for price in prices)
    assert any(not is_number(q) for q in quantities)
    assert any(is_number(q) and not float(q).is_integer() for q in quantities)
    assert any(is_number(q) and float(q) < 0 for q in quantities)


def test_dirty_uploads_add_duplicates_and_valid_odd_case_rows(dirty):
    rows = [row for row in read_uploads(dirty) if is_clean(row)]
    seen_raw, seen_key = set(), set()
    exact = near = odd_case = 0
    for row in rows:
        raw, key = tuple(row.values()), normalised(row)
        name = row["EventName"]
        if raw in seen_raw:
            exact += 1
        elif key in seen_key:
            near += 1
        elif name != name.strip().upper():
            odd_case += 1
            assert name.strip().upper() in EVENT_NAMES
        seen_raw.add(raw)
        seen_key.add(key)
    assert exact and near and odd_case
    assert any(r["CustomerID"] != r["CustomerID"].strip() for r in rows)


def test_dirty_clickstream_adds_every_kind_of_malformed_line(dirty):
    lines = read_clickstream(dirty)
    blank = [line for line in lines if not line.strip()]
    parsed, invalid = [], 0
    for line in lines:
        if line.strip():
            try:
                parsed.append(json.loads(line))
            except ValueError:
                invalid += 1
    assert blank and invalid
    assert len(lines) == EVENTS + round(DIRTY * EVENTS)
    for key in REQUIRED_KEYS:
        assert any(key not in event for event in parsed), key
    types = [event["event_type"] for event in parsed if "event_type" in event]
    assert any(t.lower() not in EVENT_TYPES for t in types)
    assert any(t != t.lower() and t.lower() in EVENT_TYPES for t in types)
    times = [event["occurred_at"] for event in parsed if "occurred_at" in event]
    assert any(not parses(t, datetime.fromisoformat) for t in times)
    redelivered = Counter(line for line in lines if line.strip())
    assert max(redelivered.values()) >= 2
    ids = Counter(event["event_id"] for event in parsed if "event_id" in event)
    assert max(ids.values()) >= 2
