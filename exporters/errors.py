"""Errors the exporter raises on purpose, each with the exit code it maps to.

Exit codes (documented in the README; a scheduler can act on them):

- 0: every row was accepted (or nothing needed sending);
- 1: the run finished but the destination rejected some rows (see the
  `rejects` table; they are retried on the next run);
- 2: usage or configuration error the user can fix (a flag, a missing mart,
  missing credentials);
- 3: the destination or the service failed (throttled past every retry, 5xx,
  timeouts, access denied, a failed import job), or the warehouse or state
  file stayed locked by another process past --lock-timeout; nothing unsent
  is lost, rerun later.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_PARTIAL = 1
EXIT_USAGE = 2
EXIT_DESTINATION = 3


class ExportError(Exception):
    """An error with a one-line, user-facing message."""

    exit_code = EXIT_DESTINATION


class ConfigError(ExportError):
    """Bad flags, environment or warehouse: fix and rerun."""

    exit_code = EXIT_USAGE


class DestinationError(ExportError):
    """The service refused or failed; what was sent before is kept."""

    exit_code = EXIT_DESTINATION


class LockTimeout(ExportError):
    """Another process kept a DuckDB file locked past --lock-timeout."""

    exit_code = EXIT_DESTINATION
