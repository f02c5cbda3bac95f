"""Run an export against the fake services and die (SIGKILL) mid-run.

Used by test_export_resume.py and test_export_faults.py in a child process
(export_fixtures.run_killed): the fake service applies call number `at` of
`operation`, saves what it holds to fake-<service>.json, and the process
kills itself before the answer reaches the exporter, the worst moment for a
crash: the service has the rows, the state file does not know it.

usage: kill_runner.py SPEC_JSON
  SPEC_JSON: {"destination", "flags" (build_settings keywords), "fake_dir",
              "kill": [service, operation, at]}
"""

from __future__ import annotations

import contextlib
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from export_fixtures import BUCKET, REGION, Stubs  # noqa: E402
from fake_aws import FAKES  # noqa: E402

from exporters import aws, config, connect, personalize, pinpoint, sync  # noqa: E402

MODULES = {"pinpoint": pinpoint, "personalize": personalize, "connect": connect}
SERVICES = {
    "pinpoint": ("pinpoint",),
    "personalize": ("personalize-events", "personalize"),
    "connect": ("customer-profiles",),
}


def main() -> None:
    spec = json.loads(sys.argv[1])
    destination = spec["destination"]
    stubs = Stubs()
    aws.set_client_factory(stubs.factory)
    with contextlib.ExitStack() as stack:
        if spec["flags"].get("mode") == "bulk":
            from moto import mock_aws

            stack.enter_context(mock_aws())
            import boto3

            stubs.extra["s3"] = boto3.client("s3", region_name=REGION)
            stubs.extra["s3"].create_bucket(Bucket=BUCKET)
        fakes = {service: FAKES[service](stubs) for service in SERVICES[destination]}
        for service, fake in fakes.items():
            fake.save_to(Path(spec["fake_dir"]) / f"fake-{service}.json")
        if "customer-profiles" in fakes:
            aws.http_put = fakes["customer-profiles"].put
        service, operation, at = spec["kill"]
        fakes[service].inject(operation, "kill", at=at)
        settings = config.build_settings(destination, **spec["flags"])
        sync.run(settings, MODULES[destination], retry=aws.RetryPolicy(sleep=lambda _: None))


if __name__ == "__main__":
    main()
