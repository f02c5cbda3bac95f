"""Typed settings for one export run, from flags and environment, validated.

cli.py collects raw values (click reads the environment variables named in
each option); `build_settings` checks every identifier against the format the
service documents and raises ConfigError with a one-line message, so a typo
fails before any file is read or any call is made.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from exporters.errors import ConfigError

DESTINATIONS = ("pinpoint", "personalize", "connect")
MODES = ("api", "bulk")
PERSONALIZE_DATASETS = ("interactions", "users", "items")
IMPORT_MODES = ("FULL", "INCREMENTAL")
RETRY_MODES = ("standard", "adaptive")

DEFAULT_WAREHOUSE = "warehouse/rfm.duckdb"
DEFAULT_STATE = "warehouse/export_state.duckdb"
DEFAULT_OUTPUT_DIR = "warehouse/exports"

PATTERNS = {
    "application_id": (
        r"[0-9a-fA-F]{32}",
        "a Pinpoint project (application) id is 32 hexadecimal characters",
    ),
    "dataset_group_arn": (
        r"arn:aws[a-z-]*:personalize:[a-z0-9-]+:\d{12}:dataset-group/"
        r"[a-zA-Z0-9][a-zA-Z0-9_-]{0,62}",
        "expected arn:aws:personalize:<region>:<account>:dataset-group/<name>",
    ),
    "tracking_id": (
        r"[A-Za-z0-9-]{1,256}",
        "an event tracker's tracking id looks like a UUID",
    ),
    "domain_name": (
        r"[a-zA-Z0-9_-]{1,64}",
        "a Customer Profiles domain name is 1-64 letters, digits, _ or -",
    ),
    "role_arn": (
        r"arn:aws[a-z-]*:iam::\d{12}:role/[A-Za-z0-9+=,.@_/-]{1,512}",
        "expected arn:aws:iam::<account>:role/<name>",
    ),
    "s3_uri": (
        r"s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[^\s]*)?",
        "expected s3://<bucket>/<prefix>",
    ),
    "region": (
        r"[a-z]{2}(-[a-z]+)+-\d{1,2}",
        "expected a region name such as us-east-1",
    ),
    "endpoint_url": (
        r"https?://[^\s/]+(/[^\s]*)?",
        "expected an http(s):// URL",
    ),
}


def check(name: str, value: str | None) -> str | None:
    """Return value if it matches the documented format of `name`, else raise."""
    if value is None or value == "":
        return None
    pattern, hint = PATTERNS[name]
    if not re.fullmatch(pattern, value):
        flag = "--" + name.replace("_", "-")
        raise ConfigError(f"{flag}: {value!r} is not valid ({hint})")
    return value


@dataclass(frozen=True)
class AwsSettings:
    """How to reach AWS. Credentials come only from the standard chain."""

    region: str | None = None
    profile: str | None = None
    endpoint_url: str | None = None
    retry_mode: str = "standard"
    max_attempts: int = 8


@dataclass(frozen=True)
class PinpointOptions:
    application_id: str | None = None


@dataclass(frozen=True)
class PersonalizeOptions:
    dataset_group_arn: str | None = None
    tracking_id: str | None = None
    import_mode: str = "FULL"
    datasets: tuple[str, ...] = PERSONALIZE_DATASETS

    def dataset_arn(self, dataset: str) -> str:
        """The ARN Personalize gives dataset `dataset` of the dataset group."""
        if not self.dataset_group_arn:
            raise ConfigError("--dataset-group-arn is required")
        prefix, _, group = self.dataset_group_arn.partition(":dataset-group/")
        return f"{prefix}:dataset/{group}/{dataset.upper()}"


@dataclass(frozen=True)
class ConnectOptions:
    domain_name: str | None = None
    data_expiry_days: int = 1098


@dataclass(frozen=True)
class ExportSettings:
    """Everything one `rfm-export <destination>` run needs."""

    destination: str
    mode: str = "api"
    warehouse_path: Path = Path(DEFAULT_WAREHOUSE)
    state_path: Path = Path(DEFAULT_STATE)
    output_dir: Path | None = None
    dry_run: bool = False
    full_resync: bool = False
    mirror: bool = False
    s3_uri: str | None = None
    role_arn: str | None = None
    wait: bool = False
    wait_timeout_seconds: int = 3600
    poll_seconds: float = 15.0
    aws: AwsSettings = field(default_factory=AwsSettings)
    pinpoint: PinpointOptions = field(default_factory=PinpointOptions)
    personalize: PersonalizeOptions = field(default_factory=PersonalizeOptions)
    connect: ConnectOptions = field(default_factory=ConnectOptions)

    @property
    def files_dir(self) -> Path:
        """Where the destination's files go (dry run and bulk)."""
        return (self.output_dir or Path(DEFAULT_OUTPUT_DIR)) / self.destination


def parse_datasets(value: str | None) -> tuple[str, ...]:
    """'users,items' -> ('users', 'items'), in the canonical order."""
    if not value:
        return PERSONALIZE_DATASETS
    names = {part.strip().lower() for part in value.split(",") if part.strip()}
    unknown = names - set(PERSONALIZE_DATASETS)
    if unknown or not names:
        raise ConfigError(
            f"--datasets: unknown {sorted(unknown)}; choose from "
            + ", ".join(PERSONALIZE_DATASETS)
        )
    return tuple(name for name in PERSONALIZE_DATASETS if name in names)


def build_settings(  # noqa: PLR0913 - one keyword per flag, on purpose
    destination: str,
    *,
    mode: str = "api",
    warehouse_path: str | None = None,
    state_path: str | None = None,
    output_dir: str | None = None,
    dry_run: bool = False,
    full_resync: bool = False,
    mirror: bool = False,
    s3_uri: str | None = None,
    role_arn: str | None = None,
    wait: bool = False,
    wait_timeout_seconds: int = 3600,
    poll_seconds: float = 15.0,
    region: str | None = None,
    profile: str | None = None,
    endpoint_url: str | None = None,
    retry_mode: str = "standard",
    max_attempts: int = 8,
    application_id: str | None = None,
    dataset_group_arn: str | None = None,
    tracking_id: str | None = None,
    import_mode: str = "FULL",
    datasets: str | None = None,
    domain_name: str | None = None,
    data_expiry_days: int = 1098,
) -> ExportSettings:
    """Validate raw flag values and return the settings, or raise ConfigError."""
    if destination not in DESTINATIONS:
        raise ConfigError(f"unknown destination {destination!r}")
    if mode not in MODES:
        raise ConfigError(f"--mode must be one of {', '.join(MODES)}")
    if retry_mode not in RETRY_MODES:
        raise ConfigError(f"--retry-mode must be one of {', '.join(RETRY_MODES)}")
    if not 1 <= max_attempts <= 20:
        raise ConfigError("--max-attempts must be between 1 and 20")
    import_mode = (import_mode or "FULL").upper()
    if import_mode not in IMPORT_MODES:
        raise ConfigError(f"--import-mode must be one of {', '.join(IMPORT_MODES)}")
    if not 1 <= data_expiry_days <= 1098:
        raise ConfigError("--data-expiry-days must be between 1 and 1098")
    if s3_uri:
        s3_uri = s3_uri.rstrip("/")
    settings = ExportSettings(
        destination=destination,
        mode=mode,
        warehouse_path=Path(warehouse_path or DEFAULT_WAREHOUSE),
        state_path=Path(state_path or DEFAULT_STATE),
        output_dir=Path(output_dir) if output_dir else None,
        dry_run=dry_run,
        full_resync=full_resync,
        mirror=mirror,
        s3_uri=check("s3_uri", s3_uri),
        role_arn=check("role_arn", role_arn),
        wait=wait,
        wait_timeout_seconds=wait_timeout_seconds,
        poll_seconds=poll_seconds,
        aws=AwsSettings(
            region=check("region", region),
            profile=profile or None,
            endpoint_url=check("endpoint_url", endpoint_url),
            retry_mode=retry_mode,
            max_attempts=max_attempts,
        ),
        pinpoint=PinpointOptions(
            application_id=check("application_id", application_id),
        ),
        personalize=PersonalizeOptions(
            dataset_group_arn=check("dataset_group_arn", dataset_group_arn),
            tracking_id=check("tracking_id", tracking_id),
            import_mode=import_mode,
            datasets=parse_datasets(datasets),
        ),
        connect=ConnectOptions(
            domain_name=check("domain_name", domain_name),
            data_expiry_days=data_expiry_days,
        ),
    )
    if not dry_run:
        require_destination_flags(settings)
    return settings


def require_destination_flags(settings: ExportSettings) -> None:
    """The flags a real (not dry) run of this destination and mode needs."""
    missing: list[str] = []
    bulk = settings.mode == "bulk"
    if settings.destination == "pinpoint":
        if not settings.pinpoint.application_id:
            missing.append("--application-id")
        if bulk:
            missing += needs_s3(settings)
    elif settings.destination == "personalize":
        options = settings.personalize
        needs_group = bulk or {"users", "items"} & set(options.datasets)
        if needs_group and not options.dataset_group_arn:
            missing.append("--dataset-group-arn")
        if not bulk and "interactions" in options.datasets and not options.tracking_id:
            missing.append("--tracking-id")
        if bulk:
            missing += needs_s3(settings)
        elif settings.mirror:
            raise ConfigError(
                "--mirror needs --mode bulk --import-mode FULL for Personalize: the "
                "streaming APIs cannot remove users, items or events"
            )
        if bulk and settings.mirror and options.import_mode != "FULL":
            raise ConfigError("--mirror with Personalize needs --import-mode FULL")
    elif settings.destination == "connect":
        if not settings.connect.domain_name:
            missing.append("--domain-name")
    if missing:
        raise ConfigError(
            f"{settings.destination} --mode {settings.mode} needs "
            + ", ".join(missing)
            + " (or --dry-run)"
        )


def needs_s3(settings: ExportSettings) -> list[str]:
    """Bulk imports read from S3 with a role the service assumes."""
    missing = []
    if not settings.s3_uri:
        missing.append("--s3-uri")
    if not settings.role_arn:
        missing.append("--role-arn")
    return missing
