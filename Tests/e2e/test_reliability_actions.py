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
    assert proxy.lost and proxy.lost[0] == "StopReplicationTask", proxy.lost
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
