"""Run a Pinpoint api export that is killed (SIGKILL) mid-run.

Used by test_export_resume.py in a child process: the stubbed service accepts
batch number `kill_after`, and the process kills itself right after the call
returns, before the exporter records the batch, the worst moment for a crash.

usage: kill_runner.py WAREHOUSE STATE BATCHES KILL_AFTER
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from export_fixtures import APP_ID, REGION, Stubs  # noqa: E402

from exporters import aws, config, pinpoint, sync  # noqa: E402

ACCEPTED = {"MessageBody": {"Message": "Accepted", "RequestID": "req"}}


def main() -> None:
    warehouse, state, batches, kill_after = sys.argv[1:5]
    stubs = Stubs()
    for _ in range(int(batches)):
        stubs["pinpoint"].add_response("update_endpoints_batch", ACCEPTED)
    client = stubs.clients["pinpoint"]
    calls = []

    def after_call(**_: object) -> None:
        calls.append(1)
        if len(calls) == int(kill_after):
            os.kill(os.getpid(), signal.SIGKILL)

    client.meta.events.register("after-call.pinpoint.UpdateEndpointsBatch", after_call)
    aws.set_client_factory(stubs.factory)
    settings = config.build_settings(
        "pinpoint", warehouse_path=warehouse, state_path=state, region=REGION,
        application_id=APP_ID,
    )
    sync.run(settings, pinpoint, retry=aws.RetryPolicy(sleep=lambda _: None))


if __name__ == "__main__":
    main()
