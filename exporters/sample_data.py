"""Deterministic sample data: upload CSVs and clickstream NDJSON for the RFM project.

`rfm-sample-data --events N --out DIR` writes

- `DIR/uploads/events_0001.csv`, ...: exactly N rows (plus the --dirty rows) in the
  upload layout of the AWS RFM guidance, in event-time order, split into --files
  parts (default one per million rows);
- `DIR/clickstream/events_0001.jsonl`, ...: exactly --clickstream-events lines
  (default N; plus the --dirty lines), one JSON event per line, as a Firehose or
  Event Hubs capture lands them.

The simulation: a fixed catalog of 500 products (independent of --seed) with
Zipf-like popularity; events/20 customers (at least 50) with heavy-tailed
(Pareto) activity, first-seen dates spread over the window, churn for about half
of them, per-customer time zones and contact details, and about 20% who only
browse. Days follow a weekly rhythm and a November/December peak; hours follow
the customer's local day. Upload sessions are views, then for some an order in
progress (PROCESSED rows) and its basket (PURCHASED rows sharing one timestamp).
Clickstream sessions are impressions, some with offers from `--offers`, funnelling
into clicks, add-to-carts and purchases; about 30% of events are anonymous.

`--dirty F` adds about F x rows malformed rows of every kind the pipeline must
reject (see UPLOAD_DIRTY_KINDS and CLICKSTREAM_DIRTY_KINDS), each placed after its
source row, and rewrites a few clean rows in odd case, which stay valid.

Everything derives from --seed, so the same arguments give byte-identical files.
The work is vectorised with numpy and pyarrow (no Python loop per event or per
customer); each file is written to a hidden temporary name and then renamed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import csv
import dataclasses
import datetime as dt
import functools
import hashlib
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

UPLOAD_COLUMNS = (
    "EventName", "ProductCode", "ProductName", "ProductDescription", "UnitPrice",
    "Quantity", "CustomerID", "Username", "ChannelType", "Address", "City", "State",
    "Country", "Date",
)
UPLOAD_EVENTS = ("VIEWED", "PROCESSED", "PURCHASED")
VIEWED, PROCESSED, PURCHASED = range(3)
CLICKSTREAM_EVENTS = ("impression", "click", "add_to_cart", "purchase")
IMPRESSION, CLICK, ADD_TO_CART, PURCHASE = range(4)
CLICKSTREAM_CHANNELS = ("web", "app", "email")

DEFAULT_START = dt.date(2024, 11, 1)
DEFAULT_END = dt.date(2026, 10, 31)
DEFAULT_OFFERS = Path("seeds/offers.csv")
ROWS_PER_FILE = 1_000_000
CHUNK_ROWS = 500_000
DAY = 86_400
SESSION_MAX_SECONDS = 3_600

# The catalog is the same whatever --seed is.
CATALOG_SEED = 500
PRODUCT_COUNT = 500
ZIPF_EXPONENT = 1.1
PRODUCT_WORDS = (
    "Venus", "App", "Nova", "Orbit", "Pixel", "Cedar", "Harbor", "Summit", "Echo",
    "Atlas", "Willow", "Comet", "Ember", "Glacier", "Lumen", "Maple", "Quartz",
    "Rapid", "Solar", "Tidal", "Urban", "Vertex", "Zephyr", "Coral", "Juniper",
)
PRODUCT_NOUNS = (
    "Hub", "Door", "Lamp", "Kettle", "Speaker", "Backpack", "Jacket", "Mug",
    "Blender", "Chair", "Desk", "Watch", "Camera", "Drone", "Tent", "Bottle",
    "Headset", "Router", "Scooter", "Keyboard",
)
PRODUCT_PHRASES = (
    "for everyday use", "built to last", "in a compact size",
    "with a two-year warranty", "made from recycled materials", "for home and office",
    "in three colours", "with free returns",
)
PREMIUM_PRODUCTS = (4, 9, 27, 64, 125, 216, 343)
DISCOUNT_PERCENTS = (0, 5, 10, 15, 20, 25)
DISCOUNT_SHARE = 0.12
SEPARATOR_SHARE = 0.5

# Customers.
EVENTS_PER_CUSTOMER = 20
MIN_CUSTOMERS = 50
NUMERIC_ID_SHARE = 0.03
MIN_NUMERIC_IDS = 2
ACTIVITY_PARETO_SHAPE = 2.2
CHURN_SHARE = 0.55
MEAN_LIFETIME_DAYS = 150
BROWSE_ONLY_SHARE = 0.2
SMS_SHARE = 0.3
MOVED_SHARE = 0.05
FIRST_NAMES = (
    "ava", "liam", "mia", "noah", "aria", "leo", "isla", "arjun", "priya", "sofia",
    "mateo", "yuki", "hana", "oliver", "amelia", "kai", "zara", "ethan", "maya",
    "lucas", "nora", "ravi", "emma", "jack",
)
LAST_NAMES = (
    "smith", "patel", "nguyen", "brown", "wilson", "singh", "tanaka", "garcia",
    "taylor", "martin", "ngata", "kumar", "silva", "muller", "walker", "chen",
    "khan", "lee", "clarke", "rossi",
)
EMAIL_DOMAINS = ("example.com", "example.net", "example.org", "mail.example.com")
# Country (ISO alpha-3), state, city, UTC offset in minutes, mobile number prefix
# (E.164, with the country calling code), random digits after it, weight.
PLACES = (
    ("NZL", "AUK", "Auckland", 720, "+6421", 7, 10),
    ("NZL", "WGN", "Wellington", 720, "+6422", 7, 4),
    ("NZL", "CAN", "Christchurch", 720, "+6427", 7, 3),
    ("NZL", "CIT", "Waitangi", 765, "+6427", 7, 1),
    ("AUS", "NSW", "Sydney", 600, "+614", 8, 8),
    ("AUS", "VIC", "Melbourne", 600, "+614", 8, 7),
    ("AUS", "QLD", "Brisbane", 600, "+614", 8, 3),
    ("AUS", "SA", "Adelaide", 570, "+614", 8, 2),
    ("AUS", "WA", "Perth", 480, "+614", 8, 2),
    ("USA", "NY", "New York", -300, "+1212", 7, 6),
    ("USA", "IL", "Chicago", -360, "+1312", 7, 4),
    ("USA", "CO", "Denver", -420, "+1303", 7, 2),
    ("USA", "AZ", "Phoenix", -420, "+1602", 7, 2),
    ("USA", "CA", "Los Angeles", -480, "+1213", 7, 6),
    ("USA", "WA", "Seattle", -480, "+1206", 7, 3),
    ("GBR", "ENG", "London", 0, "+447", 9, 7),
    ("GBR", "ENG", "Manchester", 0, "+447", 9, 3),
    ("GBR", "SCT", "Edinburgh", 0, "+447", 9, 2),
    ("IND", "MH", "Mumbai", 330, "+919", 9, 4),
    ("IND", "KA", "Bengaluru", 330, "+919", 9, 4),
    ("IND", "DL", "Delhi", 330, "+919", 9, 3),
    ("CAN", "ON", "Toronto", -300, "+1416", 7, 3),
    ("CAN", "BC", "Vancouver", -480, "+1604", 7, 2),
    ("CAN", "NL", "St. John's", -210, "+1709", 7, 1),
    ("DEU", "BE", "Berlin", 60, "+49151", 8, 2),
    ("JPN", "13", "Tokyo", 540, "+8190", 8, 2),
    ("BRA", "SP", "Sao Paulo", -180, "+55119", 8, 2),
    ("NPL", "BA", "Kathmandu", 345, "+97798", 8, 1),
)

# Calendar: relative intensity by weekday (Monday first), by month, the late
# November rush, slow growth over the window, and by local hour of day.
WEEKDAY_FACTORS = np.array([0.92, 0.95, 1.0, 1.0, 1.05, 1.18, 1.2])
MONTH_FACTORS = np.array(
    [0.85, 0.9, 1.0, 1.0, 1.0, 0.95, 0.95, 1.0, 1.0, 1.05, 1.3, 1.45]
)
LATE_NOVEMBER_FACTOR = 1.35
GROWTH_OVER_WINDOW = 0.2
HOUR_WEIGHTS = np.array([
    0.15, 0.08, 0.05, 0.04, 0.05, 0.1, 0.25, 0.45, 0.6, 0.7, 0.75, 0.85,
    0.95, 0.9, 0.8, 0.75, 0.75, 0.8, 0.9, 1.0, 1.0, 0.9, 0.6, 0.3,
])
HOUR_RESAMPLE_ROUNDS = 30

# Upload sessions: views, then perhaps an order in progress and its purchase.
MEAN_VIEWS = 3.5
MAX_VIEWS = 12
VIEW_GAP_SECONDS = (5, 240)
STEP_GAP_SECONDS = (30, 300)
CHECKOUT_COMPLETION = 0.75
MEAN_BASKET = 1.8
MAX_BASKET = 6
QUANTITY_WEIGHTS = np.array([0.72, 0.14, 0.06, 0.03, 0.02, 0.01, 0.01, 0.01])
PURCHASE_PROPENSITY_BETA = (2.0, 5.0)
ROWS_PER_SESSION_GUESS = 4.0
BASKET_RESAMPLE_ROUNDS = 20
SEPARATE_ROUNDS = 20

# Clickstream sessions: a funnel from impressions down to purchases.
ANONYMOUS_SHARE = 0.3
KNOWN_CHANNEL_WEIGHTS = np.array([0.5, 0.35, 0.15])
ANONYMOUS_CHANNEL_WEIGHTS = np.array([0.7, 0.3, 0.0])
MEAN_IMPRESSIONS = 7.0
MAX_IMPRESSIONS = 40
IMPRESSION_GAP_SECONDS = (2, 40)
OFFER_SHARE = 0.25
OFFER_PRODUCT_SHARE = 0.75
# Funnel step probabilities: (plain, offer on another product, offer's product).
CLICK_RATES = (0.06, 0.09, 0.25)
CART_RATES = (0.2, 0.22, 0.3)
PURCHASE_RATES = (0.35, 0.38, 0.45)
FUNNEL_GAP_SECONDS = ((1, 20), (10, 180), (60, 900))
LINES_PER_SESSION_GUESS = 8.0

# Malformed rows, one kind after another, each a copy of a clean row broken one way.
UPLOAD_DIRTY_KINDS = (
    "missing_customer_id", "unparseable_date", "unknown_event_name",
    "invalid_unit_price", "negative_unit_price", "invalid_quantity",
    "fractional_quantity", "negative_quantity", "duplicate_row", "near_duplicate_row",
)
CLICKSTREAM_DIRTY_KINDS = (
    "invalid_json", "missing_event_id", "missing_event_type", "missing_occurred_at",
    "unknown_event_type", "unparseable_occurred_at", "redelivery", "blank_line",
)
DIRTY_MAX_LAG = 2_000
BAD_CUSTOMER_IDS = ("", "   ")
BAD_DATES = ("yesterday", "2022-13-45", "31/02/2025 10:00", "")
UNKNOWN_EVENT_NAMES = ("CLICKED", "ADDED_TO_CART", "REFUNDED")
BAD_UNIT_PRICES = ("abc", "N/A", "")
BAD_QUANTITIES = ("abc", "two", "")
FRACTIONAL_QUANTITIES = ("1.5", "2.25", "0.5")
NEGATIVE_QUANTITIES = ("-1", "-2", "-3")
UNKNOWN_EVENT_TYPES = ("hover", "scroll", "checkout_started")
BAD_TIMESTAMPS = ("yesterday", "2026-13-45T25:61:00", "not a time")
BAD_JSON_LINES = ('{"event_id": "', "not json", '{"event_type": "click",')
BLANK_LINES = ("", "   ")

QUANTITY_PIECES = pa.array([f"{q}," for q in range(len(QUANTITY_WEIGHTS) + 1)])
HEX_DIGITS = np.frombuffer(b"0123456789abcdef", np.uint8)
DAY_NAMES = np.frombuffer(b"MonTueWedThuFriSatSun", np.uint8).reshape(7, 3)
MONTH_NAMES = np.frombuffer(b"JanFebMarAprMayJunJulAugSepOctNovDec", np.uint8).reshape(
    12, 3
)


class UsageError(Exception):
    """A problem the user can fix; reported as one line."""


# --- Small vectorised text helpers ----------------------------------------------------


def text_array(values: Sequence[str]) -> pa.StringArray:
    return pa.array(list(values), pa.string())


def take(values: pa.Array, indices: np.ndarray) -> pa.Array:
    return pc.take(values, pa.array(np.ascontiguousarray(indices)))


def join(*pieces: pa.Array | str) -> pa.Array:
    """Concatenate string arrays (and literal strings) element by element."""
    return pc.binary_join_element_wise(*pieces, "")


def cycle(variants: Sequence[str], count: int, suffix: str = "") -> pa.Array:
    """`count` values going round `variants`, each followed by `suffix`."""
    values = text_array([variant + suffix for variant in variants])
    return take(values, np.arange(count) % len(variants))


def replace_where(values: pa.Array, mask: np.ndarray, new: pa.Array) -> pa.Array:
    """`values` with the rows in `mask` replaced, in order, by `new`."""
    if not mask.any():
        return values
    return pc.replace_with_mask(values, pa.array(mask), new.cast(values.type))


def matrix_strings(matrix: np.ndarray) -> pa.StringArray:
    """One ASCII string per row of a (rows, width) uint8 matrix."""
    rows, width = matrix.shape
    offsets = np.arange(rows + 1, dtype=np.int32) * np.int32(width)
    data = np.ascontiguousarray(matrix, dtype=np.uint8)
    return pa.StringArray.from_buffers(rows, pa.py_buffer(offsets), pa.py_buffer(data))


def compose(rows: int, *parts: bytes | np.ndarray) -> np.ndarray:
    """Parts side by side in one (rows, width) uint8 matrix: byte strings repeat on
    every row, matrices give each row its own bytes."""
    columns = [
        np.frombuffer(part, np.uint8) if isinstance(part, bytes) else part
        for part in parts
    ]
    widths = [column.shape[-1] for column in columns]
    out = np.empty((rows, sum(widths)), np.uint8)
    for column, stop, width in zip(columns, np.cumsum(widths), widths):
        out[:, stop - width:stop] = column
    return out


def digits(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal digits of non-negative integers, as a uint8 matrix."""
    values = np.asarray(values, np.int64)
    if width <= 4:
        return digit_table(width)[values % 10**width]
    powers = 10 ** np.arange(width - 1, -1, -1, dtype=np.int64)
    return (48 + values[:, None] // powers % 10).astype(np.uint8)


@functools.cache
def digit_table(width: int) -> np.ndarray:
    """Row n holds the `width` zero-padded digits of n."""
    return digits(np.arange(10**width), width + 5)[:, 5:]


def hex_matrix(raw: np.ndarray) -> np.ndarray:
    """Lowercase hex of each row of a (rows, bytes) uint8 matrix."""
    out = np.empty((raw.shape[0], 2 * raw.shape[1]), np.uint8)
    out[:, 0::2] = HEX_DIGITS[raw >> 4]
    out[:, 1::2] = HEX_DIGITS[raw & 15]
    return out


def uuid_matrix(raw: np.ndarray) -> np.ndarray:
    """8-4-4-4-12 hex of 16 random bytes per row."""
    hexed = hex_matrix(raw)
    return compose(
        len(raw), hexed[:, :8], b"-", hexed[:, 8:12], b"-", hexed[:, 12:16], b"-",
        hexed[:, 16:20], b"-", hexed[:, 20:],
    )


def civil_parts(seconds: np.ndarray) -> dict[str, np.ndarray]:
    """Calendar fields of epoch seconds (already shifted to local time)."""
    days = seconds // DAY
    in_day = seconds % DAY
    dates = days.astype("datetime64[D]")
    months = dates.astype("datetime64[M]")
    return {
        "year": months.astype(np.int64) // 12 + 1970,
        "month": months.astype(np.int64) % 12,
        "day": (dates - months.astype("datetime64[D]")).astype(np.int64) + 1,
        "weekday": (days + 3) % 7,
        "hour": in_day // 3600,
        "minute": in_day // 60 % 60,
        "second": in_day % 60,
    }


def rfc2822_matrix(utc_seconds: np.ndarray, offset_minutes: np.ndarray) -> np.ndarray:
    """`Mon, 19 Sep 2022 12:16:01 +0530` per row, English names in any locale."""
    part = civil_parts(utc_seconds + offset_minutes * 60)
    sign = np.where(offset_minutes < 0, ord("-"), ord("+")).astype(np.uint8)
    magnitude = np.abs(offset_minutes)
    return compose(
        len(utc_seconds), DAY_NAMES[part["weekday"]], b", ", digits(part["day"], 2),
        b" ", MONTH_NAMES[part["month"]], b" ", digits(part["year"], 4), b" ",
        digits(part["hour"], 2), b":", digits(part["minute"], 2), b":",
        digits(part["second"], 2), b" ", sign[:, None], digits(magnitude // 60, 2),
        digits(magnitude % 60, 2),
    )


def iso_local_matrix(local_seconds: np.ndarray) -> np.ndarray:
    """`2026-10-03T14:22:05` per row (the offset is written separately)."""
    part = civil_parts(local_seconds)
    return compose(
        len(local_seconds), digits(part["year"], 4), b"-",
        digits(part["month"] + 1, 2), b"-", digits(part["day"], 2), b"T",
        digits(part["hour"], 2), b":", digits(part["minute"], 2), b":",
        digits(part["second"], 2),
    )


def iso_offset(offset_minutes: int) -> str:
    if offset_minutes == 0:
        return "Z"
    sign = "-" if offset_minutes < 0 else "+"
    hours, minutes = divmod(abs(offset_minutes), 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def price_text(cents: int, with_separator: bool) -> str:
    dollars, rest = divmod(cents, 100)
    if with_separator:
        return f'"{dollars:,}.{rest:02d}"'
    return f"{dollars}.{rest:02d}"


# --- Time window ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Window:
    """UTC seconds [start, stop) and the cumulative daily intensity at day edges."""

    start: int
    stop: int
    cumulative: np.ndarray

    @property
    def edges(self) -> np.ndarray:
        return self.start + DAY * np.arange(len(self.cumulative), dtype=np.float64)

    def mass(self, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
        return np.interp(hi, self.edges, self.cumulative) - np.interp(
            lo, self.edges, self.cumulative
        )


def build_window(start: dt.date, end: dt.date) -> Window:
    """The window from `start` to `end` inclusive, with its seasonal intensity."""
    dates = np.arange(
        np.datetime64(start, "D"), np.datetime64(end, "D") + 1, dtype="datetime64[D]"
    )
    days = dates.astype(np.int64)
    month = dates.astype("datetime64[M]").astype(np.int64) % 12
    day_of_month = (dates - dates.astype("datetime64[M]")).astype(np.int64) + 1
    intensity = (
        WEEKDAY_FACTORS[(days + 3) % 7]
        * MONTH_FACTORS[month]
        * np.where((month == 10) & (day_of_month >= 20), LATE_NOVEMBER_FACTOR, 1.0)
        * (1 + GROWTH_OVER_WINDOW * np.arange(len(days)) / len(days))
    )
    return Window(
        start=int(days[0]) * DAY,
        stop=(int(days[-1]) + 1) * DAY,
        cumulative=np.concatenate([[0.0], np.cumsum(intensity)]),
    )


def uniform_by_intensity(
    rng: np.random.Generator, window: Window, lo: np.ndarray, hi: np.ndarray
) -> np.ndarray:
    """One time per row in [lo, hi], drawn by the window's daily intensity."""
    edges = window.edges
    low = np.interp(lo, edges, window.cumulative)
    high = np.interp(hi, edges, window.cumulative)
    target = low + rng.random(len(lo)) * (high - low)
    drawn = np.interp(target, window.cumulative, edges)
    return np.clip(drawn.astype(np.int64), lo, hi)


def sample_times(
    rng: np.random.Generator,
    window: Window,
    lo: np.ndarray,
    hi: np.ndarray,
    offset_minutes: np.ndarray,
) -> np.ndarray:
    """Times in [lo, hi]: days by intensity, hours by the local hour-of-day profile."""
    times = uniform_by_intensity(rng, window, lo, hi)
    accept = HOUR_WEIGHTS / HOUR_WEIGHTS.max()
    pending = np.arange(len(times))
    for _ in range(HOUR_RESAMPLE_ROUNDS):
        local_hour = (times[pending] + offset_minutes[pending] * 60) // 3600 % 24
        pending = pending[rng.random(len(pending)) >= accept[local_hour]]
        if not len(pending):
            break
        times[pending] = uniform_by_intensity(rng, window, lo[pending], hi[pending])
    return times


# --- Catalog, offers, customers -------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Catalog:
    """The products, with their CSV and JSON text ready to be taken by index."""

    codes: tuple[str, ...]
    base_cents: np.ndarray
    popularity: np.ndarray
    csv_block: pa.Array  # "ProductCode,ProductName,ProductDescription,"
    csv_prices: pa.Array  # "UnitPrice," by price_code()
    json_product: pa.Array  # '"product_id":"...",'

    def draw(self, rng: np.random.Generator, count: int) -> np.ndarray:
        return rng.choice(PRODUCT_COUNT, count, p=self.popularity).astype(np.int16)


def price_code(
    product: np.ndarray, level: np.ndarray, separator: np.ndarray
) -> np.ndarray:
    """Index into Catalog.csv_prices: product, discount level, thousands separator."""
    return (product.astype(np.int64) * len(DISCOUNT_PERCENTS) + level) * 2 + separator


def discounted_cents(base_cents: np.ndarray, level: np.ndarray) -> np.ndarray:
    return base_cents * (100 - np.asarray(DISCOUNT_PERCENTS)[level]) // 100


def build_catalog() -> Catalog:
    """The fixed product catalog: product i has code md5(f"product-{i}")."""
    rng = np.random.default_rng(CATALOG_SEED)
    codes = tuple(
        hashlib.md5(f"product-{i}".encode()).hexdigest() for i in range(PRODUCT_COUNT)
    )
    combos = rng.permutation(len(PRODUCT_WORDS) * len(PRODUCT_NOUNS))[:PRODUCT_COUNT]
    words = len(PRODUCT_WORDS)
    names = [f"{PRODUCT_WORDS[c % words]} {PRODUCT_NOUNS[c // words]}" for c in combos]
    phrases = rng.integers(0, len(PRODUCT_PHRASES), PRODUCT_COUNT)
    descriptions = [f"The {n} {PRODUCT_PHRASES[p]}" for n, p in zip(names, phrases)]
    cents = np.round(rng.lognormal(np.log(30), 0.9, PRODUCT_COUNT) * 100)
    cents = np.maximum(cents, 99).astype(np.int64)
    premium = list(PREMIUM_PRODUCTS)
    cents[premium] = rng.integers(100_000, 450_000, len(premium))
    weights = 1 / np.arange(1, PRODUCT_COUNT + 1) ** ZIPF_EXPONENT
    levels = np.arange(len(DISCOUNT_PERCENTS))
    prices = [
        price_text(int(c), bool(s) and c >= 100_000) + ","
        for base in cents
        for c in discounted_cents(np.full(len(levels), base), levels)
        for s in (0, 1)
    ]
    return Catalog(
        codes=codes,
        base_cents=cents,
        popularity=weights / weights.sum(),
        csv_block=text_array(
            [f"{c},{n},{d}," for c, n, d in zip(codes, names, descriptions)]
        ),
        csv_prices=text_array(prices),
        json_product=text_array([f'"product_id":"{c}",' for c in codes]),
    )


@dataclasses.dataclass(frozen=True)
class Offers:
    """The offers of the seed file, with their JSON text (the last one: no offer)."""

    json_offer: pa.Array  # '"offer_id":"...",' per offer, then '"offer_id":null,'
    product: np.ndarray  # catalog index, -1 when the product is not in the catalog
    first_day: np.ndarray  # epoch days, inclusive
    last_day: np.ndarray

    @property
    def count(self) -> int:
        return len(self.product)


def read_offers(path: Path, catalog: Catalog) -> Offers:
    """Offers from the seed file; none when it does not exist."""
    rows = []
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as handle:
            rows = list(csv.DictReader(handle))
    index = {code: i for i, code in enumerate(catalog.codes)}
    try:
        ids = [row["offer_id"].strip() for row in rows]
        product = [index.get(row["product_id"].strip(), -1) for row in rows]
        first = [dt.date.fromisoformat(row["starts_on"].strip()) for row in rows]
        last = [
            dt.date.fromisoformat(row["ends_on"].strip()) if row["ends_on"] else None
            for row in rows
        ]
    except (KeyError, ValueError, AttributeError) as error:
        raise UsageError(f"cannot read offers from {path}: {error!r}") from None
    epoch = dt.date(1970, 1, 1)
    return Offers(
        json_offer=text_array(
            [f'"offer_id":{json.dumps(i)},' for i in ids] + ['"offer_id":null,']
        ),
        product=np.array(product, np.int64),
        first_day=np.array([(d - epoch).days for d in first], np.int64),
        last_day=np.array(
            [(d - epoch).days if d else 10**9 for d in last], np.int64
        ),
    )


@dataclasses.dataclass(frozen=True)
class Customers:
    """Customer lifecycles and, ready to be taken by index, their text."""

    offset_minutes: np.ndarray
    first_seen: np.ndarray  # UTC seconds of the first session
    last_active: np.ndarray  # churn time, or the end of the window
    moved_at: np.ndarray  # when the address changes (int64 max: never)
    session_weight: np.ndarray  # share of sessions: activity x lifetime
    buy_propensity: np.ndarray  # chance a later session checks out; 0 browses only
    csv_id: pa.Array  # CustomerID
    csv_id_piece: pa.Array  # "CustomerID,"
    csv_contact: pa.Array  # "Username,...,Country," then the same after a move
    json_customer: pa.Array  # '+05:30","customer_id":"...",' then the anonymous one
    json_customer_no_time: pa.Array  # '"customer_id":"...",' then the anonymous one

    @property
    def count(self) -> int:
        return len(self.first_seen)


def customer_ids(rng: np.random.Generator, count: int) -> pa.Array:
    """32-char hex ids, a few percent numeric with leading zeros (e.g. 000123)."""
    numeric = np.zeros(count, bool)
    numeric_count = min(count, max(MIN_NUMERIC_IDS, round(count * NUMERIC_ID_SHARE)))
    numeric[rng.choice(count, numeric_count, replace=False)] = True
    width = max(6, len(str(numeric_count * 20)) + 1)
    numbers = rng.choice(10 ** (width - 1) - 1, numeric_count, replace=False) + 1
    raw = np.frombuffer(rng.bytes(16 * count), np.uint8).reshape(count, 16)
    hexed = matrix_strings(hex_matrix(raw[~numeric]))
    padded = matrix_strings(digits(numbers, width))
    position = np.where(
        numeric,
        (count - numeric_count) + np.cumsum(numeric) - 1,
        np.cumsum(~numeric) - 1,
    )
    return take(pa.concat_arrays([hexed, padded]), position)


def simulate_customers(
    rng: np.random.Generator, count: int, window: Window
) -> Customers:
    """Customers with lifecycles, activity, time zones and contact details."""
    place = rng.choice(len(PLACES), count, p=place_weights())
    offset = np.array([p[3] for p in PLACES], np.int64)[place]
    latest_start = window.stop - SESSION_MAX_SECONDS - 1
    first_seen = sample_times(
        rng, window, np.full(count, window.start), np.full(count, latest_start), offset
    )
    lifetime = DAY + rng.exponential(MEAN_LIFETIME_DAYS * DAY, count).astype(np.int64)
    churns = rng.random(count) < CHURN_SHARE
    last_active = np.where(
        churns, np.minimum(first_seen + lifetime, window.stop - 1), window.stop - 1
    )
    activity = rng.pareto(ACTIVITY_PARETO_SHAPE, count) + 1
    browses_only = rng.random(count) < BROWSE_ONLY_SHARE
    propensity = np.where(browses_only, 0.0, rng.beta(*PURCHASE_PROPENSITY_BETA, count))
    moves = rng.random(count) < MOVED_SHARE
    move_time = first_seen + (rng.random(count) * (last_active - first_seen)).astype(
        np.int64
    )
    ids = customer_ids(rng, count)
    contact = contact_blocks(rng, count, place)
    suffixes = text_array([iso_offset(p[3]) + '","customer_id":' for p in PLACES])
    quoted = join('"', ids, '",')
    return Customers(
        offset_minutes=offset,
        first_seen=first_seen,
        last_active=last_active,
        moved_at=np.where(moves, move_time, np.iinfo(np.int64).max),
        session_weight=activity * window.mass(first_seen, last_active),
        buy_propensity=propensity,
        csv_id=ids,
        csv_id_piece=join(ids, ","),
        csv_contact=contact,
        json_customer=pa.concat_arrays([
            join(take(suffixes, place), quoted), text_array(['Z","customer_id":null,'])
        ]),
        json_customer_no_time=pa.concat_arrays([
            join('"customer_id":', quoted), text_array(['"customer_id":null,'])
        ]),
    )


def place_weights() -> np.ndarray:
    weights = np.array([p[6] for p in PLACES], np.float64)
    return weights / weights.sum()


def contact_blocks(rng: np.random.Generator, count: int, place: np.ndarray) -> pa.Array:
    """'Username,ChannelType,Address,City,State,Country,' per customer, then the same
    after a move. EMAIL customers (about 70%) have an email address, SMS customers an
    E.164 mobile number; a move changes the address, not the channel."""
    first = take(text_array(FIRST_NAMES), rng.integers(0, len(FIRST_NAMES), count))
    last = take(text_array(LAST_NAMES), rng.integers(0, len(LAST_NAMES), count))
    number = pc.cast(pa.array(np.arange(1, count + 1)), pa.string())
    username = join(first, ".", last, number)
    is_sms = pa.array(rng.random(count) < SMS_SHARE)
    channel = pc.if_else(is_sms, "SMS", "EMAIL")
    domains = text_array(EMAIL_DOMAINS)
    domain = rng.integers(0, len(EMAIL_DOMAINS), count)
    widths = np.array([p[5] for p in PLACES], np.int64)[place]
    prefixes = take(text_array([p[4] for p in PLACES]), place)
    where = take(text_array([f"{p[2]},{p[1]},{p[0]}," for p in PLACES]), place)
    blocks = []
    for shift in (0, 1):
        new_domain = (domain + shift) % len(EMAIL_DOMAINS)
        email = join(username, "@", take(domains, new_domain))
        subscriber = rng.integers(10 ** (widths - 1), 10**widths)
        phone = join(prefixes, pc.cast(pa.array(subscriber), pa.string()))
        address = pc.if_else(is_sms, phone, email)
        blocks.append(join(username, ",", channel, ",", address, ",", where))
    return pa.concat_arrays(blocks)


# --- Upload events --------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Uploads:
    """Clean upload rows in event-time order."""

    at: np.ndarray  # UTC seconds
    customer: np.ndarray
    product: np.ndarray
    event: np.ndarray
    quantity: np.ndarray
    level: np.ndarray  # discount level, an index into DISCOUNT_PERCENTS
    separator: np.ndarray  # write the price with thousands separators

    def __len__(self) -> int:
        return len(self.at)


def upload_session_rows(
    rng: np.random.Generator,
    customers: Customers,
    catalog: Catalog,
    window: Window,
    session_customer: np.ndarray,
    is_first: np.ndarray,
) -> dict[str, np.ndarray]:
    """The rows of a batch of upload sessions, session after session.

    A session is a few VIEWED rows; a checkout adds one PROCESSED row per basket
    item, and a completed checkout the same items as PURCHASED rows sharing one
    timestamp (an order). A buyer's first session, at its first-seen time, always
    buys; browse-only customers never check out.
    """
    count = len(session_customer)
    propensity = customers.buy_propensity[session_customer]
    checkout = np.where(is_first, propensity > 0, rng.random(count) < propensity)
    completed = checkout & (is_first | (rng.random(count) < CHECKOUT_COMPLETION))
    views = np.minimum(rng.geometric(1 / MEAN_VIEWS, count), MAX_VIEWS)
    basket_size = np.minimum(rng.geometric(1 / MEAN_BASKET, count), MAX_BASKET)
    basket = np.where(checkout, basket_size, 0)
    start = customers.first_seen[session_customer].copy()
    later = np.flatnonzero(~is_first)
    who = session_customer[later]
    lo = start[later]
    hi = np.maximum(lo, customers.last_active[who] - SESSION_MAX_SECONDS)
    start[later] = sample_times(rng, window, lo, hi, customers.offset_minutes[who])

    per_session = views + basket * (1 + completed)
    session = np.repeat(np.arange(count), per_session)
    first_row = np.cumsum(per_session) - per_session
    position = np.arange(len(session)) - first_row[session]
    view_count = views[session]
    items = basket[session]
    event = (position >= view_count).astype(np.int8) + (position >= view_count + items)
    gap = np.where(
        position < view_count,
        rng.integers(VIEW_GAP_SECONDS[0], VIEW_GAP_SECONDS[1] + 1, len(session)),
        rng.integers(STEP_GAP_SECONDS[0], STEP_GAP_SECONDS[1] + 1, len(session))
        * ((position == view_count) | (position == view_count + items)),
    )
    gap[first_row] = 0
    elapsed = np.cumsum(gap)
    elapsed -= elapsed[first_row][session]

    product = catalog.draw(rng, len(session))
    processed = np.flatnonzero(event == PROCESSED)
    product[processed] = distinct_in_groups(
        rng, catalog, session[processed], product[processed]
    )
    quantity = np.ones(len(session), np.int8)
    quantity[processed] = 1 + rng.choice(len(QUANTITY_WEIGHTS), len(processed), p=(
        QUANTITY_WEIGHTS / QUANTITY_WEIGHTS.sum()
    ))
    level = np.zeros(len(session), np.int8)
    discounted = rng.random(len(processed)) < DISCOUNT_SHARE
    level[processed] = np.where(
        discounted, rng.integers(1, len(DISCOUNT_PERCENTS), len(processed)), 0
    )
    purchased = np.flatnonzero(event == PURCHASED)
    twin = purchased - items[purchased]
    for column in (product, quantity, level):
        column[purchased] = column[twin]
    return {
        "at": start[session] + elapsed,
        "customer": session_customer[session].astype(np.int32),
        "product": product,
        "event": event.astype(np.int8),
        "quantity": quantity,
        "level": level,
    }


def distinct_in_groups(
    rng: np.random.Generator, catalog: Catalog, group: np.ndarray, product: np.ndarray
) -> np.ndarray:
    """Redraw products until no group (a basket) holds the same product twice."""
    product = product.copy()
    for _ in range(BASKET_RESAMPLE_ROUNDS):
        order = np.lexsort((product, group))
        same = (group[order][1:] == group[order][:-1]) & (
            product[order][1:] == product[order][:-1]
        )
        clash = order[1:][same]
        if not len(clash):
            break
        product[clash] = catalog.draw(rng, len(clash))
    return product


def separate_identical_rows(rows: dict[str, np.ndarray], stop: int) -> np.ndarray:
    """Event times, nudged by a second where two rows of one customer would share
    event, product and time (which the pipeline would count as a duplicate)."""
    at = rows["at"].copy()
    identity = (
        (rows["customer"].astype(np.uint64) << np.uint64(11))
        | (rows["product"].astype(np.uint64) << np.uint64(2))
        | rows["event"].astype(np.uint64)
    )
    for _ in range(SEPARATE_ROUNDS):
        key = at.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15) ^ identity
        ordered = np.sort(key)
        if not (ordered[1:] == ordered[:-1]).any():
            break
        order = np.argsort(key, kind="stable")
        clash = order[1:][key[order][1:] == key[order][:-1]]
        at[clash] = np.where(at[clash] + 1 < stop, at[clash] + 1, at[clash] - 1)
    return at


def simulate_uploads(
    rng: np.random.Generator,
    customers: Customers,
    catalog: Catalog,
    window: Window,
    events: int,
) -> Uploads:
    """Exactly `events` clean upload rows: every customer's first session, then
    sessions drawn by activity and lifetime until there are enough rows."""
    weights = customers.session_weight / customers.session_weight.sum()
    everyone = np.arange(customers.count)
    batches = [upload_session_rows(
        rng, customers, catalog, window, everyone, np.ones(customers.count, bool)
    )]
    total = len(batches[0]["at"])
    while total < events:
        sessions = int((events - total) / ROWS_PER_SESSION_GUESS * 1.1) + 64
        who = rng.choice(customers.count, sessions, p=weights)
        batch = upload_session_rows(
            rng, customers, catalog, window, who, np.zeros(sessions, bool)
        )
        batches.append(batch)
        total += len(batch["at"])
    rows = {
        key: np.concatenate([batch[key] for batch in batches])[:events]
        for key in batches[0]
    }
    del batches
    rows["at"] = separate_identical_rows(rows, window.stop)
    order = np.argsort(rows["at"], kind="stable")
    rows = {key: values[order] for key, values in rows.items()}
    cents = discounted_cents(catalog.base_cents[rows["product"]], rows["level"])
    separator = (cents >= 100_000) & (rng.random(events) < SEPARATOR_SHARE)
    return Uploads(**rows, separator=separator)


# --- Clickstream events ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Clickstream:
    """Clean clickstream events in event-time order."""

    at: np.ndarray
    customer: np.ndarray  # -1: anonymous
    session_key: np.ndarray  # random 64 bits per session
    product: np.ndarray
    offer: np.ndarray  # -1: no offer
    event: np.ndarray
    channel: np.ndarray
    event_id: np.ndarray  # (events, 16) random bytes

    def __len__(self) -> int:
        return len(self.at)


def funnel_rows(
    rng: np.random.Generator,
    customers: Customers,
    catalog: Catalog,
    offers: Offers,
    window: Window,
    weights: np.ndarray,
    sessions: int,
) -> dict[str, np.ndarray]:
    """The events of a batch of clickstream sessions, with a `session` column.

    Impressions (some of an offer, mostly on the offer's product) funnel into
    clicks, add-to-carts and purchases, each a little after the step before.
    """
    anonymous = rng.random(sessions) < ANONYMOUS_SHARE
    customer = np.where(anonymous, -1, rng.choice(customers.count, sessions, p=weights))
    known = np.maximum(customer, 0)
    offset = np.where(anonymous, 0, customers.offset_minutes[known])
    latest = window.stop - SESSION_MAX_SECONDS - 1
    lo = np.where(anonymous, window.start, customers.first_seen[known])
    hi = np.where(anonymous, latest, customers.last_active[known] - SESSION_MAX_SECONDS)
    start = sample_times(rng, window, lo, np.maximum(lo, hi), offset)
    channel = np.where(
        anonymous,
        rng.choice(3, sessions, p=ANONYMOUS_CHANNEL_WEIGHTS),
        rng.choice(3, sessions, p=KNOWN_CHANNEL_WEIGHTS),
    )
    session_key = np.frombuffer(rng.bytes(8 * sessions), np.uint64)
    impressions = np.minimum(
        rng.geometric(1 / MEAN_IMPRESSIONS, sessions), MAX_IMPRESSIONS
    )

    session = np.repeat(np.arange(sessions), impressions)
    first_row = np.cumsum(impressions) - impressions
    low, high = IMPRESSION_GAP_SECONDS
    gap = rng.integers(low, high + 1, len(session))
    gap[first_row] = 0
    elapsed = np.cumsum(gap)
    elapsed -= elapsed[first_row][session]
    at = start[session] + elapsed
    product = catalog.draw(rng, len(session))
    offer = np.full(len(session), -1, np.int16)
    tier = np.zeros(len(session), np.int8)
    if offers.count:
        pick = rng.integers(0, offers.count, len(session))
        day = at // DAY
        live = (
            (rng.random(len(session)) < OFFER_SHARE)
            & (offers.first_day[pick] <= day)
            & (day <= offers.last_day[pick])
        )
        on_product = (
            live
            & (offers.product[pick] >= 0)
            & (rng.random(len(session)) < OFFER_PRODUCT_SHARE)
        )
        offer[live] = pick[live]
        product[on_product] = offers.product[pick[on_product]]
        tier = live.astype(np.int8) + on_product

    steps = [{"row": np.arange(len(session)), "at": at, "event": IMPRESSION}]
    for event, rates, (low, high) in zip(
        (CLICK, ADD_TO_CART, PURCHASE),
        (CLICK_RATES, CART_RATES, PURCHASE_RATES),
        FUNNEL_GAP_SECONDS,
    ):
        parent = steps[-1]
        go = rng.random(len(parent["row"])) < np.asarray(rates)[tier[parent["row"]]]
        steps.append({
            "row": parent["row"][go],
            "at": parent["at"][go] + rng.integers(low, high + 1, int(go.sum())),
            "event": event,
        })
    row = np.concatenate([step["row"] for step in steps])
    row_session = session[row]
    return {
        "session": row_session,
        "at": np.concatenate([step["at"] for step in steps]),
        "customer": customer[row_session].astype(np.int32),
        "session_key": session_key[row_session],
        "product": product[row],
        "offer": offer[row],
        "event": np.concatenate(
            [np.full(len(step["row"]), step["event"], np.int8) for step in steps]
        ),
        "channel": channel[row_session].astype(np.int8),
    }


def keep_first_lines(rows: dict[str, np.ndarray], lines: int) -> dict[str, np.ndarray]:
    """The first `lines` events, session after session; the last session kept cut
    short keeps its earliest events, so no step is kept without the one before."""
    per_session = np.bincount(rows["session"])
    complete = int(np.searchsorted(np.cumsum(per_session), lines, side="right"))
    keep = rows["session"] < complete
    remaining = lines - int(keep.sum())
    if remaining:
        partial = np.flatnonzero(rows["session"] == complete)
        keep[partial[np.argsort(rows["at"][partial], kind="stable")[:remaining]]] = True
    return {key: values[keep] for key, values in rows.items()}


def simulate_clickstream(
    rng: np.random.Generator,
    customers: Customers,
    present: np.ndarray,
    catalog: Catalog,
    offers: Offers,
    window: Window,
    lines: int,
) -> Clickstream:
    """Exactly `lines` clean clickstream events; known visitors are customers that
    appear in the uploads (`present`)."""
    weights = customers.session_weight * present
    weights /= weights.sum()
    batches = []
    total = 0
    while total < lines:
        sessions = int((lines - total) / LINES_PER_SESSION_GUESS * 1.1) + 16
        batch = funnel_rows(rng, customers, catalog, offers, window, weights, sessions)
        if total + len(batch["at"]) > lines:
            batch = keep_first_lines(batch, lines - total)
        batches.append(batch)
        total += len(batch["at"])
    rows = {key: np.concatenate([b[key] for b in batches]) for key in batches[0]}
    del batches, rows["session"]
    order = np.argsort(rows["at"], kind="stable")
    rows = {key: values[order] for key, values in rows.items()}
    event_id = np.frombuffer(rng.bytes(16 * lines), np.uint8).reshape(lines, 16)
    return Clickstream(**rows, event_id=event_id)


# --- Dirty rows -----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Plan:
    """The output order: per output row, the clean row it copies and how it is
    broken (0: not at all; k: the k-th dirty kind), and its number among the
    dirty rows (-1 for clean rows). `odd_case` marks clean rows written in odd
    case, which stay valid."""

    source: np.ndarray
    kind: np.ndarray
    ordinal: np.ndarray
    odd_case: np.ndarray

    @property
    def dirty_count(self) -> int:
        return int((self.kind > 0).sum())


def plan_rows(
    rng: np.random.Generator, clean: int, kinds: int, fraction: float
) -> Plan:
    """Clean rows in order, with about `fraction` x clean dirty copies, every kind
    at least once, each placed after the row it copies."""
    if fraction <= 0 or clean == 0:
        empty = np.zeros(clean, np.int8)
        return Plan(np.arange(clean), empty, np.full(clean, -1), empty.astype(bool))
    count = max(kinds, round(fraction * clean))
    kind = (np.arange(count) % kinds + 1).astype(np.int8)
    source = rng.integers(0, clean, count)
    after = np.minimum(source + rng.integers(0, DIRTY_MAX_LAG, count), clean - 1)
    order = np.argsort(
        np.concatenate([2 * np.arange(clean), 2 * after + 1]), kind="stable"
    )
    odd_case = np.zeros(clean, bool)
    odd_case[rng.integers(0, clean, max(1, round(fraction * clean / kinds)))] = True
    return Plan(
        source=np.concatenate([np.arange(clean), source])[order],
        kind=np.concatenate([np.zeros(clean, np.int8), kind])[order],
        ordinal=np.concatenate([np.full(clean, -1), np.arange(count)])[order],
        odd_case=odd_case,
    )


def kind_code(kinds: Sequence[str], name: str) -> int:
    return kinds.index(name) + 1


# --- Formatting -----------------------------------------------------------------------


def event_name_pieces() -> pa.Array:
    """'VIEWED,' ... then odd-case, padded variants of each (still valid)."""
    variants = (
        lambda name: name,
        lambda name: f" {name.lower()} ",
        lambda name: name.title(),
        lambda name: f"{name.lower()}  ",
    )
    return text_array([v(name) + "," for v in variants for name in UPLOAD_EVENTS])


def event_type_pieces() -> pa.Array:
    """'"event_type":"impression",' ... then upper- and title-case variants."""
    variants = (str, str.upper, str.title)
    return text_array(
        [f'"event_type":"{v(name)}",' for v in variants for name in CLICKSTREAM_EVENTS]
    )


def upload_lines(
    uploads: Uploads,
    customers: Customers,
    catalog: Catalog,
    plan: Plan,
    lo: int,
    hi: int,
) -> pa.Array:
    """CSV lines for output rows lo..hi of the plan."""
    source = plan.source[lo:hi]
    kind = plan.kind[lo:hi]
    rows = len(source)
    customer = uploads.customer[source]
    at = uploads.at[source]
    event = uploads.event[source]
    product = uploads.product[source]
    variant = np.where(plan.odd_case[source], 1 + source % 3, 0)
    names = event_name_pieces()
    pieces = {
        "event": take(names, event + len(UPLOAD_EVENTS) * variant),
        "product": take(catalog.csv_block, product),
        "price": take(catalog.csv_prices, price_code(
            product, uploads.level[source], uploads.separator[source]
        )),
        "quantity": take(QUANTITY_PIECES, uploads.quantity[source]),
        "customer_id": take(customers.csv_id_piece, customer),
        "contact": take(customers.csv_contact, np.where(
            at >= customers.moved_at[customer], customer + customers.count, customer
        )),
        "date": matrix_strings(compose(
            rows, b'"', rfc2822_matrix(at, customers.offset_minutes[customer]), b'"\n'
        )),
    }
    break_upload_rows(
        pieces, kind, plan.ordinal[lo:hi], uploads, catalog, customers, source
    )
    return join(*pieces.values())


def break_upload_rows(
    pieces: dict[str, pa.Array],
    kind: np.ndarray,
    ordinal: np.ndarray,
    uploads: Uploads,
    catalog: Catalog,
    customers: Customers,
    source: np.ndarray,
) -> None:
    """Rewrite the pieces of dirty rows, one kind after another (in place)."""
    def mask(name: str) -> np.ndarray:
        return kind == kind_code(UPLOAD_DIRTY_KINDS, name)

    def patch(piece: str, where: np.ndarray, values: pa.Array) -> None:
        pieces[piece] = replace_where(pieces[piece], where, values)

    def count(where: np.ndarray) -> int:
        return int(where.sum())

    where = mask("missing_customer_id")
    patch("customer_id", where, cycle(BAD_CUSTOMER_IDS, count(where), ","))
    where = mask("unparseable_date")
    patch("date", where, cycle([f'"{d}"' for d in BAD_DATES], count(where), "\n"))
    where = mask("unknown_event_name")
    patch("event", where, cycle(UNKNOWN_EVENT_NAMES, count(where), ","))
    where = mask("invalid_unit_price")
    patch("price", where, cycle(BAD_UNIT_PRICES, count(where), ","))
    where = mask("negative_unit_price")
    rows = source[where]
    plain = take(catalog.csv_prices, price_code(
        uploads.product[rows], uploads.level[rows], np.zeros(len(rows), np.int64)
    ))
    patch("price", where, join("-", plain))
    for name, variants in (
        ("invalid_quantity", BAD_QUANTITIES),
        ("fractional_quantity", FRACTIONAL_QUANTITIES),
        ("negative_quantity", NEGATIVE_QUANTITIES),
    ):
        where = mask(name)
        patch("quantity", where, cycle(variants, count(where), ","))
    near = mask("near_duplicate_row")
    padded = near & (ordinal // len(UPLOAD_DIRTY_KINDS) % 2 == 0)
    ids = take(customers.csv_id, uploads.customer[source[padded]])
    patch("customer_id", padded, join(" ", ids, " ,"))
    lowered = near & ~padded
    lower_names = text_array([name.lower() + "," for name in UPLOAD_EVENTS])
    patch("event", lowered, take(lower_names, uploads.event[source[lowered]]))


def clickstream_lines(
    clicks: Clickstream,
    customers: Customers,
    catalog: Catalog,
    offers: Offers,
    plan: Plan,
    fresh_ids: np.ndarray,
    lo: int,
    hi: int,
) -> pa.Array:
    """NDJSON lines (each ending in a newline) for output rows lo..hi of the plan."""
    source = plan.source[lo:hi]
    kind = plan.kind[lo:hi]
    ordinal = plan.ordinal[lo:hi]
    rows = len(source)
    customer = clicks.customer[source]
    known = customer >= 0
    offset = np.where(known, customers.offset_minutes[np.maximum(customer, 0)], 0)
    redelivery = kind_code(CLICKSTREAM_DIRTY_KINDS, "redelivery")
    fresh = (kind > 0) & (kind != redelivery)
    raw_id = clicks.event_id[source]
    raw_id[fresh] = fresh_ids[ordinal[fresh]]
    session_bytes = (
        clicks.session_key[source].astype(">u8").view(np.uint8).reshape(rows, 8)
    )
    customer_index = np.where(known, customer, customers.count)
    variant = np.where(plan.odd_case[source], 1 + source % 2, 0)
    offer = clicks.offer[source].astype(np.int64)
    pieces = {
        "event_id": matrix_strings(compose(
            rows, b'{"event_id":"', uuid_matrix(raw_id), b'",'
        )),
        "occurred_at": matrix_strings(compose(
            rows, b'"occurred_at":"', iso_local_matrix(clicks.at[source] + offset * 60)
        )),
        "customer": take(customers.json_customer, customer_index),
        "event_type": take(
            event_type_pieces(),
            clicks.event[source] + len(CLICKSTREAM_EVENTS) * variant,
        ),
        "session_id": matrix_strings(compose(
            rows, b'"session_id":"', hex_matrix(session_bytes), b'",'
        )),
        "product": take(catalog.json_product, clicks.product[source]),
        "offer": take(offers.json_offer, np.where(offer >= 0, offer, offers.count)),
        "channel": take(
            text_array([f'"channel":"{c}"}}\n' for c in CLICKSTREAM_CHANNELS]),
            clicks.channel[source],
        ),
    }

    def mask(name: str) -> np.ndarray:
        return kind == kind_code(CLICKSTREAM_DIRTY_KINDS, name)

    def patch(piece: str, where: np.ndarray, values: pa.Array) -> None:
        pieces[piece] = replace_where(pieces[piece], where, values)

    where = mask("missing_event_id")
    patch("event_id", where, cycle(["{"], int(where.sum())))
    where = mask("missing_event_type")
    patch("event_type", where, cycle([""], int(where.sum())))
    where = mask("missing_occurred_at")
    patch("occurred_at", where, cycle([""], int(where.sum())))
    no_time = take(customers.json_customer_no_time, customer_index[where])
    patch("customer", where, no_time)
    where = mask("unknown_event_type")
    unknown = [f'"event_type":"{t}",' for t in UNKNOWN_EVENT_TYPES]
    patch("event_type", where, cycle(unknown, int(where.sum())))
    where = mask("unparseable_occurred_at")
    bad_times = [f'"occurred_at":"{t}' for t in BAD_TIMESTAMPS]
    patch("occurred_at", where, cycle(bad_times, int(where.sum())))

    lines = join(*pieces.values())
    where = mask("invalid_json")
    chosen = lines.filter(pa.array(where))
    truncated = join(pc.utf8_slice_codeunits(chosen, 0, -2), "\n")
    garbage = cycle(BAD_JSON_LINES, int(where.sum()), "\n")
    every_fourth = pa.array(np.arange(int(where.sum())) % 4 == 0)
    lines = replace_where(lines, where, pc.if_else(every_fourth, truncated, garbage))
    where = mask("blank_line")
    return replace_where(lines, where, cycle(BLANK_LINES, int(where.sum()), "\n"))


# --- Files ----------------------------------------------------------------------------


def write_strings(handle: BinaryIO, values: pa.Array) -> None:
    """Write the concatenated bytes of a string array."""
    offsets = np.frombuffer(
        values.buffers()[1], np.int32, count=len(values) + 1, offset=4 * values.offset
    )
    handle.write(memoryview(values.buffers()[2])[offsets[0]:offsets[-1]])


def write_parts(
    folder: Path,
    suffix: str,
    header: bytes,
    rows: int,
    parts: int,
    lines: Callable[[int, int], pa.Array],
) -> list[Path]:
    """Write output rows 0..rows into `parts` files events_0001{suffix}, ...

    Each file is written under a hidden temporary name and renamed when complete;
    files of an earlier run with this generator's names are removed.
    """
    folder.mkdir(parents=True, exist_ok=True)
    bounds = np.linspace(0, rows, parts + 1).astype(np.int64)
    paths = []
    # One writer thread: the next chunk is formatted while the last one is written.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as writer:
        for part in range(parts):
            path = folder / f"events_{part + 1:04d}{suffix}"
            temporary = folder / f".{path.name}.{os.getpid()}.tmp"
            try:
                with temporary.open("wb") as handle:
                    written = writer.submit(handle.write, header)
                    try:
                        for lo in range(bounds[part], bounds[part + 1], CHUNK_ROWS):
                            hi = min(lo + CHUNK_ROWS, bounds[part + 1])
                            chunk = lines(int(lo), int(hi))
                            written.result()
                            written = writer.submit(write_strings, handle, chunk)
                    finally:
                        written.result()
                os.replace(temporary, path)
            finally:
                temporary.unlink(missing_ok=True)
            paths.append(path)
    for stale in folder.glob(f"events_[0-9][0-9][0-9][0-9]{suffix}"):
        if stale not in paths:
            stale.unlink()
    return paths


def default_parts(rows: int) -> int:
    return max(1, math.ceil(rows / ROWS_PER_FILE))


def generate(args: argparse.Namespace) -> str:
    """Simulate, write every file, and return the one-line summary."""
    seeds = np.random.SeedSequence(args.seed).spawn(5)
    streams = [np.random.default_rng(seed) for seed in seeds]
    people, shopping, upload_dirt, browsing, click_dirt = streams
    window = build_window(args.start, args.end)
    catalog = build_catalog()
    offers = read_offers(args.offers, catalog)
    customers = simulate_customers(
        people, max(MIN_CUSTOMERS, args.events // EVENTS_PER_CUSTOMER), window
    )
    uploads = simulate_uploads(shopping, customers, catalog, window, args.events)
    present = np.bincount(uploads.customer, minlength=customers.count) > 0
    plan = plan_rows(upload_dirt, len(uploads), len(UPLOAD_DIRTY_KINDS), args.dirty)
    upload_files = write_parts(
        args.out / "uploads",
        ".csv",
        (",".join(UPLOAD_COLUMNS) + "\n").encode(),
        len(plan.source),
        args.files or default_parts(len(plan.source)),
        lambda lo, hi: upload_lines(uploads, customers, catalog, plan, lo, hi),
    )
    summary = (
        f"wrote {len(upload_files)} upload files ({len(plan.source):,} rows,"
        f" {plan.dirty_count:,} dirty, {int(present.sum()):,} customers)"
    )
    del uploads

    lines = args.clickstream_events
    clicks = None if not lines else simulate_clickstream(
        browsing, customers, present, catalog, offers, window, lines
    )
    click_plan = plan_rows(click_dirt, lines, len(CLICKSTREAM_DIRTY_KINDS), args.dirty)
    fresh_ids = np.frombuffer(
        click_dirt.bytes(16 * click_plan.dirty_count), np.uint8
    ).reshape(-1, 16)
    parts = (args.files or default_parts(len(click_plan.source))) if lines else 0
    click_files = write_parts(
        args.out / "clickstream",
        ".jsonl",
        b"",
        len(click_plan.source),
        parts,
        lambda lo, hi: clickstream_lines(
            clicks, customers, catalog, offers, click_plan, fresh_ids, lo, hi
        ),
    )
    return (
        f"{summary} and {len(click_files)} clickstream files"
        f" ({len(click_plan.source):,} lines, {click_plan.dirty_count:,} dirty)"
        f" to {args.out}"
    )


# --- Command line ---------------------------------------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="rfm-sample-data",
        description="Write deterministic sample upload CSVs and clickstream NDJSON.",
    )
    parser.add_argument("--events", type=int, required=True,
                        help="upload rows before dirty rows (exact)")
    parser.add_argument("--out", type=Path, required=True,
                        help="output folder; writes uploads/ and clickstream/")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--dirty", type=float, default=0.0,
                        help="share of malformed rows to add (default 0)")
    parser.add_argument("--files", type=int,
                        help="files per output (default: one per million rows)")
    parser.add_argument("--clickstream-events", type=int,
                        help="clickstream lines before dirty lines (default --events;"
                        " 0 writes none)")
    parser.add_argument("--start", type=dt.date.fromisoformat, default=DEFAULT_START,
                        help="first day, UTC (default %(default)s)")
    parser.add_argument("--end", type=dt.date.fromisoformat, default=DEFAULT_END,
                        help="last day, UTC, inclusive (default %(default)s)")
    parser.add_argument("--offers", type=Path, default=DEFAULT_OFFERS,
                        help="offers seed file; no offers when missing"
                        " (default %(default)s)")
    args = parser.parse_args(argv)
    if args.clickstream_events is None:
        args.clickstream_events = args.events
    if args.events < 1:
        parser.error("--events must be at least 1")
    if args.clickstream_events < 0:
        parser.error("--clickstream-events must not be negative")
    if args.seed < 0:
        parser.error("--seed must not be negative")
    if not 0 <= args.dirty <= 0.5:
        parser.error("--dirty must be between 0 and 0.5")
    if args.files is not None and args.files < 1:
        parser.error("--files must be at least 1")
    if args.end < args.start:
        parser.error("--end must not be before --start")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        print(generate(args))
    except (UsageError, OSError) as error:
        print(f"rfm-sample-data: error: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
