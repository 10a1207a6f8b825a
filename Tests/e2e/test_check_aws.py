"""`dmswatch check` in AWS mode against the local DMS peer (moto plus DescribeTableStatistics,
ReloadTables and DescribeEvents, Tests/e2e/peer/dms_peer.py) on 127.0.0.1: real SigV4, paging and
the validate-only ReloadTables wire format."""
import json
import os
import pathlib
import signal
import socket
import subprocess
import sys
import time

import pytest

from test_check import base_env, free_port, run_check
from test_notify import Receiver

PEER = pathlib.Path(__file__).resolve().parent / "peer"


def table(name, **kw):
    row = {"SchemaName": "public", "TableName": name, "Inserts": 10, "AppliedInserts": 10, "Updates": 0, "AppliedUpdates": 0,
           "Deletes": 0, "AppliedDeletes": 0, "TableState": "Table completed", "ValidationState": "Validated",
           "ValidationPendingRecords": 0, "ValidationFailedRecords": 0, "ValidationSuspendedRecords": 0}
    row.update(kw)
    return row


@pytest.fixture
def peer(tmp_path):
    try:
        import boto3  # noqa: F401
        import moto  # noqa: F401
    except ImportError as e:
        pytest.skip(f"moto/boto3 not installed: {e}")
    scenario = {"table_statistics": {
        "task-0": [table("orders", AppliedInserts=8), table("items", ValidationState="Pending records", ValidationPendingRecords=5)]
        + [table(f"t{i:03d}") for i in range(30)],
        "task-1": [table("customers")],
    }, "events": []}
    f = tmp_path / "scenario.json"
    f.write_text(json.dumps(scenario))
    port = free_port()
    log = open(tmp_path / "peer.log", "w")
    env = dict(os.environ, NO_PROXY="*", no_proxy="*")
    proc = subprocess.Popen([sys.executable, str(PEER / "dms_peer.py"), "--port", str(port), "--scenario", str(f), "--task-page-size", "1"],
                            stdout=log, stderr=log, env=env)
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail("peer exited early: " + (tmp_path / "peer.log").read_text()[-500:])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("peer did not start")
    url = f"http://127.0.0.1:{port}"
    seeded = subprocess.run([sys.executable, str(PEER / "seed.py"), url], capture_output=True, text=True, env=env, timeout=60)
    assert seeded.returncode == 0, seeded.stderr
    yield url, json.loads(seeded.stdout)
    os.kill(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=3)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    log.close()


def aws_env(tmp_path):
    return base_env(tmp_path, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing")


def test_check_against_the_peer(dmswatch_bin, tmp_path, peer):
    url, seeded = peer
    receiver = Receiver()
    try:
        p = run_check(dmswatch_bin, tmp_path, "check", "--json", "--region", seeded["region"], "--endpoint-url", url,
                      "--webhook", receiver.url(), "--webhook-format", "compat", env=aws_env(tmp_path))
        assert p.returncode == 1, (p.returncode, p.stderr)
        r = json.loads(p.stdout)
        assert [t["identifier"] for t in r["tasks"]] == ["task-0", "task-1", "task-2"], "all task pages (page size 1)"
        t0 = r["tasks"][0]
        assert t0["status"] == "running"
        missing = [f for f in t0["findings"] if f["event"] == "dms.table.missing"]
        assert missing and missing[0]["table"] == "public.orders" and missing[0]["expected"] == 10 and missing[0]["actual"] == 8
        assert r["source"].startswith("aws:")
        bodies = receiver.bodies()
        assert bodies[0] == b'{"event_name": "task-0_dms_missing", "status": 0}'
        assert b'{"event_name": "task-1_dms_no_issues", "status": 1}' in bodies

        p = run_check(dmswatch_bin, tmp_path, "check", "--no-notify", "--region", seeded["region"], "--endpoint-url", url,
                      "--task", "task-1", "--task", seeded["tasks"][2], env=aws_env(tmp_path))
        assert p.returncode == 0, (p.stdout, p.stderr)
    finally:
        receiver.close()


def test_rerun_validation_against_the_peer_is_bounded_by_wait(dmswatch_bin, tmp_path, peer):
    url, seeded = peer
    start = time.monotonic()
    # The peer marks validate-only reloads "Pending revalidation" and never finishes them.
    p = run_check(dmswatch_bin, tmp_path, "check", "--json", "--no-notify", "--region", seeded["region"], "--endpoint-url", url,
                  "--task", "task-0", "--rerun-validation", "--wait", "3", "--poll-interval", "1", env=aws_env(tmp_path))
    elapsed = time.monotonic() - start
    assert p.returncode == 1, p.stderr
    assert "revalidation: 1 table requested, 1 still pending after 3 s" in p.stderr, p.stderr
    assert elapsed < 30
    t0 = json.loads(p.stdout)["tasks"][0]
    pending = [f for f in t0["findings"] if f["event"] == "dms.table.validation_pending"]
    assert [f["table"] for f in pending] == ["public.items"]
    assert "pending" in pending[0]["message"].lower(), pending[0]["message"]
