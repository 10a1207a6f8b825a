"""End-to-end (issue 12): the screen never claims what was not checked, and agrees with `check`.

The real binary in tmux on the 1,000-task simulated fleet, and `dmswatch check` on the same seed.
"""
import json
import os
import re
import subprocess

from test_dashboard_tmux import demo_env

SEED = "7"
TASKS = "1000"


def task_table(screen):
    """(name, flags cell, health cell) of each TASKS row, sliced at the column headers' positions."""
    lines = screen.splitlines()
    header = next((i for i, l in enumerate(lines) if "NAME" in l and "HEALTH" in l and "FLAGS" in l), None)
    assert header is not None, screen
    h = lines[header]
    flags_end = h.index("FLAGS") + len("FLAGS")
    health_at = h.index("HEALTH")
    rows = []
    for line in lines[header + 1:]:
        if line.startswith("└") or not line.startswith("│"):
            break
        m = re.match(r"^│.\s*(?:SL\s+)?([a-z0-9][a-z0-9-]{2,})\s", line)
        if not m:
            continue
        rows.append((m.group(1), line[flags_end - 5:flags_end].strip(), line[health_at:].rstrip("│ ").strip()))
    return rows


def checked_rows(screen):
    return [r for r in task_table(screen) if r[1].isdigit()]


def test_no_unchecked_row_says_healthy_and_no_critical_row_is_shown_healthy(dmswatch_bin, tmux, tmp_path):
    env = demo_env(tmp_path)
    tmux.start(f"{dmswatch_bin} --demo --demo-tasks {TASKS} --demo-seed {SEED}", width=200, height=50, env=env)
    # Right after start nothing is checked: every row is unknown, none says healthy.
    first = tmux.wait_for(lambda s: "checked " in s and len(task_table(s)) >= 8, timeout=30)
    early = task_table(first)
    assert re.search(r"TASKS \d+/\d+ checked \d+/\d+", first), first
    for name, flags, health in early:
        if not flags.isdigit():
            assert "healthy" not in health, f"{name} is unchecked (FLAGS {flags!r}) but says {health!r}\n{first}"
            assert flags.startswith("?"), f"{name}: an unchecked FLAGS cell is ?, not {flags!r}"

    # Focusing a row loads its statistics: check a few rows; the rest still say they are unchecked.
    screen = tmux.wait_for(lambda s: len(checked_rows(s)) >= 1, timeout=60)
    for _ in range(3):
        n = len(checked_rows(screen))
        tmux.send("j")
        screen = tmux.wait_for(lambda s: len(checked_rows(s)) > n, timeout=60)
    rows = task_table(screen)
    assert len(rows) >= 8, screen

    p = subprocess.run(
        [str(dmswatch_bin), "check", "--demo", "--demo-tasks", TASKS, "--demo-seed", SEED, "--json"],
        env={**os.environ, **env}, capture_output=True, text=True, timeout=180)
    assert p.returncode in (0, 1), p.stderr[-2000:]
    report = json.loads(p.stdout)
    severity = {t["identifier"]: t["severity"] for t in report["tasks"]}
    critical = {n for n, s in severity.items() if s == "critical"}
    assert critical, "the demo fleet has critical tasks"

    shown_healthy = 0
    for name, flags, health in rows:
        if not flags.isdigit():
            assert "healthy" not in health, f"{name} is unchecked (FLAGS {flags!r}) but says {health!r}\n{screen}"
        if name in critical:
            assert health != "healthy" and not health.startswith("healthy"), \
                f"check calls {name} critical, the screen says {health!r}\n{screen}"
        if health == "healthy":
            shown_healthy += 1
            assert severity.get(name) != "critical", f"{name} healthy on screen but critical in check"
    # The TASKS title counts checked rows.
    m = re.search(r"checked (\d+)/(\d+)", screen)
    assert m and int(m.group(1)) >= len([r for r in rows if r[1].isdigit()]), screen
    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=15)
