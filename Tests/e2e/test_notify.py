"""Notifications sent by the real binary: a webhook receiver on 127.0.0.1 records exactly what
`dmswatch check --demo` POSTs; SNS goes to a moto server on 127.0.0.1 and is read back via SQS."""
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from test_check import base_env, free_port, run_check


class Receiver:
    """Records every POST; answers with `statuses` in turn (the last one repeats)."""

    def __init__(self, statuses=(200,)):
        self.requests = []
        self.statuses = list(statuses)
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(n)
                with outer.lock:
                    outer.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                    status = outer.statuses.pop(0) if len(outer.statuses) > 1 else outer.statuses[0]
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path="/hook"):
        return f"http://127.0.0.1:{self.port}{path}"

    def bodies(self):
        with self.lock:
            return [r["body"] for r in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def expected_compat(report):
    """What the cron scripts sent, from the report printed by the same run."""
    out = []
    for t in report["tasks"]:
        events = {f["event"] for f in t["findings"]}
        if "dms.task.tables_unknown" in events:
            continue
        task = t["identifier"]
        sent = False
        if "dms.table.missing" in events:
            out.append(('{"event_name": "%s_dms_missing", "status": 0}' % task).encode())
            sent = True
        if "dms.table.duplicate" in events:
            out.append(('{"event_name": "%s_dms_duplicates", "status": 0}' % task).encode())
            sent = True
        if not sent:
            out.append(('{"event_name": "%s_dms_no_issues", "status": 1}' % task).encode())
    return out


def test_compat_webhook_exact_payloads(dmswatch_bin, tmp_path, receiver):
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--json", "--webhook", receiver.url(), "--webhook-format", "compat")
    assert p.returncode == 1, p.stderr
    report = json.loads(p.stdout)
    bodies = receiver.bodies()
    assert bodies == expected_compat(report)
    assert any(b.endswith(b'_dms_missing", "status": 0}') for b in bodies), "the demo fleet has MISSING tables"
    assert any(b.endswith(b'_dms_no_issues", "status": 1}') for b in bodies)
    for r in receiver.requests:
        assert r["path"] == "/hook"
        assert r["headers"].get("Content-Type") == "application/json"
    for b in bodies:
        assert re.fullmatch(rb'\{"event_name": "[A-Za-z0-9_.-]+_dms_(missing|duplicates|no_issues)", "status": [01]\}', b), b


def test_json_webhook_one_per_task_with_findings(dmswatch_bin, tmp_path, receiver):
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--json", "--webhook", receiver.url("/generic"))
    assert p.returncode == 1, p.stderr
    report = json.loads(p.stdout)
    flagged = [t["identifier"] for t in report["tasks"] if any(f["severity"] in ("warn", "critical") for f in t["findings"])]
    msgs = [json.loads(b) for b in receiver.bodies()]
    assert [m["task"] for m in msgs] == flagged
    by_task = {t["identifier"]: t for t in report["tasks"]}
    for m in msgs:
        assert m["source"] == "dmswatch" and m["state"] == "opened"
        t = by_task[m["task"]]
        assert m["severity"] == t["severity"]
        assert m["finding"]["event"] == t["findings"][0]["event"]
        assert m["readiness"]["ready"] == t["readiness"]["ready"]
    # Compact, sorted keys: the generic payload as documented.
    raw = receiver.bodies()[0]
    assert raw.startswith(b'{"finding":{') and b": " not in raw[:12]


def test_slack_webhook(dmswatch_bin, tmp_path, receiver):
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--webhook", receiver.url("/slack"), "--webhook-format", "slack")
    assert p.returncode == 1, p.stderr
    msgs = [json.loads(b) for b in receiver.bodies()]
    assert msgs
    for m in msgs:
        assert list(m) == ["text"]
        assert re.match(r"\[(CRITICAL|WARN)\] [a-z0-9-]+: dms\.", m["text"]), m["text"]


def test_notifier_url_environment_is_compat(dmswatch_bin, tmp_path, receiver):
    env = base_env(tmp_path, NOTIFIER_URL=receiver.url("/legacy"))
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--json", env=env)
    assert p.returncode == 1, p.stderr
    assert receiver.bodies() == expected_compat(json.loads(p.stdout))
    assert {r["path"] for r in receiver.requests} == {"/legacy"}

    before = len(receiver.requests)
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--no-notify", env=env)
    assert p.returncode == 1
    assert len(receiver.requests) == before, "--no-notify sends nothing"


def test_config_webhooks_are_used(dmswatch_bin, tmp_path, receiver):
    cfg = tmp_path / "c.yaml"
    cfg.write_text(f"notifications:\n  webhooks:\n    - url: {receiver.url('/cfg')}\n      format: compat\n")
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--json", "--config", str(cfg))
    assert p.returncode == 1, p.stderr
    assert receiver.bodies() == expected_compat(json.loads(p.stdout))


def test_failed_webhook_is_retried_reported_and_redacted(dmswatch_bin, tmp_path):
    r = Receiver(statuses=(500,))
    try:
        url = r.url("/hook?token=SECRET123abc&team=db")
        start = time.monotonic()
        p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--webhook", url, "--webhook-format", "compat")
        elapsed = time.monotonic() - start
        assert p.returncode == 1, "a failed notification does not change the exit status"
        # One target: 4 attempts (0.5 / 1 / 2 s backoff), then the remaining tasks are not tried.
        assert len(r.requests) == 4
        assert elapsed < 30
        assert "failed" in p.stderr and "HTTP 500" in p.stderr
        assert "token=***" in p.stderr
        assert "SECRET123abc" not in p.stderr + p.stdout
        log = (tmp_path / "state" / "dmswatch" / "dmswatch.log").read_text()
        assert "failed" in log and "token=***" in log
        assert "SECRET123abc" not in log
    finally:
        r.close()


def test_unreachable_webhook_does_not_hang(dmswatch_bin, tmp_path):
    url = f"http://127.0.0.1:{free_port()}/hook"
    start = time.monotonic()
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--webhook", url, timeout=120)
    assert p.returncode == 1
    assert "failed" in p.stderr
    assert time.monotonic() - start < 60


# MARK: SNS against moto

@pytest.fixture
def moto_server(tmp_path):
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError as e:
        pytest.skip(f"moto/boto3 not installed: {e}")
    port = free_port()
    log = open(tmp_path / "moto.log", "w")
    env = dict(os.environ, NO_PROXY="*", no_proxy="*")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + 20
    import socket
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("moto server exited early: " + (tmp_path / "moto.log").read_text()[-500:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("moto server did not start")
    yield f"http://127.0.0.1:{port}"
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


def test_sns_publish_reaches_moto(dmswatch_bin, tmp_path, moto_server):
    import boto3
    creds = {"aws_access_key_id": "AKIAIOSFODNN7EXAMPLE", "aws_secret_access_key": "testing-secret", "region_name": "us-east-1"}
    sns = boto3.client("sns", endpoint_url=moto_server, **creds)
    sqs = boto3.client("sqs", endpoint_url=moto_server, **creds)
    topic = sns.create_topic(Name="dms-alerts")["TopicArn"]
    queue_url = sqs.create_queue(QueueName="alerts")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)

    env = base_env(tmp_path, AWS_ACCESS_KEY_ID=creds["aws_access_key_id"], AWS_SECRET_ACCESS_KEY=creds["aws_secret_access_key"])
    p = run_check(dmswatch_bin, tmp_path, "check", "--demo", "--json", "--sns-topic", topic,
                  "--region", "us-east-1", "--endpoint-url", moto_server, env=env)
    assert p.returncode == 1, p.stderr
    assert "failed" not in p.stderr, p.stderr
    report = json.loads(p.stdout)
    flagged = [t for t in report["tasks"] if any(f["severity"] in ("warn", "critical") for f in t["findings"])]

    received = []
    for _ in range(10):
        resp = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=0)
        msgs = resp.get("Messages", [])
        if not msgs:
            break
        for m in msgs:
            received.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    assert len(received) == len(flagged)
    subjects = sorted(m["Subject"] for m in received)
    expected = sorted(f"dmswatch {t['severity'].upper()} {t['identifier']} {t['findings'][0]['event']}"[:100] for t in flagged)
    assert subjects == expected
    for m in received:
        assert m["TopicArn"] == topic
        assert m["Message"].startswith("dmswatch: ")
        assert "event: dms." in m["Message"]
