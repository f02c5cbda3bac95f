"""Writing export files: atomically (temp file + rename), UTF-8, no BOM.

Files that hold contact addresses are created owner-only (0600) from the
start, never widened afterwards.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

PRIVATE = 0o600
SHARED = 0o644


def atomic_write(path: Path, chunks: Iterable[str], *, private: bool) -> None:
    """Write `chunks` to `path` via a temp file in the same directory."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(descriptor, PRIVATE if private else SHARED)
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as handle:
            for chunk in chunks:
                handle.write(chunk)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise


def csv_chunks(
    header: Sequence[str], rows: Iterable[Sequence[Any]], counter: list[int]
) -> Iterable[str]:
    """CSV text (minimal quoting, \\n line ends) in chunks; counts data rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for number, row in enumerate(rows, start=1):
        writer.writerow(row)
        counter[0] = number
        if number % 1000 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]], *, private: bool
) -> int:
    """Write a CSV with a header row; return the number of data rows."""
    counter = [0]
    atomic_write(path, csv_chunks(header, rows, counter), private=private)
    return counter[0]


def write_jsonl(path: Path, records: Iterable[dict[str, Any]], *, private: bool) -> int:
    """One JSON object per line; return the number of lines."""
    counter = [0]

    def chunks() -> Iterable[str]:
        for number, record in enumerate(records, start=1):
            counter[0] = number
            yield json.dumps(record, ensure_ascii=False, default=str) + "\n"

    atomic_write(path, chunks(), private=private)
    return counter[0]


def write_json(path: Path, value: Any, *, private: bool = False) -> None:
    atomic_write(
        path,
        [json.dumps(value, indent=2, ensure_ascii=False, default=str) + "\n"],
        private=private,
    )
