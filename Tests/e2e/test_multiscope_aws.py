"""Several scopes on one screen, end to end against moto (one server serves every region), loopback only.

The same fleet (same task names) is seeded in us-east-1 and eu-west-1; dmswatch watches both with
`--region us-east-1 --region eu-west-1`. A stop reaches only the chosen scope (moto confirms); findings and
log lines stay separate; a scope with broken credentials shows its error while the other keeps updating;
`check --json` reports both scopes.
"""
import json
import os
import re
import shlex
import subprocess

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

from test_dashboard_aws import (  # noqa: E402
    ACCOUNT, audit, fleet, free_port, pane, start_peer, stop_pid, wait_until,
)

REGIONS = ("us-east-1", "eu-west-1")


@pytest.fixture
def peer2(tmp_path):
    port = free_port()
    proc = start_peer(tmp_path, port)
    try:
        url = f"http://127.0.0.1:{port}"
        facts = {r: fleet.seed(url, r) for r in REGIONS}
        yield url, facts
    finally:
        stop_pid(proc)


def env_for(tmp_path, extra=None):
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    env = {
        "PATH": "/usr/bin:/bin", "HOME": str(home), "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "AWS_ACCESS_KEY_ID": "AKIAANYTHING", "AWS_SECRET_ACCESS_KEY": "any-secret", "AWS_EC2_METADATA_DISABLED": "true",
        "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"), "USER": "e2e",
    }
    env.update(extra or {})
    return env


def command(tmp_path, bin_path, url, args, extra_env=None):
    assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in env_for(tmp_path, extra_env).items())
    return f"env -i {assigns} {shlex.quote(str(bin_path))} --endpoint-url {shlex.quote(url)} " + " ".join(shlex.quote(a) for a in args)


def status(url, region, name):
    dms = boto3.client("dms", endpoint_url=url, region_name=region, aws_access_key_id="k", aws_secret_access_key="k")
    tasks = dms.describe_replication_tasks(Filters=[{"Name": "replication-task-id", "Values": [name]}])["ReplicationTasks"]
    assert len(tasks) == 1, tasks
    return tasks[0]["Status"]


def rows(screen, name):
    return [l for l in pane(screen, "TASKS", ["TABLES"]).splitlines() if re.search(r"\s" + re.escape(name) + r"\s", l)]


def test_two_regions_on_one_screen_and_a_stop_reaches_only_its_scope(dmswatch_bin, tmux, tmp_path, peer2):
    url, facts = peer2
    tmux.start(command(tmp_path, dmswatch_bin, url, ["--region", "us-east-1", "--region", "eu-west-1"]), width=160, height=40)

    def both(s):
        r = rows(s, "accounts-cdc")
        return len(r) == 2 and any("eu-west-1" in l for l in r) and any("us-east-1" in l for l in r) and "SCOPE" in s
    screen = tmux.wait_for(both, timeout=30)
    header = screen.splitlines()[0]
    assert f"{ACCOUNT}/us-east-1" in header and f"{ACCOUNT}/eu-west-1" in header, header
    # Same name, two scopes: each row has its own scope; the first is eu-west-1 (ties sort by scope id).
    first = rows(screen, "accounts-cdc")[0]
    assert "eu-west-1" in first, screen
    # The selection stays on the task first selected while rows arrive; `g` moves it to the top row.
    tmux.send("g")

    # The log tail of the focused task is that scope's stream only (one line per put_log_events line).
    tmux.wait_for(lambda s: "Applied 4242 changes" in pane(s, "LOG", []), timeout=20)

    tmux.send("x")
    confirm = tmux.wait_for(lambda s: "Stop task accounts-cdc" in s and "[ Yes ]" in s, timeout=10)
    flat = " ".join(l.strip("│ ") for l in confirm.splitlines())
    flat = " ".join(flat.split())
    # The dialog names the account and region the stop will reach.
    assert "region eu-west-1" in flat and f"account {ACCOUNT}" in flat, confirm
    tmux.send("y")
    wait_until(lambda: status(url, "eu-west-1", "accounts-cdc") == "stopped", 10, "moto eu-west-1 accounts-cdc stopped")
    assert status(url, "us-east-1", "accounts-cdc") == "running", "the other region's task of the same name is untouched"

    def stopped_in_eu(s):
        r = rows(s, "accounts-cdc")
        return any("eu-west-1" in l and " stopped " in l for l in r) and any("us-east-1" in l and " running " in l for l in r)
    tmux.wait_for(stopped_in_eu, timeout=15)
    recs = audit(tmp_path)
    eu_arn = facts["eu-west-1"]["tasks"]["accounts-cdc"]
    us_arn = facts["us-east-1"]["tasks"]["accounts-cdc"]
    assert eu_arn != us_arn
    ok = [r for r in recs if r["event"] == "ok" and r["detail"].startswith("stop accounts-cdc")]
    assert len(ok) == 1 and eu_arn in ok[0]["detail"] and "eu-west-1" in ok[0]["detail"], recs
    assert not any(us_arn in r["detail"] for r in recs if r["event"] in ("request", "ok")), recs

    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=10)


def test_a_scope_with_broken_credentials_shows_its_error_while_the_other_updates(dmswatch_bin, tmux, tmp_path, peer2):
    url, _ = peer2
    aws = tmp_path / "home" / ".aws"
    aws.mkdir(parents=True)
    (aws / "config").write_text(
        "[profile good]\nregion = us-east-1\n"
        "[profile broken]\nregion = eu-west-1\ncredential_process = /bin/false\n")
    (aws / "credentials").write_text("[good]\naws_access_key_id = AKIAGOOD\naws_secret_access_key = good-secret\n")
    extra = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
    cmd = command(tmp_path, dmswatch_bin, url, ["--profile", "good,broken"], extra)
    cmd = cmd.replace("AWS_ACCESS_KEY_ID='' AWS_SECRET_ACCESS_KEY=''", "")
    tmux.start(cmd, width=160, height=40)
    screen = tmux.wait_for(lambda s: len(rows(s, "accounts-cdc")) == 1 and "broken" in s.splitlines()[0], timeout=30)
    header = screen.splitlines()[0]
    assert re.search(r"broken/\S+ [✗x] AWS credentials", header), header
    # The good scope keeps updating: its task list age stays small while the broken one has no rows.
    r = rows(screen, "accounts-cdc")[0]
    assert "us-east-1" in r, screen
    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=10)


def test_check_reports_each_scope(dmswatch_bin, tmp_path, peer2):
    url, facts = peer2
    env = env_for(tmp_path)
    p = subprocess.run([str(dmswatch_bin), "check", "--region", "us-east-1", "--region", "eu-west-1", "--endpoint-url", url,
                        "--json", "--no-notify", "--max-time", "60"], env=env, capture_output=True, text=True, timeout=90)
    assert p.returncode in (0, 1), p.stderr
    report = json.loads(p.stdout)
    scopes = {s["scope"]["region"]: s for s in report["scopes"]}
    assert set(scopes) == set(REGIONS), report["scopes"]
    assert all(s.get("error") is None and s["tasks"] == len(fleet.TASKS) for s in scopes.values()), report["scopes"]
    named = [t for t in report["tasks"] if t["identifier"] == "accounts-cdc"]
    assert sorted(t["scope"]["region"] for t in named) == sorted(REGIONS), named
    assert {t["arn"] for t in named} == {facts[r]["tasks"]["accounts-cdc"] for r in REGIONS}
    # The MISSING table of accounts-cdc is found in both scopes, each under its own task.
    for t in named:
        assert any(f["event"] == "dms.table.missing" or "missing" in f["event"] for f in t["findings"]), t["findings"]
