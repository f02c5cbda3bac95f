"""Amazon Personalize: interactions, users and items, pseudonymous ids only.

The three marts hold no contact detail or name (their dbt tests check the
ids). The exporter checks again before anything is written or sent: a row
with a value shaped like an email address or an international phone number
is refused (recorded in `rejects` as ContactDataRefused, never sent).

- bulk mode: one CSV per dataset (header in schema order, epoch seconds) goes
  to S3 and CreateDatasetImportJob loads it; FULL (default) sends every row and
  replaces the dataset, INCREMENTAL sends new and changed rows. Each job needs
  at least 1000 interactions: checked before anything is uploaded. --wait polls
  DescribeDatasetImportJob and reports failureReason. A job's ARN follows
  from its name, so the job is recorded before it is created: a crash right
  after CreateDatasetImportJob leaves a job the next run finds, never a
  second import of the same rows.
- api mode: PutItems and PutUsers (10 records a call, about 10 calls/s),
  then PutEvents (10 events a call, one user and session per call, each event
  with its deterministic eventId so a resend is harmless).

Builders (pure) come first, then the calls.
"""

from __future__ import annotations

import json
import logging
import re
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import botocore.exceptions

from exporters import aws, diff, files
from exporters.errors import ConfigError, DestinationError
from exporters.extract import (
    PERSONALIZE_INTERACTIONS,
    PERSONALIZE_ITEMS,
    PERSONALIZE_USERS,
    ExportModel,
)
from exporters.state import PendingJob
from exporters.sync import (
    Context,
    FileReport,
    Row,
    batched,
    send_rows,
    settle_now_or_later,
    settle_pending_jobs,
)

log = logging.getLogger(__name__)

MODELS = [PERSONALIZE_INTERACTIONS, PERSONALIZE_USERS, PERSONALIZE_ITEMS]
SERVICE = "personalize"
EVENTS_SERVICE = "personalize-events"

MAX_EVENTS_PER_CALL = 10
MAX_RECORDS_PER_CALL = 10
MIN_BULK_INTERACTIONS = 1000
RECORD_CALLS_PER_SECOND = 10.0
EVENT_CALLS_PER_SECOND = 500.0
FINISHED = ("ACTIVE", "CREATE FAILED")
# Refused in any Personalize value: an email address, or a phone number in
# international form (the form the Pinpoint and Connect marts carry).
CONTACT_PATTERN = r"[^\s@]+@[^\s@]+\.[A-Za-z]{2,}|\+[1-9][0-9 ().-]{5,}[0-9]"
REFUSED_CODE = "ContactDataRefused"

# Per dataset: the mart, and (schema field, mart column, Avro type, categorical).
DATASETS: dict[str, tuple[ExportModel, tuple[tuple[str, str, str, bool], ...]]] = {
    "interactions": (
        PERSONALIZE_INTERACTIONS,
        (
            ("USER_ID", "user_id", "string", False),
            ("ITEM_ID", "item_id", "string", False),
            ("TIMESTAMP", "event_timestamp", "long", False),
            ("EVENT_TYPE", "event_type", "string", False),
        ),
    ),
    "users": (
        PERSONALIZE_USERS,
        (
            ("USER_ID", "user_id", "string", False),
            ("RFM_SEGMENT", "rfm_segment", "string", True),
            ("RFM_SCORE", "rfm_score", "string", True),
            ("CLUSTER_ID", "cluster_id", "string", True),
            ("R_SCORE", "r_score", "string", True),
            ("F_SCORE", "f_score", "string", True),
            ("M_SCORE", "m_score", "string", True),
        ),
    ),
    "items": (
        PERSONALIZE_ITEMS,
        (
            ("ITEM_ID", "item_id", "string", False),
            ("PRICE_BAND", "price_band", "string", True),
            ("UNIT_PRICE", "unit_price", "float", False),
            ("CREATION_TIMESTAMP", "creation_timestamp", "long", False),
        ),
    ),
}

# builders ------------------------------------------------------------------


def avro_schema(dataset: str) -> dict[str, Any]:
    """The Avro schema to create the dataset with (field order = CSV order)."""
    _, fields = DATASETS[dataset]
    return {
        "type": "record",
        "name": dataset.title(),
        "namespace": "com.amazonaws.personalize.schema",
        "fields": [
            {"name": name, "type": kind, **({"categorical": True} if categorical else {})}
            for name, _, kind, categorical in fields
        ],
        "version": "1.0",
    }


def csv_header(dataset: str) -> list[str]:
    return [name for name, _, _, _ in DATASETS[dataset][1]]


def csv_row(dataset: str, row: Row) -> list[str]:
    """One bulk CSV record in schema order."""
    values = []
    for _, column, kind, _ in DATASETS[dataset][1]:
        value = row[column]
        if value is None:
            values.append("")
        elif kind == "long":
            values.append(str(int(value)))
        elif kind == "float":
            values.append(repr(float(value)))
        else:
            values.append(" ".join(str(value).split()))
    return values


def camel(field_name: str) -> str:
    """RFM_SEGMENT -> rfmSegment, as PutUsers/PutItems properties want."""
    head, *rest = field_name.lower().split("_")
    return head + "".join(part.title() for part in rest)


def properties(dataset: str, row: Row) -> str:
    """The `properties` JSON string of a PutUsers/PutItems record."""
    result: dict[str, Any] = {}
    for name, column, kind, _ in DATASETS[dataset][1][1:]:
        value = row[column]
        if value is None:
            continue
        if kind == "long":
            value = int(value)
        elif kind == "float":
            value = float(value)
        result[camel(name)] = value
    return json.dumps(result, sort_keys=True, separators=(",", ":"))


def user_record(row: Row) -> dict[str, Any]:
    return {"userId": row["user_id"], "properties": properties("users", row)}


def item_record(row: Row) -> dict[str, Any]:
    return {"itemId": row["item_id"], "properties": properties("items", row)}


def event(row: Row) -> dict[str, Any]:
    """One PutEvents event; eventId is the mart's deterministic id."""
    return {
        "eventId": row["event_id"],
        "eventType": row["event_type"],
        "itemId": row["item_id"],
        "sentAt": datetime.fromtimestamp(int(row["event_timestamp"]), UTC),
    }


def put_events_request(tracking_id: str, rows: list[Row]) -> dict[str, Any]:
    """One PutEvents call: one user and session, 1..10 events."""
    if not 1 <= len(rows) <= MAX_EVENTS_PER_CALL:
        raise ValueError(f"PutEvents takes 1..{MAX_EVENTS_PER_CALL} events")
    first = rows[0]
    if any((r["user_id"], r["session_id"]) != (first["user_id"], first["session_id"])
           for r in rows):
        raise ValueError("a PutEvents call carries one user's session")
    return {
        "trackingId": tracking_id,
        "userId": first["user_id"],
        "sessionId": first["session_id"],
        "eventList": [event(row) for row in rows],
    }


def session_batches(rows: Iterable[Row], size: int = MAX_EVENTS_PER_CALL) -> Iterable[list[Row]]:
    """Consecutive rows of one user and session, at most `size` at a time
    (rows arrive sorted by session, time and id)."""
    batch: list[Row] = []
    for row in rows:
        if batch and (
            len(batch) == size
            or (row["user_id"], row["session_id"])
            != (batch[0]["user_id"], batch[0]["session_id"])
        ):
            yield batch
            batch = []
        batch.append(row)
    if batch:
        yield batch


def job_name(dataset: str, run_id: str) -> str:
    """CreateDatasetImportJob jobName: 1-63 of [a-zA-Z0-9_-], letter first."""
    return re.sub(r"[^a-zA-Z0-9_-]", "-", f"rfm-{dataset}-{run_id}")[:63]


# files ---------------------------------------------------------------------


def write_dataset_files(ctx: Context, dataset: str, out: Path) -> FileReport:
    model, _ = DATASETS[dataset]
    path = out / f"{dataset}.csv"
    rows = files.write_csv(
        path, csv_header(dataset),
        (csv_row(dataset, row) for row in diff.iter_rows(ctx.con, model)),
        private=False,
    )
    files.write_json(out / f"{dataset}.avsc", avro_schema(dataset))
    return FileReport(path, rows, f"{dataset} dataset CSV (+ {dataset}.avsc)")


def sends_everything(ctx: Context) -> bool:
    settings = ctx.settings
    full_import = settings.mode == "bulk" and settings.personalize.import_mode == "FULL"
    return settings.full_resync or full_import


def models_for(settings: Any) -> list[ExportModel]:
    """The marts of the datasets this run sends (sync.models_of)."""
    return [DATASETS[dataset][0] for dataset in settings.personalize.datasets]


def refuse_contact_values(ctx: Context, model: ExportModel, summary: diff.DiffSummary) -> int:
    """Unselect rows holding a value shaped like an email address or phone
    number, and record them as rejects (not in a dry run); returns how many."""
    pattern = diff.literal(CONTACT_PATTERN)
    condition = " or ".join(
        f'coalesce(regexp_matches(cast("{column}" as varchar), {pattern}), false)'
        for column in model.columns
    )
    refused = ctx.con.execute(
        f"update {summary.table} set is_selected = false"
        f" where is_selected and ({condition})"
        " returning primary_key, row_hash, change"
    ).fetchall()
    if not refused:
        return 0
    for _, _, change in refused:
        setattr(summary, change, getattr(summary, change) - 1)
    summary.to_send -= len(refused)
    summary.refused = len(refused)
    message = "a value looks like an email address or phone number; not sent"
    log.warning("%s: %d row(s) refused: %s", model.name, len(refused), message)
    if not ctx.settings.dry_run:
        ctx.counts.failed += len(refused)
        ctx.state.record_rejects(
            ctx.run_id, ctx.destination, model.name,
            [(key, row_hash, REFUSED_CODE, message) for key, row_hash, _ in refused],
        )
    ctx.report.notes.append(f"{model.name}: {len(refused)} row(s) refused: {message}")
    return len(refused)


def prepare(ctx: Context) -> dict[str, diff.DiffSummary]:
    summaries = {}
    for dataset in ctx.settings.personalize.datasets:
        model, _ = DATASETS[dataset]
        summary = diff.prepare(ctx.con, ctx.destination, model, send_all=sends_everything(ctx))
        refuse_contact_values(ctx, model, summary)
        ctx.report.diffs[model.name] = summary
        summaries[dataset] = summary
    return summaries


def dry_run(ctx: Context) -> None:
    out = ctx.settings.files_dir
    summaries = prepare(ctx)
    for dataset in ctx.settings.personalize.datasets:
        ctx.report.files.append(write_dataset_files(ctx, dataset, out))
    interactions = summaries.get("interactions")
    if (
        ctx.settings.mode == "bulk" and interactions is not None
        and 0 < interactions.to_send < MIN_BULK_INTERACTIONS
    ):
        ctx.report.notes.append(
            f"a bulk import would fail: {interactions.to_send} interactions, "
            f"Personalize needs at least {MIN_BULK_INTERACTIONS} per job"
        )


# calls ---------------------------------------------------------------------


def sync(ctx: Context) -> None:
    if ctx.state.pending_jobs(ctx.destination):
        # Jobs an earlier bulk run left running, whatever this run's mode.
        settle_pending_jobs(ctx, ctx.client(SERVICE), settle_job)
    if ctx.settings.mode == "bulk":
        sync_bulk(ctx)
    else:
        sync_api(ctx)


def sync_api(ctx: Context) -> None:
    settings = ctx.settings.personalize
    summaries = prepare(ctx)
    client = ctx.client(EVENTS_SERVICE)
    if not ctx.settings.full_resync:
        ctx.counts.unchanged = sum(s.unchanged for s in summaries.values())
    records = ctx.limiter(RECORD_CALLS_PER_SECOND)
    if "items" in summaries:
        arn = settings.dataset_arn("items")

        def put_items(rows: list[Row]) -> list[None]:
            assert len(rows) <= MAX_RECORDS_PER_CALL
            ctx.call(client.put_items, records, datasetArn=arn,
                     items=[item_record(row) for row in rows])
            return [None] * len(rows)

        send_rows(
            ctx, PERSONALIZE_ITEMS,
            batched(diff.iter_rows(ctx.con, PERSONALIZE_ITEMS), MAX_RECORDS_PER_CALL),
            put_items, label="personalize items", total=summaries["items"].to_send,
            operation="PutItems",
        )
    if "users" in summaries:
        arn = settings.dataset_arn("users")

        def put_users(rows: list[Row]) -> list[None]:
            assert len(rows) <= MAX_RECORDS_PER_CALL
            ctx.call(client.put_users, records, datasetArn=arn,
                     users=[user_record(row) for row in rows])
            return [None] * len(rows)

        send_rows(
            ctx, PERSONALIZE_USERS,
            batched(diff.iter_rows(ctx.con, PERSONALIZE_USERS), MAX_RECORDS_PER_CALL),
            put_users, label="personalize users", total=summaries["users"].to_send,
            operation="PutUsers",
        )
    if "interactions" in summaries:
        events = ctx.limiter(EVENT_CALLS_PER_SECOND)

        def put_events(rows: list[Row]) -> list[None]:
            ctx.call(client.put_events, events,
                     **put_events_request(settings.tracking_id or "", rows))
            return [None] * len(rows)

        send_rows(
            ctx, PERSONALIZE_INTERACTIONS,
            session_batches(diff.iter_rows(ctx.con, PERSONALIZE_INTERACTIONS)),
            put_events, label="personalize events",
            total=summaries["interactions"].to_send, operation="PutEvents",
        )
    removed = sum(s.removed for s in summaries.values())
    if removed:
        ctx.report.notes.append(
            f"{removed} row(s) left the models; the streaming APIs cannot remove them "
            "(a bulk FULL import replaces the datasets)"
        )


def sync_bulk(ctx: Context) -> None:
    settings = ctx.settings
    client = ctx.client(SERVICE)
    summaries = prepare(ctx)
    interactions = summaries.get("interactions")
    if interactions is not None and 0 < interactions.to_send < MIN_BULK_INTERACTIONS:
        raise ConfigError(
            f"Personalize imports need at least {MIN_BULK_INTERACTIONS} interactions "
            f"per job and this one has {interactions.to_send}; send small increments "
            "with --mode api, or load everything with --import-mode FULL"
        )
    bucket, prefix = aws.split_s3_uri(settings.s3_uri or "")
    started: list[PendingJob] = []
    with tempfile.TemporaryDirectory(prefix="rfm-export-") as temp:
        out = settings.files_dir if settings.output_dir else Path(temp)
        for dataset, summary in summaries.items():
            if summary.to_send == 0:
                ctx.report.notes.append(f"{dataset}: nothing to import")
                continue
            report = write_dataset_files(ctx, dataset, out)
            ctx.report.files.append(report)
            key = aws.s3_key(prefix, "personalize", ctx.run_id, f"{dataset}.csv")
            uri = aws.upload_file(ctx.client("s3"), str(report.path), bucket, key, ctx.retry)
            started.append(start_import(ctx, client, dataset, uri, summary, report.rows))
    settle_now_or_later(ctx, client, started, settle_job)


def import_job_arn(settings: Any, name: str) -> str:
    """The ARN Personalize gives the dataset import job called `name`."""
    prefix, _, _ = (settings.personalize.dataset_group_arn or "").partition(
        ":dataset-group/"
    )
    return f"{prefix}:dataset-import-job/{name}"


def start_import(
    ctx: Context, client: Any, dataset: str, uri: str, summary: diff.DiffSummary,
    rows: int,
) -> PendingJob:
    """Record the job, then create it. A retried create whose first attempt
    went through finds the name taken: that job is this one."""
    settings = ctx.settings
    model, _ = DATASETS[dataset]
    name = job_name(dataset, ctx.run_id)
    job = PendingJob(
        ctx.destination, model.name, import_job_arn(settings, name), ctx.run_id, uri
    )
    ctx.state.add_pending_job(job, summary.table, "is_selected")
    try:
        response = ctx.call(
            client.create_dataset_import_job,
            jobName=name,
            datasetArn=settings.personalize.dataset_arn(dataset),
            dataSource={"dataLocation": uri},
            roleArn=settings.role_arn,
            importMode=settings.personalize.import_mode,
        )
    except botocore.exceptions.ClientError as error:
        if aws.error_code(error) != "ResourceAlreadyExistsException":
            ctx.state.settle_job(job, succeeded=False, run_id=ctx.run_id)
            raise aws.describe_failure(error, f"CreateDatasetImportJob ({dataset})") from None
        log.info("%s: import job %s exists already (an earlier attempt)", dataset, name)
    else:
        if response["datasetImportJobArn"] != job.job_id:
            job = ctx.state.rename_job(job, response["datasetImportJobArn"])
    ctx.report.jobs.append(f"{dataset}: import job {job.job_id} ({rows} rows from {uri})")
    log.info("%s: import job started for %d rows", dataset, rows)
    return job


def settle_job(ctx: Context, client: Any, job: PendingJob, *, wait: bool) -> None:
    """Poll one dataset import job; ACTIVE marks its rows synced (and, for a
    FULL import, forgets rows that left the model)."""
    settings = ctx.settings
    deadline = time.monotonic() + settings.wait_timeout_seconds
    while True:
        try:
            response = ctx.call(
                client.describe_dataset_import_job, datasetImportJobArn=job.job_id
            )["datasetImportJob"]
        except botocore.exceptions.ClientError as error:
            if aws.error_code(error) == "ResourceNotFoundException":
                ctx.state.settle_job(job, succeeded=False, run_id=ctx.run_id)
                return
            raise aws.describe_failure(error, "DescribeDatasetImportJob") from None
        status = response.get("status", "")
        if status in FINISHED or not wait:
            break
        if time.monotonic() > deadline:
            ctx.report.status = "submitted"
            ctx.report.notes.append(
                f"{job.model}: import job still {status}; the next run settles it"
            )
            return
        ctx.retry.sleep(settings.poll_seconds)
    if status not in FINISHED:
        ctx.report.notes.append(f"{job.model}: import job {status}; its rows wait for it")
        return
    if status == "ACTIVE":
        synced = ctx.state.settle_job(job, succeeded=True, run_id=ctx.run_id)
        summary = ctx.report.diffs.get(job.model)
        if job.run_id == ctx.run_id and summary is not None:
            ctx.counts.added += summary.added
            ctx.counts.changed += summary.changed
            ctx.counts.unchanged += summary.unchanged
            if settings.personalize.import_mode == "FULL":
                ctx.counts.removed += ctx.state.forget_missing(
                    ctx.destination, job.model, summary.table, "is_selected"
                )
        ctx.report.notes.append(f"{job.model}: import job ACTIVE, {synced} rows")
        return
    ctx.state.settle_job(job, succeeded=False, run_id=ctx.run_id)
    reason = response.get("failureReason") or "no reason given"
    ctx.state.record_rejects(
        ctx.run_id, ctx.destination, job.model,
        [(f"job:{job.job_id}", None, "DatasetImportJobFailed", reason)],
    )
    raise DestinationError(
        f"{job.model}: import job {job.job_id} failed: {reason}; "
        "its rows are sent again next run"
    )
