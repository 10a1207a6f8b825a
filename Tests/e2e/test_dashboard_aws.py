"""End-to-end: the real binary in tmux against moto (dms_peer.py), on 127.0.0.1 only.

The peer is seeded with boto3 the way a user would (Tests/e2e/peer/dashboard_fleet.py); dmswatch runs
with `--region us-east-1 --endpoint-url http://127.0.0.1:PORT`, throwaway keys and an empty HOME.
"""
import json
import os
import re
import shlex
import signal
import socket
import subprocess
import sys
import time

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

HERE = os.path.dirname(os.path.abspath(__file__))
PEER_DIR = os.path.join(HERE, "peer")
sys.path.insert(0, PEER_DIR)
import dashboard_fleet as fleet  # noqa: E402

REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's STS GetCallerIdentity


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def stop_pid(proc):
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(1.5)
    except subprocess.TimeoutExpired:  # moto's server traps SIGTERM
        proc.kill()
        proc.wait(5)


def start_peer(tmp_path, port):
    """dms_peer.py on `port` with the fleet's scenario; returns the process once it accepts connections."""
    scen = tmp_path / "scenario.json"
    scen.write_text(json.dumps(fleet.scenario()))
    log = open(tmp_path / "peer.log", "a")
    proc = subprocess.Popen([sys.executable, os.path.join(PEER_DIR, "dms_peer.py"), "--port", str(port), "--scenario", str(scen)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    deadline = time.time() + 15
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return proc
        except OSError:
            if proc.poll() is not None or time.time() > deadline:
                stop_pid(proc)
                raise AssertionError("the peer did not start:\n" + (tmp_path / "peer.log").read_text())
            time.sleep(0.05)


@pytest.fixture
def peer(tmp_path):
    """dms_peer.py on a free loopback port, seeded with boto3 the way a user would."""
    port = free_port()
    proc = start_peer(tmp_path, port)
    try:
        url = f"http://127.0.0.1:{port}"
        facts = fleet.seed(url, REGION)
        facts["url"] = url
        yield facts
    finally:
        stop_pid(proc)


def dms_client(url):
    return boto3.client("dms", endpoint_url=url, region_name=REGION, aws_access_key_id="check", aws_secret_access_key="check")


def task_status(url, name):
    tasks = dms_client(url).describe_replication_tasks(
        Filters=[{"Name": "replication-task-id", "Values": [name]}])["ReplicationTasks"]
    assert len(tasks) == 1, tasks
    return tasks[0]["Status"]


def wait_until(predicate, timeout, what):
    deadline = time.time() + timeout
    last = None
    while time.time() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what} (last: {last!r})")


def aws_command(tmp_path, bin_path, endpoint, *extra):
    """dmswatch with a clean environment: any keys, no real ~/.aws, no instance metadata, XDG dirs in tmp."""
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": "AKIAANYTHING",
        "AWS_SECRET_ACCESS_KEY": "any-secret",
        "AWS_EC2_METADATA_DISABLED": "true",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "USER": "e2e",
    }
    assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    args = " ".join(shlex.quote(a) for a in extra)
    return f"env -i {assigns} {shlex.quote(str(bin_path))} --region {REGION} --endpoint-url {shlex.quote(endpoint)} {args}"


def pane(screen, title, next_titles):
    """Lines of the pane framed by `title`, up to the first line holding one of `next_titles`."""
    out, inside = [], False
    for line in screen.splitlines():
        if not inside and re.search(r"[┌+]─ " + re.escape(title) + r"\b", line):
            inside = True
            out.append(line)
            continue
        if inside:
            if any(re.search(r"[┌+]─ " + re.escape(t) + r"\b", line) for t in next_titles):
                break
            out.append(line)
    return "\n".join(out)


def task_row(screen, name):
    for line in pane(screen, "TASKS", ["TABLES"]).splitlines():
        if re.match(r"^[│|]\s*[>▶*]?\s*" + re.escape(name) + r"\s", line):
            return line
    return None


def audit(tmp_path):
    p = tmp_path / "state" / "dmswatch" / "audit.log"
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()] if p.exists() else []


def test_dashboard_against_moto_shows_fleet_and_stops_and_resumes(dmswatch_bin, tmux, tmp_path, peer):
    url = peer["url"]
    assert task_status(url, "accounts-cdc") == "running"
    tmux.start(aws_command(tmp_path, dmswatch_bin, url), width=120, height=40)

    def problems(s):
        """Everything the first screen must show; empty when it does (checked on one whole capture)."""
        bad = []
        header = s.splitlines()[0] if s else ""
        # Header: the region and the account from STS GetCallerIdentity; no STALE source.
        if REGION not in header or ACCOUNT not in header or "STALE" in header:
            bad.append(f"header: {header!r}")
        # TASKS: every seeded task with moto's status; CDC latency now per visible task from CloudWatch.
        rows = {name: task_row(s, name) or "" for name, _, _ in fleet.TASKS}
        for name in ("accounts-cdc", "billing-full-load", "orders-migration"):
            if " running " not in rows[name]:
                bad.append(f"{name} not running: {rows[name]!r}")
        if " creating " not in rows["reports-migration"]:
            bad.append(f"reports-migration not creating: {rows['reports-migration']!r}")
        if not re.search(r"\b42s/1m35s\b", rows["accounts-cdc"]):
            bad.append("accounts-cdc row without CDC latency 42s/1m35s")
        if not re.search(r"\b7\.0s/12s\b", rows["orders-migration"]):
            bad.append("orders-migration row without CDC latency 7.0s/12s")
        # TABLES and FLAGS of the selected task (accounts-cdc, first by name), from the peer's table statistics.
        tables = pane(s, "TABLES", ["LATENCY"])
        for t in ("TABLES accounts-cdc 1/3 tables", "sales.order_lines", "sales.customers", "sales.refunds"):
            if t not in tables:
                bad.append(f"TABLES without {t}")
        if not re.search(r"MISSING\s+sales\.customers", tables):
            bad.append("FLAGS without MISSING sales.customers")
        # LATENCY: the newest CloudWatch datapoints written with put_metric_data (42 s and 95 s).
        lat = pane(s, "LATENCY", ["LOG"])
        if "LATENCY accounts-cdc" not in lat or not re.search(r"source\s+42s\b", lat) or not re.search(r"target\s+1m35s\b", lat):
            bad.append("LATENCY without source 42s / target 1m35s")
        # LOG: the task's log stream (dms-tasks-<instance>/dms-task-<resource id>) and DescribeEvents.
        log = pane(s, "LOG", [])
        if not re.search(r"accounts-cdc\s+I TARGET_APPLY\s+Applied 4242 changes to sales\.order_lines", log):
            bad.append("LOG without the put_log_events line")
        if "Reading from the transaction log" not in log:
            bad.append("LOG without the first log line")
        if fleet.EVENT_MESSAGE not in log:
            bad.append("LOG without the DescribeEvents event")
        return bad

    deadline = time.time() + 25
    while True:
        screen = tmux.capture()
        bad = problems(screen)
        if not bad:
            break
        if time.time() > deadline:
            raise AssertionError("; ".join(bad) + "\nscreen was:\n" + screen)
        time.sleep(0.1)

    # Moving to orders-migration switches tables, latency and log stream to that task.
    tmux.send("G")
    tmux.send("k")
    moved = tmux.wait_for(lambda s: "TABLES orders-migration 1/1 table" in s and "Load finished for table" in s
                          and re.search(r"source\s+7\.0s\b", pane(s, "LATENCY", ["LOG"])), timeout=15)
    assert "sales.orders " in pane(moved, "TABLES", ["LATENCY"]), moved
    assert re.search(r"orders-migration\s+I TARGET_LOAD\s+Load finished for table 'sales'\.'orders'", pane(moved, "LOG", [])), moved
    tmux.send("g")
    tmux.wait_for(lambda s: "TABLES accounts-cdc" in s, timeout=10)

    # x + y stops the selected running task: moto goes running -> stopped.
    tmux.send("x")
    # Wait for the whole dialog: a capture can land between two writes of one frame.
    confirm = tmux.wait_for(lambda s: "Stop task accounts-cdc" in s and "[ Yes ]" in s, timeout=10)
    assert "[ No ]" in confirm and "[ Yes ]" in confirm
    tmux.send("y")
    wait_until(lambda: task_status(url, "accounts-cdc") == "stopped", 10, "moto to report accounts-cdc stopped")
    tmux.wait_for(lambda s: " stopped " in (task_row(s, "accounts-cdc") or ""), timeout=10)
    assert task_status(url, "orders-migration") == "running", "only the selected task was stopped"

    # s opens the start menu; resume-processing is first; Enter starts it: moto goes stopped -> running.
    tmux.send("s")
    menu = tmux.wait_for(lambda s: "START TASK" in s and "reload-target" in s, timeout=10)
    items = re.findall(r"\b(resume-processing|start-replication|reload-target)\b", menu)
    assert items[:1] == ["resume-processing"], menu
    tmux.send("Enter")
    wait_until(lambda: task_status(url, "accounts-cdc") == "running", 10, "moto to report accounts-cdc running")
    tmux.wait_for(lambda s: " running " in (task_row(s, "accounts-cdc") or ""), timeout=10)

    recs = audit(tmp_path)
    arn = peer["tasks"]["accounts-cdc"]
    assert any(r["event"] == "request" and r["detail"].startswith("stop accounts-cdc") and arn in r["detail"] for r in recs), recs
    assert any(r["event"] == "ok" and r["detail"].startswith("stop accounts-cdc [") and arn in r["detail"] for r in recs), recs
    assert any(r["event"] == "ok" and r["detail"].startswith("start accounts-cdc (resume-processing) [") for r in recs), recs
    assert recs[0]["source"] == "default" and ACCOUNT in recs[0]["detail"], recs[0]

    # Stopping a task that is not running is refused before any dialog (nothing is sent): a one-line reason.
    tmux.send("G")
    tmux.wait_for(lambda s: "TABLES reports-migration" in s, timeout=10)
    tmux.send("x")
    tmux.wait_for(lambda s: "reports-migration is creating: nothing to stop" in s, timeout=10)
    assert "Stop task reports-migration" not in tmux.capture()
    assert task_status(url, "reports-migration") == "creating"
    assert any(r["detail"].startswith("refused: reports-migration is creating") for r in audit(tmp_path)), audit(tmp_path)

    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=10)
    assert tmux.display("#{alternate_on}") == "0"


def test_plain_moto_without_the_extended_peer(dmswatch_bin, tmux, tmp_path):
    """A user's plain `moto.server`: no table statistics or events (HTML 500s), the rest works and the error names the call."""
    port = free_port()
    log = open(tmp_path / "moto.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                            stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    log.close()
    try:
        wait_until(lambda: port_open(port) or proc.poll() is not None, 15, "moto to listen")
        url = f"http://127.0.0.1:{port}"
        fleet.seed(url, REGION)
        tmux.start(aws_command(tmp_path, dmswatch_bin, url), width=120, height=40)
        screen = tmux.wait_for(
            lambda s: task_row(s, "reports-migration") and "Applied 4242 changes" in pane(s, "LOG", [])
            and re.search(r"source\s+42s\b", pane(s, "LATENCY", ["LOG"]))
            and "DescribeTableStatistics returned HTTP 500" in pane(s, "TABLES", ["LATENCY"]).replace("\n", " ")
            and "DescribeEvents returned HTTP 500" in pane(s, "LOG", []), timeout=20)
        assert "STALE" in screen.splitlines()[0]
        assert ACCOUNT in screen.splitlines()[0]
        tmux.send("q")
        tmux.wait_text("EXIT=0", timeout=10)
    finally:
        stop_pid(proc)


def port_open(port):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def test_unreachable_endpoint_is_stale_not_a_crash_and_recovers(dmswatch_bin, tmux, tmp_path):
    port = free_port()  # nothing listens here yet
    url = f"http://127.0.0.1:{port}"
    # --refresh 2: the events source (polled every 3 refreshes) must succeed once before STALE clears.
    tmux.start(aws_command(tmp_path, dmswatch_bin, url, "--refresh", "2"), width=120, height=40)
    screen = tmux.wait_for(
        lambda s: "STALE" in s.splitlines()[0] and "Couldn't connect" in pane(s, "TASKS", ["TABLES"]), timeout=20)
    header = screen.splitlines()[0]
    assert REGION in header and "account ?" in header, header
    assert "TASKS 0" in screen
    assert f"port {port}" in pane(screen, "TASKS", ["TABLES"]), screen
    tmux.wait_app_seconds(2)  # positive marker: it kept drawing for two more seconds
    assert "EXIT=" not in tmux.capture(), "still running"

    # The peer comes up on that port: the next polls succeed and STALE goes away without a restart.
    proc = start_peer(tmp_path, port)
    try:
        fleet.seed(url, REGION)
        # Not asserted here: latency and the log tail. If the first successful poll lands before seeding has
        # created the instance, the Poller reloads the inventory for the unknown instance ARN.
        back = tmux.wait_for(lambda s: task_row(s, "reports-migration") and "STALE" not in s.splitlines()[0]
                             and "TABLES accounts-cdc 1/3 tables" in s and "MISSING" in s, timeout=25)
        assert "Couldn't connect" not in pane(back, "TASKS", ["TABLES"]), back
        tmux.send("q")
        after = tmux.wait_text("EXIT=0", timeout=10)
        assert "TASKS" not in after
        assert tmux.display("#{alternate_on}") == "0"
    finally:
        stop_pid(proc)


def test_unreachable_endpoint_then_quit(dmswatch_bin, tmux, tmp_path):
    port = free_port()
    tmux.start(aws_command(tmp_path, dmswatch_bin, f"http://127.0.0.1:{port}"), width=100, height=30)
    tmux.wait_for(lambda s: "STALE" in s.splitlines()[0], timeout=20)
    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=10)
    assert tmux.display("#{alternate_on}") == "0"
    assert tmux.display("#{cursor_flag}") == "1"


def test_task_on_instance_created_after_start_gets_metrics_and_logs(dmswatch_bin, tmux, tmp_path, peer):
    url = peer["url"]
    tmux.start(aws_command(tmp_path, dmswatch_bin, url, "--refresh", "1"), width=120, height=40)
    tmux.wait_for(lambda s: task_row(s, "reports-migration") and "Applied 4242 changes" in s, timeout=20)
    kw = dict(endpoint_url=url, region_name=REGION, aws_access_key_id="seed", aws_secret_access_key="seed")
    dms = boto3.client("dms", **kw)
    ri = dms.create_replication_instance(ReplicationInstanceIdentifier="late-rep", ReplicationInstanceClass="dms.t3.medium")
    arn = dms.create_replication_task(
        ReplicationTaskIdentifier="aaa-late-cdc", SourceEndpointArn=peer["source"], TargetEndpointArn=peer["target"],
        ReplicationInstanceArn=ri["ReplicationInstance"]["ReplicationInstanceArn"], MigrationType="cdc",
        TableMappings="{}")["ReplicationTask"]["ReplicationTaskArn"]
    dms.start_replication_task(ReplicationTaskArn=arn, StartReplicationTaskType="start-replication")
    import datetime
    minute = datetime.datetime.now(datetime.timezone.utc).replace(second=0, microsecond=0)
    boto3.client("cloudwatch", **kw).put_metric_data(Namespace="AWS/DMS", MetricData=[
        {"MetricName": "CDCLatencySource", "Value": 77.0, "Timestamp": minute, "Unit": "Seconds",
         "Dimensions": [{"Name": "ReplicationInstanceIdentifier", "Value": "late-rep"},
                        {"Name": "ReplicationTaskIdentifier", "Value": "aaa-late-cdc"}]}])
    logs = boto3.client("logs", **kw)
    logs.create_log_group(logGroupName="dms-tasks-late-rep")
    logs.create_log_stream(logGroupName="dms-tasks-late-rep", logStreamName="dms-task-aaa-late-cdc")
    logs.put_log_events(logGroupName="dms-tasks-late-rep", logStreamName="dms-task-aaa-late-cdc",
                        logEvents=[{"timestamp": int(time.time() * 1000), "message": "late task log line"}])
    # The new task sorts first; g selects it.
    tmux.wait_for(lambda s: task_row(s, "aaa-late-cdc"), timeout=15)
    tmux.send("g")
    tmux.wait_for(lambda s: "late task log line" in pane(s, "LOG", [])
                  and re.search(r"source\s+1m17s\b", pane(s, "LATENCY", ["LOG"])), timeout=8)


def test_log_lines_are_not_repeated_when_the_focus_comes_back(dmswatch_bin, tmux, tmp_path, peer):
    tmux.start(aws_command(tmp_path, dmswatch_bin, peer["url"], "--refresh", "1"), width=120, height=40)
    tmux.wait_for(lambda s: "Applied 4242 changes" in pane(s, "LOG", []), timeout=20)
    tmux.send("G")
    tmux.send("k")
    tmux.wait_for(lambda s: "Load finished for table" in pane(s, "LOG", []), timeout=10)
    tmux.send("g")
    tmux.wait_for(lambda s: "TABLES accounts-cdc" in s, timeout=10)
    tmux.wait_app_seconds(3)  # three log polls of the focused task, counted on the dashboard's own clock
    log = pane(tmux.capture(), "LOG", [])
    assert log.count("Applied 4242 changes") == 1, log
    assert log.count("Reading from the transaction log") == 1, log


def test_t_tests_the_endpoint_connections_against_moto(dmswatch_bin, tmux, tmp_path, peer):
    """`t`: TestConnection for the focused task's source and target (each sent once, audited), then
    DescribeConnections until neither is `testing`; the result on the status line and in the detail."""
    tmux.start(aws_command(tmp_path, dmswatch_bin, peer["url"], "--refresh", "1"), width=160, height=45)
    tmux.wait_for(lambda s: task_row(s, "accounts-cdc") is not None and "TABLES accounts-cdc" in s, timeout=20)
    tmux.send("t")
    screen = tmux.wait_for(lambda s: re.search(r"test endpoint connections of accounts-cdc: source \S+: successful; target \S+: successful", s),
                           timeout=30)
    recs = [r for r in audit(tmp_path) if "test endpoint connections of accounts-cdc" in r["detail"]]
    assert [r["event"] for r in recs] == ["request", "ok"], recs
    tmux.send("d")
    detail = tmux.wait_text("connections tested")
    assert re.search(r"connections tested \d\d:\d\d:\d\d: source \S+: successful", detail), detail
    tmux.send("Escape")
    # `y`: the task as moto returned it, read with one signed DescribeReplicationTasks.
    tmux.wait_for(lambda s: "connections tested" not in s)
    tmux.send("y")
    raw = tmux.wait_text('"ReplicationTaskIdentifier": "accounts-cdc"', timeout=15)
    assert "RAW accounts-cdc (secrets redacted)" in raw and '"ReplicationTaskArn": "arn:aws:dms:' in raw, raw
    tmux.send("Escape")
    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=10)
