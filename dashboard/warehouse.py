"""Brief, read-only access to the DuckDB warehouse.

DuckDB lets one process write a database file or many processes read it, never
both. `dbt build` is the writer, so every read here opens the file read-only, runs
one query and closes it again: the dashboard holds no connection between queries
and a build only conflicts with it for the milliseconds a query runs.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

PATH_VARIABLE = "RFM_DUCKDB_PATH"
DEFAULT_PATH = "warehouse/rfm.duckdb"


class WarehouseError(Exception):
    """The warehouse cannot be read right now; the message says why."""


class WarehouseMissingError(WarehouseError):
    """The DuckDB file does not exist (the project has not been built)."""


class WarehouseBusyError(WarehouseError):
    """A writer (a `dbt build`) holds the file's lock."""


def database_path() -> Path:
    """The DuckDB file named by RFM_DUCKDB_PATH, as dbt's profile resolves it."""
    return Path(os.environ.get(PATH_VARIABLE) or DEFAULT_PATH).expanduser().absolute()


def version(path: Path) -> float:
    """When the file (or its write-ahead log) last changed: a cache key.

    A rebuilt warehouse gets a new version, so cached results keyed on it expire.
    """
    if not path.is_file():
        raise WarehouseMissingError(f"No warehouse at {path}.")
    wal = path.with_name(path.name + ".wal")
    stamps = [path.stat().st_mtime_ns]
    if wal.is_file():
        stamps.append(wal.stat().st_mtime_ns)
    return max(stamps) / 1e9


def is_lock_conflict(error: duckdb.Error) -> bool:
    """Whether `error` says that another process holds the file's lock."""
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


def read(path: Path, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
    """Run one query on a read-only connection that is closed before returning."""
    if not path.is_file():
        raise WarehouseMissingError(f"No warehouse at {path}.")
    try:
        connection = duckdb.connect(str(path), read_only=True)
    except duckdb.Error as error:
        if is_lock_conflict(error):
            raise WarehouseBusyError(f"{path} is locked by a writer.") from error
        raise
    try:
        return connection.execute(sql, list(params)).df()
    finally:
        connection.close()
