"""Real terminals (tmux, demo mode): resize storms, sizes, TERM values, locales, NO_COLOR, signals."""
import json
import os
import random
import re
import shlex
import signal
import sys
import time

import pytest

import faultproxy as fp

TITLES = ["TASKS", "TABLES", "FLAGS", "LATENCY", "LOG"]
BOX = re.compile("[\u2500-\u259f\u2800-\u28ff]")  # box drawing, blocks, braille
COLOUR_SGR = re.compile(r"\x1b\[([0-9;:]*)m")


def demo_env(tmp_path, **extra):
    env = {
        "TERM": "xterm-256color", "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8",
        "XDG_STATE_HOME": str(tmp_path / "state"), "XDG_CONFIG_HOME": str(tmp_path / "config"), "NO_COLOR": "",
    }
    env.update(extra)
    return env


def env_prefix(env):
    """tmux sets TERM in the pane itself: pass TERM (and friends) on the command line."""
    return "env " + " ".join(f"{k}={shlex.quote(v)}" for k, v in env.items())


def start_demo(tmux, bin, tmp_path, width=120, height=40, args="", **env):
    e = demo_env(tmp_path, **env)
    tmux.start(f"{env_prefix(e)} {bin} --demo --demo-seed 5 {args}", width=width, height=height, env=e)
    return tmux.wait_for(lambda s: all(t in s for t in TITLES) and "running" in s, timeout=20)


def audit(tmp_path):
    p = tmp_path / "state" / "dmswatch" / "audit.log"
    return [json.loads(l) for l in p.read_text().splitlines() if l.strip()] if p.exists() else []


def assert_layout(screen, width, height):
    """Frames are closed at the pane's width, the hint bar is on the last line, nothing else is there."""
    lines = screen.split("\n")
    lines = lines[:height]
    assert len(lines) == height, f"{len(lines)} lines"
    assert all(t in screen for t in TITLES), screen
    tops = [l for l in lines if l.startswith("┌")]
    assert len(tops) >= 4, screen
    for l in lines[1:height - 1]:
        if l.startswith(("┌", "└", "│")):
            assert len(l) == width, f"frame line is {len(l)} wide, want {width}:\n{l!r}\n{screen}"
            assert l.endswith(("┐", "┘", "│")), f"frame line not closed at column {width}:\n{l!r}"
    assert "q quit" in lines[height - 1] or "? help" in lines[height - 1], lines[height - 1]


def test_resize_storm_then_layout_fits_final_size(dmswatch_bin, tmux, tmp_path):
    start_demo(tmux, dmswatch_bin, tmp_path)
    pid = fp.child_pid(tmux.pane_pid())
    rnd = random.Random(7)
    t0 = time.monotonic()
    for i in range(50):
        tmux.resize(rnd.randint(40, 200), rnd.randint(10, 60))
        time.sleep(max(0, t0 + (i + 1) * 0.04 - time.monotonic()))
    assert time.monotonic() - t0 < 3.0
    tmux.resize(100, 30)
    screen = tmux.wait_for(lambda s: len(s.split("\n")[1]) == 100 and "TASKS" in s and s.split("\n")[29].strip() != "", timeout=10)
    screen = tmux.wait_app_seconds(1)  # drawn again after the storm settled
    assert_layout(screen, 100, 30)
    assert os.path.exists(f"/proc/{pid}")
    # Still responsive after the storm.
    med, xs = fp.median_latency(tmux)
    assert med <= 0.1, xs


def test_minimum_size_and_below(dmswatch_bin, tmux, tmp_path):
    start_demo(tmux, dmswatch_bin, tmp_path, width=60, height=18)
    assert_layout(tmux.capture(), 60, 18)
    tmux.resize(59, 18)
    screen = tmux.wait_text("terminal too small")
    assert "59" in screen and "need at least 60" in screen.replace("×", "x").replace(" x ", "x"), screen
    assert "TASKS" not in screen
    tmux.resize(60, 17)
    tmux.wait_for(lambda s: "terminal too small" in s and "17" in s)
    # Keys still work while too small (q quits).
    tmux.resize(30, 8)
    tmux.wait_text("too small")
    tmux.resize(60, 18)
    screen = tmux.wait_for(lambda s: all(t in s for t in TITLES))
    assert_layout(screen, 60, 18)
    tmux.send("q")
    tmux.wait_text("EXIT=0")


@pytest.mark.parametrize("term", ["xterm-256color", "screen-256color", "tmux-256color", "xterm", "vt100", "linux"])
def test_term_values(dmswatch_bin, tmux, tmp_path, term):
    screen = start_demo(tmux, dmswatch_bin, tmp_path, TERM=term)
    if term == "vt100":
        assert not BOX.search(screen), "vt100 gets ASCII frames"
        assert "+-" in screen
    else:
        assert "┌" in screen
    tmux.send("?")
    tmux.wait_text(fp.HELP_TEXT)
    tmux.send("Escape")
    tmux.send("q")
    tmux.wait_text("EXIT=0", timeout=10)
    assert tmux.display("#{alternate_on}") == "0"


def test_dumb_terminal_refused_before_touching_it(dmswatch_bin, tmux, tmp_path):
    e = demo_env(tmp_path, TERM="dumb")
    tmux.start(f"{env_prefix(e)} {dmswatch_bin} --demo", env=e)
    screen = tmux.wait_text("EXIT=2")
    assert "TERM=dumb cannot draw a full-screen UI" in screen
    assert tmux.display("#{alternate_on}") == "0"


def test_lang_c_draws_ascii_only(dmswatch_bin, tmux, tmp_path):
    screen = start_demo(tmux, dmswatch_bin, tmp_path, LANG="C", LC_ALL="C")
    # Positive marker first: log lines of every task in the LOG pane and a later frame, then assert what is absent.
    tmux.send(":", "l", "o", "g", " ", "a", "l", "l", "Enter")
    tmux.wait_for(lambda s: re.search(r"^\|\d\d:\d\d:\d\d ", s, re.M) is not None, timeout=15)
    screen = tmux.wait_app_seconds(1)
    bad = sorted(set(BOX.findall(screen)))
    assert not bad, f"non-ASCII drawing under LANG=C: {bad}\n{screen}"
    assert all(ord(c) < 128 for c in screen), sorted({c for c in screen if ord(c) >= 128})
    assert "+-" in screen and "|" in screen


def colour_sgrs(text):
    """SGR parameter lists that set a colour (30–49, 90–107, 38/48 extended)."""
    out = []
    for m in COLOUR_SGR.finditer(text):
        params = [p for p in re.split("[;:]", m.group(1)) if p]
        for p in params:
            n = int(p)
            if (30 <= n <= 38 or 40 <= n <= 48 or 90 <= n <= 97 or 100 <= n <= 107):  # 39/49 = default colours
                out.append(m.group(0))
                break
    return out


def test_no_color_sends_no_colour(dmswatch_bin, tmux, tmp_path):
    start_demo(tmux, dmswatch_bin, tmp_path, NO_COLOR="1")
    tmux.send(":", "l", "o", "g", " ", "a", "l", "l", "Enter")
    tmux.wait_for(lambda s: re.search(r"^│\d\d:\d\d:\d\d ", s, re.M) is not None, timeout=15)  # log lines drawn
    tmux.wait_app_seconds(1)
    raw = tmux.cmd("capture-pane", "-p", "-e", "-t", tmux.session).stdout
    assert colour_sgrs(raw) == [], colour_sgrs(raw)[:5]
    # The control: without NO_COLOR the same screen has colour.
    tmux.send("q")
    tmux.wait_text("EXIT=0")
    tmux.kill()
    from tmuxlib import Tmux
    t2 = Tmux(tmp_path)
    try:
        e = demo_env(tmp_path)
        t2.start(f"{env_prefix(e)} {dmswatch_bin} --demo --demo-seed 5", env=e)
        t2.wait_for(lambda s: "running" in s and "TASKS" in s, timeout=20)
        raw = t2.cmd("capture-pane", "-p", "-e", "-t", t2.session).stdout
        assert colour_sgrs(raw), "the default theme shows colour"
    finally:
        t2.kill()


def test_sighup_exits_promptly_and_flushes_audit(dmswatch_bin, tmux, tmp_path):
    start_demo(tmux, dmswatch_bin, tmp_path)
    pid = fp.child_pid(tmux.pane_pid())
    # Stop is offered only on a running task: filter to those first.
    tmux.send("/")
    for ch in "running":
        tmux.send(ch)
    tmux.send("Enter")
    tmux.wait_text("/running")
    tmux.send("x")
    tmux.wait_text("Stop task")
    tmux.send("n")
    tmux.wait_for(lambda s: "Stop task" not in s)
    t0 = time.monotonic()
    os.kill(pid, signal.SIGHUP)
    tmux.wait_text("EXIT=129", timeout=5)
    assert time.monotonic() - t0 < 2.0
    recs = audit(tmp_path)
    assert any("cancelled stop" in r["detail"] for r in recs), recs
    assert recs[-1]["detail"] == "dashboard ended (exit 129)", recs[-1]
    assert tmux.display("#{alternate_on}") == "0"


@pytest.mark.parametrize("sig,code", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_sigint_sigterm_restore_terminal(dmswatch_bin, tmux, tmp_path, sig, code):
    start_demo(tmux, dmswatch_bin, tmp_path)
    assert tmux.display("#{alternate_on}") == "1"
    assert tmux.display("#{cursor_flag}") == "0"
    pid = fp.child_pid(tmux.pane_pid())
    os.kill(pid, sig)
    after = tmux.wait_text(f"EXIT={code}", timeout=5)
    assert tmux.display("#{alternate_on}") == "0"
    assert tmux.display("#{cursor_flag}") == "1"
    assert "TASKS" not in after
    assert audit(tmp_path)[-1]["detail"] == f"dashboard ended (exit {code})"


def test_ctrl_c_key_quits_and_restores(dmswatch_bin, tmux, tmp_path):
    start_demo(tmux, dmswatch_bin, tmp_path)
    tmux.send("C-c")
    tmux.wait_for(lambda s: "EXIT=" in s, timeout=5)
    assert tmux.display("#{alternate_on}") == "0"
    assert tmux.display("#{cursor_flag}") == "1"


def proc_state(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()[0]


# A minimal job-control shell: runs the program in its own foreground process group (as an interactive
# shell does; tmux's `sh -c` has no job control, so a stop signal to its orphaned group is dropped),
# reports when it stops, and on a line "fg" gives it the terminal back and continues it.
JOBSHELL = r"""
import os, signal, sys
signal.signal(signal.SIGTTOU, signal.SIG_IGN)
signal.signal(signal.SIGTSTP, signal.SIG_IGN)
tty = os.open("/dev/tty", os.O_RDWR)
pid = os.fork()
if pid == 0:
    os.setpgid(0, 0)
    os.tcsetpgrp(tty, os.getpid())
    signal.signal(signal.SIGTTOU, signal.SIG_DFL)
    signal.signal(signal.SIGTSTP, signal.SIG_DFL)
    os.execvp(sys.argv[1], sys.argv[1:])
try:
    os.setpgid(pid, pid)
except PermissionError:
    pass  # the child already ran exec (EACCES); it set its own group first
while True:
    _, status = os.waitpid(pid, os.WUNTRACED)
    if os.WIFSTOPPED(status):
        os.tcsetpgrp(tty, os.getpgrp())
        print(f"[job stopped by signal {os.WSTOPSIG(status)}] type fg", flush=True)
        while sys.stdin.readline().strip() != "fg":
            pass
        os.tcsetpgrp(tty, pid)
        os.kill(-pid, signal.SIGCONT)
        continue
    sys.exit(os.WEXITSTATUS(status) if os.WIFEXITED(status) else 128 + os.WTERMSIG(status))
"""


@pytest.mark.parametrize("how", ["signal", "ctrl-z"])
def test_sigtstp_suspends_and_sigcont_redraws(dmswatch_bin, tmux, tmp_path, how):
    js = tmp_path / "jobshell.py"
    js.write_text(JOBSHELL)
    e = demo_env(tmp_path)
    tmux.start(f"{env_prefix(e)} {sys.executable} {js} {dmswatch_bin} --demo --demo-seed 5", env=e)
    tmux.wait_for(lambda s: all(t in s for t in TITLES) and "running" in s, timeout=20)
    shell = fp.child_pid(tmux.pane_pid())
    pid = fp.child_pid(shell)
    if how == "signal":
        os.kill(pid, signal.SIGTSTP)
    else:
        tmux.send("C-z")
    screen = tmux.wait_text("[job stopped by signal", timeout=5)
    assert proc_state(pid) == "T", "the process is stopped"
    assert tmux.display("#{alternate_on}") == "0", "the terminal was given back while suspended"
    assert tmux.display("#{cursor_flag}") == "1"
    tmux.send("fg", "Enter")
    screen = tmux.wait_for(lambda s: all(t in s for t in TITLES) and "job stopped" not in s, timeout=5)
    assert tmux.display("#{alternate_on}") == "1"
    assert_layout(screen, 120, 40)
    med, xs = fp.median_latency(tmux)
    assert med <= 0.1, xs
    tmux.send("q")
    tmux.wait_text("EXIT=0")
    assert tmux.display("#{alternate_on}") == "0"
