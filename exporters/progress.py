"""Progress: a bar on a terminal, plain log lines otherwise.

Destinations call `start`, `advance` and `finish`; cli.py picks the reporter
(a click progress bar when stderr is a TTY). Log lines are rate-limited so a
million-row sync does not write a million lines.
"""

from __future__ import annotations

import logging
import time
from typing import Any

import click

log = logging.getLogger("exporters.progress")


class Progress:
    """Does nothing; the reporter for tests and dry runs."""

    def start(self, label: str, total: int) -> None:
        """Begin a phase of `total` rows."""

    def advance(self, rows: int) -> None:
        """`rows` more rows are done (sent, rejected or removed)."""

    def finish(self) -> None:
        """The phase is over."""


class LogProgress(Progress):
    """One INFO line at most every `interval` seconds, and one at the end."""

    def __init__(self, interval: float = 5.0, clock: Any = time.monotonic) -> None:
        self.interval = interval
        self.clock = clock
        self.label = ""
        self.total = 0
        self.done = 0
        self.last = 0.0

    def start(self, label: str, total: int) -> None:
        self.label, self.total, self.done = label, total, 0
        self.last = self.clock()
        log.info("%s: %d rows to go", label, total)

    def advance(self, rows: int) -> None:
        self.done += rows
        if self.clock() - self.last >= self.interval:
            self.last = self.clock()
            log.info("%s: %d of %d rows", self.label, self.done, self.total)

    def finish(self) -> None:
        log.info("%s: %d of %d rows done", self.label, self.done, self.total)


class BarProgress(Progress):
    """click's progress bar on stderr."""

    def __init__(self) -> None:
        self.bar: Any = None

    def start(self, label: str, total: int) -> None:
        self.finish()
        self.bar = click.progressbar(
            length=max(total, 1), label=label, file=click.get_text_stream("stderr")
        )
        self.bar.__enter__()

    def advance(self, rows: int) -> None:
        if self.bar is not None:
            self.bar.update(rows)

    def finish(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None
