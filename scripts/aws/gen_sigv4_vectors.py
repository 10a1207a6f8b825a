#!/usr/bin/env python3
"""Generate SigV4 test vectors with the installed botocore.

Writes Tests/AWSClientTests/Fixtures/sigv4_vectors.json. Each vector holds the request as it stood
before signing (method, url, headers, body in base64), the credentials, region, service and time,
and what botocore produced: the Authorization header and every header it signed.

Real-client vectors capture what botocore's own serializers send (dms, monitoring with
x-amzn-query-mode, logs over JSON; sts, sns over query) by stopping the request in the
`before-send` event, so nothing leaves the process. Raw vectors cover query strings with
reserved and non-ASCII characters, empty bodies, ports and paths.
"""
import base64
import datetime
import json
import os
import sys
from unittest import mock
from urllib.parse import quote

import botocore
import botocore.auth
import botocore.session
from botocore.awsrequest import AWSRequest, AWSResponse
from botocore.credentials import Credentials

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "AWSClientTests", "Fixtures", "sigv4_vectors.json")
FIXED = datetime.datetime(2026, 11, 23, 10, 10, 15)
CREDS = [
    ("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None),
    ("ASIAEXAMPLETOKEN", "secret/with+plus=and slash", "FQoGZXIvYXdzEXAMPLE//////////wEaDGsessiontoken=="),
]
SIGNER_ADDED = {"authorization", "x-amz-date", "x-amz-security-token", "host"}


def text(v):
    return v.decode() if isinstance(v, bytes) else v


def signed_names(auth):
    part = auth.split("SignedHeaders=")[1].split(",")[0]
    return part.split(";")


def vector(name, req_before, headers_after, region, service, creds, when):
    headers_after = {k: text(v) for k, v in headers_after.items()}
    auth = headers_after["Authorization"]
    names = signed_names(auth)
    lower_after = {k.lower(): v for k, v in headers_after.items()}
    lower_after.setdefault("host", botocore.auth._host_from_url(req_before["url"]))
    inputs = {k: text(v) for k, v in req_before["headers"].items() if k.lower() not in SIGNER_ADDED}
    return {
        "name": name,
        "method": req_before["method"],
        "url": req_before["url"],
        "headers": inputs,
        "body_b64": base64.b64encode(req_before["body"]).decode(),
        "access_key": creds[0],
        "secret_key": creds[1],
        "session_token": creds[2],
        "region": region,
        "service": service,
        "epoch": int(when.replace(tzinfo=datetime.timezone.utc).timestamp()),
        "expected_authorization": auth,
        "expected_signed_headers": {n: lower_after[n] for n in names if n in lower_after},
    }


def client_vectors():
    out = []
    calls = [
        ("dms", "describe_replication_tasks", {"WithoutSettings": True, "MaxRecords": 20,
                                               "Filters": [{"Name": "replication-task-id", "Values": ["t1"]}]}),
        ("dms", "describe_table_statistics", {"ReplicationTaskArn": "arn:aws:dms:eu-west-1:123456789012:task:ABC", "MaxRecords": 500}),
        ("dms", "stop_replication_task", {"ReplicationTaskArn": "arn:aws:dms:eu-west-1:123456789012:task:ABC"}),
        ("dms", "describe_events", {"SourceType": "replication-task", "StartTime": datetime.datetime(2026, 1, 1, 0, 0, 0)}),
        ("dms", "describe_replication_instances", {}),
        ("cloudwatch", "get_metric_data", {
            "MetricDataQueries": [{"Id": "lat", "MetricStat": {"Metric": {"Namespace": "AWS/DMS", "MetricName": "CDCLatencySource",
                "Dimensions": [{"Name": "ReplicationInstanceIdentifier", "Value": "a-rep"},
                               {"Name": "ReplicationTaskIdentifier", "Value": "UPIIRRYFTHAI7AAEHCM6X5CAFXH2ODSHQ7M3WUA"}]},
                "Period": 60, "Stat": "Average"}}],
            "StartTime": datetime.datetime(2026, 1, 1, 0, 0), "EndTime": datetime.datetime(2026, 1, 1, 1, 0)}),
        ("logs", "get_log_events", {"logGroupName": "dms-tasks-a-rep", "logStreamName": "dms-task-ABC", "startFromHead": True}),
        ("logs", "filter_log_events", {"logGroupName": "dms-tasks-a-rep", "filterPattern": "\"ERROR ünïcode\"", "limit": 100}),
        ("sts", "get_caller_identity", {}),
        ("sts", "assume_role", {"RoleArn": "arn:aws:iam::123456789012:role/ops", "RoleSessionName": "dmswatch", "ExternalId": "x&y=z"}),
        ("sns", "publish", {"TopicArn": "arn:aws:sns:eu-west-1:123456789012:alerts", "Subject": "DMS: task failed",
                            "Message": "task moveit2 failed: ORA-01555 \u2014 snapshot too old & more"}),
    ]
    regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]
    session = botocore.session.get_session()
    session.set_config_variable("retries", {"total_max_attempts": 1})
    for i, (svc, op, params) in enumerate(calls):
        for j, creds in enumerate(CREDS):
            region = regions[(i + j) % len(regions)]
            endpoint = None if (i + j) % 2 == 0 else "http://127.0.0.1:5055"
            client = session.create_client(svc, region_name=region, endpoint_url=endpoint,
                                           aws_access_key_id=creds[0], aws_secret_access_key=creds[1],
                                           aws_session_token=creds[2])
            captured = {}

            def before_sign(request, **kw):
                captured["before"] = {"method": request.method, "url": request.url, "headers": dict(request.headers),
                                      "body": request.body if isinstance(request.body, bytes) else (request.body or "").encode()}

            def before_send(request, **kw):
                captured["after"] = dict(request.headers)
                return AWSResponse(request.url, 599, {}, None)

            client.meta.events.register("before-sign", before_sign)
            client.meta.events.register_first("before-send", before_send)
            with mock.patch("botocore.auth.get_current_datetime", return_value=FIXED):
                try:
                    getattr(client, op)(**params)
                except Exception:
                    pass
            b = captured["before"]
            # before-sign sees body as dict for query services: re-read the prepared body instead.
            out.append(vector(f"{svc}.{op}.{j}", b, captured["after"], region, client.meta.service_model.signing_name,
                              creds, FIXED))
    return out


def raw_vectors():
    out = []
    cases = [
        ("empty-get", "GET", "https://dms.us-west-2.amazonaws.com/", {}, b""),
        ("empty-post", "POST", "https://logs.eu-central-1.amazonaws.com/", {"Content-Type": "application/x-amz-json-1.1"}, b""),
        ("query-reserved", "GET", "https://sts.amazonaws.com/?" + "&".join(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in
            [("Action", "GetCallerIdentity"), ("b key", "a&b=c/d?e"), ("a", "!*'()"), ("a", "+ plus"), ("Zed", "~tilde._-")]), {}, b""),
        ("query-nonascii", "GET", "https://sns.ap-northeast-1.amazonaws.com/?" + "&".join(
            f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in
            [("Message", "caf\u00e9 \u65e5\u672c \U0001F680"), ("Subject", "\u00fcber%20x")]), {}, b""),
        ("path-and-port", "POST", "http://127.0.0.1:4566/a/b/../c/./d%20e", {"Content-Type": "application/json", "X-Custom": "  spaced   value  "}, b'{"k":"v"}'),
        ("repeated-keys-no-value", "GET", "https://dms.sa-east-1.amazonaws.com/?z&b=2&b=1&a=", {}, b""),
        ("user-agent-unsigned", "POST", "https://monitoring.us-east-2.amazonaws.com/", {
            "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "GraniteServiceVersion20100801.ListMetrics",
            "x-amzn-query-mode": "true", "User-Agent": "dmswatch/1.0", "Expect": "100-continue"}, b"{}"),
    ]
    regions = ["us-west-2", "eu-central-1", "us-east-1", "ap-northeast-1", "eu-west-3", "sa-east-1", "us-east-2"]
    services = ["dms", "logs", "sts", "sns", "execute-api", "dms", "monitoring"]
    for i, (name, method, url, headers, body) in enumerate(cases):
        for j, creds in enumerate(CREDS):
            req = AWSRequest(method=method, url=url, headers=dict(headers), data=body)
            before = {"method": method, "url": url, "headers": dict(headers), "body": body}
            signer = botocore.auth.SigV4Auth(Credentials(*creds), services[i], regions[i])
            with mock.patch("botocore.auth.get_current_datetime", return_value=FIXED + datetime.timedelta(days=40 * i + j)):
                signer.add_auth(req)
            out.append(vector(f"raw.{name}.{j}", before, dict(req.headers), regions[i], services[i], creds,
                              FIXED + datetime.timedelta(days=40 * i + j)))
    return out


def main():
    vectors = client_vectors() + raw_vectors()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump({"botocore": botocore.__version__, "vectors": vectors}, f, indent=1, ensure_ascii=False, sort_keys=True)
        f.write("\n")
    print(f"wrote {len(vectors)} vectors to {os.path.normpath(OUT)}", file=sys.stderr)


if __name__ == "__main__":
    main()
