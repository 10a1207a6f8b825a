"""Issue 12, conventions k9s users' hands expect: the `:` command line with completion, per-task LOG
and `:log all`, `c` copying with OSC 52 (bytes seen on the pty), help on one screen at 120x40."""
import base64
import os
import re
import time

from test_dashboard_tmux import TITLES, demo_env
from test_reliability_terminal import end_pty, read_until, spawn_on_pty


def type_keys(tmux, text):
    for ch in text:
        tmux.send(ch)


def hint_line(screen):
    return screen.rstrip("\n").splitlines()[-1]


def test_command_line_completes_and_runs(dmswatch_bin, tmux, tmp_path):
    tmux.start(f"{dmswatch_bin} --demo --demo-seed 1 --refresh 1", width=120, height=40, env=demo_env(tmp_path))
    tmux.wait_for(lambda s: all(t in s for t in TITLES) and "running" in s, timeout=20)

    # `:` opens the line; tab completes the command.
    tmux.send(":")
    tmux.wait_for(lambda s: "tab complete" in hint_line(s))
    type_keys(tmux, "rec")
    tmux.send("Tab")
    tmux.wait_for(lambda s: hint_line(s).startswith(" :recon"))
    tmux.send("Enter")
    recon = tmux.wait_text("RECON", timeout=10)
    assert ":recon" not in hint_line(recon)

    # :tasks closes the view; an ambiguous prefix lists what it could be.
    type_keys(tmux, ":tasks")
    tmux.send("Enter")
    tmux.wait_for(lambda s: "RECON" not in s.split("\n", 3)[2])
    tmux.send(":")
    tmux.send("t")
    tmux.send("Tab")
    listed = tmux.wait_for(lambda s: "tables" in hint_line(s) and "theme" in hint_line(s))
    assert "tasks" in hint_line(listed)
    tmux.send("Escape")

    # A typo gets a suggestion, never silence.
    type_keys(tmux, ":tsks")
    tmux.send("Enter")
    tmux.wait_for(lambda s: "unknown command :tsks — did you mean :tasks?" in s)

    # LOG: the focused task's own lines by default; `:log all` merges every task.
    screen = tmux.capture()
    log_title = next(l for l in screen.splitlines() if "─ LOG " in l)
    assert "all tasks" not in log_title, log_title
    type_keys(tmux, ":log al")
    tmux.send("Tab")
    tmux.wait_for(lambda s: hint_line(s).startswith(" :log all"))
    tmux.send("Enter")
    def log_tasks(screen):
        names, in_log = set(), False
        for line in screen.splitlines():
            if "─ LOG " in line:
                in_log = "─ LOG all tasks" in line
                continue
            m = re.match(r"^[│|]\d\d:\d\d:\d\d (\S+)", line) if in_log else None
            if m:
                names.add(m.group(1))
        return names

    # Lines of several tasks arrive, merged in one view.
    tmux.wait_for(lambda s: len(log_tasks(s)) >= 2, timeout=30)

    # :theme with completion switches the theme.
    type_keys(tmux, ":theme hi")
    tmux.send("Tab")
    tmux.wait_for(lambda s: hint_line(s).startswith(" :theme high-contrast"))
    tmux.send("Enter")
    tmux.wait_text("theme high-contrast")

    # c copies the selected task's ARN (OSC 52, bytes checked on a pty below) and says so on the status line.
    tmux.send("c")
    tmux.wait_for(lambda s: re.search(r"copied ARN of \S+ to the clipboard \(OSC 52", hint_line(s)) is not None)

    # :q quits cleanly.
    type_keys(tmux, ":q")
    tmux.send("Enter")
    tmux.wait_text("EXIT=0", timeout=10)


def test_help_shows_every_key_on_one_screen_at_120x40(dmswatch_bin, tmux, tmp_path):
    tmux.start(f"{dmswatch_bin} --demo --demo-seed 1", width=120, height=40, env=demo_env(tmp_path))
    tmux.wait_for(lambda s: all(t in s for t in TITLES), timeout=20)
    tmux.send("?")
    screen = tmux.wait_text("HELP: keys")
    for text in ["stop task (asks, default No)", "copy ARN / table (OSC 52 clipboard)", ":scope NAME|all", ":log all|task",
                 ":quit :q", "screen to a file (text and ANSI)"]:
        assert text in screen, f"{text!r} not in help:\n{screen}"
    assert not re.search(r"\d+-\d+/\d+ ─", screen), f"help scrolls at 120x40:\n{screen}"


def test_copy_sends_osc52_with_the_arn(dmswatch_bin, tmp_path):
    p, master, slave = spawn_on_pty(dmswatch_bin, tmp_path, cols=120, rows=40)
    try:
        read_until(master, b"TASKS", 20)
        time.sleep(1.0)
        os.write(master, b"c")
        buf = read_until(master, b"\x07", 10)
        m = re.search(rb"\x1b\]52;c;([A-Za-z0-9+/=]+)\x07", buf)
        assert m, f"no OSC 52 sequence in {buf[-300:]!r}"
        copied = base64.b64decode(m.group(1)).decode()
        assert re.fullmatch(r"arn:aws:dms:[a-z0-9-]+:\d{12}:task:[A-Z0-9]+", copied), copied
        # (The status-line confirmation is asserted in tmux, where the screen is whole:
        # test_command_line_completes_and_runs.)
    finally:
        end_pty(p, master, slave)


def test_pane_filters_and_log_search(dmswatch_bin, tmux, tmp_path):
    tmux.start(f"{dmswatch_bin} --demo --demo-seed 1 --refresh 1", width=140, height=45, env=demo_env(tmp_path))
    tmux.wait_for(lambda s: all(t in s for t in TITLES) and "running" in s, timeout=20)

    # TASKS: `status:` narrows to that status; the title shows position and total.
    type_keys(tmux, "/status:running")
    tmux.send("Enter")
    screen = tmux.wait_text("/status:running")
    title = next(l for l in screen.splitlines() if "─ TASKS " in l)
    m = re.search(r"TASKS (\d+)/(\d+) of (\d+)", title)
    assert m and int(m.group(2)) < int(m.group(3)), title
    rows = [l for l in screen.splitlines()[3:3 + int(m.group(2))]]
    assert all(" running " in l for l in rows), "\n".join(rows)

    # LOG: every task's lines, then a search; n goes to an older match and says which line it is on.
    type_keys(tmux, ":log all")
    tmux.send("Enter")
    tmux.wait_for(lambda s: re.search(r"^│\d\d:\d\d:\d\d .*Replication task", s, re.M) is not None, timeout=30)
    for _ in range(4):  # TASKS → TABLES → FLAGS → LATENCY → LOG
        tmux.send("Tab")
    type_keys(tmux, "/replication task")
    tmux.send("Enter")
    found = tmux.wait_for(lambda s: re.search(r"/replication task: line \d+ of \d+", s) is not None)
    log_title = next(l for l in found.splitlines() if "─ LOG " in l)
    assert "/replication task" in log_title, log_title
    tmux.send("e")
    tmux.wait_for(lambda s: any("─ LOG " in l and "W+" in l for l in s.splitlines()))
    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=10)
