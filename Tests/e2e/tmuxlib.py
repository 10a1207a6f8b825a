"""A small tmux driver for end-to-end screen tests: a private server socket per test."""
import os
import re
import subprocess
import time
import uuid


class Tmux:
    def __init__(self, tmp_path):
        self.tmp = tmp_path
        self.socket = f"dmsw-{uuid.uuid4().hex[:10]}"
        self.session = "t"

    def cmd(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, check=check)

    def start(self, command, width=120, height=40, env=None):
        e = {k: v for k, v in os.environ.items() if k not in ("TMUX",)}
        e.update(env or {})
        wrapped = f"{command}; echo \"EXIT=$?\"; sleep 60"
        argv = ["tmux", "-L", self.socket, "-f", "/dev/null", "new-session", "-d", "-s", self.session,
                "-x", str(width), "-y", str(height), wrapped]
        # Right after kill() the old server may still be exiting on the same socket and refuse the new
        # session: retried for up to 5 s, then the last failure is raised.
        deadline = time.time() + 5
        while True:
            r = subprocess.run(argv, env=e, capture_output=True, text=True)
            if r.returncode == 0:
                break
            if time.time() >= deadline:
                raise subprocess.CalledProcessError(r.returncode, argv, output=r.stdout, stderr=r.stderr)
            time.sleep(0.1)
        self.cmd("set-option", "-g", "status", "off", check=False)

    def capture(self):
        return self.cmd("capture-pane", "-p", "-t", self.session).stdout

    def send(self, *keys):
        self.cmd("send-keys", "-t", self.session, *keys)

    def display(self, fmt):
        return self.cmd("display-message", "-p", "-t", self.session, fmt).stdout.strip()

    def resize(self, width, height):
        self.cmd("resize-window", "-t", self.session, "-x", str(width), "-y", str(height), check=False)

    def wait_for(self, predicate, timeout=15.0, interval=0.05):
        deadline = time.time() + timeout
        last = ""
        while time.time() < deadline:
            last = self.capture()
            if predicate(last):
                return last
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout}s; screen was:\n{last}")

    def app_clock(self):
        """Seconds of day of the dashboard's header clock (`HH:MM:SS UTC`), or None."""
        first = (self.capture().splitlines() or [""])[0]
        m = re.search(r"(\d\d):(\d\d):(\d\d) UTC", first)
        return int(m.group(1)) * 3600 + int(m.group(2)) * 60 + int(m.group(3)) if m else None

    def wait_app_seconds(self, seconds, timeout=None):
        """Waits until the dashboard itself has drawn `seconds` more seconds of its header clock: a positive
        marker that it kept running and redrawing (instead of a fixed sleep before asserting an absence).
        Fails when the clock does not advance."""
        start = None
        deadline = time.time() + (timeout or seconds + 10)
        while time.time() < deadline:
            c = self.app_clock()
            if c is not None:
                if start is None:
                    start = c
                elif (c - start) % 86400 >= seconds:
                    return self.capture()
            time.sleep(0.05)
        raise AssertionError(f"the dashboard clock did not advance {seconds}s; screen was:\n{self.capture()}")

    def wait_text(self, text, timeout=15.0):
        return self.wait_for(lambda s: text in s, timeout)

    def pane_pid(self):
        return int(self.display("#{pane_pid}") or 0)

    def kill(self):
        self.cmd("kill-server", check=False)
