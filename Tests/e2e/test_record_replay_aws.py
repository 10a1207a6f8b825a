"""End-to-end flight recorder: a dashboard session against moto recorded with --record, then replayed
with the peer stopped — the same task rows, tables, flags and log lines at the recorded time — and
`replay --check --json` agreeing with a live `check`. Secrets from the environment, the credentials
file and the webhook URL never enter the recording. The dump key writes the screen.
"""
import gzip
import json
import os
import re
import shlex
import subprocess
import time

import pytest

boto3 = pytest.importorskip("boto3")
pytest.importorskip("moto")

from test_dashboard_aws import (  # noqa: E402
    REGION, fleet, free_port, pane, start_peer, stop_pid, task_row, wait_until,
)

SECRET_KEY = "e2eCredFileSecretKeyQQQ4711"
ACCESS_KEY = "AKIAE2ERECORDERKEY01"
SESSION_TOKEN = "e2eSessionTokenZZZ9876"
WEBHOOK_SECRET = "e2eWebhookPathSecret5150"
ENV_SECRET = "e2eEnvOnlySecret8080"


def env_for(tmp_path):
    """A profile with keys in a credentials file, a webhook URL with a secret, a secret-looking variable."""
    home = tmp_path / "home"
    (home / ".aws").mkdir(parents=True, exist_ok=True)
    (home / ".aws" / "credentials").write_text(
        f"[e2e]\naws_access_key_id = {ACCESS_KEY}\naws_secret_access_key = {SECRET_KEY}\naws_session_token = {SESSION_TOKEN}\n")
    (home / ".aws" / "config").write_text(f"[profile e2e]\nregion = {REGION}\n")
    return {
        "PATH": "/usr/bin:/bin",
        "HOME": str(home),
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "AWS_EC2_METADATA_DISABLED": "true",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
        "USER": "e2e",
        # Posts go nowhere (port 1 on loopback refuses); the URL's path and token are the secret.
        "NOTIFIER_URL": f"http://127.0.0.1:1/hooks/{WEBHOOK_SECRET}?token={WEBHOOK_SECRET}",
        "DMSWATCH_E2E_SECRET": ENV_SECRET,
    }


def command(tmp_path, bin_path, *args):
    env = env_for(tmp_path)
    assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    return f"env -i {assigns} {shlex.quote(str(bin_path))} " + " ".join(shlex.quote(a) for a in args)


def run(tmp_path, bin_path, *args, timeout=60):
    return subprocess.run([str(bin_path), *args], env=env_for(tmp_path), capture_output=True, text=True, timeout=timeout)


def records(path):
    return gzip.open(path).read().decode("utf-8").splitlines()


def normalized(text):
    """A pane's lines with the ages in its titles (`12s ─┐`) blanked: the recorded time is the
    session's last moment, the capture was taken a moment before."""
    out = []
    for l in text.splitlines():
        out.append(re.sub(r"─+ ((?:FOLLOW )?)\d+(?:m\d+)?s ─", r"─ \1AGE ─", l).rstrip())
        if l.startswith(("└", "+")):
            break  # the hint and status lines below the last pane differ (read-only, replay)
    return out


@pytest.fixture
def peer_proc(tmp_path):
    port = free_port()
    proc = start_peer(tmp_path, port)
    url = f"http://127.0.0.1:{port}"
    facts = fleet.seed(url, REGION)
    facts["url"] = url
    try:
        yield proc, facts
    finally:
        stop_pid(proc)


def test_recorded_moto_session_replays_without_the_peer(dmswatch_bin, tmux, tmp_path, peer_proc):
    proc, facts = peer_proc
    url = facts["url"]
    rec = tmp_path / "session.dmsrec"
    tmux.start(command(tmp_path, dmswatch_bin, "--profile", "e2e", "--endpoint-url", url, "--no-audit", "--record", str(rec)),
               width=120, height=40)

    def loaded(s):
        return ("Applied 4242 changes to sales.order_lines" in s and "TABLES accounts-cdc 1/3 tables" in s
                and re.search(r"MISSING\s+sales\.customers", s) and re.search(r"\b42s/1m35s\b", task_row(s, "accounts-cdc") or ""))
    tmux.wait_for(loaded, timeout=30)
    # The operator moves down and back: view keys are recorded and followed by the replay.
    tmux.send("j")
    tmux.wait_for(lambda s: "TABLES accounts-cdc" not in s, timeout=10)
    tmux.send("k")
    screen = tmux.wait_for(lambda s: loaded(s) and "TABLES accounts-cdc" in s, timeout=15)
    # The dump key writes the screen, plain and ANSI, into the state directory and says where.
    tmux.send("D")
    shown = tmux.wait_text("screen written to", timeout=10)
    dumps = list((tmp_path / "state" / "dmswatch" / "dumps").glob("*.txt"))
    assert len(dumps) == 1, shown
    assert "TABLES accounts-cdc 1/3 tables" in dumps[0].read_text()
    ansi = dumps[0].with_suffix(".ansi").read_text()
    assert "\x1b[" in ansi and "accounts-cdc" in ansi
    screen = tmux.wait_for(lambda s: loaded(s) and "screen written" not in s, timeout=15)
    captured_at = time.time()  # the replay is compared at this moment: sparklines and ages move with the clock
    # A live check for comparison, while the peer is still there.
    live = run(tmp_path, dmswatch_bin, "check", "--json", "--profile", "e2e", "--endpoint-url", url)
    assert live.returncode in (0, 1), live.stderr
    live_report = json.loads(live.stdout)
    tmux.send("q")
    wait_until(lambda: "EXIT=0" in tmux.capture(), 10, "the dashboard to quit")
    lines = records(rec)
    header = json.loads(lines[0])
    assert header["dmswatch_recording"] == 1 and header["mode"] == "live"
    assert header["poll"]["tasks"] == 5 and header["poll"]["dmsCallsPerSecond"] == 2, header  # the replay polls alike
    assert json.loads(lines[-1])["k"] == "end"
    kinds = {json.loads(l).get("op") for l in lines if l.startswith('{"') and '"op"' in l[:200]}
    for op in ("list:DescribeReplicationTasks", "tables:DescribeReplicationTasks", "GetMetricData", "GetLogEvents",
               "DescribeEvents", "DescribeReplicationInstances", "DescribeEndpoints"):
        assert op in kinds, f"{op} not recorded: {sorted(k for k in kinds if k)}"
    assert any('"k":"ui"' in l and '"c:j"' in l for l in lines), "the view keys are recorded"

    # Secrets never enter the file (nor the dumps).
    raw = "\n".join(lines)
    for secret in (SECRET_KEY, ACCESS_KEY, SESSION_TOKEN, WEBHOOK_SECRET, ENV_SECRET, "127.0.0.1:1/hooks"):
        assert secret not in raw, f"{secret} is in the recording"
        assert secret not in dumps[0].read_text() and secret not in ansi

    # No peer from here on.
    stop_pid(proc)
    offset = captured_at - header["started"]
    out = run(tmp_path, dmswatch_bin, "replay", str(rec), "--dump-at", f"+{offset:.3f}s", "--size", "120x40")
    assert out.returncode == 0, out.stderr
    frame = out.stdout
    assert "REPLAY" in frame.splitlines()[0]
    for title, after in (("TASKS", ["TABLES"]), ("TABLES", ["LATENCY"]), ("LATENCY", ["LOG"]), ("LOG", [])):
        want = normalized(pane(screen, title, after))
        got = normalized(pane(frame, title, after))
        assert want and got == want, f"{title} differs\nreplay:\n" + "\n".join(got) + "\nrecorded:\n" + "\n".join(want)

    # check on the recorded state agrees with the live check (same tasks, same findings).
    chk = run(tmp_path, dmswatch_bin, "replay", str(rec), "--check", "--json")
    assert chk.returncode in (0, 1), chk.stderr
    rep = json.loads(chk.stdout)

    def findings(r):
        return {t["identifier"]: sorted(f["event"] for f in t["findings"]) for t in r["tasks"]}
    assert findings(rep) == findings(live_report)
    assert "dms.table.missing" in findings(rep)["accounts-cdc"]

    # A seek to the start shows the time before anything was loaded, not the end.
    start = run(tmp_path, dmswatch_bin, "replay", str(rec), "--dump-at", "start", "--size", "120x40")
    assert start.returncode == 0, start.stderr
    assert "Applied 4242 changes" not in start.stdout


def test_bad_recordings_give_clear_errors(dmswatch_bin, tmp_path):
    p = tmp_path / "x.dmsrec"
    p.write_bytes(b"not gzip at all\n")
    r = run(tmp_path, dmswatch_bin, "replay", str(p), "--dump-at", "end")
    assert r.returncode == 2 and "not a dmswatch recording" in r.stderr, r.stderr
    with gzip.open(p, "wb") as f:
        f.write(b'{"dmswatch_recording":99,"app":"dmswatch 9","started":1790000000,"mode":"live"}\n')
    r = run(tmp_path, dmswatch_bin, "replay", str(p), "--check", "--json")
    assert r.returncode == 2 and "format 99" in r.stderr and "upgrade" in r.stderr, r.stderr
    r = run(tmp_path, dmswatch_bin, "replay", str(tmp_path / "missing.dmsrec"))
    assert r.returncode == 2 and "cannot open" in r.stderr, r.stderr


def demo_command(tmp_path, bin_path, *args):
    env = {k: v for k, v in env_for(tmp_path).items() if k not in ("NOTIFIER_URL",)}
    assigns = " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())
    return f"env -i {assigns} {shlex.quote(str(bin_path))} --demo --no-audit " + " ".join(shlex.quote(a) for a in args)


def test_demo_session_recorded_by_config_replays(dmswatch_bin, tmux, tmp_path):
    """Config `recording: always: true` records a --demo session into the state directory; the replay
    shows the same task rows at the end, and `:at` seeks inside the interactive replay."""
    (tmp_path / "config" / "dmswatch").mkdir(parents=True)
    (tmp_path / "config" / "dmswatch" / "config.yaml").write_text("recording:\n  always: true\n  max_mb: 50\n  keep: 3\n")
    tmux.start(demo_command(tmp_path, dmswatch_bin), width=120, height=36)
    tmux.wait_for(lambda s: task_row(s, "accounts-cdc-eu-prod"), timeout=20)
    tmux.send(":", "l", "o", "g", " ", "a", "l", "l", "Enter")  # every task's events in LOG
    screen = tmux.wait_for(lambda s: task_row(s, "accounts-cdc-eu-prod") and "Replication task" in s, timeout=20)
    tmux.send("q")
    wait_until(lambda: "EXIT=0" in tmux.capture(), 10, "the dashboard to quit")
    files = list((tmp_path / "state" / "dmswatch" / "recordings").glob("session-*.dmsrec"))
    assert len(files) == 1, files
    assert json.loads(records(files[0])[0])["mode"] == "demo"
    out = run(tmp_path, dmswatch_bin, "replay", str(files[0]), "--dump-at", "end", "--size", "120x36")
    assert out.returncode == 0, out.stderr
    assert "REPLAY" in out.stdout.splitlines()[0]
    # The simulated fleet moves between the capture and quitting: compare the columns that do not.
    def names(s):
        return [l.split()[1:3] for l in pane(s, "TASKS", ["TABLES"]).splitlines()[2:] if l.startswith("│") and len(l.split()) > 3]
    assert names(out.stdout) == names(screen), out.stdout

    # The interactive replay: `:at +1s` seeks, the header says REPLAY; `q` quits.
    tmux.kill()
    tmux.start(demo_command(tmp_path, dmswatch_bin).replace("--demo --no-audit ", "") + f" replay {shlex.quote(str(files[0]))}",
               width=120, height=36)
    tmux.wait_for(lambda s: "REPLAY ❚❚ ×1" in s, timeout=15)
    tmux.send(":", "a", "t", " ", "e", "n", "d", "Enter")
    tmux.wait_for(lambda s: task_row(s, "accounts-cdc-eu-prod") is not None and "seeking" not in s, timeout=30)
    tmux.send("q")
    wait_until(lambda: "EXIT=0" in tmux.capture(), 10, "the replay to quit")
