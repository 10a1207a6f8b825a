"""End to end: provisioned tasks and DMS Serverless replications in one dashboard, against the extended moto
peer (Tests/e2e/peer/serverless_peer.py), loopback only. A replication is found, opened (tables, latency,
orchestrator log), stopped with confirmation, and the peer confirms `stopped`; `check --json` reports both kinds."""
import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

from test_dashboard_aws import PEER_DIR, aws_command, fleet, free_port, pane, stop_pid, task_row, wait_until  # noqa: E402

sys.path.insert(0, PEER_DIR)
import serverless_fleet  # noqa: E402


@pytest.fixture
def peer_sl(tmp_path):
    port = free_port()
    scen = tmp_path / "scenario.json"
    doc = fleet.scenario()
    doc["serverless"] = serverless_fleet.serverless()
    scen.write_text(json.dumps(doc))
    log = open(tmp_path / "peer.log", "a")
    proc = subprocess.Popen([sys.executable, os.path.join(PEER_DIR, "dms_peer.py"), "--port", str(port), "--scenario", str(scen)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    deadline = time.time() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                stop_pid(proc)
                raise AssertionError("the peer did not start:\n" + (tmp_path / "peer.log").read_text())
            time.sleep(0.05)
    try:
        url = f"http://127.0.0.1:{port}"
        fleet.seed(url, "us-east-1")
        yield url
    finally:
        stop_pid(proc)


def replication_status(url, name):
    dms = boto3.client("dms", endpoint_url=url, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="k")
    reps = dms.describe_replications(Filters=[{"Name": "replication-config-id", "Values": [name]}])["Replications"]
    return reps[0]["Status"] if reps else None


def table_states(url, name):
    dms = boto3.client("dms", endpoint_url=url, region_name="us-east-1", aws_access_key_id="k", aws_secret_access_key="k")
    cfg = dms.describe_replication_configs(Filters=[{"Name": "replication-config-id", "Values": [name]}])["ReplicationConfigs"][0]
    rows = dms.describe_replication_table_statistics(ReplicationConfigArn=cfg["ReplicationConfigArn"])["ReplicationTableStatistics"]
    return {f'{r["SchemaName"]}.{r["TableName"]}': (r.get("TableState"), r.get("ValidationState")) for r in rows}


def test_serverless_replication_found_opened_and_stopped(dmswatch_bin, tmux, tmp_path, peer_sl):
    url = peer_sl
    assert replication_status(url, "orders-sl") == "running"
    tmux.start(aws_command(tmp_path, dmswatch_bin, url), width=160, height=45)
    # Both kinds in one list: the replication rows carry the SL mark and their capacity.
    screen = tmux.wait_for(lambda s: re.search(r"SL\s+orders-sl\s+running", s) and task_row(s, "accounts-cdc"), timeout=30)
    assert re.search(r"SL\s+zero-etl-sl", screen), screen
    assert re.search(r"SL\s+ledger-sl\s+created", screen), screen
    # Move to orders-sl: its tables (with the resync failure), latency and orchestrator log lines.
    for _ in range(12):
        if "TABLES orders-sl" in tmux.capture():
            break
        tmux.send("j")
        time.sleep(0.15)
    opened = tmux.wait_for(lambda s: "TABLES orders-sl 1/3 tables" in s and "sales.order_lines" in s, timeout=20)
    assert re.search(r"RESYNC\s+sales\.order_lines", pane(opened, "TABLES", ["LATENCY"])), opened
    # Latency from the discovered CloudWatch dimension; the orchestrator's lines in the log tail.
    tmux.wait_for(lambda s: "LATENCY orders-sl" in s and re.search(r"source\s+\d", pane(s, "LATENCY", ["LOG"])), timeout=30)
    tmux.wait_for(lambda s: "orders-sl" in pane(s, "LOG", []) and "running" in pane(s, "LOG", []), timeout=20)

    # v: validate-only on every table (no dialog: it changes no data); the peer shows them pending revalidation.
    tmux.send("v")
    # v without marks asks first, naming the table count.
    tmux.wait_for(lambda s: "3 tables" in s and "[ Yes ]" in s, timeout=15)
    tmux.send("y")
    tmux.wait_for(lambda s: "revalidate 3 tables of orders-sl: requested" in s, timeout=15)
    wait_until(lambda: all(v == "Pending revalidation" for _, v in table_states(url, "orders-sl").values()), 10, "pending revalidation")
    # r on one table asks first (default No); y reloads only that table.
    tmux.send("Enter")
    tmux.wait_for(lambda s: "TABLES orders-sl" in s, timeout=5)
    tmux.send("r")
    tmux.wait_for(lambda s: "Reload sales." in s and "[ Yes ]" in s, timeout=10)
    tmux.send("y")
    wait_until(lambda: sum(t == "Table is being reloaded" for t, _ in table_states(url, "orders-sl").values()) == 1, 10,
               "exactly one table reloading")
    tmux.send("Escape")
    # Stop asks first (default No), names the account and region, then reaches the peer once.
    tmux.send("x")
    confirm = tmux.wait_for(lambda s: "Stop task orders-sl" in s and "[ Yes ]" in s, timeout=10)
    assert "region us-east-1" in " ".join(confirm.split()), confirm
    tmux.send("y")
    wait_until(lambda: replication_status(url, "orders-sl") in ("stopping", "stopped"), 15, "the peer to stop orders-sl")
    tmux.wait_for(lambda s: re.search(r"orders-sl\s+(stopping|stopped)", s), timeout=20)
    wait_until(lambda: replication_status(url, "orders-sl") == "stopped", 20, "the peer to report orders-sl stopped")
    tmux.wait_for(lambda s: re.search(r"orders-sl\s+stopped", s), timeout=20)
    # s: resume-processing starts it again; the peer walks it back to running.
    tmux.send("s")
    tmux.wait_for(lambda s: "START TASK" in s and "resume-processing" in s, timeout=10)
    tmux.send("Enter")
    wait_until(lambda: replication_status(url, "orders-sl") not in ("stopped", None), 15, "the peer to start orders-sl")
    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=10)


def test_check_json_reports_tasks_and_replications(dmswatch_bin, tmp_path, peer_sl):
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(home), "AWS_ACCESS_KEY_ID": "AKIAANY", "AWS_SECRET_ACCESS_KEY": "s",
           "AWS_EC2_METADATA_DISABLED": "true", "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    p = subprocess.run([str(dmswatch_bin), "check", "--region", "us-east-1", "--endpoint-url", peer_sl, "--json", "--no-notify",
                        "--max-time", "60"], env=env, capture_output=True, text=True, timeout=90)
    assert p.returncode in (0, 1), p.stderr
    r = json.loads(p.stdout)
    kinds = {t["identifier"]: t.get("kind") for t in r["tasks"]}
    assert kinds.get("orders-sl") == "serverless" and kinds.get("accounts-cdc") == "task", kinds
    orders = next(t for t in r["tasks"] if t["identifier"] == "orders-sl")
    assert any(f["event"] == "dms.table.resync_failed" for f in orders["findings"]), orders["findings"]
