"""Actions and credentials under faults, end to end (dmswatch → faultproxy → DMS peer).

- A stop whose response is lost (the proxy forwards it, then resets the connection) is reported as
  "outcome unknown — verify", audited as unknown, and the task is re-read from DMS without a key press.
- Credentials from a `credential_process` with short expirations are refreshed without a restart;
  while the process fails, an action is refused with a clear message and never reaches DMS;
  when it works again the dashboard recovers by itself.
"""
import json
import os
import stat
import subprocess
import time

import pytest

pytest.importorskip("boto3")
pytest.importorskip("moto")

import faultproxy as fp  # noqa: E402


def audit(tmp_path):
    p = tmp_path / "state" / "dmswatch" / "audit.log"
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()] if p.exists() else []


def start(tmux, bin, proxy, env, extra=""):
    tmux.start(f"{fp.UNSET_AWS} {bin} --endpoint-url http://127.0.0.1:{proxy.port} --region us-east-1 "
               f"--timeout 2 --connect-timeout 1 --refresh 1 {extra}", width=120, height=40, env=env)
    return tmux.wait_for(lambda s: "task-0" in s and "running" in s, timeout=40)


def task_line(screen, ident):
    for line in screen.splitlines():
        if f" {ident} " in line and "task-" in line:
            return line
    return ""


@pytest.fixture
def rig(tmp_path):
    peer = fp.Peer(tmp_path)
    proxy = fp.FaultProxy(peer.port, max_seconds=300).start()
    yield peer, proxy
    proxy.stop()
    peer.stop()


def wait_until(pred, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


TABLES = {"table_statistics": {"task-0": [
    {"SchemaName": "app", "TableName": f"t{i}", "Inserts": i, "TableState": "Table completed"} for i in range(3)]}}


@pytest.mark.parametrize("fault", ["lost", "slow"])
@pytest.mark.parametrize("op", ["StopReplicationTask", "StartReplicationTask", "ReloadTables"])
def test_action_whose_first_answer_is_lost_is_sent_once_and_unknown(dmswatch_bin, tmux, tmp_path, op, fault):
    """Only the FIRST request's answer is lost (reset after the peer got it, or slower than --timeout).
    Today's main re-sent it: the second stop failed with InvalidResourceStateFault ("failed" although the
    task stopped), a start or reload reached DMS twice. Now: exactly one request, "unknown — verify"."""
    peer = fp.Peer(tmp_path, scenario=TABLES)
    proxy = fp.FaultProxy(peer.port, max_seconds=300).start()
    try:
        start(tmux, dmswatch_bin, proxy, fp.aws_env(tmp_path))
        if op == "StartReplicationTask":
            # A stopped task to resume: stop task-0 first, with no fault.
            tmux.send("x")
            tmux.wait_text("Stop task")
            tmux.send("y")
            tmux.wait_for(lambda s: "stopped" in task_line(s, "task-0"), timeout=20)
        elif op == "ReloadTables":
            tmux.wait_for(lambda s: "app.t2" in s, timeout=20)
        proxy.set_fault(fault, ops={op}, times=1)
        before = proxy.count(op)
        if op == "StopReplicationTask":
            tmux.send("x")
            tmux.wait_text("Stop task")
            tmux.send("y")
            summary = "stop task-0"
        elif op == "StartReplicationTask":
            tmux.send("s")
            tmux.wait_for(lambda s: "START TASK" in s and "resume-processing" in s, timeout=10)
            tmux.send("Enter")
            summary = "start task-0 (resume-processing)"
        else:
            # No marks: every table, after a confirmation naming how many.
            tmux.send("v")
            tmux.wait_text("Revalidate all 3 tables of task-0", timeout=10)
            tmux.send("y")
            summary = "revalidate 3 tables of task-0"
        screen = tmux.wait_text(f"{summary}: outcome unknown", timeout=30)
        assert "verify" in screen
        assert f"{summary} failed" not in screen, screen
        # (slow: the request reaches the peer after --timeout; the peer's state below is the marker.)
        if op == "StopReplicationTask":
            wait_until(lambda: peer.task_status("task-0") == "stopped", 15, "the peer to stop task-0")
        elif op == "StartReplicationTask":
            wait_until(lambda: peer.task_status("task-0") == "running", 15, "the peer to run task-0")
        # A re-read follows at once: the row shows DMS's state without a key press.
        want = {"StopReplicationTask": "stopped", "StartReplicationTask": "running"}.get(op)
        if want:
            tmux.wait_for(lambda s: want in task_line(s, "task-0"), timeout=15)
        # Give a re-send every chance to show up: dmswatch's retry backoff is < 2 s; wait for a later poll.
        polls = proxy.count("DescribeReplicationTasks")
        wait_until(lambda: proxy.count("DescribeReplicationTasks") >= polls + 3, 20, "three more task polls")
        assert proxy.count(op) - before == 1, f"{op} reached the proxy {proxy.count(op) - before} times"
        assert proxy.injected.get(fault) == 1
        recs = audit(tmp_path)
        mine = [r for r in recs if r["detail"].startswith(summary)]
        assert [r["event"] for r in mine][-2:] == ["request", "unknown"], mine
        assert not any(r["event"] in ("ok", "failed") for r in mine), "never assumed done, never called failed"
    finally:
        proxy.stop()
        peer.stop()


def test_lost_stop_response_is_unknown_and_reread(dmswatch_bin, tmux, tmp_path, rig):
    peer, proxy = rig
    start(tmux, dmswatch_bin, proxy, fp.aws_env(tmp_path))
    assert "running" in task_line(tmux.capture(), "task-0")
    proxy.set_fault("lost", ops={"StopReplicationTask"})
    tmux.send("x")
    tmux.wait_text("Stop task")
    tmux.send("y")
    screen = tmux.wait_text("outcome unknown", timeout=30)
    assert "verify" in screen
    proxy.clear()
    assert proxy.lost == ["StopReplicationTask"], f"sent once, never re-sent: {proxy.lost}"
    assert proxy.count("StopReplicationTask") == 1
    # The request did reach DMS: the peer stopped the task.
    assert peer.task_status("task-0") == "stopped"
    # Re-read from DMS without a key press: the row shows the real state.
    tmux.wait_for(lambda s: "stopped" in task_line(s, "task-0"), timeout=15)
    recs = audit(tmp_path)
    assert any(r["event"] == "request" and r["detail"].startswith("stop task-0") for r in recs), recs
    assert any(r["event"] == "unknown" and "stop task-0" in r["detail"] for r in recs), recs
    assert not any(r["event"] == "ok" and "stop task-0" in r["detail"] for r in recs), "never assumed done"


CRED_SCRIPT = """#!/bin/sh
d="{dir}"
n=$(cat "$d/count" 2>/dev/null || echo 0); n=$((n+1)); echo $n > "$d/count"
if [ -e "$d/fail" ]; then echo "the SSO session has expired: run aws sso login" >&2; exit 1; fi
exp=$(date -u -d "+{ttl} seconds" +%Y-%m-%dT%H:%M:%SZ)
printf '{{"Version": 1, "AccessKeyId": "AKIDCP%s", "SecretAccessKey": "secret%s", "SessionToken": "tok%s", "Expiration": "%s"}}' $n $n $n "$exp"
"""


def test_expiring_credentials_refresh_and_actions_refused_while_failing(dmswatch_bin, tmux, tmp_path, rig):
    peer, proxy = rig
    cred_dir = tmp_path / "cred"
    cred_dir.mkdir()
    script = cred_dir / "cred.sh"
    script.write_text(CRED_SCRIPT.format(dir=cred_dir, ttl=4))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    env = fp.aws_env(tmp_path)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    cfg = tmp_path / "home" / ".aws" / "config"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(f"[profile cp]\ncredential_process = {script}\nregion = us-east-1\n")
    start(tmux, dmswatch_bin, proxy, env, extra="--profile cp")
    pid = fp.child_pid(tmux.pane_pid())

    def count():
        return int((cred_dir / "count").read_text().strip() or 0)

    # Short-lived credentials are fetched again and again without a restart, and polling keeps working.
    c0 = count()
    t0 = time.monotonic()
    while time.monotonic() - t0 < 9:
        s = tmux.capture()
        assert fp.pane_error(s, "TASKS") is None, s
        time.sleep(0.5)
    assert count() >= c0 + 2, f"credential_process ran {count() - c0} times in 9 s with 4 s credentials"
    assert fp.child_pid(tmux.pane_pid()) == pid, "no restart"
    top, _ = fp.frame_lines(tmux.capture(), "TASKS")
    assert "STALE" not in top

    # The credential source fails: once the cached credentials expire, the panes show it.
    (cred_dir / "fail").write_text("")
    screen = tmux.wait_for(lambda s: fp.pane_error(s, "TASKS") is not None, timeout=30)
    err = fp.pane_error(screen, "TASKS").lower()
    assert "credential" in err or "expired" in err, err
    before = proxy.count("StopReplicationTask")
    tmux.send("x")
    tmux.wait_text("Stop task")
    tmux.send("y")
    screen = tmux.wait_for(lambda s: "stop task-0" in s and ("failed" in s or "refused" in s), timeout=30)
    assert "outcome unknown" not in screen, "a refusal before sending is not an unknown outcome"
    assert proxy.count("StopReplicationTask") == before, "nothing was sent to DMS"
    assert peer.task_status("task-0") == "running", "never half-done"
    recs = audit(tmp_path)
    assert any(r["event"] == "failed" and "stop task-0" in r["detail"] for r in recs), recs

    # It works again: the dashboard recovers by itself.
    (cred_dir / "fail").unlink()
    tmux.wait_for(lambda s: fp.pane_error(s, "TASKS") is None and "STALE" not in fp.frame_lines(s, "TASKS")[0], timeout=30)
    assert fp.child_pid(tmux.pane_pid()) == pid


HANG_SCRIPT = """#!/bin/sh
echo $$ > "{dir}/pid"
sleep 300 &
echo $! >> "{dir}/pid"
wait
"""


def hanging_profile(tmp_path):
    d = tmp_path / "cred"
    d.mkdir(exist_ok=True)
    script = d / "hang.sh"
    script.write_text(HANG_SCRIPT.format(dir=d))
    script.chmod(0o755)
    env = fp.aws_env(tmp_path)
    del env["AWS_ACCESS_KEY_ID"], env["AWS_SECRET_ACCESS_KEY"]
    cfg = tmp_path / "home" / ".aws" / "config"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    cfg.write_text(f"[profile cp]\ncredential_process = {script}\nregion = us-east-1\n")
    return d, env


def helper_pids(d):
    wait_until(lambda: (d / "pid").exists() and len((d / "pid").read_text().split()) == 2, 10, "the helper to start")
    return [int(x) for x in (d / "pid").read_text().split()]


def running(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def test_hanging_credential_process_shows_progress_and_ctrl_c_kills_it(dmswatch_bin, tmux, tmp_path):
    d, env = hanging_profile(tmp_path)
    tmux.start(f"{fp.UNSET_AWS} {dmswatch_bin} --profile cp --endpoint-url http://127.0.0.1:9 --timeout 2", env=env)
    tmux.wait_text("resolving credentials for profile cp", timeout=10)
    pids = helper_pids(d)
    assert all(running(p) for p in pids)
    # Keys typed meanwhile are not echoed: the tty is in -echo -icanon while the progress line shows.
    tty = tmux.display("#{pane_tty}")
    modes = subprocess.run(["stty", "-F", tty, "-a"], capture_output=True, text=True).stdout.split()
    assert "-echo" in modes and "-icanon" in modes, modes
    tmux.send("C-c")
    screen = tmux.wait_text("EXIT=130", timeout=5)
    assert "interrupted during start-up" in screen
    wait_until(lambda: not any(running(p) for p in pids), 3, "the credential helper's group to be killed")
    modes = subprocess.run(["stty", "-F", tty, "-a"], capture_output=True, text=True).stdout.split()
    assert "echo" in modes and "icanon" in modes, "terminal modes restored"


def test_check_max_time_and_credential_timeout_kill_the_helper(dmswatch_bin, tmp_path):
    d, env = hanging_profile(tmp_path)
    base = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    t0 = time.monotonic()
    r = subprocess.run([str(dmswatch_bin), "check", "--profile", "cp", "--endpoint-url", "http://127.0.0.1:9", "--max-time", "2"],
                       env={**base, **env}, capture_output=True, text=True, timeout=30)
    took = time.monotonic() - t0
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert took < 6, took
    pids = [int(x) for x in (d / "pid").read_text().split()]
    wait_until(lambda: not any(running(p) for p in pids), 3, "the helper to be killed at exit")

    # The credential timeout itself: a clear message naming the source, the helper killed.
    (d / "pid").unlink()
    r = subprocess.run([str(dmswatch_bin), "check", "--profile", "cp", "--endpoint-url", "http://127.0.0.1:9", "--max-time", "30"],
                       env={**base, **env, "DMSWATCH_CREDENTIAL_TIMEOUT": "1"}, capture_output=True, text=True, timeout=30)
    assert r.returncode == 3, (r.returncode, r.stderr)
    assert "credential_process of profile cp did not finish within 1 s" in r.stderr, r.stderr
    pids = [int(x) for x in (d / "pid").read_text().split()]
    assert not any(running(p) for p in pids)
