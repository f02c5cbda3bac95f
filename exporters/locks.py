"""Waiting for a DuckDB file another process holds.

DuckDB locks a database file per process: a writer (dbt-duckdb holds the
warehouse for a whole `dbt build`, another rfm-export run holds the state
file) keeps every other process out, and opening it fails at once with an
IOException "Could not set lock on file". `wait_for_lock` retries the open
with growing pauses up to `--lock-timeout` seconds, says once that it is
waiting, and then gives up with a one-line LockTimeout naming the file.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import duckdb

from exporters.errors import LockTimeout

log = logging.getLogger(__name__)

T = TypeVar("T")

FIRST_PAUSE = 0.1
MAX_PAUSE = 5.0


def is_lock_error(error: BaseException) -> bool:
    return isinstance(error, duckdb.IOException) and "lock" in str(error).lower()


def wait_for_lock(
    open_file: Callable[[], T],
    *,
    path: Path,
    what: str,
    holder: str,
    timeout: float,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call `open_file` until it stops failing on the file lock, at most
    `timeout` seconds. `what` names the file and `holder` who holds it, for
    the messages."""
    deadline = clock() + timeout
    pause = FIRST_PAUSE
    waiting = False
    while True:
        try:
            result = open_file()
        except duckdb.IOException as error:
            if not is_lock_error(error):
                raise
            left = deadline - clock()
            if left <= 0:
                raise LockTimeout(
                    f"{holder} holds {what} {path}"
                    + (f"; gave up after {timeout:g}s (--lock-timeout)" if timeout else "")
                    + "; rerun when it has finished"
                ) from None
            if not waiting:
                log.warning(
                    "%s holds %s %s; waiting up to %gs for it (--lock-timeout)",
                    holder, what, path, timeout,
                )
                waiting = True
            sleep(min(pause, left))
            pause = min(pause * 2, MAX_PAUSE)
            continue
        if waiting:
            log.debug("%s is free; going on", path)
        return result
