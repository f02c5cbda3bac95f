"""A small, deterministic upload file in the AWS RFM guidance layout.

The exporter's end-to-end test builds the dbt project on it. It is written here
rather than taken from `rfm-sample-data` so the exporter tests do not depend on
the generator's defaults, and it carries the contact cases the export marts must
handle: SMS numbers with spaces and dashes, one that cannot be made E.164, and a
malformed email address.
"""

from __future__ import annotations

import csv
import random
from datetime import datetime, timedelta, timezone
from pathlib import Path

HEADER = [
    "EventName", "ProductCode", "ProductName", "ProductDescription", "UnitPrice",
    "Quantity", "CustomerID", "Username", "ChannelType", "Address", "City", "State",
    "Country", "Date",
]
COUNTRIES = [("NZL", "Auckland", "AUK"), ("AUS", "Sydney", "NSW"),
             ("USA", "Seattle", "WA"), ("GBR", "London", "LND")]
ZONES = [timezone(timedelta(hours=5, minutes=30)), timezone.utc,
         timezone(timedelta(hours=-7)), timezone(timedelta(hours=12))]


def contact(customer: int) -> tuple[str, str]:
    """The channel and address a customer signs up with."""
    if customer == 7:
        return "SMS", "021 555 0107"  # no country code: cannot be made E.164
    if customer == 8:
        return "EMAIL", "not-an-email"
    if customer % 3 == 0:
        return "SMS", f"+64 21-555-{customer:04d}"
    return "EMAIL", f"user{customer}@example.com"


def write_uploads(directory: Path, customers: int = 60, events: int = 1500,
                  seed: int = 7) -> Path:
    """Write `events` rows for `customers` customers to directory/uploads.csv."""
    rng = random.Random(seed)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "uploads.csv"
    products = [(f"P{n:03d}", f"Product {n}", f"Description of product {n}",
                 round(rng.uniform(3, 400), 2)) for n in range(1, 26)]
    start = datetime(2023, 1, 1, tzinfo=timezone.utc)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for _ in range(events):
            customer = rng.randint(1, customers)
            code, name, description, price = rng.choice(products)
            event = rng.choices(["VIEWED", "PROCESSED", "PURCHASED"], [6, 2, 2])[0]
            channel, address = contact(customer)
            country, city, state = COUNTRIES[customer % len(COUNTRIES)]
            at = start + timedelta(seconds=rng.randint(0, 540 * 86400))
            local = at.astimezone(ZONES[customer % len(ZONES)])
            writer.writerow([
                event, code, name, description, f"{price:.2f}", rng.randint(1, 3),
                f"C{customer:05d}", f"user{customer}", channel, address, city, state,
                country, local.strftime("%a, %d %b %Y %H:%M:%S %z"),
            ])
    return path


if __name__ == "__main__":
    import sys

    print(write_uploads(Path(sys.argv[1])))
