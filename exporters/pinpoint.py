"""Amazon Pinpoint: endpoints from pinpoint_endpoints, segments from rfm_audiences.

Pinpoint's engagement features reached end of support on 2026-10-30; AWS
points users to Amazon Connect Customer Profiles (connect.py). This
destination stays for accounts still migrating.

- api mode: UpdateEndpointsBatch, at most 100 endpoints and 7 MB per call,
  paced to about 2 calls a second.
- bulk mode: the endpoint CSV goes to S3 and CreateImportJob loads it
  (RegisterEndpoints); --wait polls GetImportJob and reports its failures.
- Segments: one dimensional segment per audience, named `_RFM_<segment>`,
  filtering the endpoint's user attribute. Found by name with GetSegments and
  updated in place, so a rerun never duplicates one; a CreateSegment retried
  after a timeout or 5xx first looks the name up again (aws.call's
  `recover`); --mirror deletes `_RFM_` segments whose audience is gone. The
  audiences are checked (names, attributes, values) before any call.
- --mirror also deletes endpoints whose row left the model (DeleteEndpoint).

Builders (pure) come first, then the calls.
"""

from __future__ import annotations

import json
import logging
import tempfile
import time
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import botocore.exceptions

from exporters import aws, diff, files
from exporters.errors import DestinationError
from exporters.extract import PINPOINT_ENDPOINTS, RFM_AUDIENCES, check_audiences
from exporters.state import PendingJob
from exporters.sync import (
    Context,
    FileReport,
    Row,
    SegmentAction,
    remove_rows,
    send_rows,
    settle_now_or_later,
    settle_pending_jobs,
)

log = logging.getLogger(__name__)

MODELS = [PINPOINT_ENDPOINTS, RFM_AUDIENCES]
SERVICE = "pinpoint"
SEGMENT_PREFIX = "_RFM_"

MAX_BATCH_ENDPOINTS = 100
MAX_BATCH_BYTES = 7 * 1024 * 1024
BATCH_CALLS_PER_SECOND = 2.0
SEGMENT_CALLS_PER_SECOND = 20.0
MAX_ATTRIBUTE_VALUE = 100

USER_ATTRIBUTES = ("rfm_segment", "rfm_score", "cluster_id", "last_order_date")
METRICS = ("frequency", "monetary", "r_score", "f_score", "m_score")
CSV_HEADER = (
    "Id", "ChannelType", "Address", "OptOut",
    "Location.Country", "Location.City", "Location.Region",
    "User.UserId",
    *(f"User.UserAttributes.{name}" for name in USER_ATTRIBUTES),
    *(f"Metrics.{name}" for name in METRICS),
)
FINISHED = ("COMPLETED", "FAILED")

# builders ------------------------------------------------------------------


def check(con: Any) -> None:
    """Audiences filter a user attribute this export sets (sync.run hook)."""
    check_audiences(con, USER_ATTRIBUTES, "pinpoint")


def text(value: Any, limit: int | None = None) -> str | None:
    """A value as Pinpoint text: no tabs or line breaks, optionally truncated."""
    if value is None:
        return None
    if isinstance(value, date):
        value = value.isoformat()
    result = " ".join(str(value).split())
    return result[:limit] if limit else result


def number(value: Any) -> float | None:
    if value is None:
        return None
    return float(value) if not isinstance(value, Decimal) else float(str(value))


def endpoint_csv_row(row: Row) -> list[str]:
    """One line of the endpoint import CSV, in CSV_HEADER order."""
    values = [
        text(row["endpoint_id"]), text(row["channel_type"]), text(row["address"]),
        text(row["opt_out"]), text(row["country_code"]), text(row["city"]),
        text(row["region"]), text(row["customer_id"]),
        *(text(row[name], MAX_ATTRIBUTE_VALUE) for name in USER_ATTRIBUTES),
        *(number_text(row[name]) for name in METRICS),
    ]
    return ["" if value is None else value for value in values]


def number_text(value: Any) -> str | None:
    if value is None:
        return None
    return str(value)


def endpoint_item(row: Row) -> dict[str, Any]:
    """One EndpointBatchItem for UpdateEndpointsBatch (nulls left out)."""
    location = {
        key: value
        for key, value in (
            ("Country", text(row["country_code"])),
            ("City", text(row["city"])),
            ("Region", text(row["region"])),
        )
        if value
    }
    attributes = {
        name: [text(row[name], MAX_ATTRIBUTE_VALUE)]
        for name in USER_ATTRIBUTES
        if row[name] is not None
    }
    metrics = {name: number(row[name]) for name in METRICS if row[name] is not None}
    item: dict[str, Any] = {
        "Id": row["endpoint_id"],
        "ChannelType": row["channel_type"],
        "Address": row["address"],
        "OptOut": row["opt_out"],
        "User": {"UserId": row["customer_id"], "UserAttributes": attributes},
        "Metrics": metrics,
    }
    if location:
        item["Location"] = location
    return item


def segment_request(audience: Row) -> dict[str, Any]:
    """The WriteSegmentRequest for one audience."""
    return {
        "Name": audience["audience_name"],
        "Dimensions": {
            "UserAttributes": {
                audience["attribute_name"]: {
                    "AttributeType": "INCLUSIVE",
                    "Values": [audience["attribute_value"]],
                }
            }
        },
    }


def plan_segments(
    requests: list[dict[str, Any]], existing: list[dict[str, Any]], *, mirror: bool
) -> list[tuple[str, str, str | None, dict[str, Any] | None]]:
    """(action, name, segment id, request) per segment: pure, from GetSegments.

    A name already present is updated (or left alone when its dimensions
    match), never created again; with several of one name, the oldest wins.
    """
    by_name: dict[str, list[dict[str, Any]]] = {}
    for segment in existing:
        if segment.get("SegmentType", "DIMENSIONAL") == "DIMENSIONAL":
            by_name.setdefault(segment.get("Name", ""), []).append(segment)
    plan: list[tuple[str, str, str | None, dict[str, Any] | None]] = []
    wanted = set()
    for request in requests:
        name = request["Name"]
        wanted.add(name)
        matches = sorted(by_name.get(name, []), key=lambda s: (s.get("CreationDate", ""), s["Id"]))
        if not matches:
            plan.append(("create", name, None, request))
        elif matches[0].get("Dimensions") == request["Dimensions"]:
            plan.append(("unchanged", name, matches[0]["Id"], request))
        else:
            plan.append(("update", name, matches[0]["Id"], request))
    if mirror:
        for name, segments in sorted(by_name.items()):
            if name.startswith(SEGMENT_PREFIX) and name not in wanted:
                plan += [("delete", name, segment["Id"], None) for segment in segments]
    return plan


def chunk_items(
    rows: Iterable[Row], *, max_items: int = MAX_BATCH_ENDPOINTS,
    max_bytes: int = MAX_BATCH_BYTES,
) -> Iterable[list[Row]]:
    """Batches within UpdateEndpointsBatch's limits: <= 100 items, <= 7 MB."""
    batch: list[Row] = []
    size = 0
    for row in rows:
        item_size = len(json.dumps(endpoint_item(row), default=str)) + 1
        if batch and (len(batch) == max_items or size + item_size > max_bytes):
            yield batch
            batch, size = [], 0
        batch.append(row)
        size += item_size
    if batch:
        yield batch


# files ---------------------------------------------------------------------


def write_endpoints_csv(ctx: Context, path: Path) -> int:
    rows = diff.iter_rows(ctx.con, PINPOINT_ENDPOINTS)
    return files.write_csv(
        path, CSV_HEADER, (endpoint_csv_row(row) for row in rows), private=True
    )


def desired_segments(ctx: Context) -> list[Row]:
    """Audience rows (with hashes) from the rfm_audiences diff table."""
    return list(diff.iter_rows(ctx.con, RFM_AUDIENCES, where="true"))


def dry_run(ctx: Context) -> None:
    settings = ctx.settings
    out = settings.files_dir
    summary = diff.prepare(
        ctx.con, ctx.destination, PINPOINT_ENDPOINTS, send_all=settings.full_resync
    )
    ctx.report.diffs[summary.model] = summary
    rows = write_endpoints_csv(ctx, out / "endpoints.csv")
    ctx.report.files.append(FileReport(out / "endpoints.csv", rows, "endpoint import CSV"))
    diff.prepare(ctx.con, ctx.destination, RFM_AUDIENCES)
    segments = desired_segments(ctx)
    requests = [segment_request(row) for row in segments]
    files.write_json(out / "segments.json", requests)
    ctx.report.files.append(
        FileReport(out / "segments.json", len(requests), "WriteSegmentRequest list")
    )
    actions = {"added": "create", "changed": "update", "unchanged": "unchanged"}
    ctx.report.segments += [
        SegmentAction(actions[row["change"]], row["audience_name"]) for row in segments
    ]
    if settings.mirror:
        ctx.report.segments += [
            SegmentAction("delete", key) for key, _ in diff.iter_removed(ctx.con, RFM_AUDIENCES)
        ]
    if not settings.mirror and summary.removed:
        ctx.report.notes.append(
            f"{summary.removed} endpoint(s) left the model; --mirror would delete them"
        )


# calls ---------------------------------------------------------------------


def sync(ctx: Context) -> None:
    settings = ctx.settings
    client = ctx.client(SERVICE)
    app = settings.pinpoint.application_id
    settle_pending_jobs(ctx, client, settle_job)
    summary = diff.prepare(
        ctx.con, ctx.destination, PINPOINT_ENDPOINTS, send_all=settings.full_resync
    )
    ctx.report.diffs[summary.model] = summary
    ctx.counts.unchanged = summary.unchanged if not settings.full_resync else 0
    if settings.mode == "bulk":
        import_endpoints(ctx, client, summary)
    else:
        limiter = ctx.limiter(BATCH_CALLS_PER_SECOND)

        def send(rows: list[Row]) -> list[str | None]:
            items = [endpoint_item(row) for row in rows]
            assert len(items) <= MAX_BATCH_ENDPOINTS
            ctx.call(
                client.update_endpoints_batch, limiter,
                ApplicationId=app, EndpointBatchRequest={"Item": items},
            )
            return [None] * len(rows)

        send_rows(
            ctx, PINPOINT_ENDPOINTS,
            chunk_items(diff.iter_rows(ctx.con, PINPOINT_ENDPOINTS)),
            send, label="pinpoint endpoints", total=summary.to_send,
            operation="UpdateEndpointsBatch",
        )
    sync_segments(ctx, client)
    if settings.mirror:
        remove_endpoints(ctx, client)
    elif summary.removed:
        ctx.report.notes.append(
            f"{summary.removed} endpoint(s) left the model; --mirror deletes them"
        )


def remove_endpoints(ctx: Context, client: Any) -> None:
    app = ctx.settings.pinpoint.application_id

    def delete(key: str, _external_id: str | None) -> None:
        try:
            ctx.call(client.delete_endpoint, ApplicationId=app, EndpointId=key)
        except botocore.exceptions.ClientError as error:
            if aws.error_code(error) != "NotFoundException":
                raise

    remove_rows(
        ctx, PINPOINT_ENDPOINTS, diff.iter_removed(ctx.con, PINPOINT_ENDPOINTS), delete,
        operation="DeleteEndpoint",
    )


def list_segments(ctx: Context, client: Any) -> list[dict[str, Any]]:
    """Every segment of the project (GetSegments, paged)."""
    app = ctx.settings.pinpoint.application_id
    segments: list[dict[str, Any]] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"ApplicationId": app, "PageSize": "100"}
        if token:
            kwargs["Token"] = token
        try:
            page = ctx.call(client.get_segments, **kwargs)["SegmentsResponse"]
        except botocore.exceptions.ClientError as error:
            raise aws.describe_failure(error, "GetSegments") from None
        segments += page.get("Item", [])
        token = page.get("NextToken")
        if not token:
            return segments


def sync_segments(ctx: Context, client: Any) -> None:
    """Create, update (or with --mirror delete) the `_RFM_` segments."""
    app = ctx.settings.pinpoint.application_id
    diff.prepare(ctx.con, ctx.destination, RFM_AUDIENCES)
    audiences = {row["audience_name"]: row for row in desired_segments(ctx)}
    requests = [segment_request(row) for row in audiences.values()]
    plan = plan_segments(requests, list_segments(ctx, client), mirror=ctx.settings.mirror)
    limiter = ctx.limiter(SEGMENT_CALLS_PER_SECOND)
    for action, name, segment_id, request in plan:
        try:
            if action == "create":
                segment_id = create_segment(ctx, client, request, limiter)
            elif action == "update":
                ctx.call(
                    client.update_segment, limiter, ApplicationId=app,
                    SegmentId=segment_id, WriteSegmentRequest=request,
                )
            elif action == "delete":
                delete_segment(ctx, client, segment_id or "", limiter)
        except botocore.exceptions.ClientError as error:
            if not aws.is_row_error(error):
                raise aws.describe_failure(error, f"{action} segment {name}") from None
            ctx.counts.failed += 1
            ctx.state.record_rejects(
                ctx.run_id, ctx.destination, RFM_AUDIENCES.name,
                [(name, None, aws.error_code(error), aws.error_message(error))],
            )
            continue
        ctx.report.segments.append(SegmentAction(action, name, segment_id))
        if action == "delete":
            ctx.state.forget(ctx.destination, RFM_AUDIENCES.name, [name], ctx.run_id)
        else:
            row = audiences[name]
            ctx.state.mark_synced(
                ctx.destination, RFM_AUDIENCES.name,
                [(name, row["row_hash"], segment_id)], ctx.run_id,
            )
    log.info(
        "segments: %s",
        ", ".join(
            f"{count} {action}"
            for action in ("create", "update", "delete", "unchanged")
            if (count := sum(1 for step in plan if step[0] == action))
        ) or "none",
    )


def create_segment(
    ctx: Context, client: Any, request: dict[str, Any], limiter: aws.RateLimiter
) -> str:
    """CreateSegment without botocore's retries; a retry after an ambiguous
    failure first looks for a segment of that name (the first attempt's)."""

    def made_earlier() -> str | None:
        for segment in list_segments(ctx, client):
            if segment.get("Name") == request["Name"]:
                return segment["Id"]
        return None

    once = ctx.client(SERVICE, single_attempt=True)
    response = ctx.call(
        once.create_segment, limiter, recover=made_earlier,
        ApplicationId=ctx.settings.pinpoint.application_id, WriteSegmentRequest=request,
    )
    return response if isinstance(response, str) else response["SegmentResponse"]["Id"]


def delete_segment(
    ctx: Context, client: Any, segment_id: str, limiter: aws.RateLimiter
) -> None:
    """DeleteSegment; one already gone (say, by a retried delete) is done."""
    try:
        ctx.call(
            client.delete_segment, limiter,
            ApplicationId=ctx.settings.pinpoint.application_id, SegmentId=segment_id,
        )
    except botocore.exceptions.ClientError as error:
        if aws.error_code(error) != "NotFoundException":
            raise


# bulk ----------------------------------------------------------------------


def import_endpoints(ctx: Context, client: Any, summary: diff.DiffSummary) -> None:
    """Write the CSV, upload it, start the import job, optionally wait."""
    settings = ctx.settings
    if summary.to_send == 0:
        ctx.report.notes.append("no endpoint changed: no import job")
        return
    bucket, prefix = aws.split_s3_uri(settings.s3_uri or "")
    folder = aws.s3_key(prefix, "pinpoint", ctx.run_id)
    with tempfile.TemporaryDirectory(prefix="rfm-export-") as temp:
        out = settings.files_dir if settings.output_dir else Path(temp)
        path = out / "endpoints.csv"
        rows = write_endpoints_csv(ctx, path)
        ctx.report.files.append(FileReport(path, rows, "endpoint import CSV"))
        uri = aws.upload_file(
            ctx.client("s3"), str(path), bucket, aws.s3_key(folder, "endpoints.csv"),
            ctx.retry,
        )
    try:
        response = ctx.call(
            client.create_import_job,
            ApplicationId=settings.pinpoint.application_id,
            ImportJobRequest={
                "Format": "CSV",
                "S3Url": uri,
                "RoleArn": settings.role_arn,
                "RegisterEndpoints": True,
                "DefineSegment": False,
            },
        )
    except botocore.exceptions.ClientError as error:
        raise aws.describe_failure(error, "CreateImportJob") from None
    job_id = response["ImportJobResponse"]["Id"]
    job = PendingJob(ctx.destination, PINPOINT_ENDPOINTS.name, job_id, ctx.run_id, uri)
    ctx.state.add_pending_job(job, summary.table, "is_selected")
    ctx.report.jobs.append(f"import job {job_id} ({rows} endpoints from {uri})")
    log.info("import job %s started for %d endpoints", job_id, rows)
    settle_now_or_later(ctx, client, [job], settle_job)


def settle_job(ctx: Context, client: Any, job: PendingJob, *, wait: bool) -> None:
    """Poll one import job; on COMPLETED without failures its rows are synced,
    otherwise they are released to be sent again."""
    settings = ctx.settings
    deadline = time.monotonic() + settings.wait_timeout_seconds
    while True:
        try:
            response = ctx.call(
                client.get_import_job,
                ApplicationId=settings.pinpoint.application_id, JobId=job.job_id,
            )["ImportJobResponse"]
        except botocore.exceptions.ClientError as error:
            if aws.error_code(error) == "NotFoundException":
                ctx.state.settle_job(job, succeeded=False, run_id=ctx.run_id)
                ctx.report.notes.append(f"import job {job.job_id} is gone; rows resent")
                return
            raise aws.describe_failure(error, "GetImportJob") from None
        status = response["JobStatus"]
        if status in FINISHED or not wait:
            break
        if time.monotonic() > deadline:
            ctx.report.notes.append(
                f"import job {job.job_id} still {status} after "
                f"{settings.wait_timeout_seconds}s; the next run settles it"
            )
            ctx.report.status = "submitted"
            return
        ctx.retry.sleep(settings.poll_seconds)
    failures = int(response.get("TotalFailures") or 0)
    if status not in FINISHED:
        ctx.report.notes.append(f"import job {job.job_id} is {status}; its rows wait for it")
        return
    succeeded = status == "COMPLETED" and failures == 0
    synced = ctx.state.settle_job(job, succeeded=succeeded, run_id=ctx.run_id)
    if succeeded:
        if job.run_id == ctx.run_id:
            summary = ctx.report.diffs.get(PINPOINT_ENDPOINTS.name)
            if summary is not None:
                ctx.counts.added += summary.added
                ctx.counts.changed += summary.changed
        ctx.report.notes.append(f"import job {job.job_id} completed: {synced} endpoints")
        return
    detail = "; ".join(response.get("Failures") or [])[:500]
    failed = failures or int(response.get("TotalProcessed") or 0) or synced
    ctx.counts.failed += failed
    ctx.state.record_rejects(
        ctx.run_id, ctx.destination, PINPOINT_ENDPOINTS.name,
        [(f"job:{job.job_id}", None, f"ImportJob{status.title()}", detail or status)],
    )
    message = (
        f"import job {job.job_id} {status} with {failures} failure(s)"
        + (f": {detail}" if detail else "")
        + "; its rows are sent again next run"
    )
    if status == "FAILED":
        raise DestinationError(message)
    ctx.report.notes.append(message)
