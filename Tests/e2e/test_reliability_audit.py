"""The audit log never loses a record silently (demo mode in tmux, the audit log on a tiny tmpfs).

- full disk, including a short write (the line only half fits): the failure is on screen (header badge
  `AUDIT LOG FAILING`), actions are refused with a clear message and nothing is done, no half line is
  left in the file; once there is space again the next action goes ahead by itself;
- a read-only audit directory: shown on screen at start (not only on stderr), actions refused;
- `--no-audit`: a `NO AUDIT` badge, actions allowed, no file written.

Needs root for `mount -t tmpfs` (skipped otherwise); every mount is unmounted in teardown.
"""
import json
import os
import subprocess
import time

import pytest

from test_dashboard_tmux import demo_env

PAGE = 4096


@pytest.fixture
def tiny_disk(tmp_path):
    d = tmp_path / "disk"
    d.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k,mode=0700", "tmpfs", str(d)], capture_output=True, text=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.strip()}")
    yield d
    subprocess.run(["umount", "-l", str(d)], check=False)


def lines(path):
    data = path.read_bytes()
    assert data == b"" or data.endswith(b"\n"), f"a torn last line: {data[-80:]!r}"
    return [json.loads(l) for l in data.decode().splitlines() if l.strip()]


def fill(disk, keep):
    """Fills the disk, then pads the audit log with one valid record so that exactly `keep` bytes are free
    in its last page: the next record only partly fits (a short write)."""
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while os.write(fd, b"\0" * PAGE) == PAGE:
            pass
    except OSError:
        pass
    finally:
        os.close(fd)
    log = disk / "audit.log"
    size = log.stat().st_size
    room = PAGE - size % PAGE
    pad = room - keep
    base = {"detail": "", "event": "test-padding", "source": "test", "time": "2026-12-01T00:00:00Z", "user": "t"}
    n = pad - len(json.dumps(base, sort_keys=True)) - 1
    assert n > 0, (size, room, keep)
    base["detail"] = "p" * n
    line = json.dumps(base, sort_keys=True) + "\n"
    assert len(line) == pad
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    try:
        assert os.write(fd, line.encode()) == len(line)
    finally:
        os.close(fd)


def stop_selected(tmux):
    # Stop is offered only on a running task: show only those (the selection follows) unless already filtered.
    if "/running" not in tmux.capture():
        tmux.send("/")
        for ch in "running":
            tmux.send(ch)
        tmux.send("Enter")
        tmux.wait_text("/running")
    tmux.send("x")
    tmux.wait_for(lambda s: "Stop task" in s and "[ Yes ]" in s, timeout=10)
    tmux.send("y")


def test_full_disk_refuses_actions_keeps_whole_lines_and_recovers(dmswatch_bin, tmux, tmp_path, tiny_disk):
    log = tiny_disk / "audit.log"
    tmux.start(f"{dmswatch_bin} --demo --demo-seed 3 --audit-log {log}", width=140, height=40, env=demo_env(tmp_path))
    tmux.wait_for(lambda s: "TASKS" in s and "running" in s, timeout=20)
    assert [r["event"] for r in lines(log)] == ["session"]
    fill(tiny_disk, keep=40)

    stop_selected(tmux)
    screen = tmux.wait_for(lambda s: "refused, nothing sent" in s, timeout=10)
    assert "No space left on device" in screen, screen
    assert "AUDIT LOG FAILING" in screen.splitlines()[0], screen.splitlines()[0]
    recs = lines(log)  # the short write was cut back: every line whole, the file ends with a newline
    assert not any(r["event"] == "request" for r in recs), recs
    assert not any(r["event"] == "ok" for r in recs), "nothing was done"

    # Space again: the next action writes its record and goes ahead; the badge goes away.
    (tiny_disk / "filler").unlink()
    stop_selected(tmux)
    # The stop went to the (simulated) service: its answer is in the LOG pane and the audit log.
    deadline = time.monotonic() + 10
    while [r["event"] for r in lines(log)][-1:] not in (["ok"], ["failed"]):
        assert time.monotonic() < deadline, f"no answer recorded: {lines(log)}"
        time.sleep(0.05)
    assert [r["event"] for r in lines(log)][-2] == "request"
    tmux.wait_for(lambda s: "requested" in s or "InvalidResourceStateFault" in s, timeout=5)
    tmux.wait_for(lambda s: "AUDIT LOG FAILING" not in s.splitlines()[0], timeout=5)


def test_read_only_audit_directory_is_on_screen_and_refuses_actions(dmswatch_bin, tmux, tmp_path, tiny_disk):
    sub = tiny_disk / "state"
    sub.mkdir()
    subprocess.run(["mount", "-o", "remount,ro", str(tiny_disk)], check=True)
    tmux.start(f"{dmswatch_bin} --demo --demo-seed 3 --audit-log {sub / 'audit.log'}", width=140, height=40, env=demo_env(tmp_path))
    screen = tmux.wait_for(lambda s: "TASKS" in s and "running" in s and "AUDIT LOG FAILING" in s, timeout=20)
    assert "Read-only file system" in screen and "actions refused until it can be written" in screen, screen
    stop_selected(tmux)
    screen = tmux.wait_for(lambda s: "refused, nothing sent" in s, timeout=10)
    assert not (sub / "audit.log").exists()


def test_no_audit_shows_a_badge_and_allows_actions(dmswatch_bin, tmux, tmp_path):
    env = demo_env(tmp_path)
    tmux.start(f"{dmswatch_bin} --demo --demo-seed 3 --no-audit", width=140, height=40, env=env)
    screen = tmux.wait_for(lambda s: "TASKS" in s and "running" in s and "NO AUDIT" in s, timeout=20)
    assert "NO AUDIT" in screen.splitlines()[0]
    stop_selected(tmux)
    screen = tmux.wait_for(lambda s: "stop " in s and ("requested" in s or "InvalidResourceState" in s), timeout=10)
    assert "refused" not in screen
    assert not (tmp_path / "state" / "dmswatch" / "audit.log").exists()
