"""Terminal and signals (issue 15), demo mode.

- ctrl-z, `bg`, `fg` in an interactive bash: nothing is drawn while in the background (the job keeps
  running, not stopped by SIGTTOU), and after `fg` the program's modes are back (no echo, keys fire
  without Enter) — bash restores the modes it saved at the stop, so they must be re-applied on SIGCONT;
- a terminal that stops reading (a pty nobody reads, like a stalled SSH link): SIGTERM and SIGHUP
  end the process within about a second with the terminal modes restored, and when the reader comes
  back the dashboard is still alive and drawing.
"""
import fcntl
import os
import signal
import struct
import subprocess
import termios
import time

import pytest

from test_dashboard_tmux import TITLES, demo_env


def proc_state(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return "gone"


def last_line(screen):
    lines = [l for l in screen.splitlines() if l.strip()]
    return lines[-1] if lines else ""


def child_of(pid):
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True).stdout.split()
    return int(out[0]) if out else None


def test_ctrl_z_bg_fg_in_interactive_bash_restores_modes_and_never_draws_in_background(dmswatch_bin, tmux, tmp_path):
    env = demo_env(tmp_path, HISTFILE="/dev/null")
    tmux.start("bash --norc --noprofile -i", env=env)
    tmux.wait_for(lambda s: "$" in s or "#" in s, timeout=10)
    tmux.send("PS1='PROMPT''$ '", "Enter")
    tmux.wait_text("PROMPT$", timeout=10)
    tmux.send(f"{dmswatch_bin} --demo --demo-seed 5", "Enter")
    tmux.wait_for(lambda s: all(t in s for t in TITLES) and "running" in s, timeout=20)
    bash = tmux.cmd("display-message", "-p", "-t", tmux.session, "#{pane_pid}").stdout.strip()
    pid = child_of(int(bash))
    tty = tmux.display("#{pane_tty}")

    tmux.send("C-z")
    tmux.wait_for(lambda s: "Stopped" in s and last_line(s).startswith("PROMPT$"), timeout=10)
    tmux.send("bg", "Enter")
    tmux.send("echo MARK-BG", "Enter")
    tmux.wait_for(lambda s: "\nMARK-BG" in s, timeout=10)
    # Positive marker first (the shell answered), then: a few ticks of the dashboard pass in the background.
    ticks_deadline = time.monotonic() + 2.5
    while time.monotonic() < ticks_deadline:
        assert proc_state(pid) in ("S", "R"), f"the background job was stopped ({proc_state(pid)}): it drew or changed modes"
        s = tmux.capture()
        assert tmux.display("#{alternate_on}") == "0", "drew in the background"
        assert not any(t in s for t in ("TASKS", "LATENCY")), s
        time.sleep(0.2)

    tmux.send("fg", "Enter")
    tmux.wait_for(lambda s: all(t in s for t in TITLES), timeout=10)
    modes = subprocess.run(["stty", "-F", tty, "-a"], capture_output=True, text=True).stdout.split()
    assert "-echo" in modes and "-icanon" in modes, f"program modes not restored after fg: {modes}"
    # A key fires at once, without Enter.
    tmux.send("?")
    tmux.wait_text("HELP: keys", timeout=2)
    tmux.send("Escape")
    tmux.send("q")
    tmux.wait_for(lambda s: "PROMPT$" in s and tmux.display("#{alternate_on}") == "0", timeout=10)


def spawn_on_pty(dmswatch_bin, tmp_path, cols=160, rows=50, extra=()):
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    env = {**os.environ, **demo_env(tmp_path)}

    def ctty():
        os.setsid()
        fcntl.ioctl(0, termios.TIOCSCTTY, 0)

    p = subprocess.Popen([str(dmswatch_bin), "--demo", "--demo-seed", "5", "--refresh", "1", *extra], stdin=slave, stdout=slave,
                         stderr=slave, env=env, preexec_fn=ctty, close_fds=True)
    return p, master, slave


def end_pty(p, master, slave):
    """Kills the dashboard if it is still running and closes both ends of its pty."""
    if p.poll() is None:
        p.kill()
        p.wait()
    os.close(master)
    os.close(slave)


def read_until(master, needle, timeout):
    buf = b""
    deadline = time.monotonic() + timeout
    os.set_blocking(master, False)
    while time.monotonic() < deadline:
        try:
            chunk = os.read(master, 65536)
            buf += chunk
            if needle in buf:
                return buf
        except BlockingIOError:
            time.sleep(0.02)
        except OSError:
            break
    raise AssertionError(f"{needle!r} not seen in {timeout}s; got {buf[-400:]!r}")


def stall(p, master, seconds):
    """Stops reading and makes the dashboard write a lot: full repaints after each resize."""
    deadline = time.monotonic() + seconds
    k = 0
    while time.monotonic() < deadline:
        k += 1
        fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40 + k % 20, 120 + k % 60, 0, 0))
        p.send_signal(signal.SIGWINCH)
        time.sleep(0.05)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGHUP])
def test_stalled_terminal_never_blocks_signals(dmswatch_bin, tmp_path, sig):
    p, master, slave = spawn_on_pty(dmswatch_bin, tmp_path)
    try:
        read_until(master, b"TASKS", 20)
        # The reader stalls: the pty's buffer fills.
        stall(p, master, 3.0)
        assert p.poll() is None
        # Still alive and drawing once the reader comes back (frames were skipped, not lost for good).
        read_until(master, b"LATENCY", 10)
        stall(p, master, 3.0)
        t0 = time.monotonic()
        p.send_signal(sig)
        p.wait(timeout=10)
        took = time.monotonic() - t0
        assert took < 1.6, f"{signal.Signals(sig).name} took {took:.2f}s with a stalled terminal"
        assert p.returncode == 128 + sig, p.returncode
        attrs = termios.tcgetattr(slave)
        assert attrs[3] & termios.ECHO and attrs[3] & termios.ICANON, "terminal modes restored"
    finally:
        end_pty(p, master, slave)


def test_stalled_terminal_never_blocks_the_engines(dmswatch_bin, tmp_path):
    """While the terminal takes no output for seconds, polling goes on: the recording (written by the
    engines' calls, not by the screen) keeps getting responses inside the stall; afterwards the screen
    catches up and `q` quits normally."""
    import gzip
    import json
    rec = tmp_path / "stall.dmsrec"
    p, master, slave = spawn_on_pty(dmswatch_bin, tmp_path, extra=("--no-audit", "--record", str(rec)))
    try:
        read_until(master, b"TASKS", 20)
        start = time.time()
        stall(p, master, 6.0)
        end = time.time()
        assert p.poll() is None
        read_until(master, b"LATENCY", 10)
        os.write(master, b"q")
        p.wait(timeout=10)
        assert p.returncode == 0, p.returncode
        lines = gzip.open(rec).read().decode("utf-8").splitlines()
        # Every response the engines recorded: new (`r`), unchanged (`same`) or a task-list delta (`dp`). A
        # stopped task's log read once from its backfill answers `same` from then on.
        times = [json.loads(l)["t"] for l in lines[1:] if l.startswith('{"') and json.loads(l).get("k") in ("r", "same", "dp")]
        inside = [t for t in times if start + 1.5 <= t <= end - 0.5]
        # --refresh 1 polls the task list every second or two and the logs every second: a blocked main
        # thread makes none in the 4 s window.
        assert len(inside) >= 4, f"{len(inside)} responses during the stall ({start:.1f}..{end:.1f}); all: {times[-30:]}"
    finally:
        end_pty(p, master, slave)
