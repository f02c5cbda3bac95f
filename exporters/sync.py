"""One export run, whatever the destination: open, diff, send, record.

A destination module provides `MODELS` (the marts it reads), `dry_run(ctx)`
and `sync(ctx)`; this module provides the run around them (run history,
abandoned runs, the exit status) and the two loops they share:

- `send_rows`: batches of diff rows to a send function; an accepted batch is
  committed to the state at once; a batch the service refuses for its content
  is split in halves until the refused rows are isolated (partial batch
  failures), each accepted half committed as soon as it is accepted (so a
  failure later in the batch never sends it again), and the refused rows are
  recorded as rejects;
- `remove_rows`: mirror deletes, committed the same way.
"""

from __future__ import annotations

import dataclasses
import logging
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import botocore.exceptions
import duckdb

from exporters import aws, extract
from exporters.config import ExportSettings
from exporters.diff import DiffSummary
from exporters.errors import EXIT_OK, EXIT_PARTIAL, ExportError
from exporters.extract import ExportModel
from exporters.progress import Progress
from exporters.state import Counts, PendingJob, StateStore

log = logging.getLogger(__name__)

Row = dict[str, Any]
# Sends rows (all or nothing); returns one external id (or None) per row.
SendFn = Callable[[list[Row]], Sequence[str | None]]


@dataclass
class FileReport:
    path: Path
    rows: int
    note: str = ""


@dataclass
class SegmentAction:
    """What happens to one audience: create, update, recreate, delete, unchanged."""

    action: str
    name: str
    segment_id: str | None = None


@dataclass
class RunReport:
    destination: str
    mode: str
    dry_run: bool
    run_id: str | None = None
    status: str = "running"
    files: list[FileReport] = field(default_factory=list)
    diffs: dict[str, DiffSummary] = field(default_factory=dict)
    segments: list[SegmentAction] = field(default_factory=list)
    jobs: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    error: str | None = None

    @property
    def exit_code(self) -> int:
        return EXIT_PARTIAL if self.counts.failed else EXIT_OK


@dataclass
class Context:
    """Everything a destination's dry_run/sync needs for one run."""

    settings: ExportSettings
    con: duckdb.DuckDBPyConnection
    state: StateStore
    progress: Progress
    report: RunReport
    retry: aws.RetryPolicy = field(default_factory=aws.RetryPolicy)
    run_id: str = "dry-run"
    _clients: dict[str, Any] = field(default_factory=dict)

    @property
    def destination(self) -> str:
        return self.settings.destination

    @property
    def counts(self) -> Counts:
        return self.report.counts

    def client(self, service: str, *, single_attempt: bool = False) -> Any:
        """The run's client for `service`; `single_attempt`: botocore does not
        retry (for creates that are not idempotent: `call` retries them with
        a `recover` lookup instead)."""
        if self.settings.dry_run:
            raise AssertionError("a dry run makes no call")  # pragma: no cover
        key = f"{service}:once" if single_attempt else service
        if key not in self._clients:
            settings = self.settings.aws
            if single_attempt:
                settings = dataclasses.replace(settings, max_attempts=1)
            self._clients[key] = aws.client(service, settings)
        return self._clients[key]

    def limiter(self, per_second: float) -> aws.RateLimiter:
        """A rate limiter on the run's clock and sleep."""
        return aws.RateLimiter(per_second, clock=self.retry.clock, sleep=self.retry.sleep)

    def call(self, method: Callable[..., Any], limiter: aws.RateLimiter | None = None,
             *, recover: Callable[[], Any] | None = None, **kwargs: Any) -> Any:
        return aws.call(method, retry=self.retry, limiter=limiter, recover=recover,
                        **kwargs)


def redact(message: str, row: Row | None = None, model: ExportModel | None = None) -> str:
    """A service message with contact values blanked out: the row's own, and
    anything shaped like an email address or phone number."""
    if row is not None and model is not None:
        for column in model.contact_columns:
            value = row.get(column)
            if value:
                message = message.replace(str(value), "<redacted>")
    return aws.scrub(message)


def count_accepted(counts: Counts, rows: Iterable[Row]) -> None:
    for row in rows:
        change = row.get("change")
        if change == "added":
            counts.added += 1
        elif change == "changed":
            counts.changed += 1
        else:
            counts.unchanged += 1


Accept = Callable[[list[tuple[Row, str | None]]], None]
Reject = Callable[[list[tuple[Row, str, str]]], None]


def send_isolating(
    rows: list[Row], send: SendFn, model: ExportModel, accept: Accept, reject: Reject
) -> None:
    """Send rows; if the service refuses the batch for its content, split it
    until each refused row is alone. Each accepted part goes to `accept` as
    soon as the service accepted it, each refused row to `reject`."""
    try:
        ids = send(rows)
    except (botocore.exceptions.ClientError, botocore.exceptions.ParamValidationError) as error:
        if not aws.is_row_error(error):
            raise
        if len(rows) == 1:
            message = redact(aws.error_message(error), rows[0], model)
            reject([(rows[0], aws.error_code(error), message)])
            return
        middle = len(rows) // 2
        send_isolating(rows[:middle], send, model, accept, reject)
        send_isolating(rows[middle:], send, model, accept, reject)
        return
    accept(list(zip(rows, ids, strict=True)))


def send_rows(
    ctx: Context,
    model: ExportModel,
    batches: Iterable[list[Row]],
    send: SendFn,
    *,
    label: str,
    total: int,
    operation: str,
) -> None:
    """Send each batch, committing accepted rows and recording rejects as the
    service answers."""

    def accept(accepted: list[tuple[Row, str | None]]) -> None:
        count_accepted(ctx.counts, (row for row, _ in accepted))
        ctx.state.mark_synced(
            ctx.destination, model.name,
            [(row["primary_key"], row["row_hash"], external_id or row.get("external_id"))
             for row, external_id in accepted],
            ctx.run_id, ctx.counts,
        )
        ctx.progress.advance(len(accepted))

    def reject(rejected: list[tuple[Row, str, str]]) -> None:
        ctx.counts.failed += len(rejected)
        ctx.state.record_rejects(
            ctx.run_id, ctx.destination, model.name,
            [(row["primary_key"], row["row_hash"], code, message)
             for row, code, message in rejected],
        )
        log.warning(
            "%s: %d row(s) rejected (%s)", model.name, len(rejected),
            ", ".join(sorted({code for _, code, _ in rejected})),
        )
        ctx.progress.advance(len(rejected))

    ctx.progress.start(label, total)
    try:
        for batch in batches:
            try:
                send_isolating(batch, send, model, accept, reject)
            except botocore.exceptions.ClientError as error:
                raise aws.describe_failure(error, operation) from None
            log.debug("%s: batch of %d sent", model.name, len(batch))
    finally:
        ctx.progress.finish()


def batched(rows: Iterable[Row], size: int) -> Iterable[list[Row]]:
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def remove_rows(
    ctx: Context,
    model: ExportModel,
    removed: list[tuple[str, str | None]],
    delete: Callable[[str, str | None], None],
    *,
    operation: str,
    commit_every: int = 50,
) -> None:
    """Mirror: delete each key that left the mart; `delete` treats 'not found'
    as done. Commits every `commit_every` deletions."""
    ctx.progress.start(f"{model.name}: remove", len(removed))
    done: list[str] = []
    try:
        for key, external_id in removed:
            try:
                delete(key, external_id)
                done.append(key)
                ctx.counts.removed += 1
            except botocore.exceptions.ClientError as error:
                if not aws.is_row_error(error):
                    raise aws.describe_failure(error, operation) from None
                ctx.counts.failed += 1
                ctx.state.record_rejects(
                    ctx.run_id, ctx.destination, model.name,
                    [(key, None, aws.error_code(error), aws.error_message(error))],
                )
            if len(done) >= commit_every:
                ctx.state.forget(ctx.destination, model.name, done, ctx.run_id, ctx.counts)
                done = []
            ctx.progress.advance(1)
    finally:
        ctx.state.forget(ctx.destination, model.name, done, ctx.run_id, ctx.counts)
        ctx.progress.finish()


def options_for_history(settings: ExportSettings) -> dict[str, Any]:
    """The run's options for the runs table (no secrets: there are none)."""
    return {
        "mode": settings.mode,
        "full_resync": settings.full_resync,
        "mirror": settings.mirror,
        "s3_uri": settings.s3_uri,
        "wait": settings.wait,
        "application_id": settings.pinpoint.application_id,
        "dataset_group_arn": settings.personalize.dataset_group_arn,
        "import_mode": settings.personalize.import_mode,
        "datasets": list(settings.personalize.datasets),
        "domain_name": settings.connect.domain_name,
        "schema": settings.schema,
        "region": settings.aws.region,
        "endpoint_url": settings.aws.endpoint_url,
    }


def models_of(destination: ModuleType, settings: ExportSettings) -> list[ExportModel]:
    """The marts a run of `destination` reads (all of MODELS unless the module
    narrows them for these settings)."""
    pick = getattr(destination, "models_for", None)
    return list(pick(settings)) if pick is not None else list(destination.MODELS)


def run(
    settings: ExportSettings,
    destination: ModuleType,
    progress: Progress | None = None,
    retry: aws.RetryPolicy | None = None,
) -> RunReport:
    """Run one export (or dry run) of `destination`; return its report.

    The marts are read once, in one transaction, into the run's own temp
    tables; the warehouse file is then let go (extract.py). Raises
    ExportError (ConfigError, DestinationError, LockTimeout) for a failed
    run, after recording it in the run history.
    """
    report = RunReport(settings.destination, settings.mode, settings.dry_run)
    with tempfile.TemporaryDirectory(prefix="rfm-export-duckdb-") as spill:
        con = extract.open_warehouse(
            settings.warehouse_path, lock_timeout=settings.lock_timeout_seconds,
            temp_directory=Path(spill),
        )
        try:
            return run_on(con, settings, destination, report, progress, retry)
        finally:
            con.close()


def run_on(
    con: duckdb.DuckDBPyConnection,
    settings: ExportSettings,
    destination: ModuleType,
    report: RunReport,
    progress: Progress | None,
    retry: aws.RetryPolicy | None,
) -> RunReport:
    extract.snapshot(
        con, models_of(destination, settings), settings.schema,
        extract.catalog_for(settings.warehouse_path),
    )
    check = getattr(destination, "check", None)
    if check is not None:
        check(con)
    state = StateStore.attach(
        con, settings.state_path, writable=not settings.dry_run,
        lock_timeout=settings.lock_timeout_seconds,
    )
    ctx = Context(
        settings=settings, con=con, state=state, progress=progress or Progress(),
        report=report, retry=retry or aws.RetryPolicy(),
    )
    if settings.dry_run:
        destination.dry_run(ctx)
        report.status = "dry_run"
        return report
    state.close_abandoned(settings.destination)
    ctx.run_id = report.run_id = state.start_run(
        settings.destination, settings.mode, options_for_history(settings)
    )
    log.info("run %s: %s --mode %s", ctx.run_id, settings.destination, settings.mode)
    try:
        destination.sync(ctx)
    except ExportError as error:
        report.status, report.error = "failed", str(error)
        state.finish_run(ctx.run_id, "failed", report.counts, str(error))
        raise
    except KeyboardInterrupt:
        report.status = "interrupted"
        state.finish_run(ctx.run_id, "interrupted", report.counts, "interrupted")
        raise
    except Exception as error:
        report.status = "failed"
        report.error = aws.scrub(f"{type(error).__name__}: {error}")
        state.finish_run(ctx.run_id, "failed", report.counts, report.error)
        raise
    if report.status == "running":
        report.status = "partial" if report.counts.failed else "succeeded"
    state.finish_run(ctx.run_id, report.status, report.counts, report.error)
    return report


# settle_job(ctx, client, job, wait=...): polls one import job to its end
# (wait=True) or checks it once, and records its rows' outcome.
SettleFn = Callable[..., None]


def settle_pending_jobs(ctx: Context, client: Any, settle_job: SettleFn) -> None:
    """Record the outcome of import jobs that earlier runs left running."""
    for job in ctx.state.pending_jobs(ctx.destination):
        settle_job(ctx, client, job, wait=ctx.settings.wait)


def settle_now_or_later(
    ctx: Context, client: Any, jobs: list[PendingJob], settle_job: SettleFn
) -> None:
    """With --wait, poll the jobs this run started to their end; otherwise the
    run is `submitted` and the next run records their outcome."""
    if ctx.settings.wait:
        for job in jobs:
            settle_job(ctx, client, job, wait=True)
    elif jobs:
        ctx.report.status = "submitted"
        ctx.report.notes.append(
            "not waiting (--wait not given): the next run records the outcome"
        )
