"""Typed settings for one export run, from flags and environment, validated.

cli.py collects raw values (click reads the environment variables named in
each option); `build_settings` checks every identifier against the format the
service documents and raises ConfigError with a one-line message naming the
flag and the bad value, so a typo fails before any file is read or any call
is made. Values that reach SQL: --schema (an identifier, checked here) and the
file paths (quoted as SQL string literals, checked for control characters).
What the marts themselves carry into API names (rfm_audiences) is checked by
extract.check_audiences before any call.
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
DEFAULT_SCHEMA = "main"
DEFAULT_LOCK_TIMEOUT = 300.0
MAX_LOCK_TIMEOUT = 86400.0
# S3 keys are at most 1024 bytes; the exporter adds <destination>/<run id>/<file>.
MAX_S3_PREFIX = 900

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
        r"s3://(?!.*\.\.)[a-z0-9][a-z0-9.-]{1,61}[a-z0-9](/[A-Za-z0-9!_.*()=-]+)*",
        "expected s3://<bucket>/<prefix>: a bucket name, then a prefix of letters, "
        "digits and !_.*()=- separated by single /, no '..'",
    ),
    "region": (
        r"[a-z]{2}(-[a-z]+)+-\d{1,2}",
        "expected a region name such as us-east-1",
    ),
    "endpoint_url": (
        r"https?://[^\s/@]+(/[^\s]*)?",
        "expected an http(s):// URL, with no user:password@ in it",
    ),
    "schema": (
        r"[A-Za-z_][A-Za-z0-9_]{0,62}",
        "a schema name is 1-63 letters, digits or _, not starting with a digit",
    ),
    "profile": (
        r"[A-Za-z0-9_.+=,@/-]{1,128}",
        "a profile name is 1-128 letters, digits or _.+=,@/-",
    ),
}
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def shown(value: object, limit: int = 60) -> str:
    """A value for an error message: quoted, cut if long."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[:limit]}... ({len(str(value))} characters)"


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def check(name: str, value: str | None) -> str | None:
    """Return value if it matches the documented format of `name`, else raise."""
    if value is None or value == "":
        return None
    pattern, hint = PATTERNS[name]
    if not re.fullmatch(pattern, value):
        # A URL's user:password@ is not printed back.
        printable = re.sub(r"//([^/@:]*):[^/@]*@", r"//\1:***@", value)
        raise ConfigError(f"{flag_name(name)}: {shown(printable)} is not valid ({hint})")
    return value


def check_required(name: str, value: str) -> str:
    """Like check, for a setting that has no 'not set' (empty is an error)."""
    if not value:
        raise ConfigError(f"{flag_name(name)}: {shown(value)} is not valid (it is empty)")
    return check(name, value) or value


def check_path(flag: str, value: str | None, default: str) -> Path:
    """A file path from a flag or the environment; it reaches SQL (ATTACH) as
    a quoted literal, so only control characters are refused."""
    if value is not None and (not value.strip() or CONTROL.search(value)):
        raise ConfigError(
            f"{flag}: {shown(value)} is not a usable path (empty, or control characters)"
        )
    return Path(value or default)


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
    schema: str = DEFAULT_SCHEMA
    lock_timeout_seconds: float = DEFAULT_LOCK_TIMEOUT
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
    schema: str | None = None,
    lock_timeout_seconds: float = DEFAULT_LOCK_TIMEOUT,
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
    if not 0 <= lock_timeout_seconds <= MAX_LOCK_TIMEOUT:
        raise ConfigError(
            f"--lock-timeout: {shown(lock_timeout_seconds)} is not valid "
            f"(0 to {MAX_LOCK_TIMEOUT:g} seconds)"
        )
    if s3_uri:
        s3_uri = s3_uri.rstrip("/")
        if len(s3_uri) > len("s3://") + 63 + 1 + MAX_S3_PREFIX:
            raise ConfigError(
                f"--s3-uri: {shown(s3_uri)} is too long (a prefix of at most "
                f"{MAX_S3_PREFIX} characters: S3 keys are at most 1024)"
            )
    warehouse = check_path("--warehouse", warehouse_path, DEFAULT_WAREHOUSE)
    state = check_path("--state-path", state_path, DEFAULT_STATE)
    if warehouse.resolve() == state.resolve():
        raise ConfigError(
            f"--state-path: {shown(str(state))} is the warehouse file; the export "
            "state needs a file of its own"
        )
    settings = ExportSettings(
        destination=destination,
        mode=mode,
        warehouse_path=warehouse,
        state_path=state,
        output_dir=check_path("--output-dir", output_dir, ".") if output_dir else None,
        schema=check_required("schema", DEFAULT_SCHEMA if schema is None else schema),
        lock_timeout_seconds=lock_timeout_seconds,
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
            profile=check("profile", profile),
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
