"""Stateful fakes of the destinations, behind the Stubber-wrapped test clients.

Each fake holds what the service would hold, as dicts keyed by the id the
exporter sends (Pinpoint endpoint Id and segment name, Personalize eventId /
userId / itemId, Customer Profiles ProfileId with its AccountNumber), so a
test can assert exactly-once delivery: every row there once, none twice,
nothing missing. It also counts deliveries: `acked` are the keys whose
request got a success answer back to the exporter, `resent` the keys sent
again after that (a retry must never do it).

How a call flows: the client's `provide-client-params` event (before
Stubber's own checks) reaches `FakeService.handle`, which validates the
request against botocore's service model (as the client is about to), takes
the next fault injected for the operation, applies the request to the
fake's state and queues the answer on the Stubber (which validates it against
the operation's output shape). Faults:

- `throttle`, `5xx`: the service's throttling / server error, not applied;
- `read_timeout`, `connect_timeout`, `endpoint_connection`: raised by the
  client before the request reaches the service;
- `read_timeout_after_apply`: applied, then the answer is lost (ReadTimeoutError);
- `kill`: applied, state saved, then the process is killed (SIGKILL);
- `crash`: a bug somewhere below the exporter: RuntimeError(`crash_message`).

`save_to(path)` keeps the state in a JSON file after every change, so a run
killed in a child process (kill_runner.py) can be resumed by a fake in the
test process.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import botocore.exceptions
from botocore import xform_name
from botocore.validate import validate_parameters
from export_fixtures import APP_ID, REGION, Stubs

ACCOUNT = "123456789012"
PRE_SEND = {
    "read_timeout": botocore.exceptions.ReadTimeoutError,
    "connect_timeout": botocore.exceptions.ConnectTimeoutError,
    "endpoint_connection": botocore.exceptions.EndpointConnectionError,
}
KINDS = ("throttle", "5xx", *PRE_SEND, "read_timeout_after_apply", "kill", "crash")


class Refused(Exception):  # noqa: N818 - the service's answer, not a bug
    """The service refuses the request (a 4xx the exporter must handle)."""

    def __init__(self, code: str, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


class FakeService:
    """What one service holds, plus fault injection and delivery counts."""

    service = ""
    throttling = ("ThrottlingException", 429)
    server_error = ("InternalServerException", 500)

    def __init__(self, stubs: Stubs) -> None:
        self.stubs = stubs
        self.data: dict[str, Any] = {"deliveries": {}, "acked": [], "resent": []}
        self.faults: dict[str, list[tuple[int, str]]] = {}
        self.calls: Counter[str] = Counter()
        self.refuse: set[str] = set()  # values the service refuses (addresses, ids)
        self.crash_message = "unexpected"
        self.state_file: Path | None = None
        self._keys: list[str] = []
        self._lose_answer = False
        self._kill = False
        self._late = False
        client = stubs.client(self.service)
        service_id = client.meta.service_model.service_id.hyphenize()
        client.meta.events.register(f"provide-client-params.{service_id}", self.handle)
        client.meta.events.register(f"after-call.{service_id}", self.answered)
        self.stubber = stubs[self.service]

    # faults ----------------------------------------------------------------

    def inject(self, operation: str, *kinds: str, at: int = 1) -> None:
        """Faults for `operation`, from its `at`-th call on (one per call)."""
        assert all(kind in KINDS for kind in kinds), kinds
        queue = self.faults.setdefault(operation, [])
        start = self.calls[operation] + at
        queue += [(start + offset, kind) for offset, kind in enumerate(kinds)]

    def _fault(self, operation: str) -> str | None:
        number = self.calls[operation]
        for entry in self.faults.get(operation, []):
            if entry[0] == number:
                return entry[1]
        return None

    # the flow --------------------------------------------------------------

    def handle(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        operation = model.name
        if not hasattr(self, operation):
            return  # not modelled: whatever the test queued on the Stubber answers
        validate_parameters(params, model.input_shape)  # as the client will
        self._keys, self._lose_answer, self._kill = [], False, False
        self.calls[operation] += 1
        fault = self._fault(operation)
        method = xform_name(operation)
        if fault == "crash":
            raise RuntimeError(self.crash_message)
        if fault in PRE_SEND:
            raise PRE_SEND[fault](endpoint_url=f"https://{self.service}.{REGION}.amazonaws.com/")
        if fault in ("throttle", "5xx"):
            code, status = self.throttling if fault == "throttle" else self.server_error
            self.stubber.add_client_error(method, code, "injected", http_status_code=status)
            return
        try:
            response = getattr(self, operation)(json.loads(json.dumps(params, default=str)))
        except Refused as refusal:
            self.stubber.add_client_error(
                method, refusal.code, refusal.message, http_status_code=refusal.status
            )
            return
        self.save()
        self._lose_answer = fault == "read_timeout_after_apply"
        self._kill = fault == "kill"
        self.stubber.add_response(method, response)

    def answered(self, **_: Any) -> None:
        if self._kill:
            os.kill(os.getpid(), signal.SIGKILL)
        if self._lose_answer:
            self._lose_answer = False
            raise botocore.exceptions.ReadTimeoutError(
                endpoint_url=f"https://{self.service}.{REGION}.amazonaws.com/"
            )
        acked = set(self.data["acked"])
        self.data["acked"] += [key for key in self._keys if key not in acked]
        self._keys = []
        self.save()

    def deliver(self, key: str) -> None:
        """The service applied the row `key`."""
        deliveries = self.data["deliveries"]
        deliveries[key] = deliveries.get(key, 0) + 1
        if key in self.data["acked"] and not self._late:
            self.data["resent"].append(key)
        self._keys.append(key)

    # persistence -----------------------------------------------------------

    def save_to(self, path: Path) -> None:
        self.state_file = path
        if path.exists():
            self.data = json.loads(path.read_text())
        self.save()

    def save(self) -> None:
        if self.state_file is not None:
            temp = self.state_file.with_suffix(".tmp")
            temp.write_text(json.dumps(self.data, default=str))
            os.replace(temp, self.state_file)

    @property
    def resent(self) -> list[str]:
        return self.data["resent"]

    def deliveries(self, prefix: str) -> dict[str, int]:
        return {
            key.removeprefix(prefix): count
            for key, count in self.data["deliveries"].items()
            if key.startswith(prefix)
        }

    def finish_jobs(self) -> None:
        """Import jobs nobody polled run anyway, as the service runs them on
        its own (late: not a resend by the exporter)."""
        self._late = True
        try:
            for job_id in self.data.get("jobs", {}):
                self.run_job(job_id)
        finally:
            self._late, self._keys = False, []

    def run_job(self, job_id: str) -> None:
        """Services with import jobs run one here."""

    def s3_text(self, uri: str) -> str:
        bucket, _, key = uri.removeprefix("s3://").partition("/")
        return self.stubs.extra["s3"].get_object(Bucket=bucket, Key=key)["Body"].read().decode()


class FakePinpoint(FakeService):
    """Endpoints by Id (upserts), segments by id with their names, import jobs."""

    service = "pinpoint"
    throttling = ("TooManyRequestsException", 429)
    server_error = ("InternalServerErrorException", 500)

    def __init__(self, stubs: Stubs) -> None:
        super().__init__(stubs)
        self.data |= {"endpoints": {}, "segments": {}, "jobs": {}}

    @property
    def endpoints(self) -> dict[str, dict[str, Any]]:
        return self.data["endpoints"]

    def segment_names(self) -> Counter[str]:
        return Counter(segment["Name"] for segment in self.data["segments"].values())

    def put_endpoint(self, endpoint_id: str, view: dict[str, Any]) -> None:
        self.endpoints[endpoint_id] = view
        self.deliver(f"endpoint:{endpoint_id}")

    def UpdateEndpointsBatch(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        items = params["EndpointBatchRequest"]["Item"]
        for item in items:
            if item["Address"] in self.refuse:
                raise Refused("BadRequestException", f"Invalid address {item['Address']}")
        for item in items:
            self.put_endpoint(item["Id"], {
                "Address": item["Address"], "ChannelType": item["ChannelType"],
                "UserId": item["User"]["UserId"],
                "rfm_segment": item["User"]["UserAttributes"]["rfm_segment"][0],
            })
        return {"MessageBody": {"Message": "Accepted", "RequestID": "req"}}

    def segment(self, segment_id: str) -> dict[str, Any]:
        stored = self.data["segments"][segment_id]
        return {
            "ApplicationId": APP_ID, "Id": segment_id, "SegmentType": "DIMENSIONAL",
            "Arn": f"arn:aws:mobiletargeting:{REGION}:{ACCOUNT}:apps/{APP_ID}/segments/"
                   f"{segment_id}",
            "CreationDate": stored["CreationDate"], "Name": stored["Name"],
            "Dimensions": stored["Dimensions"],
        }

    def GetSegments(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"SegmentsResponse": {"Item": [self.segment(i) for i in self.data["segments"]]}}

    def CreateSegment(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        request = params["WriteSegmentRequest"]
        segment_id = f"seg{len(self.data['segments']) + 1:04d}"
        self.data["segments"][segment_id] = {
            "Name": request["Name"], "Dimensions": request["Dimensions"],
            "CreationDate": f"2026-11-24T00:00:{len(self.data['segments']):02d}Z",
        }
        self.deliver(f"segment:{request['Name']}")
        return {"SegmentResponse": self.segment(segment_id)}

    def UpdateSegment(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if params["SegmentId"] not in self.data["segments"]:
            raise Refused("NotFoundException", "no such segment", 404)
        self.data["segments"][params["SegmentId"]]["Dimensions"] = (
            params["WriteSegmentRequest"]["Dimensions"])
        return {"SegmentResponse": self.segment(params["SegmentId"])}

    def DeleteSegment(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if params["SegmentId"] not in self.data["segments"]:
            raise Refused("NotFoundException", "no such segment", 404)
        response = {"SegmentResponse": self.segment(params["SegmentId"])}
        del self.data["segments"][params["SegmentId"]]
        return response

    def DeleteEndpoint(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if self.endpoints.pop(params["EndpointId"], None) is None:
            raise Refused("NotFoundException", "no such endpoint", 404)
        return {"EndpointResponse": {}}

    def job(self, job_id: str) -> dict[str, Any]:
        stored = self.data["jobs"][job_id]
        return {
            "ApplicationId": APP_ID, "CreationDate": "2026-11-24T00:00:00Z", "Id": job_id,
            "Type": "IMPORT", "JobStatus": stored["status"],
            "Definition": {"Format": "CSV", "S3Url": stored["uri"], "RoleArn": "r"},
            **stored.get("result", {}),
        }

    def CreateImportJob(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        uri = params["ImportJobRequest"]["S3Url"]
        job_id = f"job{len(self.data['jobs']) + 1}"
        rows = list(csv.DictReader(io.StringIO(self.s3_text(uri))))
        self.data["jobs"][job_id] = {"uri": uri, "rows": rows, "status": "CREATED"}
        return {"ImportJobResponse": self.job(job_id)}

    def run_job(self, job_id: str) -> None:
        """The import runs: rows upserted by Id, refused addresses failed."""
        stored = self.data["jobs"][job_id]
        if stored["status"] != "CREATED":
            return
        failures = []
        for number, row in enumerate(stored["rows"], start=1):
            if row["Address"] in self.refuse:
                failures.append(f"row {number}: invalid address")
                continue
            self.put_endpoint(row["Id"], {
                "Address": row["Address"], "ChannelType": row["ChannelType"],
                "UserId": row["User.UserId"],
                "rfm_segment": row["User.UserAttributes.rfm_segment"],
            })
        stored["status"] = "COMPLETED"
        stored["result"] = {"TotalProcessed": len(stored["rows"]),
                            "TotalFailures": len(failures), "Failures": failures}
        self._keys = [] if failures else self._keys

    def GetImportJob(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if params["JobId"] not in self.data["jobs"]:
            raise Refused("NotFoundException", "no such job", 404)
        self.run_job(params["JobId"])
        return {"ImportJobResponse": self.job(params["JobId"])}


class FakePersonalizeEvents(FakeService):
    """Events by eventId (a repeated eventId is ignored, as Personalize does
    for training), users by userId and items by itemId (upserts)."""

    service = "personalize-events"
    throttling = ("ThrottlingException", 400)
    server_error = ("ServiceUnavailable", 503)

    def __init__(self, stubs: Stubs) -> None:
        super().__init__(stubs)
        self.data |= {"events": {}, "users": {}, "items": {}}

    def PutEvents(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        for event in params["eventList"]:
            if event.get("itemId") in self.refuse:
                raise Refused("InvalidInputException", f"unknown item {event['itemId']}")
        for event in params["eventList"]:
            self.data["events"].setdefault(event["eventId"], {
                "userId": params["userId"], "sessionId": params["sessionId"],
                "itemId": event.get("itemId"), "eventType": event["eventType"],
                "sentAt": event["sentAt"],
            })
            self.deliver(f"event:{event['eventId']}")
        return {}

    def PutUsers(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        for record in params["users"]:
            if record["userId"] in self.refuse:
                raise Refused("InvalidInputException", f"bad user {record['userId']}")
        for record in params["users"]:
            self.data["users"][record["userId"]] = json.loads(record["properties"])
            self.deliver(f"user:{record['userId']}")
        return {}

    def PutItems(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        for record in params["items"]:
            self.data["items"][record["itemId"]] = json.loads(record["properties"])
            self.deliver(f"item:{record['itemId']}")
        return {}


class FakePersonalize(FakeService):
    """Dataset import jobs by name; FULL replaces a dataset, INCREMENTAL
    upserts users and items by id and appends interactions (so importing the
    same interactions twice duplicates them, as it would in Personalize)."""

    service = "personalize"
    throttling = ("ThrottlingException", 400)
    server_error = ("InternalServerError", 500)

    def __init__(self, stubs: Stubs) -> None:
        super().__init__(stubs)
        self.data |= {"jobs": {}, "users": {}, "items": {}, "interactions": []}

    def interaction_counts(self) -> Counter[tuple[str, ...]]:
        return Counter(tuple(row) for row in self.data["interactions"])

    def CreateDatasetImportJob(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        name = params["jobName"]
        arn = f"arn:aws:personalize:{REGION}:{ACCOUNT}:dataset-import-job/{name}"
        if arn in self.data["jobs"]:
            raise Refused("ResourceAlreadyExistsException", f"job {name} exists")
        dataset = params["datasetArn"].rsplit("/", 1)[-1].lower()
        rows = list(csv.reader(io.StringIO(self.s3_text(params["dataSource"]["dataLocation"]))))
        self.data["jobs"][arn] = {"dataset": dataset, "mode": params["importMode"],
                                  "rows": rows[1:], "status": "CREATE PENDING"}
        return {"datasetImportJobArn": arn}

    def run_job(self, arn: str) -> None:
        job = self.data["jobs"][arn]
        if job["status"] != "CREATE PENDING":
            return
        dataset, full = job["dataset"], job["mode"] == "FULL"
        if dataset == "interactions":
            self.data["interactions"] = [] if full else self.data["interactions"]
            self.data["interactions"] += job["rows"]
            for row in job["rows"]:
                self.deliver("interaction:" + "|".join(row))
        else:
            if full:
                self.data[dataset] = {}
            for row in job["rows"]:
                self.data[dataset][row[0]] = row[1:]
                self.deliver(f"{dataset[:-1]}:{row[0]}")
        job["status"] = "ACTIVE"

    def DescribeDatasetImportJob(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        arn = params["datasetImportJobArn"]
        if arn not in self.data["jobs"]:
            raise Refused("ResourceNotFoundException", "no such job", 404)
        self.run_job(arn)
        return {"datasetImportJob": {"datasetImportJobArn": arn,
                                     "status": self.data["jobs"][arn]["status"]}}


class FakeProfiles(FakeService):
    """Profiles by ProfileId (each with its AccountNumber, the customer id),
    segment definitions by name, upload jobs keyed on the customer id."""

    service = "customer-profiles"
    throttling = ("ThrottlingException", 429)
    server_error = ("InternalServerException", 500)

    def __init__(self, stubs: Stubs) -> None:
        super().__init__(stubs)
        self.data |= {"profiles": {}, "definitions": {}, "jobs": {}}

    def accounts(self) -> Counter[str]:
        return Counter(p["AccountNumber"] for p in self.data["profiles"].values())

    def by_account(self) -> dict[str, dict[str, Any]]:
        return {p["AccountNumber"]: p for p in self.data["profiles"].values()}

    def SearchProfiles(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        assert params["KeyName"] == "_account"
        return {"Items": [
            {"ProfileId": pid, "AccountNumber": profile["AccountNumber"]}
            for pid, profile in self.data["profiles"].items()
            if profile["AccountNumber"] in params["Values"]
        ]}

    def write(self, profile: dict[str, Any], fields: dict[str, Any]) -> None:
        """Fields set; "" clears one; Address and Attributes merge key by key."""
        for name, value in fields.items():
            if name in ("DomainName", "ProfileId"):
                continue
            if isinstance(value, dict):
                inner = profile.setdefault(name, {})
                for key, item in value.items():
                    if item == "":
                        inner.pop(key, None)
                    else:
                        inner[key] = item
            elif value == "":
                profile.pop(name, None)
            else:
                profile[name] = value

    def CreateProfile(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if params.get("EmailAddress") in self.refuse:
            raise Refused("BadRequestException", f"invalid email {params['EmailAddress']}")
        profile_id = uuid.uuid4().hex
        self.data["profiles"][profile_id] = {}
        self.write(self.data["profiles"][profile_id], params)
        self.deliver(f"profile:{params['AccountNumber']}")
        return {"ProfileId": profile_id}

    def UpdateProfile(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        profile = self.data["profiles"].get(params["ProfileId"])
        if profile is None:
            raise Refused("ResourceNotFoundException", "no such profile", 404)
        if params.get("EmailAddress") in self.refuse:
            raise Refused("BadRequestException", f"invalid email {params['EmailAddress']}")
        self.write(profile, params)
        self.deliver(f"profile:{profile['AccountNumber']}")
        return {"ProfileId": params["ProfileId"]}

    def DeleteProfile(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if self.data["profiles"].pop(params["ProfileId"], None) is None:
            raise Refused("ResourceNotFoundException", "no such profile", 404)
        return {"Message": "deleted"}

    def ListSegmentDefinitions(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"Items": [{"SegmentDefinitionName": n} for n in self.data["definitions"]]}

    def GetSegmentDefinition(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        name = params["SegmentDefinitionName"]
        if name not in self.data["definitions"]:
            raise Refused("ResourceNotFoundException", "no such definition", 404)
        return {"SegmentDefinitionName": name, "SegmentGroups": self.data["definitions"][name],
                "SegmentDefinitionArn": f"arn:aws:profile:{REGION}:{ACCOUNT}:x/{name}"}

    def CreateSegmentDefinition(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        name = params["SegmentDefinitionName"]
        if name in self.data["definitions"]:
            raise Refused("BadRequestException", f"segment definition {name} already exists")
        self.data["definitions"][name] = params["SegmentGroups"]
        self.deliver(f"definition:{name}")
        return {"SegmentDefinitionName": name}

    def DeleteSegmentDefinition(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        if self.data["definitions"].pop(params["SegmentDefinitionName"], None) is None:
            raise Refused("ResourceNotFoundException", "no such definition", 404)
        return {"Message": "deleted"}

    def CreateUploadJob(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        job_id = f"{len(self.data['jobs']) + 1:032x}"
        self.data["jobs"][job_id] = {"status": "CREATED", "body": None,
                                     "unique_key": params["UniqueKey"]}
        return {"JobId": job_id}

    def GetUploadJobPath(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        return {"Url": f"https://upload.example/{params['JobId']}"}

    def put(self, url: str, body: bytes, headers: Any = None, **_: Any) -> None:
        """Stands in for aws.http_put: the pre-signed URL receives the file."""
        self.data["jobs"][url.rsplit("/", 1)[-1]]["body"] = body.decode()
        self.save()

    def StartUploadJob(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        job = self.data["jobs"][params["JobId"]]
        if job["status"] != "CREATED":
            raise Refused("BadRequestException", "job already started")
        job["status"] = "IN_PROGRESS"
        return {}

    def run_job(self, job_id: str) -> None:
        """Rows upserted on the customer id; refused emails fail their row."""
        job = self.data["jobs"][job_id]
        if job["status"] != "IN_PROGRESS":
            return
        accounts = {p["AccountNumber"]: pid for pid, p in self.data["profiles"].items()}
        failed = 0
        for row in csv.DictReader(io.StringIO(job["body"])):
            if row["email_address"] in self.refuse:
                failed += 1
                continue
            fields = {"AccountNumber": row["customer_id"],
                      "EmailAddress": row["email_address"] or "",
                      "MobilePhoneNumber": row["phone_number"] or "",
                      "Attributes": {"rfm_segment": row["rfm_segment"]}}
            pid = accounts.get(row["customer_id"]) or uuid.uuid4().hex
            self.write(self.data["profiles"].setdefault(pid, {}), fields)
            accounts[row["customer_id"]] = pid
            self.deliver(f"profile:{row['customer_id']}")
        job["status"] = "PARTIALLY_SUCCEEDED" if failed else "SUCCEEDED"
        job["failed"] = failed
        self._keys = [] if failed else self._keys

    def GetUploadJob(self, params: dict[str, Any]) -> dict[str, Any]:  # noqa: N802
        self.run_job(params["JobId"])
        job = self.data["jobs"][params["JobId"]]
        return {"JobId": params["JobId"], "Status": job["status"],
                "ResultsSummary": {"FailedRecords": job.get("failed", 0)}}


FAKES: dict[str, Callable[[Stubs], FakeService]] = {
    "pinpoint": FakePinpoint,
    "personalize-events": FakePersonalizeEvents,
    "personalize": FakePersonalize,
    "customer-profiles": FakeProfiles,
}
