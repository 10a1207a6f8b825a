"""End-to-end: the real binary in tmux on the simulated fleet."""
import json
import os
import re
import time

import pytest

TITLES = ["TASKS", "TABLES", "FLAGS", "LATENCY", "LOG"]


def demo_env(tmp_path, **extra):
    env = {
        "TERM": "xterm-256color",
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "NO_COLOR": "",
    }
    env.update(extra)
    return env


def audit_records(tmp_path):
    p = tmp_path / "state" / "dmswatch" / "audit.log"
    if not p.exists():
        return []
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()]


def task_rows(screen):
    """Identifiers in the TASKS pane: lines between the TASKS frame and the next frame."""
    lines = screen.splitlines()
    out = []
    inside = False
    for line in lines:
        if "TASKS" in line and not inside:
            inside = True
            continue
        if inside:
            if "TABLES" in line:
                break
            # Names may be cut in the middle (`audit-migr…n-eu-prod`) or end (`…`); serverless rows carry `SL` first.
            m = re.match(r"^[│|]\s*[>▶*]?\s*(?:SL\s+)?([a-z0-9][a-z0-9…-]{2,})(?:\s|…)", line)
            if m:
                out.append(m.group(1))
    return out


def test_demo_dashboard_keys_and_restore(dmswatch_bin, tmux, tmp_path):
    tmux.start(f"{dmswatch_bin} --demo --demo-seed 3", width=120, height=40, env=demo_env(tmp_path))
    screen = tmux.wait_for(lambda s: all(t in s for t in TITLES) and "running" in s, timeout=20)
    ids = task_rows(screen)
    assert len(ids) >= 5, f"task identifiers not found in:\n{screen}"
    assert tmux.display("#{alternate_on}") == "1", "dashboard uses the alternate screen"

    # j moves the selection (the TABLES pane follows the selected task).
    tmux.send("j")
    time.sleep(0.3)
    # Tab moves focus to TABLES.
    tmux.send("Tab")
    time.sleep(0.2)
    # ? shows help listing every key; esc closes it.
    tmux.send("?")
    help_screen = tmux.wait_text("stop task (asks, default No)")
    assert "filter tasks" in help_screen and "esc close" in help_screen
    tmux.send("Escape")
    tmux.wait_for(lambda s: "stop task (asks, default No)" not in s)
    # Stop is offered only on a task that runs: filter to running tasks (esc returns to TASKS first).
    tmux.send("Escape")
    tmux.send("/")
    for ch in "running":
        tmux.send(ch)
    tmux.send("Enter")
    tmux.wait_text("/running")
    # x asks to stop, default No; n cancels: nothing stopped.
    tmux.send("x")
    confirm = tmux.wait_text("Stop task")
    assert "[ No ]" in confirm and "[ Yes ]" in confirm
    tmux.send("n")
    tmux.wait_for(lambda s: "Stop task" not in s)
    recs = audit_records(tmp_path)
    assert any("cancelled stop" in r["detail"] for r in recs), recs
    assert not any(r["event"] == "request" and r["detail"].startswith("stop") for r in recs), recs

    # q quits with status 0 and the terminal is restored (normal screen, cursor visible).
    tmux.send("q")
    after = tmux.wait_text("EXIT=0", timeout=10)
    assert tmux.display("#{alternate_on}") == "0"
    assert tmux.display("#{cursor_flag}") == "1"
    assert "TASKS" not in after
