"""`make bench`: the project's full and incremental builds against DuckDB's floor.

1. Generates EVENTS upload events and CLICKSTREAM_EVENTS clickstream lines
   (default: as many as EVENTS) with the sample-data generator, cached in
   bench/cache/ (generated once).
2. Times, each in its own process: the floor (bench/floor.sql, one DuckDB query
   from the raw CSV files to scored customers) and `dbt build --full-refresh`.
3. Lands a new upload file and clickstream file of 1% more events, and times a
   normal `dbt build`.
4. Prints one table (wall seconds, peak RSS, full/floor and incremental/full)
   and appends it to bench/results.md.

Peak RSS is the child process's own (os.wait4), so figures are per step. Run it
on an otherwise idle machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
CACHE = REPO / "bench" / "cache"
RESULTS = REPO / "bench" / "results.md"


def memory_limit() -> str:
    """DuckDB's memory_limit for the builds: the env var, else the profile's default."""
    profile = (REPO / "profiles.yml").read_text(encoding="utf-8")
    default = re.search(r"env_var\('RFM_DUCKDB_MEMORY_LIMIT', '([^']+)'\)", profile)
    return os.environ.get("RFM_DUCKDB_MEMORY_LIMIT", default.group(1) if default else "?")


@dataclass
class Step:
    name: str
    seconds: float
    peak_rss_mb: float


def run(name: str, command: list[str], env: dict[str, str]) -> Step:
    """Run one step in its own process; its wall time and peak RSS."""
    started = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT
    )
    output = process.stdout.read()
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.stdout.write(output.decode(errors="replace")[-6000:])
        raise SystemExit(f"bench: step '{name}' failed")
    return Step(name, seconds, usage.ru_maxrss / 1024)


def generate(events: int, clicks: int) -> Path:
    """Sample data for `events` upload events and `clicks` lines, cached."""
    target = CACHE / (str(events) if clicks == events else f"{events}-clicks-{clicks}")
    if not (target / "uploads").is_dir():
        partial = CACHE / f".{target.name}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        subprocess.run(
            [
                str(BIN / "rfm-sample-data"), "--events", str(events),
                "--clickstream-events", str(clicks), "--out", str(partial),
            ],
            cwd=REPO, check=True,
        )
        partial.rename(target)
    return target


def link_or_copy(source: str, target: str) -> None:
    """Hard-link the cached file (no copy of gigabytes); copy across devices."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def land_increment(landing: Path, events: int, clicks: int, workdir: Path) -> None:
    """New upload and clickstream files of `events` events and `clicks` lines."""
    fresh = workdir / "increment"
    subprocess.run(
        [
            str(BIN / "rfm-sample-data"), "--events", str(events),
            "--clickstream-events", str(clicks), "--out", str(fresh),
            "--seed", "7", "--start", "2026-10-01", "--end", "2026-10-31",
        ],
        cwd=REPO, check=True, stdout=subprocess.DEVNULL,
    )
    for feed, suffix in (("uploads", "csv"), ("clickstream", "jsonl")):
        for number, path in enumerate(sorted((fresh / feed).glob(f"*.{suffix}")), 1):
            shutil.copy(path, landing / feed / f"increment_{number:04d}.{suffix}")


def slowest_nodes(target: Path, count: int = 8) -> str:
    """The slowest nodes of the last dbt run, from its run_results.json."""
    results = json.loads((target / "run_results.json").read_text())["results"]
    results.sort(key=lambda result: result["execution_time"], reverse=True)
    return "\n".join(
        f"  {result['execution_time']:7.1f} s  {result['unique_id']}"
        for result in results[:count]
    )


def markdown_table(events: int, steps: dict[str, Step]) -> str:
    floor, full, incremental = steps["floor"], steps["full"], steps["incremental"]
    rows = [
        "| events | step | wall s | peak RSS MB | ratio |",
        "|---:|---|---:|---:|---|",
        f"| {events:,} | floor (one DuckDB query) | {floor.seconds:.1f} | "
        f"{floor.peak_rss_mb:,.0f} | |",
        f"| {events:,} | dbt build --full-refresh | {full.seconds:.1f} | "
        f"{full.peak_rss_mb:,.0f} | full/floor {full.seconds / floor.seconds:.1f}x |",
        f"| {events:,} | dbt build after +1% | {incremental.seconds:.1f} | "
        f"{incremental.peak_rss_mb:,.0f} | incremental/full "
        f"{incremental.seconds / full.seconds:.2f}x |",
    ]
    return "\n".join(rows)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--events", type=int, default=int(os.environ.get("EVENTS", 10_000_000))
    )
    parser.add_argument(
        "--clickstream-events", type=int,
        default=int(os.environ.get("CLICKSTREAM_EVENTS", -1)),
        help="clickstream lines (default: as many as --events)",
    )
    parser.add_argument("--no-append", action="store_true", help="print only")
    args = parser.parse_args()

    clicks = args.events if args.clickstream_events < 0 else args.clickstream_events
    data = generate(args.events, clicks)
    with tempfile.TemporaryDirectory(prefix="rfm-bench-") as tmp:
        workdir = Path(tmp)
        landing = workdir / "landing"
        for feed in ("uploads", "clickstream"):
            (landing / feed).mkdir(parents=True)
            if (data / feed).is_dir():
                shutil.copytree(
                    data / feed, landing / feed, copy_function=link_or_copy,
                    dirs_exist_ok=True,
                )
        env = {
            **os.environ,
            "DBT_PROFILES_DIR": str(REPO),
            "RFM_DUCKDB_PATH": str(workdir / "bench.duckdb"),
            "RFM_DUCKDB_TEMP_DIRECTORY": str(workdir / "spill"),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        }
        paths = (
            f"{{raw_events_path: '{landing}/uploads/*.csv', "
            f"clickstream_path: '{landing}/clickstream/*.jsonl'}}"
        )
        dbt = [
            str(BIN / "dbt"), "build", "--quiet", "--vars", paths,
            "--target-path", str(workdir / "target"), "--log-path", str(workdir / "logs"),
        ]
        floor_sql = (REPO / "bench" / "floor.sql").read_text().replace(
            "{glob}", f"{landing}/uploads/*.csv"
        )
        steps = {
            "floor": run(
                "floor",
                [
                    sys.executable, "-c",
                    "import duckdb, sys; print(duckdb.sql(sys.argv[1]).fetchall())",
                    floor_sql,
                ],
                env,
            ),
            "full": run("full", [*dbt, "--full-refresh"], env),
        }
        print("slowest nodes of the full build:")
        print(slowest_nodes(workdir / "target"))
        land_increment(landing, max(1, args.events // 100), clicks // 100, workdir)
        steps["incremental"] = run("incremental", dbt, env)
        print("slowest nodes of the incremental build:")
        print(slowest_nodes(workdir / "target"))

    table = markdown_table(args.events, steps)
    print(table)
    if not args.no_append:
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        header = "" if RESULTS.exists() else "# Benchmark results (make bench)\n"
        with RESULTS.open("a", encoding="utf-8") as handle:
            handle.write(
                f"{header}\n## {stamp}, {os.cpu_count()} cores, "
                f"{platform.machine()}, EVENTS={args.events:,}, "
                f"CLICKSTREAM_EVENTS={clicks:,}, memory_limit "
                f"{memory_limit()}\n\n{table}\n"
            )
        print(f"appended to {RESULTS.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
