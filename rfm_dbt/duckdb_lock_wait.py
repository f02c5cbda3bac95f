"""dbt-duckdb plugin: wait a bounded time for the DuckDB file lock, then fail plainly.

DuckDB lets one process write a database file. Without this plugin a second
`dbt build` on the same file dies with a Python traceback: dbt-duckdb lets
DuckDB's IOException escape while rolling back the connection that never
opened. This plugin opens the file first, retrying while another process
holds the lock for at most `wait_seconds`, then raises a one-line dbt error
naming the file and the process that holds it. The probe connection stays open
until dbt-duckdb has opened its own (DuckDB shares one database instance per
file within a process), so no other process can take the lock in between.

profiles.yml (keep it the last plugin: it opens the file with the final config):

    plugins:
      - module: rfm_dbt.duckdb_lock_wait
        config: {wait_seconds: "{{ env_var('RFM_DUCKDB_LOCK_WAIT_SECONDS', '30') }}"}
"""

from __future__ import annotations

import re
import time
from typing import Any

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger
from dbt_common.exceptions import DbtRuntimeError

logger = AdapterLogger("DuckDB")

POLL_SECONDS = 0.5
# Linux and macOS name the holder; Windows says the file is already open.
LOCK_MESSAGES = ("Could not set lock on file", "File is already open in")
HOLDER = re.compile(
    r"(?:Conflicting lock is held in|already open in) (.+?)(?:\. See also|$)"
)


class DuckDBFileLocked(DbtRuntimeError):
    """The message alone: dbt-duckdb wraps it in a "Database Error" already."""

    def __str__(self) -> str:
        return self.msg


def is_lock_error(error: Exception) -> bool:
    return isinstance(error, duckdb.IOException) and any(
        message in str(error) for message in LOCK_MESSAGES
    )


def lock_message(path: str, error: Exception, waited: float) -> str:
    match = HOLDER.search(str(error))
    holder = match.group(1).strip() if match else "another process"
    return (
        f"DuckDB file {path} is locked by {holder}; gave up after waiting"
        f" {waited:.0f} s. Run again when that process has finished, or set"
        " RFM_DUCKDB_LOCK_WAIT_SECONDS to wait longer."
    )


class Plugin(BasePlugin):
    def initialize(self, plugin_config: dict[str, Any]) -> None:
        self.wait_seconds = max(float(plugin_config.get("wait_seconds", 30)), 0.0)
        self._probe: duckdb.DuckDBPyConnection | None = None

    def update_connection_config(self, creds, config: dict[str, Any]) -> None:
        path = creds.path
        if path == ":memory:" or creds.is_motherduck:
            return
        start = time.monotonic()
        announced = False
        while True:
            try:
                self._probe = duckdb.connect(path, read_only=False, config=dict(config))
                return
            except duckdb.IOException as error:
                if not is_lock_error(error):
                    return  # not ours: dbt-duckdb's own connect reports it
                waited = time.monotonic() - start
                if waited >= self.wait_seconds:
                    raise DuckDBFileLocked(lock_message(path, error, waited)) from None
                if not announced:
                    logger.info(
                        f"DuckDB file {path} is locked by another process; waiting up"
                        f" to {self.wait_seconds:.0f} s for it"
                    )
                    announced = True
                time.sleep(min(POLL_SECONDS, self.wait_seconds - waited))

    def configure_connection(self, conn) -> None:
        # dbt-duckdb's connection now shares the instance; the probe can go.
        if self._probe is not None:
            self._probe.close()
            self._probe = None
