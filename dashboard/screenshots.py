"""Save a PNG of every dashboard page, taken with Debian's headless Chromium.

    python dashboard/screenshots.py --out screenshots

Starts `streamlit run dashboard/app.py` on a free localhost port and waits until
it answers, then drives headless Chromium through Debian's chromedriver (plain
WebDriver calls, no selenium) to open each page of sitemap.py, wait until the
script has finished and every chart is drawn, and save `NN-<url path>.png` in
the output folder; then stops both. The dashboard reads the warehouse named by
RFM_DUCKDB_PATH, as `make dashboard` does. Only localhost is contacted.

Chromium's one-shot `--screenshot` mode is not used: its virtual clock runs
ahead while a Streamlit page waits on its websocket, so it captures pages
half-drawn whenever the server is a little slow.
"""

from __future__ import annotations

import argparse
import base64
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sitemap import PAGES, PageSpec, page_url

DASHBOARD = Path(__file__).resolve().parent
APP = DASHBOARD / "app.py"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
HOST = "127.0.0.1"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
    "--hide-scrollbars",
)
# True once Streamlit has finished the page's script run and has drawn it: no
# loading skeleton, a title or a message on the page, every Plotly chart drawn.
PAGE_IS_DRAWN = """
const app = document.querySelector('[data-testid="stApp"]');
if (!app || app.dataset.testScriptState !== "notRunning") return false;
const skeletons = '[data-testid="stAppSkeleton"], [data-testid="stSkeleton"]';
if (document.querySelector(skeletons)) return false;
if (!document.querySelector('[data-testid="stHeading"], [data-testid="stAlert"]'))
    return false;
const charts = document.querySelectorAll('[data-testid="stPlotlyChart"]');
return [...charts].every((chart) => chart.querySelector(".main-svg"));
"""
POLL_SECONDS = 0.25
# Plotly animates its first layout; give it a moment after it reports drawn.
SETTLE_SECONDS = 1.0

# Every request goes to localhost: never through an HTTP(S)_PROXY.
LOCAL = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class ScreenshotError(Exception):
    """A step failed in a way the user can act on; the message says which."""


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for PNGs")
    parser.add_argument("--chromium", default=CHROMIUM, help="Chromium binary")
    parser.add_argument(
        "--chromedriver", default=CHROMEDRIVER, help="chromedriver binary"
    )
    parser.add_argument("--width", type=int, default=1400)
    parser.add_argument("--height", type=int, default=1000)
    parser.add_argument(
        "--timeout",
        type=float,
        default=60,
        help="seconds to wait for a server to start or a page to be drawn",
    )
    return parser.parse_args(argv)


def free_port() -> int:
    """A TCP port on localhost that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return int(probe.getsockname()[1])


def request_json(
    method: str, url: str, payload: dict[str, Any] | None = None, timeout: float = 60
) -> Any:
    """One JSON request to a local server; returns the reply's `value`."""
    data = None if payload is None else json.dumps(payload).encode()
    request = urllib.request.Request(
        url, data=data, method=method, headers={"Content-Type": "application/json"}
    )
    try:
        with LOCAL.open(request, timeout=timeout) as reply:
            return json.load(reply).get("value")
    except urllib.error.HTTPError as error:
        detail = json.loads(error.read() or b"{}").get("value", {})
        raise ScreenshotError(
            f"{method} {url} failed: {detail.get('message', error)}"
        ) from error


def streamlit_command(port: int) -> list[str]:
    """`streamlit run` for the dashboard, headless, on localhost:`port`."""
    return [
        sys.executable,
        "-m",
        "streamlit",
        "run",
        str(APP),
        "--server.address",
        HOST,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
    ]


def wait_until_up(url: str, server: subprocess.Popen, timeout: float) -> None:
    """Poll `url` until it answers 200, failing early if `server` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise ScreenshotError(f"{server.args[0]} exited with {server.returncode}")
        try:
            with LOCAL.open(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(POLL_SECONDS)
    raise ScreenshotError(f"nothing answered at {url} in {timeout:g} s")


@contextmanager
def running(
    command: list[str], ready_url: str, timeout: float, log: Path
) -> Iterator[None]:
    """Run a local server for the duration of the block, once `ready_url` answers."""
    with log.open("w") as log_file:
        server = subprocess.Popen(
            command, stdout=log_file, stderr=subprocess.STDOUT, cwd=DASHBOARD.parent
        )
        try:
            wait_until_up(ready_url, server, timeout)
            yield
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()


class Browser:
    """One headless Chromium session behind chromedriver's WebDriver API."""

    def __init__(self, driver_url: str, session_id: str) -> None:
        self.session_url = f"{driver_url}/session/{session_id}"

    @classmethod
    @contextmanager
    def session(
        cls, driver_url: str, chromium: str, args: argparse.Namespace
    ) -> Iterator[Browser]:
        """A fresh browser profile for the block; the browser quits after it."""
        with tempfile.TemporaryDirectory(prefix="rfm-chromium-") as profile:
            options = {
                "binary": chromium,
                "args": [
                    *CHROMIUM_FLAGS,
                    f"--user-data-dir={profile}",
                    f"--window-size={args.width},{args.height}",
                ],
            }
            capabilities = {
                "alwaysMatch": {"browserName": "chrome", "goog:chromeOptions": options}
            }
            reply = request_json(
                "POST", f"{driver_url}/session", {"capabilities": capabilities}
            )
            browser = cls(driver_url, reply["sessionId"])
            try:
                yield browser
            finally:
                request_json("DELETE", browser.session_url)

    def open(self, url: str) -> None:
        """Navigate to `url`."""
        request_json("POST", f"{self.session_url}/url", {"url": url})

    def evaluate(self, script: str) -> Any:
        """Run the body of a JavaScript function in the page; returns its result."""
        return request_json(
            "POST", f"{self.session_url}/execute/sync", {"script": script, "args": []}
        )

    def screenshot(self) -> bytes:
        """The viewport as PNG bytes."""
        return base64.b64decode(request_json("GET", f"{self.session_url}/screenshot"))


def wait_until_drawn(browser: Browser, url: str, timeout: float) -> None:
    """Wait until Streamlit has run the page's script and drawn its charts."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if browser.evaluate(PAGE_IS_DRAWN):
            time.sleep(SETTLE_SECONDS)
            return
        time.sleep(POLL_SECONDS)
    raise ScreenshotError(f"{url} was not drawn in {timeout:g} s")


def png_name(index: int, page: PageSpec) -> str:
    """`01-segments.png`: menu position, then the page's URL path."""
    return f"{index:02d}-{page.url_path}.png"


def save_pages(browser: Browser, app_url: str, args: argparse.Namespace) -> list[Path]:
    """Open each page, wait until it is drawn and save the viewport as a PNG."""
    pngs = []
    for index, page in enumerate(PAGES, start=1):
        url = page_url(app_url, page)
        browser.open(url)
        wait_until_drawn(browser, url, args.timeout)
        png = args.out / png_name(index, page)
        png.write_bytes(browser.screenshot())
        print(f"{page.title}: {png}")
        pngs.append(png)
    return pngs


def capture_all(args: argparse.Namespace, chromium: str, driver: str) -> list[Path]:
    """Start the dashboard and chromedriver, save every page, stop both.

    The servers' logs stay in the output folder when something fails.
    """
    args.out.mkdir(parents=True, exist_ok=True)
    app_port = free_port()
    driver_port = free_port()
    while driver_port == app_port:
        driver_port = free_port()
    app_url, driver_url = f"http://{HOST}:{app_port}", f"http://{HOST}:{driver_port}"
    app_log, driver_log = args.out / "streamlit.log", args.out / "chromedriver.log"
    app_health, driver_status = f"{app_url}/_stcore/health", f"{driver_url}/status"
    driver_command = [driver, f"--port={driver_port}"]
    with (
        running(streamlit_command(app_port), app_health, args.timeout, app_log),
        running(driver_command, driver_status, args.timeout, driver_log),
        Browser.session(driver_url, chromium, args) as browser,
    ):
        pngs = save_pages(browser, app_url, args)
    app_log.unlink()
    driver_log.unlink()
    return pngs


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit code."""
    args = parse_args(argv)
    chromium, driver = shutil.which(args.chromium), shutil.which(args.chromedriver)
    if chromium is None or driver is None:
        missing = args.chromium if chromium is None else args.chromedriver
        print(
            f"error: {missing} not found; install Debian's chromium and "
            "chromium-driver (apt-get install chromium chromium-driver)",
            file=sys.stderr,
        )
        return 2
    try:
        capture_all(args, chromium, driver)
    except (ScreenshotError, OSError) as error:
        print(f"error: {error} (logs in {args.out})", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
