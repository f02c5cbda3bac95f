"""What changed since the last successful sync of a destination, in SQL.

Each row's hash is md5 over its columns (in contract order, nulls marked) and
the model's payload version; payload builders are pure functions of the row,
so a different hash is the only way the payload can differ. The diff joins the
mart (the run's snapshot of it, extract.py) with `synced_rows` (state file)
into a temp table, which then replaces the snapshot:

- added: key never accepted by this destination;
- changed: key accepted with another hash (a rejected row stays here until it
  is accepted, so it is retried every run);
- unchanged: key accepted with this hash (skipped unless --full-resync);
- pending: carried by a bulk import job not yet seen finished (skipped);
- removed: key accepted before but no longer in the mart (deleted with --mirror).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import duckdb

from exporters.extract import ExportModel
from exporters.state import ALIAS

PAGE_ROWS = 5000


@dataclass
class DiffSummary:
    """Counts for one model; `to_send` is what this run will send; `refused`
    rows were taken out of it by a destination's own check."""

    model: str
    total: int = 0
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    pending: int = 0
    removed: int = 0
    to_send: int = 0
    refused: int = 0

    @property
    def table(self) -> str:
        return diff_table(self.model)

    @property
    def removed_table(self) -> str:
        return f"removed_{self.model}"


def diff_table(model: str) -> str:
    return f"diff_{model}"


def hash_expression(model: ExportModel) -> str:
    """SQL for a row's hash: md5 over the model's columns and payload version."""
    parts = ", ".join(
        f"coalesce(cast(\"{column}\" as varchar), chr(0))" for column in model.columns
    )
    return f"md5(concat_ws(chr(31), '{model.name}:v{model.version}', {parts}))"


def literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def prepare(
    con: duckdb.DuckDBPyConnection,
    destination: str,
    model: ExportModel,
    *,
    send_all: bool = False,
) -> DiffSummary:
    """Build temp tables diff_<model> and removed_<model>; return the counts.

    `send_all` (--full-resync, or a FULL bulk import) sends every row, changed
    or not; the counts still say what changed.
    """
    columns = ", ".join(f'"{column}"' for column in model.columns)
    dest, name = literal(destination), literal(model.name)
    con.execute(
        f"""
        create or replace temp table {diff_table(model.name)} as
        with current_rows as (
            select
                {columns},
                cast("{model.key}" as varchar) as primary_key,
                {hash_expression(model)} as row_hash
            from {model.relation}
        ),
        synced as (
            select primary_key, row_hash, external_id
            from {ALIAS}.synced_rows
            where destination = {dest} and model = {name}
        ),
        pending as (
            select distinct primary_key, row_hash
            from {ALIAS}.pending_rows
            where destination = {dest} and model = {name}
        )
        select
            current_rows.*,
            synced.external_id,
            case
                when synced.primary_key is null then 'added'
                when synced.row_hash = current_rows.row_hash then 'unchanged'
                else 'changed'
            end as change,
            pending.primary_key is not null as is_pending,
            row_number() over (order by {model.order_by}) as seq
        from current_rows
        left join synced
            on current_rows.primary_key = synced.primary_key
        left join pending
            on current_rows.primary_key = pending.primary_key
            and current_rows.row_hash = pending.row_hash
        order by seq
        """
    )
    con.execute(
        f"""
        create or replace temp table removed_{model.name} as
        select synced.primary_key, synced.external_id
        from {ALIAS}.synced_rows as synced
        where synced.destination = {dest} and synced.model = {name}
            and synced.primary_key not in (
                select primary_key from {diff_table(model.name)}
            )
        order by synced.primary_key
        """
    )
    # The diff table holds every column of the snapshot: keep one copy.
    con.execute(f"drop table {model.relation}")
    summary = DiffSummary(model=model.name)
    for change, pending, rows in con.execute(
        f"select change, is_pending, count(*) from {diff_table(model.name)} group by 1, 2"
    ).fetchall():
        summary.total += rows
        if pending and change != "unchanged":
            summary.pending += rows
        else:
            setattr(summary, change, getattr(summary, change) + rows)
    summary.removed = con.execute(
        f"select count(*) from removed_{model.name}"
    ).fetchone()[0]
    con.execute(
        f"alter table {diff_table(model.name)} add column is_selected boolean"
    )
    selected = "true" if send_all else "change <> 'unchanged' and not is_pending"
    con.execute(f"update {diff_table(model.name)} set is_selected = {selected}")
    summary.to_send = con.execute(
        f"select count(*) from {diff_table(model.name)} where is_selected"
    ).fetchone()[0]
    return summary


def iter_rows(
    con: duckdb.DuckDBPyConnection,
    model: ExportModel,
    *,
    where: str = "is_selected",
    page_rows: int = PAGE_ROWS,
) -> Iterator[dict[str, Any]]:
    """Rows of diff_<model> in send order, as dicts (columns + primary_key,
    row_hash, external_id, change). Pages by `seq`, so the connection is free
    for state writes between pages."""
    names = [*model.columns, "primary_key", "row_hash", "external_id", "change", "seq"]
    select = ", ".join(f'"{name}"' for name in names)
    last = 0
    while True:
        rows = con.execute(
            f"select {select} from {diff_table(model.name)}"
            f" where ({where}) and seq > ? order by seq limit ?",
            [last, page_rows],
        ).fetchall()
        if not rows:
            return
        for row in rows:
            yield dict(zip(names, row, strict=True))
        last = rows[-1][-1]


def iter_removed(
    con: duckdb.DuckDBPyConnection, model: ExportModel
) -> list[tuple[str, str | None]]:
    """(primary_key, external_id) of rows that left the mart."""
    return con.execute(
        f"select primary_key, external_id from removed_{model.name} order by primary_key"
    ).fetchall()
