"""The export state: a small DuckDB file an analyst can query.

Attached (as `export_state`) to the warehouse's read-only connection, so the
diff is one SQL join across both files. Tables:

- `synced_rows`: per destination and model, the primary key and hash of the
  row the destination last accepted, and the id the destination gave it
  (Connect's ProfileId). Written only after the service accepted a batch, one
  transaction per batch: a crash loses nothing and resends at most the batch
  that was in flight.
- `runs`: one row per run (start, end, status, added/changed/removed/failed/
  unchanged counts, error).
- `rejects`: per-row refusals with the service's error code and message
  (contact values redacted). A rejected row is not in `synced_rows` with its
  hash, so the next run sends it again.
- `pending_jobs` / `pending_rows`: bulk import jobs submitted but not yet seen
  finished, and the rows they carry; the next run settles them first.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from exporters.errors import ExportError
from exporters.locks import wait_for_lock

log = logging.getLogger(__name__)

ALIAS = "export_state"

DDL = f"""
create table if not exists {ALIAS}.synced_rows (
    destination varchar not null,
    model varchar not null,
    primary_key varchar not null,
    row_hash varchar not null,
    external_id varchar,
    run_id varchar,
    synced_at timestamp,
    primary key (destination, model, primary_key)
);
create table if not exists {ALIAS}.runs (
    run_id varchar primary key,
    destination varchar not null,
    mode varchar,
    started_at timestamp not null,
    finished_at timestamp,
    status varchar not null,
    rows_added bigint default 0,
    rows_changed bigint default 0,
    rows_removed bigint default 0,
    rows_failed bigint default 0,
    rows_unchanged bigint default 0,
    error varchar,
    options varchar
);
create table if not exists {ALIAS}.rejects (
    run_id varchar not null,
    destination varchar not null,
    model varchar not null,
    primary_key varchar not null,
    row_hash varchar,
    error_code varchar,
    error_message varchar,
    rejected_at timestamp not null
);
create table if not exists {ALIAS}.pending_jobs (
    destination varchar not null,
    model varchar not null,
    job_id varchar not null,
    run_id varchar,
    submitted_at timestamp,
    file_uri varchar,
    primary key (destination, model, job_id)
);
create table if not exists {ALIAS}.pending_rows (
    destination varchar not null,
    model varchar not null,
    job_id varchar not null,
    primary_key varchar not null,
    row_hash varchar not null
);
"""

RUN_STATUSES = (
    "running", "succeeded", "partial", "failed", "interrupted", "submitted",
)


def now() -> datetime:
    """UTC now, naive (DuckDB `timestamp` columns hold UTC)."""
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass
class Counts:
    """What a run did, row by row."""

    added: int = 0
    changed: int = 0
    removed: int = 0
    failed: int = 0
    unchanged: int = 0


@dataclass
class PendingJob:
    destination: str
    model: str
    job_id: str
    run_id: str | None
    file_uri: str | None = None


class StateStore:
    """Reads and writes the export state through the warehouse connection."""

    def __init__(self, con: duckdb.DuckDBPyConnection, *, writable: bool) -> None:
        self.con = con
        self.writable = writable

    @classmethod
    def attach(
        cls, con: duckdb.DuckDBPyConnection, path: Path, *, writable: bool,
        lock_timeout: float = 0,
    ) -> StateStore:
        """Attach the state file; read-only (dry run) never creates it. Waits
        up to `lock_timeout` seconds while another run holds the file."""

        def attach_file(mode: str) -> None:
            wait_for_lock(
                lambda: con.execute(
                    f"attach '{sql_string(str(path))}' as {ALIAS} ({mode})"
                ),
                path=path, what="the state file", holder="another rfm-export run",
                timeout=lock_timeout,
            )

        try:
            if writable:
                path.parent.mkdir(parents=True, exist_ok=True)
                attach_file("read_write")
                con.execute(DDL)
            elif path.exists():
                attach_file("read_only")
                if not cls._has_tables(con):
                    con.execute(f"detach {ALIAS}")
                    con.execute(f"attach ':memory:' as {ALIAS} (read_write)")
                    con.execute(DDL)
            else:
                con.execute(f"attach ':memory:' as {ALIAS} (read_write)")
                con.execute(DDL)
        except duckdb.Error as error:
            raise ExportError(f"cannot open the state file {path}: {error}") from None
        return cls(con, writable=writable)

    @staticmethod
    def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
        found = con.execute(
            "select count(*) from information_schema.tables"
            " where table_catalog = ? and table_name = 'synced_rows'",
            [ALIAS],
        ).fetchone()[0]
        return found > 0

    # runs ------------------------------------------------------------------

    def close_abandoned(self, destination: str) -> int:
        """Runs left 'running' by a killed process become 'interrupted'."""
        rows = self.con.execute(
            f"update {ALIAS}.runs set status = 'interrupted', finished_at = ?,"
            " error = coalesce(error, 'the process ended before the run finished')"
            " where destination = ? and status = 'running' returning run_id",
            [now(), destination],
        ).fetchall()
        for (run_id,) in rows:
            log.warning("run %s of %s never finished; marked interrupted", run_id, destination)
        return len(rows)

    def start_run(self, destination: str, mode: str, options: dict[str, Any]) -> str:
        run_id = now().strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
        self.con.execute(
            f"insert into {ALIAS}.runs (run_id, destination, mode, started_at, status,"
            " options) values (?, ?, ?, ?, 'running', ?)",
            [run_id, destination, mode, now(), json.dumps(options, sort_keys=True)],
        )
        return run_id

    def finish_run(
        self, run_id: str, status: str, counts: Counts, error: str | None = None
    ) -> None:
        assert status in RUN_STATUSES, status
        self.con.execute(
            f"update {ALIAS}.runs set status = ?, finished_at = ?, rows_added = ?,"
            " rows_changed = ?, rows_removed = ?, rows_failed = ?, rows_unchanged = ?,"
            " error = ? where run_id = ?",
            [
                status, now(), counts.added, counts.changed, counts.removed,
                counts.failed, counts.unchanged, error, run_id,
            ],
        )

    def update_counts(self, run_id: str, counts: Counts) -> None:
        """Keep a running run's counts current (an analyst sees progress)."""
        self.con.execute(
            f"update {ALIAS}.runs set rows_added = ?, rows_changed = ?,"
            " rows_removed = ?, rows_failed = ?, rows_unchanged = ? where run_id = ?",
            [
                counts.added, counts.changed, counts.removed, counts.failed,
                counts.unchanged, run_id,
            ],
        )

    # rows ------------------------------------------------------------------

    def mark_synced(
        self,
        destination: str,
        model: str,
        rows: Sequence[tuple[str, str, str | None]],
        run_id: str,
        counts: Counts | None = None,
    ) -> None:
        """Record (primary_key, row_hash, external_id) as accepted; one commit."""
        if not rows:
            return
        stamp = now()
        self.con.begin()
        try:
            insert_values(
                self.con,
                f"insert or replace into {ALIAS}.synced_rows (destination, model,"
                " primary_key, row_hash, external_id, run_id, synced_at)",
                [
                    [destination, model, key, row_hash, external_id, run_id, stamp]
                    for key, row_hash, external_id in rows
                ],
            )
            if counts is not None:
                self.update_counts(run_id, counts)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def forget(
        self, destination: str, model: str, keys: Iterable[str], run_id: str,
        counts: Counts | None = None,
    ) -> None:
        """Rows the destination no longer holds (mirror deletes); one commit."""
        keys = list(keys)
        if not keys:
            return
        self.con.begin()
        try:
            self.con.execute(
                f"delete from {ALIAS}.synced_rows where destination = ? and model = ?"
                " and primary_key in (select unnest(?::varchar[]))",
                [destination, model, keys],
            )
            if counts is not None:
                self.update_counts(run_id, counts)
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def forget_missing(
        self, destination: str, model: str, table: str, where: str = "true"
    ) -> int:
        """After a FULL import: drop synced rows whose key is not among the
        rows of `table` that the import carried (`where`)."""
        return self.con.execute(
            f"delete from {ALIAS}.synced_rows where destination = ? and model = ?"
            f" and primary_key not in (select primary_key from {table} where {where})",
            [destination, model],
        ).fetchone()[0]

    def record_rejects(
        self,
        run_id: str,
        destination: str,
        model: str,
        rejects: Sequence[tuple[str, str | None, str, str]],
    ) -> None:
        """(primary_key, row_hash, error_code, error_message) per refused row."""
        if not rejects:
            return
        stamp = now()
        insert_values(
            self.con,
            f"insert into {ALIAS}.rejects (run_id, destination, model, primary_key,"
            " row_hash, error_code, error_message, rejected_at)",
            [
                [run_id, destination, model, key, row_hash, code, message[:1000], stamp]
                for key, row_hash, code, message in rejects
            ],
        )

    # bulk jobs -------------------------------------------------------------

    def add_pending_job(self, job: PendingJob, table: str, where: str) -> None:
        """Remember a submitted import job and the rows it carries; one commit."""
        self.con.begin()
        try:
            self.con.execute(
                f"insert or replace into {ALIAS}.pending_jobs (destination, model,"
                " job_id, run_id, submitted_at, file_uri) values (?, ?, ?, ?, ?, ?)",
                [job.destination, job.model, job.job_id, job.run_id, now(), job.file_uri],
            )
            self.con.execute(
                f"insert into {ALIAS}.pending_rows (destination, model, job_id,"
                f" primary_key, row_hash) select ?, ?, ?, primary_key, row_hash"
                f" from {table} where {where}",
                [job.destination, job.model, job.job_id],
            )
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise

    def rename_job(self, job: PendingJob, job_id: str) -> PendingJob:
        """The service named a recorded job differently; one commit."""
        self.con.begin()
        try:
            for table in ("pending_jobs", "pending_rows"):
                self.con.execute(
                    f"update {ALIAS}.{table} set job_id = ?"
                    " where destination = ? and model = ? and job_id = ?",
                    [job_id, job.destination, job.model, job.job_id],
                )
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        return PendingJob(job.destination, job.model, job_id, job.run_id, job.file_uri)

    def pending_jobs(self, destination: str) -> list[PendingJob]:
        rows = self.con.execute(
            f"select destination, model, job_id, run_id, file_uri"
            f" from {ALIAS}.pending_jobs where destination = ? order by submitted_at",
            [destination],
        ).fetchall()
        return [PendingJob(*row) for row in rows]

    def settle_job(self, job: PendingJob, *, succeeded: bool, run_id: str) -> int:
        """A finished job: its rows become synced (or are dropped to be resent)."""
        self.con.begin()
        try:
            count = 0
            if succeeded:
                count = self.con.execute(
                    f"insert or replace into {ALIAS}.synced_rows (destination, model,"
                    " primary_key, row_hash, external_id, run_id, synced_at)"
                    " select destination, model, primary_key, row_hash, null, ?, ?"
                    f" from {ALIAS}.pending_rows"
                    " where destination = ? and model = ? and job_id = ?",
                    [run_id, now(), job.destination, job.model, job.job_id],
                ).fetchone()[0]
            for table in ("pending_rows", "pending_jobs"):
                self.con.execute(
                    f"delete from {ALIAS}.{table}"
                    " where destination = ? and model = ? and job_id = ?",
                    [job.destination, job.model, job.job_id],
                )
            self.con.commit()
        except BaseException:
            self.con.rollback()
            raise
        return count


def insert_values(
    con: duckdb.DuckDBPyConnection, insert: str, rows: Sequence[Sequence[Any]],
    chunk: int = 500,
) -> None:
    """`insert ... values (...), (...)` in chunks: one statement per chunk
    (DuckDB's executemany runs one statement per row, far slower)."""
    for start in range(0, len(rows), chunk):
        part = rows[start:start + chunk]
        row = "(" + ", ".join("?" * len(part[0])) + ")"
        con.execute(
            f"{insert} values " + ", ".join([row] * len(part)),
            [value for values in part for value in values],
        )


def sql_string(value: str) -> str:
    """Escape a value for a single-quoted SQL literal (paths in ATTACH)."""
    return value.replace("'", "''")
