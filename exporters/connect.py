"""Amazon Connect Customer Profiles: profiles from connect_profiles, segment
definitions from rfm_audiences. The successor AWS names for Pinpoint.

- api mode: one profile write per row (about 100 writes/s allowed). The
  customer id is the profile's AccountNumber, searchable as `_account`: a
  profile id already recorded in the state is updated (UpdateProfile); an
  unknown one is searched first and updated if found, created otherwise, so a
  rerun or a resend after a crash never creates a second profile; nor does a
  CreateProfile retried after a timeout or 5xx, which searches again first
  (botocore does not retry it on its own). RFM fields go to `Attributes`;
  fields that became empty are cleared on update.
- bulk mode: a Customer Profiles upload job. CreateUploadJob maps the CSV
  columns to profile fields (unique key: the customer id), the CSV goes to the
  pre-signed URL from GetUploadJobPath, StartUploadJob runs it; --wait polls
  GetUploadJob. Profiles loaded this way expire after --data-expiry-days.
- Segment definitions: one per audience (`_RFM_Champions`, `_RFM_Cluster_3`,
  ...) filtering the custom attribute. There is no update call: a definition
  whose filter changed is deleted and created again; --mirror deletes `_RFM_`
  definitions whose audience is gone. A create retried after a timeout looks
  the name up first; a delete of one already gone is done. The audiences are
  checked (names, attributes, values) before any call.
- --mirror deletes the profiles of customers that left the model.

Builders (pure) come first, then the calls.
"""

from __future__ import annotations

import logging
import tempfile
import time
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import botocore.exceptions

from exporters import aws, diff, files
from exporters.errors import DestinationError
from exporters.extract import CONNECT_PROFILES, RFM_AUDIENCES, check_audiences
from exporters.state import PendingJob
from exporters.sync import (
    Context,
    FileReport,
    Row,
    SegmentAction,
    batched,
    remove_rows,
    send_rows,
    settle_now_or_later,
    settle_pending_jobs,
)

log = logging.getLogger(__name__)

MODELS = [CONNECT_PROFILES, RFM_AUDIENCES]
SERVICE = "customer-profiles"
SEGMENT_PREFIX = "_RFM_"
ACCOUNT_KEY = "_account"
PROFILE_CALLS_PER_SECOND = 80.0
FINISHED = ("SUCCEEDED", "PARTIALLY_SUCCEEDED", "FAILED", "STOPPED")

ATTRIBUTE_COLUMNS = (
    "rfm_segment", "rfm_score", "r_score", "f_score", "m_score", "cluster_id",
    "frequency", "monetary", "first_order_date", "last_order_date",
)
ADDRESS_COLUMNS = (("city", "City"), ("state", "State"), ("country", "Country"))
CONTACT_COLUMNS = (
    ("email_address", "EmailAddress", "EMAIL_ADDRESS"),
    ("phone_number", "MobilePhoneNumber", "PHONE_NUMBER"),
)

# builders ------------------------------------------------------------------


def check(con: Any) -> None:
    """Audiences filter an attribute this export sets (sync.run hook)."""
    check_audiences(con, ATTRIBUTE_COLUMNS, "connect")


def text(value: Any) -> str | None:
    """A profile field value: strings of at most 255 characters."""
    if value is None:
        return None
    if isinstance(value, date):
        value = value.isoformat()
    elif isinstance(value, Decimal):
        value = format(value, "f")
    result = " ".join(str(value).split())
    return result[:255] or None


def profile_fields(row: Row, *, update: bool) -> dict[str, Any]:
    """Standard fields and Attributes of a profile. On update, empty values
    ("") clear what an earlier sync set; on create, empty fields are left out."""
    empty = "" if update else None
    fields: dict[str, Any] = {"AccountNumber": row["customer_id"]}
    for column, field, _ in CONTACT_COLUMNS:
        value = text(row[column])
        if value is not None or update:
            fields[field] = value if value is not None else empty
    address = {
        field: text(row[column]) if text(row[column]) is not None else empty
        for column, field in ADDRESS_COLUMNS
        if text(row[column]) is not None or update
    }
    if address:
        fields["Address"] = address
    attributes = {
        column: text(row[column]) if text(row[column]) is not None else empty
        for column in ATTRIBUTE_COLUMNS
        if text(row[column]) is not None or update
    }
    if attributes:
        fields["Attributes"] = attributes
    return fields


def create_profile_request(domain: str, row: Row) -> dict[str, Any]:
    return {"DomainName": domain, **profile_fields(row, update=False)}


def update_profile_request(domain: str, profile_id: str, row: Row) -> dict[str, Any]:
    return {"DomainName": domain, "ProfileId": profile_id, **profile_fields(row, update=True)}


def segment_groups(audience: Row) -> dict[str, Any]:
    return {
        "Groups": [
            {
                "Dimensions": [
                    {
                        "ProfileAttributes": {
                            "Attributes": {
                                audience["attribute_name"]: {
                                    "DimensionType": "INCLUSIVE",
                                    "Values": [audience["attribute_value"]],
                                }
                            }
                        }
                    }
                ],
                "Type": "ALL",
            }
        ],
        "Include": "ALL",
    }


def segment_definition_request(domain: str, audience: Row) -> dict[str, Any]:
    """The CreateSegmentDefinition request for one audience."""
    return {
        "DomainName": domain,
        "SegmentDefinitionName": audience["audience_name"],
        "DisplayName": audience["audience_name"],
        "Description": (audience["description"] or audience["audience_name"])[:4000],
        "SegmentGroups": segment_groups(audience),
    }


def upload_fields() -> dict[str, dict[str, str]]:
    """CreateUploadJob Fields: CSV column -> profile field."""
    fields = {
        "customer_id": {
            "Source": "_source.customer_id", "Target": "_profile.AccountNumber",
            "ContentType": "STRING",
        }
    }
    for column, field, content_type in CONTACT_COLUMNS:
        fields[column] = {
            "Source": f"_source.{column}", "Target": f"_profile.{field}",
            "ContentType": content_type,
        }
    for column, field in ADDRESS_COLUMNS:
        fields[column] = {
            "Source": f"_source.{column}", "Target": f"_profile.Address.{field}",
            "ContentType": "STRING",
        }
    for column in ATTRIBUTE_COLUMNS:
        fields[column] = {
            "Source": f"_source.{column}", "Target": f"_profile.Attributes.{column}",
            "ContentType": "STRING",
        }
    return fields


def csv_row(row: Row) -> list[str]:
    return ["" if text(row[column]) is None else text(row[column])
            for column in CONNECT_PROFILES.columns]


# files ---------------------------------------------------------------------


def write_profiles_jsonl(ctx: Context, path: Path, domain: str) -> int:
    def requests() -> Any:
        for row in diff.iter_rows(ctx.con, CONNECT_PROFILES):
            if row["external_id"]:
                yield update_profile_request(domain, row["external_id"], row)
            else:
                yield create_profile_request(domain, row)

    return files.write_jsonl(path, requests(), private=True)


def dry_run(ctx: Context) -> None:
    settings = ctx.settings
    out = settings.files_dir
    domain = settings.connect.domain_name or "<domain-name>"
    summary = diff.prepare(
        ctx.con, ctx.destination, CONNECT_PROFILES, send_all=settings.full_resync
    )
    ctx.report.diffs[summary.model] = summary
    rows = write_profiles_jsonl(ctx, out / "profiles.jsonl", domain)
    ctx.report.files.append(
        FileReport(out / "profiles.jsonl", rows, "CreateProfile/UpdateProfile requests")
    )
    diff.prepare(ctx.con, ctx.destination, RFM_AUDIENCES)
    audiences = list(diff.iter_rows(ctx.con, RFM_AUDIENCES, where="true"))
    requests = [segment_definition_request(domain, row) for row in audiences]
    files.write_json(out / "segment_definitions.json", requests)
    ctx.report.files.append(
        FileReport(out / "segment_definitions.json", len(requests),
                   "CreateSegmentDefinition requests")
    )
    actions = {"added": "create", "changed": "recreate", "unchanged": "unchanged"}
    ctx.report.segments += [
        SegmentAction(actions[row["change"]], row["audience_name"]) for row in audiences
    ]
    if settings.mirror:
        ctx.report.segments += [
            SegmentAction("delete", key)
            for key, _ in diff.iter_removed(ctx.con, RFM_AUDIENCES)
        ]
    if summary.removed:
        verb = "would delete" if settings.mirror else "stay; --mirror deletes"
        ctx.report.notes.append(f"{summary.removed} profile(s) left the model: {verb} them")


# calls ---------------------------------------------------------------------


def sync(ctx: Context) -> None:
    settings = ctx.settings
    client = ctx.client(SERVICE)
    settle_pending_jobs(ctx, client, settle_job)
    summary = diff.prepare(
        ctx.con, ctx.destination, CONNECT_PROFILES, send_all=settings.full_resync
    )
    ctx.report.diffs[summary.model] = summary
    ctx.counts.unchanged = summary.unchanged if not settings.full_resync else 0
    if settings.mode == "bulk":
        upload_profiles(ctx, client, summary)
    else:
        limiter = ctx.limiter(PROFILE_CALLS_PER_SECOND)
        send_rows(
            ctx, CONNECT_PROFILES, batched(diff.iter_rows(ctx.con, CONNECT_PROFILES), 1),
            lambda rows: [upsert_profile(ctx, client, rows[0], limiter)],
            label="connect profiles", total=summary.to_send,
            operation="CreateProfile/UpdateProfile",
        )
    sync_segment_definitions(ctx, client)
    if settings.mirror:
        remove_profiles(ctx, client)
    elif summary.removed:
        ctx.report.notes.append(
            f"{summary.removed} profile(s) left the model; --mirror deletes them"
        )


def find_profile(
    ctx: Context, client: Any, customer_id: str, limiter: aws.RateLimiter | None = None
) -> str | None:
    """The ProfileId whose AccountNumber is customer_id, if any."""
    response = ctx.call(
        client.search_profiles, limiter, DomainName=ctx.settings.connect.domain_name,
        KeyName=ACCOUNT_KEY, Values=[customer_id], MaxResults=2,
    )
    items = response.get("Items", [])
    if len(items) > 1:
        log.warning("customer %s has %d profiles; updating the first", customer_id, len(items))
    return items[0]["ProfileId"] if items else None


def upsert_profile(
    ctx: Context, client: Any, row: Row, limiter: aws.RateLimiter | None = None
) -> str:
    """Update the customer's profile, or create it; return its ProfileId."""
    domain = ctx.settings.connect.domain_name or ""
    profile_id = row.get("external_id")
    if profile_id:
        try:
            ctx.call(client.update_profile, limiter,
                     **update_profile_request(domain, profile_id, row))
            return profile_id
        except botocore.exceptions.ClientError as error:
            if aws.error_code(error) != "ResourceNotFoundException":
                raise
    profile_id = find_profile(ctx, client, row["customer_id"], limiter)
    if profile_id:
        ctx.call(client.update_profile, limiter,
                 **update_profile_request(domain, profile_id, row))
        return profile_id
    response = ctx.call(
        ctx.client(SERVICE, single_attempt=True).create_profile, limiter,
        recover=lambda: find_profile(ctx, client, row["customer_id"], limiter),
        **create_profile_request(domain, row),
    )
    return response if isinstance(response, str) else response["ProfileId"]


def remove_profiles(ctx: Context, client: Any) -> None:
    domain = ctx.settings.connect.domain_name

    def delete(key: str, profile_id: str | None) -> None:
        profile_id = profile_id or find_profile(ctx, client, key)
        if not profile_id:
            return
        try:
            ctx.call(client.delete_profile, DomainName=domain, ProfileId=profile_id)
        except botocore.exceptions.ClientError as error:
            if aws.error_code(error) != "ResourceNotFoundException":
                raise

    remove_rows(
        ctx, CONNECT_PROFILES, diff.iter_removed(ctx.con, CONNECT_PROFILES), delete,
        operation="DeleteProfile",
    )


def list_segment_definitions(ctx: Context, client: Any) -> set[str]:
    domain = ctx.settings.connect.domain_name
    names: set[str] = set()
    token = None
    while True:
        kwargs: dict[str, Any] = {"DomainName": domain, "MaxResults": 100}
        if token:
            kwargs["NextToken"] = token
        try:
            page = ctx.call(client.list_segment_definitions, **kwargs)
        except botocore.exceptions.ClientError as error:
            raise aws.describe_failure(error, "ListSegmentDefinitions") from None
        names |= {item["SegmentDefinitionName"] for item in page.get("Items", [])}
        token = page.get("NextToken")
        if not token:
            return names


def sync_segment_definitions(ctx: Context, client: Any) -> None:
    """Create missing definitions, recreate changed ones, delete (mirror) gone ones."""
    domain = ctx.settings.connect.domain_name or ""
    diff.prepare(ctx.con, ctx.destination, RFM_AUDIENCES)
    audiences = list(diff.iter_rows(ctx.con, RFM_AUDIENCES, where="true"))
    existing = list_segment_definitions(ctx, client)
    plan: list[tuple[str, str, Row | None]] = []
    for row in audiences:
        name = row["audience_name"]
        if name not in existing:
            plan.append(("create", name, row))
        elif row["change"] == "unchanged":
            plan.append(("unchanged", name, row))
        else:
            current = ctx.call(
                client.get_segment_definition, DomainName=domain, SegmentDefinitionName=name
            )
            same = current.get("SegmentGroups") == segment_groups(row)
            plan.append(("unchanged" if same else "recreate", name, row))
    if ctx.settings.mirror:
        wanted = {row["audience_name"] for row in audiences}
        plan += [
            ("delete", name, None)
            for name in sorted(existing)
            if name.startswith(SEGMENT_PREFIX) and name not in wanted
        ]
    for action, name, row in plan:
        try:
            if action in ("recreate", "delete"):
                delete_segment_definition(ctx, client, name)
            if action in ("create", "recreate"):
                create_segment_definition(ctx, client, row)
        except botocore.exceptions.ClientError as error:
            if not aws.is_row_error(error):
                raise aws.describe_failure(error, f"{action} segment definition {name}") from None
            ctx.counts.failed += 1
            ctx.state.record_rejects(
                ctx.run_id, ctx.destination, RFM_AUDIENCES.name,
                [(name, None, aws.error_code(error), aws.error_message(error))],
            )
            continue
        ctx.report.segments.append(SegmentAction(action, name))
        if action == "delete":
            ctx.state.forget(ctx.destination, RFM_AUDIENCES.name, [name], ctx.run_id)
        else:
            ctx.state.mark_synced(
                ctx.destination, RFM_AUDIENCES.name, [(name, row["row_hash"], name)],
                ctx.run_id,
            )


def create_segment_definition(ctx: Context, client: Any, row: Row) -> None:
    """CreateSegmentDefinition without botocore's retries; a retry after an
    ambiguous failure first checks whether the first attempt made it."""
    domain = ctx.settings.connect.domain_name or ""
    name = row["audience_name"]

    def made_earlier() -> bool | None:
        try:
            ctx.call(client.get_segment_definition, DomainName=domain,
                     SegmentDefinitionName=name)
        except botocore.exceptions.ClientError as error:
            if aws.error_code(error) == "ResourceNotFoundException":
                return None
            raise
        return True

    ctx.call(
        ctx.client(SERVICE, single_attempt=True).create_segment_definition,
        recover=made_earlier, **segment_definition_request(domain, row),
    )


def delete_segment_definition(ctx: Context, client: Any, name: str) -> None:
    """DeleteSegmentDefinition; one already gone is done."""
    try:
        ctx.call(client.delete_segment_definition,
                 DomainName=ctx.settings.connect.domain_name, SegmentDefinitionName=name)
    except botocore.exceptions.ClientError as error:
        if aws.error_code(error) != "ResourceNotFoundException":
            raise


# bulk ----------------------------------------------------------------------


def upload_profiles(ctx: Context, client: Any, summary: diff.DiffSummary) -> None:
    """CreateUploadJob, PUT the CSV to its pre-signed URL, StartUploadJob."""
    settings = ctx.settings
    domain = settings.connect.domain_name
    if summary.to_send == 0:
        ctx.report.notes.append("no profile changed: no upload job")
        return
    with tempfile.TemporaryDirectory(prefix="rfm-export-") as temp:
        out = settings.files_dir if settings.output_dir else Path(temp)
        path = out / "profiles.csv"
        rows = files.write_csv(
            path, CONNECT_PROFILES.columns,
            (csv_row(row) for row in diff.iter_rows(ctx.con, CONNECT_PROFILES)),
            private=True,
        )
        ctx.report.files.append(FileReport(path, rows, "upload job CSV"))
        body = path.read_bytes()
    try:
        job_id = ctx.call(
            client.create_upload_job, DomainName=domain,
            DisplayName=f"rfm-profiles-{ctx.run_id}", Fields=upload_fields(),
            UniqueKey="customer_id", DataExpiry=settings.connect.data_expiry_days,
        )["JobId"]
        path_response = ctx.call(client.get_upload_job_path, DomainName=domain, JobId=job_id)
        aws.http_put(
            path_response["Url"], body,
            aws.sse_c_headers(path_response.get("ClientToken")), retry=ctx.retry,
        )
        ctx.call(
            ctx.client(SERVICE, single_attempt=True).start_upload_job,
            recover=lambda: started(ctx, client, job_id), DomainName=domain, JobId=job_id,
        )
    except botocore.exceptions.ClientError as error:
        raise aws.describe_failure(error, "upload job") from None
    job = PendingJob(ctx.destination, CONNECT_PROFILES.name, job_id, ctx.run_id)
    ctx.state.add_pending_job(job, summary.table, "is_selected")
    ctx.report.jobs.append(f"upload job {job_id} ({rows} profiles)")
    settle_now_or_later(ctx, client, [job], settle_job)


def started(ctx: Context, client: Any, job_id: str) -> bool | None:
    """True if the upload job left CREATED (an earlier StartUploadJob went
    through), else None."""
    status = ctx.call(
        client.get_upload_job, DomainName=ctx.settings.connect.domain_name, JobId=job_id
    ).get("Status")
    return True if status and status != "CREATED" else None


def settle_job(ctx: Context, client: Any, job: PendingJob, *, wait: bool) -> None:
    """SUCCEEDED marks the job's rows synced; otherwise they are sent again."""
    settings = ctx.settings
    deadline = time.monotonic() + settings.wait_timeout_seconds
    while True:
        try:
            response = ctx.call(
                client.get_upload_job, DomainName=settings.connect.domain_name,
                JobId=job.job_id,
            )
        except botocore.exceptions.ClientError as error:
            if aws.error_code(error) == "ResourceNotFoundException":
                ctx.state.settle_job(job, succeeded=False, run_id=ctx.run_id)
                return
            raise aws.describe_failure(error, "GetUploadJob") from None
        status = response.get("Status", "")
        if status in FINISHED or not wait:
            break
        if time.monotonic() > deadline:
            ctx.report.status = "submitted"
            ctx.report.notes.append(f"upload job {job.job_id} still {status}")
            return
        ctx.retry.sleep(settings.poll_seconds)
    if status not in FINISHED:
        ctx.report.notes.append(f"upload job {job.job_id} is {status}; its rows wait for it")
        return
    summary_counts = response.get("ResultsSummary") or {}
    succeeded = status == "SUCCEEDED"
    synced = ctx.state.settle_job(job, succeeded=succeeded, run_id=ctx.run_id)
    if succeeded:
        summary = ctx.report.diffs.get(CONNECT_PROFILES.name)
        if job.run_id == ctx.run_id and summary is not None:
            ctx.counts.added += summary.added
            ctx.counts.changed += summary.changed
        ctx.report.notes.append(f"upload job {job.job_id} succeeded: {synced} profiles")
        return
    failed = int(summary_counts.get("FailedRecords") or 0)
    ctx.counts.failed += failed
    reason = response.get("StatusReason") or status
    ctx.state.record_rejects(
        ctx.run_id, ctx.destination, CONNECT_PROFILES.name,
        [(f"job:{job.job_id}", None, f"UploadJob{status.title().replace('_', '')}",
          f"{reason}: {failed} failed record(s)")],
    )
    message = (f"upload job {job.job_id} {status} ({reason}, {failed} failed record(s)); "
               "its rows are sent again next run")
    if status in ("FAILED", "STOPPED"):
        raise DestinationError(message)
    ctx.report.notes.append(message)
