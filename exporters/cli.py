"""`rfm-export`: sync the export marts to Pinpoint, Personalize or Connect.

Click commands only: flags become ExportSettings (config.py), sync.run does
the work, and the report is printed here. Exit codes: 0 ok, 1 some rows
rejected, 2 usage or configuration error, 3 destination or service failure
(or a file stayed locked past --lock-timeout), 130 interrupted (Ctrl-C or
SIGTERM).
"""

from __future__ import annotations

import logging
import signal
import sys
from collections.abc import Callable
from typing import Any

import click

from exporters import aws, config, connect, personalize, pinpoint, sync
from exporters.errors import EXIT_DESTINATION, ExportError
from exporters.progress import BarProgress, LogProgress, Progress

log = logging.getLogger("exporters")

DESTINATION_MODULES = {
    "pinpoint": pinpoint,
    "personalize": personalize,
    "connect": connect,
}


def common_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """Flags every destination takes."""
    options = [
        click.option("--mode", type=click.Choice(config.MODES), default="api",
                     show_default=True,
                     help="api: batched API calls; bulk: files to S3 and an import job."),
        click.option("--dry-run", is_flag=True,
                     help="Write what would be sent to --output-dir; no credentials, "
                          "no call."),
        click.option("--output-dir", type=click.Path(file_okay=False),
                     envvar="RFM_EXPORT_OUTPUT_DIR",
                     help=f"Where files go (default {config.DEFAULT_OUTPUT_DIR}; "
                          "bulk runs use a temporary directory unless given)."),
        click.option("--warehouse", "warehouse_path", type=click.Path(dir_okay=False),
                     envvar="RFM_DUCKDB_PATH", default=config.DEFAULT_WAREHOUSE,
                     show_default=True, help="DuckDB file dbt built (read-only). "
                     "[env RFM_DUCKDB_PATH]"),
        click.option("--state-path", type=click.Path(dir_okay=False),
                     envvar="RFM_EXPORT_STATE_PATH", default=config.DEFAULT_STATE,
                     show_default=True, help="DuckDB file with sync state and run "
                     "history. [env RFM_EXPORT_STATE_PATH]"),
        click.option("--schema", envvar="RFM_EXPORT_SCHEMA", default=config.DEFAULT_SCHEMA,
                     show_default=True, help="Schema of the export marts in the "
                     "warehouse. [env RFM_EXPORT_SCHEMA]"),
        click.option("--lock-timeout", "lock_timeout_seconds",
                     type=click.FloatRange(0, config.MAX_LOCK_TIMEOUT),
                     envvar="RFM_EXPORT_LOCK_TIMEOUT", default=config.DEFAULT_LOCK_TIMEOUT,
                     show_default=True, help="Seconds to wait while another process "
                     "(a dbt build, another export) holds the warehouse or state file. "
                     "[env RFM_EXPORT_LOCK_TIMEOUT]"),
        click.option("--full-resync", is_flag=True,
                     help="Send every row, not only new and changed ones."),
        click.option("--mirror", is_flag=True,
                     help="Also delete what left the model (rows and _RFM_ segments)."),
        click.option("--s3-uri", envvar="RFM_EXPORT_S3_URI",
                     help="s3://bucket/prefix for bulk files. [env RFM_EXPORT_S3_URI]"),
        click.option("--role-arn", envvar="RFM_EXPORT_ROLE_ARN",
                     help="IAM role the service assumes to read --s3-uri (bulk). "
                          "[env RFM_EXPORT_ROLE_ARN]"),
        click.option("--wait", is_flag=True,
                     help="Bulk: wait for the import job and report its failures."),
        click.option("--wait-timeout", "wait_timeout_seconds", type=click.IntRange(1),
                     default=3600, show_default=True, help="Seconds --wait waits."),
        click.option("--poll-seconds", type=click.FloatRange(0), default=15.0,
                     show_default=True, help="Seconds between job status checks."),
        click.option("--region", help="AWS region (default: the standard chain)."),
        click.option("--profile", help="AWS shared-config profile."),
        click.option("--endpoint-url", help="Custom endpoint (local emulator, VPC)."),
        click.option("--retry-mode", type=click.Choice(config.RETRY_MODES),
                     default="standard", show_default=True,
                     help="botocore retry mode."),
        click.option("--max-attempts", type=int, default=8, show_default=True,
                     help="botocore attempts per call, the first included "
                          "(throttling, 5xx)."),
        click.option("-v", "--verbose", is_flag=True, help="Debug logging."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


class Redact(logging.Filter):
    """Last line of defence for log records: email addresses and the values
    of secret AWS environment variables become <redacted>, and in tracebacks
    phone numbers too (the code never logs them; an exception might carry
    one). Phone-like runs of digits stay in messages: run ids are made of
    them."""

    @staticmethod
    def clean(text: str) -> str:
        return aws.EMAIL_LIKE.sub("<redacted>", aws.hide_secrets(text))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = self.clean(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = aws.scrub(record.exc_text)
        return True


def configure_logging(verbose: bool) -> None:
    """Plain log lines on stderr; botocore stays quiet (it can echo payloads)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
    handler.addFilter(Redact())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.WARNING)
    log.setLevel(logging.DEBUG if verbose else logging.INFO)
    for name in ("botocore", "boto3", "urllib3", "s3transfer"):
        logging.getLogger(name).setLevel(logging.WARNING)


def pick_progress(dry_run: bool) -> Progress:
    if dry_run:
        return Progress()
    if sys.stderr.isatty():
        return BarProgress()
    return LogProgress()


def print_report(report: sync.RunReport) -> None:
    title = f"rfm-export {report.destination} --mode {report.mode}"
    if report.dry_run:
        click.echo(f"{title}: dry run, no call made")
    else:
        click.echo(f"{title}: run {report.run_id} {report.status}")
    for summary in report.diffs.values():
        click.echo(
            f"  {summary.model}: {summary.total} rows; added {summary.added}, "
            f"changed {summary.changed}, unchanged {summary.unchanged}, "
            f"left the model {summary.removed}"
            + (f", in a pending job {summary.pending}" if summary.pending else "")
            + (f", refused {summary.refused}" if summary.refused else "")
            + f"; {summary.to_send} to send"
        )
    for file in report.files:
        click.echo(f"  wrote {file.path}: {file.rows} {'rows' if file.rows != 1 else 'row'}"
                   + (f" ({file.note})" if file.note else ""))
    if report.segments:
        by_action: dict[str, list[str]] = {}
        for step in report.segments:
            by_action.setdefault(step.action, []).append(step.name)
        for action in ("create", "update", "recreate", "delete", "unchanged"):
            names = by_action.get(action)
            if names:
                click.echo(f"  segments to {action} ({len(names)}): {', '.join(names)}"
                           if report.dry_run else
                           f"  segments {action} ({len(names)}): {', '.join(names)}")
    for job in report.jobs:
        click.echo(f"  {job}")
    for note in report.notes:
        click.echo(f"  note: {note}")
    if not report.dry_run:
        counts = report.counts
        click.echo(
            f"  rows added {counts.added}, changed {counts.changed}, removed "
            f"{counts.removed}, failed {counts.failed}, unchanged {counts.unchanged}"
        )


def stop_on_sigterm() -> None:
    """A scheduler's SIGTERM (timeout, shutdown) ends the run like Ctrl-C, so
    it is recorded as interrupted; what was accepted is already committed."""

    def handler(_signum: int, _frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, handler)


def execute(destination: str, verbose: bool, **flags: Any) -> None:
    """Build settings, run, print; exit with the documented code."""
    configure_logging(verbose)
    stop_on_sigterm()
    try:
        settings = config.build_settings(destination, **flags)
        report = sync.run(
            settings, DESTINATION_MODULES[destination], pick_progress(settings.dry_run)
        )
    except ExportError as error:
        click.echo(f"error: {aws.hide_secrets(str(error))}", err=True)
        sys.exit(error.exit_code)
    except KeyboardInterrupt:
        click.echo("interrupted: rows accepted so far are recorded; rerun to continue",
                   err=True)
        sys.exit(130)
    except Exception as error:  # noqa: BLE001 - one line, not a traceback
        if verbose:
            log.exception("unexpected error")
        click.echo(
            f"error: unexpected {type(error).__name__}: {aws.scrub(str(error))} (rerun "
            "with --verbose for the traceback)",
            err=True,
        )
        sys.exit(EXIT_DESTINATION)
    print_report(report)
    sys.exit(report.exit_code)


@click.group(context_settings={"help_option_names": ["-h", "--help"],
                               "max_content_width": 100})
def cli() -> None:
    """Sync the RFM export marts to AWS: Pinpoint, Personalize, Connect.

    Reads the dbt-built DuckDB file read-only, sends only rows that are new or
    changed since the last successful sync, and records every run in the state
    file. Exit codes: 0 ok, 1 some rows rejected (retried next run), 2 usage or
    configuration error, 3 destination or service failure (or the warehouse
    stayed locked past --lock-timeout), 130 interrupted.
    """


@cli.command("pinpoint")
@common_options
@click.option("--application-id", envvar="RFM_PINPOINT_APPLICATION_ID",
              help="Pinpoint project id. [env RFM_PINPOINT_APPLICATION_ID]")
def pinpoint_command(verbose: bool, **flags: Any) -> None:
    """Endpoints (pinpoint_endpoints) and _RFM_ segments (rfm_audiences)."""
    execute("pinpoint", verbose, **flags)


@cli.command("personalize")
@common_options
@click.option("--dataset-group-arn", envvar="RFM_PERSONALIZE_DATASET_GROUP_ARN",
              help="Dataset group; dataset ARNs derive from it. "
                   "[env RFM_PERSONALIZE_DATASET_GROUP_ARN]")
@click.option("--tracking-id", envvar="RFM_PERSONALIZE_TRACKING_ID",
              help="Event tracker id for PutEvents (api mode). "
                   "[env RFM_PERSONALIZE_TRACKING_ID]")
@click.option("--import-mode", type=click.Choice(config.IMPORT_MODES, case_sensitive=False),
              default="FULL", show_default=True,
              help="Bulk: FULL replaces the datasets, INCREMENTAL adds changed rows.")
@click.option("--datasets", default="interactions,users,items", show_default=True,
              help="Comma-separated subset of interactions, users, items.")
def personalize_command(verbose: bool, **flags: Any) -> None:
    """Interactions, users and items: pseudonymous ids only."""
    execute("personalize", verbose, **flags)


@cli.command("connect")
@common_options
@click.option("--domain-name", envvar="RFM_CONNECT_DOMAIN",
              help="Customer Profiles domain. [env RFM_CONNECT_DOMAIN]")
@click.option("--data-expiry-days", type=int, default=1098, show_default=True,
              help="Bulk: days before profiles from an upload job expire (max 1098).")
def connect_command(verbose: bool, **flags: Any) -> None:
    """Customer profiles (connect_profiles) and _RFM_ segment definitions."""
    execute("connect", verbose, **flags)


def main() -> None:
    """Console-script entry point."""
    cli(prog_name="rfm-export")


if __name__ == "__main__":
    main()
