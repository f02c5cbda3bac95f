"""The one place boto3 clients are made, and how calls are retried and paced.

- Clients come from `boto3.session.Session(profile_name, region_name)`, so
  credentials come only from the standard chain (environment, shared config
  and SSO, container or instance role); `--endpoint-url` points them at a
  local or private endpoint.
- botocore retries first (`standard` or `adaptive` mode, `--max-attempts`
  attempts in all), with its own exponential backoff on throttling and 5xx.
  `call` then retries the same errors, and client-side timeouts and dropped
  connections, a few more times with full-jitter backoff, so a long
  throttling spell slows the run down instead of failing it.
- Creates that are not idempotent (a profile, a segment) go through a client
  with botocore's retries off and a `recover` lookup: after an answer that
  leaves it unknown whether the service applied the call (a read timeout, a
  5xx), `call` looks for what the first attempt may have made before trying
  again, so a retry never makes a second one.
- `RateLimiter` keeps each operation under the rate the service documents
  (UpdateEndpointsBatch about 2/s, PutUsers/PutItems about 10/s, ...).
- Tests replace the factory with `set_client_factory` to hand out
  Stubber-wrapped clients; botocore still validates every request's shape.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import boto3
import botocore.exceptions
from botocore.config import Config

from exporters.config import AwsSettings
from exporters.errors import ConfigError, DestinationError

log = logging.getLogger(__name__)

USER_AGENT = "rfm-export/0.1"

# botocore's standard-mode throttling codes plus the services' own spellings.
THROTTLING_CODES = frozenset({
    "Throttling", "ThrottlingException", "ThrottledException",
    "RequestThrottledException", "TooManyRequestsException",
    "ProvisionedThroughputExceededException", "TransactionInProgressException",
    "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
    "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
})
TRANSIENT_CODES = frozenset({
    "InternalServerErrorException", "InternalServerError", "InternalFailure",
    "InternalServerException", "ServiceUnavailable", "ServiceUnavailableException",
    "RequestTimeout", "RequestTimeoutException",
})
# Codes that mean "this request's content is wrong": in a batch, some row.
ROW_ERROR_CODES = frozenset({
    "BadRequestException", "InvalidInputException", "ValidationException",
    "PayloadTooLargeException", "InvalidParameterException",
})
ACCESS_CODES = frozenset({
    "AccessDeniedException", "AccessDenied", "ForbiddenException",
    "UnrecognizedClientException", "InvalidSignatureException",
    "ExpiredTokenException", "InvalidClientTokenId", "MissingAuthenticationToken",
})

# Environment variables whose values must never be printed or stored.
SECRET_VARIABLES = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")
EMAIL_LIKE = re.compile(r"[^\s@'\"<>(),;:]+@[^\s@'\"<>(),;:]+")
PHONE_LIKE = re.compile(r"\+?\d[\d \-().]{5,}\d")

ClientFactory = Callable[[str, AwsSettings], Any]
_client_factory: ClientFactory | None = None


def set_client_factory(factory: ClientFactory | None) -> None:
    """Replace how clients are made (tests: Stubber-wrapped clients); None resets."""
    global _client_factory
    _client_factory = factory


def botocore_config(settings: AwsSettings) -> Config:
    """Retry mode and attempts (in all, the first included) for every client,
    plus our user agent."""
    return Config(
        retries={"mode": settings.retry_mode, "total_max_attempts": settings.max_attempts},
        user_agent_extra=USER_AGENT,
        connect_timeout=10,
        read_timeout=60,
    )


def client(service: str, settings: AwsSettings) -> Any:
    """A boto3 client for `service`, from the standard credential chain."""
    if _client_factory is not None:
        return _client_factory(service, settings)
    try:
        session = boto3.session.Session(
            profile_name=settings.profile, region_name=settings.region
        )
        return session.client(
            service,
            config=botocore_config(settings),
            endpoint_url=settings.endpoint_url,
        )
    except botocore.exceptions.ProfileNotFound as error:
        raise ConfigError(f"--profile: {error}") from None
    except botocore.exceptions.NoRegionError:
        raise ConfigError(
            "no AWS region: pass --region or set AWS_REGION / a profile region"
        ) from None


def error_code(error: BaseException) -> str:
    """The service's error code, or the exception's class name."""
    if isinstance(error, botocore.exceptions.ParamValidationError):
        return "ParamValidationError"
    if isinstance(error, botocore.exceptions.ClientError):
        return str(error.response.get("Error", {}).get("Code") or "ClientError")
    return type(error).__name__


def hide_secrets(text: str) -> str:
    """Blank out the values of the secret AWS environment variables."""
    for name in SECRET_VARIABLES:
        value = os.environ.get(name, "")
        if len(value) >= 8:
            text = text.replace(value, "<redacted>")
    return text


def scrub(text: str) -> str:
    """Blank out anything shaped like an email address or a phone number
    (services echo rejected values in their messages), and secrets."""
    return PHONE_LIKE.sub("<redacted>", EMAIL_LIKE.sub("<redacted>", hide_secrets(text)))


def error_message(error: BaseException) -> str:
    """The service's message, scrubbed of contact-like values."""
    if isinstance(error, botocore.exceptions.ClientError):
        return scrub(str(error.response.get("Error", {}).get("Message") or error))
    return scrub(str(error))


def http_status(error: BaseException) -> int | None:
    if isinstance(error, botocore.exceptions.ClientError):
        return error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return None


def is_retryable(error: BaseException) -> bool:
    """Throttling, 5xx and dropped connections: worth another try later."""
    if isinstance(
        error,
        botocore.exceptions.EndpointConnectionError
        | botocore.exceptions.ConnectionClosedError
        | botocore.exceptions.ReadTimeoutError
        | botocore.exceptions.ConnectTimeoutError,
    ):
        return True
    code = error_code(error)
    status = http_status(error) or 0
    return code in THROTTLING_CODES or code in TRANSIENT_CODES or status == 429 or (
        status >= 500
    )


def is_ambiguous(error: BaseException) -> bool:
    """A retryable failure after which the service may have applied the call:
    the request went out but no answer came back (read timeout, dropped
    connection) or the service failed midway (5xx). Throttling and failed
    connects mean the request was not processed."""
    if isinstance(
        error,
        botocore.exceptions.ConnectTimeoutError | botocore.exceptions.EndpointConnectionError,
    ):
        return False
    return is_retryable(error) and error_code(error) not in THROTTLING_CODES and (
        http_status(error) != 429
    )


def is_row_error(error: BaseException) -> bool:
    """The request was refused for its content: botocore's own validation, or a
    4xx from the service that no retry would fix."""
    if isinstance(error, botocore.exceptions.ParamValidationError):
        return True
    if not isinstance(error, botocore.exceptions.ClientError):
        return False
    status = http_status(error) or 0
    return error_code(error) in ROW_ERROR_CODES or (
        status in (400, 413, 422) and not is_retryable(error)
    )


@dataclass
class RetryPolicy:
    """Full-jitter exponential backoff after botocore's own retries give up.
    `sleep` and `clock` also pace the run's rate limiters (tests make both
    instant)."""

    attempts: int = 4
    base_seconds: float = 1.0
    cap_seconds: float = 30.0
    sleep: Callable[[float], None] = time.sleep
    random: Callable[[], float] = random.random
    clock: Callable[[], float] = time.monotonic  # for the rate limiters

    def delay(self, attempt: int) -> float:
        return self.random() * min(self.cap_seconds, self.base_seconds * 2**attempt)


@dataclass
class RateLimiter:
    """At most `per_second` calls per second (0: unlimited), shared by threads."""

    per_second: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def wait(self) -> None:
        if self.per_second <= 0:
            return
        with self._lock:
            now = self.clock()
            start = max(now, self._next)
            self._next = start + 1.0 / self.per_second
        if start > now:
            self.sleep(start - now)


def api_name(method: Callable[..., Any]) -> str:
    """The service's operation name of a client method (update_endpoints_batch
    -> UpdateEndpointsBatch), for messages."""
    name = getattr(method, "__name__", "call")
    meta = getattr(getattr(method, "__self__", None), "meta", None)
    return getattr(meta, "method_to_api_mapping", {}).get(name, name)


def call(
    method: Callable[..., Any],
    *,
    retry: RetryPolicy | None = None,
    limiter: RateLimiter | None = None,
    recover: Callable[[], Any] | None = None,
    **kwargs: Any,
) -> Any:
    """Call a client method, retrying throttling, 5xx, timeouts and dropped
    connections with jittered backoff, at most `retry.attempts` times.

    `recover` (for creates that are not idempotent) runs before a retry that
    follows an ambiguous failure; what it returns (not None) is taken as the
    call's result and nothing is sent again. Other errors propagate unchanged
    (callers tell row errors from failures); a retryable client-side error on
    the last attempt becomes a DestinationError; missing credentials a
    ConfigError.
    """
    retry = retry or RetryPolicy()
    operation = api_name(method)
    ambiguous = False
    for attempt in range(1, retry.attempts + 1):
        if ambiguous and recover is not None:
            found = recover()
            if found is not None:
                log.info("%s: the earlier attempt went through; not sent again", operation)
                return found
        if limiter is not None:
            limiter.wait()
        try:
            return method(**kwargs)
        except (
            botocore.exceptions.NoCredentialsError,
            botocore.exceptions.PartialCredentialsError,
        ):
            raise ConfigError(
                "no AWS credentials found: configure the standard chain "
                "(AWS_PROFILE / --profile, environment variables, SSO or a role)"
            ) from None
        except botocore.exceptions.ParamValidationError:
            raise
        except botocore.exceptions.BotoCoreError as error:
            if not is_retryable(error) or attempt == retry.attempts:
                raise DestinationError(
                    f"{operation}: {scrub(str(error))} (after {attempt} attempt(s))"
                ) from None
            failure: BaseException = error
        except botocore.exceptions.ClientError as error:
            if not is_retryable(error) or attempt == retry.attempts:
                raise
            failure = error
        ambiguous = ambiguous or is_ambiguous(failure)
        wait = retry.delay(attempt)
        log.warning(
            "%s: %s, retry %d of %d in %.1fs",
            operation, error_code(failure), attempt, retry.attempts - 1, wait,
        )
        retry.sleep(wait)
    raise AssertionError("unreachable")  # pragma: no cover


def describe_failure(error: BaseException, what: str) -> DestinationError:
    """A one-line DestinationError for a failed call (no addresses in it)."""
    code = error_code(error)
    if code in ACCESS_CODES:
        return DestinationError(
            f"{what}: access denied ({code}); check the IAM permissions in the README"
        )
    return DestinationError(f"{what}: {code}: {error_message(error)}")


def split_s3_uri(uri: str) -> tuple[str, str]:
    """s3://bucket/a/b -> ('bucket', 'a/b')."""
    bucket, _, prefix = uri.removeprefix("s3://").partition("/")
    return bucket, prefix.strip("/")


def s3_key(prefix: str, *parts: str) -> str:
    return "/".join(part.strip("/") for part in (prefix, *parts) if part)


def upload_file(
    s3: Any, path: str, bucket: str, key: str, retry: RetryPolicy | None = None
) -> str:
    """Upload a local file (server-side encrypted) and return its s3:// URI."""
    with open(path, "rb") as handle:
        call(
            s3.put_object,
            retry=retry,
            Bucket=bucket,
            Key=key,
            Body=handle.read(),
            ServerSideEncryption="AES256",
        )
    return f"s3://{bucket}/{key}"


def sse_c_headers(client_token: str | None) -> dict[str, str]:
    """S3 SSE-C headers for a data key the service handed out (base64)."""
    if not client_token:
        return {}
    try:
        key = base64.b64decode(client_token, validate=True)
    except (ValueError, binascii.Error):
        key = client_token.encode()
    return {
        "x-amz-server-side-encryption-customer-algorithm": "AES256",
        "x-amz-server-side-encryption-customer-key": client_token,
        "x-amz-server-side-encryption-customer-key-MD5": base64.b64encode(
            hashlib.md5(key).digest()  # noqa: S324 - the header S3 defines
        ).decode(),
    }


def http_put(
    url: str, body: bytes, headers: dict[str, str] | None = None, timeout: float = 300,
    retry: RetryPolicy | None = None,
) -> None:
    """PUT a file to a pre-signed URL the service handed out; dropped
    connections, timeouts, 429 and 5xx are retried like API calls (a PUT of
    the same object is idempotent)."""
    retry = retry or RetryPolicy()
    request = urllib.request.Request(
        url, data=body, method="PUT",
        headers={"Content-Type": "text/csv", **(headers or {})},
    )
    for attempt in range(1, retry.attempts + 1):
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
                response.read()
            return
        except urllib.error.HTTPError as error:
            reason = f"HTTP {error.code}"
            if not (error.code == 429 or error.code >= 500) or attempt == retry.attempts:
                raise DestinationError(
                    f"upload to the pre-signed URL failed: {reason}"
                ) from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            reason = str(getattr(error, "reason", error))
            if attempt == retry.attempts:
                raise DestinationError(
                    f"upload to the pre-signed URL failed: {reason} "
                    f"(after {attempt} attempt(s))"
                ) from None
        wait = retry.delay(attempt)
        log.warning("upload: %s, retry %d of %d in %.1fs", reason, attempt,
                    retry.attempts - 1, wait)
        retry.sleep(wait)
