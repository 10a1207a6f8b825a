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


def test_start_cdc_from_a_point_and_errors_only_tables(dmswatch_bin, tmux, tmp_path):
    """Stop a CDC-only task, then start it again from a time through the CDC start dialog: the menu offers it, the
    field starts with the recovery checkpoint, the time is checked, the confirmation defaults to No, the request is
    audited and the task runs. Then `E` in TABLES shows only flagged tables."""
    audit = tmp_path / "audit.log"
    tmux.start(f"{dmswatch_bin} --demo --demo-seed 1 --refresh 1 --audit-log {audit}", width=140, height=40,
               env=demo_env(tmp_path))
    tmux.wait_for(lambda s: all(t in s for t in TITLES) and "running" in s, timeout=20)
    tmux.send("/")
    type_keys(tmux, "analytics-cdc")
    tmux.send("Enter")
    tmux.wait_for(lambda s: "TASKS 1/1 of" in s)
    tmux.send("x")
    tmux.wait_text("CONFIRM")
    tmux.send("y")
    tmux.wait_for(lambda s: re.search(r"analytics-cdc\s+stopped", s) is not None, timeout=30)

    tmux.send("s")
    menu = tmux.wait_text("3  start CDC from a position or time")
    assert "1  resume-processing" in menu and "2  reload-target" in menu, menu
    assert "1-4 pick" in hint_line(menu), hint_line(menu)
    tmux.send("3")
    tmux.send("Enter")
    dialog = tmux.wait_text("START CDC FROM")
    # The field holds the task's recovery checkpoint (its end in view, where the cursor is).
    assert "[position]" in dialog and re.search(r"> \S*mysql-bin-changelog\.\d+:\d+#0#0#\*#0#93", dialog), dialog
    # An unknown key in the dialog is text; tab switches to a time, a future time is refused in place.
    tmux.send("Tab")
    tmux.wait_text("[time]")
    type_keys(tmux, "2099-01-01T00:00:00Z")
    tmux.send("Enter")
    tmux.wait_text("is in the future")
    tmux.send("C-u")
    type_keys(tmux, "-30m")
    tmux.wait_text("→ CdcStartTime")
    tmux.send("Enter")
    confirm = tmux.wait_text("CONFIRM")
    assert "Start CDC for analytics-cdc from" in confirm.replace("\n", " ") or "Start CDC for analytics-cdc" in confirm, confirm
    # enter on the default button is No.
    tmux.send("Enter")
    tmux.wait_for(lambda s: "cancelled: start analytics-cdc (start-replication, CDC from time" in hint_line(s))
    tmux.send("s")
    tmux.wait_text("3  start CDC from a position or time")
    tmux.send("3")
    tmux.send("Enter")
    tmux.wait_text("START CDC FROM")
    tmux.send("Tab")
    type_keys(tmux, "-30m")
    tmux.send("Enter")
    tmux.wait_text("CONFIRM")
    tmux.send("y")
    tmux.wait_for(lambda s: "start analytics-cdc (start-replication, CDC from time" in s and "requested" in s, timeout=15)
    tmux.wait_for(lambda s: re.search(r"analytics-cdc\s+running", s) is not None, timeout=30)
    lines = [l for l in audit.read_text().splitlines() if "CDC from time" in l]
    assert any("cancelled" in l for l in lines) and any("cancelled" not in l for l in lines), lines

    # E in TABLES (of a task with flags): only the flagged tables; the title says so; esc shows all again.
    tmux.send("/")
    tmux.send("C-u")
    type_keys(tmux, "accounts-cdc-eu")
    tmux.send("Enter")
    tmux.wait_for(lambda s: re.search(r"accounts-cdc-eu-prod\s+running", s) is not None)
    tmux.send("Tab")
    before = tmux.wait_for(lambda s: re.search(r"TABLES accounts-cdc-eu-prod \d+/\d+ tables", s) is not None, timeout=20)
    total = int(re.search(r"TABLES accounts-cdc-eu-prod \d+/(\d+) tables", before).group(1))
    tmux.send("E")
    only = tmux.wait_text("errors only: ")
    shown = int(re.search(r"errors only: (\d+) tables? with warn/critical flags", hint_line(only)).group(1))
    assert 0 < shown < total, (shown, total)
    tmux.wait_for(lambda s: re.search(rf"TABLES accounts-cdc-eu-prod 1/{shown} of {total} tables errors only", s) is not None)
    tmux.send("Escape")
    tmux.wait_for(lambda s: f"1/{total} tables" in s and "errors only" not in s.split("TABLES", 1)[1].split("\n", 1)[0])
